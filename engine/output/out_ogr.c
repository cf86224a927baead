/*
** out_ogr.c — the vector outputs, written through GDAL's drivers: the
** GeoPackage (with QGIS styles inside), the SpatiaLite database, the
** Shapefiles and the GeoJSON files.
**
** One routine writes one model table into one OGR layer; each format
** differs only in what it is given:
**
**   GeoPackage   every table; spatial ones as MultiPolygon (the GeoPackage
**                specification wants the declared type, and a block may be
**                several polygons); the QGIS `layer_styles` table, so QGIS
**                shows each layer styled when it opens the file; field
**                aliases (the Chinese labels) as GDAL alternative names,
**                which the GPKG driver stores in gpkg_data_columns.
**   SpatiaLite   the same content, for SpatiaLite and its GUI.
**   Shapefile    spatial tables only (a .dbf without geometry is not what
**                a Shapefile user expects; the tables are in the other
**                formats).  Field names are cut to the DBF's 10 bytes by
**                our own deterministic rule, never by GDAL's laundering,
**                and the map from column to field is written beside them
**                (FIELDS.csv).  Numbers get explicit widths so that none is
**                cut; text longer than a DBF field holds (254 bytes) is
**                cut at a character boundary and the cut is counted in
**                FIELDS.csv.  A .qml beside each .shp styles it in QGIS.
**   GeoJSON      spatial tables only, RFC 7946: WGS 84 longitude/latitude,
**                right-hand winding, 7 decimals, no "crs" member — GDAL's
**                RFC7946=YES does all of that, reprojecting as it writes.
**
** Completeness: a file is created under a temporary name and renamed when
** GDAL has closed it; the Shapefile and GeoJSON sets are written into a
** temporary directory that replaces the old one only when every file in
** it is complete.
*/
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>

#include "output/output.h"

/* The largest text a DBF character field holds, in bytes. */
#define DBF_TEXT_MAX 254

/* ---------------------------------------------------------------------- */
/* Shapefile field names                                                  */
/* ---------------------------------------------------------------------- */

/* Shorten `name` to at most 10 bytes, keeping it readable: while too long,
** drop the last letter of the longest '_'-separated part (the last such
** part on a tie), keeping at least one letter of each part; then, if
** still too long, drop the underscores; then cut.  "basic_farmland_share"
** becomes "bas_far_sh", "grade_a_share" "grad_a_sha".  Names are ASCII
** (they are ours: metric and canonical field names). */
static void shorten_name(const char *name, char out[11])
{
    char parts[16][64];
    int len[16], n = 0;
    const char *p = name;
    while (*p && n < 16) {
        const char *e = strchr(p, '_');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l > 63) l = 63;
        memcpy(parts[n], p, l);
        parts[n][l] = 0;
        len[n++] = (int)l;
        if (!e) break;
        p = e + 1;
    }
    for (;;) {
        int total = n - 1, longest = -1;
        for (int i = 0; i < n; i++) {
            total += len[i];
            if (len[i] > 1 && (longest < 0 || len[i] >= len[longest])) longest = i;
        }
        if (total <= 10 || longest < 0) break;
        parts[longest][--len[longest]] = 0;
    }
    char joined[16 * 64 + 16] = "";
    int total = n - 1;
    for (int i = 0; i < n; i++) total += len[i];
    for (int i = 0; i < n; i++) {
        if (i && total <= 10) strcat(joined, "_");
        strcat(joined, parts[i]);
    }
    size_t n_out = strlen(joined) < 10 ? strlen(joined) : 10;
    memcpy(out, joined, n_out);
    out[n_out] = 0;
}

static int cut_text(char *s, size_t max, int gbk);

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

/* Field names for table t, ≤ 10 bytes in the DBF's encoding, unique
** without regard to case (DBF readers compare so): the shortened name, or
** on a clash its first 8 bytes and a two-digit counter.  A name of the
** source's (a Chinese 备注, 规划编号) is cut at a character boundary
** instead: 10 bytes are 3 CJK characters in UTF-8, 5 in GBK.  names[c]
** is freed by free_names. */
static char **shapefile_names(const out_table *t, int gbk)
{
    char **names = calloc((size_t)t->n_columns + 1, sizeof *names);
    if (!names) return NULL;
    for (int c = 0; c < t->n_columns; c++) {
        char base[64], try[80];
        if (is_ascii(t->columns[c].name)) {
            shorten_name(t->columns[c].name, base);
        } else {
            snprintf(base, sizeof base, "%s", t->columns[c].name);
            cut_text(base, 10, gbk);
        }
        snprintf(try, sizeof try, "%s", base);
        for (int k = 1; k < 100; k++) {
            int clash = 0;
            for (int d = 0; d < c && !clash; d++) clash = strcasecmp(names[d], try) == 0;
            if (!clash) break;
            char head[64];
            snprintf(head, sizeof head, "%s", base);
            cut_text(head, 8, gbk);
            snprintf(try, sizeof try, "%s%02d", head, k % 100);
        }
        if (!(names[c] = ibmap_strdup(try))) {
            for (int d = 0; d < c; d++) free(names[d]);
            free(names);
            return NULL;
        }
    }
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

/* The bytes `s` takes in `encoding` ("UTF-8" or CP936): a CJK character
** is 3 bytes in UTF-8 and 2 in CP936. */
static size_t encoded_length(const char *s, int gbk)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) n++;
        else if ((*p & 0xC0) != 0x80) n += gbk ? 2 : (*p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2);
    }
    return n;
}

