/*
** test_outputs.c — the vector outputs (out_ogr.c, outputs.c,
** output_model.c), end to end: the sample city loaded, overlaid and
** classified, the outputs written, and every file read back through GDAL
** (an independent reader) and compared with what the library computed:
** feature counts, ids, classes, areas, Chinese text, the Shapefile's
** encodings and field names, GeoJSON's RFC 7946 rules, the QGIS styles
** table, overwrite protection and nothing-lost on the messy sample; and
** the blocks' and parcels' own source fields, beside the canonical ones,
** in every format.
*/
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"
#include "output/output.h"
#include "out_fixture.h"
#include "fixtures.h"

static ibmap_ctx *ctx;
static char dir[256];

/* One city taken through the whole pipeline, outputs in `out`. */
typedef struct city {
    char out[512];
    char ws[512];
    ibmap_data *data;
    ibmap_metrics *metrics;
    ibmap_classification *c;
    ibmap_rules *rules;
    int ok;
} city;

static city clean, messy;

static int run_city(city *k, const char *project_path, const char *name,
                    const ibmap_output_options *oo)
{
    ibmap_project *p = NULL;
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    char rules_path[1024];
    snprintf(rules_path, sizeof rules_path, "%s/layers/rules/cixi-2021.yaml", test_source_root());
    snprintf(k->out, sizeof k->out, "%s/%s", dir, name);
    snprintf(k->ws, sizeof k->ws, "%s/%s.sqlite", dir, name);
    ibmap_status s = ibmap_project_read(ctx, project_path, &p);
    if (!s) s = ibmap_load(ctx, p, &k->data);
    if (!s) s = ibmap_overlay(ctx, k->data, &o, &k->metrics);
    if (!s) s = ibmap_workspace_write(ctx, k->ws, p, &o, k->data, k->metrics);
    if (!s) s = ibmap_rules_read(ctx, rules_path, &k->rules);
    if (!s) s = ibmap_classify(ctx, k->ws, k->rules, "default", &k->c);
    if (!s) s = ibmap_write_outputs(ctx, k->ws, k->c, k->rules, k->out, oo);
    if (s) printf("# %s: %s\n", name, ibmap_errmsg(ctx));
    ibmap_project_free(p);
    k->ok = s == IBMAP_OK;
    return k->ok;
}

static void city_free(city *k)
{
    ibmap_classification_free(k->c);
    ibmap_rules_free(k->rules);
    ibmap_metrics_free(k->metrics);
    ibmap_data_free(k->data);
}

static GDALDatasetH open_vector(const char *path)
{
    return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
}

static const char *feature_text(OGRFeatureH f, const char *field)
{
    int i = OGR_F_GetFieldIndex(f, field);
    return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : NULL;
}

static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = 0;
    fclose(f);
    if (size) *size = (size_t)n;
    return buf;
}

/* Index of the block with id `id` in the classification, or -1. */
static int64_t block_index(const ibmap_classification *c, const char *id)
{
    for (int64_t b = 0; b < ibmap_classification_count(c); b++)
        if (strcmp(ibmap_classification_block_id(c, b), id) == 0) return b;
    return -1;
}

/* ---------------------------------------------------------------------- */

TEST(shapefile_names_are_short_readable_and_deterministic)
{
    char n[11];
    out_shapefile_name("tax", n);
    CHECK_STR(n, "tax");
    out_shapefile_name("geom_state", n);
    CHECK_STR(n, "geom_state");
    out_shapefile_name("basic_farmland_share", n);
    CHECK_STR(n, "bas_far_sh");
    out_shapefile_name("grade_a_share", n);
    CHECK_STR(n, "grad_a_sha");
    out_shapefile_name("labour_productivity", n);
    CHECK_STR(n, "labou_prod");
    CHECK(strlen(n) <= 10);
}

