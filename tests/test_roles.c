/*
** test_roles.c — the input roles, their canonical fields, and the matching
** of source field names (layers/roles.c, layers/roles/ *.c).
**
** The canonical field names are a public interface: project files, the
** command line (--field parcels.tax=SSHJ) and output columns use them, so a
** test fails when one is renamed, added or reordered.
**
** docs/fields.md is generated from the role definitions by
** write_fields_md() below, and checked here against the file, so the
** documentation cannot drift from the code.  After changing a role:
**
**     IBMAP_WRITE_DOCS=1 meson test -C build test_roles
**   or
**     IBMAP_SOURCE_ROOT=$PWD IBMAP_WRITE_DOCS=1 build/tests/test_roles
*/
#include "harness.h"

#include "ibmap.h"
#include "classify/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static const ibmap_field_info *field_of(ibmap_role role, const char *name)
{
    return ibmap_role_field(role, ibmap_role_field_index(role, name));
}

/* Bytes of the UTF-8 character starting with c; 0 if c cannot start one. */
static size_t u8len(unsigned char c)
{
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c < 0xE0) return 2;
    if (c >= 0xE0 && c < 0xF0) return 3;
    if (c >= 0xF0 && c < 0xF5) return 4;
    return 0;
}

static int valid_utf8(const char *s)
{
    for (size_t i = 0; s[i];) {
        size_t n = u8len((unsigned char)s[i]);
        if (!n) return 0;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80) return 0;
        i += n;
    }
    return 1;
}

/* The name a 10-byte DBF field name leaves of `alias`: the longest prefix
** of whole characters within 10 bytes, counting each non-ASCII character
** as `wide` bytes (3: UTF-8, 2: GBK).  Empty when nothing is cut.  Written
** apart from layers/roles.c on purpose, as a cross-check. */
static void dbf_cut(const char *alias, size_t wide, char *out, size_t cap)
{
    size_t bytes = 0, enc = 0, total = 0;
    for (size_t i = 0; alias[i];) {
        size_t n = u8len((unsigned char)alias[i]);
        size_t w = n == 1 ? 1 : wide;
        if (total == enc && enc + w <= 10) {
            enc += w;
            bytes = i + n;
        }
        total += w;
        i += n;
    }
    out[0] = '\0';
    if (total > 10 && bytes < cap) {
        memcpy(out, alias, bytes);
        out[bytes] = '\0';
    }
}

/* ---------------------------------------------------------------------- */
/* Roles                                                                  */
/* ---------------------------------------------------------------------- */

static const char *const role_names[IBMAP_ROLE_COUNT] = {
    "blocks", "parcels", "landuse", "redline", "control_units", "parks",
    "central", "transition", "basic_farmland", "towns"};

TEST(role_names_round_trip)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        CHECK_STR(ibmap_role_name((ibmap_role)r), role_names[r]);
        CHECK_INT(ibmap_role_from_name(role_names[r]), r);
        char buf[64];
        size_t i = 0;
        for (; role_names[r][i]; i++) {
            char c = role_names[r][i];
            buf[i] = c == '_' ? '-' : (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        }
        buf[i] = '\0';
        CHECK_INT(ibmap_role_from_name(buf), r);
    }
    CHECK_INT(ibmap_role_from_name("control-units"), IBMAP_ROLE_CONTROL_UNITS);
    CHECK_INT(ibmap_role_from_name("Basic-Farmland"), IBMAP_ROLE_BASIC_FARMLAND);
    CHECK_INT(ibmap_role_from_name("control_units"), IBMAP_ROLE_CONTROL_UNITS);
}

TEST(role_names_unknown)
{
    CHECK_INT(ibmap_role_from_name(NULL), -1);
    CHECK_INT(ibmap_role_from_name(""), -1);
    CHECK_INT(ibmap_role_from_name("block"), -1);
    CHECK_INT(ibmap_role_from_name("blocksx"), -1);
    CHECK_INT(ibmap_role_from_name("blocks "), -1);
    CHECK_INT(ibmap_role_from_name("control units"), -1);
    CHECK_INT(ibmap_role_from_name("controlunits"), -1);
    CHECK(ibmap_role_name(IBMAP_ROLE_COUNT) == NULL);
    CHECK(ibmap_role_name((ibmap_role)-1) == NULL);
}

TEST(role_registry)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        const ibmap_role_def *def = ibmap_role_def_get((ibmap_role)r);
        CHECK(def != NULL);
        CHECK_INT(def->role, r);
        CHECK_STR(def->name, role_names[r]);
        CHECK(def->label_zh && *def->label_zh);
        CHECK(def->description && *def->description);
        CHECK(def->fields != NULL);
        CHECK(def->n_fields > 0);
        CHECK_INT(ibmap_role_field_count((ibmap_role)r), def->n_fields);
        CHECK(ibmap_role_field((ibmap_role)r, 0) == &def->fields[0]);
    }
    CHECK(ibmap_role_def_get(IBMAP_ROLE_COUNT) == NULL);
    CHECK(ibmap_role_def_get((ibmap_role)-1) == NULL);
}

