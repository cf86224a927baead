/*
** test_shape.c — packed geometries (engine/geo/shape.c): what is made
** back from a shape must be the geometry that was packed, to the byte of
** its WKB and the last bit of its area, since the overlay's metrics and
** the workspace's geometries are computed from it.
*/
#include <math.h>
#include <string.h>

#include "harness.h"
#include "geo/geo.h"

static GEOSContextHandle_t h;

static GEOSGeometry *wkt(const char *text)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    return g;
}

static unsigned char *wkb(const GEOSGeometry *g, size_t *n)
{
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_NDR);
    unsigned char *b = GEOSWKBWriter_write_r(h, w, g, n);
    GEOSWKBWriter_destroy_r(h, w);
    return b;
}

/* Pack a copy of g into st and make it again: same type, WKB bytes, area
** bits and envelope.  The shape in *out. */
static void check_round_trip(ibmap_shape_store *st, const GEOSGeometry *g,
                             const ibmap_shape **out)
{
    const ibmap_shape *s = *out = ibmap_shape_pack(h, st, GEOSGeom_clone_r(h, g));
    CHECK(s != NULL);
    GEOSGeometry *back = ibmap_shape_geos(h, s);
    CHECK(back != NULL);
    CHECK_INT(GEOSGeomTypeId_r(h, back), GEOSGeomTypeId_r(h, g));
    size_t n1 = 0, n2 = 0;
    unsigned char *a = wkb(g, &n1), *b = wkb(back, &n2);
    CHECK(n1 == n2 && n1 > 0 && memcmp(a, b, n1) == 0);
    GEOSFree_r(h, a);
    GEOSFree_r(h, b);
    double area1 = -1, area2 = -2;
    GEOSArea_r(h, g, &area1);
    GEOSArea_r(h, back, &area2);
    CHECK(memcmp(&area1, &area2, sizeof area1) == 0);
    double e[4], f[4];
    CHECK(GEOSGeom_getExtent_r(h, g, &e[0], &e[1], &e[2], &e[3]) == 1);
    CHECK(ibmap_shape_extent(h, s, &f[0], &f[1], &f[2], &f[3]) == 1);
    CHECK(memcmp(e, f, sizeof e) == 0);
    CHECK_INT((long long)s->n_points, GEOSGetNumCoordinates_r(h, g));
    GEOSGeom_destroy_r(h, back);
}

static const ibmap_shape *round_trip(ibmap_shape_store *st, const GEOSGeometry *g)
{
    const ibmap_shape *s = NULL;
    check_round_trip(st, g, &s);
    return s;
}

TEST(polygons_and_multipolygons_come_back_byte_for_byte)
{
    ibmap_shape_store st = {0};
    const char *cases[] = {
        "POLYGON((605264.123456789 3325484.987654321, 605300.1 3325484.9,"
        " 605300.1 3325500.7, 605264.123456789 3325484.987654321))",
        "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 3,3 3,3 2,2 2),(5 5,5 6,6 6,5 5))",
        "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5),"
        "(5.2 5.1,5.8 5.1,5.8 5.5,5.2 5.1)))",
        "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))", /* one part: stays a multipolygon */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        GEOSGeometry *g = wkt(cases[i]);
        CHECK(g != NULL);
        const ibmap_shape *s = round_trip(&st, g);
        if (i == 1) CHECK(s && s->n_polygons == 1 && s->n_rings == 3 && s->n_points == 14);
        if (i == 2) CHECK(s && s->type == GEOS_MULTIPOLYGON && s->n_polygons == 2 &&
                          s->n_rings == 3);
        GEOSGeom_destroy_r(h, g);
    }
    /* more holes than make_polygon keeps on its stack (16) */
    char big[8192] = "POLYGON((0 0,100 0,100 100,0 100,0 0)";
    for (int k = 0; k < 40; k++) {
        char hole[128];
        double x = 2 + 2.4 * k;
        snprintf(hole, sizeof hole, ",(%g 10,%g 11,%g 11,%g 10)", x, x, x + 1, x);
        strcat(big, hole);
    }
    strcat(big, ")");
    GEOSGeometry *g = wkt(big);
    CHECK(g != NULL);
    const ibmap_shape *s = round_trip(&st, g);
    CHECK(s && s->n_rings == 41);
    GEOSGeom_destroy_r(h, g);
    ibmap_shape_store_free(h, &st);
    CHECK(st.arena.chunks == NULL && st.other == NULL);
}

