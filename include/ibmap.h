/*
** ibmap.h — the public C API of ibmap, the industrial-block analysis engine.
**
** This header is the documentation of the API.  Everything a program needs
** is here; nothing else in the source tree is public.
**
** Conventions (modelled on geos_c.h, proj.h, sqlite3.h and h3api.h):
**
**   * Handles are opaque.  Every function that can fail returns an
**     ibmap_status; IBMAP_OK (0) is success.  Values come back through
**     out-parameters, which are left untouched on failure.
**
**   * A context (ibmap_ctx) holds one GEOS context, one PROJ context and the
**     message of the last error.  A context is not thread-safe: give each
**     thread its own.  Objects made with one context may be *read* from
**     another thread, but calls that take a context use only that context.
**
**   * Ownership: a function named *_new, *_read or *_load hands the caller an
**     object that the caller frees with the matching *_free.  Pointers
**     returned by accessors (strings, layers, info structs) belong to the
**     object they came from and stay valid until that object is freed.
**     *_free(NULL) is a no-op.
**
**   * Text is UTF-8 everywhere, in and out, whatever the source encoding.
**
**   * Nothing is dropped.  Every input feature is kept, including those with
**     no geometry or unreadable values; every problem found while loading is
**     one entry in the data-quality log (ibmap_data_defect).
*/
#ifndef IBMAP_H
#define IBMAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IBMAP_API marks the functions of this header, the only symbols
** libibmap exports: the library is built with hidden visibility, so
** everything else in it stays internal (tests/test_symbols.sh checks). */
#if defined(IBMAP_BUILDING) && defined(__GNUC__)
#define IBMAP_API __attribute__((visibility("default")))
#else
#define IBMAP_API
#endif

#define IBMAP_VERSION_MAJOR 0
#define IBMAP_VERSION_MINOR 1
#define IBMAP_VERSION_PATCH 0
#define IBMAP_VERSION_STRING "0.1.0"

/* Version of the library actually linked, e.g. "0.1.0". */
IBMAP_API const char *ibmap_version(void);

/* Versions of the libraries ibmap was linked against, e.g.
** "GDAL 3.6.2, GEOS 3.11.1, PROJ 9.1.1, SQLite 3.40.1, libyaml 0.2.5".
** The string is static. */
IBMAP_API const char *ibmap_dependency_versions(void);

/* ---------------------------------------------------------------------- */
/* Status codes                                                           */
/* ---------------------------------------------------------------------- */

/* Grouped by area in blocks of 100 so that (status / 100) names the area:
** 0 general, 1 I/O, 2 project file, 3 CRS, 4 geometry, 5 attributes,
** 6 rules, 7 overlay.  Codes are stable: never renumber. */
typedef enum ibmap_status {
    IBMAP_OK = 0,
    IBMAP_ERR_NOMEM = 1,        /* out of memory */
    IBMAP_ERR_ARG = 2,          /* invalid argument (a NULL handle, a bad enum) */
    IBMAP_ERR_INTERNAL = 3,     /* a bug in ibmap: please report it */
    IBMAP_ERR_INTERRUPTED = 4,  /* stopped by a signal */

    IBMAP_ERR_OPEN = 100,       /* a source could not be opened */
    IBMAP_ERR_READ = 101,       /* a source could not be read */
    IBMAP_ERR_WRITE = 102,      /* an output could not be written */
    IBMAP_ERR_NO_LAYER = 103,   /* the named layer is not in the source */
    IBMAP_ERR_FILTER = 104,     /* the attribute filter was refused */
    IBMAP_ERR_EXISTS = 105,     /* an output exists and overwriting was
                                   not asked for */

    IBMAP_ERR_PROJECT_SYNTAX = 200, /* the project file is not valid YAML */
    IBMAP_ERR_PROJECT_KEY = 201,    /* an unknown key or role */
    IBMAP_ERR_PROJECT_VALUE = 202,  /* a value out of range or of the wrong kind */
    IBMAP_ERR_ROLE_MISSING = 203,   /* a required input role was not given */

    IBMAP_ERR_CRS_UNKNOWN = 300,    /* a layer has no CRS and none can be identified */
    IBMAP_ERR_CRS_INVALID = 301,    /* a CRS definition was not understood */
    IBMAP_ERR_CRS_TRANSFORM = 302,  /* coordinates could not be transformed */

    IBMAP_ERR_GEOMETRY = 400,       /* a geometry operation failed */

    IBMAP_ERR_FIELD_MISSING = 500,  /* a required field is not in the layer */
    IBMAP_ERR_CODE_SYSTEM = 501,    /* land-use codes contradict the declared system */
    IBMAP_ERR_ENCODING = 502,       /* text could not be decoded */
    IBMAP_ERR_LAYER_REJECTED = 503, /* a layer failed a gate: no usable
                                       feature, points or lines for a zone,
                                       a hard constraint lost features,
                                       mostly unknown land-use codes
                                       (docs/data-quality.md) */

    IBMAP_ERR_RULES_SYNTAX = 600,   /* the rules file is malformed (YAML, keys,
                                       values, a `when` SQLite cannot parse) */
    IBMAP_ERR_RULES_NAME = 601,     /* an unknown metric, param, class or mode */
    IBMAP_ERR_RULES_DENIED = 602,   /* a `when` tries something rules may not
                                       do (write, ATTACH, PRAGMA, other tables,
                                       a function not on the safe list) */
    IBMAP_ERR_RULES_DEFAULT = 603   /* the last rule is not the always-true
                                       default */
} ibmap_status;

/* A short English description of a status, e.g. "source could not be
** opened".  Never NULL; the string is static. */
IBMAP_API const char *ibmap_status_str(ibmap_status status);

/* ---------------------------------------------------------------------- */
/* Context                                                                */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_ctx ibmap_ctx;

/* Create a context.  Returns NULL only when memory is exhausted.
** The caller frees it with ibmap_ctx_free(). */
IBMAP_API ibmap_ctx *ibmap_ctx_new(void);
IBMAP_API void ibmap_ctx_free(ibmap_ctx *ctx);

/* The language of the CSV files written through this context: "en" (the
** default, for scripts: English column names and keys) or "zh" (Chinese
** column headers, and the class, mode, category and control-unit type
** values as their Chinese labels), for people opening them in Excel or
** WPS.  IBMAP_ERR_ARG for another value. */
IBMAP_API ibmap_status ibmap_ctx_set_language(ibmap_ctx *ctx, const char *lang);

/* Ask every ibmap call in progress, in any thread, to stop at its next
** check (between features, blocks and rows): it returns
** IBMAP_ERR_INTERRUPTED, having removed what it had half-written, so that
** outputs are complete or absent and a workspace stays valid.  Safe to
** call from a signal handler: it sets one lock-free atomic flag.  The
** request holds, for every later call too, until ibmap_interrupt_clear(). */
IBMAP_API void ibmap_interrupt(void);
IBMAP_API void ibmap_interrupt_clear(void);

/* For a program about to exit: from this call on, the free functions of
** the large structures (ibmap_data_free, ibmap_metrics_free,
** ibmap_classification_free, and the output model ibmap_write_outputs
** frees) return without freeing, leaving the memory to the end of the
** process, which releases it at once; freeing a large city's millions of
** geometries and strings one by one takes seconds.  Process-wide and for
** good: a library that goes on running must not call it. */
IBMAP_API void ibmap_exiting(void);