TEST(required_roles)
{
    static const int required[IBMAP_ROLE_COUNT] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        CHECK_INT(!!ibmap_role_required((ibmap_role)r), required[r]);
    CHECK_INT(ibmap_role_required(IBMAP_ROLE_COUNT), 0);
    CHECK_INT(ibmap_role_required((ibmap_role)-1), 0);
}

TEST(out_of_range)
{
    CHECK_INT(ibmap_role_field_count(IBMAP_ROLE_COUNT), 0);
    CHECK_INT(ibmap_role_field_count((ibmap_role)-1), 0);
    CHECK(ibmap_role_field(IBMAP_ROLE_COUNT, 0) == NULL);
    CHECK(ibmap_role_field((ibmap_role)-1, 0) == NULL);
    CHECK(ibmap_role_field(IBMAP_ROLE_BLOCKS, -1) == NULL);
    CHECK(ibmap_role_field(IBMAP_ROLE_BLOCKS,
                           ibmap_role_field_count(IBMAP_ROLE_BLOCKS)) == NULL);
    CHECK_INT(ibmap_role_field_index(IBMAP_ROLE_COUNT, "id"), -1);
    CHECK_INT(ibmap_role_field_index(IBMAP_ROLE_PARCELS, "nope"), -1);
    CHECK_INT(ibmap_role_field_index(IBMAP_ROLE_PARCELS, NULL), -1);
    /* canonical names are exact identifiers */
    CHECK_INT(ibmap_role_field_index(IBMAP_ROLE_PARCELS, "TAX"), -1);
    CHECK_INT(ibmap_role_field_index(IBMAP_ROLE_PARCELS, "SSHJ"), -1);
}

/* ---------------------------------------------------------------------- */
/* Canonical fields: the public interface                                 */
/* ---------------------------------------------------------------------- */

static const char *const canonical[IBMAP_ROLE_COUNT][17] = {
    [IBMAP_ROLE_BLOCKS] = {"id", "name", "town"},
    [IBMAP_ROLE_PARCELS] = {"id", "enterprise", "credit_code", "tax",
                            "value_added", "revenue", "energy", "emissions",
                            "employees", "rnd", "land_mu", "floor_m2", "grade",
                            "industry", "is_lsl", "is_small"},
    [IBMAP_ROLE_LANDUSE] = {"code", "name"},
    [IBMAP_ROLE_REDLINE] = {"id", "name"},
    [IBMAP_ROLE_CONTROL_UNITS] = {"code", "name", "type"},
    [IBMAP_ROLE_PARKS] = {"id", "name"},
    [IBMAP_ROLE_CENTRAL] = {"id", "name"},
    [IBMAP_ROLE_TRANSITION] = {"id", "name"},
    [IBMAP_ROLE_BASIC_FARMLAND] = {"id", "name"},
    [IBMAP_ROLE_TOWNS] = {"code", "name"},
};

TEST(canonical_field_names)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        int n = 0;
        while (canonical[r][n]) n++;
        CHECK_INT(ibmap_role_field_count((ibmap_role)r), n);
        for (int i = 0; i < n; i++) {
            const ibmap_field_info *f = ibmap_role_field((ibmap_role)r, i);
            CHECK(f != NULL);
            CHECK_STR(f->name, canonical[r][i]);
            CHECK_INT(ibmap_role_field_index((ibmap_role)r, canonical[r][i]), i);
        }
    }
}

TEST(parcel_field_types_and_units)
{
    static const struct {
        const char *name;
        ibmap_field_type type;
        const char *unit;
    } want[] = {
        {"id", IBMAP_FIELD_TEXT, ""},
        {"enterprise", IBMAP_FIELD_TEXT, ""},
        {"credit_code", IBMAP_FIELD_TEXT, ""},
        {"tax", IBMAP_FIELD_NUMBER, "万元"},
        {"value_added", IBMAP_FIELD_NUMBER, "万元"},
        {"revenue", IBMAP_FIELD_NUMBER, "万元"},
        {"energy", IBMAP_FIELD_NUMBER, "tce"},
        {"emissions", IBMAP_FIELD_NUMBER, "t"},
        {"employees", IBMAP_FIELD_NUMBER, "人"},
        {"rnd", IBMAP_FIELD_NUMBER, "万元"},
        {"land_mu", IBMAP_FIELD_NUMBER, "亩"},
        {"floor_m2", IBMAP_FIELD_NUMBER, "m²"},
        {"grade", IBMAP_FIELD_TEXT, ""},
        {"industry", IBMAP_FIELD_TEXT, ""},
        {"is_lsl", IBMAP_FIELD_FLAG, ""},
        {"is_small", IBMAP_FIELD_FLAG, ""},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const ibmap_field_info *f = field_of(IBMAP_ROLE_PARCELS, want[i].name);
        CHECK(f != NULL);
        CHECK_INT(f->type, want[i].type);
        CHECK_STR(f->unit, want[i].unit);
    }
    /* every other role's fields are text */
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        if (r == IBMAP_ROLE_PARCELS) continue;
        for (int i = 0; i < ibmap_role_field_count((ibmap_role)r); i++)
            CHECK_INT(ibmap_role_field((ibmap_role)r, i)->type,
                      IBMAP_FIELD_TEXT);
    }
}

