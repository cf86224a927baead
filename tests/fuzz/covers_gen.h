/*
** covers_gen.h — polygons for the differential tests of the exact covers
** kernel (engine/overlay/covers.c) against GEOS: tests/test_covers.c and
** tests/fuzz/fuzz_covers.c build them from bytes.
**
** Two kinds, both on a small integer grid so that what is hard for a
** covers test — shared edges, a vertex on another's edge, touching
** vertices, collinear overlaps, holes touching shells — is frequent:
**   cells: a union of grid cells of a 4 × 4 grid, each whole or one of its
**          four half triangles (3 bits a cell) — valid by construction,
**          with holes and parts touching at corners;
**   rings: up to two rings of up to 12 vertices taken from bytes (often
**          invalid: the callers skip what GEOS says is invalid).
** Then mapped by x' = ox + s·x (the same for both polygons of a pair): with
** s = 0.1 or 1/3 the products round, and points collinear on the grid are
** no longer exactly collinear — the near-degenerate cases a floating-point
** predicate gets wrong.
*/
#ifndef IBMAP_COVERS_GEN_H
#define IBMAP_COVERS_GEN_H

#include <stdint.h>
#include <string.h>

#ifndef GEOS_USE_ONLY_R_API
#define GEOS_USE_ONLY_R_API
#endif
#include <geos_c.h>

typedef struct cg_map {
    double ox, oy, s;
} cg_map;

static inline GEOSGeometry *cg_ring_poly(GEOSContextHandle_t h, const double *xy,
                                         int n, const cg_map *m)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
    if (!cs) return NULL;
    for (int i = 0; i <= n; i++) {
        int k = i % n;
        GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, m->ox + m->s * xy[2 * k],
                             m->oy + m->s * xy[2 * k + 1]);
    }
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, cs);
    return ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
}

/* The union of the cells of a 4 × 4 grid chosen by 48 bits (6 bytes):
** 3 bits a cell, 0–3 nothing, 4 the square, 5–7 … a half: the triangles
** of the cell cut by either diagonal. */
static inline GEOSGeometry *cg_cells(GEOSContextHandle_t h, const uint8_t *bits,
                                     const cg_map *m)
{
    GEOSGeometry *parts[16];
    int n = 0;
    uint64_t v = 0;
    for (int i = 0; i < 6; i++) v |= (uint64_t)bits[i] << (8 * i);
    for (int c = 0; c < 16; c++) {
        int k = (int)((v >> (3 * c)) & 7);
        if (k < 4) continue;
        double x = c % 4, y = c / 4;
        double sq[8] = {x, y, x + 1, y, x + 1, y + 1, x, y + 1};
        double tri[3][6] = {
            {x, y, x + 1, y, x + 1, y + 1},
            {x, y, x + 1, y + 1, x, y + 1},
            {x, y, x + 1, y, x, y + 1}};
        GEOSGeometry *p = k == 4 ? cg_ring_poly(h, sq, 4, m)
                                 : cg_ring_poly(h, tri[k - 5], 3, m);
        if (p) parts[n++] = p;
    }
    if (n == 0) return NULL;
    GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION,
                                                     parts, (unsigned)n);
    if (!coll) return NULL;
    GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    return u;
}

/* A polygon from bytes: b[0] low nibble = vertex count (3–12) of the shell,
** high nibble = of a hole (0 or < 3: none); then one byte a vertex, x in
** the low nibble and y in the high (a 0–15 grid, scaled by 1/4 so the
** shapes sit on the cells' scale).  *used is the number of bytes read. */
static inline GEOSGeometry *cg_rings(GEOSContextHandle_t h, const uint8_t *b,
                                     size_t n, const cg_map *m, size_t *used)
{
    *used = 0;
    if (n < 1) return NULL;
    int ns = 3 + (b[0] & 15) % 10, nh = b[0] >> 4;
    if (nh < 3 || nh > 12) nh = 0;
    if (n < 1 + (size_t)ns + (size_t)nh) return NULL;
    *used = 1 + (size_t)ns + (size_t)nh;
    GEOSGeometry *rings[2] = {NULL, NULL};
    for (int r = 0; r < (nh ? 2 : 1); r++) {
        int cnt = r ? nh : ns;
        const uint8_t *p = b + 1 + (r ? ns : 0);
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)cnt + 1, 2);
        if (!cs) break;
        for (int i = 0; i <= cnt; i++) {
            int k = i % cnt;
            GEOSCoordSeq_setXY_r(h, cs, (unsigned)i,
                                 m->ox + m->s * ((p[k] & 15) / 4.0),
                                 m->oy + m->s * ((p[k] >> 4) / 4.0));
        }
        rings[r] = GEOSGeom_createLinearRing_r(h, cs);
        if (!rings[r]) break;
    }
    if (!rings[0] || (nh && !rings[1])) {
        for (int r = 0; r < 2; r++)
            if (rings[r]) GEOSGeom_destroy_r(h, rings[r]);
        return NULL;
    }
    return GEOSGeom_createPolygon_r(h, rings[0], nh ? &rings[1] : NULL, nh ? 1 : 0);
}

#endif
