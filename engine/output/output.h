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
**                     canonical fields, the block's own source fields as
**                     given (src_NAME where the name is one of ours),
**                     every metric (docs/metrics.md), then class, class_zh,
**                     mode, mode_zh, rule_id, reason, matched, stable,
**                     flipped_by
**   parcels           every parcel: parcel_id, source_fid, geom_state, its
**                     canonical fields, its source fields as given,
**                     grade_computed,
**                     block_id (majority assignment; NULL when in no block)
**   enterprises       every enterprise of the workspace (when it has the
**                     table), with the 项目清单 category of this
**                     classification                      (not spatial)
**   redline, basic_farmland, parks, central, transition, control_units,
**   towns             the zone layers given (id, source_fid, geom_state,
**                     canonical fields)
**   enterprises       every enterprise of the workspace (when it has an
**                     enterprises table), its geometry the union of its
**                     parcels: out_model_add_enterprises() below
**   block_enterprises each block's enterprises           (not spatial)
**   landuse_by_block  block_id, code, area_m2, share     (not spatial)
**   data_quality      the whole log                       (not spatial)
**   run               key, value: inputs, fingerprints, rules, params,
**                     the layers' verdicts (verdict.ROLE) and the accepted
**                     defects (defects.accepted), …       (not spatial)
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
    char *name;       /* field name, e.g. "tax_per_mu"; ours are ASCII, ≤ 63
                         bytes; a source field keeps its own (UTF-8) */
    char *label_zh;   /* alias shown by QGIS, e.g. "亩均税收"; "" if none */
    char *unit;       /* e.g. "万元/亩"; "" if unitless */
    out_type type;
} out_column;

/* One cell: 8 bytes, its null flag kept apart (out_table.nulls), since a
** flag beside the value would double the size of every cell; at 100,000
** blocks the model holds some 80 million. */
typedef struct out_cell {
    union {
        double real;
        int64_t integer;
        const char *text; /* in the table's arena (out_table.texts), one
                             copy per distinct text: shared; UTF-8 */
    } v;
} out_cell;

typedef struct out_table {
    char *name;            /* "blocks", "parcels", …, "run" */
    char *label_zh;        /* "工业区块"; "" if none */
    int spatial;           /* rows carry a (multi)polygon geometry */
    int n_columns;
    out_column *columns;
    int64_t n_rows;
    out_cell *cells;       /* row-major: cells[r * n_columns + c] */
    unsigned char *nulls;  /* a bit per cell, in the same order; set: no
                              value (a missing number, an absent text) */
    ibmap_text_arena texts; /* the cells' texts and the rows' WKB, freed
                              with the table: millions of small blocks,
                              each its own malloc, cost as much again in
                              overhead */
    ibmap_text_set interned; /* the distinct texts in `texts`, while the
                              table is built (out_model_build drops it) */
    const unsigned char **wkb; /* spatial only: per row, NULL if no
                              geometry; in `texts`, or another table's
                              (out_table_share_wkb): never written through */
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

/* A target's measure in one scenario (out_targets.c). */
typedef struct out_target_value {
    double value;          /* NaN: unknown (note says why) */
    double progress;       /* value / target; NaN when unknown */
    int64_t n_unknown;     /* items left out for want of data */
    char note[256];
} out_target_value;

/* Another scenario stored in the workspace, compared with this one. */
typedef struct out_scenario {
    char *name;
    int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT]; /* [this][other] */
    double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    unsigned char *klass, *mode;   /* its classes and modes, per block row */
    unsigned char *ent_cat;        /* its enterprises' categories (255: none
                                      stored); NULL without enterprises */
    int64_t n_sites;               /* its 小微企业园 candidate sites */
    out_target_value *targets;     /* [m->n_targets] */
} out_scenario;

/* A sweep to chart in the report (ibmap_output_options.sweep_*). */
typedef struct out_sweep {
    char *param;
    int n_values;
    double *values;
    int64_t *blocks;       /* n_values × IBMAP_CLASS_COUNT */
    double *mu;
} out_sweep;