TEST(required_fields)
{
    /* role, the required canonical fields (NULL-terminated) */
    static const char *const want[IBMAP_ROLE_COUNT][3] = {
        [IBMAP_ROLE_BLOCKS] = {"id"},
        [IBMAP_ROLE_PARCELS] = {"tax"},
        [IBMAP_ROLE_LANDUSE] = {"code"},
        [IBMAP_ROLE_CONTROL_UNITS] = {"code"},
    };
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        for (int i = 0; i < ibmap_role_field_count((ibmap_role)r); i++) {
            const ibmap_field_info *f = ibmap_role_field((ibmap_role)r, i);
            int expect = 0;
            for (int k = 0; want[r][k]; k++)
                if (strcmp(want[r][k], f->name) == 0) expect = 1;
            if (!!f->required != expect)
                TEST_FAILF("%s.%s required == %d, expected %d",
                           role_names[r], f->name, f->required, expect);
        }
    }
}

/* What every definition must look like, so that the docs, the matching
** and the ambiguity check below can rely on it. */
TEST(field_definitions_well_formed)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        for (int i = 0; i < ibmap_role_field_count((ibmap_role)r); i++) {
            const ibmap_field_info *f = ibmap_role_field((ibmap_role)r, i);
            const char *rn = role_names[r];
            for (const char *p = f->name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                      *p == '_'))
                    TEST_FAILF("%s.%s: not an identifier", rn, f->name);
            for (int j = 0; j < i; j++)
                if (strcmp(ibmap_role_field((ibmap_role)r, j)->name, f->name) == 0)
                    TEST_FAILF("%s.%s: defined twice", rn, f->name);
            if (!f->label_zh || !*f->label_zh || !valid_utf8(f->label_zh))
                TEST_FAILF("%s.%s: no Chinese label", rn, f->name);
            if (!f->description || !*f->description)
                TEST_FAILF("%s.%s: no description", rn, f->name);
            if (!f->unit)
                TEST_FAILF("%s.%s: unit is NULL (use \"\")", rn, f->name);
            if (f->type != IBMAP_FIELD_NUMBER && *f->unit)
                TEST_FAILF("%s.%s: only numbers have units", rn, f->name);
            if (f->type == IBMAP_FIELD_NUMBER && !*f->unit)
                TEST_FAILF("%s.%s: a number needs its unit", rn, f->name);
            if (!f->aliases || !f->aliases[0] ||
                strcmp(f->aliases[0], f->name) != 0)
                TEST_FAILF("%s.%s: the canonical name must be the first "
                           "accepted name", rn, f->name);
            for (int a = 0; f->aliases[a]; a++) {
                const char *s = f->aliases[a];
                size_t n = strlen(s);
                if (!n || !valid_utf8(s))
                    TEST_FAILF("%s.%s: accepted name %d is empty or not "
                               "UTF-8", rn, f->name, a);
                if (s[0] == ' ' || s[n - 1] == ' ')
                    TEST_FAILF("%s.%s: '%s' has surrounding spaces", rn,
                               f->name, s);
                for (const char *p = s; *p; p++)
                    if (*p >= 'A' && *p <= 'Z')
                        TEST_FAILF("%s.%s: '%s': write accepted names in "
                                   "lower case (matching ignores case)",
                                   rn, f->name, s);
                for (int b = 0; b < a; b++)
                    if (strcmp(f->aliases[b], s) == 0)
                        TEST_FAILF("%s.%s: '%s' listed twice", rn, f->name, s);
            }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Matching source field names                                            */
/* ---------------------------------------------------------------------- */

