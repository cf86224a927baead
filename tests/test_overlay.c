/*
** test_overlay.c — per-block metrics against areas worked out by hand, and
** conservation and determinism on the sample city.
**
** Every geometry below sits near (620000, 3340000) in EPSG:4549 and is
** described in the comment above its test; the expected numbers follow
** from plane geometry.
*/
#include <math.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static const char *dir;

#define X0 620000
#define Y0 3340000

/* A polygon WKT from corner offsets relative to (X0, Y0). */
static const char *poly(char *buf, size_t n, const double *xy, int npts)
{
    size_t len = (size_t)snprintf(buf, n, "POLYGON((");
    for (int i = 0; i < npts; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%.3f %.3f", i ? "," : "",
                                X0 + xy[2 * i], Y0 + xy[2 * i + 1]);
    snprintf(buf + len, n - len, ",%.3f %.3f))", X0 + xy[0], Y0 + xy[1]);
    return buf;
}

static const char *rect(char *buf, size_t n, double x0, double y0, double x1,
                        double y1)
{
    double xy[] = {x0, y0, x1, y0, x1, y1, x0, y1};
    return poly(buf, n, xy, 4);
}

/* Write a layer of rows "WKT|field|field" into its own GeoPackage and point
** the project's role at it. */
static void set_layer(ibmap_project *p, const char *role, const char *fields,
                      const char *const *rows)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.gpkg", dir, role);
    remove(path);
    fx_layer(path, "GPKG", role, 4549, NULL, fields, rows);
    ibmap_project_set(ctx, p, role, path);
}

static ibmap_metrics *overlay(ibmap_project *p, ibmap_data **data,
                              ibmap_parcel_mode mode)
{
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    o.threads = 2;
    o.parcels = mode;
    ibmap_metrics *m = NULL;
    if (ibmap_load(ctx, p, data) != IBMAP_OK) {
        printf("# load: %s\n", ibmap_errmsg(ctx));
        return NULL;
    }
    if (ibmap_overlay(ctx, *data, &o, &m) != IBMAP_OK) {
        printf("# overlay: %s\n", ibmap_errmsg(ctx));
        return NULL;
    }
    return m;
}

static double num(const ibmap_metrics *m, int64_t b, const char *name)
{
    return ibmap_metrics_number(m, b, ibmap_metric_index(name));
}

static const char *text(const ibmap_metrics *m, int64_t b, const char *name)
{
    return ibmap_metrics_text(m, b, ibmap_metric_index(name));
}

/* Blocks: A = 100x100 square at the origin; L = an L-shape (a 100x100
** square less its top-right 50x50 quarter: 7500 m², perimeter 400);
** H = a 100x100 square with a 20x20 hole (9600 m²);
** M = two 10x10 squares 100 m apart (200 m², 2 parts). */
static ibmap_project *geometry_city(void)
{
    ibmap_project *p = fx_city(ctx, dir);
    static char b[4][512];
    double l[] = {1000, 0, 1100, 0, 1100, 50, 1050, 50, 1050, 100, 1000, 100};
    snprintf(b[0], 512, "%s|A", rect((char[400]){0}, 400, 0, 0, 100, 100));
    snprintf(b[1], 512, "%s|L", poly((char[400]){0}, 400, l, 6));
    snprintf(b[2], 512,
             "POLYGON((%d %d,%d %d,%d %d,%d %d,%d %d),(%d %d,%d %d,%d %d,%d %d,%d %d))|H",
             X0 + 2000, Y0, X0 + 2100, Y0, X0 + 2100, Y0 + 100, X0 + 2000, Y0 + 100, X0 + 2000, Y0,
             X0 + 2040, Y0 + 40, X0 + 2060, Y0 + 40, X0 + 2060, Y0 + 60, X0 + 2040, Y0 + 60, X0 + 2040, Y0 + 40);
    snprintf(b[3], 512,
             "MULTIPOLYGON(((%d %d,%d %d,%d %d,%d %d,%d %d)),((%d %d,%d %d,%d %d,%d %d,%d %d)))|M",
             X0 + 3000, Y0, X0 + 3010, Y0, X0 + 3010, Y0 + 10, X0 + 3000, Y0 + 10, X0 + 3000, Y0,
             X0 + 3100, Y0, X0 + 3110, Y0, X0 + 3110, Y0 + 10, X0 + 3100, Y0 + 10, X0 + 3100, Y0);
    const char *rows[] = {b[0], b[1], b[2], b[3], NULL};
    set_layer(p, "blocks", "QKBH:s", rows);
    return p;
}

