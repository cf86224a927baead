/*
** numtext.c — numbers and yes/no flags that a source holds as text.
**
** Cadastral and tax tables often keep figures in text fields, typed by
** hand or pasted from spreadsheets: "1,234.5", full-width "１２３４．５"
** from a Chinese input method, "12 " with a stray space, or a word for
** "no value" such as "无" or "N/A".  ibmap_numtext_parse() tells these
** apart so that the caller can log what it did: a plain number (OK), a
** number that needed clean-up (NORMALISED), a recognised no-value
** (MISSING) and anything else (INVALID).  A value that is not a number is
** NaN, never 0: a silent 0 would pass for a real tax figure.
**
** The clean-up is deliberately narrow.  It trims white space, maps the
** full-width forms of digits, '.', ',', '+' and '-' to ASCII, and drops
** thousands separators only when they stand in valid groups of three, so
** that "12,34" (a typo, or a decimal comma) is refused rather than read as
** 1234.  The final conversion is strtod(), which is locale-dependent: the
** library assumes the "C" locale for LC_NUMERIC, so that '.' is the
** decimal point (a program that calls setlocale() must keep LC_NUMERIC
** at "C").  Before strtod() sees the text it is checked against a plain
** decimal grammar, so that strtod's extensions ("nan", "inf", hexadecimal
** "0x1p3") are refused as they should be.
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/load.h"

/* Longer cleaned text is not a figure anyone typed; refusing it lets the
** clean-up use a fixed buffer. */
#define NUMTEXT_MAX 255

/* Byte length of the white-space character at p (at most n bytes long),
** or 0 if there is none.  Besides ASCII white space: U+3000 (ideographic
** space, typed by Chinese input methods) and U+00A0 (no-break space, which
** spreadsheets export). */
static size_t space_len(const unsigned char *p, size_t n)
{
    if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
        return 1;
    if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
    if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0) return 2;
    return 0;
}

/* Byte length of the white-space character that ends s[0..n), or 0. */
static size_t space_len_before(const unsigned char *s, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++)
        if (space_len(s + n - k, k) == k) return k;
    return 0;
}

/* Narrow *s, *n to the text without surrounding white space; returns
** non-zero if anything was removed. */
static int trim(const char **s, size_t *n)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t len = *n, k;
    while (len > 0 && (k = space_len(p, len)) > 0) {
        p += k;
        len -= k;
    }
    while (len > 0 && (k = space_len_before(p, len)) > 0)
        len -= k;
    int trimmed = len != *n;
    *s = (const char *)p;
    *n = len;
    return trimmed;
}

/* Words and marks that people write in a number field to say "no value".
** The ASCII ones are compared without regard to case. */
static const char *const no_values[] = {
    "无",   "空",     "暂无", "不详", "-",     "--",
    "—",    /* U+2014 em dash */
    "——",   /* two em dashes: the Chinese dash */
    "－",   /* U+FF0D full-width hyphen-minus */
    "/",    "／",     /* U+FF0F full-width solidus */
    "N/A",  "NA",     "#N/A", "NULL",  "None",
};

static int is_no_value(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof no_values / sizeof no_values[0]; i++)
        if (strlen(no_values[i]) == n && strncasecmp(s, no_values[i], n) == 0)
            return 1;
    return 0;
}

/* Copy s[0..n) to out as ASCII, mapping the full-width forms U+FF0B '＋',
** U+FF0C '，', U+FF0D '－', U+FF0E '．' and U+FF10..U+FF19 '０'..'９'
** (all encoded EF BC xx).  Any other character ends the copy with 0:
** the text is not a number.  *changed is set if a mapping was made. */
static int to_ascii(const char *s, size_t n, char *out, size_t out_size,
                    int *changed)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char c;
        if (p[i] < 0x80) {
            c = (char)p[i];
            i += 1;
        } else if (i + 2 < n && p[i] == 0xEF && p[i + 1] == 0xBC &&
                   p[i + 2] >= 0x8B && p[i + 2] <= 0x99 && p[i + 2] != 0x8F) {
            /* Full-width forms U+FF01..U+FF5E are ASCII shifted by
            ** 0xFEE0; in UTF-8 (EF BC xx) the last byte is the ASCII code
            ** plus 0x60.  U+FF0F '／' is excluded: not part of a number. */
            c = (char)(p[i + 2] - 0x60);
            *changed = 1;
            i += 3;
        } else {
            return 0;
        }
        if (o + 1 >= out_size) return 0;
        out[o++] = c;
    }
    out[o] = '\0';
    return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Check that buf is a plain decimal number: an optional sign, digits with
