/*
** test_covers.c — the exact covers kernel (engine/overlay/covers.c) against
** GEOS: hand-built cases, every (block, piece) pair of the bundled sample
** city and of a messy generated one, and many small grid polygons
** (tests/fuzz/covers_gen.h) where shared edges, touching vertices and
** collinear overlaps are the rule.  Every answer the kernel gives must be
** GEOSCovers_r's; the share it leaves to GEOS (UNDECIDED) is printed.
*/
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"
#include "overlay/overlay.h"
#include "fuzz/covers_gen.h"

static ibmap_ctx *ctx;
static const char *dir;
static GEOSContextHandle_t h;
static ibmap_cover_geom ca, cb;
static ibmap_cover_scratch scratch;

typedef struct tally {
    long pairs, undecided, disagree, yes, skipped_invalid;
} tally;

/* Kernel and GEOS on covers(a, b), or with `disjoint` on "the interiors
** of a and b are disjoint" (GEOS: relate pattern F********); the kernel's
** answer in *kernel when given; returns 0 on a disagreement. */
static int compare_as(const GEOSGeometry *a, const GEOSGeometry *b, tally *t, int disjoint,
                      ibmap_covers_result *kernel)
{
    ibmap_cover_geom_set(h, &ca, a);
    ibmap_cover_geom_set(h, &cb, b);
    ibmap_covers_result r = disjoint ? ibmap_interiors_disjoint(&ca, &cb, &scratch)
                                     : ibmap_covers(&ca, &cb, &scratch);
    if (kernel) *kernel = r;
    char g = disjoint ? GEOSRelatePattern_r(h, a, b, "F********") : GEOSCovers_r(h, a, b);
    t->pairs++;
    t->yes += g == 1;
    if (r == IBMAP_COVERS_UNDECIDED) {
        t->undecided++;
        return 1;
    }
    if (g != (char)r) {
        t->disagree++;
        if (t->disagree <= 3) {
            char *wa = GEOSGeomToWKT_r(h, a), *wb = GEOSGeomToWKT_r(h, b);
            printf("# %s: kernel %d, GEOS %d\n#   A %s\n#   B %s\n",
                   disjoint ? "disjoint" : "covers", (int)r, (int)g, wa, wb);
            GEOSFree_r(h, wa);
            GEOSFree_r(h, wb);
        }
        return 0;
    }
    return 1;
}

static int compare(const GEOSGeometry *a, const GEOSGeometry *b, tally *t)
{
    return compare_as(a, b, t, 0, NULL);
}

static int compare_disjoint(const GEOSGeometry *a, const GEOSGeometry *b, tally *t)
{
    return compare_as(a, b, t, 1, NULL);
}

/* t's counts; "yes" for GEOS's answer is `covered`, or `disjoint` for the
** tallies of compare_disjoint. */
static void print_tally(const char *what, const tally *t)
{
    printf("# %s: %ld pairs (%ld %s), %ld disagreements, %ld undecided "
           "(%.3f %%), %ld skipped as invalid\n",
           what, t->pairs, t->yes, strstr(what, "disjoint") ? "disjoint" : "covered",
           t->disagree, t->undecided,
           t->pairs ? 100.0 * (double)t->undecided / (double)t->pairs : 0.0,
           t->skipped_invalid);
}

/* The kernel's answer on two polygons given as WKT: covers(a, b), or with
** `disjoint` the disjoint-interiors test, asked both ways round (the way
** round can matter only to whether it is decided).  99 when a WKT does not
** read or an answer is not GEOS's. */
static ibmap_covers_result kernel_on_wkt(const char *wa, const char *wb, int disjoint)
{
    GEOSWKTReader *rd = GEOSWKTReader_create_r(h);
    GEOSGeometry *a = GEOSWKTReader_read_r(h, rd, wa), *b = GEOSWKTReader_read_r(h, rd, wb);
    GEOSWKTReader_destroy_r(h, rd);
    ibmap_covers_result r = (ibmap_covers_result)99, ab, ba;
    tally t = {0};
    if (a && b && compare_as(a, b, &t, disjoint, &ab) &&
        (!disjoint || (compare_as(b, a, &t, 1, &ba) &&
                       (ba == IBMAP_COVERS_UNDECIDED || ba == ab))))
        r = ab;
    if (a) GEOSGeom_destroy_r(h, a);
    if (b) GEOSGeom_destroy_r(h, b);
    return r;
}

