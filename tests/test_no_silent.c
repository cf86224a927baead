/*
** test_no_silent.c — the property of issue 11: a run that cannot be
** trusted says so.  For every input role, the sample city's layer of that
** role is replaced by a mutation of it, and the real `ibmap run` must
** either stop with a message naming the mutated file, or finish with the
** defect shown in its summary, in report.html's warning box and in the
** GeoPackage's run table (verdict.ROLE).  Finishing with none of them is
** the failure this test exists to catch.
**
** The mutations, written with GDAL's C API from the sample's own layer:
**
**   unusable   every geometry unusable: odd features without geometry,
**              even ones a ring of three collinear points (no area);
**   zone       coordinates in EPSG:4549 (CM 120E) declared as EPSG:4548
**              (CM 117E), a .prj of the neighbouring zone: the
**              coordinates still lie in its area of use;
**   wgs84      coordinates in EPSG:4549 metres declared as WGS 84
**              (EPSG:4326), as a GeoJSON without its crs member is;
**   codes      (land use) every DLBM code replaced by one no system
**              knows;
**   codes10    (land use) one feature in ten with such a code.
**
** Each layer keeps its sample format: shapefiles (GBK, .prj) for blocks
** and control units, GeoJSON for the red line, GeoPackage for the rest.
** The table of outcomes is printed as TAP comments.  Kept to about two
** minutes: --formats gpkg,report.
*/
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ibmap.h"

static const char *dir;
static char sample[4096];

/* The sample's layer of each role: file, layer (NULL: the only one). */
static const struct {
    ibmap_role role;
    const char *file, *layer, *driver, *ext;
} sources[] = {
    {IBMAP_ROLE_BLOCKS, "blocks.shp", NULL, "ESRI Shapefile", "shp"},
    {IBMAP_ROLE_PARCELS, "city.gpkg", "parcels", "GPKG", "gpkg"},
    {IBMAP_ROLE_LANDUSE, "city.gpkg", "DLTB", "GPKG", "gpkg"},
    {IBMAP_ROLE_REDLINE, "redline.geojson", NULL, "GeoJSON", "geojson"},
    {IBMAP_ROLE_CONTROL_UNITS, "control_units.shp", NULL, "ESRI Shapefile", "shp"},
    {IBMAP_ROLE_PARKS, "city.gpkg", "parks", "GPKG", "gpkg"},
    {IBMAP_ROLE_CENTRAL, "city.gpkg", "central", "GPKG", "gpkg"},
    {IBMAP_ROLE_TRANSITION, "city.gpkg", "transition", "GPKG", "gpkg"},
    {IBMAP_ROLE_BASIC_FARMLAND, "city.gpkg", "basic_farmland", "GPKG", "gpkg"},
    {IBMAP_ROLE_TOWNS, "city.gpkg", "towns", "GPKG", "gpkg"},
};
#define N_SOURCES (int)(sizeof sources / sizeof *sources)

typedef enum mutation { M_UNUSABLE, M_ZONE, M_WGS84, M_CODES, M_CODES10, M_COUNT } mutation;
static const char *const mutation_names[M_COUNT] = {"unusable", "zone", "wgs84", "codes",
                                                    "codes10"};
static const char *const mutation_texts[M_COUNT] = {
    "all geometries unusable", "declared EPSG:4548 (another zone)",
    "declared EPSG:4326 on metres", "unknown land-use codes (all)",
    "unknown land-use codes (1 in 10)"};

/* The outcome of each case, for the table at the end. */
static char outcomes[N_SOURCES][M_COUNT][700];

static OGRSpatialReferenceH srs_of(int epsg)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(s, epsg);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

/* A ring of three collinear points at the geometry's first point: a
** polygon without area, which the loader's repair cannot save. */
static OGRGeometryH collapsed_at(OGRGeometryH g)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    double d = fabs(e.MinX) <= 180 ? 1e-4 : 10;
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, e.MinX, e.MinY);
    OGR_G_AddPoint_2D(ring, e.MinX + d, e.MinY);
    OGR_G_AddPoint_2D(ring, e.MinX + 2 * d, e.MinY);
    OGR_G_AddPoint_2D(ring, e.MinX, e.MinY);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    return poly;
}

