/*
** output/output.h — the output stage: the model shared by the writers of
** the outputs.  Not installed: programs use ibmap_write_outputs() in ibmap.h.
**
** Every output (GeoPackage, SpatiaLite, Shapefile, GeoJSON, summaries, the
** map, the report) is written from one in-memory model, assembled once by
** output_model.c from the workspace (geometries, attributes, metrics, the
** data-quality log) and a classification.  The model is built from the
** workspace alone, so writing outputs after a reclassification reads no
** input file again.
**
** A model is a list of tables.  A table has typed columns, rows of cells and,
** when spatial, one geometry per row (ISO WKB, little-endian, in the working
** CRS; NULL for a feature without a usable geometry: it is still a row,
** because nothing is dropped).  The tables, in order:
**
**   blocks            every block: block_id, source_fid, geom_state, the
**                     block's own fields,
**                     every metric (docs/metrics.md), then class, class_zh,
**                     mode, mode_zh, rule_id, reason, matched, stable,
**                     flipped_by
**   parcels           every parcel: parcel_id, source_fid, geom_state, its
**                     canonical fields, grade_computed,
**                     block_id (majority assignment; NULL when in no block)
**   redline, basic_farmland, parks, central, transition, control_units,
**   towns             the zone layers given (id, source_fid, geom_state,
**                     canonical fields)
**   landuse_by_block  block_id, code, area_m2, share     (not spatial)
**   data_quality      the whole log                       (not spatial)
**   run               key, value: inputs, fingerprints, rules, params, …
**                                                          (not spatial)
** One file per concern writes them: out_ogr.c (GeoPackage, SpatiaLite,
** Shapefile, GeoJSON through GDAL), out_styles.c (QGIS styles and the
** project file), out_summary.c, out_map.c (Cairo/Pango), out_report.c.
*/
#ifndef IBMAP_OUTPUT_H
#define IBMAP_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "classify/rules.h"

typedef enum out_type {
    OUT_TEXT = 0,
    OUT_REAL,
    OUT_INTEGER
} out_type;

typedef struct out_column {
    char *name;       /* field name, e.g. "tax_per_mu"; ASCII, ≤ 63 bytes */
    char *label_zh;   /* alias shown by QGIS, e.g. "亩均税收"; "" if none */
    char *unit;       /* e.g. "万元/亩"; "" if unitless */
    out_type type;
} out_column;

/* One cell.  `null` set: no value (a missing number, an absent text). */
typedef struct out_cell {
    union {
        double real;
        int64_t integer;
        char *text;   /* owned by the table; UTF-8 */
    } v;
    unsigned char null;
} out_cell;

typedef struct out_table {
    char *name;            /* "blocks", "parcels", …, "run" */
    char *label_zh;        /* "工业区块"; "" if none */
    int spatial;           /* rows carry a (multi)polygon geometry */
    int n_columns;
    out_column *columns;
    int64_t n_rows;
    out_cell *cells;       /* row-major: cells[r * n_columns + c] */
    unsigned char **wkb;   /* spatial only: per row, NULL if no geometry */
    size_t *wkb_size;
} out_table;

/* One rule as the report shows it. */
typedef struct out_rule {
    char *id;
    ibmap_class klass;
    ibmap_mode mode;
    char *source;          /* the policy clause; "" if none */
    char *when;            /* the SQL condition */
    int64_t n_decided;     /* blocks this rule decided */
} out_rule;

/* Another scenario stored in the workspace, compared with this one. */
typedef struct out_scenario {
    char *name;
    int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT]; /* [this][other] */
    double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
} out_scenario;

/* A sweep to chart in the report (ibmap_output_options.sweep_*). */
typedef struct out_sweep {
    char *param;
    int n_values;
    double *values;
    int64_t *blocks;       /* n_values × IBMAP_CLASS_COUNT */
    double *mu;
} out_sweep;

typedef struct out_model {
    char *crs;             /* working CRS, e.g. "EPSG:4549" */
    char *scenario;        /* the classification's scenario name */
    char *rules_name;      /* the rules' name: */
    char *title;           /* map and report title */
    char *data_date;       /* e.g. "2026-11-29": the newest input's date */
    int n_tables;
    out_table *tables;     /* in the order of the comment above */
    int n_rules;
    out_rule *rules;
    int n_scenarios;
    out_scenario *scenarios;
    out_sweep sweep;       /* n_values 0 when none */
    double extent[4];      /* blocks' minx, miny, maxx, maxy (working CRS) */
    /* Per row of the blocks table: class, mode, area in 亩. */
    const unsigned char *klass;
    const unsigned char *mode;
    const double *area_mu;
    unsigned char *owned_klass, *owned_mode;
    double *owned_area_mu;
} out_model;

/* The table named `name`, or NULL. */
const out_table *out_model_table(const out_model *m, const char *name);

/* The run table's check.blocks_out and check.area_out_m2 until a
** GeoPackage or SpatiaLite database has been written and read back. */
#define CHECK_NOT_MEASURED "not measured (measured when the GeoPackage or SpatiaLite database is written)"