/* The message of the last error reported through this context: it names
** the file, layer, feature and field concerned wherever they are known.
** Empty ("") when no error has occurred.  Owned by the context; valid until
** the next call that takes this context. */
IBMAP_API const char *ibmap_errmsg(const ibmap_ctx *ctx);

/* ---------------------------------------------------------------------- */
/* Input roles and their canonical fields                                 */
/* ---------------------------------------------------------------------- */

/* Each input layer plays one role.  The order is stable. */
typedef enum ibmap_role {
    IBMAP_ROLE_BLOCKS = 0,      /* industrial blocks 工业区块 (required) */
    IBMAP_ROLE_PARCELS,         /* land parcels 宗地 with enterprise data (required) */
    IBMAP_ROLE_LANDUSE,         /* land-use survey polygons 三调 DLTB (required) */
    IBMAP_ROLE_REDLINE,         /* ecological red line 生态保护红线 (required) */
    IBMAP_ROLE_CONTROL_UNITS,   /* environmental control units 环境管控单元 (required) */
    IBMAP_ROLE_PARKS,           /* planned industrial parks (required) */
    IBMAP_ROLE_CENTRAL,         /* central districts (optional) */
    IBMAP_ROLE_TRANSITION,      /* transition zones 过渡控制区 (optional) */
    IBMAP_ROLE_BASIC_FARMLAND,  /* permanent basic farmland 永久基本农田 (optional) */
    IBMAP_ROLE_TOWNS,           /* town boundaries 镇街 (optional) */
    IBMAP_ROLE_COUNT
} ibmap_role;

/* "blocks", "parcels", "landuse", "redline", "control_units", "parks",
** "central", "transition", "basic_farmland", "towns"; NULL if out of range. */
IBMAP_API const char *ibmap_role_name(ibmap_role role);

/* The role named `name` (as above, case-insensitive; "-" may stand for
** "_"), or -1. */
IBMAP_API int ibmap_role_from_name(const char *name);

/* Non-zero if a project must give this role. */
IBMAP_API int ibmap_role_required(ibmap_role role);

typedef enum ibmap_field_type {
    IBMAP_FIELD_TEXT = 0,   /* UTF-8 text */
    IBMAP_FIELD_NUMBER,     /* a real number; missing values are NaN */
    IBMAP_FIELD_FLAG        /* yes/no (是/否, Y/N, 1/0, true/false); missing is NaN */
} ibmap_field_type;

/* Description of one canonical field of a role, as defined in layers/. */
typedef struct ibmap_field_info {
    const char *name;           /* canonical name, e.g. "tax" */
    ibmap_field_type type;
    const char *unit;           /* e.g. "万元", "亩", "m²"; "" when unitless */
    const char *label_zh;       /* Chinese label, e.g. "税收" */
    const char *description;    /* one line, English */
    int required;               /* non-zero: loading fails without it */
    const char *const *aliases; /* NULL-terminated source names accepted */
} ibmap_field_info;

/* Number of canonical fields of `role` (0 if out of range). */
IBMAP_API int ibmap_role_field_count(ibmap_role role);

/* Field `index` (0-based) of `role`, or NULL if out of range.  Static. */
IBMAP_API const ibmap_field_info *ibmap_role_field(ibmap_role role, int index);

/* Index of the canonical field `name` of `role`, or -1. */
IBMAP_API int ibmap_role_field_index(ibmap_role role, const char *name);

/* ---------------------------------------------------------------------- */
/* Project: where the inputs are, and the options of a run                */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_project ibmap_project;

/* An empty project (no roles given, default options).  Free with
** ibmap_project_free(). */
IBMAP_API ibmap_status ibmap_project_new(ibmap_ctx *ctx, ibmap_project **out);

/* Read a YAML project file.  Relative paths in it are taken relative to
** the directory of `path`.  Unknown keys and bad values are errors that
** give the file, line and key.  See docs/project-file.md and the template
** written by ibmap_project_write_template(). */
IBMAP_API ibmap_status ibmap_project_read(ibmap_ctx *ctx, const char *path,
                                ibmap_project **out);

IBMAP_API void ibmap_project_free(ibmap_project *project);

/* Set one setting, overriding what the file said.  This is how the command
** line's ogr2ogr-style flags reach the project.  Keys:
**
**   ROLE                      "SRC[:LAYER]": any GDAL vector source (a path,
**                             a .zip, a GeoPackage, "PG:dbname=…"), and
**                             optionally the layer after the last ':'
**   ROLE.source, ROLE.layer   the same, separately
**   ROLE.where                an OGR SQL attribute filter
**   ROLE.encoding             e.g. "GBK", "UTF-8" (wins over .cpg and LDID)
**   ROLE.coords               cgcs2000 | wgs84 | gcj02 | bd09
**   ROLE.crs                  the CRS of a source that declares none,
**                             e.g. "EPSG:4528"
**   ROLE.codes                land-use code system: sandiao | ydyh | gb50137
**   ROLE.field.CANONICAL      the source field holding that canonical field
**   crs                       the working CRS, e.g. "EPSG:4549", or "auto"
**   area                      planar | ellipsoidal
**   grades.fallback           yes | no: compute missing 亩均 grades
**   grades.cuts               percentages of A,B,C,D, e.g. "20,40,35,5"
**   grades.weights.IND        weight of an indicator (tax_per_mu,
**                             va_per_mu, va_per_energy, va_per_emissions,
**                             labour_productivity, rnd_share)
**   grades.benchmarks.IND     its benchmark (default: the county mean)
**   central_towns             the towns that count as 中心城区, separated
**                             by ',' '，' or '、' ("" for none)
**   plan.organization, plan.date, plan.title
**                             编制单位, 编制日期 and the title the plan
**                             sheets print
**
** Relative source paths given here are taken as they are (relative to the
** current directory), as a shell user expects. */
IBMAP_API ibmap_status ibmap_project_set(ibmap_ctx *ctx, ibmap_project *project,
                               const char *key, const char *value);

/* The project's central_towns (中心城区 by town, 二、(二)): their number,
** -1 when the project does not set them (the rules file's then apply, see
** ibmap_rules_set_central_towns), and town i (NULL out of range). */
IBMAP_API int ibmap_project_central_town_count(const ibmap_project *project);
IBMAP_API const char *ibmap_project_central_town(const ibmap_project *project, int i);
/* A setting of the project as text, or NULL when not set: "plan.organization"
** (编制单位), "plan.date" (编制日期), "plan.title" (the plan sheets' title),
** "crs".  Owned by the project.  The plan.* keys are read from the project
** file's plan: section or set with ibmap_project_set(); they print on the
** plan sheets and change no fingerprint. */
IBMAP_API const char *ibmap_project_get(const ibmap_project *project, const char *key);

/* Write a commented template project file to `path` (written to a
** temporary name, then renamed; an existing file is an error). */
IBMAP_API ibmap_status ibmap_project_write_template(ibmap_ctx *ctx, const char *path);

/* ---------------------------------------------------------------------- */
/* Loading: every layer read, decoded, reprojected and repaired           */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_data ibmap_data;
typedef struct ibmap_layer ibmap_layer;