TEST(block_geometry_metrics)
{
    ibmap_project *p = geometry_city();
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_INT(ibmap_metrics_count(m), 4);
    CHECK_STR(ibmap_metrics_block_id(m, 1), "L");
    CHECK_NEAR(num(m, 0, "area_m2"), 10000, 1e-9);
    CHECK_NEAR(num(m, 0, "area_mu"), 15, 1e-12);
    CHECK_NEAR(num(m, 0, "perimeter_m"), 400, 1e-9);
    CHECK_NEAR(num(m, 0, "compactness"), M_PI / 4, 1e-12);
    CHECK_NEAR(num(m, 1, "area_m2"), 7500, 1e-9);
    CHECK_NEAR(num(m, 1, "perimeter_m"), 400, 1e-9);
    CHECK_NEAR(num(m, 2, "area_m2"), 9600, 1e-9);
    CHECK_NEAR(num(m, 2, "perimeter_m"), 480, 1e-9); /* holes count */
    CHECK_NEAR(num(m, 3, "area_m2"), 200, 1e-9);
    CHECK_NEAR(num(m, 3, "n_parts"), 2, 0);
    CHECK_STR(text(m, 0, "metric_status"), "ok");
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Red lines: R1 covers the left half of A and the whole of L; R2 = x 25..75
** over A overlaps R1 on x 25..50 (union with R1 over A: x 0..75 = 7500);
** R3 = 10x10 inside H's ring (not in the hole): 100 m²; the hole of H is
** not red-line area even though R4 covers H's whole envelope: H's area. */
TEST(redline_union_once_inside_and_around)
{
    ibmap_project *p = geometry_city();
    static char r[5][512];
    snprintf(r[0], 512, "%s|R1|a", rect((char[400]){0}, 400, -10, -10, 50, 110));
    snprintf(r[1], 512, "%s|R2|b", rect((char[400]){0}, 400, 25, -10, 75, 110));
    snprintf(r[2], 512, "%s|R1b|c", rect((char[400]){0}, 400, 990, -10, 1200, 200));
    snprintf(r[3], 512, "%s|R3|d", rect((char[400]){0}, 400, 2005, 5, 2015, 15));
    snprintf(r[4], 512, "%s|R4|e", rect((char[400]){0}, 400, 2900, -50, 3050, 50));
    const char *rows[] = {r[0], r[1], r[2], r[3], r[4], NULL};
    set_layer(p, "redline", "HXBH:s,HXMC:s", rows);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "redline_m2"), 7500, 1e-6);    /* union, not 10000 */
    CHECK_NEAR(num(m, 0, "redline_share"), 0.75, 1e-10);
    CHECK_STR(text(m, 0, "redline_id"), "R1");          /* 5000 each: a tie, the first wins */
    CHECK_NEAR(num(m, 1, "redline_m2"), 7500, 1e-9);    /* L inside R1b */
    CHECK_NEAR(num(m, 1, "redline_share"), 1, 1e-12);
    CHECK_NEAR(num(m, 2, "redline_m2"), 100, 1e-9);     /* R3 inside H */
    CHECK_STR(text(m, 2, "redline_id"), "R3");
    CHECK_NEAR(num(m, 3, "redline_m2"), 100, 1e-9);     /* one part of M */
    CHECK_NEAR(num(m, 3, "redline_share"), 0.5, 1e-12);
    /* optional roles not given stay undefined, not 0 */
    CHECK(isnan(num(m, 0, "central_m2")));
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Parks: P1 covers A's left 30 m (3000 m²), P2 its right 60 m (6000 m²):
** A is in both (9000 m²) and named after P2, the larger.  L starts at
** x 1000 and P2 ends at x 100: 900 m away; M starts at x 3000: 2900 m. */
TEST(block_straddling_two_parks_and_distance)
{
    ibmap_project *p = geometry_city();
    static char r[2][512];
    snprintf(r[0], 512, "%s|P1|甲园区", rect((char[400]){0}, 400, -50, -50, 30, 150));
    snprintf(r[1], 512, "%s|P2|乙园区", rect((char[400]){0}, 400, 40, -50, 100, 150));
    const char *rows[] = {r[0], r[1], NULL};
    set_layer(p, "parks", "YQBH:s,YQMC:s", rows);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "parks_m2"), 9000, 1e-6);
    CHECK_STR(text(m, 0, "park_name"), "乙园区");
    CHECK_STR(text(m, 0, "parks_id"), "P2");
    CHECK_NEAR(num(m, 0, "park_distance_m"), 0, 0);
    CHECK_NEAR(num(m, 1, "park_distance_m"), 900, 1e-9);
    CHECK_NEAR(num(m, 3, "park_distance_m"), 2900, 1e-9);
    CHECK(text(m, 1, "park_name") == NULL);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* A red line of 4,000 vertices (a circle of radius 500 m around A's
** centre) is cut into pieces of at most 256 vertices; the overlap with A
** (inside the circle entirely) must be A's full area, and with a ring
** block crossing the circle the same as without cutting. */
TEST(huge_zone_is_subdivided_without_changing_areas)
{
    ibmap_project *p = geometry_city();
    enum { NV = 4000 };
    static char big[NV * 48 + 64];
    size_t len = (size_t)snprintf(big, sizeof big, "POLYGON((");
    for (int i = 0; i <= NV; i++) {
        double t = 2 * M_PI * (i % NV) / NV;
        len += (size_t)snprintf(big + len, sizeof big - len, "%s%.6f %.6f", i ? "," : "",
                                X0 + 50 + 500 * cos(t), Y0 + 50 + 500 * sin(t));
    }
    snprintf(big + len, sizeof big - len, "))|BIG|圆");
    const char *rows[] = {big, NULL};
    set_layer(p, "redline", "HXBH:s,HXMC:s", rows);
    ibmap_data *d1, *d2;
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    ibmap_metrics *m1 = NULL, *m2 = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d1), IBMAP_OK);
    CHECK_INT(ibmap_load(ctx, p, &d2), IBMAP_OK);
    ibmap_project_free(p);
    CHECK_INT(ibmap_overlay(ctx, d1, &o, &m1), IBMAP_OK);
    o.max_piece_vertices = 1 << 30; /* no cutting */
    CHECK_INT(ibmap_overlay(ctx, d2, &o, &m2), IBMAP_OK);
    CHECK_NEAR(num(m1, 0, "redline_m2"), 10000, 1e-6);
    /* L (x 1000..1100) is outside the circle (reaches x 550) */
    CHECK_NEAR(num(m1, 1, "redline_m2"), 0, 0);
    for (int b = 0; b < 4; b++)
        CHECK_REL(num(m1, b, "redline_m2"), num(m2, b, "redline_m2"), 1e-9);
    ibmap_metrics_free(m1);
    ibmap_metrics_free(m2);
    ibmap_data_free(d1);
    ibmap_data_free(d2);
}