/* The source field names of the bundled sample city (scripts/make_sample.c).
** Each must match its canonical field exactly and no other field. */
static const struct {
    ibmap_role role;
    const char *source;
    const char *canonical;
} sample_names[] = {
    {IBMAP_ROLE_BLOCKS, "QKBH", "id"},
    {IBMAP_ROLE_BLOCKS, "区块名称", "name"},
    {IBMAP_ROLE_BLOCKS, "所属镇街", "town"},
    {IBMAP_ROLE_PARCELS, "ZDDM", "id"},
    {IBMAP_ROLE_PARCELS, "QYMC", "enterprise"},
    {IBMAP_ROLE_PARCELS, "TYSHXYDM", "credit_code"},
    {IBMAP_ROLE_PARCELS, "SSHJ", "tax"},
    {IBMAP_ROLE_PARCELS, "ZJZ", "value_added"},
    {IBMAP_ROLE_PARCELS, "YYSR", "revenue"},
    {IBMAP_ROLE_PARCELS, "ZHNH", "energy"},
    {IBMAP_ROLE_PARCELS, "PFL", "emissions"},
    {IBMAP_ROLE_PARCELS, "CYRS", "employees"},
    {IBMAP_ROLE_PARCELS, "YFJF", "rnd"},
    {IBMAP_ROLE_PARCELS, "YDMJ", "land_mu"},
    {IBMAP_ROLE_PARCELS, "JZMJ", "floor_m2"},
    {IBMAP_ROLE_PARCELS, "MJDJ", "grade"},
    {IBMAP_ROLE_PARCELS, "HYDM", "industry"},
    {IBMAP_ROLE_PARCELS, "SFDSLW", "is_lsl"},
    {IBMAP_ROLE_PARCELS, "SFLX", "is_small"},
    {IBMAP_ROLE_LANDUSE, "DLBM", "code"},
    {IBMAP_ROLE_LANDUSE, "DLMC", "name"},
    {IBMAP_ROLE_REDLINE, "HXBH", "id"},
    {IBMAP_ROLE_REDLINE, "HXMC", "name"},
    {IBMAP_ROLE_CONTROL_UNITS, "HJGKDYBM", "code"},
    {IBMAP_ROLE_CONTROL_UNITS, "HJGKDYMC", "name"},
    {IBMAP_ROLE_CONTROL_UNITS, "ZHGKDYFL", "type"},
    {IBMAP_ROLE_PARKS, "YQBH", "id"},
    {IBMAP_ROLE_PARKS, "YQMC", "name"},
    {IBMAP_ROLE_CENTRAL, "BH", "id"},
    {IBMAP_ROLE_CENTRAL, "MC", "name"},
    {IBMAP_ROLE_TRANSITION, "BH", "id"},
    {IBMAP_ROLE_TRANSITION, "MC", "name"},
    {IBMAP_ROLE_BASIC_FARMLAND, "BSM", "id"},
    {IBMAP_ROLE_BASIC_FARMLAND, "JBNTTBBH", "id"},
    {IBMAP_ROLE_BASIC_FARMLAND, "MC", "name"},
    {IBMAP_ROLE_TOWNS, "XZQDM", "code"},
    {IBMAP_ROLE_TOWNS, "XZQMC", "name"},
};

TEST(sample_city_names_match)
{
    for (size_t k = 0; k < sizeof sample_names / sizeof sample_names[0]; k++) {
        ibmap_role r = sample_names[k].role;
        for (int i = 0; i < ibmap_role_field_count(r); i++) {
            const ibmap_field_info *f = ibmap_role_field(r, i);
            int want = strcmp(f->name, sample_names[k].canonical) == 0 ? 2 : 0;
            int got = ibmap_field_name_matches(f, sample_names[k].source);
            if (got != want)
                TEST_FAILF("%s: '%s' vs %s gives %d, expected %d",
                           role_names[r], sample_names[k].source, f->name,
                           got, want);
        }
    }
}

/* Names the brief's conventions list, beyond the sample city. */
TEST(common_names_match)
{
    static const struct {
        ibmap_role role;
        const char *source;
        const char *canonical;
    } names[] = {
        {IBMAP_ROLE_PARCELS, "SSZE", "tax"},
        {IBMAP_ROLE_PARCELS, "税收合计", "tax"},
        {IBMAP_ROLE_PARCELS, "实缴税金", "tax"},
        {IBMAP_ROLE_PARCELS, "工业增加值", "value_added"},
        {IBMAP_ROLE_PARCELS, "主营业务收入", "revenue"},
        {IBMAP_ROLE_PARCELS, "NH", "energy"},
        {IBMAP_ROLE_PARCELS, "PWL", "emissions"},
        {IBMAP_ROLE_PARCELS, "ZGRS", "employees"},
        {IBMAP_ROLE_PARCELS, "职工人数", "employees"},
        {IBMAP_ROLE_PARCELS, "YFFY", "rnd"},
        {IBMAP_ROLE_PARCELS, "研发投入", "rnd"},
        {IBMAP_ROLE_PARCELS, "用地面积", "land_mu"},
        {IBMAP_ROLE_PARCELS, "占地面积（亩）", "land_mu"},
        {IBMAP_ROLE_PARCELS, "占地面积(亩)", "land_mu"},
        {IBMAP_ROLE_PARCELS, "DJ", "grade"},
        {IBMAP_ROLE_PARCELS, "评价等级", "grade"},
        {IBMAP_ROLE_PARCELS, "XYDM", "credit_code"},
        {IBMAP_ROLE_PARCELS, "QLR", "enterprise"},
        {IBMAP_ROLE_PARCELS, "tax", "tax"},
        {IBMAP_ROLE_PARCELS, "Value_Added", "value_added"},
        {IBMAP_ROLE_LANDUSE, "地类编码", "code"},
        {IBMAP_ROLE_CONTROL_UNITS, "GKDYBM", "code"},
        {IBMAP_ROLE_CONTROL_UNITS, "ZHDYBM", "code"},
        {IBMAP_ROLE_CONTROL_UNITS, "HJZHGKDYBM", "code"},
        {IBMAP_ROLE_CONTROL_UNITS, "GKDYLB", "type"},
        {IBMAP_ROLE_CONTROL_UNITS, "DYLB", "type"},
        {IBMAP_ROLE_CONTROL_UNITS, "环境管控单元编码", "code"},
        {IBMAP_ROLE_CONTROL_UNITS, "环境管控单元名称", "name"},
        {IBMAP_ROLE_REDLINE, "BH", "id"},
        {IBMAP_ROLE_REDLINE, "MC", "name"},
        {IBMAP_ROLE_PARKS, "KFQMC", "name"},
        {IBMAP_ROLE_PARKS, "park_name", "name"},
        {IBMAP_ROLE_BASIC_FARMLAND, "YJJBNTTBBH", "id"},
        {IBMAP_ROLE_TOWNS, "XZDM", "code"},
        {IBMAP_ROLE_TOWNS, "XZMC", "name"},
        {IBMAP_ROLE_TOWNS, "adcode", "code"},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const ibmap_field_info *f = field_of(names[k].role, names[k].canonical);
        CHECK(f != NULL);
        if (ibmap_field_name_matches(f, names[k].source) != 2)
            TEST_FAILF("%s: '%s' does not match %s", role_names[names[k].role],
                       names[k].source, names[k].canonical);
    }
}