/* Load every role the project gives: open the source, pick the layer,
** apply the filter, map fields, decode text, identify the CRS, reproject to
** the working CRS and repair geometry.  Problems with single features are
** recorded in the data-quality log and do not fail the load; problems that
** make a whole layer unusable (it cannot be opened, a required field or
** the CRS is missing, land-use codes contradict the declared system) fail
** it with a message naming the file, layer and field.
** The caller frees the result with ibmap_data_free(). */
IBMAP_API ibmap_status ibmap_load(ibmap_ctx *ctx, const ibmap_project *project,
                        ibmap_data **out);

IBMAP_API void ibmap_data_free(ibmap_data *data);

/* The working CRS of the loaded data, e.g. "EPSG:4549".  Owned by data. */
IBMAP_API const char *ibmap_data_crs(const ibmap_data *data);

/* The layer loaded for `role`, or NULL if the project did not give it. */
IBMAP_API const ibmap_layer *ibmap_data_layer(const ibmap_data *data, ibmap_role role);

/* What was found out while loading a layer.  Strings owned by the layer. */
typedef struct ibmap_layer_info {
    ibmap_role role;
    const char *source;         /* as given (after path resolution) */
    const char *layer_name;     /* the layer actually read */
    const char *driver;         /* GDAL driver short name, e.g. "ESRI Shapefile" */
    const char *encoding;       /* encoding used to decode text, e.g. "GB18030" */
    const char *encoding_from;  /* how it was chosen: "override", "cpg",
                                   "ldid", "utf8-valid", "guessed", "driver" */
    const char *crs_found;      /* the source's own CRS ("" if none) */
    const char *crs_used;       /* the CRS its coordinates were read in */
    const char *crs_note;       /* how crs_used was chosen, in a sentence */
    const char *coords;         /* cgcs2000 | wgs84 | gcj02 | bd09 */
    int64_t n_features;         /* features read (after the filter) */
    int64_t n_with_geometry;    /* of those, with a usable polygonal geometry */
    int64_t n_defects;          /* entries in the data-quality log */
} ibmap_layer_info;

IBMAP_API void ibmap_layer_get_info(const ibmap_layer *layer, ibmap_layer_info *out);

/* Number of features (every feature read is kept). */
IBMAP_API int64_t ibmap_layer_count(const ibmap_layer *layer);

/* The source feature id (OGR FID) of feature i. */
IBMAP_API int64_t ibmap_layer_fid(const ibmap_layer *layer, int64_t i);

/* The identifier of feature i: the canonical "id" field when the role has
** one and the value is present, else the FID as text.  Owned by layer. */
IBMAP_API const char *ibmap_layer_id(const ibmap_layer *layer, int64_t i);

/* The source field that the canonical field was read from, or NULL when
** the layer has no such field. */
IBMAP_API const char *ibmap_layer_source_field(const ibmap_layer *layer,
                                     const char *canonical);

/* Value of a number or flag field of feature i; NaN when missing or the
** field is absent or not numeric. */
IBMAP_API double ibmap_layer_number(const ibmap_layer *layer, int64_t i,
                          const char *canonical);

/* Value of a text field of feature i (UTF-8), or NULL when missing, absent
** or not text.  Owned by layer. */
IBMAP_API const char *ibmap_layer_text(const ibmap_layer *layer, int64_t i,
                             const char *canonical);

/* Parcels: 1 when feature i's 亩均 grade was computed by ibmap because the
** data had none (the fallback of the project's grades: settings), 0 when
** it is the official grade or there is none. */
IBMAP_API int ibmap_layer_grade_computed(const ibmap_layer *layer, int64_t i);

/* State of feature i's geometry (bits; 0 = read as a valid polygon). */
enum {
    IBMAP_GEOM_NULL      = 1 << 0, /* no geometry in the source */
    IBMAP_GEOM_EMPTY     = 1 << 1, /* an empty geometry in the source */
    IBMAP_GEOM_NOT_AREAL = 1 << 2, /* points or lines where polygons belong */
    IBMAP_GEOM_REPAIRED  = 1 << 3, /* invalid, repaired by GEOS make-valid */
    IBMAP_GEOM_COLLAPSED = 1 << 4, /* repair left no area */
    IBMAP_GEOM_ZM_DROPPED = 1 << 5, /* Z or M coordinates were dropped */
    IBMAP_GEOM_BAD_COORDS = 1 << 6  /* NaN/Inf or out-of-range coordinates */
};
IBMAP_API unsigned ibmap_layer_geom_state(const ibmap_layer *layer, int64_t i);

/* Planar area of feature i in the working CRS (m²); 0 when it has no
** usable geometry. */
IBMAP_API double ibmap_layer_area(const ibmap_layer *layer, int64_t i);

/* Feature i's geometry in the working CRS as ISO WKB (little-endian).
** *wkb is NULL and *size 0 when it has no usable geometry.  The caller
** frees *wkb with ibmap_free(). */
IBMAP_API ibmap_status ibmap_layer_wkb(ibmap_ctx *ctx, const ibmap_layer *layer,
                             int64_t i, unsigned char **wkb, size_t *size);

/* Free memory that ibmap allocated for the caller. */
IBMAP_API void ibmap_free(void *p);

/* ---------------------------------------------------------------------- */
/* The data-quality log                                                   */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_severity {
    IBMAP_SEV_INFO = 0,     /* a value was normalised (e.g. '1,234.5') */
    IBMAP_SEV_WARNING = 1,  /* something was repaired, guessed or is missing */
    IBMAP_SEV_ERROR = 2     /* a value is unusable; the feature is kept */
} ibmap_severity;

/* "info", "warning", "error". */
IBMAP_API const char *ibmap_severity_str(ibmap_severity severity);

/* One entry of the log.  `problem` is a stable short code (the list is in
** docs/data-quality.md, e.g. "null_geometry", "number_missing"); `detail` a
** sentence for people; `action` what ibmap did about it.  Strings are owned
** by the data object. */
typedef struct ibmap_defect {
    ibmap_role role;
    const char *layer;       /* role name */
    int64_t fid;             /* source FID, or -1 for a layer-wide entry */
    const char *feature_id;  /* id as in ibmap_layer_id, or "" */
    const char *field;       /* canonical field, "geometry", or "" */
    const char *problem;
    ibmap_severity severity;
    const char *value;       /* the offending source value, or "" */
    const char *detail;
    const char *action;
} ibmap_defect;

/* The verdict of a layer's gates (docs/data-quality.md), made after
** loading.  A layer that fails a gate fails ibmap_load() itself
** (IBMAP_ERR_LAYER_REJECTED, the message naming the file, layer, counts
** and first causes), so a loaded layer's verdict is one of these. */
typedef enum ibmap_verdict {
    IBMAP_VERDICT_OK = 0,       /* passed every gate */
    IBMAP_VERDICT_WARNING,      /* loaded, with something to look at: more
                                   than defect_warn_percent of its features
                                   or area lost, unknown land-use codes, a
                                   web-map export (GCJ-02?) */
    IBMAP_VERDICT_ACCEPTED      /* a hard constraint (redline,
                                   basic_farmland, control_units) lost
                                   features and the project accepted it
                                   (accept_defects / --accept-defects) */
} ibmap_verdict;