/* Parcels: Q1 lies 70 m in A and 30 m in a block B2 to its right (A is
** x 0..100; B2 is x 100..200); Q2 lies wholly in B2; Q3 in no block.
** Majority: Q1 → A.  Apportion: 70% of Q1's tax to A, 30% to B2. */
TEST(parcel_straddling_two_blocks)
{
    ibmap_project *p = fx_city(ctx, dir);
    static char b[2][512], q[3][512];
    snprintf(b[0], 512, "%s|A", rect((char[400]){0}, 400, 0, 0, 100, 100));
    snprintf(b[1], 512, "%s|B2", rect((char[400]){0}, 400, 100, 0, 200, 100));
    const char *blocks[] = {b[0], b[1], NULL};
    set_layer(p, "blocks", "QKBH:s", blocks);
    snprintf(q[0], 512, "%s|Q1|100|15|A", rect((char[400]){0}, 400, 30, 0, 130, 100));
    snprintf(q[1], 512, "%s|Q2|40|5|C", rect((char[400]){0}, 400, 150, 0, 200, 100));
    snprintf(q[2], 512, "%s|Q3|7|1|D", rect((char[400]){0}, 400, 500, 0, 510, 10));
    const char *parcels[] = {q[0], q[1], q[2], NULL};
    set_layer(p, "parcels", "ZDDM:s,SSHJ:r,YDMJ:r,MJDJ:s", parcels);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    CHECK(m != NULL);
    CHECK_INT(ibmap_metrics_parcel_block(m, 0), 0);
    CHECK_INT(ibmap_metrics_parcel_block(m, 1), 1);
    CHECK_INT(ibmap_metrics_parcel_block(m, 2), -1);
    CHECK_NEAR(num(m, 0, "n_parcels"), 1, 0);
    CHECK_NEAR(num(m, 0, "tax_sum"), 100, 0);
    CHECK_NEAR(num(m, 0, "tax_per_mu"), 100.0 / 15, 1e-12);
    CHECK_NEAR(num(m, 0, "grade_a_share"), 1, 0);
    CHECK_NEAR(num(m, 1, "tax_sum"), 40, 0);
    CHECK_NEAR(num(m, 1, "small_parcel_share"), 1, 0); /* 5 亩 < 10 */
    CHECK_INT(fx_count(d, IBMAP_ROLE_PARCELS, "parcel_outside_blocks"), 1);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
    m = overlay(p, &d, IBMAP_PARCELS_APPORTION);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "tax_sum"), 70, 1e-9);
    CHECK_NEAR(num(m, 1, "tax_sum"), 30 + 40, 1e-9);
    CHECK_NEAR(num(m, 0, "land_mu_sum"), 10.5, 1e-9);
    CHECK_NEAR(num(m, 1, "grade_a_share"), 4.5 / 9.5, 1e-12);
    CHECK_NEAR(num(m, 1, "n_parcels"), 2, 0);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Missing is never zero.  Block A (100x100) holds three parcels, each with