/* The model's tables keep one copy of each distinct text (core/
** text_set.c): equal texts share it, in one column or several, while the
** table is filled.  A table begun after drops the set of the one before;
** a text set there later is still right, and a cell set to NULL is null.
** A geometry is copied, or shared between two tables of the model. */
TEST(model_tables_share_texts_and_geometries)
{
    out_model *m = calloc(1, sizeof *m);
    CHECK(m != NULL);
    if (!m) return;
    out_table *a = out_model_add_table(m, "a", "", 0);
    CHECK(a && out_table_add_column(a, "class", "", "", OUT_TEXT) == 0);
    CHECK(out_table_add_column(a, "copy", "", "", OUT_TEXT) == 1);
    CHECK(out_table_set_rows(a, 3));
    char buf[32];
    snprintf(buf, sizeof buf, "%s", "扶持发展");
    CHECK(out_table_set_text(a, 0, 0, buf));
    snprintf(buf, sizeof buf, "%s", "整合改造");   /* the caller's buffer changes */
    CHECK(out_table_set_text(a, 2, 0, buf));
    CHECK(out_table_set_text(a, 1, 0, "扶持发展"));
    CHECK(out_table_set_text(a, 0, 1, "扶持发展"));
    CHECK_STR(out_text(a, 0, "class"), "扶持发展");
    CHECK_STR(out_text(a, 2, "class"), "整合改造");
    CHECK(out_text(a, 0, "class") == out_text(a, 1, "class"));
    CHECK(out_text(a, 0, "class") == out_text(a, 0, "copy"));
    CHECK(out_text(a, 0, "class") != out_text(a, 2, "class"));
    CHECK(a->interned.n == 2);

    /* tables is realloc'd: find a again by name */
    CHECK(out_model_add_table(m, "b", "", 0) != NULL);
    a = (out_table *)out_model_table(m, "a");
    CHECK(a && a->interned.n == 0 && a->interned.slots == NULL);
    if (!a) return;
    CHECK(out_table_set_text(a, 2, 1, "扶持发展"));
    CHECK_STR(out_text(a, 2, "copy"), "扶持发展");
    CHECK(out_table_set_text(a, 1, 0, NULL));
    CHECK(out_text(a, 1, "class") == NULL && out_cell_null(a, 1, 0));
    CHECK_STR(out_text(a, 0, "class"), "扶持发展");

    /* Geometries: copied into the table's arena, or shared with another
    ** table of the model (an enterprise of one parcel, out_enterprises.c). */
    out_table *p = out_model_add_table(m, "p", "", 1);
    CHECK(p && out_table_set_rows(p, 2));
    out_table *e = out_model_add_table(m, "e", "", 1);
    p = (out_table *)out_model_table(m, "p");
    CHECK(p && e && out_table_set_rows(e, 1));
    if (!p || !e) return;
    unsigned char wkb[128];
    size_t size = fx_rect_wkb(wkb, 0, 0, 10, 10);
    CHECK(out_table_set_wkb(p, 1, wkb, size));
    wkb[size - 1] ^= 0xFF;   /* the caller's buffer changes */
    CHECK(p->wkb[1] != wkb && p->wkb_size[1] == size && p->wkb[1][size - 1] != wkb[size - 1]);
    CHECK(out_table_share_wkb(e, 0, p, 1));
    CHECK(e->wkb[0] == p->wkb[1] && e->wkb_size[0] == size);
    CHECK(!out_table_share_wkb(e, 1, p, 1) && !out_table_share_wkb(e, 0, p, 2));
    CHECK(out_table_set_wkb(p, 0, NULL, 0) && p->wkb[0] == NULL && p->wkb_size[0] == 0);
    out_model_free(m);   /* each geometry freed once: ASan and valgrind see it */
}

/* Every block in the GeoPackage, with its id, class and geometry: the
** area GDAL computes equals the overlay's area_m2. */
TEST(geopackage_blocks_match_the_computed_blocks)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/industrial_map.gpkg", clean.out);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "blocks");
    CHECK(L != NULL);
    CHECK_INT(OGR_L_GetFeatureCount(L, TRUE), 300);
    CHECK_INT(OGR_L_GetFeatureCount(L, TRUE), ibmap_metrics_count(clean.metrics));
    CHECK_INT(OGR_L_GetGeomType(L), wkbMultiPolygon);
    int area_metric = ibmap_metric_index("area_m2");
    int64_t seen = 0, bad = 0;
    OGRFeatureH f;
    OGR_L_ResetReading(L);
    while ((f = OGR_L_GetNextFeature(L))) {
        const char *id = feature_text(f, "block_id");
        int64_t b = id ? block_index(clean.c, id) : -1;
        const char *klass = feature_text(f, "class");
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (b < 0 || !klass ||
            strcmp(klass, ibmap_class_name(ibmap_classification_class(clean.c, b))) != 0 ||
            !g || fabs(OGR_G_Area(g) - ibmap_metrics_number(clean.metrics, b, area_metric)) >
                      1e-6 * OGR_G_Area(g))
            bad++;
        seen++;
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    CHECK_INT(seen, 300);
    CHECK_INT(bad, 0);
}