typedef struct ibmap_layer_verdict {
    ibmap_verdict verdict;
    int64_t n_features;          /* features read */
    int64_t n_usable;            /* with a usable polygonal geometry */
    int64_t n_without_geometry;  /* n_features - n_usable */
    int64_t n_repaired;          /* made valid (or merged) by the repair */
    double area_m2;              /* area of the usable geometries */
    double area_lost_m2;         /* area the repair took away (before −
                                    after, over the repaired features) */
    int64_t n_unknown_codes;     /* landuse: features whose code is unknown */
    double unknown_code_area_m2; /* landuse: their area */
    const char *message;         /* the verdict in sentences, "" when OK;
                                    owned by the layer */
} ibmap_layer_verdict;

/* The verdict of a loaded layer (all zero, message "", for NULL). */
IBMAP_API void ibmap_layer_get_verdict(const ibmap_layer *layer,
                             ibmap_layer_verdict *out);

/* The defects the project accepted (accept_defects: / --accept-defects
** ROLE), one sentence per layer separated by "\n", or "" when none were
** accepted.  Owned by data.  Meant to be shown wherever results are:
** the run summary, the report's first lines, the map's title block, the
** GeoPackage's run table. */
IBMAP_API const char *ibmap_data_accepted_defects(const ibmap_data *data);

/* "ok", "warning", "defects accepted" (static; NULL when out of range). */
IBMAP_API const char *ibmap_verdict_name(ibmap_verdict verdict);

/* Number of entries in the log, in the order they were found (roles in
** enum order, features in source order). */
IBMAP_API int64_t ibmap_data_defect_count(const ibmap_data *data);

/* Entry i of the log, or IBMAP_ERR_ARG if out of range. */
IBMAP_API ibmap_status ibmap_data_defect(const ibmap_data *data, int64_t i,
                               ibmap_defect *out);

/* Write the whole log as CSV (UTF-8 with BOM, header row; columns layer,
** fid, feature_id, field, problem, severity, value, detail, action) to a
** temporary name, then rename it to `path`. */
IBMAP_API ibmap_status ibmap_data_write_defects_csv(ibmap_ctx *ctx,
                                          const ibmap_data *data,
                                          const char *path);


/* ---------------------------------------------------------------------- */
/* Per-block metrics (the overlay)                                        */
/* ---------------------------------------------------------------------- */

/* The metrics are one fixed table (docs/metrics.md): each has a stable
** name that rules and outputs use, a unit and a description. */
typedef enum ibmap_metric_kind {
    IBMAP_METRIC_NUMBER = 0,
    IBMAP_METRIC_TEXT
} ibmap_metric_kind;

typedef struct ibmap_metric_info {
    const char *name;        /* e.g. "redline_share" */
    ibmap_metric_kind kind;
    const char *unit;        /* e.g. "m²", "万元/亩"; "" when unitless */
    const char *label_zh;    /* e.g. "生态红线占比" */
    const char *description; /* one line, English */
} ibmap_metric_info;

/* Number of metrics; metric i (0-based) or NULL; index of a name or -1. */
IBMAP_API int ibmap_metric_count(void);
IBMAP_API const ibmap_metric_info *ibmap_metric(int index);
IBMAP_API int ibmap_metric_index(const char *name);

/* How a parcel's figures reach blocks. */
typedef enum ibmap_parcel_mode {
    IBMAP_PARCELS_MAJORITY = 0, /* whole parcel to the block it overlaps most
                                   (ties: the lowest block id) */
    IBMAP_PARCELS_APPORTION     /* split by overlap area between blocks */
} ibmap_parcel_mode;

typedef struct ibmap_overlay_options {
    int threads;                /* worker threads; 0 = every core */
    double grid;                /* the precision grid (working-CRS units,
                                   default 0.001: 1 mm) of the snap-rounded
                                   OverlayNG used for a block on which
                                   floating-point overlay fails */
    ibmap_parcel_mode parcels;  /* default IBMAP_PARCELS_MAJORITY */
    int max_piece_vertices;     /* zone polygons are cut into pieces of at
                                   most this many vertices (default 256) */
} ibmap_overlay_options;

/* Fill *o with the defaults. */
IBMAP_API void ibmap_overlay_options_init(ibmap_overlay_options *o);

typedef struct ibmap_metrics ibmap_metrics;

/* Compute every block's metrics from loaded data.  Each block's metrics
** depend on that block and the overlay layers only; blocks are computed in
** parallel and the result is identical for any number of threads.  A block
** whose geometry makes floating-point overlay fail is recomputed on the
** fixed precision grid, then coarser ones, then marked metric_status
** "failed: …"; one block never stops a run.  Parcels in no
** block and blocks with no parcel are added to data's data-quality log
** (hence data is not const).  Free the result with ibmap_metrics_free(). */
IBMAP_API ibmap_status ibmap_overlay(ibmap_ctx *ctx, ibmap_data *data,
                           const ibmap_overlay_options *options,
                           ibmap_metrics **out);

/* Find the pairs of blocks whose polygons overlap by more than the
** project's block_overlap_min_m2 (default 1 m²), add one "block_overlap"
** entry per pair to data's data-quality log, and return their number and
** total area (each pair's overlap once).  ibmap_overlay() finds and logs
** the same pairs itself; this is for `ibmap check`, which measures
** nothing else. */
IBMAP_API ibmap_status ibmap_block_overlaps(ibmap_ctx *ctx, ibmap_data *data, int64_t *n_pairs,
                                  double *area_m2);

IBMAP_API void ibmap_metrics_free(ibmap_metrics *m);

/* The overlay's "covers" tests (a piece inside the block, the block inside
** a piece) by kind of layer: parcels, land use, and zones (every other
** layer).  *kernel were decided by the exact kernel, *geos handed to GEOS
** (undecided, or a geometry the loader repaired).  Both 0 for metrics read
** back from a workspace.  Returns 0 for an unknown kind. */
enum { IBMAP_COVERS_PARCEL, IBMAP_COVERS_LANDUSE, IBMAP_COVERS_ZONE,
       IBMAP_COVERS_KINDS };
IBMAP_API int ibmap_metrics_covers_stats(const ibmap_metrics *m, int kind,
                               int64_t *kernel, int64_t *geos);

/* The overlay's land-use overlap checks: of the blocks meeting more than
** one land-use feature (and covered by none), measured in floating point,
** *kernel were proven free of overlaps by the exact kernel, *geos had
** their pieces unioned by GEOS to find out.  Blocks measured again on a
** snapping grid (after floating point failed on them) are always unioned
** and not counted here.  Both 0 for metrics read back from a workspace.
** Pointers may be NULL. */
IBMAP_API void ibmap_metrics_landuse_overlap_stats(const ibmap_metrics *m,
                                                   int64_t *kernel, int64_t *geos);

/* Number of blocks (every input block, with or without geometry). */
IBMAP_API int64_t ibmap_metrics_count(const ibmap_metrics *m);

/* Id of block b (as ibmap_layer_id of the blocks layer). */
IBMAP_API const char *ibmap_metrics_block_id(const ibmap_metrics *m, int64_t b);

