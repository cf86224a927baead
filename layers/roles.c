/*
** roles.c — the registry of input roles, and matching source field names
** against the names each canonical field accepts.
**
** The definitions themselves live one per file in layers/roles/; this file
** only indexes them by ibmap_role and answers questions about them.
**
** Matching a source field name (ibmap_field_name_matches) has two strengths:
**
**   2  exact: the name equals an accepted name, ASCII letters compared
**      without case, everything else byte for byte, after trimming
**      surrounding white space (ASCII and the ideographic space U+3000,
**      which Excel-born headers carry).
**
**   1  truncated: the name is an accepted name as the DBF format cut it.
**      A DBF field name holds at most 10 bytes in the file's encoding, and
**      GDAL's shapefile writer cuts longer names at 10 bytes without regard
**      to character boundaries (CPLScanString(name, 10) in OGRShapeLayer::
**      CreateField).  Names reach us decoded to UTF-8, so we reason in
**      characters: an ASCII character is 1 byte in both encodings, any
**      other is 2 bytes in GBK and 3 in UTF-8.  We accept, for an accepted
**      name longer than 10 bytes in that encoding:
**        - the longest prefix of whole characters within 10 bytes
**          (UTF-8: 3 Chinese characters; GBK: 5).  This is what a GBK file
**          gives back: iconv drops the dangling lead byte of a cut
**          character.
**        - in UTF-8, the raw first 10 bytes when the cut split a
**          character: GDAL does not recode UTF-8 to UTF-8, so the partial
**          bytes survive as garbage.
**        - the whole-character prefix followed by one U+FFFD or '?', when
**          the cut split a character: what a replacing decoder makes of
**          the partial bytes.
**      Checked with GDAL 3.6.2 (ogr2ogr to a shapefile, read back with
**      ogrinfo): 统一社会信用代码 comes back as 统一社会信 from a GBK file
**      and as 统一社 plus the byte E4 from a UTF-8 file.
**      Nothing shorter: no writer cuts at 9 bytes, and a shorter prefix
**      (e.g. 税收 for 税收合计) is another name, matched only if it is an
**      accepted name itself.
**
** Two rules keep truncated matches from guessing wrong:
**
**   - An accepted name with a bracketed unit, e.g. 占地面积（亩）, matches
**     only whole.  The cut removes the unit, and the unit was the reason to
**     list it: 占地面积 alone is usually m², so its cut must not pass for
**     亩.  The plain name (when it is accepted) still truncates.
**
**   - A truncated name that a sibling field of the same role also matches
**     (exactly or truncated) matches neither: 环境管控单元编码 and
**     环境管控单元名称 both cut to 环境管 in UTF-8, and a code must not be
**     filled with names.  The caller then asks the user to name the field.
**
** Whatever the rules, a truncated match is a guess: callers prefer 2 over 1
** and should say which source field they took.
*/
#include "roles.h"

#include <string.h>

extern const ibmap_role_def ibmap_role_blocks;
extern const ibmap_role_def ibmap_role_parcels;
extern const ibmap_role_def ibmap_role_landuse;
extern const ibmap_role_def ibmap_role_redline;
extern const ibmap_role_def ibmap_role_control_units;
extern const ibmap_role_def ibmap_role_parks;
extern const ibmap_role_def ibmap_role_central;
extern const ibmap_role_def ibmap_role_transition;
extern const ibmap_role_def ibmap_role_basic_farmland;
extern const ibmap_role_def ibmap_role_towns;

static const ibmap_role_def *const registry[] = {
    [IBMAP_ROLE_BLOCKS] = &ibmap_role_blocks,
    [IBMAP_ROLE_PARCELS] = &ibmap_role_parcels,
    [IBMAP_ROLE_LANDUSE] = &ibmap_role_landuse,
    [IBMAP_ROLE_REDLINE] = &ibmap_role_redline,
    [IBMAP_ROLE_CONTROL_UNITS] = &ibmap_role_control_units,
    [IBMAP_ROLE_PARKS] = &ibmap_role_parks,
    [IBMAP_ROLE_CENTRAL] = &ibmap_role_central,
    [IBMAP_ROLE_TRANSITION] = &ibmap_role_transition,
    [IBMAP_ROLE_BASIC_FARMLAND] = &ibmap_role_basic_farmland,
    [IBMAP_ROLE_TOWNS] = &ibmap_role_towns,
};