/* Record in m's run table the blocks and area read back from a database
** just written (out_ogr.c), so that the writers after it (the report)
** show them. */
void out_model_record_check(const out_model *m, int64_t blocks_out, double area_out_m2);

/* Index of column `name` in t, or -1. */
int out_column_index(const out_table *t, const char *name);

/* The cell of row r, column c. */
static inline const out_cell *out_table_cell(const out_table *t, int64_t r,
                                             int c)
{
    return &t->cells[r * t->n_columns + c];
}

/* Text of row r's column `name`, NULL when missing or not text. */
const char *out_text(const out_table *t, int64_t r, const char *name);

/* Number of row r's column `name` (integers converted), NaN when
** missing, absent or text. */
double out_number(const out_table *t, int64_t r, const char *name);

/* The total planar area of a spatial table's geometries (m²). */
double out_blocks_area(ibmap_ctx *ctx, const out_table *t);

/* Blocks and 亩 per class for each value of a key (output_model.c), as
** the summaries and the report show them: one group is a key and, per
** class, its blocks and their 亩. */
typedef struct out_group {
    const char *key;     /* NULL: the blocks without a key */
    const char *label;   /* a second text written after the key, or NULL */
    int64_t blocks[IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT];
} out_group;

typedef struct out_grouping {
    out_group *rows;
    int64_t n;
} out_grouping;

/* Group the first n blocks of m by keys[row] (labels[row] rides along;
** labels may be NULL): one row per key in byte order, the blocks without a
** key (NULL) last.  Free g->rows.  0 when out of memory. */
int out_group_blocks(const out_model *m, int64_t n, const char *const *keys,
                     const char *const *labels, out_grouping *g);

/* Per row of table t, the text of column `name`: NULL where the cell is
** null or empty, and everywhere when t has no such text column.  The
** strings belong to t; the array is the caller's to free.  NULL when out
** of memory. */
const char **out_column_keys(const out_table *t, const char *name);

/* Build the model from the workspace at `path` and classification `c`
** (which must hold the workspace's blocks in order); `rules` gives the
** report its rules, may be NULL.  Free with out_model_free(). */
ibmap_status out_model_build(ibmap_ctx *ctx, const char *workspace,
                             const ibmap_classification *c,
                             const ibmap_rules *rules,
                             const ibmap_output_options *options,
                             out_model **out);

void out_model_free(out_model *m);

/* Building a model (output_model.c uses these; so do the tests, which
** build small models by hand).  An empty model is calloc'd; tables are
** added, then their columns, then rows (all cells start null), then
** values.  Each returns 0 (-1 for add_column, NULL for add_table) when out
** of memory or misused (a wrong type, a row out of range).  A table
** pointer stays valid until the next out_model_add_table. */
out_table *out_model_add_table(out_model *m, const char *name,
                               const char *label_zh, int spatial);
int out_table_add_column(out_table *t, const char *name, const char *label_zh,
                         const char *unit, out_type type);
int out_table_set_rows(out_table *t, int64_t n);
int out_table_set_text(out_table *t, int64_t r, int c, const char *text);
int out_table_set_real(out_table *t, int64_t r, int c, double v);
int out_table_set_integer(out_table *t, int64_t r, int c, int64_t v);
/* Copies wkb (NULL: no geometry). */
int out_table_set_wkb(out_table *t, int64_t r, const unsigned char *wkb,
                      size_t size);

/* ---------------------------------------------------------------------- */
/* The look of the map: one palette for the map, the styles and the       */
/* report, so the three always agree.                                     */
/* ---------------------------------------------------------------------- */

/* Fill colours of the classes, 0–255 RGB: support green, consolidate
** amber, exit red, unclassifiable grey. */
static const unsigned char out_class_rgb[IBMAP_CLASS_COUNT][3] = {
    {0x2e, 0x9e, 0x4f},   /* support        扶持发展 */
    {0xf2, 0xa9, 0x00},   /* consolidate    整合改造 */
    {0xd7, 0x30, 0x27},   /* exit           清理退出 */
    {0x9e, 0x9e, 0x9e},   /* unclassifiable 未能分类 */
};
/* Outline of parks, hatch of red lines, outline of towns. */
static const unsigned char out_park_rgb[3] = {0x1f, 0x4e, 0x9c};
static const unsigned char out_redline_rgb[3] = {0xc0, 0x00, 0x00};
static const unsigned char out_town_rgb[3] = {0x60, 0x60, 0x60};

/* ---------------------------------------------------------------------- */
/* The names of the output files: outputs.c's table (the existence check,  */
/* ibmap_output_file_name) and the writers that name their own files.      */
/* ---------------------------------------------------------------------- */