/* Value of a number metric of block b; NaN when undefined (a share of a
** block without area, a rate without a denominator) or not a number. */
IBMAP_API double ibmap_metrics_number(const ibmap_metrics *m, int64_t b, int metric);

/* Value of a text metric of block b, or NULL when empty or not text. */
IBMAP_API const char *ibmap_metrics_text(const ibmap_metrics *m, int64_t b, int metric);

/* The block that parcel p (index in the parcels layer) was assigned to in
** majority mode, or -1 when it overlaps no block. */
IBMAP_API int64_t ibmap_metrics_parcel_block(const ibmap_metrics *m, int64_t p);

/* The long land-use table: one row per block and land-use code present in
** it, ordered by block then code (what ArcGIS's Tabulate Intersection
** gives). */
IBMAP_API int64_t ibmap_metrics_landuse_count(const ibmap_metrics *m);
IBMAP_API ibmap_status ibmap_metrics_landuse_row(const ibmap_metrics *m, int64_t row,
                                       int64_t *block, const char **code,
                                       double *area_m2, double *share);

/* Write all metrics as CSV (UTF-8 with BOM): a header `block_id,<metric
** names>`, one row per block in source order; numbers with 17 significant
** digits, missing values empty.  Written to a temporary name, then
** renamed.  In Chinese (ibmap_ctx_set_language) the header holds the
** metrics' Chinese labels and cu_type its Chinese label. */
IBMAP_API ibmap_status ibmap_metrics_write_csv(ibmap_ctx *ctx, const ibmap_metrics *m,
                                     const char *path);

/* Write the long land-use table as CSV (UTF-8 with BOM;
** block_id,code,area_m2,share). */
IBMAP_API ibmap_status ibmap_metrics_write_landuse_csv(ibmap_ctx *ctx,
                                             const ibmap_metrics *m,
                                             const char *path);

/* ---------------------------------------------------------------------- */
/* The workspace: metrics stored with the fingerprint of their inputs     */
/* ---------------------------------------------------------------------- */

/* Non-zero when the workspace at `path` holds metrics made from exactly
** these inputs and options: same project settings, same working CRS and
** area mode, same overlay options (threads aside), and every input file
** with the same size and modification time.  Reads no input data: only
** stat() of the files.  Sources that are not files (PG:) are never current. */
IBMAP_API int ibmap_workspace_is_current(const char *path, const ibmap_project *project,
                               const ibmap_overlay_options *options);

/* Store metrics, the parcel assignment, the long land-use table and the
** data-quality log in a SQLite workspace (tables in workspace.c), written
** to a temporary name and renamed. */
IBMAP_API ibmap_status ibmap_workspace_write(ibmap_ctx *ctx, const char *path,
                                   const ibmap_project *project,
                                   const ibmap_overlay_options *options,
                                   const ibmap_data *data,
                                   const ibmap_metrics *metrics);

/* Read the metrics back; they are exactly those written (doubles stored as
** SQLite REAL round-trip bit for bit).  Free with ibmap_metrics_free(). */
IBMAP_API ibmap_status ibmap_workspace_read(ibmap_ctx *ctx, const char *path,
                                  ibmap_metrics **out);

/* The verdict of the gates of the layer of `role` when the workspace at
** `path` was made (ibmap_layer_get_verdict then), so that a run that
** reuses the workspace, or `classify`, says what the metrics went on
** with.  *message (also out->message) is the caller's to free with
** ibmap_free(); a role the workspace has no layer of is OK, message "". */
IBMAP_API ibmap_status ibmap_workspace_layer_verdict(ibmap_ctx *ctx, const char *path,
                                           ibmap_role role, ibmap_layer_verdict *out,
                                           char **message);

/* ibmap_data_accepted_defects() of the data the workspace at `path` was
** made from, in *text ("" when none), which the caller frees with
** ibmap_free(). */
IBMAP_API ibmap_status ibmap_workspace_accepted_defects(ibmap_ctx *ctx, const char *path,
                                              char **text);

/* ---------------------------------------------------------------------- */
/* Rules and classification (docs/rules.md)                               */
/* ---------------------------------------------------------------------- */

/* The classes of the policy (慈政办发〔2021〕31号).  A block whose metrics
** could not be computed (metric_status other than ok / coarse_grid) is
** IBMAP_CLASS_UNCLASSIFIABLE, decided before any rule.  Order stable. */
typedef enum ibmap_class {
    IBMAP_CLASS_SUPPORT = 0,        /* "support"        扶持发展 */
    IBMAP_CLASS_CONSOLIDATE,        /* "consolidate"    整合改造 */
    IBMAP_CLASS_EXIT,               /* "exit"           清理退出 */
    IBMAP_CLASS_UNCLASSIFIABLE,     /* "unclassifiable" 未能分类 */
    IBMAP_CLASS_COUNT
} ibmap_class;

/* Renovation modes; a rule may name one.  Order stable. */
typedef enum ibmap_mode {
    IBMAP_MODE_NONE = 0,            /* ""                             */
    IBMAP_MODE_INDUSTRIAL_UPGRADE,  /* "industrial_upgrade" 产业更新 */
    IBMAP_MODE_FUNCTION_CHANGE,     /* "function_change"    功能转换 */
    IBMAP_MODE_REBUILD,             /* "rebuild"            拆除重建 */
    IBMAP_MODE_PARTIAL_RENEWAL,     /* "partial_renewal"    局部更新 */
    IBMAP_MODE_CONSOLIDATION,       /* "consolidation"      零星归宗 */
    /* Exit methods: what becomes of a block that is not kept (清理退出).
    ** A rule of class exit names one of these or none; a rule that keeps
    ** its block names one of the five modes above (二、(四)) or
    ** organic_renewal (二、(二), 过渡控制区) or none. */
    IBMAP_MODE_RELOCATE,            /* "relocate"           搬迁腾退 */
    IBMAP_MODE_RESTORE,             /* "restore"            复垦复绿 */
    IBMAP_MODE_RESERVE,             /* "reserve"            收储 */
    IBMAP_MODE_ORGANIC_RENEWAL,     /* "organic_renewal"    有机更新 */
    IBMAP_MODE_COUNT
} ibmap_mode;

/* 1 for the exit methods (relocate, restore, reserve). */
IBMAP_API int ibmap_mode_is_exit_method(ibmap_mode m);

/* The four categories of the 项目清单 (三、(二)) an enterprise rule puts an
** enterprise in, or none.  Order stable. */
typedef enum ibmap_category {
    IBMAP_CATEGORY_NONE = 0,        /* "none"       不列入 */
    IBMAP_CATEGORY_ELIMINATE,       /* "eliminate"  整治淘汰类 */
    IBMAP_CATEGORY_UPGRADE,         /* "upgrade"    改造提升类 */
    IBMAP_CATEGORY_CLUSTER,         /* "cluster"    园区集聚类 */
    IBMAP_CATEGORY_RELOCATE,        /* "relocate"   搬迁拆除类 */
    IBMAP_CATEGORY_COUNT
} ibmap_category;

IBMAP_API const char *ibmap_category_name(ibmap_category c);
IBMAP_API const char *ibmap_category_label_zh(ibmap_category c);
IBMAP_API int ibmap_category_from_name(const char *name);