static ibmap_covers_result kernel_wkt(const char *wa, const char *wb)
{
    return kernel_on_wkt(wa, wb, 0);
}

static ibmap_covers_result disjoint_wkt(const char *wa, const char *wb)
{
    return kernel_on_wkt(wa, wb, 1);
}

#define BLOCK "POLYGON((0 0,10 0,10 10,0 10,0 0))"

TEST(hand_built_cases)
{
    /* a parcel sharing two of the block's edges */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((0 0,4 0,4 4,0 4,0 0))"), IBMAP_COVERS_YES);
    /* sharing part of an edge, its corner a vertex-on-edge of the block */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((2 0,6 0,6 3,2 3,2 0))"), IBMAP_COVERS_YES);
    /* one vertex outside */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((2 2,11 2,6 6,2 2))"), IBMAP_COVERS_NO);
    /* touching the block at a vertex, from outside */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((10 10,12 10,12 12,10 10))"), IBMAP_COVERS_NO);
    /* inside, touching the boundary at one vertex */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((5 0,7 3,3 3,5 0))"), IBMAP_COVERS_YES);
    /* a piece in the block's hole */
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                         "POLYGON((4 4,6 4,6 6,4 6,4 4))"), IBMAP_COVERS_NO);
    /* a piece that is the hole exactly */
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                         "POLYGON((3 3,7 3,7 7,3 7,3 3))"), IBMAP_COVERS_NO);
    /* a piece around the hole */
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                         "POLYGON((2 2,8 2,8 8,2 8,2 2))"), IBMAP_COVERS_NO);
    /* a piece sharing the hole's edge, outside it */
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                         "POLYGON((3 1,7 1,7 3,3 3,3 1))"), IBMAP_COVERS_YES);
    /* a diamond hole inscribed in the piece: its vertices on the piece's
    ** edges, its edges through the piece's interior */
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(5 3,7 5,5 7,3 5,5 3))",
                         "POLYGON((3 3,7 3,7 7,3 7,3 3))"), IBMAP_COVERS_NO);
    /* equal, and equal with the ring starting elsewhere and reversed */
    CHECK_INT(kernel_wkt(BLOCK, BLOCK), IBMAP_COVERS_YES);
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((10 10,10 0,0 0,0 10,10 10))"), IBMAP_COVERS_YES);
    /* collinear edge overlap, outside and inside */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((8 2,12 2,12 4,8 4,8 2))"), IBMAP_COVERS_NO);
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((-2 4,0 4,0 6,-2 6,-2 4))"), IBMAP_COVERS_NO);
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON((0 4,3 4,3 6,0 6,0 4))"), IBMAP_COVERS_YES);
    /* a block with a notch: the piece bridges it */
    CHECK_INT(kernel_wkt("POLYGON((0 0,4 0,4 5,6 5,6 0,10 0,10 10,0 10,0 0))",
                         "POLYGON((3 0,7 0,7 6,3 6,3 0))"), IBMAP_COVERS_NO);
    CHECK_INT(kernel_wkt("POLYGON((0 0,4 0,4 5,6 5,6 0,10 0,10 10,0 10,0 0))",
                         "POLYGON((4 5,6 5,6 8,4 8,4 5))"), IBMAP_COVERS_YES);
    /* a multipolygon whose parts touch at a corner, the piece across it */
    CHECK_INT(kernel_wkt("MULTIPOLYGON(((0 0,5 0,5 5,0 5,0 0)),((5 5,10 5,10 10,5 10,5 5)))",
                         "POLYGON((4 4,6 4,6 6,4 6,4 4))"), IBMAP_COVERS_NO);
    CHECK_INT(kernel_wkt("MULTIPOLYGON(((0 0,5 0,5 5,0 5,0 0)),((5 5,10 5,10 10,5 10,5 5)))",
                         "MULTIPOLYGON(((1 1,5 1,5 5,1 1)),((5 5,9 5,9 9,5 5)))"),
              IBMAP_COVERS_YES);
    /* a hole touching the shell at a vertex; the piece in the corner */
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(0 0,4 2,2 4,0 0))",
                         "POLYGON((0 0,3 0,3 1,0 0))"), IBMAP_COVERS_YES);
    CHECK_INT(kernel_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(0 0,4 2,2 4,0 0))",
                         "POLYGON((0 0,3 0,3 3,0 0))"), IBMAP_COVERS_NO);
    /* nearly collinear: a vertex 1e-9 outside an edge far from the origin */
    CHECK_INT(kernel_wkt("POLYGON((620000 3340000,620010 3340000,620010 3340010,620000 3340010,620000 3340000))",
                         "POLYGON((620002 3340000,620005 3339999.999999999,620008 3340000,620005 3340005,620002 3340000))"),
              IBMAP_COVERS_NO);
    /* empty: left to GEOS */
    CHECK_INT(kernel_wkt(BLOCK, "POLYGON EMPTY"), IBMAP_COVERS_UNDECIDED);
}