/* Cut UTF-8 text `s` in place so that it takes at most `max` bytes when
** encoded, at a character boundary.  Returns 1 if it was cut. */
static int cut_text(char *s, size_t max, int gbk)
{
    size_t n = 0;
    for (unsigned char *p = (unsigned char *)s; *p;) {
        size_t clen = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        size_t enc = *p < 0x80 ? 1 : gbk ? 2 : clen;
        if (n + enc > max) {
            *p = 0;
            return 1;
        }
        n += enc;
        for (size_t k = 0; k < clen && *p; k++) p++;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* One table into one layer                                               */
/* ---------------------------------------------------------------------- */

typedef struct target {
    ibmap_ctx *ctx;
    const out_model *m;
    const char *path;          /* for messages */
    GDALDatasetH ds;
    OGRSpatialReferenceH srs;
    const char *const *layer_options;
    int shapefile;             /* DBF rules: names, widths, text cuts */
    int gbk;
    int multipolygon;          /* promote polygons to MultiPolygon */
    int64_t cut;               /* texts cut to fit a DBF field */
    int in_dataset_tx;         /* a transaction over the whole dataset is
                                  open (PostGIS): none per layer */
    const ibmap_output_options *o;
} target;

static ibmap_status gdal_fail(target *tg, const char *what)
{
    const char *msg = CPLGetLastErrorMsg();
    return ibmap_fail(tg->ctx, IBMAP_ERR_WRITE, "%s: %s%s%s", tg->path, what,
                      msg && *msg ? ": " : "", msg ? msg : "");
}

static OGRFieldType field_type(out_type t)
{
    return t == OUT_TEXT ? OFTString : t == OUT_REAL ? OFTReal : OFTInteger64;
}

/* The width of a DBF text field: the longest value, encoded, at least 1,
** at most DBF_TEXT_MAX. */
static int text_width(const out_table *t, int c, int gbk)
{
    size_t w = 1;
    for (int64_t r = 0; r < t->n_rows; r++) {
        const out_cell *cell = out_table_cell(t, r, c);
        if (out_cell_null(t, r, c)) continue;
        size_t l = encoded_length(cell->v.text, gbk);
        if (l > w) w = l;
    }
    return (int)(w > DBF_TEXT_MAX ? DBF_TEXT_MAX : w);
}

static ibmap_status write_layer(target *tg, const out_table *t, const char *layer_name,
                                char *const *names)
{
    CPLErrorReset();
    OGRwkbGeometryType gtype = !t->spatial ? wkbNone
                               : tg->multipolygon ? wkbMultiPolygon : wkbPolygon;
    OGRLayerH layer = GDALDatasetCreateLayer(tg->ds, layer_name, t->spatial ? tg->srs : NULL,
                                             gtype, (char **)tg->layer_options);
    if (!layer) return gdal_fail(tg, "cannot create a layer");
    for (int c = 0; c < t->n_columns; c++) {
        const out_column *col = &t->columns[c];
        OGRFieldDefnH f = OGR_Fld_Create(names ? names[c] : col->name, field_type(col->type));
        if (tg->shapefile) {
            /* Widths chosen so that no value is cut: reals as 24.12 (11
            ** digits before the point, 12 after: a share keeps 1e-12),
            ** integers 20 digits, text as long as its longest value. */
            if (col->type == OUT_REAL) {
                OGR_Fld_SetWidth(f, 24);
                OGR_Fld_SetPrecision(f, 12);
            } else if (col->type == OUT_INTEGER) {
                OGR_Fld_SetWidth(f, 20);
            } else {
                OGR_Fld_SetWidth(f, text_width(t, c, tg->gbk));
            }
        } else if (col->label_zh[0]) {
            OGR_Fld_SetAlternativeName(f, col->label_zh);
        }
        OGRErr e = OGR_L_CreateField(layer, f, FALSE);
        OGR_Fld_Destroy(f);
        if (e != OGRERR_NONE) return gdal_fail(tg, "cannot create a field");
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    if (OGR_FD_GetFieldCount(defn) != t->n_columns)
        return ibmap_fail(tg->ctx, IBMAP_ERR_WRITE, "%s: layer %s: GDAL made %d fields of %d",
                          tg->path, layer_name, OGR_FD_GetFieldCount(defn), t->n_columns);
    int in_tx = !tg->in_dataset_tx &&
                GDALDatasetStartTransaction(tg->ds, FALSE) == OGRERR_NONE;
    ibmap_status s = IBMAP_OK;
    char *buf = NULL;
    for (int64_t r = 0; !s && r < t->n_rows; r++) {
        if (ibmap_interrupt_pending()) {
            s = ibmap_fail_interrupted(tg->ctx);
            break;
        }
        OGRFeatureH feat = OGR_F_Create(defn);
        if (!feat) {
            s = ibmap_nomem(tg->ctx);
            break;
        }
        for (int c = 0; c < t->n_columns; c++) {
            const out_cell *cell = out_table_cell(t, r, c);
            if (out_cell_null(t, r, c)) {
                OGR_F_SetFieldNull(feat, c);
            } else if (t->columns[c].type == OUT_REAL) {
                OGR_F_SetFieldDouble(feat, c, cell->v.real);
            } else if (t->columns[c].type == OUT_INTEGER) {
                OGR_F_SetFieldInteger64(feat, c, cell->v.integer);
            } else if (tg->shapefile && encoded_length(cell->v.text, tg->gbk) > DBF_TEXT_MAX) {
                free(buf);
                buf = ibmap_strdup(cell->v.text);
                if (!buf) {
                    s = ibmap_nomem(tg->ctx);
                    break;
                }
                tg->cut += cut_text(buf, DBF_TEXT_MAX, tg->gbk);
                OGR_F_SetFieldString(feat, c, buf);
            } else {
                OGR_F_SetFieldString(feat, c, cell->v.text);
            }
        }
        if (!s && t->spatial && t->wkb[r]) {
            OGRGeometryH g = NULL;
            if (OGR_G_CreateFromWkb(t->wkb[r], NULL, &g, (int)t->wkb_size[r]) != OGRERR_NONE)
                s = ibmap_fail(tg->ctx, IBMAP_ERR_WRITE,
                               "%s: layer %s row %lld: the geometry cannot be read back",
                               tg->path, layer_name, (long long)r);
            else if (tg->multipolygon)
                g = OGR_G_ForceToMultiPolygon(g);
            if (g) OGR_F_SetGeometryDirectly(feat, g);
        }
        if (!s && OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
            s = gdal_fail(tg, "cannot write a feature");
        OGR_F_Destroy(feat);
        if (tg->o->progress && (r % 4096 == 4095 || r == t->n_rows - 1))
            tg->o->progress(tg->o->progress_arg, layer_name, r + 1, t->n_rows);
    }
    free(buf);
    /* PostgreSQL: end the COPY now, so that a failure is this layer's. */
    if (!s && tg->in_dataset_tx && OGR_L_SyncToDisk(layer) != OGRERR_NONE)
        s = gdal_fail(tg, "cannot write a layer");
    if (in_tx && !s && GDALDatasetCommitTransaction(tg->ds) != OGRERR_NONE)
        s = gdal_fail(tg, "cannot commit");
    if (in_tx && s) GDALDatasetRollbackTransaction(tg->ds);
    return s;
}

/* ---------------------------------------------------------------------- */
/* QGIS styles inside a database                                          */
/* ---------------------------------------------------------------------- */

/* The layer_styles table as QGIS creates it (QgsOgrProviderUtils): QGIS
** reads the row with useAsDefault set and applies it when the layer is
** opened.  Written through OGR as an attribute table, as QGIS does. */
static ibmap_status write_styles(target *tg, const char *geom_column)
{
    CPLErrorReset();
    /* FID=id: the key column QGIS itself gives the table. */
    static const char *const options[] = {"FID=id", NULL};
    OGRLayerH layer = GDALDatasetCreateLayer(tg->ds, "layer_styles", NULL, wkbNone,
                                             (char **)options);
    if (!layer) return gdal_fail(tg, "cannot create layer_styles");
    static const struct { const char *name; OGRFieldType type; int width; } fields[] = {
        {"f_table_catalog", OFTString, 256}, {"f_table_schema", OFTString, 256},
        {"f_table_name", OFTString, 256},    {"f_geometry_column", OFTString, 256},
        {"styleName", OFTString, 30},        {"styleQML", OFTString, 0},
        {"styleSLD", OFTString, 0},          {"useAsDefault", OFTInteger, 0},
        {"description", OFTString, 0},       {"owner", OFTString, 30},
        {"ui", OFTString, 30},               {"update_time", OFTDateTime, 0}};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        OGRFieldDefnH f = OGR_Fld_Create(fields[i].name, fields[i].type);
        if (fields[i].width) OGR_Fld_SetWidth(f, fields[i].width);
        if (fields[i].type == OFTInteger) OGR_Fld_SetSubType(f, OFSTBoolean);
        OGRErr e = OGR_L_CreateField(layer, f, FALSE);
        OGR_Fld_Destroy(f);
        if (e != OGRERR_NONE) return gdal_fail(tg, "cannot create layer_styles");
    }
    ibmap_status s = IBMAP_OK;
    for (int i = 0; !s && i < tg->m->n_tables; i++) {
        const out_table *t = &tg->m->tables[i];
        if (!t->spatial) continue;
        char *qml = out_style_qml(tg->m, t, NULL);
        char *sld = out_style_sld(tg->m, t, NULL);
        OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        if (!qml || !sld || !feat) {
            s = ibmap_nomem(tg->ctx);
        } else {
            char *desc = ibmap_sprintf("ibmap %s: %s", IBMAP_VERSION_STRING,
                                       t->label_zh[0] ? t->label_zh : t->name);
            OGR_F_SetFieldString(feat, 0, "");
            OGR_F_SetFieldString(feat, 1, "");
            OGR_F_SetFieldString(feat, 2, t->name);
            OGR_F_SetFieldString(feat, 3, geom_column);
            OGR_F_SetFieldString(feat, 4, t->name);
            OGR_F_SetFieldString(feat, 5, qml);
            OGR_F_SetFieldString(feat, 6, sld);
            OGR_F_SetFieldInteger(feat, 7, 1);
            OGR_F_SetFieldString(feat, 8, desc ? desc : "");
            OGR_F_SetFieldString(feat, 9, "");
            OGR_F_SetFieldNull(feat, 10);
            /* A fixed time: the same model gives the same file. */
            OGR_F_SetFieldDateTime(feat, 11, 2000, 1, 1, 0, 0, 0, 100);
            free(desc);
            if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
                s = gdal_fail(tg, "cannot write layer_styles");
        }
        if (feat) OGR_F_Destroy(feat);
        free(qml);
        free(sld);
    }
    return s;
}

/* ---------------------------------------------------------------------- */
/* Whole files                                                            */
/* ---------------------------------------------------------------------- */

static OGRSpatialReferenceH working_srs(ibmap_ctx *ctx, const out_model *m)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (!srs) return NULL;
    if (OSRSetFromUserInput(srs, m->crs) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        ibmap_fail(ctx, IBMAP_ERR_CRS_INVALID, "the workspace's CRS '%s' is not understood",
                   m->crs);
        return NULL;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

/* GDAL reports some write errors only when the dataset is closed: close,
** then look at the error state. */
static int close_dataset(GDALDatasetH ds)
{
    CPLErrorReset();
    GDALClose(ds);
    return CPLGetLastErrorType() < CE_Failure;
}

/* The temporary name of `path`: "dir/name.tmp-PID.ext", keeping the
** extension, which some drivers check (GDAL's GeoPackage driver warns
** about any other). */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) return ibmap_sprintf("%s.tmp-%ld", path, (long)getpid());
    return ibmap_sprintf("%.*s.tmp-%ld%s", (int)(dot - path), path, (long)getpid(), dot);
}

/* Nothing lost: read the blocks back from the database just written and
** compare their number and total area with the model's, which are those
** read from the input.  A difference is an error (the file is not put in
** place).  The figures measured go into the run table. */
static ibmap_status check_nothing_lost(ibmap_ctx *ctx, const out_model *m, const char *tmp,
                                       const char *path)
{
    const out_table *blocks = out_model_table(m, "blocks");
    double area_in = out_blocks_area(ctx, blocks), area_out = 0;
    int64_t n_out = -1;
    GDALDatasetH ds = GDALOpenEx(tmp, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    OGRLayerH L = ds ? GDALDatasetGetLayerByName(ds, "blocks") : NULL;
    if (L) {
        n_out = 0;
        OGRFeatureH f;
        OGR_L_ResetReading(L);
        while ((f = OGR_L_GetNextFeature(L))) {
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            if (g) area_out += OGR_G_Area(g);
            n_out++;
            OGR_F_Destroy(f);
        }
    }
    if (ds) GDALClose(ds);
    if (n_out != blocks->n_rows || !(fabs(area_out - area_in) <= 1e-9 * (area_in > 1 ? area_in : 1)))
        return ibmap_fail(ctx, IBMAP_ERR_WRITE,
                          "%s: nothing-lost check failed: %lld blocks in, %lld written; "
                          "area %.3f m² in, %.3f m² written", path,
                          (long long)blocks->n_rows, (long long)n_out, area_in, area_out);
    sqlite3 *db = NULL;
    int ok = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK;
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "UPDATE run SET value = ? WHERE key = ?", -1, &st,
                                  NULL) == SQLITE_OK;
    char text[64];
    snprintf(text, sizeof text, "%lld", (long long)n_out);
    if (ok) {
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, "check.blocks_out", -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
        snprintf(text, sizeof text, "%.6f", area_out);
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, "check.area_out_m2", -1, SQLITE_STATIC);
        ok = ok && sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (sqlite3_close(db) != SQLITE_OK) ok = 0;
    if (ok) out_model_record_check(m, n_out, area_out);
    return ok ? IBMAP_OK
              : ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot record the nothing-lost check",
                           path);
}

/* The Chinese label and unit of every column, in the GeoPackage's schema
** extension (gpkg_data_columns: `name` and `title` are the human-readable
** names, `description` the unit).  GDAL 3.6 does not write field
** alternative names to a GeoPackage, so this is done here, by SQL, after
** GDAL has closed the file.  QGIS takes its aliases from the layer style,
** which carries them too. */
static ibmap_status write_data_columns(ibmap_ctx *ctx, const out_model *m, const char *tmp,
                                       const char *path)
{
    sqlite3 *db = NULL;
    int ok = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_exec(db,
                          "BEGIN;"
                          "CREATE TABLE IF NOT EXISTS gpkg_data_columns ("
                          " table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT,"
                          " title TEXT, description TEXT, mime_type TEXT,"
                          " constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY"
                          " (table_name, column_name),"
                          " CONSTRAINT gdc_tn UNIQUE (table_name, name));"
                          "INSERT OR IGNORE INTO gpkg_extensions VALUES ('gpkg_data_columns',"
                          " NULL, 'gpkg_schema',"
                          " 'http://www.geopackage.org/spec121/#extension_schema',"
                          " 'read-write');",
                          NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO gpkg_data_columns (table_name,"
                                      " column_name, name, title, description) VALUES"
                                      " (?, ?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < m->n_tables; i++) {
        const out_table *t = &m->tables[i];
        for (int c = 0; ok && c < t->n_columns; c++) {
            const out_column *col = &t->columns[c];
            if (!col->label_zh[0]) continue;
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, col->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, col->label_zh, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, col->label_zh, -1, SQLITE_STATIC);
            if (col->unit[0]) sqlite3_bind_text(st, 5, col->unit, -1, SQLITE_STATIC);
            else sqlite3_bind_null(st, 5);
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (sqlite3_close(db) != SQLITE_OK) ok = 0;
    return ok ? IBMAP_OK
              : ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write the field labels", path);
}

/* The run gate of this thread (output.h). */
static _Thread_local out_run_gate_fn run_gate;
static _Thread_local void *run_gate_arg;
static _Thread_local int *run_gate_refused;

void out_set_run_gate(out_run_gate_fn fn, void *arg, int *refused)
{
    run_gate = fn;
    run_gate_arg = arg;
    run_gate_refused = refused;
}

/* Before the run table: wait at the gate, if there is one. */
static ibmap_status pass_run_gate(ibmap_ctx *ctx, const char *path)
{
    if (!run_gate || run_gate(run_gate_arg)) return IBMAP_OK;
    if (run_gate_refused) *run_gate_refused = -1;
    return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: not written: an output before it failed", path);
}

/* A database (GeoPackage or SpatiaLite) holding every table, and the QGIS
** styles. */
static ibmap_status write_database(ibmap_ctx *ctx, const out_model *m, const char *path,
                                   const char *driver_name, const char *const *ds_options,
                                   const char *geom_column, const ibmap_output_options *o)
{
    GDALDriverH drv = GDALGetDriverByName(driver_name);
    if (!drv) return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: GDAL has no %s driver", path,
                                driver_name);
    char *tmp = temp_name(path);
    OGRSpatialReferenceH srs = working_srs(ctx, m);
    if (!tmp || !srs) {
        free(tmp);
        if (srs) OSRDestroySpatialReference(srs);
        return srs ? ibmap_nomem(ctx) : IBMAP_ERR_CRS_INVALID;
    }
    unlink(tmp);
    CPLErrorReset();
    target tg = {.ctx = ctx, .m = m, .path = path, .srs = srs, .multipolygon = 1, .o = o};
    char geom_option[64];
    snprintf(geom_option, sizeof geom_option, "GEOMETRY_NAME=%s", geom_column);
    /* SQLite would launder names (lower case, '-' and '#' to '_'): the
    ** source's own field names are kept as they were given. */
    const char *layer_options[] = {geom_option, "SPATIAL_INDEX=YES",
                                   strcmp(driver_name, "SQLite") == 0 ? "LAUNDER=NO" : NULL,
                                   NULL};
    tg.layer_options = layer_options;
    tg.ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, (char **)ds_options);
    ibmap_status s = tg.ds ? IBMAP_OK : gdal_fail(&tg, "cannot create");
    for (int i = 0; !s && i < m->n_tables; i++) {
        if (strcmp(m->tables[i].name, "run") == 0) s = pass_run_gate(ctx, path);
        if (!s) s = write_layer(&tg, &m->tables[i], m->tables[i].name, NULL);
    }
    if (!s) s = write_styles(&tg, geom_column);
    if (tg.ds && !close_dataset(tg.ds) && !s) s = gdal_fail(&tg, "cannot finish");
    if (!s && strcmp(driver_name, "GPKG") == 0) s = write_data_columns(ctx, m, tmp, path);
    if (!s && out_model_table(m, "blocks") && out_model_table(m, "run"))
        s = check_nothing_lost(ctx, m, tmp, path);
    if (!s && rename(tmp, path) != 0)
        s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write: %s", path, strerror(errno));
    if (s) unlink(tmp);
    free(tmp);
    OSRDestroySpatialReference(srs);
    return s;
}

static ibmap_status write_gpkg_quiet(ibmap_ctx *ctx, const out_model *m, const char *path,
                                     const ibmap_output_options *o)
{
    /* A GeoPackage written twice from the same model is the same file:
    ** GDAL stamps gpkg_contents with the time unless told otherwise. */
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    ibmap_status s = write_database(ctx, m, path, "GPKG", NULL, "geom", o);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    return s;
}

static ibmap_status write_spatialite_quiet(ibmap_ctx *ctx, const out_model *m,
                                           const char *path, const ibmap_output_options *o)
{
    static const char *const options[] = {"SPATIALITE=YES", NULL};
    return write_database(ctx, m, path, "SQLite", options, "geometry", o);
}

/* ---------------------------------------------------------------------- */
/* Directories of files: Shapefile and GeoJSON                            */
/* ---------------------------------------------------------------------- */

static int write_text_file(FILE *f, const void *arg)
{
    return fputs((const char *)arg, f) >= 0;
}

typedef struct name_map {
    const out_model *m;
    char ***names;     /* per table (NULL for a table not written) */
    int64_t cut;
} name_map;

/* FIELDS.csv: the map from the model's columns to the Shapefile fields,
** with the Chinese label and unit, so that nobody has to guess what
** "bas_far_sh" is. */
static int write_fields_csv(FILE *f, const void *arg)
{
    const name_map *nm = arg;
    fputs(ibmap_csv_pick("table,column,field,label_zh,unit\n", "表,列,字段,中文名,单位\n"), f);
    for (int i = 0; i < nm->m->n_tables; i++) {
        const out_table *t = &nm->m->tables[i];
        if (!nm->names[i]) continue;
        for (int c = 0; c < t->n_columns; c++) {
            if (!ibmap_csv_text(f, t->name) || fputc(',', f) == EOF ||
                !ibmap_csv_text(f, t->columns[c].name) || fputc(',', f) == EOF ||
                !ibmap_csv_text(f, nm->names[i][c]) || fputc(',', f) == EOF ||
                !ibmap_csv_text(f, t->columns[c].label_zh) || fputc(',', f) == EOF ||
                !ibmap_csv_text(f, t->columns[c].unit) || fputc('\n', f) == EOF)
                return 0;
        }
    }
    return !ferror(f);
}

static ibmap_status write_shapefiles_quiet(ibmap_ctx *ctx, const out_model *m,
                                           const char *dir, const char *encoding,
                                           const ibmap_output_options *o)
{
    int gbk = encoding && (strcasecmp(encoding, "GBK") == 0 || strcasecmp(encoding, "CP936") == 0);
    if (encoding && !gbk && strcasecmp(encoding, "UTF-8") != 0 && strcasecmp(encoding, "UTF8") != 0)
        return ibmap_fail(ctx, IBMAP_ERR_ARG,
                          "Shapefile encoding '%s': use UTF-8 or GBK", encoding);
    GDALDriverH drv = GDALGetDriverByName("ESRI Shapefile");
    if (!drv) return ibmap_fail(ctx, IBMAP_ERR_WRITE, "GDAL has no Shapefile driver");
    char *tmp = ibmap_sprintf("%s.tmp-%ld", dir, (long)getpid());
    OGRSpatialReferenceH srs = working_srs(ctx, m);
    name_map nm = {.m = m, .names = calloc((size_t)m->n_tables + 1, sizeof *nm.names)};
    ibmap_status s = IBMAP_OK;
    if (!srs) s = IBMAP_ERR_CRS_INVALID;
    else if (!tmp || !nm.names) s = ibmap_nomem(ctx);
    if (!s) {
        out_remove_tree(tmp);
        if (mkdir(tmp, 0777) != 0)
            s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot create: %s", tmp, strerror(errno));
    }
    /* CP936 is the code page GDAL (iconv) writes for GBK; ENCODING also
    ** makes GDAL write the .cpg that tells readers. */
    const char *layer_options[] = {gbk ? "ENCODING=CP936" : "ENCODING=UTF-8", "RESIZE=NO",
                                   NULL};
    for (int i = 0; !s && i < m->n_tables; i++) {
        const out_table *t = &m->tables[i];
        if (!t->spatial) continue;
        char *shp = ibmap_sprintf("%s/%s.shp", tmp, t->name);
        char *qml_path = ibmap_sprintf("%s/%s.qml", tmp, t->name);
        nm.names[i] = shapefile_names(t, gbk);
        if (!shp || !qml_path || !nm.names[i]) s = ibmap_nomem(ctx);
        target tg = {.ctx = ctx, .m = m, .path = shp, .srs = srs, .shapefile = 1, .gbk = gbk,
                     .layer_options = layer_options, .o = o};
        if (!s) {
            CPLErrorReset();
            tg.ds = GDALCreate(drv, shp, 0, 0, 0, GDT_Unknown, NULL);
            if (!tg.ds) s = gdal_fail(&tg, "cannot create");
        }
        if (!s) s = write_layer(&tg, t, t->name, nm.names[i]);
        if (tg.ds && !close_dataset(tg.ds) && !s) s = gdal_fail(&tg, "cannot finish");
        nm.cut += tg.cut;
        if (!s) {
            char *qml = out_style_qml(m, t, (const char *const *)nm.names[i]);
            s = qml ? ibmap_write_file(ctx, qml_path, write_text_file, qml)
                    : ibmap_nomem(ctx);
            free(qml);
        }
        free(shp);
        free(qml_path);
    }
    if (!s) {
        char *fields = ibmap_sprintf("%s/FIELDS.csv", tmp);
        s = fields ? ibmap_write_csv(ctx, fields, write_fields_csv, &nm)
                   : ibmap_nomem(ctx);
        free(fields);
    }
    if (!s) s = out_swap_dir(ctx, tmp, dir);
    if (s && tmp) out_remove_tree(tmp);
    for (int i = 0; nm.names && i < m->n_tables; i++)
        free_names(nm.names[i], m->tables[i].n_columns);
    free(nm.names);
    free(tmp);
    if (srs) OSRDestroySpatialReference(srs);
    return s;
}

/* One file per spatial table in directory `dir`, written by GDAL driver
** `driver` as `dir`/TABLE.`ext`; with `qml`, the table's QGIS style beside
** each file (TABLE.qml, which QGIS applies on opening TABLE.`ext`).  The
** set is written into a temporary directory that replaces `dir` when
** every file in it is complete. */
static ibmap_status write_layer_dir(ibmap_ctx *ctx, const out_model *m, const char *dir,
                                    const char *driver, const char *ext,
                                    const char *const *layer_options, int qml,
                                    const ibmap_output_options *o)
{
    GDALDriverH drv = GDALGetDriverByName(driver);
    if (!drv) return ibmap_fail(ctx, IBMAP_ERR_WRITE, "GDAL has no %s driver", driver);
    char *tmp = ibmap_sprintf("%s.tmp-%ld", dir, (long)getpid());
    OGRSpatialReferenceH srs = working_srs(ctx, m);
    ibmap_status s = IBMAP_OK;
    if (!srs) s = IBMAP_ERR_CRS_INVALID;
    else if (!tmp) s = ibmap_nomem(ctx);
    if (!s) {
        out_remove_tree(tmp);
        if (mkdir(tmp, 0777) != 0)
            s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot create: %s", tmp, strerror(errno));
    }
    for (int i = 0; !s && i < m->n_tables; i++) {
        const out_table *t = &m->tables[i];
        if (!t->spatial) continue;
        char *path = ibmap_sprintf("%s/%s.%s", tmp, t->name, ext);
        char *qml_path = qml ? ibmap_sprintf("%s/%s.qml", tmp, t->name) : NULL;
        target tg = {.ctx = ctx, .m = m, .path = path, .srs = srs, .multipolygon = 1,
                     .layer_options = layer_options, .o = o};
        if (!path || (qml && !qml_path)) s = ibmap_nomem(ctx);
        if (!s) {
            CPLErrorReset();
            tg.ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
            if (!tg.ds) s = gdal_fail(&tg, "cannot create");
        }
        if (!s) s = write_layer(&tg, t, t->name, NULL);
        if (tg.ds && !close_dataset(tg.ds) && !s) s = gdal_fail(&tg, "cannot finish");
        if (!s && qml) {
            char *text = out_style_qml(m, t, NULL);
            s = text ? ibmap_write_file(ctx, qml_path, write_text_file, text)
                     : ibmap_nomem(ctx);
            free(text);
        }
        free(path);
        free(qml_path);
    }
    if (!s) s = out_swap_dir(ctx, tmp, dir);
    if (s && tmp) out_remove_tree(tmp);
    free(tmp);
    if (srs) OSRDestroySpatialReference(srs);
    return s;
}

static ibmap_status write_geojson_quiet(ibmap_ctx *ctx, const out_model *m, const char *dir,
                                        const ibmap_output_options *o)
{
    /* RFC7946=YES: reprojection to WGS 84, counter-clockwise exteriors,
    ** no "crs" member, 7 decimals (about 1 cm). */
    static const char *const layer_options[] = {"RFC7946=YES", "COORDINATE_PRECISION=7",
                                                "WRITE_NAME=YES", NULL};
    return write_layer_dir(ctx, m, dir, "GeoJSON", "geojson", layer_options, 0, o);
}

/* FlatGeobuf: one file per spatial table in the working CRS, MultiPolygon,
** with the packed Hilbert R-tree index that lets a web map fetch only what
** it shows (GDAL builds it when the file is closed), and the QGIS style
** beside it. */
static ibmap_status write_fgb_quiet(ibmap_ctx *ctx, const out_model *m, const char *dir,
                                    const ibmap_output_options *o)
{
    static const char *const layer_options[] = {"SPATIAL_INDEX=YES", NULL};
    return write_layer_dir(ctx, m, dir, "FlatGeobuf", "fgb", layer_options, 1, o);
}

/* ---------------------------------------------------------------------- */
/* PostGIS                                                                */
/* ---------------------------------------------------------------------- */

/* The tables ibmap may write into a schema: those of the model (a project
** without some zone role writes fewer).  What --overwrite replaces and
** what, without it, makes the write refuse.  It is checked before the
** model exists, hence a list: a table the model gains must be added here
** (test_pg_out's overwrite case fails otherwise). */
static const char *const pg_tables[] = {
    "blocks", "parcels", "redline", "basic_farmland", "parks", "central", "transition",
    "control_units", "towns", "landuse_by_block", "data_quality", "run",
    "enterprises", "block_enterprises", "sme_park_sites", NULL};

/* A schema name used unquoted by us, GDAL and QGIS alike: lower-case
** letters, digits and '_', not starting with a digit, ≤ 63 bytes. */
static int pg_name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63 || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* "PG:…" as GDAL wants it, whether or not the caller wrote the prefix. */
static char *pg_connection(const char *pg)
{
    return strncasecmp(pg, "PG:", 3) == 0 ? ibmap_strdup(pg) : ibmap_sprintf("PG:%s", pg);
}

static GDALDatasetH pg_open(ibmap_ctx *ctx, const char *pg, const char *schema,
                            ibmap_status *s)
{
    *s = IBMAP_OK;
    if (!pg || !*pg) {
        *s = ibmap_fail(ctx, IBMAP_ERR_ARG, "PostGIS output: no connection (--pg \"PG:…\")");
        return NULL;
    }
    if (!pg_name_ok(schema)) {
        *s = ibmap_fail(ctx, IBMAP_ERR_ARG,
                        "PostGIS output: schema '%s': use lower-case letters, digits "
                        "and _ (not first), at most 63", schema ? schema : "");
        return NULL;
    }
    char *conn = pg_connection(pg);
    if (!conn) {
        *s = ibmap_nomem(ctx);
        return NULL;
    }
    static const char *const drivers[] = {"PostgreSQL", NULL};
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(conn, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, NULL, NULL);
    free(conn);
    if (!ds) {
        const char *msg = CPLGetLastErrorMsg();
        *s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "PostGIS output: cannot connect%s%s",
                        msg && *msg ? ": " : "", msg ? msg : "");
    }
    return ds;
}

