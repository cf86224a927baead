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
};

/* metrics.c: metrics for nb blocks and np parcels, numbers NaN, texts
** NULL; NULL when memory is exhausted.  Freed by ibmap_metrics_free(). */
ibmap_metrics *ibmap_metrics_alloc(int64_t nb, int64_t np);

/* Index of block b's metric m in the num/text arrays. */
#define METRIC_AT(b, m) ((size_t)(b) * (size_t)M_COUNT + (size_t)(m))



/* A piece of an overlay feature: the feature itself, or a part of it cut
** small (see zone_index.c). */
typedef struct ibmap_piece {
    GEOSGeometry *geom;
    int64_t feature;   /* index in the layer */
    double area;
    int owned;         /* a cut piece (ours); else the layer's geometry */
} ibmap_piece;

typedef struct ibmap_zone_index {
    const ibmap_layer *layer;
    ibmap_piece *pieces;
    int64_t n, cap;
    GEOSSTRtree *tree;  /* items are piece index + 1 */
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
/* store/enterprises.c: the enterprises of a workspace                    */
/* ---------------------------------------------------------------------- */

/* Write the tables enterprise_parcels and enterprises into db, which
** already holds layer_parcels and block_metrics (workspace.c, inside its
** transaction).  1 on success. */
struct sqlite3;
int ibmap_workspace_write_enterprises(struct sqlite3 *db, const ibmap_data *data,
                                      const ibmap_metrics *m);

/* The six 标志性产业链 by GB/T 4754-2017 code prefix (the rows of
** layers/tables/industry_chains.csv). */
int ibmap_industry_chain_count(void);
const char *ibmap_industry_chain_prefix(int i);
const char *ibmap_industry_chain_name(int i);

#endif
