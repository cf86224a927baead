/*
** test_gcj02.c — GCJ-02 and BD-09 (engine/geo/gcj02.c).
**
** Reference pairs come from the test suites of two widely used open-source
** converters, cited next to each vector:
**   [evil]   googollee/eviltransform @ 1643645a2a2f2fa06811df676db42d02a0fb1f40,
**            c/test.c (the same table is in go/transform_test.go and
**            python/test.py): WGS84 -> GCJ-02, 15 significant digits.
**   [gcoord] hujiulong/gcoord @ 42ea29df479c739f9b39f9c8e939fb7ae39e5a3e,
**            test/unit/crs/WGS84.spec.ts and GCJ02.spec.ts, and
**            @ 0bb92090a8e324921888043de75e5b31854d5309,
**            test/unit/crs/BD09.spec.ts: values to 8 decimals.
** gcoord's GCJ02->WGS84 stops iterating at a 1e-6° residual and its
** BD09->GCJ02 is the one-step published inverse, so its inverse values
** are only good to about 1e-6°; ours iterate further, hence the looser
** tolerance on those vectors (1e-6° is about 0.1 m).
*/
#include "harness.h"
#include "classify/rules.h"

/* Metres between two nearby lon/lat points (local flat approximation,
** 111,320 m per degree of latitude: plenty for centimetre checks). */
static double metres(double lon1, double lat1, double lon2, double lat2)
{
    double k = 111320.0;
    double dx = (lon1 - lon2) * k * cos(lat1 * M_PI / 180.0);
    double dy = (lat1 - lat2) * k;
    return sqrt(dx * dx + dy * dy);
}

/* ---- published reference pairs -------------------------------------- */

/* [evil] c/test.c: {wgsLat, wgsLng, gcjLat, gcjLng}. */
static const double evil[][4] = {
    {31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},   /* shanghai */
    {22.543847, 113.912316, 22.540796131694766, 113.9171764808363},   /* shenzhen */
    {39.911954, 116.377817, 39.91334545536069, 116.38404722455657},   /* beijing */
};

TEST(wgs_to_gcj_matches_eviltransform)
{
    for (int i = 0; i < 3; i++) {
        double lon, lat;
        ibmap_wgs84_to_gcj02(evil[i][1], evil[i][0], &lon, &lat);
        CHECK_NEAR(lon, evil[i][3], 1e-9);
        CHECK_NEAR(lat, evil[i][2], 1e-9);
    }
}

TEST(gcj_to_wgs_inverts_eviltransform_exactly)
{
    /* eviltransform's own exact inverse only promises 0.5 m; ours must
    ** land on the original WGS84 input. */
    for (int i = 0; i < 3; i++) {
        double lon, lat;
        ibmap_gcj02_to_wgs84(evil[i][3], evil[i][2], &lon, &lat);
        CHECK_NEAR(lon, evil[i][1], 1e-9);
        CHECK_NEAR(lat, evil[i][0], 1e-9);
    }
}

TEST(wgs_to_gcj_matches_gcoord)
{
    /* [gcoord] WGS84.spec.ts: WGS84.to.GCJ02([123, 45]) */
    double lon, lat;
    ibmap_wgs84_to_gcj02(123, 45, &lon, &lat);
    CHECK_NEAR(lon, 123.00607541, 1e-8);
    CHECK_NEAR(lat, 45.00197815, 1e-8);
}

TEST(gcj_to_wgs_matches_gcoord)
{
    /* [gcoord] GCJ02.spec.ts: GCJ02.to.WGS84([123, 45]) */
    double lon, lat;
    ibmap_gcj02_to_wgs84(123, 45, &lon, &lat);
    CHECK_NEAR(lon, 122.99395597, 1e-6);
    CHECK_NEAR(lat, 44.99804071, 1e-6);
}

TEST(gcj_to_bd_matches_gcoord)
{
    /* [gcoord] GCJ02.spec.ts: GCJ02.to.BD09([123, 45]) */
    double lon, lat;
    ibmap_gcj02_to_bd09(123, 45, &lon, &lat);
    CHECK_NEAR(lon, 123.00636499, 1e-8);
    CHECK_NEAR(lat, 45.00636899, 1e-8);
}