/* A layer whose gates did not simply pass (load/gates.c): what the run
** went on with, to be shown wherever the results are. */
typedef struct out_verdict {
    char *role;            /* "redline" */
    ibmap_verdict verdict; /* IBMAP_VERDICT_WARNING or _ACCEPTED */
    char *message;         /* the verdict in sentences */
} out_verdict;

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
    int n_ent_rules;       /* the enterprise rules (id, source, when) */
    out_rule *ent_rules;
    int n_scenarios;
    out_scenario *scenarios;
    out_sweep sweep;       /* n_values 0 when none */
    int n_verdicts;        /* the layers not simply ok, in role order */
    out_verdict *verdicts;
    double extent[4];      /* blocks' minx, miny, maxx, maxy (working CRS) */
    double view[4];        /* the map's frame when has_view (--extent) */
    int has_view;
    /* Per row of the blocks table: class, mode, area in 亩. */
    const unsigned char *klass;
    const unsigned char *mode;
    const double *area_mu;
    unsigned char *owned_klass, *owned_mode;
    double *owned_area_mu;
    /* The enterprise params the rankings and the report use
    ** (out_model_build: the rules' tax_floor, ranking_min_mu and
    ** ranking_tier_share, else 5, 10 and 0.1; a model built by hand has 0:
    ** every enterprise ranked, no 前列 or 末档). */
    double tax_floor;          /* the 低效 line, 万元/亩 */
    double ranking_min_mu;     /* enterprises on less land are not ranked, 亩 */
    double ranking_tier_share; /* share of the ranked at each end: 前列, 末档 */
    /* Per row of the parcels table: the row of the block it is assigned
    ** to, -1 in none; NULL (a model built by hand): out_block_parcels
    ** matches the parcels' block_id to the blocks' instead. */
    int64_t *parcel_block;
    /* Per row of the enterprises table (when the workspace has one): its
    ** main block's row, -1 in none. */
    int64_t *ent_block;
    /* Per row of the parcels table: its enterprise's row, -1 when none
    ** (or no enterprises table). */
    int64_t *parcel_ent;
    /* The rules' sme_parks: params and targets: (the defaults without
    ** rules), for out_sites.c and out_targets.c. */
    rules_sme sme;
    rules_target *targets;
    int n_targets;
    out_target_value *target_values;   /* [n_targets], this scenario's */
    /* The report's comparison with another workspace (not owned); NULL. */
    const struct ibmap_ws_compare *ws_compare;
} out_model;

/* The parcels of each block: those of block row b are the parcel rows
** idx[first[b]] .. idx[first[b + 1] - 1], in parcel order. */
typedef struct out_block_parcels {
    int64_t *first;        /* [blocks + 1] */
    int64_t *idx;
} out_block_parcels;

/* 0 when out of memory.  out_block_ents_build does the same for the rows
** of the enterprises table by their main block (none without the table). */
int out_block_parcels_build(const out_model *m, out_block_parcels *bp);
int out_block_ents_build(const out_model *m, out_block_parcels *bp);
void out_block_parcels_free(out_block_parcels *bp);

/* The table named `name`, or NULL. */
const out_table *out_model_table(const out_model *m, const char *name);

/* The run table's check.blocks_out and check.area_out_m2 until a
** GeoPackage or SpatiaLite database has been written and read back. */
#define CHECK_NOT_MEASURED "not measured (measured when the GeoPackage or SpatiaLite database is written)"

/* Record in m's run table the blocks and area read back from a database
** just written (out_ogr.c), so that the writers after it (the report)
** show them. */
void out_model_record_check(const out_model *m, int64_t blocks_out, double area_out_m2);

/* One line for the map's title block naming the layers not simply ok,
** e.g. "数据缺陷已接受 accepted defects: redline　图层警告 layer warnings:
** landuse"; NULL when every layer passed (or out of memory).  Caller
** frees. */
char *out_model_defects_line(const out_model *m);

/* Index of column `name` in t, or -1. */
int out_column_index(const out_table *t, const char *name);

/* The cell of row r, column c. */
static inline const out_cell *out_table_cell(const out_table *t, int64_t r,
                                             int c)
{
    return &t->cells[r * t->n_columns + c];
}

