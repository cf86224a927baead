/*
** zone_index.c — a spatial index over one overlay layer, with large
** polygons cut into small pieces.
**
** An ecological red line can have hundreds of thousands of vertices.  Every
** block that comes near it would otherwise pay for the whole polygon in
** each intersects/covers/intersection test, and its envelope would make it
** a candidate for half the county.  So, as PostGIS's ST_Subdivide does,
** every polygon with more than max_vertices vertices is cut in two along
** the longer side of its envelope (GEOS clip-by-rectangle), recursively,
** until each piece is small.  Pieces of one feature do not overlap (they
** only share cut lines), so per-feature areas are sums over pieces.
**
** The index is built once, then only read: GEOS's STRtree builds itself on
** the first query, so ibmap_zone_index_build() makes that first query
** before any thread can see the tree.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/overlay.h"

/* Add a piece of `feature` with its area; 0 when out of memory. */
static int add_piece(ibmap_zone_index *z, const ibmap_shape *shape,
                     int64_t feature, double area)
{
    if (!shape) return 0;
    if (z->n == z->cap) {
        int64_t cap = z->cap ? z->cap * 2 : 256;
        ibmap_piece *p = realloc(z->pieces, (size_t)cap * sizeof *p);
        if (!p) return 0;
        z->pieces = p;
        z->cap = cap;
    }
    ibmap_piece *p = &z->pieces[z->n++];
    p->shape = shape;
    p->feature = feature;
    p->area = area;
    return 1;
}

/* A cut piece g (taken), packed into the index's own store. */
static int add_cut_piece(ibmap_zone_index *z, GEOSContextHandle_t h,
                         GEOSGeometry *g, int64_t feature)
{
    double area = 0;
    GEOSArea_r(h, g, &area);
    return add_piece(z, ibmap_shape_pack(h, &z->cut, g), feature, area);
}

/* Cut g (owned) into pieces of at most max_vertices vertices.  The depth
** limit stops pathological input (a spike of many vertices at one point)
** from recursing for ever: such a piece is kept as it is. */
static int subdivide(ibmap_zone_index *z, GEOSContextHandle_t h,
                     GEOSGeometry *g, int64_t feature, int max_vertices,
                     int depth)
{
    int nv = GEOSGetNumCoordinates_r(h, g);
    if (nv <= max_vertices || depth >= 32) return add_cut_piece(z, h, g, feature);
    double x0, y0, x1, y1;
    if (!GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1))
        return add_cut_piece(z, h, g, feature);
    double rect[2][4];
    if (x1 - x0 >= y1 - y0) {
        double xm = (x0 + x1) / 2;
        double r[2][4] = {{x0, y0, xm, y1}, {xm, y0, x1, y1}};
        memcpy(rect, r, sizeof rect);
    } else {
        double ym = (y0 + y1) / 2;
        double r[2][4] = {{x0, y0, x1, ym}, {x0, ym, x1, y1}};
        memcpy(rect, r, sizeof rect);
    }
    /* ClipByRect is fast (no noding) but GEOS does not promise a valid
    ** result: on some inputs it returns a self-intersecting piece, whose
    ** overlaps would then be wrong (the fuzzer found one measuring 19,008
    ** m² of red line in a block of 10,000 m²).  Such a half is cut again
    ** with a full overlay intersection, which is valid by construction. */
    GEOSGeometry *half[2];
    for (int k = 0; k < 2; k++) {
        half[k] = GEOSClipByRect_r(h, g, rect[k][0], rect[k][1], rect[k][2],
                                   rect[k][3]);
        if (half[k] && GEOSisValid_r(h, half[k]) != 1) {
            GEOSGeom_destroy_r(h, half[k]);
            GEOSGeometry *box = GEOSGeom_createRectangle_r(h, rect[k][0], rect[k][1],
                                                           rect[k][2], rect[k][3]);
            half[k] = box ? GEOSIntersection_r(h, g, box) : NULL;
            if (box) GEOSGeom_destroy_r(h, box);
        }
    }
    if (!half[0] || !half[1]) {
        /* GEOS could not cut it: keep it whole rather than lose area. */
        for (int k = 0; k < 2; k++)
            if (half[k]) GEOSGeom_destroy_r(h, half[k]);
        return add_cut_piece(z, h, g, feature);
    }
    GEOSGeom_destroy_r(h, g);
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        GEOSGeometry *c = half[k];
        int n = GEOSGetNumGeometries_r(h, c);
        for (int i = 0; ok && i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, c, i);
            int t = GEOSGeomTypeId_r(h, part);
            if (t != GEOS_POLYGON && t != GEOS_MULTIPOLYGON) continue;
            double a = 0;
            if (GEOSArea_r(h, part, &a) != 1 || !(a > 0)) continue;
            GEOSGeometry *copy = GEOSGeom_clone_r(h, part);
            ok = copy && subdivide(z, h, copy, feature, max_vertices,
                                   depth + 1);
        }
        GEOSGeom_destroy_r(h, c);
    }
    return ok;
}

