/*
** test_crs_guess.c — identifying a CRS from a bounding box
** (engine/geo/crs_guess.c).
**
** Hand-checked numbers.  The EPSG codes and central meridians were read
** from PROJ 9.1.1's database with projinfo:
**   EPSG:4490 CGCS2000 geographic
**   EPSG:4513 "CGCS2000 / 3-degree Gauss-Kruger zone 25", lon_0=75,  x_0=25500000
**   EPSG:4528 "CGCS2000 / 3-degree Gauss-Kruger zone 40", lon_0=120, x_0=40500000
**   EPSG:4533 "CGCS2000 / 3-degree Gauss-Kruger zone 45", lon_0=135, x_0=45500000
**   EPSG:4491 "CGCS2000 / Gauss-Kruger zone 13", lon_0=75,  x_0=13500000
**   EPSG:4493 "CGCS2000 / Gauss-Kruger zone 15", lon_0=87,  x_0=15500000
**   EPSG:4499 "CGCS2000 / Gauss-Kruger zone 21", lon_0=123, x_0=21500000
**   EPSG:4501 "CGCS2000 / Gauss-Kruger zone 23", lon_0=135, x_0=23500000
**   EPSG:4534 "CGCS2000 / 3-degree Gauss-Kruger CM 75E",  x_0=500000
**   EPSG:4549 "CGCS2000 / 3-degree Gauss-Kruger CM 120E", x_0=500000
**   EPSG:4554 "CGCS2000 / 3-degree Gauss-Kruger CM 135E", x_0=500000
** Cixi (121.3°E, 30.22°N) projected with cs2cs from EPSG:4490:
**   EPSG:4528  E 40625159.910  N 3345216.084
**   EPSG:4549  E   625159.910  N 3345216.084
**   EPSG:4499  E 21336324.392  N 3345723.723
**   EPSG:32651 E   336389.862  N 3344385.434   (UTM 51N)
**   EPSG:3857  E 13503054.233  N 3531860.254   (Web Mercator)
** Urumqi (87.6°E, 43.9°N): EPSG:4493 E 15548204.505 N 4862886.260.
** Kashgar (75.99°E, 39.47°N): EPSG:4491 E 13551479.334 N 4429011.639.
** Weihai (122.12°E, 37.51°N): EPSG:3857 E 13594336.216 N 4510434.639.
** Harbin (126.63°E, 45.75°N): EPSG:3857 E 14096387.119 N 5740376.656.
*/
#include <proj.h>

#include "harness.h"
#include "classify/rules.h"

static ibmap_crs_guess guess(double minx, double miny, double maxx,
                             double maxy)
{
    ibmap_crs_guess g;
    memset(&g, 0x5A, sizeof g); /* garbage, to see that all is written */
    ibmap_crs_guess_from_extent(minx, miny, maxx, maxy, &g);
    return g;
}

/* A box of about 20 km around a point, as a town's data would have. */
static ibmap_crs_guess guess_around(double x, double y)
{
    return guess(x - 10000, y - 10000, x + 10000, y + 10000);
}

#define CHECK_NONE(g)                                                       \
    do {                                                                    \
        CHECK_INT((g).kind, IBMAP_GUESS_NONE);                              \
        CHECK_INT((g).epsg, 0);                                             \
        CHECK(strlen((g).reason) > 20);                                     \
        CHECK(memchr((g).reason, '\0', sizeof (g).reason) != NULL);         \
    } while (0)

/* ---- longitude/latitude --------------------------------------------- */

TEST(cixi_lonlat_is_cgcs2000_geographic)
{
    ibmap_crs_guess g = guess(121.1, 30.0, 121.6, 30.4);
    CHECK_INT(g.kind, IBMAP_GUESS_LONLAT);
    CHECK_INT(g.epsg, 4490);
}

TEST(lonlat_reason_names_the_ranges)
{
    ibmap_crs_guess g = guess(121.1, 30.0, 121.6, 30.4);
    CHECK_CONTAINS(g.reason, "-180..180");
    CHECK_CONTAINS(g.reason, "-90..90");
}