** its own land_mu: Q1 6 亩, tax 60, floor 4000 m²; Q2 4 亩, tax missing
** ("~": NULL), floor 2000; Q3 2 亩, tax 10, floor missing.
**   tax_per_mu = (60 + 10) / (6 + 2) = 8.75 (not 70 / 12 = 5.83);
**   tax_known_land_share = 8 / 12;  tax_sum = 70;
**   far = (4000 + 2000) / ((6 + 4) × 10000/15) = 0.9;
**   floor_known_land_share = 10 / 12;
**   value added: none given → va_per_mu NULL, va_known_land_share 0. */
TEST(rates_over_parcels_whose_value_is_known)
{
    ibmap_project *p = fx_city(ctx, dir);
    static char b[1][512], q[3][512];
    snprintf(b[0], 512, "%s|A", rect((char[400]){0}, 400, 0, 0, 100, 100));
    const char *blocks[] = {b[0], NULL};
    set_layer(p, "blocks", "QKBH:s", blocks);
    snprintf(q[0], 512, "%s|Q1|60|6|4000|~", rect((char[400]){0}, 400, 0, 0, 50, 100));
    snprintf(q[1], 512, "%s|Q2|~|4|2000|~", rect((char[400]){0}, 400, 50, 0, 100, 50));
    snprintf(q[2], 512, "%s|Q3|10|2|~|~", rect((char[400]){0}, 400, 50, 50, 100, 100));
    const char *parcels[] = {q[0], q[1], q[2], NULL};
    set_layer(p, "parcels", "ZDDM:s,SSHJ:r,YDMJ:r,JZMJ:r,ZJZ:r", parcels);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "n_parcels"), 3, 0);
    CHECK_NEAR(num(m, 0, "land_mu_sum"), 12, 1e-12);
    CHECK_NEAR(num(m, 0, "tax_sum"), 70, 1e-12);
    CHECK_NEAR(num(m, 0, "tax_per_mu"), 8.75, 1e-12);
    CHECK_NEAR(num(m, 0, "tax_known_land_share"), 8.0 / 12, 1e-12);
    CHECK_NEAR(num(m, 0, "far"), 0.9, 1e-12);
    CHECK_NEAR(num(m, 0, "floor_known_land_share"), 10.0 / 12, 1e-12);
    CHECK(isnan(num(m, 0, "va_per_mu")));
    CHECK(isnan(num(m, 0, "value_added_sum")));
    CHECK_NEAR(num(m, 0, "va_known_land_share"), 0, 0);
    CHECK(isnan(num(m, 0, "n_lsl"))); /* no parcel has the flag */
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* A self-intersecting (bow-tie) transition zone over A: repaired on load
** into two triangles of 2500 m² each, both inside A: 5000 m². */
TEST(self_intersecting_zone_is_measured_after_repair)
{
    ibmap_project *p = geometry_city();
    static char r[1][512];
    snprintf(r[0], 512, "POLYGON((%d %d,%d %d,%d %d,%d %d,%d %d))|T1|过渡区", X0, Y0,
             X0 + 100, Y0 + 100, X0 + 100, Y0, X0, Y0 + 100, X0, Y0);
    const char *rows[] = {r[0], NULL};
    set_layer(p, "transition", "BH:s,MC:s", rows);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "transition_m2"), 5000, 1e-6);
    CHECK_NEAR(num(m, 0, "transition_share"), 0.5, 1e-10);
    CHECK_INT(fx_count(d, IBMAP_ROLE_TRANSITION, "invalid_geometry"), 1);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Control units: A split in a priority unit (x < 20: 2000), a key
** industrial one (20..60: 4000) and a general one (60..100: 4000); the
** largest is the key one, listed first of the two 4000s. */
TEST(control_unit_areas_by_type)
{
    ibmap_project *p = geometry_city();
    static char r[3][512];
    snprintf(r[0], 512, "%s|ZH33028210001|甲优先保护单元|1", rect((char[400]){0}, 400, -100, -100, 20, 200));
    snprintf(r[1], 512, "%s|ZH33028220002|乙产业集聚重点管控单元|2", rect((char[400]){0}, 400, 20, -100, 60, 200));
    snprintf(r[2], 512, "%s|ZH33028230003|丙一般管控单元|3", rect((char[400]){0}, 400, 60, -100, 5000, 200));
    const char *rows[] = {r[0], r[1], r[2], NULL};
    set_layer(p, "control_units", "HJGKDYBM:s,HJGKDYMC:s,ZHGKDYFL:s", rows);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "cu_priority_m2"), 2000, 1e-6);
    CHECK_NEAR(num(m, 0, "cu_key_industry_m2"), 4000, 1e-6);
    CHECK_NEAR(num(m, 0, "cu_general_m2"), 4000, 1e-6);
    CHECK_NEAR(num(m, 0, "cu_key_urban_m2"), 0, 0);
    CHECK_STR(text(m, 0, "cu_code"), "ZH33028220002");
    CHECK_STR(text(m, 0, "cu_type"), "key_industry");
    CHECK_STR(text(m, 1, "cu_type"), "general");
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Land use over A: 0601 on x 0..60 (6000), 1201 on 60..100 (4000), plus a
** second 0601 polygon outside A; the long table has two rows for A. */
TEST(landuse_composition_and_long_table)
{
    ibmap_project *p = geometry_city();
    static char r[3][512];
    snprintf(r[0], 512, "%s|0601|工业用地", rect((char[400]){0}, 400, 0, 0, 60, 100));
    snprintf(r[1], 512, "%s|1201|空闲地", rect((char[400]){0}, 400, 60, 0, 100, 100));
    snprintf(r[2], 512, "%s|0601|工业用地", rect((char[400]){0}, 400, 1000, 0, 1100, 50));
    const char *rows[] = {r[0], r[1], r[2], NULL};
    set_layer(p, "landuse", "DLBM:s,DLMC:s", rows);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "lu_industrial_m2"), 6000, 1e-9);
    CHECK_NEAR(num(m, 0, "lu_other_m2"), 4000, 1e-9);
    CHECK_NEAR(num(m, 0, "lu_industrial_share"), 0.6, 1e-12);
    CHECK_NEAR(num(m, 0, "lu_covered_m2"), 10000, 1e-9);
    CHECK_NEAR(num(m, 1, "lu_industrial_m2"), 5000, 1e-9);
    CHECK_INT(ibmap_metrics_landuse_count(m), 3);
    int64_t blk;
    const char *code;
    double area, share;
    CHECK_INT(ibmap_metrics_landuse_row(m, 1, &blk, &code, &area, &share), IBMAP_OK);
    CHECK_INT(blk, 0);
    CHECK_STR(code, "1201");
    CHECK_NEAR(area, 4000, 1e-9);
    CHECK_NEAR(share, 0.4, 1e-12);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Overlapping land-use polygons inside block A (100x100): L1 industrial