/* Run one SQL statement; 1 when PostgreSQL accepted it.  A SELECT's
** result layer is handed back in *result when asked for, else released. */
static int pg_exec(GDALDatasetH ds, const char *sql, OGRLayerH *result)
{
    CPLErrorReset();
    OGRLayerH L = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
    int ok = CPLGetLastErrorType() < CE_Failure;
    if (result) *result = L;
    else if (L) GDALDatasetReleaseResultSet(ds, L);
    return ok;
}

/* The first of our tables that exists in `schema`, as "schema.table" in
** *found (NULL when none); 0 when the question could not be asked. */
static int pg_find_existing(GDALDatasetH ds, const char *schema, char **found)
{
    *found = NULL;
    char list[512] = "";
    for (int i = 0; pg_tables[i]; i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s'%s'", i ? "," : "", pg_tables[i]);
    }
    char *sql = ibmap_sprintf("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON "
                              "n.oid = c.relnamespace WHERE n.nspname = '%s' AND "
                              "c.relname IN (%s) ORDER BY c.relname", schema, list);
    OGRLayerH L = NULL;
    int ok = sql && pg_exec(ds, sql, &L) && L;
    free(sql);
    if (ok) {
        OGRFeatureH f = OGR_L_GetNextFeature(L);
        if (f) {
            *found = ibmap_sprintf("%s.%s", schema, OGR_F_GetFieldAsString(f, 0));
            OGR_F_Destroy(f);
        }
    }
    if (L) GDALDatasetReleaseResultSet(ds, L);
    return ok;
}