/* 1 when the cell of row r, column c has no value. */
static inline int out_cell_null(const out_table *t, int64_t r, int c)
{
    size_t i = (size_t)r * (size_t)t->n_columns + (size_t)c;
    return (t->nulls[i >> 3] >> (i & 7)) & 1;
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

/* The model of the plan only: blocks, parcels, enterprises, zones, the
** candidate sites and the targets (no land-use table, data-quality log,
** run table, rules, scenarios or sweep), for ibmap_targets_evaluate and
** the plan sheets. */
ibmap_status out_model_build_plan(ibmap_ctx *ctx, const char *workspace,
                                  const ibmap_classification *c, const ibmap_rules *rules,
                                  out_model **out);

/* The model's targets and this scenario's values, handed over to *out
** (out_targets.c; ibmap_targets_free frees them); m keeps none. */
ibmap_status out_targets_take(ibmap_ctx *ctx, out_model *m, ibmap_targets **out);

/* Copy the rules' sme_parks and targets into m (the defaults when rules is
** NULL); out_model_build does it, a model built by hand may. */
ibmap_status out_model_set_plan(ibmap_ctx *ctx, out_model *m, const ibmap_rules *rules);

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
/* Copies wkb (NULL: no geometry) into the table's arena. */
int out_table_set_wkb(out_table *t, int64_t r, const unsigned char *wkb,
                      size_t size);
/* Row r's geometry is row from_row's of `from`, the same bytes, not a
** copy: both tables must be of one model (freed together).  0 when a
** row is out of range. */
int out_table_share_wkb(out_table *t, int64_t r, const out_table *from, int64_t from_row);

/* ---------------------------------------------------------------------- */
/* Enterprises: 亩均论英雄 at the enterprise level (out_enterprises.c)      */
/* ---------------------------------------------------------------------- */

/* Add to m the tables
**   enterprises        spatial, one row per enterprise of the workspace in
**                      ent_index order: every column of its enterprises
**                      table (overlay/enterprise_list.h), tax_land_mu and
**                      va_land_mu (the land its 亩均 figures divide by),
**                      low_eff, category, category_zh, rule_id, reason;
**                      geometry the union of its parcels (working CRS)
**   block_enterprises  one row per block and enterprise holding land in it
** from the workspace open in db (inside the model's read transaction) and
** the classification c (its enterprises, else the scenario's stored
** enterprise_class rows).  Nothing is added for a workspace without an
** enterprises table. */
ibmap_status out_model_add_enterprises(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                                       out_model *m, const ibmap_classification *c);
/* The columns of block_enterprises ({name, label_zh, unit, "T"|"R"|"I"}),
** for the CSV's header when there is no such table. */
extern const char *const out_block_enterprise_columns[][4];
extern const int out_n_block_enterprise_columns;

/* 亩产英雄 榜单 (二、(六)): enterprises, or enterprises grouped by a column,
** ranked by 亩均税收 (then 亩均增加值, land, id: ties never share a rank).
** An enterprise is ranked when its 亩均税收 is known and its land is at
** least m->ranking_min_mu; the first and the last k of the ranked are
** 前列 and 末档, k = ceil(n × m->ranking_tier_share) but at most n/2.  A
** group's 亩均 figures are ratios of sums over its enterprises' known
** figures and their land; every group with a key and a known 亩均税收 is
** ranked. */
enum out_tier {
    OUT_TIER_NONE = 0,    /* ranked, between the ends */
    OUT_TIER_TOP,         /* 前列 */
    OUT_TIER_BOTTOM,      /* 末档 */
    OUT_TIER_SMALL,       /* not ranked: land under ranking_min_mu */
    OUT_TIER_NO_DATA,     /* not ranked: 亩均税收 unknown (数据不足, never 0) */
    OUT_TIER_NO_KEY       /* a group of enterprises without the key */
};

typedef struct out_rank_row {
    int64_t row;            /* enterprises: the row of the enterprises table */
    const char *key;        /* groups: the key (NULL for the keyless group) */
    int64_t rank, rank_va;  /* 1, 2, …; 0 when not ranked */
    int tier;               /* enum out_tier */
    int64_t n_enterprises, n_low_eff;
    double land_mu, low_eff_mu, tax, tax_land_mu, va, va_land_mu;
    double tax_per_mu, va_per_mu;   /* NaN: unknown */
} out_rank_row;

typedef struct out_ranking {
    out_rank_row *rows;   /* the ranked by rank, then the small ones (by
                          ** 亩均税收), then the rest (by key or id) */
    int64_t n, n_ranked;
} out_ranking;

/* 1, or 0 when out of memory (r then empty).  A model without an
** enterprises table gives an empty ranking. */
int out_rank_enterprises(const out_model *m, out_ranking *r);
int out_rank_groups(const out_model *m, const char *column, out_ranking *r);
void out_ranking_free(out_ranking *r);
/* "前列", "末档", "", "数据不足", "未排名：用地不足 10 亩", "（无）". */
const char *out_tier_label(const out_model *m, int tier, char *buf, size_t n);
/* The GB/T 4754-2017 name of a manufacturing 大类 ("38" → "电气机械和器材
** 制造业"), NULL when not one. */
const char *out_industry_division_name(const char *division);

/* Enterprises and their 亩 per 项目清单 category (and of those the 低效),
** grouped by a text column of the enterprises table (NULL: one group of
** all): keys in byte order, the keyless group last.  Free *rows. */
typedef struct out_category_group {
    const char *key;
    int64_t n[IBMAP_CATEGORY_COUNT], n_low_eff[IBMAP_CATEGORY_COUNT];
    double mu[IBMAP_CATEGORY_COUNT], low_eff_mu[IBMAP_CATEGORY_COUNT];
} out_category_group;
int out_enterprise_categories(const out_model *m, const char *column,
                              out_category_group **rows, int64_t *n);

/* The report's enterprise section (out_report_enterprises.c): the 低效
** enterprises, the categories, the chains and the 榜单. */
void out_report_enterprises(FILE *f, const out_model *m);

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
/* Fill colours of the 项目清单 categories of the enterprises layer
** (styles, report): a grey for the enterprises not listed, and for the
** four categories hues apart from the class colours of the blocks under
** them. */
static const unsigned char out_category_rgb[IBMAP_CATEGORY_COUNT][3] = {
    {0xd9, 0xd9, 0xd9},   /* none       不列入 */
    {0x67, 0x00, 0x1f},   /* eliminate  整治淘汰类 */
    {0xe6, 0x61, 0x01},   /* upgrade    改造提升类 */
    {0x5e, 0x3c, 0x99},   /* cluster    园区集聚类 */
    {0x05, 0x71, 0xb0},   /* relocate   搬迁拆除类 */
};
/* Outline of parks, hatch of red lines, outline of towns. */
static const unsigned char out_park_rgb[3] = {0x1f, 0x4e, 0x9c};
static const unsigned char out_redline_rgb[3] = {0xc0, 0x00, 0x00};
static const unsigned char out_town_rgb[3] = {0x60, 0x60, 0x60};
/* Outline of the 小微企业园 candidate sites (dashed). */
static const unsigned char out_site_rgb[3] = {0xc5, 0x1b, 0x7d};

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
#define OUT_NAME_SUMMARY_ENT_CATEGORY "summary_enterprise_category.csv"
#define OUT_NAME_SUMMARY_ENT_CHAIN "summary_enterprise_chain.csv"
#define OUT_NAME_BLOCK_ENTERPRISES "block_enterprises.csv"
#define OUT_NAME_RANKING_ENTERPRISES "ranking_enterprises.csv"
#define OUT_NAME_RANKING_INDUSTRIES "ranking_industries.csv"
#define OUT_NAME_RANKING_TOWNS "ranking_towns.csv"
#define OUT_NAME_SUMMARY_TARGETS "summary_targets.csv"
#define OUT_NAME_MAP_PNG "industrial_map.png"
#define OUT_NAME_MAP_PDF "industrial_map.pdf"
#define OUT_NAME_REPORT "report.html"
#define OUT_NAME_TOWN_MAPS_PDF "town_maps.pdf"
#define OUT_NAME_TOWN_MAPS_DIR "town_maps"
#define OUT_NAME_PLANS_DIR "plans"

/* The model's table of 小微企业园 candidate sites (out_sites.c). */
#define OUT_SITES_TABLE "sme_park_sites"

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
/* out_summary_enterprises.c: the enterprise CSVs (categories, chains, the
** blocks' enterprises, the 榜单), called by out_write_summaries. */
ibmap_status out_write_enterprise_summaries(ibmap_ctx *ctx, const out_model *m,
                                            const char *dir);

/* out_map.c: the map as PNG (`png`, may be NULL) and PDF (`pdf`, may be
** NULL). */
ibmap_status out_write_map(ibmap_ctx *ctx, const out_model *m,
                           const char *png, const char *pdf);
/* out_map.c: where world point (x, y) (working CRS) lands in the PNG that
** out_write_map() writes for m; 1 when inside the map frame, else 0 (also
** when m has no geometry).  px, py may be NULL.  For the tests. */
int out_map_png_pixel(const out_model *m, double x, double y, int *px, int *py);

/* out_map.c: the town maps: a page per town (in the order of the towns'
** names) in the PDF `pdf` and, when png_dir is not NULL, each page as a PNG
** in that directory (written whole under a temporary name and swapped in).
** Either may be NULL. */
ibmap_status out_write_town_maps(ibmap_ctx *ctx, const out_model *m, const char *pdf,
                                 const char *png_dir);

/* The towns of the blocks (their `town` values), in byte order, each with
** its row in the towns table (-1 when it has none).  The names belong to
** m; *out is the caller's to free.  Returns the count, -1 when out of
** memory. */
typedef struct out_town {
    const char *name;
    int64_t row;
} out_town;
int out_town_list(const out_model *m, out_town **out);

/* "DIR/NN-TOWN.EXT" (NN the page, from 01), the town's name made safe for
** a file name.  malloc'd; NULL when out of memory. */
char *out_town_file_name(const char *dir, int page, const char *town, const char *ext);

/* outputs.c: remove a directory of files (and its subdirectories, a few
** levels down; symbolic links are removed, not followed); put the
** complete directory `tmp` in place of `dir` (the old one moved aside
** first, removed after). */
void out_remove_tree(const char *dir);
ibmap_status out_swap_dir(ibmap_ctx *ctx, const char *tmp, const char *dir);

/* out_plans.c: the block plan sheets (一区块一方案) of the blocks asked
** for, into directory `dir` (written whole under a temporary name and
** swapped in): TOWN.pdf and TOWN.html per town, index.html, and on
** request blocks/ID.pdf and png/ID.png.  *n_blocks and *n_pages (may be
** NULL) receive what was written. */
typedef struct out_plan_options {
    const char *blocks;    /* "all", class names and/or block ids, comma-
                              separated; NULL: "consolidate,exit" */
    const char *town;      /* only this town's blocks; NULL: all */
    int per_block;         /* also blocks/ID.pdf */
    int png;               /* also png/ID.png previews */
    const char *organization, *date, *title;   /* what the sheets print */
} out_plan_options;
ibmap_status out_write_plans(ibmap_ctx *ctx, const out_model *m, const char *dir,
                             const out_plan_options *o, int64_t *n_blocks, int64_t *n_pages);
/* Where world point (x, y) lands in the PNG preview (150 dpi) of the first
** page of block row `block`'s sheet; 1 inside the map frame.  For the tests. */
int out_plan_png_pixel(const out_model *m, int64_t block, double x, double y, int *px, int *py);

/* out_compare.c: two workspaces compared (ibmap_compare_workspaces). */
typedef enum out_match {
    OUT_MATCH_ID = 0,      /* same id in both */
    OUT_MATCH_RENAMED,     /* a new id on the block it overlaps most */
    OUT_MATCH_SPLIT,       /* one of several B blocks of one A block */
    OUT_MATCH_MERGED,      /* an A block gone into a B block (row: A, b the B block) */
    OUT_MATCH_ADDED,       /* a B block overlapping nothing in A */
    OUT_MATCH_REMOVED,     /* an A block overlapping nothing in B */
    OUT_MATCH_COUNT
} out_match;

typedef struct out_ws_side {
    char *path, *scenario;
    int64_t n;
    char **ids, **town, **reason;   /* town NULL where none */
    unsigned char *klass;
    double *mu, *tax_per_mu;        /* NaN: unknown */
    double tax_sum, land_sum;       /* over the blocks with both */
} out_ws_side;

typedef struct out_ws_row {
    int64_t a, b;          /* block rows of A and B, -1: none */
    out_match match;
    double overlap_share;  /* of A's block, NaN when matched by id */
} out_ws_row;

struct ibmap_ws_compare {
    out_ws_side a, b;
    out_ws_row *rows;
    int64_t n_rows, cap_rows;
    int64_t n_match[OUT_MATCH_COUNT];
    int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];   /* [A][B] */
    double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    int64_t added[IBMAP_CLASS_COUNT], removed[IBMAP_CLASS_COUNT];
};