TEST(geopackage_holds_every_layer_the_styles_and_the_run)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/industrial_map.gpkg", clean.out);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    static const char *const spatial[] = {"blocks", "parcels", "redline", "parks", "towns"};
    for (int i = 0; i < 5; i++) {
        OGRLayerH L = GDALDatasetGetLayerByName(ds, spatial[i]);
        if (!L) {
            GDALClose(ds);
            TEST_FAILF("no layer %s", spatial[i]);
        }
        ibmap_role r = (ibmap_role)ibmap_role_from_name(spatial[i]);
        CHECK_INT(OGR_L_GetFeatureCount(L, TRUE),
                  ibmap_layer_count(ibmap_data_layer(clean.data, r)));
    }
    OGRLayerH dq = GDALDatasetGetLayerByName(ds, "data_quality");
    CHECK(dq != NULL);
    CHECK_INT(OGR_L_GetFeatureCount(dq, TRUE), ibmap_data_defect_count(clean.data));
    OGRLayerH lu = GDALDatasetGetLayerByName(ds, "landuse_by_block");
    CHECK(lu != NULL);
    CHECK_INT(OGR_L_GetFeatureCount(lu, TRUE), ibmap_metrics_landuse_count(clean.metrics));
    /* the Chinese label of a metric, in the schema extension's table */
    OGRLayerH dc = GDALDatasetExecuteSQL(ds, "SELECT name, description FROM gpkg_data_columns "
                                         "WHERE table_name = 'blocks' AND column_name = "
                                         "'tax_per_mu'", NULL, NULL);
    CHECK(dc != NULL);
    OGRFeatureH label = OGR_L_GetNextFeature(dc);
    int label_ok = label && strcmp(OGR_F_GetFieldAsString(label, 0), "亩均税收") == 0 &&
                   strcmp(OGR_F_GetFieldAsString(label, 1), "万元/亩") == 0;
    if (label) OGR_F_Destroy(label);
    GDALDatasetReleaseResultSet(ds, dc);
    CHECK(label_ok);
    /* run: the rules' hash is recorded */
    OGRLayerH run = GDALDatasetGetLayerByName(ds, "run");
    CHECK(run != NULL);
    OGR_L_SetAttributeFilter(run, "key = 'rules.hash'");
    OGRFeatureH f = OGR_L_GetNextFeature(run);
    CHECK(f != NULL);
    CHECK_INT(strlen(feature_text(f, "value")), 16);
    OGR_F_Destroy(f);
    /* layer_styles: one default style per spatial table */
    OGRLayerH st = GDALDatasetGetLayerByName(ds, "layer_styles");
    CHECK(st != NULL);
    OGR_L_SetAttributeFilter(st, "f_table_name = 'blocks' AND useAsDefault = 1");
    f = OGR_L_GetNextFeature(st);
    CHECK(f != NULL);
    const char *qml = feature_text(f, "styleQML");
    int categorized = qml && strstr(qml, "categorizedSymbol") != NULL;
    OGR_F_Destroy(f);
    OGR_L_SetAttributeFilter(st, NULL);
    int64_t n_styles = OGR_L_GetFeatureCount(st, TRUE);
    GDALClose(ds);
    CHECK(categorized);
    /* blocks, parcels, enterprises, the sample's seven zone layers (redline,
    ** basic_farmland, parks, central, transition, control_units, towns) and
    ** the 小微企业园 candidate sites */
    CHECK_INT(n_styles, 11);
}

/* Nothing lost, recorded: the run table says how many blocks went in and
** came out, and their areas, as measured in the written file. */
TEST(run_table_records_the_nothing_lost_check)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/industrial_map.gpkg", clean.out);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *q = NULL;
    char got[4][64] = {"", "", "", ""};
    static const char *const keys[] = {"check.blocks_in", "check.blocks_out",
                                       "check.area_in_m2", "check.area_out_m2"};
    if (sqlite3_prepare_v2(db, "SELECT value FROM run WHERE key = ?", -1, &q, NULL) ==
        SQLITE_OK) {
        for (int i = 0; i < 4; i++) {
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW)
                snprintf(got[i], sizeof got[i], "%s", (const char *)sqlite3_column_text(q, 0));
        }
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    CHECK_STR(got[0], "300");
    CHECK_STR(got[1], "300");
    /* the sample's blocks: the sum of the overlay's area_m2 */
    double sum = 0;
    int area = ibmap_metric_index("area_m2");
    for (int64_t b = 0; b < ibmap_metrics_count(clean.metrics); b++)
        sum += ibmap_metrics_number(clean.metrics, b, area);
    CHECK_REL(strtod(got[2], NULL), sum, 1e-9);
    CHECK_REL(strtod(got[3], NULL), sum, 1e-9);
}