static ibmap_status postgis_existing_quiet(ibmap_ctx *ctx, const char *pg, const char *schema)
{
    ibmap_status s;
    GDALDatasetH ds = pg_open(ctx, pg, schema, &s);
    if (!ds) return s;
    char *found = NULL;
    if (!pg_find_existing(ds, schema, &found))
        s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "PostGIS output: cannot list schema %s: %s",
                       schema, CPLGetLastErrorMsg());
    else if (found)
        s = ibmap_fail(ctx, IBMAP_ERR_EXISTS,
                       "PostGIS table %s 已存在 exists: use --overwrite to replace it", found);
    free(found);
    GDALClose(ds);
    return s;
}

/* A text as an SQL literal: dollar-quoted with a tag the text does not
** hold, so that nothing in it needs escaping. */
static char *pg_literal(const char *text)
{
    char tag[32];
    for (int k = 0; k < 1000; k++) {
        snprintf(tag, sizeof tag, "$ibmap%d$", k);
        if (!strstr(text, tag)) return ibmap_sprintf("%s%s%s", tag, text, tag);
    }
    return NULL;
}

/* The QGIS styles of the spatial tables in the database's layer_styles
** table, the one QGIS's PostgreSQL provider reads (and creates, with this
** definition, when a user saves a style to the database): found through
** the connection's search_path as QGIS finds it, made if missing.  Our row
** for a table replaces the one an earlier run wrote and becomes the only
** default, so QGIS applies it when the layer is added. */
static ibmap_status pg_write_styles(target *tg, const char *schema)
{
    /* The table QGIS would find (search_path), else a new one in public,
    ** where QGIS finds it whoever connects: not in a schema named after
    ** the user ("$user", first in the default search_path), which only
    ** that user's QGIS would look in. */
    OGRLayerH L = NULL;
    int visible = 0;
    if (pg_exec(tg->ds, "SELECT to_regclass('layer_styles') IS NOT NULL AS v", &L) && L) {
        OGRFeatureH f = OGR_L_GetNextFeature(L);
        if (f) {
            visible = OGR_F_GetFieldAsInteger(f, 0);
            OGR_F_Destroy(f);
        }
    }
    if (L) GDALDatasetReleaseResultSet(tg->ds, L);
    if (!visible && !pg_exec(tg->ds,
                 "CREATE TABLE IF NOT EXISTS public.layer_styles (id SERIAL PRIMARY KEY,"
                 " f_table_catalog varchar, f_table_schema varchar,"
                 " f_table_name varchar, f_geometry_column varchar, stylename text,"
                 " styleqml xml, stylesld xml, useasdefault boolean, description text,"
                 " owner varchar(63) DEFAULT CURRENT_USER, ui xml,"
                 " update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar)",
                 NULL))
        return gdal_fail(tg, "cannot create layer_styles");
    ibmap_status s = IBMAP_OK;
    for (int i = 0; !s && i < tg->m->n_tables; i++) {
        const out_table *t = &tg->m->tables[i];
        if (!t->spatial) continue;
        char *qml = out_style_qml(tg->m, t, NULL);
        char *sld = out_style_sld(tg->m, t, NULL);
        char *qml_lit = qml ? pg_literal(qml) : NULL;
        char *sld_lit = sld ? pg_literal(sld) : NULL;
        char *desc = ibmap_sprintf("ibmap %s: %s", IBMAP_VERSION_STRING,
                                   t->label_zh[0] ? t->label_zh : t->name);
        char *desc_lit = desc ? pg_literal(desc) : NULL;
        char *where = ibmap_sprintf("f_table_catalog = current_database() AND "
                                    "f_table_schema = '%s' AND f_table_name = '%s' AND "
                                    "f_geometry_column = 'geom'", schema, t->name);
        char *del = where ? ibmap_sprintf("DELETE FROM layer_styles WHERE %s AND "
                                          "stylename = '%s'", where, t->name) : NULL;
        char *undefault = where ? ibmap_sprintf("UPDATE layer_styles SET useasdefault = "
                                                "false WHERE %s", where) : NULL;
        char *ins = qml_lit && sld_lit && desc_lit
                        ? ibmap_sprintf("INSERT INTO layer_styles (f_table_catalog,"
                                        " f_table_schema, f_table_name, f_geometry_column,"
                                        " stylename, styleqml, stylesld, useasdefault,"
                                        " description, owner, update_time) VALUES"
                                        " (current_database(), '%s', '%s', 'geom', '%s',"
                                        " XMLPARSE(DOCUMENT %s), XMLPARSE(DOCUMENT %s), true,"
                                        " %s, current_user, now())",
                                        schema, t->name, t->name, qml_lit, sld_lit, desc_lit)
                        : NULL;
        if (!del || !undefault || !ins)
            s = ibmap_nomem(tg->ctx);
        else if (!pg_exec(tg->ds, del, NULL) || !pg_exec(tg->ds, undefault, NULL) ||
                 !pg_exec(tg->ds, ins, NULL))
            s = gdal_fail(tg, "cannot write layer_styles");
        free(qml);
        free(sld);
        free(qml_lit);
        free(sld_lit);
        free(desc);
        free(desc_lit);
        free(where);
        free(del);
        free(undefault);
        free(ins);
    }
    return s;
}