_Static_assert(sizeof registry / sizeof registry[0] == IBMAP_ROLE_COUNT,
               "every role needs a definition in layers/roles/");

/* The enum may hold any int the caller cast into it. */
static int role_ok(ibmap_role role)
{
    return (int)role >= 0 && (int)role < IBMAP_ROLE_COUNT;
}

const ibmap_role_def *ibmap_role_def_get(ibmap_role role)
{
    return role_ok(role) ? registry[role] : NULL;
}

/* ---------------------------------------------------------------------- */
/* Roles                                                                  */
/* ---------------------------------------------------------------------- */

const char *ibmap_role_name(ibmap_role role)
{
    return role_ok(role) ? registry[role]->name : NULL;
}

/* ASCII-only folding: the C library's tolower() follows the locale, and a
** single-byte locale would fold bytes inside UTF-8 sequences. */
static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int ibmap_role_from_name(const char *name)
{
    if (!name) return -1;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        const char *want = registry[r]->name, *p = name;
        while (*want && *p) {
            int c = ascii_lower((unsigned char)*p);
            if (c == '-') c = '_';
            if (c != *want) break;
            want++, p++;
        }
        if (!*want && !*p) return r;
    }
    return -1;
}

int ibmap_role_required(ibmap_role role)
{
    return role_ok(role) ? registry[role]->required : 0;
}

int ibmap_role_field_count(ibmap_role role)
{
    return role_ok(role) ? registry[role]->n_fields : 0;
}

const ibmap_field_info *ibmap_role_field(ibmap_role role, int index)
{
    if (!role_ok(role) || index < 0 || index >= registry[role]->n_fields)
        return NULL;
    return &registry[role]->fields[index];
}

