/*
** shape.c — polygonal geometries packed for keeping: counts and x,y
** doubles one after another in an arena, turned back into GEOS geometries
** only where one is worked on.
**
** Why: a GEOS 3.11 polygon is some six heap objects (polygon, ring,
** coordinate sequence and its vector, two cached envelopes) holding three
** doubles per vertex.  A parcel of five vertices costs about 460 bytes
** that way, and a city of 100,000 blocks loads two million polygons: 0.85
** GB of the overlay's peak was GEOS objects that sat idle between the
** moment they were read and the moment their block was measured.  Packed,
** the same parcel is 24 bytes of header and counts and 80 of coordinates.
**
** A shape holds exactly the coordinates GEOS held (copied out and back in
** as two-dimensional sequences, as the loader made them), so a geometry
** made again from it measures, relates and writes the same as before.
** Anything that is not a polygon or a multipolygon (a GeometryCollection
** the loader has not repaired yet) is kept as the GEOS object itself,
** owned by the store.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

/* After the header: uint32 rings per polygon [n_polygons], uint32 points
** per ring [n_rings], padding to 8 bytes, then double x,y [2 n_points].
** A kept GEOS object: its pointer instead. */
static size_t counts_bytes(uint32_t n_polygons, uint32_t n_rings)
{
    size_t n = 4 * ((size_t)n_polygons + n_rings);
    return (n + 7) / 8 * 8;
}

static uint32_t *shape_counts(const ibmap_shape *s)
{
    return (uint32_t *)(void *)(s + 1);
}

static double *shape_xy(const ibmap_shape *s)
{
    return (double *)(void *)((char *)(s + 1) + counts_bytes(s->n_polygons, s->n_rings));
}

static GEOSGeometry *shape_other(const ibmap_shape *s)
{
    GEOSGeometry *g;
    memcpy(&g, s + 1, sizeof g);
    return g;
}

/* The polygons of g, in order (g itself when a polygon). */
static const GEOSGeometry *polygon_n(GEOSContextHandle_t h, const GEOSGeometry *g,
                                     int type, int i)
{
    return type == GEOS_POLYGON ? g : GEOSGetGeometryN_r(h, g, i);
}

static const GEOSGeometry *ring_n(GEOSContextHandle_t h, const GEOSGeometry *poly, int k)
{
    return k == 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, k - 1);
}

static int ring_points(GEOSContextHandle_t h, const GEOSGeometry *ring, uint32_t *n)
{
    const GEOSCoordSequence *seq = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
    unsigned int size = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size)) return 0;
    *n = size;
    return 1;
}

static const ibmap_shape *keep_other(GEOSContextHandle_t h, ibmap_shape_store *st,
                                     GEOSGeometry *g)
{
    if (st->n_other == st->cap_other) {
        int64_t cap = st->cap_other ? 2 * st->cap_other : 16;
        GEOSGeometry **v = realloc(st->other, (size_t)cap * sizeof *v);
        if (!v) {
            GEOSGeom_destroy_r(h, g);
            return NULL;
        }
        st->other = v;
        st->cap_other = cap;
    }
    ibmap_shape *s = ibmap_arena_alloc(&st->arena, sizeof *s + sizeof g, 8);
    if (!s) {
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    s->type = IBMAP_SHAPE_OTHER;
    s->n_polygons = s->n_rings = 0;
    s->n_points = (uint32_t)GEOSGetNumCoordinates_r(h, g);
    memcpy(s + 1, &g, sizeof g);
    st->other[st->n_other++] = g;
    return s;
}

const ibmap_shape *ibmap_shape_pack(GEOSContextHandle_t h, ibmap_shape_store *st,
                                    GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) return keep_other(h, st, g);
    int np = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(h, g);
    if (np < 0) return keep_other(h, st, g);
    /* First the counts, to size the record; anything GEOS cannot answer
    ** keeps the geometry as it is. */
    uint64_t n_rings = 0, n_points = 0;
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *poly = polygon_n(h, g, type, i);
        int nh = poly ? GEOSGetNumInteriorRings_r(h, poly) : -1;
        if (nh < 0) return keep_other(h, st, g);
        for (int k = 0; k <= nh; k++) {
            uint32_t n;
            if (!ring_points(h, ring_n(h, poly, k), &n)) return keep_other(h, st, g);
            n_points += n;
        }
        n_rings += (uint64_t)nh + 1;
    }
    if (n_rings > UINT32_MAX / 8 || n_points > UINT32_MAX / 8) return keep_other(h, st, g);
    size_t bytes = sizeof(ibmap_shape) + counts_bytes((uint32_t)np, (uint32_t)n_rings) +
                   16 * (size_t)n_points;
    ibmap_shape *s = ibmap_arena_alloc(&st->arena, bytes, 8);
    if (!s) {
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    s->type = type;
    s->n_polygons = (uint32_t)np;
    s->n_rings = (uint32_t)n_rings;
    s->n_points = (uint32_t)n_points;
    uint32_t *rings = shape_counts(s), *points = rings + np;
    double *xy = shape_xy(s);
    for (int i = 0, r = 0; i < np; i++) {
        const GEOSGeometry *poly = polygon_n(h, g, type, i);
        int nh = GEOSGetNumInteriorRings_r(h, poly);
        rings[i] = (uint32_t)nh + 1;
        for (int k = 0; k <= nh; k++, r++) {
            const GEOSGeometry *ring = ring_n(h, poly, k);
            ring_points(h, ring, &points[r]);
            if (points[r] &&
                !GEOSCoordSeq_copyToBuffer_r(h, GEOSGeom_getCoordSeq_r(h, ring), xy, 0, 0)) {
                /* cannot happen with the sizes above; keep the original */
                return keep_other(h, st, g);
            }
            xy += 2 * (size_t)points[r];
        }
    }
    GEOSGeom_destroy_r(h, g);
    return s;
}

