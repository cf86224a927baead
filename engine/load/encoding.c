/*
** encoding.c — what encoding a source's text is in, and conversion to
** UTF-8.
**
** A shapefile's DBF stores bytes, not characters.  Three things may say
** which encoding the bytes are in, in this order of trust:
**
**   1. a sibling .cpg file holding an encoding name ("UTF-8", "936",
**      "GBK", "Big-5", ...), written by ArcGIS, QGIS and GDAL;
**   2. the DBF "language driver id" (LDID), header byte 29, a code from
**      the dBASE/ESRI table (0x7A = code page 936, ...);
**   3. nothing: LDID 0 and no .cpg.  The caller must then look at the
**      bytes (Chinese data of this kind is usually GBK, sometimes UTF-8).
**
** Names are normalised to what glibc's iconv accepts.  GBK, GB2312 and
** code page 936 all become GB18030, which is a superset of each, so that
** one decoder reads them all (GB2312 text is valid GBK, GBK is valid
** GB18030).
**
** Conversion uses iconv directly, not GDAL's CPLRecode(), because we need
** to know when bytes are not valid in the declared encoding (CPLRecode
** replaces them and warns once), and so that the result is plain
** malloc'd memory.
*/
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_vsi.h>

#include "load/load.h"

/* ---------------------------------------------------------------------- */
/* UTF-8 validity                                                         */
/* ---------------------------------------------------------------------- */

/* Well-formed UTF-8 as the Unicode Standard defines it (chapter 3, table
** 3-7 "Well-Formed UTF-8 Byte Sequences"): no overlong forms (C0, C1,
** E0 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing above
** U+10FFFF (F4 90.., F5..FF), no truncated sequences. */
int ibmap_utf8_valid(const char *s, size_t n)
{
    if (!s) return n == 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return 0;
        }
        if (n - i < len) return 0;
        if (p[i + 1] < lo || p[i + 1] > hi) return 0;
        for (size_t k = 2; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Encoding names                                                         */
/* ---------------------------------------------------------------------- */

/* Spellings other than code page numbers, upper case. */
static const struct {
    const char *alias;
    const char *name;
} aliases[] = {
    {"UTF-8", "UTF-8"},      {"UTF8", "UTF-8"},
    {"GB18030", "GB18030"},  {"GBK", "GB18030"},
    {"GB2312", "GB18030"},   {"GB_2312-80", "GB18030"},
    {"EUC-CN", "GB18030"},   {"EUCCN", "GB18030"},
    {"BIG5", "BIG5"},        {"BIG-5", "BIG5"},
    {"LATIN1", "ISO-8859-1"}, {"LATIN-1", "ISO-8859-1"},
};

/* Code pages by number, as .cpg files and DBF LDIDs give them, with the
** iconv name of each.  All are known to glibc's iconv (the tests check).
** 936 and 950 map to the names the rest of ibmap uses for them. */
static const struct {
    int cp;
    const char *name;
} codepages[] = {
    {437, "CP437"},     {737, "CP737"},     {775, "CP775"},
    {850, "CP850"},     {852, "CP852"},     {855, "CP855"},
    {857, "CP857"},     {860, "CP860"},     {861, "CP861"},
    {862, "CP862"},     {863, "CP863"},     {864, "CP864"},
    {865, "CP865"},     {866, "CP866"},     {869, "CP869"},
    {874, "CP874"},     {932, "CP932"},     {936, "GB18030"},
    {949, "CP949"},     {950, "BIG5"},      {1250, "CP1250"},
    {1251, "CP1251"},   {1252, "CP1252"},   {1253, "CP1253"},
    {1254, "CP1254"},   {1255, "CP1255"},   {1256, "CP1256"},
    {1257, "CP1257"},   {1258, "CP1258"},   {10000, "MACINTOSH"},
    {10007, "MAC-CYRILLIC"}, {10029, "MAC-CENTRALEUROPE"},
    {28591, "ISO-8859-1"}, {54936, "GB18030"}, {65001, "UTF-8"},
};

static const char *codepage_name(long cp)
{
    for (size_t i = 0; i < sizeof codepages / sizeof codepages[0]; i++)
        if (codepages[i].cp == cp) return codepages[i].name;
    return NULL;
}

/* Parse a run of 1 to 5 decimal digits that ends the string, or -1. */
static long parse_number(const char *s)
{
    long v = 0;
    size_t n = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++)
        if (n < 5) v = v * 10 + (s[n] - '0'); /* no overflow on long runs */
    return n >= 1 && n <= 5 && s[n] == '\0' ? v : -1;
}

