/*
** gcj02.c — GCJ-02 ("Mars coordinates") and BD-09, the offsets that
** Chinese web maps add to WGS84.
**
** Amap (高德), Tencent and Google China serve GCJ-02; Baidu serves BD-09,
** a further offset of GCJ-02.  Boundaries downloaded from these services
** (DataV GeoAtlas, Amap district API) are labelled WGS84 but are off by
** several hundred metres: at Cixi GCJ-02 is about 423 m east and 265 m
** south of the truth.  PROJ has no such "datum", so it is done here.
**
** GCJ-02 is not published by its authors; the formula below is the one
** recovered from a leaked implementation and used by every open-source
** converter (eviltransform, coordtransform, gcoord): the Krasovsky 1940
** ellipsoid and two polynomial-plus-sine offset functions of the position
** relative to (105°E, 35°N).  Outside a rough bounding box of China the
** services use WGS84 unchanged, and so do these functions.
**
** Only the forward direction has a formula.  The inverse is solved by
** fixed-point iteration: inside China the offset changes by less than 1%
** of any change in position, so each step gains at least two decimal
** digits, and three to five steps reach 1e-10 degrees (about 0.01 mm).
** The one-step inverse that many converters use is off by up to 5 m.
**
** BD-09 is published with its inverse, but that inverse is only a close
** approximation (off by up to 0.22 m over China), so it too is refined
** by iteration.  BD-09 is applied everywhere, without the China
** test, as the published formula and Baidu's own converters do.
**
** Non-finite input is returned unchanged: NaN in, NaN out.
*/
#include <math.h>

#include "geo/geo.h"

#define KRASOVSKY_A 6378245.0                 /* semi-major axis, metres */
#define KRASOVSKY_EE 0.00669342162296594323   /* first eccentricity squared */

#define BD_FACTOR (M_PI * 3000.0 / 180.0)

/* Fixed-point iterations stop when a step moves less than this (degrees),
** or after MAX_ITER steps, which real coordinates never need. */
#define TOLERANCE 1e-10
#define MAX_ITER 30

static int outside_china(double lon, double lat)
{
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

/* The two offset functions, in metres-like units, of x = lon - 105 and
** y = lat - 35. */
static double offset_lat(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y +
               0.2 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 /
         3.0;
    return r;
}

static double offset_lon(double x, double y)
{
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y +
               0.1 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 /
         3.0;
    return r;
}

void ibmap_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat)
{
    if (!isfinite(lon) || !isfinite(lat) || outside_china(lon, lat)) {
        *olon = lon;
        *olat = lat;
        return;
    }
    double dlat = offset_lat(lon - 105.0, lat - 35.0);
    double dlon = offset_lon(lon - 105.0, lat - 35.0);
    /* Turn the offsets into degrees with the Krasovsky radii of curvature
    ** at this latitude (meridian M and prime vertical N). */
    double rad = lat / 180.0 * M_PI;
    double s = sin(rad);
    double w2 = 1.0 - KRASOVSKY_EE * s * s;
    double w = sqrt(w2);
    double m = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w2 * w);
    double n = KRASOVSKY_A / w;
    *olat = lat + dlat * 180.0 / (m * M_PI);
    *olon = lon + dlon * 180.0 / (n * cos(rad) * M_PI);
}

void ibmap_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat)
{
    if (!isfinite(lon) || !isfinite(lat) || outside_china(lon, lat)) {
        *olon = lon;
        *olat = lat;
        return;
    }
    /* Find w with forward(w) = (lon, lat): move w by the residual. */
    double wlon = lon, wlat = lat;
    for (int i = 0; i < MAX_ITER; i++) {
        double glon, glat;
        ibmap_wgs84_to_gcj02(wlon, wlat, &glon, &glat);
        double elon = glon - lon, elat = glat - lat;
        wlon -= elon;
        wlat -= elat;
        if (fabs(elon) < TOLERANCE && fabs(elat) < TOLERANCE) break;
    }
    *olon = wlon;
    *olat = wlat;
}

void ibmap_gcj02_to_bd09(double lon, double lat, double *olon, double *olat)
{
    if (!isfinite(lon) || !isfinite(lat)) {
        *olon = lon;
        *olat = lat;
        return;
    }
    double z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * BD_FACTOR);
    double theta = atan2(lat, lon) + 0.000003 * cos(lon * BD_FACTOR);
    *olon = z * cos(theta) + 0.0065;
    *olat = z * sin(theta) + 0.006;
}

void ibmap_bd09_to_gcj02(double lon, double lat, double *olon, double *olat)
{
    if (!isfinite(lon) || !isfinite(lat)) {
        *olon = lon;
        *olat = lat;
        return;
    }
    /* The published inverse as the first estimate... */
    double x = lon - 0.0065, y = lat - 0.006;
    double z = sqrt(x * x + y * y) - 0.00002 * sin(y * BD_FACTOR);
    double theta = atan2(y, x) - 0.000003 * cos(x * BD_FACTOR);
    double glon = z * cos(theta), glat = z * sin(theta);
    /* ...then refined until gcj02_to_bd09 gives back the input. */
    for (int i = 0; i < MAX_ITER; i++) {
        double blon, blat;
        ibmap_gcj02_to_bd09(glon, glat, &blon, &blat);
        double elon = blon - lon, elat = blat - lat;
        glon -= elon;
        glat -= elat;
        if (fabs(elon) < TOLERANCE && fabs(elat) < TOLERANCE) break;
    }
    *olon = glon;
    *olat = glat;
}