TEST(lonlat_bounds_are_inclusive)
{
    ibmap_crs_guess g = guess(-180, -90, 180, 90);
    CHECK_INT(g.kind, IBMAP_GUESS_LONLAT);
}

TEST(lonlat_just_out_of_range_is_not_lonlat)
{
    ibmap_crs_guess g = guess(100, 20, 180.5, 40);
    CHECK_NONE(g);
}

TEST(a_point_extent_is_accepted)
{
    ibmap_crs_guess g = guess(121.3, 30.22, 121.3, 30.22);
    CHECK_INT(g.kind, IBMAP_GUESS_LONLAT);
}

/* ---- 3-degree zones with prefix ------------------------------------- */

TEST(cixi_zone40_is_epsg4528)
{
    ibmap_crs_guess g = guess_around(40625159.910, 3345216.084);
    CHECK_INT(g.kind, IBMAP_GUESS_GK3_PREFIXED);
    CHECK_INT(g.zone, 40);
    CHECK_INT(g.central_meridian, 120);
    CHECK_INT(g.epsg, 4528);
}

TEST(zone40_reason_names_zone_and_epsg)
{
    ibmap_crs_guess g = guess_around(40625159.910, 3345216.084);
    CHECK_CONTAINS(g.reason, "zone 40");
    CHECK_CONTAINS(g.reason, "EPSG:4528");
}

TEST(zone25_is_epsg4513_cm75)
{
    ibmap_crs_guess g = guess_around(25500000, 4400000);
    CHECK_INT(g.kind, IBMAP_GUESS_GK3_PREFIXED);
    CHECK_INT(g.zone, 25);
    CHECK_INT(g.central_meridian, 75);
    CHECK_INT(g.epsg, 4513);
}

TEST(zone45_is_epsg4533_cm135)
{
    ibmap_crs_guess g = guess_around(45500000, 5200000);
    CHECK_INT(g.kind, IBMAP_GUESS_GK3_PREFIXED);
    CHECK_INT(g.zone, 45);
    CHECK_INT(g.central_meridian, 135);
    CHECK_INT(g.epsg, 4533);
}

/* ---- 6-degree zones with prefix ------------------------------------- */

TEST(cixi_zone21_is_epsg4499)
{
    ibmap_crs_guess g = guess_around(21336324.392, 3345723.723);
    CHECK_INT(g.kind, IBMAP_GUESS_GK6_PREFIXED);
    CHECK_INT(g.zone, 21);
    CHECK_INT(g.central_meridian, 123);
    CHECK_INT(g.epsg, 4499);
}

TEST(urumqi_zone15_is_epsg4493)
{
    ibmap_crs_guess g = guess_around(15548204.505, 4862886.260);
    CHECK_INT(g.kind, IBMAP_GUESS_GK6_PREFIXED);
    CHECK_INT(g.zone, 15);
    CHECK_INT(g.central_meridian, 87);
    CHECK_INT(g.epsg, 4493);
}

TEST(zone23_is_epsg4501_cm135)
{
    ibmap_crs_guess g = guess_around(23400000, 5200000);
    CHECK_INT(g.kind, IBMAP_GUESS_GK6_PREFIXED);
    CHECK_INT(g.zone, 23);
    CHECK_INT(g.central_meridian, 135);
    CHECK_INT(g.epsg, 4501);
}

/* ---- Web Mercator and the zones it collides with -------------------- */

TEST(web_mercator_cixi_is_refused)
{
    ibmap_crs_guess g = guess_around(13503054.233, 3531860.254);
    CHECK_NONE(g);
    CHECK_CONTAINS(g.reason, "Web Mercator");
}

TEST(web_mercator_weihai_is_refused)
{
    ibmap_crs_guess g = guess_around(13594336.216, 4510434.639);
    CHECK_NONE(g);
}

TEST(web_mercator_harbin_is_refused)
{
    ibmap_crs_guess g = guess_around(14096387.119, 5740376.656);
    CHECK_NONE(g);
}