/* A city made for this test: blocks A (x 0..100) and B (x 80..180, both
** 100 m tall) overlap on 2000 m²; the project says block_overlaps: split.
** Taken through the real pipeline to a GeoPackage and report.html, the
** report's run table shows the nothing-lost figures measured on the
** GeoPackage (2 blocks, 20000 m² of source polygons) and the overlap:
** one pair, 2000 m². */
TEST(report_shows_the_nothing_lost_check_and_block_overlaps)
{
    char src[600], yaml[600];
    snprintf(src, sizeof src, "%s/overlap-src.gpkg", dir);
    snprintf(yaml, sizeof yaml, "%s/overlap.yaml", dir);
    const char *blocks[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340100,620000 3340000))|A",
        "POLYGON((620080 3340000,620180 3340000,620180 3340100,620080 3340100,620080 3340000))|B",
        NULL};
    const char *parcels[] = {
        "POLYGON((620000 3340000,620050 3340000,620050 3340100,620000 3340100,620000 3340000))|P1|120.5|7.5",
        NULL};
    const char *landuse[] = {
        "POLYGON((619900 3339900,620300 3339900,620300 3340200,619900 3340200,619900 3339900))|0601|工业用地",
        NULL};
    const char *cu[] = {
        "POLYGON((619000 3339000,622000 3339000,622000 3342000,619000 3342000,619000 3339000))|ZH1|单元|2",
        NULL};
    CHECK(fx_layer(src, "GPKG", "blocks", 4549, NULL, "QKBH:s", blocks));
    CHECK(fx_layer(src, "GPKG", "parcels", 4549, NULL, "ZDDM:s,SSHJ:r,YDMJ:r", parcels));
    CHECK(fx_layer(src, "GPKG", "DLTB", 4549, NULL, "DLBM:s,DLMC:s", landuse));
    CHECK(fx_layer(src, "GPKG", "cu", 4549, NULL, "HJGKDYBM:s,HJGKDYMC:s,ZHGKDYFL:s", cu));
    const char *redline[] = {
        "POLYGON((621000 3341000,621100 3341000,621100 3341100,621000 3341100,621000 3341000))|HX1|湿地红线",
        NULL};
    CHECK(fx_layer(src, "GPKG", "redline", 4549, NULL, "HXBH:s,HXMC:s", redline));
    CHECK(fx_layer(src, "GPKG", "parks", 4549, NULL, "YQBH:s,YQMC:s", redline));
    FILE *f = fopen(yaml, "w");
    CHECK(f != NULL);
    fprintf(f, "crs: EPSG:4549\nblock_overlaps: split\nlayers:\n"
               "  blocks: %s:blocks\n  parcels: %s:parcels\n  landuse: %s:DLTB\n"
               "  control_units: %s:cu\n  redline: %s:redline\n  parks: %s:parks\n", src, src,
            src, src, src, src);
    fclose(f);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    o.formats = IBMAP_OUT_GPKG | IBMAP_OUT_REPORT;
    city k;
    memset(&k, 0, sizeof k);
    run_city(&k, yaml, "overlap", &o);
    CHECK(k.ok);
    CHECK_INT(ibmap_metrics_count(k.metrics), 2);
    CHECK_NEAR(ibmap_metrics_number(k.metrics, 1, ibmap_metric_index("area_m2")), 8000, 1e-6);
    char path[700];
    snprintf(path, sizeof path, "%s/report.html", k.out);
    size_t size = 0;
    char *html = read_all(path, &size);
    CHECK(html != NULL);
    static const char *const want[] = {
        "<th>check.blocks_in</th><td>2</td>",
        "<th>check.blocks_out</th><td>2</td>",
        "<th>check.area_in_m2</th><td>20000.000000</td>",
        "<th>check.area_out_m2</th><td>20000.000000</td>",
        "<th>check.block_overlap_pairs</th><td>1</td>",
        "<th>check.block_overlap_m2</th><td>2000.000</td>"};
    for (int i = 0; i < 6; i++)
        if (!strstr(html, want[i])) TEST_FAILF("report.html lacks %s", want[i]);
    free(html);
    city_free(&k);
}

/* The SpatiaLite database: the same blocks, in a real SpatiaLite file
** (its metadata tables, and a geometry SpatiaLite itself reads). */
TEST(spatialite_has_the_same_blocks)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/industrial_map.sqlite", clean.out);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    CHECK_STR(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "SQLite");
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "blocks");
    int64_t n = L ? OGR_L_GetFeatureCount(L, TRUE) : -1;
    GDALClose(ds);
    CHECK_INT(n, 300);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *q = NULL;
    int ok = sqlite3_prepare_v2(db,
                                "SELECT count(*) FROM geometry_columns WHERE f_table_name = "
                                "'blocks' AND spatial_index_enabled = 1",
                                -1, &q, NULL) == SQLITE_OK &&
             sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1;
    sqlite3_finalize(q);
    sqlite3_close(db);
    CHECK(ok);
}

static int count_in_file(const char *path, const char *needle, size_t needle_len)
{
    size_t n;
    char *buf = read_all(path, &n);
    int count = 0;
    for (size_t i = 0; buf && i + needle_len <= n; i++)
        if (memcmp(buf + i, needle, needle_len) == 0) count++;
    free(buf);
    return count;
}

/* Shapefiles in UTF-8 (the default) and GBK: the .cpg says which, the
** DBF holds the bytes of that encoding, GDAL reads the same Chinese back,
** and names are ≤ 10 bytes, unique, listed in FIELDS.csv. */
static void check_shapefile(const char *out, const char *cpg_expected, const char *zh_bytes)
{
    char path[700];
    snprintf(path, sizeof path, "%s/shp/blocks.cpg", out);
    char *cpg = read_all(path, NULL);
    CHECK(cpg != NULL);
    int cpg_ok = strncmp(cpg, cpg_expected, strlen(cpg_expected)) == 0;
    free(cpg);
    CHECK(cpg_ok);
    snprintf(path, sizeof path, "%s/shp/blocks.dbf", out);
    CHECK(count_in_file(path, zh_bytes, strlen(zh_bytes)) > 0);
    snprintf(path, sizeof path, "%s/shp/blocks.shp", out);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    OGRLayerH L = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(L);
    int names_ok = 1;
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        const char *a = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        /* GDAL gives the name in UTF-8; the DBF holds it in its encoding,
        ** where a CJK character (3 bytes in UTF-8) is 2 bytes in GBK */
        size_t bytes = 0;
        for (const unsigned char *p = (const unsigned char *)a; *p; p++)
            bytes += *p < 0x80 ? 1 : (*p & 0xC0) == 0x80 ? 0 : strcmp(cpg_expected, "CP936") == 0 ? 2 : 3;
        if (bytes > 10) {
            printf("# field name %s: %zu bytes\n", a, bytes);
            names_ok = 0;
        }
        for (int j = 0; j < i; j++)
            if (strcasecmp(a, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, j))) == 0) names_ok = 0;
    }
    int64_t n = OGR_L_GetFeatureCount(L, TRUE), bad = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(L))) {
        const char *id = feature_text(f, "block_id");
        int64_t b = id ? block_index(clean.c, id) : -1;
        const char *zh = feature_text(f, "class_zh");
        if (b < 0 || !zh ||
            strcmp(zh, ibmap_class_label_zh(ibmap_classification_class(clean.c, b))) != 0)
            bad++;
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    CHECK(names_ok);
    CHECK_INT(n, 300);
    CHECK_INT(bad, 0);
    snprintf(path, sizeof path, "%s/shp/FIELDS.csv", out);
    char *fields = read_all(path, NULL);
    CHECK(fields != NULL);
    int mapped = strstr(fields, "blocks,basic_farmland_share,bas_far_sh,永久基本农田占比,") != NULL;
    free(fields);
    CHECK(mapped);
    snprintf(path, sizeof path, "%s/shp/blocks.qml", out);
    CHECK(count_in_file(path, "categorizedSymbol", 17) > 0);
}