TEST(bd_to_gcj_matches_gcoord)
{
    /* [gcoord] BD09.spec.ts: BD09.to.GCJ02([123, 45]) */
    double lon, lat;
    ibmap_bd09_to_gcj02(123, 45, &lon, &lat);
    CHECK_NEAR(lon, 122.99363304, 1e-6);
    CHECK_NEAR(lat, 44.99365430, 1e-6);
}

TEST(bd_to_wgs_matches_gcoord)
{
    /* [gcoord] BD09.spec.ts: BD09.to.WGS84([123, 45]) */
    double glon, glat, lon, lat;
    ibmap_bd09_to_gcj02(123, 45, &glon, &glat);
    ibmap_gcj02_to_wgs84(glon, glat, &lon, &lat);
    CHECK_NEAR(lon, 122.98762210, 1e-6);
    CHECK_NEAR(lat, 44.99171540, 1e-6);
}

/* ---- Cixi ----------------------------------------------------------- */

TEST(cixi_offset_in_degrees)
{
    /* ../shared/data/real/README.md: at (121.3 E, 30.22 N) GCJ-02 minus
    ** WGS84 is about +0.00440° lon, -0.00240° lat. */
    double lon, lat;
    ibmap_wgs84_to_gcj02(121.3, 30.22, &lon, &lat);
    CHECK_NEAR(lon - 121.3, 0.00440, 0.00005);
    CHECK_NEAR(lat - 30.22, -0.00240, 0.00005);
}

TEST(cixi_offset_in_metres)
{
    /* About 423 m east and 265 m south; the flat approximation with
    ** 111,320 m per degree gives 423 and -267. */
    double lon, lat;
    ibmap_wgs84_to_gcj02(121.3, 30.22, &lon, &lat);
    double east = (lon - 121.3) * 111320.0 * cos(30.22 * M_PI / 180.0);
    double north = (lat - 30.22) * 111320.0;
    CHECK_NEAR(east, 423, 3);
    CHECK_NEAR(north, -267, 3);
}

/* ---- round trips over China ----------------------------------------- */

TEST(wgs_gcj_round_trip_within_1cm_everywhere)
{
    /* A 0.5° grid over the whole "inside China" box.  The one-step
    ** inverse would be off by up to 5 m here. */
    double worst = 0;
    for (double lon = 72.5; lon <= 137.5; lon += 0.5)
        for (double lat = 1.0; lat <= 55.5; lat += 0.5) {
            double glon, glat, wlon, wlat;
            ibmap_wgs84_to_gcj02(lon, lat, &glon, &glat);
            ibmap_gcj02_to_wgs84(glon, glat, &wlon, &wlat);
            double d = metres(wlon, wlat, lon, lat);
            if (!(d <= worst)) worst = d; /* NaN would stick */
        }
    CHECK(worst < 0.01);
}

TEST(gcj_bd_round_trip_within_1cm_everywhere)
{
    /* The published one-step BD-09 inverse is off by up to 0.22 m. */
    double worst = 0;
    for (double lon = 72.5; lon <= 137.5; lon += 0.5)
        for (double lat = 1.0; lat <= 55.5; lat += 0.5) {
            double blon, blat, glon, glat;
            ibmap_gcj02_to_bd09(lon, lat, &blon, &blat);
            ibmap_bd09_to_gcj02(blon, blat, &glon, &glat);
            double d = metres(glon, glat, lon, lat);
            if (!(d <= worst)) worst = d;
        }
    CHECK(worst < 0.01);
}

TEST(gcj_offset_is_hundreds_of_metres_in_china)
{
    /* Over the mainland the shift is real and bounded: not a no-op, and
    ** not a unit mistake.  Checked at a few cities. */
    static const double pts[][2] = {{121.3, 30.22}, {116.4, 39.9},
                                    {113.26, 23.13}, {87.6, 43.8},
                                    {126.6, 45.75}};
    for (int i = 0; i < 5; i++) {
        double lon, lat;
        ibmap_wgs84_to_gcj02(pts[i][0], pts[i][1], &lon, &lat);
        double d = metres(lon, lat, pts[i][0], pts[i][1]);
        CHECK(d > 100 && d < 1000);
    }
}

