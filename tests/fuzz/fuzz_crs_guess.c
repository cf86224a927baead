/*
** fuzz_crs_guess.c — identifying a CRS from coordinate ranges
** (engine/geo/crs_guess.c).
**
** The input is four doubles, minx miny maxx maxy: either as text when it
** starts with 'T' ("T 620000 3340000 620100 3340100", read with strtod,
** so that mutations of digits walk across the thresholds), or else as
** the raw bytes of four native doubles (NaN, infinities, denormals, any
** bit pattern; missing bytes are zero).  ibmap_crs_guess_from_extent()
** must give a kind, zone and EPSG code that agree with each other and a
** reason; ibmap_gk3_epsg_for_lon() on each bound must give 0 or a
** CGCS2000 3-degree zone without prefix.
*/
#include <math.h>

#include "fuzz_util.h"
#include "classify/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_guess(const double b[4])
{
    ibmap_crs_guess g;
    memset(&g, 0x5A, sizeof g); /* whatever was there must be overwritten */
    ibmap_crs_guess_from_extent(b[0], b[1], b[2], b[3], &g);
    FUZZ_ASSERT(memchr(g.reason, '\0', sizeof g.reason) != NULL);
    FUZZ_ASSERT(g.reason[0] != '\0');
    switch (g.kind) {
    case IBMAP_GUESS_NONE:
        FUZZ_ASSERT(g.epsg == 0);
        break;
    case IBMAP_GUESS_LONLAT:
        FUZZ_ASSERT(g.epsg == 4490);
        FUZZ_ASSERT(b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90);
        break;
    case IBMAP_GUESS_GK3_PREFIXED:
        FUZZ_ASSERT(g.zone >= 25 && g.zone <= 45);
        FUZZ_ASSERT(g.central_meridian == 3 * g.zone);
        FUZZ_ASSERT(g.epsg == 4513 + g.zone - 25);
        FUZZ_ASSERT(floor(b[0] / 1e6) == g.zone && floor(b[2] / 1e6) == g.zone);
        break;
    case IBMAP_GUESS_GK6_PREFIXED:
        /* 13 and 14 are also Web Mercator eastings: refused */
        FUZZ_ASSERT(g.zone >= 15 && g.zone <= 23);
        FUZZ_ASSERT(g.central_meridian == 6 * g.zone - 3);
        FUZZ_ASSERT(g.epsg == 4491 + g.zone - 13);
        FUZZ_ASSERT(floor(b[0] / 1e6) == g.zone && floor(b[2] / 1e6) == g.zone);
        break;
    case IBMAP_GUESS_GK_NO_PREFIX:
        FUZZ_ASSERT(g.epsg == 0);
        FUZZ_ASSERT(b[0] >= 100000 && b[2] <= 900000);
        break;
    default:
        FUZZ_ASSERT(!"ibmap_crs_guess_from_extent: kind out of range");
    }
    if (g.kind != IBMAP_GUESS_NONE)
        FUZZ_ASSERT(isfinite(b[0]) && isfinite(b[1]) && isfinite(b[2]) &&
                    isfinite(b[3]) && b[0] <= b[2] && b[1] <= b[3]);
    if (g.kind != IBMAP_GUESS_NONE && g.kind != IBMAP_GUESS_LONLAT)
        FUZZ_ASSERT(b[1] >= 1e6 && b[3] <= 6e6);

    for (int i = 0; i < 4; i++) {
        int e = ibmap_gk3_epsg_for_lon(b[i]);
        FUZZ_ASSERT(e == 0 || (e >= 4534 && e <= 4554));
        if (e) FUZZ_ASSERT(b[i] >= 73.5 && b[i] <= 136.5);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double b[4] = {0, 0, 0, 0};
    if (size > 0 && data[0] == 'T') {
        char *text = fuzz_cstr(data + 1, size - 1), *p = text;
        for (int i = 0; i < 4; i++) {
            char *end;
            b[i] = strtod(p, &end);
            if (end == p) break;
            p = end;
        }
        free(text);
    } else {
        memcpy(b, data, size < sizeof b ? size : sizeof b);
    }
    check_guess(b);
    return 0;
}