#define SQ4 "POLYGON((0 0,4 0,4 4,0 4,0 0))"

TEST(hand_built_disjoint_cases)
{
    /* neighbours sharing an edge, a part of one, a vertex */
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((4 0,8 0,8 4,4 4,4 0))"), IBMAP_COVERS_YES);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((2 4,6 4,6 8,2 8,2 4))"), IBMAP_COVERS_YES);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((4 4,8 4,8 8,4 8,4 4))"), IBMAP_COVERS_YES);
    /* a neighbour whose vertices lie on the shared edge (a T-junction) */
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((4 1,4 3,7 3,7 1,4 1))"), IBMAP_COVERS_YES);
    /* apart, envelopes overlapping: an L and a square in its notch */
    CHECK_INT(disjoint_wkt("POLYGON((0 0,6 0,6 2,2 2,2 6,0 6,0 0))",
                           "POLYGON((3 3,5 3,5 5,3 5,3 3))"), IBMAP_COVERS_YES);
    /* equal (one ring reversed), overlapping, nested, nested touching */
    CHECK_INT(disjoint_wkt(SQ4, SQ4), IBMAP_COVERS_NO);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((0 0,0 4,4 4,4 0,0 0))"), IBMAP_COVERS_NO);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((2 2,6 2,6 6,2 6,2 2))"), IBMAP_COVERS_NO);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((1 1,3 1,3 3,1 3,1 1))"), IBMAP_COVERS_NO);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((0 0,4 0,2 3,0 0))"), IBMAP_COVERS_NO);
    /* a triangle inscribed with every vertex on the square's boundary */
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON((0 0,4 2,2 4,0 0))"), IBMAP_COVERS_NO);
    /* a polygon in the other's hole, and the hole exactly */
    CHECK_INT(disjoint_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                           "POLYGON((4 4,6 4,6 6,4 6,4 4))"), IBMAP_COVERS_YES);
    CHECK_INT(disjoint_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                           "POLYGON((3 3,7 3,7 7,3 7,3 3))"), IBMAP_COVERS_YES);
    CHECK_INT(disjoint_wkt("POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,7 3,7 7,3 7,3 3))",
                           "POLYGON((2 4,4 4,4 6,2 6,2 4))"), IBMAP_COVERS_NO);
    /* a thin sliver 1e-9 over a shared edge, far from the origin */
    CHECK_INT(disjoint_wkt("POLYGON((620000 3340000,620010 3340000,620010 3340010,620000 3340010,620000 3340000))",
                           "POLYGON((620002 3340000.000000001,620008 3340000,620005 3339995,620002 3340000.000000001))"),
              IBMAP_COVERS_NO);
    CHECK_INT(disjoint_wkt("POLYGON((620000 3340000,620010 3340000,620010 3340010,620000 3340010,620000 3340000))",
                           "POLYGON((620002 3340000,620008 3340000,620005 3339995,620002 3340000))"),
              IBMAP_COVERS_YES);
    /* multipolygons touching at corners, interleaved */
    CHECK_INT(disjoint_wkt("MULTIPOLYGON(((0 0,2 0,2 2,0 2,0 0)),((2 2,4 2,4 4,2 4,2 2)))",
                           "MULTIPOLYGON(((2 0,4 0,4 2,2 2,2 0)),((0 2,2 2,2 4,0 4,0 2)))"),
              IBMAP_COVERS_YES);
    /* a cross: edges crossing properly, no vertex inside the other; the
    ** kernel leaves it to GEOS (see covers.c) */
    CHECK_INT(disjoint_wkt("POLYGON((0 1,3 1,3 2,0 2,0 1))", "POLYGON((1 0,2 0,2 3,1 3,1 0))"),
              IBMAP_COVERS_UNDECIDED);
    CHECK_INT(disjoint_wkt(SQ4, "POLYGON EMPTY"), IBMAP_COVERS_UNDECIDED);
}