static GEOSGeometry *make_polygon(GEOSContextHandle_t h, uint32_t n_rings,
                                  const uint32_t *points, const double **xy)
{
    GEOSGeometry *small[16];
    GEOSGeometry **ring = n_rings <= 16 ? small : malloc(n_rings * sizeof *ring);
    if (!ring) return NULL;
    uint32_t made = 0;
    for (; made < n_rings; made++) {
        GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, *xy, points[made], 0, 0);
        ring[made] = seq ? GEOSGeom_createLinearRing_r(h, seq) : NULL;
        if (!ring[made]) break;
        *xy += 2 * (size_t)points[made];
    }
    GEOSGeometry *poly = NULL;
    if (made == n_rings && n_rings > 0)
        poly = GEOSGeom_createPolygon_r(h, ring[0], ring + 1, n_rings - 1);
    if (!poly)
        for (uint32_t k = 0; k < made; k++) GEOSGeom_destroy_r(h, ring[k]);
    if (ring != small) free(ring);
    return poly;
}

GEOSGeometry *ibmap_shape_geos(GEOSContextHandle_t h, const ibmap_shape *s)
{
    if (!s) return NULL;
    if (s->type == IBMAP_SHAPE_OTHER) return GEOSGeom_clone_r(h, shape_other(s));
    const uint32_t *rings = shape_counts(s), *points = rings + s->n_polygons;
    const double *xy = shape_xy(s);
    if (s->type == GEOS_POLYGON) return make_polygon(h, rings[0], points, &xy);
    GEOSGeometry **parts = malloc((s->n_polygons ? s->n_polygons : 1) * sizeof *parts);
    if (!parts) return NULL;
    uint32_t made = 0;
    for (; made < s->n_polygons; made++) {
        parts[made] = make_polygon(h, rings[made], points, &xy);
        if (!parts[made]) break;
        points += rings[made];
    }
    GEOSGeometry *mp = NULL;
    if (made == s->n_polygons)   /* takes the parts, even when it fails */
        mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, made);
    else
        for (uint32_t k = 0; k < made; k++) GEOSGeom_destroy_r(h, parts[k]);
    free(parts);
    return mp;
}

unsigned char *ibmap_shape_wkb(GEOSContextHandle_t h, GEOSWKBWriter *w,
                              const ibmap_shape *s, size_t *size)
{
    GEOSGeometry *g = ibmap_shape_geos(h, s);
    unsigned char *wkb = g ? GEOSWKBWriter_write_r(h, w, g, size) : NULL;
    if (g) GEOSGeom_destroy_r(h, g);
    return wkb;
}

int ibmap_shape_extent(GEOSContextHandle_t h, const ibmap_shape *s, double *x0,
                       double *y0, double *x1, double *y1)
{
    if (!s) return 0;
    if (s->type == IBMAP_SHAPE_OTHER)
        return GEOSGeom_getExtent_r(h, shape_other(s), x0, y0, x1, y1) == 1;
    if (s->n_points == 0) return 0;
    const double *xy = shape_xy(s);
    double a = xy[0], b = xy[1], c = xy[0], d = xy[1];
    for (uint32_t i = 1; i < s->n_points; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (x < a) a = x;
        if (x > c) c = x;
        if (y < b) b = y;
        if (y > d) d = y;
    }
    *x0 = a;
    *y0 = b;
    *x1 = c;
    *y1 = d;
    return 1;
}

int ibmap_shape_rings(const ibmap_shape *s, const uint32_t **counts,
                      const double **xy)
{
    if (!s || s->type == IBMAP_SHAPE_OTHER) return 0;
    *counts = shape_counts(s);
    *xy = shape_xy(s);
    return 1;
}

int ibmap_shape_map_xy(const ibmap_shape *s,
                       int (*fn)(double *x, double *y, void *userdata),
                       void *userdata)
{
    if (s->type == IBMAP_SHAPE_OTHER) return -1;
    double *xy = shape_xy(s);
    for (uint32_t i = 0; i < s->n_points; i++)
        if (!fn(&xy[2 * i], &xy[2 * i + 1], userdata)) return 0;
    return 1;
}

void ibmap_shape_store_free(GEOSContextHandle_t h, ibmap_shape_store *st)
{
    for (int64_t i = 0; i < st->n_other; i++) GEOSGeom_destroy_r(h, st->other[i]);
    free(st->other);
    ibmap_arena_free(&st->arena);
    memset(st, 0, sizeof *st);
}