TEST(shapefile_utf8_reads_back_intact)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    check_shapefile(clean.out, "UTF-8", "扶持发展");
}

TEST(shapefile_gbk_reads_back_intact)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char out[600];
    snprintf(out, sizeof out, "%s/gbk", dir);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    o.formats = IBMAP_OUT_SHAPEFILE;
    o.shp_encoding = "GBK";
    CHECK_INT(ibmap_write_outputs(ctx, clean.ws, clean.c, clean.rules, out, &o), IBMAP_OK);
    /* 扶持发展 in GBK: B7 F6 B3 D6 B7 A2 D5 B9 */
    check_shapefile(out, "CP936", "\xB7\xF6\xB3\xD6\xB7\xA2\xD5\xB9");
}

/* Signed area of a ring of [lon, lat] pairs read from GeoJSON text. */
TEST(geojson_follows_rfc7946)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/geojson/blocks.geojson", clean.out);
    char *text = read_all(path, NULL);
    CHECK(text != NULL);
    int has_crs = strstr(text, "\"crs\"") != NULL;
    free(text);
    CHECK(!has_crs);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    OGRLayerH L = GDALDatasetGetLayer(ds, 0);
    int64_t n = OGR_L_GetFeatureCount(L, TRUE), out_of_range = 0, clockwise = 0, rings = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(L))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        for (int p = 0; g && p < OGR_G_GetGeometryCount(g); p++) {
            OGRGeometryH poly = OGR_G_GetGeometryRef(g, p);
            OGRGeometryH ring = OGR_G_GetGeometryRef(poly, 0);
            double a = 0;
            int np = OGR_G_GetPointCount(ring);
            for (int i = 0; i < np; i++) {
                double x = OGR_G_GetX(ring, i), y = OGR_G_GetY(ring, i);
                double x2 = OGR_G_GetX(ring, (i + 1) % np), y2 = OGR_G_GetY(ring, (i + 1) % np);
                a += x * y2 - x2 * y;
                /* the sample city lies near Cixi: 121.0–121.6 E, 30.0–30.4 N */
                if (!(x > 120.5 && x < 122 && y > 29.8 && y < 30.7)) out_of_range++;
            }
            rings++;
            clockwise += a < 0;
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    CHECK_INT(n, 300);
    CHECK(rings >= 300);
    CHECK_INT(out_of_range, 0);
    CHECK_INT(clockwise, 0);
}

/* An existing output is never replaced without overwrite; with it, it is. */
TEST(existing_outputs_need_overwrite)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/industrial_map.gpkg", clean.out);
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    o.formats = IBMAP_OUT_GPKG;
    CHECK_INT(ibmap_write_outputs(ctx, clean.ws, clean.c, clean.rules, clean.out, &o),
              IBMAP_ERR_EXISTS);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "industrial_map.gpkg");
    CHECK(stat(path, &after) == 0);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
          after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    o.overwrite = 1;
    CHECK_INT(ibmap_write_outputs(ctx, clean.ws, clean.c, clean.rules, clean.out, &o), IBMAP_OK);
    CHECK(stat(path, &after) == 0);
    CHECK(after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
          after.st_mtim.tv_nsec != before.st_mtim.tv_nsec);
}

/* The same model written twice gives the same GeoPackage, byte for byte. */
TEST(geopackage_is_deterministic)
{
    out_model *m = fx_output_model();
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/det-a.gpkg", dir);
    snprintf(b, sizeof b, "%s/det-b.gpkg", dir);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    CHECK_INT(out_write_gpkg(ctx, m, a, &o), IBMAP_OK);
    CHECK_INT(out_write_gpkg(ctx, m, b, &o), IBMAP_OK);
    out_model_free(m);
    size_t na, nb;
    char *x = read_all(a, &na), *y = read_all(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    CHECK(same);
}

/* A block without geometry is still a feature, with no geometry. */
TEST(block_without_geometry_is_kept)
{
    out_model *m = fx_output_model();
    char path[600];
    snprintf(path, sizeof path, "%s/fixture.gpkg", dir);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    CHECK_INT(out_write_gpkg(ctx, m, path, &o), IBMAP_OK);
    out_model_free(m);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "blocks");
    int64_t n = OGR_L_GetFeatureCount(L, TRUE);
    OGR_L_SetAttributeFilter(L, "block_id = 'B5'");
    OGRFeatureH f = OGR_L_GetNextFeature(L);
    int no_geom = f && OGR_F_GetGeometryRef(f) == NULL;
    const char *name = f ? feature_text(f, "name") : NULL;
    int name_ok = name && strcmp(name, "无几何区块") == 0;
    if (f) OGR_F_Destroy(f);
    GDALClose(ds);
    CHECK_INT(n, 5);
    CHECK(no_geom);
    CHECK(name_ok);
}

