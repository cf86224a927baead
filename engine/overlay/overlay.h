/*
** ibmap_overlay.h — the overlay inside the library: the zone index
** (zone_index.c) and the per-block computation (overlay.c).
*/
#ifndef IBMAP_OVERLAY_H
#define IBMAP_OVERLAY_H

#include "ibmap_int.h"

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

#endif
