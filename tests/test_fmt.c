/*
** test_fmt.c — ibmap_format_g17 (engine/core/fmt.c) writes the bytes
** printf("%.17g") writes, for every kind of double: random bit patterns,
** the metrics' kinds of values (areas, shares, counts, distances), powers
** of ten and their neighbours, exact half-way cases (rounded to even),
** signed zeros, subnormals, infinities and NaN.
*/
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "core/core.h"

static uint64_t state = 88172645463325252ULL;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static int64_t mismatches;

static void check(double v)
{
    char want[64], got[64];
    snprintf(want, sizeof want, "%.17g", v);
    int n = ibmap_format_g17(got, v);
    if (strcmp(want, got) != 0 || n != (int)strlen(want)) {
        if (mismatches++ < 10) printf("# %a: printf %s, ibmap_format_g17 %s\n", v, want, got);
    }
}

TEST(special_values)
{
    mismatches = 0;
    static const double values[] = {0.0, -0.0, 1, -1, 0.1, 0.5, 1.5, 2.5, 10, 100, 1e16, 1e17,
                                    1e21, 1e22, 1e23, 123456789012345678.0, 1e-5, 1e-4,
                                    1e-6, 1e-7, 9.9999999999999995e-07, 0.30000000000000004,
                                    4503599627370496.5, 9007199254740993.0, 18446744073709551616.0,
                                    1.7976931348623157e308, 2.2250738585072014e-308,
                                    4.9406564584124654e-324, 666.66666666666663, 15.0 / 10000};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        check(values[i]);
        check(-values[i]);
    }
    check(INFINITY);
    check(-INFINITY);
    check(NAN);
    CHECK_INT(mismatches, 0);
}

TEST(powers_of_ten_and_neighbours)
{
    mismatches = 0;
    for (int e = -325; e <= 308; e++)
        for (int d = -3; d <= 3; d++) {
            double v = pow(10.0, e);
            for (int k = 0; k < abs(d); k++) v = nextafter(v, d > 0 ? INFINITY : 0);
            check(v);
        }
    CHECK_INT(mismatches, 0);
}

/* j / 2^t with 18 significant digits, the last a 5: exactly half-way
** between two 17-digit numbers; printf rounds to the even one. */
TEST(half_way_cases_round_to_even)
{
    mismatches = 0;
    int64_t n = 0;
    for (int t = 1; t <= 60; t++) {
        double p5 = pow(5.0, t), lo = ceil(1e17 / p5), hi = floor(1e18 / p5);
        for (double j = lo; j <= hi && j < lo + 4000; j++) {
            if (j >= 9007199254740992.0) break;
            if (fmod(j, 2.0) == 0) continue;
            check(ldexp(j, -t));
            n++;
        }
    }
    CHECK(n > 10000);
    CHECK_INT(mismatches, 0);
}

TEST(random_values_of_every_kind)
{
    mismatches = 0;
    for (int64_t i = 0; i < 2000000; i++) {
        uint64_t r = next();
        double v;
        switch (i % 8) {
        case 0: memcpy(&v, &r, sizeof v); break;                       /* any bits */
        case 1: v = (double)(r % 100000000) / 1000.0; break;           /* m² to 3 decimals */
        case 2: v = (double)(r >> 11) / 9007199254740992.0; break;     /* shares */
        case 3: v = ldexp((double)(r >> 11), (int)(next() % 140) - 90); break;
        case 4: v = (double)(int64_t)(r >> (next() % 64)); break;      /* integers */
        case 5: v = (double)(r % 1000000) * 0.01 + (double)(next() % 100) * 1e-7; break;
        case 6: v = pow(10.0, (double)((int)(next() % 60) - 30)) * (1 + (double)(r % 1000) / 1000.0); break;
        default: v = nextafter((double)(r % 100000) / 7.0, (r & 1) ? INFINITY : -INFINITY); break;
        }
        check((next() & 1) ? -v : v);
    }
    CHECK_INT(mismatches, 0);
}

int main(void)
{
    RUN(special_values);
    RUN(powers_of_ten_and_neighbours);
    RUN(half_way_cases_round_to_even);
    RUN(random_values_of_every_kind);
    return test_finish();
}