/* ---- outside China and non-finite input ----------------------------- */

TEST(outside_china_is_unchanged)
{
    static const double pts[][2] = {{0, 0}, {2.35, 48.85}, {151.2, -33.9},
                                    {-74.0, 40.7}, {72.003, 30}, {100, 55.83}};
    for (int i = 0; i < 6; i++) {
        double lon, lat;
        ibmap_wgs84_to_gcj02(pts[i][0], pts[i][1], &lon, &lat);
        CHECK(lon == pts[i][0] && lat == pts[i][1]);
        ibmap_gcj02_to_wgs84(pts[i][0], pts[i][1], &lon, &lat);
        CHECK(lon == pts[i][0] && lat == pts[i][1]);
    }
}

TEST(gcoord_outside_point_is_unchanged)
{
    /* [gcoord] WGS84.spec.ts and GCJ02.spec.ts: [183, 45] unchanged. */
    double lon, lat;
    ibmap_wgs84_to_gcj02(183, 45, &lon, &lat);
    CHECK(lon == 183 && lat == 45);
    ibmap_gcj02_to_wgs84(183, 45, &lon, &lat);
    CHECK(lon == 183 && lat == 45);
}

TEST(nan_in_nan_out)
{
    double lon, lat;
    ibmap_wgs84_to_gcj02(NAN, 30, &lon, &lat);
    CHECK(isnan(lon));
    ibmap_wgs84_to_gcj02(121, NAN, &lon, &lat);
    CHECK(isnan(lat));
    ibmap_gcj02_to_wgs84(NAN, NAN, &lon, &lat);
    CHECK(isnan(lon) && isnan(lat));
    ibmap_gcj02_to_bd09(NAN, 30, &lon, &lat);
    CHECK(isnan(lon));
    ibmap_bd09_to_gcj02(121, NAN, &lon, &lat);
    CHECK(isnan(lat));
}

TEST(infinity_is_returned_unchanged)
{
    double lon, lat;
    ibmap_gcj02_to_wgs84(INFINITY, 30, &lon, &lat);
    CHECK(isinf(lon) && lat == 30);
    ibmap_bd09_to_gcj02(121, -INFINITY, &lon, &lat);
    CHECK(lon == 121 && isinf(lat));
}

TEST(outputs_may_alias_inputs)
{
    /* engine/geo/crs.c converts in place: f(*x, *y, x, y). */
    double x = 121.3, y = 30.22, lon, lat;
    ibmap_wgs84_to_gcj02(x, y, &lon, &lat);
    ibmap_wgs84_to_gcj02(x, y, &x, &y);
    CHECK(x == lon && y == lat);
    ibmap_bd09_to_gcj02(x, y, &lon, &lat);
    ibmap_bd09_to_gcj02(x, y, &x, &y);
    CHECK(x == lon && y == lat);
}

int main(void)
{
    RUN(wgs_to_gcj_matches_eviltransform);
    RUN(gcj_to_wgs_inverts_eviltransform_exactly);
    RUN(wgs_to_gcj_matches_gcoord);
    RUN(gcj_to_wgs_matches_gcoord);
    RUN(gcj_to_bd_matches_gcoord);
    RUN(bd_to_gcj_matches_gcoord);
    RUN(bd_to_wgs_matches_gcoord);
    RUN(cixi_offset_in_degrees);
    RUN(cixi_offset_in_metres);
    RUN(wgs_gcj_round_trip_within_1cm_everywhere);
    RUN(gcj_bd_round_trip_within_1cm_everywhere);
    RUN(gcj_offset_is_hundreds_of_metres_in_china);
    RUN(outside_china_is_unchanged);
    RUN(gcoord_outside_point_is_unchanged);
    RUN(nan_in_nan_out);
    RUN(infinity_is_returned_unchanged);
    RUN(outputs_may_alias_inputs);
    return test_finish();
}