#define OUT_NAME_GPKG "industrial_map.gpkg"
#define OUT_NAME_QGS "industrial_map.qgs"
#define OUT_NAME_SPATIALITE "industrial_map.sqlite"
#define OUT_NAME_SHP_DIR "shp"
#define OUT_NAME_GEOJSON_DIR "geojson"
#define OUT_NAME_FGB_DIR "fgb"
#define OUT_NAME_SUMMARY_TOWN "summary_class_town.csv"
#define OUT_NAME_SUMMARY_PARK "summary_class_park.csv"
#define OUT_NAME_SUMMARY_CU "summary_class_cu.csv"
#define OUT_NAME_SUMMARY_MODE "summary_class_mode.csv"
#define OUT_NAME_SUMMARY_TOTALS "summary_class_totals.csv"
#define OUT_NAME_MAP_PNG "industrial_map.png"
#define OUT_NAME_MAP_PDF "industrial_map.pdf"
#define OUT_NAME_REPORT "report.html"

/* ---------------------------------------------------------------------- */
/* The writers.  Each writes its file(s) under a temporary name and       */
/* renames when complete; none leaves a partial file behind.              */
/* ---------------------------------------------------------------------- */

/* out_ogr.c: a database writer on this thread calls fn(arg) before it
** writes the run table, which writers running at the same time may still
** be changing (outputs.c); fn returns 0 when the writer must give up, and
** *refused (if not NULL) is then set to -1.  NULL: no gate (the default). */
typedef int (*out_run_gate_fn)(void *arg);
void out_set_run_gate(out_run_gate_fn fn, void *arg, int *refused);

/* out_ogr.c.  `o` gives the progress callback (may have none). */
ibmap_status out_write_gpkg(ibmap_ctx *ctx, const out_model *m,
                            const char *path, const ibmap_output_options *o);
ibmap_status out_write_spatialite(ibmap_ctx *ctx, const out_model *m,
                                  const char *path,
                                  const ibmap_output_options *o);
/* One .shp (+ .shx .dbf .prj .cpg .qml, and FIELDS.csv, the name map) per
** spatial table, in directory `dir`; encoding "UTF-8" or "GBK". */
ibmap_status out_write_shapefiles(ibmap_ctx *ctx, const out_model *m,
                                  const char *dir, const char *encoding,
                                  const ibmap_output_options *o);
/* One RFC 7946 .geojson per spatial table, in `dir`. */
ibmap_status out_write_geojson(ibmap_ctx *ctx, const out_model *m,
                               const char *dir,
                               const ibmap_output_options *o);
/* One FlatGeobuf file (.fgb, working CRS, spatial index) and its QGIS
** style (.qml) per spatial table, in `dir`. */
ibmap_status out_write_fgb(ibmap_ctx *ctx, const out_model *m, const char *dir,
                           const ibmap_output_options *o);
/* Every table of the model, as in the GeoPackage, into schema `schema`
** (NULL: "ibmap") of the PostGIS database `pg` ("PG:…"), with the QGIS
** styles in the database's layer_styles table, all in one transaction:
** complete or not at all.  Existing tables of ours in the schema are
** replaced only with `overwrite` (else IBMAP_ERR_EXISTS, nothing
** written). */
ibmap_status out_write_postgis(ibmap_ctx *ctx, const out_model *m, const char *pg,
                               const char *schema, int overwrite,
                               const ibmap_output_options *o);
/* IBMAP_ERR_EXISTS (naming it) when a table out_write_postgis() would
** write is in `schema` already; IBMAP_OK when none is. */
ibmap_status out_postgis_existing(ibmap_ctx *ctx, const char *pg, const char *schema);
/* The ≤ 10-byte Shapefile field name made of a column name (without the
** clash counter). */
void out_shapefile_name(const char *name, char out[11]);

/* out_styles.c: QGIS styles (QML and SLD) of a table, as text the caller
** frees; NULL when out of memory.  `field_names` maps the model's column
** names to those written (NULL: the same), for Shapefile's ≤10 bytes. */
char *out_style_qml(const out_model *m, const out_table *t,
                    const char *const *field_names);
char *out_style_sld(const out_model *m, const out_table *t,
                    const char *const *field_names);
/* The QGIS project file `path` (.qgs) opening every spatial layer of the
** GeoPackage `gpkg_name` (a path relative to the project file), styled and
** in drawing order. */
ibmap_status out_write_qgs(ibmap_ctx *ctx, const out_model *m,
                           const char *path, const char *gpkg_name);

/* out_summary.c: the summary CSVs (UTF-8 with BOM) in `dir`. */
ibmap_status out_write_summaries(ibmap_ctx *ctx, const out_model *m,
                                 const char *dir);

/* out_map.c: the map as PNG (`png`, may be NULL) and PDF (`pdf`, may be
** NULL). */
ibmap_status out_write_map(ibmap_ctx *ctx, const out_model *m,
                           const char *png, const char *pdf);
/* out_map.c: where world point (x, y) (working CRS) lands in the PNG that
** out_write_map() writes for m; 1 when inside the map frame, else 0 (also
** when m has no geometry).  px, py may be NULL.  For the tests. */
int out_map_png_pixel(const out_model *m, double x, double y, int *px, int *py);

/* out_report.c: report.html, with the map PNG at `map_png` embedded
** (NULL: no map). */
ibmap_status out_write_report(ibmap_ctx *ctx, const out_model *m,
                              const char *path, const char *map_png);

#endif /* IBMAP_OUTPUT_H */