const char *out_match_name(out_match m);
const char *out_match_label_zh(out_match m);
/* The comparison as a report section (<section id="ws-compare">). */
void out_compare_section(FILE *f, const ibmap_ws_compare *c);

/* out_report.c: the report's HTML pieces, for the other pages ibmap
** writes (out_compare.c, out_plans.c): text escaped; a class's swatch,
** label and key; the head of a page (doctype, CSP without scripts, the
** report's CSS, <h1>title</h1>) up to an open <main>. */
void out_html_esc(FILE *f, const char *s);
void out_html_class_label(FILE *f, int k);
void out_html_head(FILE *f, const char *title);

/* out_sites.c: the 小微企业园 candidate sites of the model's blocks and
** parcels, with params p, as table OUT_SITES_TABLE (replacing none: call
** once).  Serial and in a fixed order: the same for any thread count. */
ibmap_status out_sites_build(ibmap_ctx *ctx, out_model *m, const rules_sme *p);
/* The number of sites the blocks would give with these classes and modes
** (another scenario's), no table made. */
ibmap_status out_sites_count(ibmap_ctx *ctx, const out_model *m, const unsigned char *klass,
                             const unsigned char *mode, const rules_sme *p, int64_t *n);

/* out_targets.c: m's targets measured for classes klass (per block row),
** the enterprises' categories ent_cat (NULL: the enterprises table's) and
** n_sites candidate sites, into v[m->n_targets]; and one as text,
** "value / target unit (progress%)". */
void out_targets_eval(const out_model *m, const unsigned char *klass,
                      const unsigned char *ent_cat, int64_t n_sites, out_target_value *v);