TEST(zone13_kashgar_is_refused_as_ambiguous)
{
    /* Real zone-13 data is indistinguishable from Web Mercator. */
    ibmap_crs_guess g = guess_around(13551479.334, 4429011.639);
    CHECK_NONE(g);
    CHECK_CONTAINS(g.reason, "zone 13");
}

/* ---- eastings without prefix ---------------------------------------- */

TEST(cixi_cm120_without_prefix_needs_a_meridian)
{
    ibmap_crs_guess g = guess_around(625159.910, 3345216.084);
    CHECK_INT(g.kind, IBMAP_GUESS_GK_NO_PREFIX);
    CHECK_INT(g.epsg, 0);
    CHECK_CONTAINS(g.reason, "central meridian cannot be known");
}

TEST(utm_looks_like_no_prefix_and_says_so)
{
    ibmap_crs_guess g = guess_around(336389.862, 3344385.434);
    CHECK_INT(g.kind, IBMAP_GUESS_GK_NO_PREFIX);
    CHECK_CONTAINS(g.reason, "UTM");
}

TEST(no_prefix_bounds_are_inclusive)
{
    ibmap_crs_guess g = guess(100000, 1000000, 900000, 6000000);
    CHECK_INT(g.kind, IBMAP_GUESS_GK_NO_PREFIX);
}

TEST(no_prefix_easting_too_small_is_refused)
{
    CHECK_NONE(guess(99999, 3300000, 200000, 3400000));
}

TEST(no_prefix_easting_too_large_is_refused)
{
    CHECK_NONE(guess(800000, 3300000, 900001, 3400000));
}

/* ---- refusals ------------------------------------------------------- */

TEST(box_across_two_prefixes_is_refused)
{
    ibmap_crs_guess g = guess(40800000, 3300000, 41200000, 3400000);
    CHECK_NONE(g);
    CHECK_CONTAINS(g.reason, "spans");
}

TEST(prefix_mixed_with_no_prefix_is_refused)
{
    CHECK_NONE(guess(625000, 3300000, 40625000, 3400000));
}

TEST(easting_far_from_meridian_in_zone_is_refused)
{
    /* 40,050,000: 450 km west of zone 40's meridian. */
    CHECK_NONE(guess(40050000, 3300000, 40080000, 3400000));
}

TEST(prefix_24_is_no_zone)
{
    ibmap_crs_guess g = guess_around(24500000, 4000000);
    CHECK_NONE(g);
    CHECK_CONTAINS(g.reason, "prefix 24");
}

TEST(prefix_12_is_no_zone)
{
    CHECK_NONE(guess_around(12500000, 4000000));
}

TEST(prefix_46_and_beyond_is_refused)
{
    CHECK_NONE(guess_around(46500000, 4000000));
}

TEST(northing_below_china_is_refused)
{
    CHECK_NONE(guess_around(40500000, 500000));
}

TEST(northing_above_china_is_refused)
{
    CHECK_NONE(guess(40400000, 5900000, 40600000, 6100000));
}

TEST(negative_projected_values_are_refused)
{
    CHECK_NONE(guess(-625000, -3400000, -600000, -3300000));
}

TEST(huge_values_are_refused_without_overflow)
{
    CHECK_NONE(guess(1e308, 1e308, 1e308, 1e308));
    CHECK_NONE(guess(-1e308, -1e308, 1e308, 1e308));
    CHECK_NONE(guess(40500000, 3300000, 1e308, 3400000));
}

TEST(nan_in_any_bound_is_refused)
{
    CHECK_NONE(guess(NAN, 30.0, 121.6, 30.4));
    CHECK_NONE(guess(121.1, NAN, 121.6, 30.4));
    CHECK_NONE(guess(121.1, 30.0, NAN, 30.4));
    CHECK_NONE(guess(121.1, 30.0, 121.6, NAN));
}

TEST(nan_reason_says_not_finite)
{
    ibmap_crs_guess g = guess(NAN, NAN, NAN, NAN);
    CHECK_CONTAINS(g.reason, "finite");
}