/* Nothing lost, as for the files: the blocks read back inside the
** transaction (their number and PostGIS's ST_Area sum) against the
** model's, and the figures put in the run table. */
static ibmap_status pg_check_nothing_lost(target *tg, const char *schema)
{
    const out_table *blocks = out_model_table(tg->m, "blocks");
    double area_in = out_blocks_area(tg->ctx, blocks), area_out = -1;
    int64_t n_out = -1;
    char *sql = ibmap_sprintf("SELECT count(*) AS n, COALESCE(sum(ST_Area(geom)), 0) AS a "
                              "FROM %s.blocks", schema);
    OGRLayerH L = NULL;
    if (sql && pg_exec(tg->ds, sql, &L) && L) {
        OGRFeatureH f = OGR_L_GetNextFeature(L);
        if (f) {
            n_out = OGR_F_GetFieldAsInteger64(f, 0);
            area_out = OGR_F_GetFieldAsDouble(f, 1);
            OGR_F_Destroy(f);
        }
    }
    if (L) GDALDatasetReleaseResultSet(tg->ds, L);
    free(sql);
    if (n_out != blocks->n_rows ||
        !(fabs(area_out - area_in) <= 1e-9 * (area_in > 1 ? area_in : 1)))
        return ibmap_fail(tg->ctx, IBMAP_ERR_WRITE,
                          "%s: nothing-lost check failed: %lld blocks in, %lld written; "
                          "area %.3f m² in, %.3f m² written", tg->path,
                          (long long)blocks->n_rows, (long long)n_out, area_in, area_out);
    char *u1 = ibmap_sprintf("UPDATE %s.run SET value = '%lld' WHERE key = "
                             "'check.blocks_out'", schema, (long long)n_out);
    char *u2 = ibmap_sprintf("UPDATE %s.run SET value = '%.6f' WHERE key = "
                             "'check.area_out_m2'", schema, area_out);
    int ok = u1 && u2 && pg_exec(tg->ds, u1, NULL) && pg_exec(tg->ds, u2, NULL);
    free(u1);
    free(u2);
    return ok ? IBMAP_OK : gdal_fail(tg, "cannot record the nothing-lost check");
}