/* Thousands of shapes across many arena chunks, then each made again. */
TEST(many_shapes_across_chunks_all_come_back)
{
    ibmap_shape_store st = {0};
    enum { N = 20000 };
    static const ibmap_shape *kept[N];
    for (int i = 0; i < N; i++) {
        int v = 3 + i % 40; /* vertices on a circle: records of many sizes */
        GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)v + 1, 2);
        for (int k = 0; k <= v; k++) {
            double t = 2 * M_PI * (k % v) / v;
            GEOSCoordSeq_setXY_r(h, seq, (unsigned)k, 1000.0 * i + cos(t) * (1 + i % 7),
                                 sin(t) * (1 + i % 7));
        }
        GEOSGeometry *g = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq),
                                                   NULL, 0);
        kept[i] = ibmap_shape_pack(h, &st, g);
    }
    int bad = 0;
    for (int i = 0; i < N; i++) {
        int v = 3 + i % 40;
        GEOSGeometry *g = kept[i] ? ibmap_shape_geos(h, kept[i]) : NULL;
        double x = 0, y = 0;
        const GEOSCoordSequence *seq =
            g ? GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g)) : NULL;
        if (!seq || GEOSGetNumCoordinates_r(h, g) != v + 1 ||
            !GEOSCoordSeq_getXY_r(h, seq, 0, &x, &y) ||
            x != 1000.0 * i + (1 + i % 7) || y != 0)
            bad++;
        if (g) GEOSGeom_destroy_r(h, g);
    }
    CHECK_INT(bad, 0);
    ibmap_shape_store_free(h, &st);
}

static int shift(double *x, double *y, void *userdata)
{
    (void)userdata;
    *x += 1;
    *y -= 2;
    return 1;
}

static int fail_on_third(double *x, double *y, void *userdata)
{
    (void)x;
    (void)y;
    return ++*(int *)userdata < 3;
}

TEST(coordinates_map_in_place_and_collections_stay_geos)
{
    ibmap_shape_store st = {0};
    GEOSGeometry *g = wkt("POLYGON((0 0,4 0,4 3,0 0))");
    const ibmap_shape *s = ibmap_shape_pack(h, &st, g);
    CHECK_INT(ibmap_shape_map_xy(s, shift, NULL), 1);
    double x0, y0, x1, y1;
    CHECK(ibmap_shape_extent(h, s, &x0, &y0, &x1, &y1));
    CHECK(x0 == 1 && y0 == -2 && x1 == 5 && y1 == 1);
    int calls = 0;
    CHECK_INT(ibmap_shape_map_xy(s, fail_on_third, &calls), 0);
    CHECK_INT(calls, 3);
    /* a collection (not yet repaired by the loader) is kept as GEOS's */
    GEOSGeometry *c = wkt("GEOMETRYCOLLECTION(POLYGON((0 0,1 0,1 1,0 0)),POINT(5 5))");
    const ibmap_shape *o = round_trip(&st, c);
    CHECK(o && o->type == IBMAP_SHAPE_OTHER);
    CHECK_INT(ibmap_shape_map_xy(o, shift, NULL), -1);
    CHECK_INT((int)st.n_other, 1);
    GEOSGeom_destroy_r(h, c);
    ibmap_shape_store_free(h, &st); /* valgrind: the kept object is freed */
}

TEST(arena_blocks_are_aligned_beside_texts)
{
    ibmap_text_arena a = {0};
    int misaligned = 0;
    for (int i = 0; i < 50000; i++) {
        ibmap_arena_strdup(&a, i % 3 ? "odd" : "a");
        double *d = ibmap_arena_alloc(&a, 8 * (size_t)(1 + i % 5), 8);
        misaligned += !d || ((uintptr_t)d & 7) != 0;
        if (d) d[0] = i;
    }
    double *large = ibmap_arena_alloc(&a, 1 << 20, 8);
    CHECK(large != NULL && ((uintptr_t)large & 7) == 0);
    if (large) large[(1 << 17) - 1] = 1;
    CHECK_INT(misaligned, 0);
    ibmap_arena_free(&a);
}

int main(void)
{
    h = GEOS_init_r();
    RUN(polygons_and_multipolygons_come_back_byte_for_byte);
    RUN(many_shapes_across_chunks_all_come_back);
    RUN(coordinates_map_in_place_and_collections_stay_geos);
    RUN(arena_blocks_are_aligned_beside_texts);
    GEOS_finish_r(h);
    return test_finish();
}