/* "ISO-8859-5", "ISO8859_5", "8859-5", "88595", ... -> 5; else -1.  glibc
** has ISO-8859-1 to -16 except -12 (never published). */
static long parse_iso8859(const char *s)
{
    if (strncmp(s, "ISO", 3) == 0) {
        s += 3;
        if (*s == '-' || *s == '_' || *s == ' ') s++;
    }
    if (strncmp(s, "8859", 4) != 0) return -1;
    s += 4;
    if (*s == '-' || *s == '_') s++;
    long part = parse_number(s);
    return part >= 1 && part <= 16 && part != 12 ? part : -1;
}

/* "936", "CP936", "MS936", "WINDOWS-936", "ANSI 936" -> 936; else -1. */
static long parse_codepage(const char *s)
{
    static const char *const prefixes[] = {"WINDOWS-", "ANSI", "CP", "MS"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t k = strlen(prefixes[i]);
        if (strncmp(s, prefixes[i], k) == 0) {
            s += k;
            break;
        }
    }
    while (*s == ' ') s++;
    return parse_number(s);
}

static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

int ibmap_encoding_normalise(const char *name, char *out, size_t out_size)
{
    if (out && out_size > 0) out[0] = '\0';
    if (!name || !out || out_size == 0) return 0;

    /* .cpg files may start with a UTF-8 byte order mark and end with a
    ** newline; users type "  gbk ". */
    if (strncmp(name, "\xEF\xBB\xBF", 3) == 0) name += 3;
    while (is_space(*name)) name++;
    size_t n = strlen(name);
    while (n > 0 && is_space(name[n - 1])) n--;

    /* Compare in upper case; no real encoding name is this long. */
    char up[64];
    if (n == 0 || n >= sizeof up) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        up[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    up[n] = '\0';

    char iso[32];
    const char *result = NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0] && !result; i++)
        if (strcmp(up, aliases[i].alias) == 0) result = aliases[i].name;
    long part;
    if (!result && (part = parse_iso8859(up)) > 0) {
        snprintf(iso, sizeof iso, "ISO-8859-%ld", part);
        result = iso;
    }
    if (!result) result = codepage_name(parse_codepage(up));
    if (!result || strlen(result) >= out_size) return 0;
    memcpy(out, result, strlen(result) + 1);
    return 1;
}

/* ---------------------------------------------------------------------- */
/* What a shapefile declares                                              */
/* ---------------------------------------------------------------------- */

/* Code page of a DBF language driver id, after GDAL 3.x,
** ogr/ogrsf_frmts/shape/ogrshapelayer.cpp, GetEncodingFromLDIDNumber()
** (itself after ESRI's and dBASE's tables: 0x4D and 0x7A are 936,
** 0x4F and 0x78 950, 0x4E and 0x79 949, 0x13 and 0x7B 932, 0x03 1252).
**
** One deliberate difference: GDAL reads 0x57 as ISO-8859-1, but 0x57 is
** dBASE's "ANSI", the code page of whatever machine wrote the file; on a
** Chinese Windows machine that is 936.  Reading GBK bytes as ISO-8859-1
** never fails, so it would turn Chinese text into mojibake without a
** warning.  0x57 is therefore treated as declaring nothing, and the caller
** looks at the bytes instead. */
static const struct {
    unsigned char ldid;
    int cp;
} ldids[] = {
    {0x01, 437},  {0x02, 850},   {0x03, 1252},  {0x04, 10000}, {0x08, 865},
    {0x0A, 850},  {0x0B, 437},   {0x0D, 437},   {0x0E, 850},   {0x0F, 437},
    {0x10, 850},  {0x11, 437},   {0x12, 850},   {0x13, 932},   {0x14, 850},
    {0x15, 437},  {0x16, 850},   {0x17, 865},   {0x18, 437},   {0x19, 437},
    {0x1A, 850},  {0x1B, 437},   {0x1C, 863},   {0x1D, 850},   {0x1F, 852},
    {0x22, 852},  {0x23, 852},   {0x24, 860},   {0x25, 850},   {0x26, 866},
    {0x37, 850},  {0x40, 852},   {0x4D, 936},   {0x4E, 949},   {0x4F, 950},
    {0x50, 874},  {0x58, 1252},  {0x59, 1252},  {0x64, 852},   {0x65, 866},
    {0x66, 865},  {0x67, 861},   {0x68, 895},   {0x69, 620},   {0x6A, 737},
    {0x6B, 857},  {0x6C, 863},   {0x78, 950},   {0x79, 949},   {0x7A, 936},
    {0x7B, 932},  {0x7C, 874},   {0x86, 737},   {0x87, 852},   {0x88, 857},
    {0x96, 10007}, {0x97, 10029}, {0xC8, 1250}, {0xC9, 1251},  {0xCA, 1254},
    {0xCB, 1253}, {0xCC, 1257},
};

