/*
** ibmap_int.h — declarations shared by the files of the library.  Not
** installed, not public: programs use include/ibmap.h only.
**
** Each section below belongs to one file of engine/ (or layers/); the file
** named in the section heading is where the comments on behaviour live.
*/
#ifndef IBMAP_INT_H
#define IBMAP_INT_H

#ifndef GEOS_USE_ONLY_R_API
#define GEOS_USE_ONLY_R_API
#endif
#include <geos_c.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>

#include "ibmap.h"

#if defined(__GNUC__)
#define IBMAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IBMAP_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------- */
/* context.c                                                              */
/* ---------------------------------------------------------------------- */

struct ibmap_ctx {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    char errmsg[4096];
    char geos_msg[1024];   /* last message from GEOS's error handler */
};

/* Record an error message in ctx (printf-style) and return `status`, so
** that callers can write `return ibmap_fail(ctx, IBMAP_ERR_OPEN, ...)`. */
ibmap_status ibmap_fail(ibmap_ctx *ctx, ibmap_status status,
                        const char *fmt, ...) IBMAP_PRINTF(3, 4);

/* Whether ibmap_interrupt() was called (and not cleared); and the failure
** to return when it was. */
int ibmap_interrupt_pending(void);
ibmap_status ibmap_fail_interrupted(ibmap_ctx *ctx);

/* Allocation helpers: NULL on exhaustion, as malloc. */
char *ibmap_strdup(const char *s);
char *ibmap_strndup(const char *s, size_t n);
char *ibmap_sprintf(const char *fmt, ...) IBMAP_PRINTF(1, 2);

/* ---------------------------------------------------------------------- */
/* output_file.c                                                          */
/* ---------------------------------------------------------------------- */

/* Write `path` all at once: body() writes the content (returning 0 on
** failure) to a temporary file beside it, which is flushed, synced and
** renamed over `path`.  On failure nothing is left under either name. */
ibmap_status ibmap_write_file(ibmap_ctx *ctx, const char *path,
                              int (*body)(FILE *f, const void *arg),
                              const void *arg);

/* Write one CSV field (RFC 4180 quoting); NULL writes nothing.  Returns 0
** on a write error. */
int ibmap_csv_text(FILE *f, const char *s);

/* ---------------------------------------------------------------------- */
/* ingest.c: geometry clean-up, shared with the fuzz harness so that it    */
/* measures exactly what the loader keeps                                  */
/* ---------------------------------------------------------------------- */

/* 1 when every coordinate of g is finite and within ±1e9 (a GEOS envelope
** skips NaN, so the extent alone would let a NaN vertex pass), widening
** [*x0,*x1] × [*y0,*y1] to them. */
int ibmap_coords_usable(GEOSContextHandle_t h, const GEOSGeometry *g,
                        double *x0, double *y0, double *x1, double *y1);

/* The polygons of g (taken) as one Polygon or MultiPolygon; NULL when it
** has none. */
GEOSGeometry *ibmap_polygonal_part(GEOSContextHandle_t h, GEOSGeometry *g);

/* ---------------------------------------------------------------------- */
/* layers/roles.c and layers/roles/ *.c: the role definitions            */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_role_def {
    ibmap_role role;
    const char *name;          /* "blocks" */
    const char *label_zh;      /* "工业区块" */
    const char *description;   /* one line, English */
    int required;              /* the project must give this role */
    const ibmap_field_info *fields;
    int n_fields;
} ibmap_role_def;

const ibmap_role_def *ibmap_role_def_get(ibmap_role role);

/* Match one source field name against a canonical field's accepted names.
** Returns 2 for an exact (case-insensitive) match, 1 for a match with a
** name that the DBF format cut to 10 bytes (in UTF-8 or GBK), 0 for none. */
int ibmap_field_name_matches(const ibmap_field_info *field,
                             const char *source_name);

/* ---------------------------------------------------------------------- */
/* numtext.c: numbers typed as text                                       */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_numtext_result {
    IBMAP_NUMTEXT_OK = 0,        /* a plain number, e.g. "1234.5", "-3", "1e3" */
    IBMAP_NUMTEXT_NORMALISED,    /* a number after clean-up: "1,234.5",
                                    full-width "１２３４．５", "12 " */
    IBMAP_NUMTEXT_MISSING,       /* a recognised no-value: "", "无", "-", "—",
                                    "/", "N/A", "NULL", "空", "暂无" */
    IBMAP_NUMTEXT_INVALID        /* anything else, e.g. "abc", "12元3" */
} ibmap_numtext_result;