/* A failure leaves nothing: a GeoPackage into a directory that is not
** there fails with a message naming it, and no temporary file is left. */
TEST(failed_write_leaves_nothing)
{
    out_model *m = fx_output_model();
    char path[600];
    snprintf(path, sizeof path, "%s/no-such-dir/x.gpkg", dir);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    CHECK_INT(out_write_gpkg(ctx, m, path, &o), IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "x.gpkg");
    snprintf(path, sizeof path, "%s/not-a-dir", dir);
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    char shp[700];
    snprintf(shp, sizeof shp, "%s/shp", path);
    CHECK(out_write_shapefiles(ctx, m, shp, "UTF-8", &o) != IBMAP_OK);
    out_model_free(m);
    struct stat st;
    CHECK(stat(shp, &st) != 0);
}

/* Files a and b are the same but for the times in them: the run table's
** "finished" (seconds) and SpatiaLite's own history (milliseconds) say
** when they were written, as YYYY-MM-DDTHH:MM:SS[.mmm]Z. */
static int same_but_times(const char *a, const char *b)
{
    size_t na, nb;
    char *x = read_all(a, &na), *y = read_all(b, &nb);
    int same = x && y && na == nb;
    for (char *t = x; same && t; t = t == x ? y : NULL) {
        size_t n = na;
        for (size_t i = 0; i + 20 <= n; i++) {
            static const char shape[] = "dddd-dd-ddTdd:dd:dd";
            size_t k = 0;
            while (shape[k] && (shape[k] == 'd' ? t[i + k] >= '0' && t[i + k] <= '9'
                                                : t[i + k] == shape[k]))
                k++;
            if (shape[k]) continue;
            for (k = 0; shape[k]; k++)
                if (shape[k] == 'd') t[i + k] = '0';
            for (k = i + 19; k < n && ((t[k] >= '0' && t[k] <= '9') || t[k] == '.'); k++)
                t[k] = '0';
        }
    }
    same = same && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Every file in directory a (and its subdirectories, one level) is in b
** and the same but for the times; as many files in both.  Returns the
** number of files compared, -1 at the first that differs (printed). */
static int same_dirs(const char *a, const char *b)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f | sort", a);
    FILE *p = popen(cmd, "r");
    char line[1024];
    int n = 0;
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        char fa[2100], fb[2100];
        snprintf(fa, sizeof fa, "%s/%s", a, line);
        snprintf(fb, sizeof fb, "%s/%s", b, line);
        if (!same_but_times(fa, fb)) {
            printf("# %s differs\n", line);
            n = -1;
            break;
        }
        n++;
    }
    if (p) pclose(p);
    snprintf(cmd, sizeof cmd, "test $(find '%s' -type f | wc -l) -eq $(find '%s' -type f | wc -l)",
             a, b);
    return n >= 0 && system(cmd) == 0 ? n : -1;
}

/* The writers run at once (one per core, or as many as asked for) and
** write the files they write one after another, byte for byte: the
** SpatiaLite database and the report show the GeoPackage's nothing-lost
** figures, as after it. */
TEST(writers_at_once_write_the_serial_files)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    char serial[600], together[600];
    snprintf(serial, sizeof serial, "%s/serial", dir);
    snprintf(together, sizeof together, "%s/together", dir);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    o.formats = IBMAP_OUT_ALL | IBMAP_OUT_FGB;
    o.started = 1700000000;
    o.threads = 1;
    CHECK_INT(ibmap_write_outputs(ctx, clean.ws, clean.c, clean.rules, serial, &o), IBMAP_OK);
    o.threads = 4;
    CHECK_INT(ibmap_write_outputs(ctx, clean.ws, clean.c, clean.rules, together, &o), IBMAP_OK);
    int n = same_dirs(serial, together);
    CHECK(n > 40);
}