/* Key and Chinese label of a class or mode (static; "" for
** IBMAP_MODE_NONE; NULL when out of range), and back from a key (-1). */
IBMAP_API const char *ibmap_class_name(ibmap_class c);
IBMAP_API const char *ibmap_class_label_zh(ibmap_class c);
IBMAP_API int ibmap_class_from_name(const char *name);
IBMAP_API const char *ibmap_mode_name(ibmap_mode m);
IBMAP_API const char *ibmap_mode_label_zh(ibmap_mode m);
IBMAP_API int ibmap_mode_from_name(const char *name);

typedef struct ibmap_rules ibmap_rules;

/* Read and check a YAML rules file (format in docs/rules.md).  Every rule's
** `when` is compiled by SQLite against the block_metrics schema under the
** rules authorizer, so a rules file that loads cannot fail later for its
** syntax, its names or what it may do; an expression can still meet a
** value it cannot compute (an integer overflow), which ibmap_classify
** reports as an error.  Errors name the file, the line and the offending
** text: IBMAP_ERR_RULES_SYNTAX, _NAME, _DENIED or _DEFAULT; IBMAP_ERR_OPEN
** when the file cannot be read.  Free with ibmap_rules_free(). */
IBMAP_API ibmap_status ibmap_rules_read(ibmap_ctx *ctx, const char *path,
                              ibmap_rules **out);

IBMAP_API void ibmap_rules_free(ibmap_rules *rules);

/* Set param `name` to `value` (finite), overriding the file.  Unknown
** names are IBMAP_ERR_RULES_NAME. */
IBMAP_API ibmap_status ibmap_rules_set_param(ibmap_ctx *ctx, ibmap_rules *rules,
                                   const char *name, double value);

/* Replace the rules' central_towns (the towns whose blocks are
** in_central_town) by towns[0..n-1], copied; n 0 makes no town central.
** `ibmap run` does this with the project file's central_towns. */
IBMAP_API ibmap_status ibmap_rules_set_central_towns(ibmap_ctx *ctx, ibmap_rules *rules,
                                                     const char *const *towns, int n);
IBMAP_API int ibmap_rules_central_town_count(const ibmap_rules *rules);
IBMAP_API const char *ibmap_rules_central_town(const ibmap_rules *rules, int i);

/* The rules' `name:` ("" if none), params and rules, in file order.
** Strings owned by rules.  Out-of-range indices give NULL / NaN. */
IBMAP_API const char *ibmap_rules_name(const ibmap_rules *rules);
/* The hash of the rules file's bytes (16 hex digits, FNV-1a 64), as the
** run table and the workspace's scenarios record it.  Owned by rules. */
IBMAP_API const char *ibmap_rules_hash(const ibmap_rules *rules);
IBMAP_API int ibmap_rules_param_count(const ibmap_rules *rules);
IBMAP_API const char *ibmap_rules_param_name(const ibmap_rules *rules, int i);
IBMAP_API double ibmap_rules_param_value(const ibmap_rules *rules, int i);
IBMAP_API int ibmap_rules_rule_count(const ibmap_rules *rules);
IBMAP_API const char *ibmap_rules_rule_id(const ibmap_rules *rules, int i);

typedef struct ibmap_classification ibmap_classification;

/* Classify every block of the workspace at `workspace` (made by
** ibmap_workspace_write) with `rules` and their current params.  All rules
** are evaluated in one read-only scan of block_metrics; the first rule that
** matches decides.  Each block is also reclassified with every param moved
** by -10% and +10% in turn (its stability).
**
** When `scenario` is not NULL the result is stored in the workspace under
** that name (tables scenarios and block_class, docs/rules.md), replacing a
** scenario of the same name, in one transaction; a concurrent writer is
** waited for up to 10 s.  The stored rows depend only on the workspace,
** the rules and the params: classifying again gives identical rows.
** Free the result with ibmap_classification_free(). */
IBMAP_API ibmap_status ibmap_classify(ibmap_ctx *ctx, const char *workspace,
                            const ibmap_rules *rules, const char *scenario,
                            ibmap_classification **out);

/* Read a stored scenario back.  IBMAP_ERR_READ if there is none of that
** name (the message lists those there are). */
IBMAP_API ibmap_status ibmap_classification_load(ibmap_ctx *ctx, const char *workspace,
                                       const char *scenario,
                                       ibmap_classification **out);

IBMAP_API void ibmap_classification_free(ibmap_classification *c);

/* The rules the scenario `scenario` of the workspace was classified with
** (when there is no such scenario, those of the scenario stored last):
** the rules file's path, its hash when it was read, and the params as
** "name=value;…" — three strings the caller frees with ibmap_free(), all
** NULL when the workspace holds no scenario.  So that `classify` can
** default to the rules of the run that made the workspace. */
IBMAP_API ibmap_status ibmap_workspace_rules(ibmap_ctx *ctx, const char *workspace,
                                   const char *scenario, char **rules_path,
                                   char **rules_hash, char **params);

/* Number of blocks (all of the workspace's, in block order) and, per block
** b: its id, area in 亩 (NaN if unknown), class, mode, the id of the
** deciding rule ("" when unclassifiable), the reason with its placeholders
** filled, the ids of every rule that matched joined by ';' (e.g.
** "redline;low_tax"), stability (1: no single param moved by ±10% changes
** the class) and the first param that does change it ("" when stable).
** Strings owned by c. */
IBMAP_API int64_t ibmap_classification_count(const ibmap_classification *c);
IBMAP_API const char *ibmap_classification_block_id(const ibmap_classification *c,
                                          int64_t b);
IBMAP_API double ibmap_classification_area_mu(const ibmap_classification *c, int64_t b);
IBMAP_API ibmap_class ibmap_classification_class(const ibmap_classification *c,
                                       int64_t b);
IBMAP_API ibmap_mode ibmap_classification_mode(const ibmap_classification *c, int64_t b);
IBMAP_API const char *ibmap_classification_rule(const ibmap_classification *c,
                                      int64_t b);
IBMAP_API const char *ibmap_classification_reason(const ibmap_classification *c,
                                        int64_t b);
IBMAP_API const char *ibmap_classification_matched(const ibmap_classification *c,
                                         int64_t b);
IBMAP_API int ibmap_classification_stable(const ibmap_classification *c, int64_t b);
IBMAP_API const char *ibmap_classification_flipped_by(const ibmap_classification *c,
                                            int64_t b);

/* The enterprises of a classification made by ibmap_classify (a loaded
** scenario has none): their number, and for enterprise i its key, the 项目清单
** category the enterprise rules gave it, the rule and reason, whether it
** is 低效 (亩均税收 under tax_floor: 1, 0, or -1 when unknown) and its land. */
IBMAP_API int64_t ibmap_classification_enterprise_count(const ibmap_classification *c);
IBMAP_API const char *ibmap_classification_enterprise_id(const ibmap_classification *c, int64_t i);
IBMAP_API ibmap_category ibmap_classification_enterprise_category(const ibmap_classification *c,
                                                        int64_t i);
IBMAP_API const char *ibmap_classification_enterprise_rule(const ibmap_classification *c, int64_t i);
IBMAP_API const char *ibmap_classification_enterprise_reason(const ibmap_classification *c,
                                                   int64_t i);