/* Parse `text` (UTF-8) as a number.  On OK and NORMALISED *value is the
** number; on MISSING and INVALID *value is NaN.  Never returns a silent 0. */
ibmap_numtext_result ibmap_numtext_parse(const char *text, double *value);

/* Parse a yes/no flag: 是/否, 有/无, Y/N, yes/no, true/false, 1/0 (any case,
** full-width digits too).  Returns 1 or 0 in *value with OK, MISSING for
** an empty value, INVALID otherwise. */
ibmap_numtext_result ibmap_flagtext_parse(const char *text, double *value);

/* ---------------------------------------------------------------------- */
/* crs_guess.c: identifying a CRS from coordinate ranges                  */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_crs_guess_kind {
    IBMAP_GUESS_NONE = 0,        /* nothing fits: refuse */
    IBMAP_GUESS_LONLAT,          /* geographic degrees */
    IBMAP_GUESS_GK3_PREFIXED,    /* 3-degree Gauss-Krüger with zone prefix */
    IBMAP_GUESS_GK6_PREFIXED,    /* 6-degree Gauss-Krüger with zone prefix */
    IBMAP_GUESS_GK_NO_PREFIX     /* Gauss-Krüger easting without zone: the
                                    central meridian must come from elsewhere */
} ibmap_crs_guess_kind;

typedef struct ibmap_crs_guess {
    ibmap_crs_guess_kind kind;
    int zone;          /* GK zone number for the prefixed kinds */
    int central_meridian; /* degrees east, for the prefixed kinds */
    int epsg;          /* CGCS2000 EPSG code: 4490 lon/lat; 4513..4533 GK3
                          prefixed; 4491..4501 GK6 prefixed; 0 otherwise */
    char reason[256];  /* a sentence saying why, for the report */
} ibmap_crs_guess;

/* Identify the CRS of coordinates whose bounding box is
** [minx,maxx] x [miny,maxy].  Only CGCS2000 (China's national CRS) is
** considered among projected systems. */
void ibmap_crs_guess_from_extent(double minx, double miny, double maxx,
                                 double maxy, ibmap_crs_guess *out);

/* EPSG code of the CGCS2000 3-degree Gauss-Krüger zone without prefix whose
** central meridian is nearest `lon` (EPSG:4534 = 75°E … 4554 = 135°E), or 0
** outside that range.  For Cixi (121.3°E) it is 4549 (120°E). */
int ibmap_gk3_epsg_for_lon(double lon);

/* ---------------------------------------------------------------------- */
/* gcj02.c: Chinese web-map coordinate obfuscation (GCJ-02, BD-09)        */
/* ---------------------------------------------------------------------- */

/* All take and give degrees, longitude first.  Outside China GCJ-02 equals
** WGS84 (the published rule), so the functions return the input there. */
void ibmap_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat);
void ibmap_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat);
void ibmap_gcj02_to_bd09(double lon, double lat, double *olon, double *olat);
void ibmap_bd09_to_gcj02(double lon, double lat, double *olon, double *olat);

/* ---------------------------------------------------------------------- */
/* landuse_codes.c: land-use code systems                                 */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_code_system {
    IBMAP_CODES_SANDIAO = 0,   /* 三调 / GB/T 21010-2017 working classification */
    IBMAP_CODES_YDYH,          /* 国土空间调查、规划、用途管制用地用海分类 (2023) */
    IBMAP_CODES_GB50137,       /* GB 50137-2011 城市用地分类 */
    IBMAP_CODES_COUNT
} ibmap_code_system;

/* "sandiao", "ydyh", "gb50137"; and back (-1 if unknown). */
const char *ibmap_code_system_name(ibmap_code_system sys);
int ibmap_code_system_from_name(const char *name);

/* Land-use groups used by the metrics (order stable). */
typedef enum ibmap_lu_group {
    IBMAP_LU_INDUSTRIAL = 0,
    IBMAP_LU_WAREHOUSING,
    IBMAP_LU_RESIDENTIAL,
    IBMAP_LU_COMMERCIAL,
    IBMAP_LU_PUBLIC,
    IBMAP_LU_FARMLAND,
    IBMAP_LU_FOREST_GREEN,
    IBMAP_LU_WATER,
    IBMAP_LU_TRANSPORT,
    IBMAP_LU_OTHER,
    IBMAP_LU_GROUP_COUNT,
    IBMAP_LU_UNKNOWN = -1       /* code not in the system */
} ibmap_lu_group;

/* "industrial", "warehousing", …, "other". */
const char *ibmap_lu_group_name(ibmap_lu_group g);