/* Every table of the model in `schema`, with the styles, in ONE
** transaction: CREATE SCHEMA, the DROP of the tables replaced, every
** CREATE TABLE and COPY, the layer_styles rows and the run table's check
** commit together or not at all (PostgreSQL's DDL is transactional).  A
** failure part way — an error, ibmap interrupted, the connection lost —
** rolls back (the server does it itself when the connection is gone), and
** the schema is as it was; other sessions see the old tables until the
** commit.  Tables are dropped without CASCADE: a view of the user's on an
** old table makes the write fail, not vanish. */
static ibmap_status write_postgis_quiet(ibmap_ctx *ctx, const out_model *m, const char *pg,
                                        const char *schema, int overwrite,
                                        const ibmap_output_options *o)
{
    if (!schema) schema = "ibmap";
    ibmap_status s;
    CPLSetThreadLocalConfigOption("OGR_PG_ENABLE_METADATA", "NO");
    GDALDatasetH ds = pg_open(ctx, pg, schema, &s);
    CPLSetThreadLocalConfigOption("OGR_PG_ENABLE_METADATA", NULL);
    if (!ds) return s;
    OGRSpatialReferenceH srs = working_srs(ctx, m);
    char *where = ibmap_sprintf("PostGIS schema %s", schema);
    char schema_option[96];
    snprintf(schema_option, sizeof schema_option, "SCHEMA=%s", schema);
    const char *layer_options[] = {schema_option, "GEOMETRY_NAME=geom", "FID=fid",
                                   "SPATIAL_INDEX=GIST", "LAUNDER=NO", "PRECISION=NO", NULL};
    target tg = {.ctx = ctx, .m = m, .path = where ? where : schema, .ds = ds, .srs = srs,
                 .layer_options = layer_options, .multipolygon = 1, .in_dataset_tx = 1,
                 .o = o};
    if (!srs) s = IBMAP_ERR_CRS_INVALID;
    else if (!where) s = ibmap_nomem(ctx);
    CPLErrorReset();
    if (!s && GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE)
        s = gdal_fail(&tg, "cannot begin a transaction");
    int in_tx = !s;
    char *found = NULL, *sql = NULL;
    if (!s && !pg_find_existing(ds, schema, &found))
        s = gdal_fail(&tg, "cannot list the schema");
    if (!s && found && !overwrite)
        s = ibmap_fail(ctx, IBMAP_ERR_EXISTS,
                       "PostGIS table %s 已存在 exists: use --overwrite to replace it", found);
    if (!s && (sql = ibmap_sprintf("CREATE SCHEMA IF NOT EXISTS %s", schema)) &&
        !pg_exec(ds, sql, NULL))
        s = gdal_fail(&tg, "cannot create the schema");
    for (int i = 0; !s && found && pg_tables[i]; i++) {
        free(sql);
        sql = ibmap_sprintf("DROP TABLE IF EXISTS %s.%s", schema, pg_tables[i]);
        if (!sql) s = ibmap_nomem(ctx);
        else if (!pg_exec(ds, sql, NULL)) s = gdal_fail(&tg, "cannot replace a table");
    }
    for (int i = 0; !s && i < m->n_tables; i++) {
        if (ibmap_interrupt_pending()) s = ibmap_fail_interrupted(ctx);
        else s = write_layer(&tg, &m->tables[i], m->tables[i].name, NULL);
    }
    if (!s) s = pg_write_styles(&tg, schema);
    if (!s && out_model_table(m, "blocks") && out_model_table(m, "run"))
        s = pg_check_nothing_lost(&tg, schema);
    if (!s && ibmap_interrupt_pending()) s = ibmap_fail_interrupted(ctx);
    CPLErrorReset();
    if (!s && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        s = gdal_fail(&tg, "cannot commit");
    else if (s && in_tx)
        GDALDatasetRollbackTransaction(ds);
    free(sql);
    free(found);
    GDALClose(ds);
    if (srs) OSRDestroySpatialReference(srs);
    free(where);
    return s;
}

/* ---------------------------------------------------------------------- */
/* Entry points: GDAL's messages are kept from the terminal (its default   */
/* handler prints them); a failure's message reaches the caller through   */
/* ctx instead.                                                           */
/* ---------------------------------------------------------------------- */

ibmap_status out_write_gpkg(ibmap_ctx *ctx, const out_model *m, const char *path, const ibmap_output_options *o)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = write_gpkg_quiet(ctx, m, path, o);
    CPLPopErrorHandler();
    return s;
}