/* Names that look close but mean another thing or another unit. */
TEST(wrong_meaning_rejected)
{
    static const struct {
        ibmap_role role;
        const char *source;
    } names[] = {
        {IBMAP_ROLE_LANDUSE, "BSM"},          /* landuse has no id */
        {IBMAP_ROLE_LANDUSE, "KCDLBM"},       /* the deduction's class */
        {IBMAP_ROLE_PARCELS, "ZDMJ"},         /* 宗地面积, m² */
        {IBMAP_ROLE_PARCELS, "宗地面积"},
        {IBMAP_ROLE_PARCELS, "占地面积"},     /* unit unknown */
        {IBMAP_ROLE_PARCELS, "占地面积（平方米）"},
        {IBMAP_ROLE_PARCELS, "用地面积（平方米）"},
        {IBMAP_ROLE_PARCELS, "亩均税收"},     /* a ratio, not a total */
        {IBMAP_ROLE_PARCELS, "MJSS"},
        {IBMAP_ROLE_PARCELS, "税收（元）"},
        {IBMAP_ROLE_PARCELS, "工业总产值"},
        {IBMAP_ROLE_PARCELS, "用电量"},
        {IBMAP_ROLE_PARCELS, "低小散"},
        {IBMAP_ROLE_PARCELS, "BSM"},
        {IBMAP_ROLE_BASIC_FARMLAND, "TBBH"},  /* the 三调 patch's number */
        {IBMAP_ROLE_BASIC_FARMLAND, "XZQMC"},
        {IBMAP_ROLE_CONTROL_UNITS, "REMARKS"},
        {IBMAP_ROLE_TOWNS, "ctadcode"},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        ibmap_role r = names[k].role;
        for (int i = 0; i < ibmap_role_field_count(r); i++) {
            const ibmap_field_info *f = ibmap_role_field(r, i);
            int got = ibmap_field_name_matches(f, names[k].source);
            if (got)
                TEST_FAILF("%s: '%s' matches %s (%d)", role_names[r],
                           names[k].source, f->name, got);
        }
    }
}

TEST(exact_match_rules)
{
    const ibmap_field_info *credit = field_of(IBMAP_ROLE_PARCELS, "credit_code");
    const ibmap_field_info *tax = field_of(IBMAP_ROLE_PARCELS, "tax");
    CHECK_INT(ibmap_field_name_matches(credit, "tysHxydm"), 2);
    CHECK_INT(ibmap_field_name_matches(credit, "TYSHXYDM"), 2);
    CHECK_INT(ibmap_field_name_matches(credit, "统一社会信用代码"), 2);
    CHECK_INT(ibmap_field_name_matches(tax, "  SSHJ \t"), 2);
    CHECK_INT(ibmap_field_name_matches(tax, "\xE3\x80\x80税收合计 "), 2);
    CHECK_INT(ibmap_field_name_matches(tax, "税收"), 2);
    CHECK_INT(ibmap_field_name_matches(tax, "税 收"), 0);
    CHECK_INT(ibmap_field_name_matches(tax, "SSHJ1"), 0);
    CHECK_INT(ibmap_field_name_matches(tax, "SSH"), 0);
    CHECK_INT(ibmap_field_name_matches(tax, ""), 0);
    CHECK_INT(ibmap_field_name_matches(tax, "   "), 0);
    CHECK_INT(ibmap_field_name_matches(tax, NULL), 0);
    CHECK_INT(ibmap_field_name_matches(NULL, "SSHJ"), 0);
}