typedef enum ibmap_code_check {
    IBMAP_CODE_OK = 0,          /* code known; name absent or agrees */
    IBMAP_CODE_NAME_VARIANT,    /* code known; name differs but does not
                                   point to another system */
    IBMAP_CODE_UNKNOWN,         /* code not in the declared system */
    IBMAP_CODE_CONFLICT         /* the name is what this code means in
                                   another system (other_sys says which), or
                                   another kind of land in the declared
                                   system (other_sys == sys) */
} ibmap_code_check;

/* Classify (code, name) under `sys`.  `name` may be NULL or "".  On return
** *group is the code's group (IBMAP_LU_UNKNOWN unless OK or NAME_VARIANT),
** *official_name the system's name for the code (static, or NULL), and
** *other_sys the system the name belongs to on CONFLICT (else -1). */
ibmap_code_check ibmap_landuse_classify(ibmap_code_system sys,
                                        const char *code, const char *name,
                                        ibmap_lu_group *group,
                                        const char **official_name,
                                        int *other_sys);

/* ---------------------------------------------------------------------- */
/* encoding.c: what encoding a source's text is in                        */
/* ---------------------------------------------------------------------- */

/* Non-zero if the n bytes at s are well-formed UTF-8. */
int ibmap_utf8_valid(const char *s, size_t n);

/* The encoding a shapefile declares, from its .cpg if present, else from
** the DBF language-driver byte (LDID).  Writes an iconv name ("UTF-8",
** "GB18030", "BIG5", "CP1252", …) to `enc` and "cpg" or "ldid" to `from`,
** and returns 1; returns 0 when it declares nothing usable.  `path` is the
** .shp or .dbf path. */
int ibmap_shapefile_declared_encoding(const char *path, char *enc,
                                      size_t enc_size, const char **from);

/* Normalise an encoding name as users and .cpg files write it ("936",
** "GBK", "gb2312", "Big-5", "utf8", "ANSI 1252") to an iconv name.
** GBK and GB2312 map to GB18030, their superset.  Returns 0 if unknown. */
int ibmap_encoding_normalise(const char *name, char *out, size_t out_size);

/* Convert `text` from encoding `from` to UTF-8.  Returns a malloc'd string
** or NULL if it cannot be converted. */
char *ibmap_to_utf8(const char *text, const char *from);

/* ---------------------------------------------------------------------- */
/* dq.c: the data-quality log                                             */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_dq_entry {
    ibmap_role role;
    ibmap_severity severity;
    int64_t fid;
    const char *problem;     /* static string */
    char *feature_id;
    char *field;
    char *value;
    char *detail;
    const char *action;      /* static string */
} ibmap_dq_entry;

typedef struct ibmap_dq {
    ibmap_dq_entry *entries;
    int64_t n, cap;
    int64_t per_role[IBMAP_ROLE_COUNT];  /* entries of each role */
} ibmap_dq;

/* Append an entry; strings are copied.  Returns IBMAP_ERR_NOMEM or OK. */
ibmap_status ibmap_dq_add(ibmap_dq *dq, ibmap_role role, int64_t fid,
                          const char *feature_id, const char *field,
                          const char *problem, ibmap_severity sev,
                          const char *value, const char *action,
                          const char *detail_fmt, ...) IBMAP_PRINTF(10, 11);
void ibmap_dq_clear(ibmap_dq *dq);

/* ---------------------------------------------------------------------- */
/* project.c                                                              */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_coords {
    IBMAP_COORDS_AUTO = 0,   /* as the source declares (CGCS2000 ≈ WGS84) */
    IBMAP_COORDS_CGCS2000,
    IBMAP_COORDS_WGS84,
    IBMAP_COORDS_GCJ02,
    IBMAP_COORDS_BD09
} ibmap_coords;

typedef enum ibmap_area_mode {
    IBMAP_AREA_PLANAR = 0,
    IBMAP_AREA_ELLIPSOIDAL
} ibmap_area_mode;

typedef struct ibmap_role_source {
    int given;
    char *source;     /* resolved path or connection string */
    char *layer;      /* NULL: the only layer */
    char *where;      /* attribute filter or NULL */
    char *encoding;   /* override or NULL */
    char *crs;        /* CRS for a source that has none, or NULL */
    ibmap_coords coords;
    int codes;        /* ibmap_code_system, landuse only; -1 = default */
    char **field_map; /* per canonical field: source name or NULL */
} ibmap_role_source;

/* 亩均 grades where the official one is missing (grades.c). */
enum { IBMAP_GRADE_INDICATORS = 6 };

typedef struct ibmap_grade_options {
    int fallback;                               /* compute missing grades */
    double weights[IBMAP_GRADE_INDICATORS];     /* in grades.c's order */
    double benchmarks[IBMAP_GRADE_INDICATORS];  /* NaN: the county mean */
    double cuts[4];                             /* % of parcels A, B, C, D */
} ibmap_grade_options;

