/*
** crs_guess.c — which CRS a layer's coordinates are in, when the layer
** does not say (a shapefile without .prj, a CSV of coordinates).
**
** Only three shapes of coordinates are recognised, because only these are
** common in Chinese planning data and each is recognisable on its own:
**
**   * longitude/latitude degrees, read as CGCS2000 (EPSG:4490);
**   * CGCS2000 Gauss-Krüger metres whose easting carries the zone number
**     in front ("40 512 345.6" is zone 40), from which the central
**     meridian and the EPSG code follow;
**   * Gauss-Krüger metres without the zone number, whose central meridian
**     cannot be known from the coordinates and must come from elsewhere.
**
** Anything else is refused with a reason, never guessed: a wrong CRS
** moves every block by kilometres and no later check would notice.
**
** Limits that keep the guess honest:
**
**   * Northings must lie in 1,000,000..6,000,000 m, about 9°N to 54°N,
**     which covers the mainland, Hainan and the Xisha islands (China's
**     northernmost point, 53.56°N, is at about 5,940 km).  Data farther
**     south (the Nansha islands) must name its CRS.
**   * Eastings must lie within 100,000..900,000 m of the zone's origin,
**     that is within 400 km of the central meridian: a 6-degree zone is
**     at most about 340 km wide on either side inside China.
**   * 6-degree zones 13 and 14 are refused.  Their prefixed eastings
**     (13,100,000..14,900,000) are also the Web Mercator (EPSG:3857)
**     eastings of 118°E..134°E, which is where most Chinese web-map data
**     lies, and the northings overlap too: Web Mercator of Weihai looks
**     exactly like zone-13 Gauss-Krüger of Kashgar.  The two cannot be
**     told apart from coordinates, so the user must say.
**   * Eastings without prefix may also be UTM; the reason says so.
*/
#include <math.h>
#include <stdio.h>

#include "geo/geo.h"

#define NORTHING_MIN 1000000.0
#define NORTHING_MAX 6000000.0
#define EASTING_MIN 100000.0  /* within a zone, false easting 500 km */
#define EASTING_MAX 900000.0
#define ZONE_PREFIX 1000000.0 /* the zone number counts millions of metres */

static void set_guess(ibmap_crs_guess *out, ibmap_crs_guess_kind kind,
                      int zone, int cm, int epsg)
{
    out->kind = kind;
    out->zone = zone;
    out->central_meridian = cm;
    out->epsg = epsg;
}