TEST(truncated_gbk_and_utf8)
{
    const ibmap_field_info *credit = field_of(IBMAP_ROLE_PARCELS, "credit_code");
    /* 统一社会信用代码: 8 characters, 16 GBK bytes, 24 UTF-8 bytes */
    CHECK_INT(ibmap_field_name_matches(credit, "统一社会信"), 1);  /* GBK */
    CHECK_INT(ibmap_field_name_matches(credit, "统一社"), 1);      /* UTF-8 */
    CHECK_INT(ibmap_field_name_matches(credit, " 统一社 "), 1);
    /* the UTF-8 cut at 10 bytes split 会: its first byte kept as garbage,
    ** or replaced */
    CHECK_INT(ibmap_field_name_matches(credit, "统一社\xE4"), 1);
    CHECK_INT(ibmap_field_name_matches(credit, "统一社\xEF\xBF\xBD"), 1);
    CHECK_INT(ibmap_field_name_matches(credit, "统一社?"), 1);
    /* not what a 10-byte cut leaves */
    CHECK_INT(ibmap_field_name_matches(credit, "统一社会"), 0);
    CHECK_INT(ibmap_field_name_matches(credit, "统一"), 0);
    CHECK_INT(ibmap_field_name_matches(credit, "统一社会信用"), 0);
    CHECK_INT(ibmap_field_name_matches(credit, "统一社\xE4\xBC"), 0);
    CHECK_INT(ibmap_field_name_matches(credit, "统一社会信?"), 0); /* no split in GBK */
    CHECK_INT(ibmap_field_name_matches(credit, "统一社??"), 0);
    /* ASCII names are cut at 10 characters, and still match without case */
    const ibmap_field_info *va = field_of(IBMAP_ROLE_PARCELS, "value_added");
    CHECK_INT(ibmap_field_name_matches(va, "VALUE_ADDE"), 1);
    CHECK_INT(ibmap_field_name_matches(va, "value_add"), 0);
}

/* A field built here, outside the registry: no siblings to consult. */
static const char *const odd_aliases[] = {"odd", "a统一社会信用", NULL};
static const ibmap_field_info odd_field = {
    "odd", IBMAP_FIELD_TEXT, "", "测试", "test", 0, odd_aliases};

TEST(truncated_split_character_in_gbk)
{
    /* a统一社会信用: GBK 1 + 2*6 = 13 bytes; 10 bytes hold a统一社会 (9)
    ** and half of 信.  UTF-8: a统一社 is exactly 10 bytes, no split. */
    CHECK_INT(ibmap_field_name_matches(&odd_field, "A统一社会"), 1);
    CHECK_INT(ibmap_field_name_matches(&odd_field, "a统一社会?"), 1);
    CHECK_INT(ibmap_field_name_matches(&odd_field, "a统一社会\xEF\xBF\xBD"), 1);
    CHECK_INT(ibmap_field_name_matches(&odd_field, "a统一社"), 1);
    CHECK_INT(ibmap_field_name_matches(&odd_field, "a统一社?"), 0);
    CHECK_INT(ibmap_field_name_matches(&odd_field, "a统一"), 0);
}

static const char *const tax_only[] = {"税收合计", NULL};
static const ibmap_field_info tax_only_field = {
    "tax", IBMAP_FIELD_NUMBER, "万元", "税收", "test", 0, tax_only};

TEST(truncation_is_not_any_prefix)
{
    /* 税收合计 is 8 GBK bytes (never cut) and 12 UTF-8 bytes (cut to 税收合):
    ** 税收 is not what any cut leaves. */
    CHECK_INT(ibmap_field_name_matches(&tax_only_field, "税收"), 0);
    CHECK_INT(ibmap_field_name_matches(&tax_only_field, "税收合"), 1);
    CHECK_INT(ibmap_field_name_matches(&tax_only_field, "税收合计"), 2);
    /* the real tax field accepts 税收 because it lists it */
    CHECK_INT(ibmap_field_name_matches(field_of(IBMAP_ROLE_PARCELS, "tax"),
                                       "税收"), 2);
}

TEST(bracketed_units_match_only_whole)
{
    const ibmap_field_info *land = field_of(IBMAP_ROLE_PARCELS, "land_mu");
    CHECK_INT(ibmap_field_name_matches(land, "占地面积（亩）"), 2);
    CHECK_INT(ibmap_field_name_matches(land, "占地面积（"), 0); /* GBK cut */
    CHECK_INT(ibmap_field_name_matches(land, "占地面"), 0);     /* UTF-8 cut */
    CHECK_INT(ibmap_field_name_matches(land, "用地面"), 1);     /* via 用地面积 */
    const ibmap_field_info *tax = field_of(IBMAP_ROLE_PARCELS, "tax");
    CHECK_INT(ibmap_field_name_matches(tax, "税收合计（万元）"), 2);
    CHECK_INT(ibmap_field_name_matches(tax, "税收合计（"), 0);  /* GBK cut */
    CHECK_INT(ibmap_field_name_matches(tax, "税收合"), 1);      /* via 税收合计 */
}