/* iconv name for an LDID, or NULL (0, 0x57, unknown, or a code page that
** iconv lacks: 895 Kamenicky and 620 Mazovia). */
static const char *ldid_name(unsigned char ldid)
{
    for (size_t i = 0; i < sizeof ldids / sizeof ldids[0]; i++)
        if (ldids[i].ldid == ldid) return codepage_name(ldids[i].cp);
    return NULL;
}

/* Read up to size-1 bytes of a file into buf as a string; returns the
** number of bytes read, or -1 if the file cannot be opened. */
static long read_head(const char *path, char *buf, size_t size)
{
    /* Through GDAL's virtual file system, so that a shapefile inside a
    ** .zip (/vsizip/…) is read like one on disk. */
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f) return -1;
    size_t n = VSIFReadL(buf, 1, size - 1, f);
    VSIFCloseL(f);
    buf[n] = '\0';
    return (long)n;
}

int ibmap_shapefile_declared_encoding(const char *path, char *enc,
                                      size_t enc_size, const char **from)
{
    if (from) *from = NULL;
    if (enc && enc_size > 0) enc[0] = '\0';
    if (!path || !enc || enc_size == 0) return 0;

    /* The sibling files share the path up to the extension; the case of
    ** their extensions varies with the tool that wrote them. */
    size_t base = strlen(path);
    for (size_t i = base; i > 0 && path[i - 1] != '/' && path[i - 1] != '\\';
         i--)
        if (path[i - 1] == '.') {
            base = i - 1;
            break;
        }
    char *sibling = malloc(base + 5);
    if (!sibling) return 0;
    memcpy(sibling, path, base);

    static const char *const cpg_ext[] = {".cpg", ".CPG"};
    static const char *const dbf_ext[] = {".dbf", ".DBF"};
    char buf[128];
    int found = 0;
    for (int i = 0; i < 2 && !found; i++) {
        memcpy(sibling + base, cpg_ext[i], 5);
        /* An unrecognised .cpg is ignored, as if absent. */
        if (read_head(sibling, buf, sizeof buf) >= 0 &&
            ibmap_encoding_normalise(buf, enc, enc_size)) {
            if (from) *from = "cpg";
            found = 1;
        }
    }
    for (int i = 0; i < 2 && !found; i++) {
        memcpy(sibling + base, dbf_ext[i], 5);
        long n = read_head(sibling, buf, 33);
        if (n < 0) continue;
        const char *name = n >= 32 ? ldid_name((unsigned char)buf[29]) : NULL;
        if (name && strlen(name) < enc_size) {
            memcpy(enc, name, strlen(name) + 1);
            if (from) *from = "ldid";
            found = 1;
        }
        break; /* the DBF was read: the other case spelling cannot help */
    }
    free(sibling);
    return found;
}

/* ---------------------------------------------------------------------- */
/* Conversion                                                             */
/* ---------------------------------------------------------------------- */

char *ibmap_to_utf8(const char *text, const char *from)
{
    if (!text || !from) return NULL;
    char name[32];
    const char *enc = ibmap_encoding_normalise(from, name, sizeof name)
                          ? name
                          : from;
    size_t n = strlen(text);

    if (strcmp(enc, "UTF-8") == 0) {
        if (!ibmap_utf8_valid(text, n)) return NULL;
        char *copy = malloc(n + 1);
        if (copy) memcpy(copy, text, n + 1);
        return copy;
    }

    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1) return NULL;
    /* Three UTF-8 bytes per input byte suffice for every single- and
    ** double-byte code page; the buffer doubles when they do not. */
    size_t cap = 3 * n + 4, used = 0;
    char *out = malloc(cap);
    char *in = (char *)text; /* iconv's prototype lacks the const */
    size_t inleft = n;
    int ok = out != NULL, flushing = 0;
    while (ok) {
        char *o = out + used;
        size_t oleft = cap - 1 - used; /* one byte kept for the '\0' */
        /* After the text, a call without input lets a stateful encoding
        ** write its closing sequence. */
        size_t r = flushing ? iconv(cd, NULL, NULL, &o, &oleft)
                            : iconv(cd, &in, &inleft, &o, &oleft);
        used = (size_t)(o - out);
        if (r != (size_t)-1) {
            if (flushing) break;
            flushing = 1; /* all the text is converted */
        } else if (errno == E2BIG) {
            char *bigger = realloc(out, 2 * cap);
            ok = bigger != NULL;
            if (ok) {
                out = bigger;
                cap *= 2;
            }
        } else {
            /* EILSEQ: a byte sequence invalid in `enc`; EINVAL: the text
            ** ends inside a sequence.  Both mean "not this encoding". */
            ok = 0;
        }
    }
    iconv_close(cd);
    if (!ok) {
        free(out);
        return NULL;
    }
    out[used] = '\0';
    return out;
}