static void build_query_noop(void *item, void *userdata)
{
    (void)item;
    (void)userdata;
}

ibmap_status ibmap_zone_index_build(ibmap_ctx *ctx, const ibmap_layer *L,
                                    int max_vertices, ibmap_zone_index **out)
{
    GEOSContextHandle_t h = ctx->geos;
    ibmap_zone_index *z = calloc(1, sizeof *z);
    if (!z) return ibmap_nomem(ctx);
    z->layer = L;
    if (max_vertices < 8) max_vertices = 8;
    /* Nearly every feature is one piece: room for them at once, not by
    ** doubling (1.9 million pieces at 100,000 blocks). */
    if (L && L->n > 0 && !(z->pieces = malloc((size_t)L->n * sizeof *z->pieces))) {
        ibmap_zone_index_free(h, z);
        return ibmap_nomem(ctx);
    }
    z->cap = L ? L->n : 0;
    for (int64_t i = 0; L && i < L->n; i++) {
        const ibmap_shape *s = L->shape[i];
        if (!s) continue;
        /* Small geometries (nearly all) are indexed as they are, not copied. */
        int ok;
        if (s->n_points <= (uint32_t)max_vertices) {
            ok = add_piece(z, s, i, L->area[i]);
        } else {
            GEOSGeometry *g = ibmap_shape_geos(h, s);
            ok = g && subdivide(z, h, g, i, max_vertices, 0);
        }
        if (!ok) {
            ibmap_zone_index_free(h, z);
            return ibmap_nomem(ctx);
        }
    }
    z->tree = GEOSSTRtree_create_r(h, 10);
    if (!z->tree) {
        ibmap_zone_index_free(h, z);
        return ibmap_nomem(ctx);
    }
    /* The tree keeps a copy of each envelope, not the geometry given.  A
    ** piece without one (empty) is not indexed, as GEOS's tree skips a
    ** null envelope: it can meet no block. */
    for (int64_t i = 0; i < z->n; i++) {
        double x0, y0, x1, y1;
        if (!ibmap_shape_extent(h, z->pieces[i].shape, &x0, &y0, &x1, &y1)) continue;
        GEOSGeometry *box = GEOSGeom_createRectangle_r(h, x0, y0, x1, y1);
        if (!box) {
            ibmap_zone_index_free(h, z);
            return ibmap_nomem(ctx);
        }
        GEOSSTRtree_insert_r(h, z->tree, box, (void *)(intptr_t)(i + 1));
        GEOSGeom_destroy_r(h, box);
    }
    /* Build the tree now, single-threaded (see the comment at the top). */
    GEOSGeometry *pt = GEOSGeom_createRectangle_r(h, 0, 0, 1, 1);
    if (pt) {
        GEOSSTRtree_query_r(h, z->tree, pt, build_query_noop, NULL);
        GEOSGeom_destroy_r(h, pt);
    }
    *out = z;
    return IBMAP_OK;
}

void ibmap_zone_index_free(GEOSContextHandle_t h, ibmap_zone_index *z)
{
    if (!z) return;
    ibmap_shape_store_free(h, &z->cut);
    free(z->pieces);
    if (z->tree) GEOSSTRtree_destroy_r(h, z->tree);
    free(z);
}

typedef struct hits {
    int64_t *v;
    int64_t n, cap;
    int nomem;
} hits;

static void collect(void *item, void *userdata)
{
    hits *hs = userdata;
    if (hs->n == hs->cap) {
        int64_t cap = hs->cap ? hs->cap * 2 : 64;
        int64_t *v = realloc(hs->v, (size_t)cap * sizeof *v);
        if (!v) {
            hs->nomem = 1;
            return;
        }
        hs->v = v;
        hs->cap = cap;
    }
    hs->v[hs->n++] = (int64_t)(intptr_t)item - 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t ibmap_zone_index_query(GEOSContextHandle_t h,
                               const ibmap_zone_index *z,
                               const GEOSGeometry *g, int64_t **buf,
                               int64_t *cap)
{
    hits hs = {*buf, 0, *cap, 0};
    if (z->n > 0) GEOSSTRtree_query_r(h, z->tree, g, collect, &hs);
    *buf = hs.v;
    *cap = hs.cap;
    if (hs.nomem) return -1;
    /* The tree's order is an implementation detail; sorted piece order
    ** makes every sum over candidates the same on every run. */
    if (hs.n > 1) qsort(hs.v, (size_t)hs.n, sizeof *hs.v, cmp_i64);
    return hs.n;
}
