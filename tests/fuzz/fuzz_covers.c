/*
** fuzz_covers.c — the exact covers kernel (engine/overlay/covers.c)
** against GEOS on two polygons built from the input (covers_gen.h): every
** answer the kernel gives (COVERS or NOT_COVERS, either way round) must be
** GEOSCovers_r's, and GEOSPreparedCovers_r's too; every answer of the
** disjoint-interiors test (engine/overlay/covers.c too) must be GEOS's
** relate pattern F********.  Pairs where GEOS says a
** polygon is invalid are skipped: the kernel's contract is valid input.
**
** Input: byte 0 picks the map (origin 0 or near (620000, 3340000), scale 1,
** 0.1, 1/3 or a raw double from the next 8 bytes) and the kinds of the two
** polygons (cells or rings; B may be A's cells masked, to make covers
** true); then the polygons' bytes.
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "overlay/overlay.h"
#include "fuzz_util.h"
#include "covers_gen.h"

static GEOSContextHandle_t h;
static ibmap_cover_geom ca, cb;
static ibmap_cover_scratch scratch;

static void check(const GEOSGeometry *a, const GEOSGeometry *b)
{
    ibmap_cover_geom_set(h, &ca, a);
    ibmap_cover_geom_set(h, &cb, b);
    ibmap_covers_result r = ibmap_covers(&ca, &cb, &scratch);
    if (r == IBMAP_COVERS_UNDECIDED) return;
    char g = GEOSCovers_r(h, a, b);
    if (g == 2) return; /* GEOS threw: nothing to compare */
    if (g != (char)r) {
        char *wa = GEOSGeomToWKT_r(h, a), *wb = GEOSGeomToWKT_r(h, b);
        fprintf(stderr, "kernel %d, GEOS %d\nA %s\nB %s\n", (int)r, (int)g, wa, wb);
        GEOSFree_r(h, wa);
        GEOSFree_r(h, wb);
    }
    FUZZ_ASSERT(g == (char)r);
    const GEOSPreparedGeometry *pa = GEOSPrepare_r(h, a);
    if (pa) {
        char pg = GEOSPreparedCovers_r(h, pa, b);
        GEOSPreparedGeom_destroy_r(h, pa);
        FUZZ_ASSERT(pg == 2 || pg == (char)r);
    }
}

/* The same for "the interiors are disjoint" (relate pattern F********). */
static void check_disjoint(const GEOSGeometry *a, const GEOSGeometry *b)
{
    ibmap_cover_geom_set(h, &ca, a);
    ibmap_cover_geom_set(h, &cb, b);
    ibmap_covers_result r = ibmap_interiors_disjoint(&ca, &cb, &scratch);
    if (r == IBMAP_COVERS_UNDECIDED) return;
    char g = GEOSRelatePattern_r(h, a, b, "F********");
    if (g == 2) return;
    if (g != (char)r) {
        char *wa = GEOSGeomToWKT_r(h, a), *wb = GEOSGeomToWKT_r(h, b);
        fprintf(stderr, "disjoint: kernel %d, GEOS %d\nA %s\nB %s\n", (int)r, (int)g, wa,
                wb);
        GEOSFree_r(h, wa);
        GEOSFree_r(h, wb);
    }
    FUZZ_ASSERT(g == (char)r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!h) {
        h = GEOS_init_r();
        FUZZ_ASSERT(h != NULL);
    }
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    cg_map m = {0, 0, 1};
    if (mode & 1) {
        m.ox = 620000;
        m.oy = 3340000;
    }
    switch ((mode >> 1) & 3) {
    case 0: m.s = 1; break;
    case 1: m.s = 0.1; break;
    case 2: m.s = 1.0 / 3; break;
    default:
        if (size < 8) return 0;
        memcpy(&m.s, data, 8);
        data += 8;
        size -= 8;
        if (!isfinite(m.s) || m.s == 0 || fabs(m.s) > 1e6 || fabs(m.s) < 1e-6)
            return 0;
    }
    GEOSGeometry *g[2] = {NULL, NULL};
    uint8_t abits[6] = {0};
    for (int k = 0; k < 2; k++) {
        int kind = (mode >> (3 + 2 * k)) & 3;
        if (kind <= 1 || (kind == 3 && k == 0)) {
            if (size < 6) break;
            memcpy(abits, data, 6);
            g[k] = cg_cells(h, data, &m);
            data += 6;
            size -= 6;
        } else if (kind == 3) {
            /* B: some of A's cells (covers is then often true) */
            if (size < 6) break;
            uint8_t bits[6];
            for (int i = 0; i < 6; i++) bits[i] = abits[i] & data[i];
            g[k] = cg_cells(h, bits, &m);
            data += 6;
            size -= 6;
        } else {
            size_t used = 0;
            g[k] = cg_rings(h, data, size, &m, &used);
            data += used;
            size -= used;
        }
    }
    if (g[0] && g[1] && GEOSisValid_r(h, g[0]) == 1 && GEOSisValid_r(h, g[1]) == 1) {
        check(g[0], g[1]);
        check(g[1], g[0]);
        check_disjoint(g[0], g[1]);
        check_disjoint(g[1], g[0]);
    }
    for (int k = 0; k < 2; k++)
        if (g[k]) GEOSGeom_destroy_r(h, g[k]);
    return 0;
}
