/*
** fmt.c — a double as printf's "%.17g" writes it, without printf.
**
** The metrics CSV holds every number with 17 significant digits, which
** read back as the same double; at 100,000 blocks that is ten million
** numbers, and glibc's printf (a multi-precision conversion behind a
** format parser and a locked stream) spent seconds on them.  The digits
** are exact here too: v = m·2^e is scaled to the 17-digit integer
** round(v·10^s) in 128-bit integer arithmetic, rounding half to even as
** glibc does in the default rounding mode, and laid out by %g's rules.
** Values the 128 bits cannot hold exactly (below 1e-6, or 2^64 and
** above), and NaN and infinities, go to snprintf: the output is the same
** bytes either way (tests/test_fmt.c compares both on many millions of
** values).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

typedef unsigned __int128 u128;

/* 10^k for k = 0..22 */
static u128 pow10_u128(int k)
{
    u128 p = 1;
    while (k-- > 0) p *= 10;
    return p;
}

#define TEN16 10000000000000000ULL
#define TEN17 100000000000000000ULL

/* v·10^s for v = m·2^e: its integer part in *floor_out and its value
** rounded to an integer (half to even) in *out; 0 when the arithmetic
** cannot be exact here (the caller falls back to snprintf). */
static int scaled(uint64_t m, int e, int s, uint64_t *floor_out, uint64_t *out)
{
    if (e >= 0) {
        if (e > 11 || (e > 0 && (m >> (64 - e)) != 0)) return 0; /* v ≥ 2^64 */
        uint64_t v = m << e;
        if (s >= 0) {
            if (s > 2) return 0;
            u128 n = (u128)v * pow10_u128(s);
            if (n >> 64) return 0;
            *floor_out = *out = (uint64_t)n;
            return 1;
        }
        if (s < -19) return 0;
        uint64_t p = (uint64_t)pow10_u128(-s), q = v / p, r = v % p;
        uint64_t half = p / 2; /* p is even */
        *floor_out = q;
        if (r > half || (r == half && (q & 1))) q++;
        *out = q;
        return 1;
    }
    int sh = -e;
    if (s < 0 || s > 22 || sh > 120) return 0;
    u128 n = (u128)m * pow10_u128(s);
    u128 q = n >> sh, r = n & (((u128)1 << sh) - 1), half = (u128)1 << (sh - 1);
    if (q >> 64) return 0;
    *floor_out = (uint64_t)q;
    if (r > half || (r == half && (q & 1))) q++;
    if (q >> 64) return 0;
    *out = (uint64_t)q;
    return 1;
}

int ibmap_format_g17(char *buf, double v)
{
    if (!isfinite(v)) return snprintf(buf, 32, "%.17g", v);
    char *o = buf;
    if (signbit(v)) {
        *o++ = '-';
        v = -v;
    }
    if (v == 0) {
        *o++ = '0';
        *o = '\0';
        return (int)(o - buf);
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int be = (int)(bits >> 52) & 0x7ff;
    uint64_t m = bits & ((1ULL << 52) - 1);
    int e;
    if (be == 0) {
        e = -1074;                   /* subnormal */
    } else {
        m |= 1ULL << 52;
        e = be - 1075;
    }
    /* k: the decimal exponent of the first digit; the estimate is fixed
    ** below if it is one off */
    int k = (int)floor(log10(v));
    uint64_t q = 0, qf = 0;
    for (int tries = 0;; tries++) {
        if (tries > 2 || !scaled(m, e, 16 - k, &qf, &q))
            return (int)(o - buf) + snprintf(o, 32, "%.17g", v);
        if (qf < TEN16) {
            k--;
        } else if (qf >= TEN17) {
            k++;
        } else {
            /* 17 digits; rounded up to 10^17 from 99…9.5, they are 1 and
            ** zeros, one exponent up */
            if (q == TEN17) {
                q = TEN16;
                k++;
            }
            break;
        }
    }
    char d[17];
    for (int i = 16; i >= 0; i--) {
        d[i] = (char)('0' + q % 10);
        q /= 10;
    }
    int nd = 17;
    while (nd > 1 && d[nd - 1] == '0') nd--;
    if (k < -4 || k >= 17) {
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        int x = k;
        *o++ = x < 0 ? '-' : '+';
        if (x < 0) x = -x;
        if (x >= 100) *o++ = (char)('0' + x / 100);
        *o++ = (char)('0' + x / 10 % 10);
        *o++ = (char)('0' + x % 10);
    } else if (k >= 0) {
        for (int i = 0; i <= k; i++) *o++ = i < nd ? d[i] : '0';
        if (nd > k + 1) {
            *o++ = '.';
            memcpy(o, d + k + 1, (size_t)(nd - k - 1));
            o += nd - k - 1;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -k - 1; i++) *o++ = '0';
        memcpy(o, d, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return (int)(o - buf);
}