/* One writer fails while the others run: the error is that writer's, the
** writers that would not have run after it (the QGIS project, SpatiaLite,
** the report) leave nothing, the others' files are complete, and no
** temporary file is left anywhere. */
TEST(a_failing_writer_leaves_the_others_complete)
{
    if (!clean.ok) TEST_FAILF("the sample city did not run");
    for (int threads = 1; threads <= 4; threads += 3) {
        char out[600], path[700], cmd[1500];
        snprintf(out, sizeof out, "%s/failing-%d", dir, threads);
        /* a directory that is not empty where the GeoPackage goes: it is
        ** written under its temporary name, then cannot be renamed */
        snprintf(path, sizeof path, "%s/industrial_map.gpkg/keep", out);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
        CHECK(system(cmd) == 0);
        ibmap_output_options o;
        ibmap_output_options_init(&o);
        o.formats = IBMAP_OUT_ALL;
        o.overwrite = 1;
        o.threads = threads;
        CHECK_INT(ibmap_write_outputs(ctx, clean.ws, clean.c, clean.rules, out, &o),
                  IBMAP_ERR_WRITE);
        CHECK_CONTAINS(ibmap_errmsg(ctx), "industrial_map.gpkg");
        struct stat st;
        static const char *const absent[] = {"industrial_map.qgs", "industrial_map.sqlite",
                                             "report.html"};
        for (int i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/%s", out, absent[i]);
            CHECK(stat(path, &st) != 0);
        }
        snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -name '*tmp-*')\"", out);
        CHECK(system(cmd) == 0);
        if (threads > 1) {
            /* the independent writers finished, their files complete */
            snprintf(path, sizeof path, "%s/geojson/parcels.geojson", out);
            GDALDatasetH ds = open_vector(path);
            CHECK(ds != NULL);
            if (ds) {
                OGRLayerH L = GDALDatasetGetLayer(ds, 0);
                CHECK_INT(OGR_L_GetFeatureCount(L, TRUE),
                          ibmap_layer_count(ibmap_data_layer(clean.data, IBMAP_ROLE_PARCELS)));
                GDALClose(ds);
            }
            snprintf(path, sizeof path, "%s/industrial_map.png", out);
            CHECK(stat(path, &st) == 0 && st.st_size > 0);
        }
    }
}

/* The messy sample: every block of the input is in the output, those
** without geometry too, and every data-quality entry is in the log. */
TEST(messy_city_loses_nothing)
{
    if (!messy.ok) TEST_FAILF("the messy sample did not run");
    char path[600];
    snprintf(path, sizeof path, "%s/industrial_map.gpkg", messy.out);
    GDALDatasetH ds = open_vector(path);
    CHECK(ds != NULL);
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "blocks");
    int64_t n = OGR_L_GetFeatureCount(L, TRUE);
    OGR_L_SetAttributeFilter(L, "geom IS NULL");
    int64_t no_geom = OGR_L_GetFeatureCount(L, TRUE);
    OGRLayerH dq = GDALDatasetGetLayerByName(ds, "data_quality");
    int64_t n_dq = OGR_L_GetFeatureCount(dq, TRUE);
    GDALClose(ds);
    const ibmap_layer *B = ibmap_data_layer(messy.data, IBMAP_ROLE_BLOCKS);
    int64_t expect_no_geom = 0;
    for (int64_t i = 0; i < ibmap_layer_count(B); i++) {
        unsigned char *w = NULL;
        size_t sz = 0;
        ibmap_layer_wkb(ctx, B, i, &w, &sz);
        expect_no_geom += w == NULL;
        ibmap_free(w);
    }
    CHECK_INT(n, ibmap_layer_count(B));
    CHECK(expect_no_geom > 0);
    CHECK_INT(no_geom, expect_no_geom);
    CHECK_INT(n_dq, ibmap_data_defect_count(messy.data));
}

/* One feature of layer `layer` of the file at `path`, by `where`; NULL when
** none.  *ds is the caller's to close. */
static OGRFeatureH one_feature(const char *path, const char *layer, const char *where,
                               GDALDatasetH *ds)
{
    *ds = open_vector(path);
    OGRLayerH L = *ds ? (layer ? GDALDatasetGetLayerByName(*ds, layer) : GDALDatasetGetLayer(*ds, 0))
                      : NULL;
    if (!L || OGR_L_SetAttributeFilter(L, where) != OGRERR_NONE) return NULL;
    return OGR_L_GetNextFeature(L);
}