/* Write source s mutated by m to `out`.  1 on success. */
static int mutate(int s, mutation m, const char *out)
{
    char src[4200];
    snprintf(src, sizeof src, "%s/%s", sample, sources[s].file);
    GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!in) return 0;
    OGRLayerH L = sources[s].layer ? GDALDatasetGetLayerByName(in, sources[s].layer)
                                   : GDALDatasetGetLayer(in, 0);
    GDALDriverH drv = GDALGetDriverByName(sources[s].driver);
    const char *shp_opts[] = {"ENCODING=CP936", NULL};
    const char *json_opts[] = {"RFC7946=NO", "COORDINATE_PRECISION=3", NULL};
    const char **lco = strcmp(sources[s].driver, "ESRI Shapefile") == 0 ? shp_opts
                       : strcmp(sources[s].driver, "GeoJSON") == 0     ? json_opts
                                                                       : NULL;
    unlink(out);
    GDALDatasetH o = L && drv ? GDALCreate(drv, out, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!o) {
        GDALClose(in);
        return 0;
    }
    /* the coordinates in EPSG:4549; declared as the mutation says */
    OGRSpatialReferenceH work = srs_of(4549);
    OGRSpatialReferenceH declared = srs_of(m == M_ZONE ? 4548 : m == M_WGS84 ? 4326 : 4549);
    OGRSpatialReferenceH own = OGR_L_GetSpatialRef(L);
    OGRCoordinateTransformationH ct = NULL;
    if (own && !OSRIsSame(own, work)) {
        OGRSpatialReferenceH own_trad = OSRClone(own);
        OSRSetAxisMappingStrategy(own_trad, OAMS_TRADITIONAL_GIS_ORDER);
        ct = OCTNewCoordinateTransformation(own_trad, work);
        OSRDestroySpatialReference(own_trad);
    }
    /* unusable and codes keep the layer's own CRS (a GeoJSON stays WGS 84) */
    int keep_own = m == M_UNUSABLE || m == M_CODES || m == M_CODES10;
    char name[256];
    snprintf(name, sizeof name, "%s_%s", ibmap_role_name(sources[s].role), mutation_names[m]);
    OGRLayerH OL = GDALDatasetCreateLayer(o, name, keep_own && own ? own : declared,
                                          wkbMultiPolygon, (char **)lco);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(L);
    for (int i = 0; OL && i < OGR_FD_GetFieldCount(defn); i++)
        OGR_L_CreateField(OL, OGR_FD_GetFieldDefn(defn, i), 1);
    int code = OGR_FD_GetFieldIndex(defn, "DLBM");
    OGR_L_ResetReading(L);
    OGRFeatureH f;
    int64_t k = 0;
    int ok = OL != NULL;
    while (ok && (f = OGR_L_GetNextFeature(L)) != NULL) {
        OGRFeatureH g = OGR_F_Create(OGR_L_GetLayerDefn(OL));
        for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++)
            if (OGR_F_IsFieldSetAndNotNull(f, i))
                OGR_F_SetFieldString(g, i, OGR_F_GetFieldAsString(f, i));
        OGRGeometryH geom = OGR_F_GetGeometryRef(f);
        geom = geom ? OGR_G_Clone(geom) : NULL;
        if (geom && !keep_own && ct) OGR_G_Transform(geom, ct);
        if (geom && m == M_UNUSABLE) {
            OGRGeometryH c = k % 2 ? NULL : collapsed_at(geom);
            OGR_G_DestroyGeometry(geom);
            geom = c;
        }
        if (geom) OGR_F_SetGeometryDirectly(g, OGR_G_ForceToMultiPolygon(geom));
        if (code >= 0 && (m == M_CODES || (m == M_CODES10 && k % 10 == 0))) {
            char bad[64];
            snprintf(bad, sizeof bad, "X%s", OGR_F_GetFieldAsString(f, code));
            OGR_F_SetFieldString(g, code, bad);
        }
        ok = OGR_L_CreateFeature(OL, g) == OGRERR_NONE;
        OGR_F_Destroy(g);
        OGR_F_Destroy(f);
        k++;
    }
    if (ct) OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(work);
    OSRDestroySpatialReference(declared);
    GDALClose(o);
    GDALClose(in);
    return ok && k > 0;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s) s[fread(s, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return s;
}

/* The first line of `text` holding `needle`, into out. */
static void line_with(const char *text, const char *needle, char *out, size_t n)
{
    const char *p = text ? strstr(text, needle) : NULL;
    out[0] = '\0';
    if (!p) return;
    while (p > text && p[-1] != '\n') p--;
    size_t len = strcspn(p, "\n");
    snprintf(out, n, "%.*s", (int)(len < n - 1 ? len : n - 1), p);
}

static int cur_source;
static mutation cur_mutation;

static void one_case(void)
{
    int s = cur_source;
    mutation m = cur_mutation;
    const char *role = ibmap_role_name(sources[s].role);
    char file[4200], out[4200], log[4300], cmd[20000], flag[64];
    snprintf(file, sizeof file, "%s/%s_%s.%s", dir, role, mutation_names[m], sources[s].ext);
    snprintf(out, sizeof out, "%s/out_%s_%s", dir, role, mutation_names[m]);
    snprintf(log, sizeof log, "%s/%s_%s.txt", dir, role, mutation_names[m]);
    snprintf(flag, sizeof flag, "--%s", role);
    for (char *c = flag + 2; *c; c++)
        if (*c == '_') *c = '-';
    CHECK(mutate(s, m, file));
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s/project.yaml' %s '%s' -o '%s' --formats gpkg,report --threads 2 "
             "--progress none > '%s' 2>&1",
             getenv("IBMAP_EXE"), sample, flag, file, out, log);
    int rc = run(cmd);
    char *text = slurp(log);
    CHECK(text != NULL);
    const char *base = strrchr(file, '/') + 1;
    char line[400];
    if (rc != 0) {
        /* stopped: with a message naming the file */
        CHECK_INT(rc, 1);
        line_with(text, base, line, sizeof line);
        snprintf(outcomes[s][m], sizeof outcomes[s][m], "stopped: %s",
                 line[0] ? line : "WITHOUT NAMING THE FILE");
        if (!line[0]) printf("# %s\n", text);
        free(text);
        CHECK(line[0] != '\0');
        return;
    }
    /* finished: the defect in the summary, the report and the run table */
    char needle[128];
    snprintf(needle, sizeof needle, " %s: ", role);
    line_with(text, needle, line, sizeof line);
    int in_summary = strstr(line, "warning ") == line + 2 ||
                     strstr(line, "defects accepted ") == line + 2;
    snprintf(outcomes[s][m], sizeof outcomes[s][m], "finished: %s",
             in_summary ? line + 2 : "SILENTLY (no verdict in the summary)");
    free(text);
    CHECK(in_summary);
    char path[4400];
    snprintf(path, sizeof path, "%s/report.html", out);
    char *report = slurp(path);
    CHECK(report != NULL);
    char box[256];
    snprintf(box, sizeof box, "<code class=\"id\">%s</code>: ", role);
    const char *alert = strstr(report, "<div class=\"defects\"");
    const char *item = strstr(report, box);
    const char *main_start = strstr(report, "<main>");
    int in_report = alert && item && main_start && alert < item && item < main_start;
    free(report);
    CHECK(in_report);
    snprintf(cmd, sizeof cmd,
             "ogrinfo -q '%s/industrial_map.gpkg' -sql \"SELECT value FROM run WHERE key = "
             "'verdict.%s'\" > '%s.run' 2>&1",
             out, role, log);
    CHECK_INT(run(cmd), 0);
    snprintf(path, sizeof path, "%s.run", log);
    char *table = slurp(path);
    int in_table = table && (strstr(table, "value (String) = warning: ") ||
                             strstr(table, "value (String) = defects accepted: "));
    if (!in_table) printf("# run table: %s\n", table ? table : "(none)");
    free(table);
    CHECK(in_table);
    strncat(outcomes[s][m], " — in the summary, the report's box and run.verdict." ,
            sizeof outcomes[s][m] - strlen(outcomes[s][m]) - 1);
}

int main(void)
{
    dir = test_scratch_dir("test_no_silent");
    snprintf(sample, sizeof sample, "%s/layers/sample", test_source_root());
    GDALAllRegister();
    int n = 0;
    for (int s = 0; s < N_SOURCES; s++)
        for (int m = 0; m < M_COUNT; m++) {
            if ((m == M_CODES || m == M_CODES10) && sources[s].role != IBMAP_ROLE_LANDUSE)
                continue;
            cur_source = s;
            cur_mutation = (mutation)m;
            char name[128];
            snprintf(name, sizeof name, "%s_%s_is_not_silent",
                     ibmap_role_name(sources[s].role), mutation_names[m]);
            test_run(name, one_case);
            n++;
        }
    printf("# %d cases: role × mutation → outcome\n", n);
    for (int s = 0; s < N_SOURCES; s++)
        for (int m = 0; m < M_COUNT; m++)
            if (outcomes[s][m][0])
                printf("# %-15s %-34s → %.300s\n", ibmap_role_name(sources[s].role),
                       mutation_texts[m], outcomes[s][m]);
    return test_finish();
}