struct ibmap_project {
    char *path;           /* the project file, or NULL */
    char *dir;            /* its directory, for relative paths */
    ibmap_role_source roles[IBMAP_ROLE_COUNT];
    char *crs;            /* working CRS, NULL = auto */
    ibmap_area_mode area;
    ibmap_grade_options grades;
};

/* ---------------------------------------------------------------------- */
/* ingest.c and data.c: loaded layers                                     */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_column {
    ibmap_field_type type;
    char *source_name;   /* NULL when the layer has no such field */
    double *num;         /* NUMBER and FLAG: n values, NaN = missing */
    char **text;         /* TEXT: n strings, NULL = missing */
} ibmap_column;

struct ibmap_layer {
    ibmap_role role;
    char *source, *layer_name, *driver, *encoding, *crs_found, *crs_used,
         *crs_note;
    const char *encoding_from;
    ibmap_coords coords;
    int64_t n, cap;
    int64_t *fid;
    char **id;                /* never NULL after load */
    GEOSGeometry **geom;      /* working CRS; NULL when unusable */
    unsigned char *geom_state;
    double *area;             /* planar m² in the working CRS */
    int n_columns;            /* = role def n_fields */
    ibmap_column *columns;
    /* landuse only: group of each feature (ibmap_lu_group) */
    signed char *lu_group;
    /* parcels only: 1 where the grade was computed (grades.c), not given */
    unsigned char *grade_computed;
    const ibmap_dq *log;      /* the data-quality log the layer reports to */
};

struct ibmap_data {
    char *crs;                /* working CRS, e.g. "EPSG:4549" */
    int epsg;                 /* its EPSG code, or 0 */
    ibmap_area_mode area;
    ibmap_layer *layers[IBMAP_ROLE_COUNT];
    ibmap_dq dq;
    GEOSContextHandle_t geos; /* the context the geometries were made in */
};

void ibmap_layer_free(ibmap_layer *layer, GEOSContextHandle_t geos);

/* 1 亩 in m². */
#define IBMAP_MU_M2 (10000.0 / 15.0)

/* data.c: the values of a canonical field, indexed by feature: NULL when
** the layer has no such field or it is not of that kind.  For loops over
** many features, where looking the field up by name each time would cost
** more than the work. */
const double *ibmap_layer_num_column(const ibmap_layer *L, const char *name);
char *const *ibmap_layer_text_column(const ibmap_layer *L, const char *name);

/* data.c: the land area (亩) of parcel i: its land_mu field when given and
** positive, else its polygon's area; NaN when it has neither. */
double ibmap_parcel_land_mu(const ibmap_layer *parcels, int64_t i);

/* grades.c: fill in the missing 亩均 grades of the parcels layer. */
ibmap_status ibmap_grades_fill(ibmap_ctx *ctx, ibmap_layer *parcels,
                               const ibmap_grade_options *o);
void ibmap_grade_options_init(ibmap_grade_options *o);
/* The names of the indicators, as used in the project file's grades:. */
extern const char *const ibmap_grade_indicator_names[IBMAP_GRADE_INDICATORS];

/* ---------------------------------------------------------------------- */
/* metrics_table.c, overlay.c, metrics.c: per-block metrics               */
/* ---------------------------------------------------------------------- */

enum ibmap_metric_id {
#define METRIC(id, name, kind, unit, zh, desc) id,
#include "overlay/metrics_list.h"
#undef METRIC
    M_COUNT
};

typedef struct ibmap_lu_row {
    int64_t block;
    char *code;
    double area;
    double share;
} ibmap_lu_row;

struct ibmap_metrics {
    int64_t n_blocks;
    char **ids;                    /* block ids, copied from the layer */
    double *num;                   /* n_blocks × M_COUNT; NaN for text */
    char **text;                   /* n_blocks × M_COUNT; NULL for numbers */
    int64_t n_parcels;
    int64_t *parcel_block;         /* majority assignment, -1 = none */
    ibmap_lu_row *lu;
    int64_t n_lu;
};

/* metrics.c: metrics for nb blocks and np parcels, numbers NaN, texts
** NULL; NULL when memory is exhausted.  Freed by ibmap_metrics_free(). */
ibmap_metrics *ibmap_metrics_alloc(int64_t nb, int64_t np);

/* Index of block b's metric m in the num/text arrays. */
#define METRIC_AT(b, m) ((size_t)(b) * (size_t)M_COUNT + (size_t)(m))


#endif /* IBMAP_INT_H */