** x 0..60 (6000 m²); L2 空闲地 x 40..100 (6000), overlapping L1 on x 40..60
** (2000); L3 industrial x 0..60 again, a copy of L1.  Summed, industrial
** was 12000 m² (share 1.2) and the cover 18000.  Counted once, in layer
** order: L1 keeps its 6000, L2 keeps x 60..100 (4000), L3 nothing:
** industrial 6000 (share 0.6), other 4000, covered 10000; L2 and L3 are
** logged with 2000 and 6000 m². */
TEST(overlapping_landuse_is_counted_once)
{
    ibmap_project *p = geometry_city();
    static char r[3][512];
    snprintf(r[0], 512, "%s|0601|工业用地", rect((char[400]){0}, 400, 0, 0, 60, 100));
    snprintf(r[1], 512, "%s|1201|空闲地", rect((char[400]){0}, 400, 40, 0, 100, 100));
    snprintf(r[2], 512, "%s|0601|工业用地", rect((char[400]){0}, 400, 0, 0, 60, 100));
    const char *rows[] = {r[0], r[1], r[2], NULL};
    set_layer(p, "landuse", "DLBM:s,DLMC:s", rows);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_NEAR(num(m, 0, "lu_industrial_m2"), 6000, 1e-6);
    CHECK_NEAR(num(m, 0, "lu_other_m2"), 4000, 1e-6);
    CHECK_NEAR(num(m, 0, "lu_industrial_share"), 0.6, 1e-10);
    CHECK_NEAR(num(m, 0, "lu_covered_m2"), 10000, 1e-6);
    CHECK(num(m, 0, "lu_covered_m2") <= num(m, 0, "area_m2") * (1 + 1e-12));
    double total_share = 0;
    for (int64_t i = 0; i < ibmap_metrics_landuse_count(m); i++) {
        int64_t blk;
        double share;
        CHECK_INT(ibmap_metrics_landuse_row(m, i, &blk, NULL, NULL, &share), IBMAP_OK);
        CHECK(share <= 1);
        if (blk == 0) total_share += share;
    }
    CHECK_NEAR(total_share, 1, 1e-10);
    CHECK_INT(fx_count(d, IBMAP_ROLE_LANDUSE, "landuse_overlap"), 2);
    int seen = 0;
    for (int64_t i = 0; i < ibmap_data_defect_count(d); i++) {
        ibmap_defect e;
        ibmap_data_defect(d, i, &e);
        if (strcmp(e.problem, "landuse_overlap") != 0) continue;
        CHECK_STR(e.value, seen == 0 ? "2000.000" : "6000.000");
        seen++;
    }
    CHECK_INT(seen, 2);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Two overlapping blocks: A x 0..100 and B x 80..180 (both 100 m tall)
** share x 80..100: 2000 m²; C (x 300..400) overlaps nothing, and D (x
** 400..500) only touches C along an edge.  Keep: both A and B measure
** 10000 m² and carry overlap_m2 2000; split: B, the higher id, loses the
** strip (8000 m², and its parcel-free land-use cover drops alike), A
** keeps 10000.  Either way one block_overlap entry names the pair. */
static ibmap_project *overlapping_blocks(const char *mode)
{
    ibmap_project *p = fx_city(ctx, dir);
    static char b[4][512], l[1][512];
    snprintf(b[0], 512, "%s|A", rect((char[400]){0}, 400, 0, 0, 100, 100));
    snprintf(b[1], 512, "%s|B", rect((char[400]){0}, 400, 80, 0, 180, 100));
    snprintf(b[2], 512, "%s|C", rect((char[400]){0}, 400, 300, 0, 400, 100));
    snprintf(b[3], 512, "%s|D", rect((char[400]){0}, 400, 400, 0, 500, 100));
    const char *blocks[] = {b[1], b[0], b[2], b[3], NULL}; /* B first: ids decide, not order */
    set_layer(p, "blocks", "QKBH:s", blocks);
    snprintf(l[0], 512, "%s|0601|工业用地", rect((char[400]){0}, 400, -100, -100, 600, 200));
    const char *rows[] = {l[0], NULL};
    set_layer(p, "landuse", "DLBM:s,DLMC:s", rows);
    if (mode) ibmap_project_set(ctx, p, "block_overlaps", mode);
    return p;
}

static const char *overlap_entry(const ibmap_data *d, const char **action)
{
    for (int64_t i = 0; i < ibmap_data_defect_count(d); i++) {
        ibmap_defect e;
        ibmap_data_defect(d, i, &e);
        if (strcmp(e.problem, "block_overlap") != 0) continue;
        *action = e.action;
        return e.detail;
    }
    return NULL;
}

TEST(overlapping_blocks_kept_and_flagged)
{
    ibmap_project *p = overlapping_blocks(NULL); /* keep is the default */
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    CHECK_STR(ibmap_metrics_block_id(m, 0), "B");
    CHECK_NEAR(num(m, 0, "area_m2"), 10000, 1e-9);
    CHECK_NEAR(num(m, 1, "area_m2"), 10000, 1e-9);
    CHECK_NEAR(num(m, 0, "overlap_m2"), 2000, 1e-6);
    CHECK_NEAR(num(m, 1, "overlap_m2"), 2000, 1e-6);
    CHECK_NEAR(num(m, 2, "overlap_m2"), 0, 0);
    CHECK_NEAR(num(m, 3, "overlap_m2"), 0, 0); /* touching is not overlapping */
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "block_overlap"), 1);
    const char *action = NULL, *detail = overlap_entry(d, &action);
    CHECK_STR(detail, "blocks A and B overlap by 2000.000 m² (3.0000 亩)");
    CHECK(action && strncmp(action, "kept", 4) == 0);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
    /* check's own count, from the loaded data alone */
    p = overlapping_blocks("keep");
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    int64_t pairs = -1;
    double area = -1;
    CHECK_INT(ibmap_block_overlaps(ctx, d, &pairs, &area), IBMAP_OK);
    CHECK_INT(pairs, 1);
    CHECK_NEAR(area, 2000, 1e-6);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "block_overlap"), 1);
    ibmap_data_free(d);
}