IBMAP_API int ibmap_classification_enterprise_low_eff(const ibmap_classification *c, int64_t i);
IBMAP_API double ibmap_classification_enterprise_land_mu(const ibmap_classification *c, int64_t i);

/* enterprise_class.csv: ent_id,name,block_id,town,industry_division,chain,land_mu,
** tax_per_mu,va_per_mu,low_eff,category,category_zh,rule_id,reason (UTF-8, BOM). */
IBMAP_API ibmap_status ibmap_classification_write_enterprises_csv(ibmap_ctx *ctx,
                                                        const ibmap_classification *c,
                                                        const char *path);


/* The scenario name c was stored under or loaded from; "" when it was not
** stored (ibmap_classify with scenario NULL).  Owned by c. */
IBMAP_API const char *ibmap_classification_scenario(const ibmap_classification *c);

/* Write the result as CSV (UTF-8 with BOM; columns block_id, class,
** class_zh, mode, mode_zh, rule_id, reason, matched, stable, flipped_by),
** written to a temporary name and renamed. */
IBMAP_API ibmap_status ibmap_classification_write_csv(ibmap_ctx *ctx,
                                            const ibmap_classification *c,
                                            const char *path);

/* The transition matrix between two classifications of the same blocks:
** blocks[i][j] and mu[i][j] count the blocks (and sum their 亩) of class i
** in `a` and class j in `b`.  IBMAP_ERR_ARG when the two do not hold the
** same blocks. */
IBMAP_API ibmap_status ibmap_compare(ibmap_ctx *ctx, const ibmap_classification *a,
                           const ibmap_classification *b,
                           int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT],
                           double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT]);

/* Write the blocks whose class differs between `a` and `b` as CSV (UTF-8
** with BOM; block_id, class_a, class_b, rule_a, rule_b), in block order. */
IBMAP_API ibmap_status ibmap_compare_write_csv(ibmap_ctx *ctx,
                                     const ibmap_classification *a,
                                     const ibmap_classification *b,
                                     const char *path);

/* The plan against its targets: the rules' targets: section, by default
** the 2025 targets of 慈政办发〔2021〕31号 一、(三) (docs/rules.md), measured
** for the classification c of the workspace's blocks (its candidate sites
** found with the rules' sme_parks: params).  rules may be NULL (the
** defaults).  Free with ibmap_targets_free(). */
typedef struct ibmap_targets ibmap_targets;
IBMAP_API ibmap_status ibmap_targets_evaluate(ibmap_ctx *ctx, const char *workspace,
                                              const ibmap_classification *c,
                                              const ibmap_rules *rules, ibmap_targets **out);
IBMAP_API void ibmap_targets_free(ibmap_targets *t);
/* Target i (0 .. count-1): id, label (e.g. "盘活低效工业用地"), unit
** ("亩", "个", "家", or "share": value and goal 0..1), source clause, the
** goal, the value measured (NaN when the data cannot tell: never 0 for
** missing data) and a note (what was counted, what was left out and
** why).  Strings owned by t; NULL / NaN out of range. */
IBMAP_API int ibmap_targets_count(const ibmap_targets *t);
IBMAP_API const char *ibmap_targets_id(const ibmap_targets *t, int i);
IBMAP_API const char *ibmap_targets_label(const ibmap_targets *t, int i);
IBMAP_API const char *ibmap_targets_unit(const ibmap_targets *t, int i);
IBMAP_API const char *ibmap_targets_source(const ibmap_targets *t, int i);
IBMAP_API const char *ibmap_targets_note(const ibmap_targets *t, int i);
IBMAP_API double ibmap_targets_goal(const ibmap_targets *t, int i);
IBMAP_API double ibmap_targets_value(const ibmap_targets *t, int i);
/* "value / goal unit (progress%)" into buf; buf, or NULL out of range. */
IBMAP_API const char *ibmap_targets_text(const ibmap_targets *t, int i, char *buf, size_t n);

/* Two workspaces compared: two survey years, or two versions of a plan.
** Each workspace's blocks are taken with their classes in scenario
** scenario_a / scenario_b (NULL: "default", or the only one stored).
** Blocks are matched by id, else by largest overlap: a B block whose id is
** not in A is "renamed" (its A block has no other partner) or "split"
** (several B blocks share the A block); an A block without a partner is
** "merged" (it overlaps a B block) or "removed"; a B block overlapping
** nothing in A is "added".  Free with ibmap_ws_compare_free(). */
typedef struct ibmap_ws_compare ibmap_ws_compare;
IBMAP_API ibmap_status ibmap_compare_workspaces(ibmap_ctx *ctx, const char *ws_a,
                                                const char *scenario_a, const char *ws_b,
                                                const char *scenario_b,
                                                ibmap_ws_compare **out);
IBMAP_API void ibmap_ws_compare_free(ibmap_ws_compare *c);

/* The transition matrix over the B blocks that have a partner in A:
** blocks[i][j] (and B's 亩, mu[i][j]) of class i in A and j in B.  Either
** may be NULL. */
IBMAP_API void ibmap_ws_compare_matrix(const ibmap_ws_compare *c,
                                       int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT],
                                       double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT]);

/* Blocks matched so: "id", "renamed", "split", "merged", "added",
** "removed"; -1 for another word. */
IBMAP_API int64_t ibmap_ws_compare_count(const ibmap_ws_compare *c, const char *match);

/* The city's 亩均税收 (Σ tax / Σ land of the blocks with both) of A
** (side 0) or B (side 1); NaN when unknown. */
IBMAP_API double ibmap_ws_compare_tax_per_mu(const ibmap_ws_compare *c, int side);

/* One row per block of B and per block of A without a partner (UTF-8
** with BOM): block_id_a, block_id_b, match, match_zh, overlap_share, town,
** class_a, class_b, class_changed, mu_a, mu_b, tax_per_mu_a, tax_per_mu_b,
** tax_per_mu_change (empty where unknown: never 0). */
IBMAP_API ibmap_status ibmap_ws_compare_write_csv(ibmap_ctx *ctx, const ibmap_ws_compare *c,
                                                  const char *path);
/* A self-contained HTML page of the comparison (the report's look). */
IBMAP_API ibmap_status ibmap_ws_compare_write_html(ibmap_ctx *ctx, const ibmap_ws_compare *c,
                                                   const char *path, const char *title);

/* Classify with param `param` set to each of values[0..n_values-1] in turn
** (all in one scan; nothing is stored; `rules` is not changed) and count
** the blocks and sum the 亩 of each class: blocks[v * IBMAP_CLASS_COUNT +
** class] and mu[…] likewise, arrays of n_values × IBMAP_CLASS_COUNT that
** the caller provides. */
IBMAP_API ibmap_status ibmap_sweep(ibmap_ctx *ctx, const char *workspace,
                         const ibmap_rules *rules, const char *param,
                         const double *values, int n_values, int64_t *blocks,
                         double *mu);

/* Write what ibmap_sweep() gave as CSV (UTF-8 with BOM; value, then per
** class CLASS_blocks and CLASS_mu), written to a temporary name and
** renamed. */
IBMAP_API ibmap_status ibmap_sweep_write_csv(ibmap_ctx *ctx, const char *path,
                                   const double *values, int n_values,
                                   const int64_t *blocks, const double *mu);