void ibmap_crs_guess_from_extent(double minx, double miny, double maxx,
                                 double maxy, ibmap_crs_guess *out)
{
    set_guess(out, IBMAP_GUESS_NONE, 0, 0, 0);
    char *why = out->reason;
    size_t why_size = sizeof out->reason;

    /* NaN compares false with everything, so it must be caught first or
    ** it would slip through every range test below. */
    if (!isfinite(minx) || !isfinite(miny) || !isfinite(maxx) ||
        !isfinite(maxy)) {
        snprintf(why, why_size,
                 "the extent has a bound that is not a finite number");
        return;
    }
    if (minx > maxx || miny > maxy) {
        snprintf(why, why_size,
                 "the extent is empty (a minimum exceeds its maximum)");
        return;
    }

    if (minx >= -180 && maxx <= 180 && miny >= -90 && maxy <= 90) {
        set_guess(out, IBMAP_GUESS_LONLAT, 0, 0, 4490);
        snprintf(why, why_size,
                 "all x lie within -180..180 and all y within -90..90, so "
                 "the coordinates are read as longitude/latitude degrees "
                 "(CGCS2000, EPSG:4490)");
        return;
    }

    if (miny < NORTHING_MIN || maxy > NORTHING_MAX) {
        snprintf(why, why_size,
                 "y %.10g..%.10g is neither latitude (-90..90) nor a "
                 "Gauss-Krüger northing in China (1,000,000..6,000,000 m)",
                 miny, maxy);
        return;
    }

    if (maxx < ZONE_PREFIX) {
        if (minx < EASTING_MIN || maxx > EASTING_MAX) {
            snprintf(why, why_size,
                     "x %.10g..%.10g is neither longitude (-180..180) nor a "
                     "Gauss-Krüger easting (100,000..900,000 m, or with a "
                     "zone prefix)",
                     minx, maxx);
            return;
        }
        set_guess(out, IBMAP_GUESS_GK_NO_PREFIX, 0, 0, 0);
        snprintf(why, why_size,
                 "x %.10g..%.10g and y %.10g..%.10g look like Gauss-Krüger "
                 "metres without a zone prefix (or UTM); the central "
                 "meridian cannot be known from the coordinates alone",
                 minx, maxx, miny, maxy);
        return;
    }

    if (minx < ZONE_PREFIX) {
        snprintf(why, why_size,
                 "x %.10g..%.10g mixes eastings with and without a zone "
                 "prefix",
                 minx, maxx);
        return;
    }
    /* Checked before the conversion to int, which would overflow for
    ** coordinates such as 1e308. */
    if (maxx >= 46 * ZONE_PREFIX) {
        snprintf(why, why_size,
                 "x %.10g..%.10g is beyond the largest Gauss-Krüger zone "
                 "prefix (45)",
                 minx, maxx);
        return;
    }
    int zone = (int)floor(minx / ZONE_PREFIX);
    int zone_max = (int)floor(maxx / ZONE_PREFIX);
    if (zone != zone_max) {
        snprintf(why, why_size,
                 "x %.10g..%.10g spans zone prefixes %d..%d; a layer "
                 "must lie in one zone",
                 minx, maxx, zone, zone_max);
        return;
    }
    double e0 = minx - zone * ZONE_PREFIX, e1 = maxx - zone * ZONE_PREFIX;
    if (e0 < EASTING_MIN || e1 > EASTING_MAX) {
        snprintf(why, why_size,
                 "x %.10g..%.10g has prefix %d but eastings %.10g..%.10g, "
                 "more than 400 km from the zone's central meridian",
                 minx, maxx, zone, e0, e1);
        return;
    }

    if (zone >= 25 && zone <= 45) {
        int cm = 3 * zone;
        int epsg = 4513 + (zone - 25);
        set_guess(out, IBMAP_GUESS_GK3_PREFIXED, zone, cm, epsg);
        snprintf(why, why_size,
                 "x %.10g..%.10g carries zone prefix %d: CGCS2000 3-degree "
                 "Gauss-Krüger zone %d, central meridian %d°E (EPSG:%d)",
                 minx, maxx, zone, zone, cm, epsg);
    } else if (zone >= 15 && zone <= 23) {
        int cm = 6 * zone - 3;
        int epsg = 4491 + (zone - 13);
        set_guess(out, IBMAP_GUESS_GK6_PREFIXED, zone, cm, epsg);
        snprintf(why, why_size,
                 "x %.10g..%.10g carries zone prefix %d: CGCS2000 6-degree "
                 "Gauss-Krüger zone %d, central meridian %d°E (EPSG:%d)",
                 minx, maxx, zone, zone, cm, epsg);
    } else if (zone == 13 || zone == 14) {
        snprintf(why, why_size,
                 "x %.10g..%.10g could be 6-degree Gauss-Krüger zone %d or "
                 "Web Mercator (EPSG:3857) metres; the coordinates cannot "
                 "tell which",
                 minx, maxx, zone);
    } else {
        snprintf(why, why_size,
                 "x %.10g..%.10g has prefix %d, which is no CGCS2000 "
                 "Gauss-Krüger zone over China (13..23 or 25..45)",
                 minx, maxx, zone);
    }
}

int ibmap_gk3_epsg_for_lon(double lon)
{
    /* The comparisons are false for NaN, hence the explicit test. */
    if (!isfinite(lon) || lon < 73.5 || lon > 136.5) return 0;
    int cm = 3 * (int)lround(lon / 3);
    /* A zone edge belongs to the zone to its east (lround rounds halves
    ** away from zero), except 136.5°E, the east edge of the last zone. */
    if (cm > 135) cm = 135;
    return 4534 + (cm - 75) / 3;
}