ibmap_status out_write_spatialite(ibmap_ctx *ctx, const out_model *m, const char *path, const ibmap_output_options *o)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = write_spatialite_quiet(ctx, m, path, o);
    CPLPopErrorHandler();
    return s;
}

ibmap_status out_write_shapefiles(ibmap_ctx *ctx, const out_model *m, const char *dir, const char *encoding, const ibmap_output_options *o)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = write_shapefiles_quiet(ctx, m, dir, encoding, o);
    CPLPopErrorHandler();
    return s;
}

ibmap_status out_write_geojson(ibmap_ctx *ctx, const out_model *m, const char *dir, const ibmap_output_options *o)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = write_geojson_quiet(ctx, m, dir, o);
    CPLPopErrorHandler();
    return s;
}

ibmap_status out_write_fgb(ibmap_ctx *ctx, const out_model *m, const char *dir,
                           const ibmap_output_options *o)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = write_fgb_quiet(ctx, m, dir, o);
    CPLPopErrorHandler();
    return s;
}

ibmap_status out_write_postgis(ibmap_ctx *ctx, const out_model *m, const char *pg,
                               const char *schema, int overwrite,
                               const ibmap_output_options *o)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = write_postgis_quiet(ctx, m, pg, schema, overwrite, o);
    CPLPopErrorHandler();
    return s;
}

ibmap_status out_postgis_existing(ibmap_ctx *ctx, const char *pg, const char *schema)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status s = postgis_existing_quiet(ctx, pg, schema);
    CPLPopErrorHandler();
    return s;
}

/* Exposed for the tests of the name rule. */
void out_shapefile_name(const char *name, char out[11])
{
    shorten_name(name, out);
}
