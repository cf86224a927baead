/*
** load/load.h — the load stage: the project file, reading every role's
** layer (fields, text, numbers, codes, geometry), repair, the loaded data.
*/
#ifndef IBMAP_LOAD_H
#define IBMAP_LOAD_H

#include "geo/geo.h"
#include "roles.h"

/* ---------------------------------------------------------------------- */
/* geometry.c and repair.c: geometry clean-up, shared with the fuzz        */
/* harness so that it measures exactly what the loader keeps              */
/* ---------------------------------------------------------------------- */

/* geometry.c: 1 when every coordinate of g is finite and within ±1e9 (a GEOS envelope
** skips NaN, so the extent alone would let a NaN vertex pass), widening
** [*x0,*x1] × [*y0,*y1] to them. */
int ibmap_coords_usable(GEOSContextHandle_t h, const GEOSGeometry *g,
                        double *x0, double *y0, double *x1, double *y1);

/* repair.c: the polygons of g (taken) as one Polygon or MultiPolygon; NULL when it
** has none. */
GEOSGeometry *ibmap_polygonal_part(GEOSContextHandle_t h, GEOSGeometry *g);

/* repair.c: what ibmap_repair_polygonal did, as bits of *done. */
enum {
    IBMAP_REPAIR_MADE_VALID = 1 << 0, /* invalid: GEOS make-valid (structure
                                         method), polygonal part kept */
    IBMAP_REPAIR_MERGED = 1 << 1,     /* a GeometryCollection: its polygons
                                         merged, overlaps counted once */
    IBMAP_REPAIR_NO_AREA = 1 << 2     /* nothing of area left: NULL */
};

/* The loader's repair of one geometry g (taken), as every loaded geometry
** gets it: the geometry to keep, or NULL when nothing of area is left.
** When g is valid and not a GeometryCollection it is returned as it is,
** with *done 0.  `valid` is GEOSisValid's answer for g (1, 0 or 2) when
** the caller already has it, or -1 to check it here.  `reason` (may be
** NULL) receives GEOS's reason g is invalid, or "". */
GEOSGeometry *ibmap_repair_polygonal(GEOSContextHandle_t h, GEOSGeometry *g,
                                     int valid, int *done, char *reason,
                                     size_t reason_size);

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
/* project.c                                                              */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_area_mode {
    IBMAP_AREA_PLANAR = 0,
    IBMAP_AREA_ELLIPSOIDAL
} ibmap_area_mode;

/* What the overlay does with the part two blocks share (project key
** block_overlaps, CLI --block-overlaps; docs/project-file.md). */
typedef enum ibmap_overlap_mode {
    IBMAP_OVERLAPS_KEEP = 0,   /* counted in both, flagged (overlap_m2) */
    IBMAP_OVERLAPS_SPLIT       /* given to the block with the lower id */
} ibmap_overlap_mode;

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
    int from_file;    /* set by the project file: a source given on the
                         command line then starts from the role's defaults */
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
    /* The layer gates (gates.c, docs/data-quality.md). */
    unsigned accept_defects;  /* bit 1 << role: accept_defects: /
                                 --accept-defects ROLE */
    double defect_warn;       /* share of features or of area lost above
                                 which a layer warns (0.01) */
    double unknown_codes_max; /* share of land-use features with unknown
                                 codes above which the load stops (0.5) */
    ibmap_overlap_mode block_overlaps;
    double block_overlap_min_m2;  /* smaller overlaps are ignored (default 1) */
    /* central_towns: the towns that count as 中心城区 (二、(二)); they
    ** replace the rules file's when set (n_central_towns -1: not set).
    ** Not part of the workspace fingerprint: no metric depends on them. */
    char **central_towns;
    int n_central_towns;
    /* plan: what the plan sheets print (not part of the fingerprint:
    ** changing them redoes no overlay). */
    char *plan_organization;  /* 编制单位 */
    char *plan_date;          /* 编制日期 */
    char *plan_title;         /* the sheets' title */
};

/* ---------------------------------------------------------------------- */
/* loaded layers: layer.c makes and frees them, data.c reads them       */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_column {
    ibmap_field_type type;
    char *source_name;   /* NULL when the layer has no such field */
    double *num;         /* NUMBER and FLAG: n values, NaN = missing */
    char **text;         /* TEXT: n strings in the layer's texts, NULL =
                            missing */
} ibmap_column;