TEST(truncations_shared_by_siblings_match_neither)
{
    static const struct {
        ibmap_role role;
        const char *source;
    } dead[] = {
        {IBMAP_ROLE_CONTROL_UNITS, "环境管"},     /* 环境管控单元编码/名称 */
        {IBMAP_ROLE_CONTROL_UNITS, "环境管控单"},
        {IBMAP_ROLE_CONTROL_UNITS, "综合管"},     /* …编码/名称/分类 */
        {IBMAP_ROLE_CONTROL_UNITS, "管控单"},
        {IBMAP_ROLE_TOWNS, "行政区"},
        {IBMAP_ROLE_PARKS, "开发区"},
        {IBMAP_ROLE_REDLINE, "生态保"},
        {IBMAP_ROLE_REDLINE, "生态保护红"},
    };
    for (size_t k = 0; k < sizeof dead / sizeof dead[0]; k++) {
        ibmap_role r = dead[k].role;
        for (int i = 0; i < ibmap_role_field_count(r); i++) {
            int got = ibmap_field_name_matches(ibmap_role_field(r, i),
                                               dead[k].source);
            if (got)
                TEST_FAILF("%s: '%s' matches %s (%d)", role_names[r],
                           dead[k].source, ibmap_role_field(r, i)->name, got);
        }
    }
    /* where the GBK cuts differ, they still match */
    CHECK_INT(ibmap_field_name_matches(
                  field_of(IBMAP_ROLE_CONTROL_UNITS, "code"), "管控单元编"), 1);
    CHECK_INT(ibmap_field_name_matches(
                  field_of(IBMAP_ROLE_CONTROL_UNITS, "type"), "管控单元分"), 1);
    CHECK_INT(ibmap_field_name_matches(
                  field_of(IBMAP_ROLE_TOWNS, "name"), "行政区划名"), 1);
}

/* Walk every accepted name of every field, with every form a DBF can leave
** of it, and check that no other field of the role takes it: a source name
** must never fill two canonical fields, exactly or truncated. */
TEST(no_ambiguity_within_a_role)
{
    int dead = 0;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        int nf = ibmap_role_field_count((ibmap_role)r);
        for (int i = 0; i < nf; i++) {
            const ibmap_field_info *f = ibmap_role_field((ibmap_role)r, i);
            for (int a = 0; f->aliases[a]; a++) {
                const char *alias = f->aliases[a];
                char forms[5][64];
                int n_forms = 0;
                snprintf(forms[n_forms++], sizeof forms[0], "%s", alias);
                dbf_cut(alias, 3, forms[n_forms], sizeof forms[0]);
                if (forms[n_forms][0]) n_forms++;
                dbf_cut(alias, 2, forms[n_forms], sizeof forms[0]);
                if (forms[n_forms][0]) n_forms++;
                if (strlen(alias) > 10) { /* raw 10-byte UTF-8 cut */
                    memcpy(forms[n_forms], alias, 10);
                    forms[n_forms++][10] = '\0';
                }
                for (int k = 0; k < n_forms; k++) {
                    const char *s = forms[k];
                    if (k == 0 && ibmap_field_name_matches(f, s) != 2)
                        TEST_FAILF("%s.%s: its own name '%s' does not match "
                                   "exactly", role_names[r], f->name, s);
                    for (int j = 0; j < nf; j++) {
                        const ibmap_field_info *g =
                            ibmap_role_field((ibmap_role)r, j);
                        int m = ibmap_field_name_matches(g, s);
                        if (g != f && m)
                            TEST_FAILF("%s: '%s' (from %s's '%s') also "
                                       "matches %s with %d",
                                       role_names[r], s, f->name, alias,
                                       g->name, m);
                    }
                    if (k > 0 && !ibmap_field_name_matches(f, s)) dead++;
                }
            }
        }
    }
    /* Cuts that match nothing: bracketed units, and cuts two fields share.
    ** Listed by truncations_shared_by_siblings_match_neither. */
    printf("# %d truncated forms deliberately match nothing\n", dead);
}

/* ---------------------------------------------------------------------- */
/* docs/fields.md                                                         */
/* ---------------------------------------------------------------------- */

static const char *type_name(ibmap_field_type t)
{
    switch (t) {
    case IBMAP_FIELD_TEXT: return "text";
    case IBMAP_FIELD_NUMBER: return "number";
    case IBMAP_FIELD_FLAG: return "yes/no";
    }
    return "?";
}