/* Nothing the user gave is lost: a blocks shapefile (GBK) with fields of
** its own beyond the canonical ones (备注, 规划编号, and a `tax`, which
** blocks do not read), and a parcels layer with one (宗地备注) and one
** named like a column of ours (class, kept as src_class), through the
** real program into every file format. */
TEST(source_fields_travel_to_every_output)
{
    char cmd[8192], blocks[600], parcels[600], out[600], path[700];
    const char *sample_dir = test_source_root();
    snprintf(blocks, sizeof blocks, "%s/extra_blocks.shp", dir);
    snprintf(parcels, sizeof parcels, "%s/extra_parcels.gpkg", dir);
    snprintf(out, sizeof out, "%s/extra_out", dir);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -dialect SQLite -sql \"SELECT *, '备注' || QKBH AS 备注, 'GH-' || QKBH "
             "AS 规划编号, 7 AS tax FROM blocks\" -lco ENCODING=CP936 -nln extra_blocks '%s' "
             "'%s/layers/sample/blocks.shp' && "
             "ogr2ogr -dialect SQLite -sql \"SELECT *, 'P' || ZDDM AS 宗地备注, 1.5 AS class "
             "FROM parcels\" -nln parcels '%s' '%s/layers/sample/city.gpkg' && "
             "'%s' run '%s/layers/sample/project.yaml' --blocks '%s' --parcels '%s' -o '%s' "
             "--formats gpkg,sqlite,shp,geojson,fgb --progress none > '%s/extra.txt' 2>&1",
             blocks, sample_dir, parcels, sample_dir, getenv("IBMAP_EXE"), sample_dir, blocks,
             parcels, out, dir);
    if (system(cmd) != 0) {
        snprintf(path, sizeof path, "%s/extra.txt", dir);
        char *log = read_all(path, NULL);
        printf("# %s\n", log ? log : "no log");
        free(log);
    }
    static const char *const files[] = {"industrial_map.gpkg", "industrial_map.sqlite",
                                        "shp/blocks.shp", "geojson/blocks.geojson",
                                        "fgb/blocks.fgb"};
    for (int i = 0; i < 5; i++) {
        GDALDatasetH ds;
        snprintf(path, sizeof path, "%s/%s", out, files[i]);
        int shp = strstr(files[i], ".shp") != NULL;
        OGRFeatureH f = one_feature(path, i < 2 ? "blocks" : NULL, "block_id = 'QK0001'", &ds);
        if (!f) printf("# %s\n", path);
        CHECK(f != NULL);
        CHECK_STR(feature_text(f, "备注"), "备注QK0001");
        /* 规划编号 is 12 bytes in UTF-8: the DBF keeps 3 characters */
        CHECK_STR(feature_text(f, shp ? "规划编" : "规划编号"), "GH-QK0001");
        CHECK_STR(feature_text(f, "QKBH"), "QK0001");
        CHECK_STR(feature_text(f, shp ? "区块名" : "区块名称"), "浒山街道工业区块1");
        CHECK_NEAR(atof(feature_text(f, "tax")), 7, 0);
        OGR_F_Destroy(f);
        GDALClose(ds);
    }
    static const char *const pfiles[] = {"industrial_map.gpkg", "shp/parcels.shp",
                                         "geojson/parcels.geojson"};
    for (int i = 0; i < 3; i++) {
        GDALDatasetH ds;
        snprintf(path, sizeof path, "%s/%s", out, pfiles[i]);
        int shp = strstr(pfiles[i], ".shp") != NULL;
        OGRFeatureH f = one_feature(path, i == 0 ? "parcels" : NULL,
                                    "parcel_id = '330282001001GB00001'", &ds);
        CHECK(f != NULL);
        CHECK_STR(feature_text(f, shp ? "宗地备" : "宗地备注"), "P330282001001GB00001");
        CHECK_NEAR(atof(feature_text(f, "src_class")), 1.5, 0);
        CHECK_STR(feature_text(f, "ZDDM"), "330282001001GB00001");
        OGR_F_Destroy(f);
        GDALClose(ds);
    }
    snprintf(path, sizeof path, "%s/shp/FIELDS.csv", out);
    char *fields = read_all(path, NULL);
    CHECK(fields != NULL);
    CHECK(strstr(fields, "blocks,规划编号,规划编,,") != NULL);
    free(fields);
}

int main(void)
{
    GDALAllRegister();
    ctx = ibmap_ctx_new();
    snprintf(dir, sizeof dir, "/tmp/ibmap-test-outputs-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    char project[600], cmd[1400];
    snprintf(project, sizeof project, "%s/layers/sample/project.yaml", test_source_root());
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    o.formats = IBMAP_OUT_GPKG | IBMAP_OUT_SPATIALITE | IBMAP_OUT_SHAPEFILE | IBMAP_OUT_GEOJSON;
    run_city(&clean, project, "clean", &o);
    snprintf(cmd, sizeof cmd, "'%s' --out '%s/messy-src' --messy --seed 7 --quiet > /dev/null",
             getenv("IBMAP_MAKE_SAMPLE") ? getenv("IBMAP_MAKE_SAMPLE") : "ibmap-make-sample", dir);
    if (system(cmd) == 0) {
        snprintf(project, sizeof project, "%s/messy-src/project.yaml", dir);
        o.formats = IBMAP_OUT_GPKG;
        run_city(&messy, project, "messy", &o);
    }
    RUN(shapefile_names_are_short_readable_and_deterministic);
    RUN(model_tables_share_texts_and_geometries);
    RUN(geopackage_blocks_match_the_computed_blocks);
    RUN(geopackage_holds_every_layer_the_styles_and_the_run);
    RUN(run_table_records_the_nothing_lost_check);
    RUN(report_shows_the_nothing_lost_check_and_block_overlaps);
    RUN(spatialite_has_the_same_blocks);
    RUN(shapefile_utf8_reads_back_intact);
    RUN(shapefile_gbk_reads_back_intact);
    RUN(geojson_follows_rfc7946);
    RUN(existing_outputs_need_overwrite);
    RUN(geopackage_is_deterministic);
    RUN(block_without_geometry_is_kept);
    RUN(failed_write_leaves_nothing);
    RUN(writers_at_once_write_the_serial_files);
    RUN(a_failing_writer_leaves_the_others_complete);
    RUN(messy_city_loses_nothing);
    RUN(source_fields_travel_to_every_output);
    city_free(&clean);
    city_free(&messy);
    ibmap_ctx_free(ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
    return test_finish();
}