/* A field of the source kept as it was given, beside the canonical ones
** (blocks and parcels: every field of the source, mapped or not), so that
** nothing the user gave is lost on the way to the outputs.  Integers are
** kept as their decimal text (exact beyond 2^53), reals as doubles, the
** rest as decoded text. */
typedef enum ibmap_source_type {
    IBMAP_SOURCE_TEXT = 0,
    IBMAP_SOURCE_INTEGER,
    IBMAP_SOURCE_REAL
} ibmap_source_type;

typedef struct ibmap_source_field {
    char *name;               /* the source's own name, decoded (UTF-8) */
    ibmap_source_type type;
    double *num;              /* REAL: n values, NaN = NULL */
    char **text;              /* TEXT and INTEGER: n strings in the layer's
                                 texts, NULL = NULL */
} ibmap_source_field;

struct ibmap_layer {
    ibmap_role role;
    char *source, *layer_name, *driver, *encoding, *crs_found, *crs_used,
         *crs_note;
    const char *encoding_from;
    ibmap_coords coords;
    int64_t n, cap;
    int64_t *fid;
    char **id;                /* never NULL after load; in texts */
    /* The features' ids and text values (columns, source fields), freed
    ** with the layer: millions of ten-byte strings, each its own malloc,
    ** cost three times their size (core/text_arena.c).  Replacing a value
    ** leaves the old copy here until then. */
    ibmap_text_arena texts;
    /* The geometries in the working CRS, packed (geo/shape.c): GEOS
    ** objects are made from them where one is worked on.  NULL when
    ** unusable. */
    const ibmap_shape **shape;
    ibmap_shape_store shapes;
    unsigned char *geom_state;
    double *area;             /* planar m² in the working CRS */
    int n_columns;            /* = role def n_fields */
    ibmap_column *columns;
    int n_source_fields;      /* blocks, parcels: every field of the source */
    ibmap_source_field *source_fields;
    /* landuse only: group of each feature (ibmap_lu_group) */
    signed char *lu_group;
    /* parcels only: 1 where the grade was computed (grades.c), not given */
    unsigned char *grade_computed;
    const ibmap_dq *log;      /* the data-quality log the layer reports to */
    /* for the gates (gates.c) */
    char *geom_type;          /* the source layer's declared geometry type */
    char *not_areal_type;     /* type of the first point or line feature */
    char *webmap_fields;      /* DataV/Amap signature fields found, or NULL */
    double area_lost;         /* m² the repair took away */
    ibmap_layer_verdict verdict; /* its message is verdict_msg */
    char *verdict_msg;        /* NULL when OK */
};

struct ibmap_data {
    char *crs;                /* working CRS, e.g. "EPSG:4549" */
    int epsg;                 /* its EPSG code, or 0 */
    ibmap_area_mode area;
    ibmap_overlap_mode block_overlaps;   /* from the project */
    double block_overlap_min_m2;
    ibmap_layer *layers[IBMAP_ROLE_COUNT];
    ibmap_dq dq;
    GEOSContextHandle_t geos; /* the context the geometries were made in */
    char *accepted;           /* ibmap_data_accepted_defects, or NULL */
};

/* data.c: the Chinese label of a control-unit type (priority 优先保护,
** key_industry 重点管控（产业集聚）, key_urban 重点管控（城镇生活）, key
** 重点管控, general 一般管控); `type` itself when it is none of them. */
const char *ibmap_cu_type_label_zh(const char *type);

/* data.c: the verdict named `name` (ibmap_verdict_name); OK when unknown. */
int ibmap_verdict_from_name(const char *name);

/* gates.c: the verdict of every loaded layer; fails with
** IBMAP_ERR_LAYER_REJECTED naming every layer that stops the load. */
ibmap_status ibmap_gates_run(ibmap_ctx *ctx, ibmap_data *data,
                             const ibmap_project *p);

/* layer.c: a layer's life.  A new layer of `role` with no feature; room
** for n features in every array (0 when out of memory), growing by
** doubling as features are read, or exactly n when the count is known
** beforehand; freeing it. */
ibmap_layer *ibmap_layer_new(ibmap_role role);
int ibmap_layer_reserve(ibmap_layer *L, int64_t n);
int ibmap_layer_reserve_exact(ibmap_layer *L, int64_t n);
void ibmap_layer_free(ibmap_layer *layer, GEOSContextHandle_t geos);

/* 1 亩 in m². */

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

#endif /* IBMAP_LOAD_H */