TEST(overlapping_blocks_split_to_the_lower_id)
{
    ibmap_project *p = overlapping_blocks("split");
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    /* B (index 0) gives x 80..100 to A (index 1) */
    CHECK_NEAR(num(m, 0, "area_m2"), 8000, 1e-6);
    CHECK_NEAR(num(m, 0, "area_mu"), 12, 1e-9);
    CHECK_NEAR(num(m, 0, "perimeter_m"), 360, 1e-6);
    CHECK_NEAR(num(m, 0, "lu_industrial_m2"), 8000, 1e-6);
    CHECK_NEAR(num(m, 0, "lu_industrial_share"), 1, 1e-12);
    CHECK_NEAR(num(m, 1, "area_m2"), 10000, 1e-9);
    CHECK_NEAR(num(m, 1, "lu_industrial_m2"), 10000, 1e-6);
    CHECK_NEAR(num(m, 0, "area_m2") + num(m, 1, "area_m2"), 18000, 1e-6); /* the union */
    CHECK_NEAR(num(m, 0, "overlap_m2"), 2000, 1e-6);
    CHECK_NEAR(num(m, 1, "overlap_m2"), 2000, 1e-6);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "block_overlap"), 1);
    const char *action = NULL, *detail = overlap_entry(d, &action);
    CHECK_STR(detail, "blocks A and B overlap by 2000.000 m² (3.0000 亩)");
    CHECK_STR(action, "split: the overlap stays in the block named first (the lower id); "
                      "the other is measured without it");
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* area: ellipsoidal.  A (100 m x 100 m at x 620000, 120 km east of the
** central meridian) is enlarged by the projection: its area on the
** ellipsoid is the planar area divided by PROJ's areal scale factor there
** (proj_factors), an independent route to the same number. */
TEST(ellipsoidal_area_mode)
{
    ibmap_project *p = geometry_city();
    static char r[1][512];
    snprintf(r[0], 512, "%s|R1|a", rect((char[400]){0}, 400, -10, -10, 50, 110));
    const char *rows[] = {r[0], NULL};
    set_layer(p, "redline", "HXBH:s,HXMC:s", rows);
    CHECK_INT(ibmap_project_set(ctx, p, "area", "ellipsoidal"), IBMAP_OK);
    ibmap_data *d;
    ibmap_metrics *m = overlay(p, &d, IBMAP_PARCELS_MAJORITY);
    ibmap_project_free(p);
    CHECK(m != NULL);
    PJ_CONTEXT *pc = proj_context_create();
    /* the projection of EPSG:4549 as an operation: proj_factors wants one */
    PJ *gk = proj_create(pc, "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80");
    PJ *inv = proj_create_crs_to_crs(pc, "EPSG:4549", "EPSG:4490", NULL);
    PJ *norm = proj_normalize_for_visualization(pc, inv);
    PJ_COORD c = proj_trans(norm, PJ_FWD, proj_coord(X0 + 50, Y0 + 50, 0, 0));
    PJ_FACTORS f = proj_factors(gk, proj_coord(proj_torad(c.lp.lam), proj_torad(c.lp.phi), 0, 0));
    proj_destroy(norm);
    proj_destroy(inv);
    proj_destroy(gk);
    proj_context_destroy(pc);
    printf("# areal scale at A: %.9f\n", f.areal_scale);
    CHECK(f.areal_scale > 1.0003 && f.areal_scale < 1.0004);
    CHECK_REL(num(m, 0, "area_m2"), 10000 / f.areal_scale, 1e-7);
    CHECK_REL(num(m, 0, "redline_m2"), 5000 / f.areal_scale, 1e-7);
    CHECK_NEAR(num(m, 0, "redline_share"), 0.5, 1e-10);
    CHECK_REL(num(m, 0, "area_mu"), num(m, 0, "area_m2") * 15 / 10000, 1e-12);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* The sample city                                                        */
/* ---------------------------------------------------------------------- */

static ibmap_data *sample;

static ibmap_metrics *sample_overlay(int threads, ibmap_parcel_mode mode)
{
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    o.threads = threads;
    o.parcels = mode;
    ibmap_metrics *m = NULL;
    return ibmap_overlay(ctx, sample, &o, &m) == IBMAP_OK ? m : NULL;
}

TEST(sample_byte_identical_for_1_2_and_4_threads)
{
    char path[3][4200];
    for (int k = 0; k < 3; k++) {
        ibmap_metrics *m = sample_overlay(k == 2 ? 4 : k + 1, IBMAP_PARCELS_MAJORITY);
        CHECK(m != NULL);
        snprintf(path[k], sizeof path[k], "%s/sample_t%d.csv", dir, k);
        CHECK_INT(ibmap_metrics_write_csv(ctx, m, path[k]), IBMAP_OK);
        ibmap_metrics_free(m);
    }
    char cmd[4 * sizeof path[0] + 64];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s' && cmp -s '%s' '%s'", path[0],
             path[1], path[0], path[2]);
    CHECK_INT(system(cmd), 0);
}