** optional thousands separators in groups of three ("1,234,567"), an
** optional fraction and an optional exponent, with at least one digit
** before the exponent.  Sets *commas to the number of separators. */
static int well_formed(const char *buf, int *commas)
{
    const char *p = buf;
    int digits = 0, group = 0;
    *commas = 0;
    if (*p == '+' || *p == '-') p++;
    for (; is_digit(*p) || *p == ','; p++) {
        if (*p != ',') {
            digits++;
            group++;
            continue;
        }
        /* The first group holds 1 to 3 digits, every later one 3. */
        if (*commas == 0 ? group < 1 || group > 3 : group != 3) return 0;
        (*commas)++;
        group = 0;
    }
    if (*commas > 0 && group != 3) return 0;
    if (*p == '.')
        for (p++; is_digit(*p); p++) digits++;
    if (digits == 0) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!is_digit(*p)) return 0;
        while (is_digit(*p)) p++;
    }
    return *p == '\0';
}

ibmap_numtext_result ibmap_numtext_parse(const char *text, double *value)
{
    double ignored;
    if (!value) value = &ignored;
    *value = NAN;
    if (!text) return IBMAP_NUMTEXT_MISSING;

    const char *s = text;
    size_t n = strlen(text);
    int changed = trim(&s, &n);
    if (n == 0 || is_no_value(s, n)) return IBMAP_NUMTEXT_MISSING;

    char buf[NUMTEXT_MAX + 1];
    int commas;
    if (!to_ascii(s, n, buf, sizeof buf, &changed) ||
        !well_formed(buf, &commas))
        return IBMAP_NUMTEXT_INVALID;
    if (commas > 0) {
        char *w = buf;
        for (const char *r = buf; *r; r++)
            if (*r != ',') *w++ = *r;
        *w = '\0';
        changed = 1;
    }

    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    /* ERANGE: beyond double's range ("1e999") or below its normal range;
    ** either way not a figure we can hold faithfully. */
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return IBMAP_NUMTEXT_INVALID;
    *value = v;
    return changed ? IBMAP_NUMTEXT_NORMALISED : IBMAP_NUMTEXT_OK;
}

/* The spellings of yes and no, compared without regard to ASCII case.
** For a flag "无" (none) means no; in a number field it means no value. */
static const char *const flag_yes[] = {"是", "有", "Y", "yes", "true",
                                       "T", "1", "１"};
static const char *const flag_no[] = {"否", "无", "N", "no", "false",
                                      "F", "0", "０"};

static int in_list(const char *s, size_t n, const char *const *list,
                   size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0) return 1;
    return 0;
}

ibmap_numtext_result ibmap_flagtext_parse(const char *text, double *value)
{
    double ignored;
    if (!value) value = &ignored;
    *value = NAN;
    if (!text) return IBMAP_NUMTEXT_MISSING;

    const char *s = text;
    size_t n = strlen(text);
    trim(&s, &n);
    if (n == 0) return IBMAP_NUMTEXT_MISSING;
    if (in_list(s, n, flag_yes, sizeof flag_yes / sizeof flag_yes[0])) {
        *value = 1;
        return IBMAP_NUMTEXT_OK;
    }
    if (in_list(s, n, flag_no, sizeof flag_no / sizeof flag_no[0])) {
        *value = 0;
        return IBMAP_NUMTEXT_OK;
    }
    return IBMAP_NUMTEXT_INVALID;
}