/* Deterministic pseudo-random bytes (a 64-bit LCG's high bytes). */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint8_t rbyte(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t)(rng >> 56);
}

TEST(grid_polygons_agree_with_geos)
{
    static const cg_map maps[4] = {{0, 0, 1}, {620000, 3340000, 1},
                                   {620000, 3340000, 0.1}, {0, 0, 1.0 / 3}};
    tally t = {0}, td = {0};
    /* a quarter under valgrind (scripts/test's memcheck pass), where each
    ** pair's four GEOS calls cost a hundred times more */
    int rounds = getenv("IBMAP_VALGRIND_ARGS") ? 6000 : 24000;
    for (int n = 0; n < rounds; n++) {
        const cg_map *m = &maps[n % 4];
        uint8_t a[6], b[32];
        for (int i = 0; i < 6; i++) a[i] = rbyte();
        for (int i = 0; i < 32; i++) b[i] = rbyte();
        GEOSGeometry *ga = cg_cells(h, a, m), *gb = NULL;
        int kind = (n / 4) % 4;
        if (kind == 0) {
            for (int i = 0; i < 6; i++) b[i] &= a[i];
            gb = cg_cells(h, b, m);
        } else if (kind == 3) {
            /* mostly the cells a leaves empty: neighbours, as in a tiling */
            for (int i = 0; i < 6; i++) b[i] &= (uint8_t)~a[i];
            gb = cg_cells(h, b, m);
        } else if (kind == 1) {
            gb = cg_cells(h, b, m);
        } else {
            size_t used;
            gb = cg_rings(h, b, sizeof b, m, &used);
        }
        if (ga && gb) {
            if (GEOSisValid_r(h, ga) == 1 && GEOSisValid_r(h, gb) == 1) {
                compare(ga, gb, &t);
                compare(gb, ga, &t);
                compare_disjoint(ga, gb, &td);
                compare_disjoint(gb, ga, &td);
            } else {
                t.skipped_invalid++;
            }
        }
        if (ga) GEOSGeom_destroy_r(h, ga);
        if (gb) GEOSGeom_destroy_r(h, gb);
    }
    print_tally("grid polygons", &t);
    print_tally("grid polygons, interiors disjoint", &td);
    CHECK_INT(t.disagree, 0);
    CHECK(t.yes > rounds / 48);
    CHECK(t.undecided < t.pairs / 100);
    CHECK_INT(td.disagree, 0);
    CHECK(td.yes > rounds / 48 && td.pairs - td.yes > rounds / 48);
    /* proper crossings, left to GEOS: the byte-built rings cross often */
    CHECK(td.undecided < td.pairs / 5);
}