TEST(infinity_is_refused)
{
    CHECK_NONE(guess(-INFINITY, 30.0, 121.6, 30.4));
    CHECK_NONE(guess(40500000, 3300000, INFINITY, 3400000));
}

TEST(min_above_max_is_refused)
{
    CHECK_NONE(guess(121.6, 30.0, 121.1, 30.4));
    CHECK_NONE(guess(121.1, 30.4, 121.6, 30.0));
}

/* ---- agreement with PROJ for every zone ----------------------------- */

/* Project (lon, lat) from CGCS2000 to EPSG:code with PROJ, easting first.
** Returns 0 if PROJ cannot. */
static int project(int code, double lon, double lat, double *x, double *y)
{
    char dst[32];
    snprintf(dst, sizeof dst, "EPSG:%d", code);
    PJ *p = proj_create_crs_to_crs(PJ_DEFAULT_CTX, "EPSG:4490", dst, NULL);
    if (!p) return 0;
    PJ *n = proj_normalize_for_visualization(PJ_DEFAULT_CTX, p);
    proj_destroy(p);
    if (!n) return 0;
    PJ_COORD c = proj_trans(n, PJ_FWD, proj_coord(lon, lat, 0, 0));
    proj_destroy(n);
    *x = c.xy.x;
    *y = c.xy.y;
    return isfinite(*x) && isfinite(*y);
}

TEST(every_gk3_zone_agrees_with_proj)
{
    for (int zone = 25; zone <= 45; zone++) {
        double x, y;
        /* 0.7° east of the meridian, at 40°N. */
        if (!project(4513 + zone - 25, 3 * zone + 0.7, 40, &x, &y))
            TEST_FAILF("PROJ cannot project to zone %d", zone);
        ibmap_crs_guess g = guess(x - 500, y - 500, x + 500, y + 500);
        CHECK_INT(g.kind, IBMAP_GUESS_GK3_PREFIXED);
        CHECK_INT(g.zone, zone);
        CHECK_INT(g.central_meridian, 3 * zone);
        CHECK_INT(g.epsg, 4513 + zone - 25);
    }
}

TEST(every_unambiguous_gk6_zone_agrees_with_proj)
{
    for (int zone = 15; zone <= 23; zone++) {
        double x, y;
        if (!project(4491 + zone - 13, 6 * zone - 3 - 1.5, 40, &x, &y))
            TEST_FAILF("PROJ cannot project to zone %d", zone);
        ibmap_crs_guess g = guess(x - 500, y - 500, x + 500, y + 500);
        CHECK_INT(g.kind, IBMAP_GUESS_GK6_PREFIXED);
        CHECK_INT(g.zone, zone);
        CHECK_INT(g.central_meridian, 6 * zone - 3);
        CHECK_INT(g.epsg, 4491 + zone - 13);
    }
}

/* ---- ibmap_gk3_epsg_for_lon ----------------------------------------- */

TEST(cixi_lon_is_epsg4549)
{
    CHECK_INT(ibmap_gk3_epsg_for_lon(121.3), 4549);
}

TEST(central_meridians_map_to_their_codes)
{
    CHECK_INT(ibmap_gk3_epsg_for_lon(75), 4534);
    CHECK_INT(ibmap_gk3_epsg_for_lon(120), 4549);
    CHECK_INT(ibmap_gk3_epsg_for_lon(135), 4554);
}

TEST(range_ends_are_inside)
{
    CHECK_INT(ibmap_gk3_epsg_for_lon(73.5), 4534);
    CHECK_INT(ibmap_gk3_epsg_for_lon(136.5), 4554);
}

TEST(outside_range_is_zero)
{
    CHECK_INT(ibmap_gk3_epsg_for_lon(73.49), 0);
    CHECK_INT(ibmap_gk3_epsg_for_lon(136.51), 0);
    CHECK_INT(ibmap_gk3_epsg_for_lon(0), 0);
    CHECK_INT(ibmap_gk3_epsg_for_lon(-121.3), 0);
}

