/*
** overlay/overlay.h — the overlay stage: the per-block metrics, the zone index
** (zone_index.c) and the per-block computation (overlay.c).
*/
#ifndef IBMAP_OVERLAY_H
#define IBMAP_OVERLAY_H

#include "load/load.h"

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
    /* covers tests of the overlay by kind (IBMAP_COVERS_PARCEL, …):
    ** decided by the exact kernel, handed to GEOS; 0 when read back */
    int64_t covers_kernel[IBMAP_COVERS_KINDS], covers_geos[IBMAP_COVERS_KINDS];
    /* blocks meeting several land-use features whose overlap check the
    ** exact kernel settled, or that GEOS unioned; 0 when read back */
    int64_t lu_checks_kernel, lu_checks_geos;
};

/* metrics.c: metrics for nb blocks and np parcels, numbers NaN, texts
** NULL; NULL when memory is exhausted.  Freed by ibmap_metrics_free(). */
ibmap_metrics *ibmap_metrics_alloc(int64_t nb, int64_t np);

/* Index of block b's metric m in the num/text arrays. */
#define METRIC_AT(b, m) ((size_t)(b) * (size_t)M_COUNT + (size_t)(m))



/* A piece of an overlay feature: the feature itself, or a part of it cut
** small (see zone_index.c).  Packed: a worker makes the GEOS geometry of
** a piece it works on (ibmap_shape_geos). */
typedef struct ibmap_piece {
    const ibmap_shape *shape;  /* the layer's, or a cut piece in `cut` */
    int64_t feature;           /* index in the layer */
    double area;
} ibmap_piece;

typedef struct ibmap_zone_index {
    const ibmap_layer *layer;
    ibmap_piece *pieces;
    int64_t n, cap;
    ibmap_shape_store cut;     /* the pieces cut from large polygons */
    GEOSSTRtree *tree;         /* items are piece index + 1 */
} ibmap_zone_index;

/* Index the usable geometries of layer L (which may be NULL: an empty
** index), cutting polygons of more than max_vertices vertices. */
ibmap_status ibmap_zone_index_build(ibmap_ctx *ctx, const ibmap_layer *L,
                                    int max_vertices, ibmap_zone_index **out);
void ibmap_zone_index_free(GEOSContextHandle_t h, ibmap_zone_index *z);

/* Indices of the pieces whose envelope meets g's, ascending, in *buf
** (grown as needed); returns their number, or -1 when out of memory.
** Safe to call from several threads at once. */
int64_t ibmap_zone_index_query(GEOSContextHandle_t h,
                               const ibmap_zone_index *z,
                               const GEOSGeometry *g, int64_t **buf,
                               int64_t *cap);


/* ---------------------------------------------------------------------- */
/* covers.c: an exact "A covers B" for valid (multi)polygons              */
/* ---------------------------------------------------------------------- */

typedef enum {
    IBMAP_COVERS_NO = 0,
    IBMAP_COVERS_YES = 1,
    IBMAP_COVERS_UNDECIDED = 2  /* input the kernel does not take: ask GEOS */
} ibmap_covers_result;

/* A polygonal geometry's rings, copied once for many tests.  Zeroed to
** start; reused by ibmap_cover_geom_set(); freed by ibmap_cover_geom_free. */
typedef struct ibmap_cover_geom {
    double *x, *y;
    struct ibmap_cover_ring *ring;
    struct ibmap_cover_chunk *chunk;
    int n_points, n_rings, n_chunks;
    int cap_x, cap_y, cap_rings, cap_chunks;
    double x0, y0, x1, y1;
    int usable;         /* 0: ibmap_covers() answers UNDECIDED */
} ibmap_cover_geom;

/* Working memory of ibmap_covers(), one per thread; zeroed to start. */
typedef struct ibmap_cover_scratch {
    signed char *cls;
    int *split;
    int cap_cls, n_split, cap_split;
} ibmap_cover_scratch;

/* Copy g's rings into c; returns c->usable: 0 when g is empty, not a
** Polygon or MultiPolygon, has a ring of fewer than 3 distinct points or a
** coordinate outside 0 ∪ [1e-100, 1e100], or memory ran out. */
int ibmap_cover_geom_set(GEOSContextHandle_t h, ibmap_cover_geom *c,
                         const GEOSGeometry *g);
/* The same from a packed shape, without GEOS; 0 too for a kept GEOS
** object (not polygonal). */
int ibmap_cover_geom_set_shape(ibmap_cover_geom *c, const ibmap_shape *s);
void ibmap_cover_geom_free(ibmap_cover_geom *c);
void ibmap_cover_scratch_free(ibmap_cover_scratch *s);

/* Whether a covers b (no point of b in a's exterior), exactly, for a and b
** valid in GEOS's sense; GEOSCovers_r gives the same answer.  UNDECIDED
** when either is not usable or memory ran out. */
ibmap_covers_result ibmap_covers(const ibmap_cover_geom *a,
                                 const ibmap_cover_geom *b,
                                 ibmap_cover_scratch *s);

/* Whether the interiors of a and b are disjoint (YES: their intersection
** has no area; GEOSRelatePattern_r(a, b, "F********") gives the same),
** exactly, for a and b valid in GEOS's sense.  NO is sure too; UNDECIDED
** when either is not usable, memory ran out, or two edges cross properly
** (which does not settle it: see covers.c). */
ibmap_covers_result ibmap_interiors_disjoint(const ibmap_cover_geom *a,
                                             const ibmap_cover_geom *b,
                                             ibmap_cover_scratch *s);

#endif