void out_target_format(const rules_target *t, const out_target_value *v, char *buf, size_t n);

/* out_webmap.c: the report's interactive map (Leaflet, embedded). */
#define OUT_WEBMAP_MAX_BLOCKS 250000   /* past this the map is left out, noted */
#define OUT_WEBMAP_MAX_ENT 12          /* enterprises listed in a block's popup */
#define OUT_WEBMAP_ENT_BUDGET 200000   /* … and over the whole city */

typedef struct out_webmap {
    char *json;            /* the data block; NULL when skipped */
    int skipped;           /* too many blocks */
    int64_t n_blocks, n_vertices;
    double tolerance;      /* of the display simplification, metres */
    double quantum;        /* coordinates are multiples of it, metres */
    int ent_per_block;     /* enterprises listed per popup at most */
} out_webmap;

/* The map's data as JSON (docs/outputs.md), links to the plan sheets in
** directory plans_dir (relative to the report; NULL: none). */
ibmap_status out_webmap_build(ibmap_ctx *ctx, const out_model *m, const char *plans_dir,
                              out_webmap *w);
void out_webmap_free(out_webmap *w);
const char *out_webmap_app_js(void);
/* Where Leaflet is read from: $IBMAP_LEAFLET_DIR, else the directory
** found at build time. */
const char *out_leaflet_dir(void);
/* Leaflet's script and CSS (images inlined), malloc'd; 0 and why when
** they cannot be read. */
int out_leaflet_read(char **js, char **css, char *why, size_t why_size);
/* The base64 SHA-256 of s, for a Content-Security-Policy hash. */
void out_sha256_base64(const char *s, char out[64]);

/* "DIR/TOWN.EXT", the plan sheets' file of a town (NULL or "": "无镇街"),
** the name made safe for a file.  malloc'd; NULL when out of memory. */
char *out_plan_file_name(const char *dir, const char *town, const char *ext);
/* s with the characters a file name cannot hold made '_'.  malloc'd. */
char *out_safe_file_name(const char *s);

/* out_report.c: report.html, with the map PNG at `map_png` embedded
** (NULL: no map). */
ibmap_status out_write_report(ibmap_ctx *ctx, const out_model *m,
                              const char *path, const char *map_png);

#endif /* IBMAP_OUTPUT_H */