TEST(zone_edge_goes_east)
{
    CHECK_INT(ibmap_gk3_epsg_for_lon(121.49), 4549);
    CHECK_INT(ibmap_gk3_epsg_for_lon(121.5), 4550);
    CHECK_INT(ibmap_gk3_epsg_for_lon(118.5), 4549);
    CHECK_INT(ibmap_gk3_epsg_for_lon(118.49), 4548);
}

TEST(non_finite_lon_is_zero)
{
    CHECK_INT(ibmap_gk3_epsg_for_lon(NAN), 0);
    CHECK_INT(ibmap_gk3_epsg_for_lon(INFINITY), 0);
    CHECK_INT(ibmap_gk3_epsg_for_lon(-INFINITY), 0);
}

TEST(every_gk3_code_names_its_meridian_in_proj)
{
    /* PROJ names EPSG:4534..4554 "CGCS2000 / 3-degree Gauss-Kruger CM nE". */
    for (int cm = 75; cm <= 135; cm += 3) {
        int code = ibmap_gk3_epsg_for_lon(cm + 0.4);
        char def[32], want[64];
        snprintf(def, sizeof def, "EPSG:%d", code);
        snprintf(want, sizeof want, "CGCS2000 / 3-degree Gauss-Kruger CM %dE",
                 cm);
        PJ *p = proj_create(PJ_DEFAULT_CTX, def);
        if (!p) TEST_FAILF("PROJ does not know %s", def);
        const char *name = proj_get_name(p);
        int same = name && strcmp(name, want) == 0;
        proj_destroy(p);
        if (!same) TEST_FAILF("%s is not \"%s\"", def, want);
    }
}

int main(void)
{
    RUN(cixi_lonlat_is_cgcs2000_geographic);
    RUN(lonlat_reason_names_the_ranges);
    RUN(lonlat_bounds_are_inclusive);
    RUN(lonlat_just_out_of_range_is_not_lonlat);
    RUN(a_point_extent_is_accepted);
    RUN(cixi_zone40_is_epsg4528);
    RUN(zone40_reason_names_zone_and_epsg);
    RUN(zone25_is_epsg4513_cm75);
    RUN(zone45_is_epsg4533_cm135);
    RUN(cixi_zone21_is_epsg4499);
    RUN(urumqi_zone15_is_epsg4493);
    RUN(zone23_is_epsg4501_cm135);
    RUN(web_mercator_cixi_is_refused);
    RUN(web_mercator_weihai_is_refused);
    RUN(web_mercator_harbin_is_refused);
    RUN(zone13_kashgar_is_refused_as_ambiguous);
    RUN(cixi_cm120_without_prefix_needs_a_meridian);
    RUN(utm_looks_like_no_prefix_and_says_so);
    RUN(no_prefix_bounds_are_inclusive);
    RUN(no_prefix_easting_too_small_is_refused);
    RUN(no_prefix_easting_too_large_is_refused);
    RUN(box_across_two_prefixes_is_refused);
    RUN(prefix_mixed_with_no_prefix_is_refused);
    RUN(easting_far_from_meridian_in_zone_is_refused);
    RUN(prefix_24_is_no_zone);
    RUN(prefix_12_is_no_zone);
    RUN(prefix_46_and_beyond_is_refused);
    RUN(northing_below_china_is_refused);
    RUN(northing_above_china_is_refused);
    RUN(negative_projected_values_are_refused);
    RUN(huge_values_are_refused_without_overflow);
    RUN(nan_in_any_bound_is_refused);
    RUN(nan_reason_says_not_finite);
    RUN(infinity_is_refused);
    RUN(min_above_max_is_refused);
    RUN(every_gk3_zone_agrees_with_proj);
    RUN(every_unambiguous_gk6_zone_agrees_with_proj);
    RUN(cixi_lon_is_epsg4549);
    RUN(central_meridians_map_to_their_codes);
    RUN(range_ends_are_inside);
    RUN(outside_range_is_zero);
    RUN(zone_edge_goes_east);
    RUN(non_finite_lon_is_zero);
    RUN(every_gk3_code_names_its_meridian_in_proj);
    return test_finish();
}