/* Every block against every piece (as the overlay cuts them) whose
** envelope meets it, both ways round, for each overlay role. */
static void city_pairs(const char *project_path, const char *what)
{
    ibmap_project *p = NULL;
    ibmap_data *d = NULL;
    if (ibmap_project_read(ctx, project_path, &p) != IBMAP_OK ||
        ibmap_load(ctx, p, &d) != IBMAP_OK) {
        printf("# %s: %s\n", project_path, ibmap_errmsg(ctx));
        ibmap_project_free(p);
        test_current_failed = 1;
        return;
    }
    static const struct { ibmap_role role; int kind; } roles[] = {
        {IBMAP_ROLE_PARCELS, 0}, {IBMAP_ROLE_LANDUSE, 1},
        {IBMAP_ROLE_REDLINE, 2}, {IBMAP_ROLE_BASIC_FARMLAND, 2},
        {IBMAP_ROLE_PARKS, 2}, {IBMAP_ROLE_CENTRAL, 2},
        {IBMAP_ROLE_TRANSITION, 2}, {IBMAP_ROLE_CONTROL_UNITS, 2},
        {IBMAP_ROLE_TOWNS, 2}};
    static const char *kinds[3] = {"parcel", "land use", "zone"};
    tally t[3] = {{0}}, nested[3] = {{0}}, disjoint[2] = {{0}};
    const ibmap_layer *B = d->layers[IBMAP_ROLE_BLOCKS];
    int64_t *cand = NULL, cap = 0;
    for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++) {
        ibmap_zone_index *z = NULL;
        if (!d->layers[roles[k].role]) continue;
        if (ibmap_zone_index_build(ctx, d->layers[roles[k].role], 256, &z) != IBMAP_OK)
            break;
        signed char *valid = calloc((size_t)z->n + 1, 1);
        GEOSGeometry **piece = calloc((size_t)z->n + 1, sizeof *piece);
        for (int64_t i = 0; i < z->n; i++) {
            piece[i] = ibmap_shape_geos(h, z->pieces[i].shape);
            valid[i] = (signed char)(GEOSisValid_r(h, piece[i]) == 1);
        }
        tally *tk = &t[roles[k].kind], *nk = &nested[roles[k].kind];
        for (int64_t b = 0; b < B->n; b++) {
            if (!B->shape[b]) continue;
            GEOSGeometry *g = ibmap_shape_geos(h, B->shape[b]);
            int gvalid = GEOSisValid_r(h, g) == 1;
            double gx0, gy0, gx1, gy1;
            GEOSGeom_getExtent_r(h, g, &gx0, &gy0, &gx1, &gy1);
            int64_t n = ibmap_zone_index_query(h, z, g, &cand, &cap);
            for (int64_t c = 0; c < n; c++) {
                const GEOSGeometry *q = piece[cand[c]];
                if (!gvalid || !valid[cand[c]]) {
                    tk->skipped_invalid++;
                    continue;
                }
                double px0, py0, px1, py1;
                GEOSGeom_getExtent_r(h, q, &px0, &py0, &px1, &py1);
                int inside = px0 >= gx0 && py0 >= gy0 && px1 <= gx1 && py1 <= gy1;
                int around = px0 <= gx0 && py0 <= gy0 && px1 >= gx1 && py1 >= gy1;
                compare(g, q, tk);
                compare(q, g, tk);
                if (inside) compare(g, q, nk);
                if (around) compare(q, g, nk);
            }
            GEOSGeom_destroy_r(h, g);
        }
        /* land-use and parcel pieces against each other: the overlay asks
        ** whether those meeting one block overlap.  Not under valgrind
        ** (scripts/test's memcheck pass), where these 80,000 GEOS relates
        ** take minutes: memcheck sees the same kernel code through the
        ** grid polygons. */
        if (roles[k].kind < 2 && !getenv("IBMAP_VALGRIND_ARGS"))
            for (int64_t i = 0; i < z->n; i++) {
                int64_t n = ibmap_zone_index_query(h, z, piece[i], &cand, &cap);
                for (int64_t c = 0; c < n; c++) {
                    if (cand[c] <= i) continue;
                    if (!valid[i] || !valid[cand[c]]) {
                        disjoint[roles[k].kind].skipped_invalid++;
                        continue;
                    }
                    compare_disjoint(piece[i], piece[cand[c]], &disjoint[roles[k].kind]);
                    compare_disjoint(piece[cand[c]], piece[i], &disjoint[roles[k].kind]);
                }
            }
        for (int64_t i = 0; i < z->n; i++) GEOSGeom_destroy_r(h, piece[i]);
        free(piece);
        free(valid);
        ibmap_zone_index_free(h, z);
    }
    free(cand);
    long disagree = 0;
    for (int k = 0; k < 3; k++) {
        char label[128];
        snprintf(label, sizeof label, "%s, block × %s, both ways", what, kinds[k]);
        print_tally(label, &t[k]);
        snprintf(label, sizeof label, "%s, block × %s, envelopes nested (the overlay's calls)",
                 what, kinds[k]);
        print_tally(label, &nested[k]);
        disagree += t[k].disagree;
    }
    for (int k = 0; k < 2; k++) {
        char label[128];
        snprintf(label, sizeof label, "%s, %s × %s, interiors disjoint", what, kinds[k],
                 kinds[k]);
        print_tally(label, &disjoint[k]);
        disagree += disjoint[k].disagree;
    }
    ibmap_data_free(d);
    ibmap_project_free(p);
    CHECK_INT(disagree, 0);
    CHECK(t[0].pairs > 1000 && t[1].pairs > 100 && t[2].pairs > 100);
    if (!getenv("IBMAP_VALGRIND_ARGS")) CHECK(disjoint[0].pairs > 1000 && disjoint[1].pairs > 100);
}