/* Canonical names are identifiers of the public interface: compared
** exactly, as a project file's "fields:" keys are. */
int ibmap_role_field_index(ibmap_role role, const char *name)
{
    if (!role_ok(role) || !name) return -1;
    const ibmap_role_def *def = registry[role];
    for (int i = 0; i < def->n_fields; i++)
        if (strcmp(def->fields[i].name, name) == 0) return i;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Field names                                                            */
/* ---------------------------------------------------------------------- */

enum { DBF_NAME_MAX = 10 }; /* bytes in a DBF field descriptor's name */

/* Bytes of the UTF-8 character whose first byte is c.  A stray
** continuation or invalid byte counts as one byte, so walking never stops
** inside garbage. */
static size_t utf8_char_len(unsigned char c)
{
    if (c < 0xC0) return 1;
    if (c < 0xE0) return 2;
    if (c < 0xF0) return 3;
    if (c < 0xF8) return 4;
    return 1;
}

/* The first `len` bytes of a and b are equal, ASCII letters without case. */
static int same_prefix(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (ascii_lower((unsigned char)a[i]) !=
            ascii_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* s (of length n) is the first `cut` bytes of alias, optionally followed by
** exactly `tail` (NULL: nothing may follow). */
static int is_cut(const char *s, size_t n, const char *alias, size_t cut,
                  const char *tail)
{
    size_t t = tail ? strlen(tail) : 0;
    return n == cut + t && same_prefix(s, alias, cut) &&
           (!tail || memcmp(s + cut, tail, t) == 0);
}

/* What a replacing decoder may leave for the bytes of a split character. */
static const char *const split_marks[] = {"\xEF\xBF\xBD", "?"};

/* s (length n) is `alias` as a 10-byte DBF name cut it in UTF-8 or GBK. */
static int matches_truncated(const char *s, size_t n, const char *alias)
{
    /* A bracketed unit would be cut away: see the file comment. */
    if (strchr(alias, '(') || strstr(alias, "\xEF\xBC\x88" /* （ */))
        return 0;

    size_t len = strlen(alias);
    size_t ucut = 0;     /* UTF-8 bytes of whole characters within 10 */
    size_t gcut = 0;     /* UTF-8 bytes of the characters within 10 GBK bytes */
    size_t gbk_at = 0;   /* GBK bytes of those characters */
    size_t gbk_len = 0;  /* GBK bytes of the whole alias */
    int gbk_split = 0;   /* the GBK cut fell inside a character */
    for (size_t i = 0; i < len;) {
        size_t ub = utf8_char_len((unsigned char)alias[i]);
        size_t gb = ub == 1 ? 1 : 2;
        if (i + ub <= DBF_NAME_MAX) ucut = i + ub;
        if (gbk_len + gb <= DBF_NAME_MAX) {
            gcut = i + ub;
            gbk_at = gbk_len + gb;
        } else if (gbk_len == gbk_at && gbk_at < DBF_NAME_MAX) {
            gbk_split = 1; /* the first character past the cut straddles it */
        }
        gbk_len += gb;
        i += ub;
    }

    if (len > DBF_NAME_MAX) {
        if (is_cut(s, n, alias, ucut, NULL)) return 1;
        if (ucut < DBF_NAME_MAX) { /* the cut split a character */
            if (is_cut(s, n, alias, DBF_NAME_MAX, NULL)) return 1;
            for (size_t k = 0; k < sizeof split_marks / sizeof *split_marks; k++)
                if (is_cut(s, n, alias, ucut, split_marks[k])) return 1;
        }
    }
    if (gbk_len > DBF_NAME_MAX) {
        if (is_cut(s, n, alias, gcut, NULL)) return 1;
        if (gbk_split)
            for (size_t k = 0; k < sizeof split_marks / sizeof *split_marks; k++)
                if (is_cut(s, n, alias, gcut, split_marks[k])) return 1;
    }
    return 0;
}

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim surrounding white space: ASCII, and U+3000 (E3 80 80). */
static void trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;
    for (;;) {
        if (len && is_ascii_space((unsigned char)*p)) {
            p++, len--;
        } else if (len >= 3 && memcmp(p, "\xE3\x80\x80", 3) == 0) {
            p += 3, len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (len && is_ascii_space((unsigned char)p[len - 1])) {
            len--;
        } else if (len >= 3 && memcmp(p + len - 3, "\xE3\x80\x80", 3) == 0) {
            len -= 3;
        } else {
            break;
        }
    }
    *s = p;
    *n = len;
}

/* The strength of the match with `field` alone, before looking at its
** siblings. */
static int match_one(const ibmap_field_info *field, const char *s, size_t n)
{
    int best = 0;
    if (!field->aliases || n == 0) return 0;
    for (const char *const *a = field->aliases; *a; a++) {
        if (strlen(*a) == n && same_prefix(s, *a, n)) return 2;
        if (!best && matches_truncated(s, n, *a)) best = 1;
    }
    return best;
}

/* The role definition holding `field`, or NULL for a field made elsewhere
** (tests build their own).  Element addresses are compared for equality
** only, which C defines across arrays. */
static const ibmap_role_def *role_holding(const ibmap_field_info *field)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        for (int i = 0; i < registry[r]->n_fields; i++)
            if (&registry[r]->fields[i] == field) return registry[r];
    return NULL;
}

int ibmap_field_name_matches(const ibmap_field_info *field,
                             const char *source_name)
{
    if (!field || !source_name) return 0;
    const char *s = source_name;
    size_t n = strlen(s);
    trim(&s, &n);

    int m = match_one(field, s, n);
    if (m != 1) return m;

    /* A truncated name another field of the role also claims is nobody's. */
    const ibmap_role_def *def = role_holding(field);
    if (def)
        for (int i = 0; i < def->n_fields; i++)
            if (&def->fields[i] != field && match_one(&def->fields[i], s, n))
                return 0;
    return 1;
}