TEST(sample_every_block_once_and_landuse_sums_to_area)
{
    ibmap_metrics *m = sample_overlay(0, IBMAP_PARCELS_MAJORITY);
    CHECK(m != NULL);
    const ibmap_layer *B = ibmap_data_layer(sample, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_metrics_count(m), ibmap_layer_count(B));
    int checked = 0;
    for (int64_t b = 0; b < ibmap_metrics_count(m); b++) {
        CHECK_STR(ibmap_metrics_block_id(m, b), ibmap_layer_id(B, b));
        CHECK_STR(text(m, b, "metric_status"), "ok");
        /* the sample's DLTB tiles every block exactly */
        CHECK_REL(num(m, b, "lu_covered_m2"), num(m, b, "area_m2"), 1e-9);
        CHECK_REL(num(m, b, "area_m2"), ibmap_layer_area(B, b), 0);
        checked++;
    }
    CHECK_INT(checked, 300);
    ibmap_metrics_free(m);
}

/* In apportion mode the blocks' tax adds up to each parcel's tax times the
** part of it inside blocks, computed here independently by brute force.
** Parcels whose tax was never collected (the sample has some: blocks with
** no tax at all are 数据不足) carry nothing, and a block without any known
** tax has a NULL tax_sum: both are left out of the sums. */
TEST(sample_apportioned_tax_is_conserved)
{
    ibmap_metrics *m = sample_overlay(2, IBMAP_PARCELS_APPORTION);
    CHECK(m != NULL);
    double blocks_total = 0;
    for (int64_t b = 0; b < ibmap_metrics_count(m); b++)
        if (isfinite(num(m, b, "tax_sum"))) blocks_total += num(m, b, "tax_sum");
    const ibmap_layer *B = ibmap_data_layer(sample, IBMAP_ROLE_BLOCKS);
    const ibmap_layer *P = ibmap_data_layer(sample, IBMAP_ROLE_PARCELS);
    GEOSContextHandle_t h = ctx->geos;
    double expected = 0, source = 0;
    for (int64_t p = 0; p < P->n; p++) {
        double tax = ibmap_layer_number(P, p, "tax");
        if (!isfinite(tax)) continue;
        source += tax;
        if (!P->shape[p]) continue;
        double inside = 0, px0, py0, px1, py1;
        ibmap_shape_extent(h, P->shape[p], &px0, &py0, &px1, &py1);
        GEOSGeometry *pg = ibmap_shape_geos(h, P->shape[p]);
        for (int64_t b = 0; b < B->n; b++) {
            double bx0, by0, bx1, by1;
            if (!B->shape[b]) continue;
            ibmap_shape_extent(h, B->shape[b], &bx0, &by0, &bx1, &by1);
            if (bx0 > px1 || bx1 < px0 || by0 > py1 || by1 < py0) continue;
            GEOSGeometry *bg = ibmap_shape_geos(h, B->shape[b]);
            GEOSGeometry *x = GEOSIntersection_r(h, pg, bg);
            double a = 0;
            GEOSArea_r(h, x, &a);
            GEOSGeom_destroy_r(h, x);
            GEOSGeom_destroy_r(h, bg);
            inside += a;
        }
        GEOSGeom_destroy_r(h, pg);
        expected += tax * inside / P->area[p];
    }
    printf("# source tax %.6f, inside blocks %.6f, blocks sum %.6f\n", source,
           expected, blocks_total);
    CHECK(expected < source); /* the sample has parcels outside blocks */
    CHECK_REL(blocks_total, expected, 1e-9);
    ibmap_metrics_free(m);
}