/* ---------------------------------------------------------------------- */
/* Outputs: the industrial map and what goes with it                      */
/* ---------------------------------------------------------------------- */

/* The files ibmap_write_outputs() can write into the output directory. */
enum {
    IBMAP_OUT_GPKG        = 1 << 0, /* industrial_map.gpkg, QGIS styles inside */
    IBMAP_OUT_QGS         = 1 << 1, /* industrial_map.qgs, opens the GeoPackage */
    IBMAP_OUT_SPATIALITE  = 1 << 2, /* industrial_map.sqlite */
    IBMAP_OUT_SHAPEFILE   = 1 << 3, /* shp/LAYER.shp (+ .qml, FIELDS.csv) */
    IBMAP_OUT_GEOJSON     = 1 << 4, /* geojson/LAYER.geojson (RFC 7946) */
    IBMAP_OUT_SUMMARIES   = 1 << 5, /* summary_*.csv */
    IBMAP_OUT_MAP         = 1 << 6, /* industrial_map.png and .pdf */
    IBMAP_OUT_REPORT      = 1 << 7, /* report.html (needs the map's PNG) */
    IBMAP_OUT_TOWN_MAPS   = 1 << 10, /* town_maps.pdf (a page per 镇街) and
                                        town_maps/NN-TOWN.png */
    IBMAP_OUT_ALL         = ((1 << 8) - 1) | IBMAP_OUT_TOWN_MAPS,
    /* Not in IBMAP_OUT_ALL: asked for by name. */
    IBMAP_OUT_FGB         = 1 << 8, /* fgb/LAYER.fgb (FlatGeobuf, + .qml) */
    IBMAP_OUT_POSTGIS     = 1 << 9, /* the GeoPackage's tables in a PostGIS
                                       schema (options->pg, ->pg_schema),
                                       in one transaction */
    IBMAP_OUT_PLANS       = 1 << 11 /* plans/: the block plan sheets
                                       (一区块一方案), options->plan_* */
};

/* Called as stages progress: `stage` a short English name ("geopackage",
** "shapefile", …), `done` of `total` steps (total 0: not known). */
typedef void (*ibmap_progress_fn)(void *arg, const char *stage, int64_t done,
                                  int64_t total);

typedef struct ibmap_output_options {
    unsigned formats;           /* IBMAP_OUT_* bits; default IBMAP_OUT_ALL */
    const char *shp_encoding;   /* "UTF-8" (default) or "GBK" (CP936) */
    int overwrite;              /* 0 (default): an existing output is
                                   IBMAP_ERR_EXISTS and nothing is written */
    const char *title;          /* map and report title; default
                                   "工业地图 Industrial map" */
    const char *sweep_param;    /* optional: chart this param's sweep in the
                                   report over sweep_values[0..n_sweep-1] */
    const double *sweep_values;
    int n_sweep;
    int64_t started;            /* when the run started (Unix time), for the
                                   run table; 0: now */
    ibmap_progress_fn progress; /* optional */
    void *progress_arg;
    const char *pg;             /* IBMAP_OUT_POSTGIS: a GDAL connection
                                   string, "PG:dbname=… host=…" */
    const char *pg_schema;      /* IBMAP_OUT_POSTGIS: the schema written
                                   (made if missing); default "ibmap" */
    const double *extent;       /* the map's frame: minx, miny, maxx, maxy
                                   in the working CRS; NULL (default): the
                                   blocks' extent with a margin */
    /* IBMAP_OUT_PLANS, ibmap_write_plans: the block plan sheets. */
    const char *plan_blocks;    /* "all", class names and/or block ids,
                                   comma-separated; NULL: "consolidate,exit" */
    const char *plan_town;      /* only this town's blocks; NULL: all */
    int plan_per_block;         /* also blocks/ID.pdf, a file per block */
    int plan_png;               /* also png/ID.png, a preview per page */
    const char *plan_organization;  /* 编制单位, 编制日期 and the title the */
    const char *plan_date;          /* sheets print (ibmap_project_get's  */
    const char *plan_title;         /* plan.*); NULL: none, the data date */
    int64_t plan_blocks_written;    /* set by the writer: sheets and pages */
    int64_t plan_pages_written;
    /* IBMAP_OUT_REPORT: another workspace (an earlier survey year, another
    ** plan version) to compare this one with in the report
    ** (ibmap_compare_workspaces: it is A, this run B); NULL: none. */
    const char *compare_workspace;
    int threads;                /* writers at once: 0 (default) one per
                                   core, 1 one after another; the files
                                   are the same either way */
    /* When not NULL: on success *targets_out receives the plan measured
    ** against the rules' targets, as ibmap_targets_evaluate() gives it,
    ** from the model the outputs were written from (the workspace is not
    ** read again); the caller frees it with ibmap_targets_free().  NULL
    ** after a failure. */
    struct ibmap_targets **targets_out;
} ibmap_output_options;

/* Fill *o with the defaults. */
IBMAP_API void ibmap_output_options_init(ibmap_output_options *o);

/* The files and directories ibmap_write_outputs() may write, by index
** 0..ibmap_output_file_count()-1: the name within the output directory
** (e.g. "industrial_map.gpkg", "shp") and, in *format, the IBMAP_OUT_*
** bit that writes it.  NULL when out of range.  Static. */
IBMAP_API int ibmap_output_file_count(void);
IBMAP_API const char *ibmap_output_file_name(int i, unsigned *format);

/* IBMAP_ERR_EXISTS, naming it, when an output of `options->formats`
** exists already: a file in `out_dir`, or a table in the PostGIS schema
** (which this connects to); IBMAP_OK when none does.  For a program that
** wants to refuse before a long overlay rather than after it. */
IBMAP_API ibmap_status ibmap_outputs_existing(ibmap_ctx *ctx, const char *out_dir,
                                    const ibmap_output_options *options);

/* Write the outputs of `options->formats` into directory `out_dir` (made if
** missing) from the workspace and classification `c` of its blocks.  Only
** the workspace is read, never the inputs.  `rules` (may be NULL) gives
** the report the rules in force.  Every file is written under a temporary
** name and renamed when complete; on failure none of the files this call
** would have written is left half-written, and an existing file without
** options->overwrite fails the call before anything is written. */
IBMAP_API ibmap_status ibmap_write_outputs(ibmap_ctx *ctx, const char *workspace,
                                 const ibmap_classification *c,
                                 const ibmap_rules *rules,
                                 const char *out_dir,
                                 const ibmap_output_options *options);

/* The block plan sheets (一区块一方案, docs/outputs.md) of the blocks
** options->plan_blocks asks for (default: consolidate and exit), in
** `out_dir` itself, made if missing and replaced whole (an existing one
** needs options->overwrite): TOWN.pdf and TOWN.html per town, index.html,
** blocks/ID.pdf with plan_per_block, png/ID.png with plan_png.  A page per
** block (more when its enterprises do not fit).  options->plan_blocks_written
** and ->plan_pages_written receive the counts. */
IBMAP_API ibmap_status ibmap_write_plans(ibmap_ctx *ctx, const char *workspace,
                                         const ibmap_classification *c,
                                         const ibmap_rules *rules, const char *out_dir,
                                         ibmap_output_options *options);

#ifdef __cplusplus
}
#endif
#endif /* IBMAP_H */