static void write_fields_md(FILE *out)
{
    fputs(
        "# Input fields\n"
        "\n"
        "<!-- Generated by tests/test_roles.c from layers/roles/*.c; do not edit.\n"
        "     After changing a role, run: IBMAP_WRITE_DOCS=1 meson test -C build test_roles -->\n"
        "\n"
        "Each input layer plays one role, and each role has canonical fields.\n"
        "Project files (`fields:`), the command line (`--field parcels.tax=SSHJ`)\n"
        "and the outputs use the canonical names.  When a project does not say\n"
        "which source field holds a canonical field, ibmap looks for one of the\n"
        "accepted names below (the canonical name itself is accepted too):\n"
        "\n"
        "* Matching ignores the case of ASCII letters and white space around the\n"
        "  name; Chinese is compared as it is.\n"
        "* A shapefile's DBF keeps at most 10 bytes of a field name, and cuts\n"
        "  longer names: to 3 Chinese characters in UTF-8, 5 in GBK (an ASCII\n"
        "  character counts 1 byte).  Such a cut name is also accepted, as a\n"
        "  weaker match: 统一社会信用代码 is found as `统一社会信` (GBK) or `统一社`\n"
        "  (UTF-8).  An exact match always wins over a cut one.  A name with a\n"
        "  bracketed unit, such as `占地面积（亩）`, is accepted only whole, since\n"
        "  the cut drops the unit; and a cut name that two fields of a role share\n"
        "  (环境管控单元编码 and 环境管控单元名称 both become `环境管`) is taken for\n"
        "  neither.  Name the field in the project file then.\n"
        "* Units matter: `land_mu` is in 亩, and 宗地面积 (ZDMJ), which is m², is\n"
        "  not accepted for it; 亩均税收 is a ratio and is not `tax`.\n"
        "\n"
        "Types: *text*; *number* (text such as `1,234.5` is read as a number, and\n"
        "missing values stay missing, never 0); *yes/no* (是/否, Y/N, 1/0,\n"
        "true/false).  A *required* field must be found, or loading the layer\n"
        "fails.\n",
        out);
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        const ibmap_role_def *def = ibmap_role_def_get((ibmap_role)r);
        /* the description as a sentence: capital first letter, full stop */
        const char *d = def->description;
        int first = (unsigned char)d[0];
        if (first >= 'a' && first <= 'z') first -= 'a' - 'A';
        fprintf(out, "\n## %s — %s (%s)\n\n%c%s.\n\n", def->name,
                def->label_zh, def->required ? "required" : "optional",
                first, d + 1);
        fprintf(out, "| field | type | unit | 中文 | description | required "
                     "| accepted names |\n");
        fprintf(out, "|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < def->n_fields; i++) {
            const ibmap_field_info *f = &def->fields[i];
            fprintf(out, "| `%s` | %s | %s | %s | %s | %s | ", f->name,
                    type_name(f->type), f->unit, f->label_zh, f->description,
                    f->required ? "yes" : "");
            for (int a = 1; f->aliases[a]; a++)
                fprintf(out, "%s`%s`", a > 1 ? ", " : "", f->aliases[a]);
            fprintf(out, " |\n");
        }
    }
}

/* The whole of a stream or file, NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *bigger = realloc(buf, cap *= 2);
        if (!bigger) free(buf);
        buf = bigger;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    *len = n;
    return buf;
}

TEST(docs_in_sync)
{
    char *doc = NULL;
    size_t doc_len = 0;
    FILE *mem = open_memstream(&doc, &doc_len);
    CHECK(mem != NULL);
    write_fields_md(mem);
    CHECK(fclose(mem) == 0);

    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/docs/fields.md", test_source_root());
    const char *w = getenv("IBMAP_WRITE_DOCS");
    if (w && strcmp(w, "1") == 0) {
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "wb");
        int ok = f && fwrite(doc, 1, doc_len, f) == doc_len;
        ok = (f && fclose(f) == 0) && ok;
        ok = ok && rename(tmp, path) == 0;
        free(doc);
        if (!ok) TEST_FAILF("cannot write %s", path);
        printf("# wrote %s\n", path);
        return;
    }

    size_t file_len = 0;
    char *file = slurp(path, &file_len);
    if (!file) {
        free(doc);
        TEST_FAILF("cannot read %s; write it with IBMAP_WRITE_DOCS=1", path);
    }
    int same = file_len == doc_len && memcmp(file, doc, doc_len) == 0;
    if (!same) {
        /* say where, so the diff is easy to find */
        int line = 1;
        size_t i = 0;
        while (i < file_len && i < doc_len && file[i] == doc[i]) {
            if (file[i] == '\n') line++;
            i++;
        }
        printf("# docs/fields.md differs from the role definitions at line "
               "%d; regenerate with IBMAP_WRITE_DOCS=1\n", line);
    }
    free(file);
    free(doc);
    CHECK(same);
}

int main(void)
{
    RUN(role_names_round_trip);
    RUN(role_names_unknown);
    RUN(role_registry);
    RUN(required_roles);
    RUN(out_of_range);
    RUN(canonical_field_names);
    RUN(parcel_field_types_and_units);
    RUN(required_fields);
    RUN(field_definitions_well_formed);
    RUN(sample_city_names_match);
    RUN(common_names_match);
    RUN(wrong_meaning_rejected);
    RUN(exact_match_rules);
    RUN(truncated_gbk_and_utf8);
    RUN(truncated_split_character_in_gbk);
    RUN(truncation_is_not_any_prefix);
    RUN(bracketed_units_match_only_whole);
    RUN(truncations_shared_by_siblings_match_neither);
    RUN(no_ambiguity_within_a_role);
    RUN(docs_in_sync);
    return test_finish();
}