/* The workspace keeps exactly what was computed, knows when it is current,
** and notices a changed input file or option. */
TEST(workspace_round_trip_and_fingerprints)
{
    char copy[4200], project[4300], ws[4200], cmd[9000];
    snprintf(copy, sizeof copy, "%s/sample_copy", dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s/layers/sample' '%s'", copy,
             test_source_root(), copy);
    CHECK_INT(system(cmd), 0);
    snprintf(project, sizeof project, "%s/project.yaml", copy);
    snprintf(ws, sizeof ws, "%s/ws.sqlite", dir);
    unlink(ws);
    ibmap_project *p = NULL;
    ibmap_data *d = NULL;
    ibmap_metrics *m = NULL, *back = NULL;
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    CHECK_INT(ibmap_project_read(ctx, project, &p), IBMAP_OK);
    CHECK(!ibmap_workspace_is_current(ws, p, &o)); /* no workspace yet */
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    CHECK_INT(ibmap_overlay(ctx, d, &o, &m), IBMAP_OK);
    CHECK_INT(ibmap_workspace_write(ctx, ws, p, &o, d, m), IBMAP_OK);
    CHECK(ibmap_workspace_is_current(ws, p, &o));
    o.threads = 3; /* threads do not change results */
    CHECK(ibmap_workspace_is_current(ws, p, &o));
    CHECK_INT(ibmap_workspace_read(ctx, ws, &back), IBMAP_OK);
    CHECK_INT(ibmap_metrics_count(back), 300);
    for (int64_t b = 0; b < 300; b++) {
        CHECK_STR(ibmap_metrics_block_id(back, b), ibmap_metrics_block_id(m, b));
        for (int k = 0; k < ibmap_metric_count(); k++) {
            double x = ibmap_metrics_number(m, b, k), y = ibmap_metrics_number(back, b, k);
            CHECK((isnan(x) && isnan(y)) || memcmp(&x, &y, sizeof x) == 0);
            const char *s1 = ibmap_metrics_text(m, b, k), *s2 = ibmap_metrics_text(back, b, k);
            CHECK((!s1 && !s2) || (s1 && s2 && strcmp(s1, s2) == 0));
        }
    }
    for (int64_t q = 0; q < ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_PARCELS)); q++)
        CHECK_INT(ibmap_metrics_parcel_block(back, q), ibmap_metrics_parcel_block(m, q));
    CHECK_INT(ibmap_metrics_landuse_count(back), ibmap_metrics_landuse_count(m));
    /* another grid: not current */
    o.grid = 0.01;
    CHECK(!ibmap_workspace_is_current(ws, p, &o));
    o.grid = 0.001;
    /* a changed input file (new modification time): not current */
    snprintf(cmd, sizeof cmd, "touch -d '2001-01-01' '%s/redline.geojson'", copy);
    CHECK_INT(system(cmd), 0);
    CHECK(!ibmap_workspace_is_current(ws, p, &o));
    /* a changed setting: not current */
    ibmap_metrics_free(m);
    ibmap_metrics_free(back);
    ibmap_data_free(d);
    ibmap_project_free(p);
    /* a file that is not a workspace is refused with its name */
    CHECK_INT(ibmap_workspace_read(ctx, project, &back), IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "project.yaml");
}

int main(void)
{
    dir = test_scratch_dir("test_overlay");
    ctx = ibmap_ctx_new();
    RUN(block_geometry_metrics);
    RUN(redline_union_once_inside_and_around);
    RUN(block_straddling_two_parks_and_distance);
    RUN(huge_zone_is_subdivided_without_changing_areas);
    RUN(parcel_straddling_two_blocks);
    RUN(rates_over_parcels_whose_value_is_known);
    RUN(self_intersecting_zone_is_measured_after_repair);
    RUN(control_unit_areas_by_type);
    RUN(landuse_composition_and_long_table);
    RUN(overlapping_landuse_is_counted_once);
    RUN(overlapping_blocks_kept_and_flagged);
    RUN(overlapping_blocks_split_to_the_lower_id);
    RUN(ellipsoidal_area_mode);

    char project[4200];
    snprintf(project, sizeof project, "%s/layers/sample/project.yaml", test_source_root());
    ibmap_project *p = NULL;
    if (ibmap_project_read(ctx, project, &p) == IBMAP_OK)
        ibmap_load(ctx, p, &sample);
    ibmap_project_free(p);
    if (sample) {
        RUN(sample_byte_identical_for_1_2_and_4_threads);
        RUN(sample_every_block_once_and_landuse_sums_to_area);
        RUN(sample_apportioned_tax_is_conserved);
        RUN(workspace_round_trip_and_fingerprints);
        ibmap_data_free(sample);
    } else {
        printf("# the sample city did not load: %s\n", ibmap_errmsg(ctx));
        test_failed++;
    }
    ibmap_ctx_free(ctx);
    return test_finish();
}