TEST(sample_city_pairs_agree_with_geos)
{
    char project[4200];
    snprintf(project, sizeof project, "%s/layers/sample/project.yaml", test_source_root());
    city_pairs(project, "sample city");
}

TEST(messy_city_pairs_agree_with_geos)
{
    /* Under valgrind (scripts/test's memcheck pass) this city would take
    ** ten minutes; memcheck sees the same code through the sample's pairs,
    ** and the messy city runs in the normal and ASan builds. */
    if (getenv("IBMAP_VALGRIND_ARGS"))
        SKIP("under valgrind: the sample's pairs cover the same code");
    char cmd[16384], project[4300];
    snprintf(cmd, sizeof cmd, "'%s' --out '%s/messy' --messy --seed 11 --quiet > /dev/null",
             getenv("IBMAP_MAKE_SAMPLE"), dir);
    CHECK_INT(system(cmd), 0);
    snprintf(project, sizeof project, "%s/messy/project.yaml", dir);
    city_pairs(project, "messy city");
}

int main(void)
{
    dir = test_scratch_dir("test_covers");
    ctx = ibmap_ctx_new();
    h = ctx->geos;
    RUN(hand_built_cases);
    RUN(hand_built_disjoint_cases);
    RUN(grid_polygons_agree_with_geos);
    RUN(sample_city_pairs_agree_with_geos);
    RUN(messy_city_pairs_agree_with_geos);
    ibmap_cover_geom_free(&ca);
    ibmap_cover_geom_free(&cb);
    ibmap_cover_scratch_free(&scratch);
    ibmap_ctx_free(ctx);
    return test_finish();
}
