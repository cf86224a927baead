/*
** test_landuse_codes.c — the land-use code systems: lookup, code
** clean-up, the checks on the name, and agreement between the tables in
** engine/load/landuse_codes.c and docs/landuse-codes.md.
*/
#include "harness.h"
#include "classify/rules.h"

enum { SANDIAO = IBMAP_CODES_SANDIAO, YDYH = IBMAP_CODES_YDYH,
       GB50137 = IBMAP_CODES_GB50137 };

/* Classification results of the last call of classify(). */
static ibmap_lu_group grp;
static const char *official;
static int other;

static ibmap_code_check classify(int sys, const char *code, const char *name)
{
    return ibmap_landuse_classify((ibmap_code_system)sys, code, name, &grp,
                                  &official, &other);
}

/* The group of a code with no name, or IBMAP_LU_UNKNOWN. */
static int group_of(int sys, const char *code)
{
    if (classify(sys, code, NULL) != IBMAP_CODE_OK) return IBMAP_LU_UNKNOWN;
    return grp;
}

/* ---------------------------------------------------------------------- */
/* Groups                                                                 */
/* ---------------------------------------------------------------------- */

TEST(industrial_codes_of_each_system_are_industrial)
{
    CHECK_INT(group_of(SANDIAO, "0601"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(YDYH, "1001"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(YDYH, "100101"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(YDYH, "100102"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(YDYH, "100103"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(GB50137, "M"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(GB50137, "M1"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(GB50137, "M2"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(GB50137, "M3"), IBMAP_LU_INDUSTRIAL);
}

TEST(mines_salt_pans_and_mining_classes_are_not_industrial)
{
    CHECK_INT(group_of(SANDIAO, "0602"), IBMAP_LU_OTHER);
    CHECK_INT(group_of(SANDIAO, "0603"), IBMAP_LU_OTHER);
    CHECK_INT(group_of(SANDIAO, "06"), IBMAP_LU_OTHER);
    CHECK_INT(group_of(YDYH, "10"), IBMAP_LU_OTHER);
    CHECK_INT(group_of(YDYH, "1002"), IBMAP_LU_OTHER);
    CHECK_INT(group_of(YDYH, "1003"), IBMAP_LU_OTHER);
    CHECK_INT(group_of(GB50137, "H5"), IBMAP_LU_OTHER);
}

TEST(warehousing_codes_of_each_system_are_warehousing)
{
    CHECK_INT(group_of(SANDIAO, "0508"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(SANDIAO, "0604"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(YDYH, "11"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(YDYH, "1101"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(YDYH, "110103"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(YDYH, "1102"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(GB50137, "W"), IBMAP_LU_WAREHOUSING);
    CHECK_INT(group_of(GB50137, "W2"), IBMAP_LU_WAREHOUSING);
}

TEST(sea_use_is_water_even_when_industrial)
{
    CHECK_INT(group_of(YDYH, "1901"), IBMAP_LU_WATER);
    CHECK_INT(group_of(YDYH, "2003"), IBMAP_LU_WATER);
    CHECK_INT(group_of(YDYH, "24"), IBMAP_LU_WATER);
}

/* The names the bundled sample city writes must be the official ones. */
TEST(sample_city_names_are_official_in_sandiao)
{
    static const char *const pairs[][2] = {
        {"0601", "工业用地"},       {"0602", "采矿用地"},
        {"0508", "物流仓储用地"},   {"0701", "城镇住宅用地"},
        {"0702", "农村宅基地"},     {"05H1", "商业服务业设施用地"},
        {"08H2", "科教文卫用地"},   {"0101", "水田"},
        {"0102", "水浇地"},         {"0103", "旱地"},
        {"0301", "乔木林地"},       {"0810", "公园与绿地"},
        {"1101", "河流水面"},       {"1104", "坑塘水面"},
        {"1107", "沟渠"},           {"1003", "公路用地"},
        {"1004", "城镇村道路用地"}, {"1006", "农村道路"},
        {"1201", "空闲地"},         {"1202", "设施农用地"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (classify(SANDIAO, pairs[i][0], pairs[i][1]) != IBMAP_CODE_OK)
            TEST_FAILF("%s %s is not OK", pairs[i][0], pairs[i][1]);
        CHECK_STR(official, pairs[i][1]);
        CHECK(grp >= 0 && grp < IBMAP_LU_GROUP_COUNT);
    }
}

/* ---------------------------------------------------------------------- */
/* One code, two systems                                                  */
/* ---------------------------------------------------------------------- */

TEST(code_0601_is_industry_in_sandiao_and_a_rural_road_in_ydyh)
{
    CHECK_INT(classify(SANDIAO, "0601", "工业用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_STR(official, "工业用地");
    CHECK_INT(other, -1);
    CHECK_INT(classify(YDYH, "0601", "农村道路"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_TRANSPORT);
    /* The 2020 试行 name of the same code is accepted too. */
    CHECK_INT(classify(YDYH, "0601", "乡村道路用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_TRANSPORT);
    CHECK_STR(official, "农村道路");
}

TEST(code_1001_is_industry_in_ydyh_and_railway_in_sandiao)
{
    CHECK_INT(classify(YDYH, "1001", "工业用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_INT(classify(SANDIAO, "1001", "铁路用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_TRANSPORT);
}

TEST(sandiao_0601_named_as_ydyh_0601_is_a_conflict)
{
    CHECK_INT(classify(SANDIAO, "0601", "乡村道路用地"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, YDYH);
    CHECK_INT(grp, IBMAP_LU_UNKNOWN);
    CHECK_STR(official, "工业用地");
    /* 农村道路 is also sandiao's 1006, but ydyh's meaning of 0601 is the
    ** more telling finding. */
    CHECK_INT(classify(SANDIAO, "0601", "农村道路"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, YDYH);
}

TEST(ydyh_1001_named_as_sandiao_1001_is_a_conflict)
{
    CHECK_INT(classify(YDYH, "1001", "铁路用地"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, SANDIAO);
    CHECK_INT(grp, IBMAP_LU_UNKNOWN);
    CHECK_STR(official, "工业用地");
    CHECK_INT(classify(SANDIAO, "1001", "工业用地"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, YDYH);
    CHECK_STR(official, "铁路用地");
}

TEST(gb_t_21010_names_under_ydyh_are_a_conflict)
{
    /* 0505 商务金融用地 is GB/T 21010's; in ydyh 0505 is 沿海滩涂. */
    CHECK_INT(classify(YDYH, "0505", "商务金融用地"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, SANDIAO);
}

TEST(names_agreeing_across_systems_are_ok)
{
    CHECK_INT(classify(YDYH, "0101", "水田"), IBMAP_CODE_OK);
    CHECK_INT(classify(SANDIAO, "0101", "水田"), IBMAP_CODE_OK);
    CHECK_INT(other, -1);
}

/* ---------------------------------------------------------------------- */
/* Names within the declared system                                       */
/* ---------------------------------------------------------------------- */

TEST(a_different_name_keeps_the_code_s_group)
{
    CHECK_INT(classify(SANDIAO, "0601", "工业"), IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_STR(official, "工业用地");
    CHECK_INT(other, -1);
    CHECK_INT(classify(SANDIAO, "0601", "工业用地（新）"),
              IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_INT(classify(GB50137, "M2", "二类工业"), IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
}

TEST(the_name_of_another_kind_of_land_in_the_same_system_is_a_conflict)
{
    CHECK_INT(classify(SANDIAO, "0601", "水田"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, SANDIAO);
    CHECK_INT(grp, IBMAP_LU_UNKNOWN);
    CHECK_STR(official, "工业用地");
    /* 二调's 101 铁路用地, read as 三调 with its zero restored (0101 水田). */
    CHECK_INT(classify(SANDIAO, "101", "铁路用地"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, SANDIAO);
    CHECK_INT(classify(GB50137, "M1", "一类居住用地"), IBMAP_CODE_CONFLICT);
    CHECK_INT(other, GB50137);
}

TEST(a_coarser_or_older_name_of_the_same_land_is_a_variant)
{
    /* The code's own class. */
    CHECK_INT(classify(SANDIAO, "0601", "工矿用地"), IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_INT(classify(YDYH, "100102", "工业用地"), IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    /* GB/T 21010 codes 三调 merged: same group. */
    CHECK_INT(classify(SANDIAO, "0508", "仓储用地"), IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_WAREHOUSING);
    CHECK_INT(classify(SANDIAO, "05H1", "零售商业用地"),
              IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_COMMERCIAL);
    /* A name several codes share (GB 50137's R11, R21, R31). */
    CHECK_INT(classify(GB50137, "R2", "住宅用地"), IBMAP_CODE_NAME_VARIANT);
    CHECK_INT(grp, IBMAP_LU_RESIDENTIAL);
}

TEST(parent_standard_and_2020_names_are_official_too)
{
    CHECK_INT(classify(SANDIAO, "06", "工矿仓储用地"), IBMAP_CODE_OK);
    CHECK_STR(official, "工矿用地");
    CHECK_INT(classify(SANDIAO, "02", "园地"), IBMAP_CODE_OK);
    CHECK_INT(classify(SANDIAO, "05", "商服用地"), IBMAP_CODE_OK);
    CHECK_INT(classify(YDYH, "1207", "城镇道路用地"), IBMAP_CODE_OK);
    CHECK_INT(classify(YDYH, "1312", "水工设施用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_PUBLIC);
}

TEST(absent_or_blank_name_is_ok)
{
    CHECK_INT(classify(SANDIAO, "0601", NULL), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_STR(official, "工业用地");
    CHECK_INT(classify(SANDIAO, "0601", ""), IBMAP_CODE_OK);
    CHECK_INT(classify(SANDIAO, "0601", " \t"), IBMAP_CODE_OK);
    CHECK_INT(classify(SANDIAO, "0601", "\xE3\x80\x80"), IBMAP_CODE_OK);
}

TEST(names_are_trimmed_of_ascii_full_width_and_no_break_spaces)
{
    CHECK_INT(classify(SANDIAO, "0601", "  工业用地\t\r\n"), IBMAP_CODE_OK);
    CHECK_INT(classify(SANDIAO, "0601", "\xE3\x80\x80工业用地\xE3\x80\x80"),
              IBMAP_CODE_OK);
    CHECK_INT(classify(SANDIAO, "0601", "\xC2\xA0工业用地\xC2\xA0"),
              IBMAP_CODE_OK);
    CHECK_INT(classify(YDYH, "1001", "\xE3\x80\x80铁路用地 "),
              IBMAP_CODE_CONFLICT);
    CHECK_INT(other, SANDIAO);
    /* Inside the name a space is a difference. */
    CHECK_INT(classify(SANDIAO, "0601", "工业 用地"), IBMAP_CODE_NAME_VARIANT);
}

/* ---------------------------------------------------------------------- */
/* Codes                                                                  */
/* ---------------------------------------------------------------------- */

TEST(unknown_codes_give_no_group_and_no_name)
{
    static const char *const codes[] = {"0699", "0605", "13", "abc", "",
                                        " ", "06 01", "0601-1", "M4",
                                        "-601", "0601.5", ".0"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (classify(SANDIAO, codes[i], "工业用地") != IBMAP_CODE_UNKNOWN)
            TEST_FAILF("'%s' is not unknown", codes[i]);
        CHECK_INT(grp, IBMAP_LU_UNKNOWN);
        CHECK(official == NULL);
        CHECK_INT(other, -1);
    }
    CHECK_INT(classify(SANDIAO, NULL, NULL), IBMAP_CODE_UNKNOWN);
    /* A code of another system is unknown in this one. */
    CHECK_INT(classify(SANDIAO, "100101", NULL), IBMAP_CODE_UNKNOWN);
    CHECK_INT(classify(GB50137, "0601", NULL), IBMAP_CODE_UNKNOWN);
    CHECK_INT(classify(YDYH, "M2", NULL), IBMAP_CODE_UNKNOWN);
    /* Mixed-use codes are not split. */
    CHECK_INT(classify(GB50137, "B1/R2", NULL), IBMAP_CODE_UNKNOWN);
}

TEST(lost_leading_zero_is_restored)
{
    CHECK_INT(classify(SANDIAO, "601", "工业用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "9"), IBMAP_LU_PUBLIC); /* 09 特殊用地 */
    CHECK_INT(group_of(YDYH, "60101"), IBMAP_LU_TRANSPORT);
    CHECK_INT(group_of(YDYH, "601"), IBMAP_LU_TRANSPORT);
    /* An even number of digits is left as it is. */
    CHECK_INT(group_of(SANDIAO, "0060"), IBMAP_LU_UNKNOWN);
}

TEST(zero_fraction_of_a_numeric_column_is_dropped)
{
    CHECK_INT(group_of(SANDIAO, "601.0"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "0601.00"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(YDYH, "100101.0"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "0601.01"), IBMAP_LU_UNKNOWN);
    CHECK_INT(group_of(SANDIAO, "05H1.0"), IBMAP_LU_UNKNOWN);
}

TEST(codes_are_trimmed)
{
    CHECK_INT(group_of(SANDIAO, " 0601 "), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "\t0601\r\n"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "\xE3\x80\x80" "0601\xE3\x80\x80"),
              IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, " 601 "), IBMAP_LU_INDUSTRIAL);
}

TEST(code_letters_are_case_insensitive)
{
    CHECK_INT(classify(GB50137, "m2", "二类工业用地"), IBMAP_CODE_OK);
    CHECK_INT(grp, IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "05h1"), IBMAP_LU_COMMERCIAL);
    CHECK_INT(group_of(SANDIAO, "08h2"), IBMAP_LU_PUBLIC);
    CHECK_INT(group_of(SANDIAO, "0201k"), IBMAP_LU_FARMLAND);
    CHECK_INT(group_of(SANDIAO, "1104a"), IBMAP_LU_WATER);
    CHECK_INT(group_of(GB50137, "r21"), IBMAP_LU_RESIDENTIAL);
}

TEST(full_width_codes_are_read)
{
    /* ０６０１ and ｍ２ as a Chinese IME in full-width mode types them. */
    CHECK_INT(group_of(SANDIAO, "\xEF\xBC\x90\xEF\xBC\x96\xEF\xBC\x90\xEF\xBC\x91"),
              IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(GB50137, "\xEF\xBD\x8D\xEF\xBC\x92"), IBMAP_LU_INDUSTRIAL);
    CHECK_INT(group_of(SANDIAO, "\xEF\xBC\x90\xEF\xBC\x95\xEF\xBC\xA8\xEF\xBC\x91"),
              IBMAP_LU_COMMERCIAL);
}

TEST(out_pointers_may_be_null_and_bad_system_is_unknown)
{
    CHECK_INT(ibmap_landuse_classify(IBMAP_CODES_SANDIAO, "0601", "水田",
                                     NULL, NULL, NULL),
              IBMAP_CODE_CONFLICT);
    CHECK_INT(classify(IBMAP_CODES_COUNT, "0601", NULL), IBMAP_CODE_UNKNOWN);
    CHECK_INT(classify(-1, "0601", NULL), IBMAP_CODE_UNKNOWN);
    CHECK(official == NULL);
}

/* ---------------------------------------------------------------------- */
/* Names of systems and groups                                            */
/* ---------------------------------------------------------------------- */

TEST(system_names_round_trip)
{
    for (int s = 0; s < IBMAP_CODES_COUNT; s++)
        CHECK_INT(ibmap_code_system_from_name(
                      ibmap_code_system_name((ibmap_code_system)s)),
                  s);
    CHECK_STR(ibmap_code_system_name(IBMAP_CODES_SANDIAO), "sandiao");
    CHECK_STR(ibmap_code_system_name(IBMAP_CODES_YDYH), "ydyh");
    CHECK_STR(ibmap_code_system_name(IBMAP_CODES_GB50137), "gb50137");
    CHECK_INT(ibmap_code_system_from_name("YDYH"), IBMAP_CODES_YDYH);
    CHECK_INT(ibmap_code_system_from_name("GB50137"), IBMAP_CODES_GB50137);
    CHECK_INT(ibmap_code_system_from_name("gb5013"), -1);
    CHECK_INT(ibmap_code_system_from_name("sandiaox"), -1);
    CHECK_INT(ibmap_code_system_from_name(""), -1);
    CHECK_INT(ibmap_code_system_from_name(NULL), -1);
    CHECK(ibmap_code_system_name(IBMAP_CODES_COUNT) == NULL);
}

TEST(group_names_are_stable)
{
    static const char *const names[IBMAP_LU_GROUP_COUNT] = {
        "industrial", "warehousing", "residential", "commercial", "public",
        "farmland", "forest_green", "water", "transport", "other"};
    for (int g = 0; g < IBMAP_LU_GROUP_COUNT; g++)
        CHECK_STR(ibmap_lu_group_name((ibmap_lu_group)g), names[g]);
    CHECK_STR(ibmap_lu_group_name(IBMAP_LU_UNKNOWN), "unknown");
    CHECK(ibmap_lu_group_name(IBMAP_LU_GROUP_COUNT) == NULL);
}

/* ---------------------------------------------------------------------- */
/* The tables and docs/landuse-codes.md agree                             */
/* ---------------------------------------------------------------------- */

typedef struct doc_row {
    int sys;
    char code[16], name[128], alias[128], group[32];
} doc_row;

#define DOC_MAX 1000
static doc_row doc[DOC_MAX];
static int n_doc = -1;   /* -1: not read yet; -2: unreadable */

static void cell(const char *b, const char *e, char *out, size_t size)
{
    while (b < e && (*b == ' ' || *b == '`')) b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '`' || e[-1] == '\n')) e--;
    size_t n = (size_t)(e - b) < size - 1 ? (size_t)(e - b) : size - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

/* Rows "| `code` | name | alias | group | note |" under the headings
** "## `sandiao` …", "## `ydyh` …", "## `gb50137` …". */
static int read_doc(void)
{
    if (n_doc != -1) return n_doc;
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/landuse-codes.md",
             test_source_root());
    FILE *f = fopen(path, "r");
    if (!f) return n_doc = -2;
    char line[1024];
    int sys = -1;
    n_doc = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "## ", 3) == 0) {
            sys = -1;
            for (int s = 0; s < IBMAP_CODES_COUNT; s++) {
                char tag[32];
                snprintf(tag, sizeof tag, "## `%s`",
                         ibmap_code_system_name((ibmap_code_system)s));
                if (strncmp(line, tag, strlen(tag)) == 0) sys = s;
            }
            continue;
        }
        if (sys < 0 || strncmp(line, "| `", 3) != 0 || n_doc == DOC_MAX)
            continue;
        const char *bar[6];
        int nb = 0;
        for (const char *p = line; *p && nb < 6; p++)
            if (*p == '|') bar[nb++] = p;
        if (nb < 5) continue;
        doc_row *r = &doc[n_doc++];
        r->sys = sys;
        cell(bar[0] + 1, bar[1], r->code, sizeof r->code);
        cell(bar[1] + 1, bar[2], r->name, sizeof r->name);
        cell(bar[2] + 1, bar[3], r->alias, sizeof r->alias);
        cell(bar[3] + 1, bar[4], r->group, sizeof r->group);
    }
    fclose(f);
    return n_doc;
}

static const doc_row *doc_find(int sys, const char *code)
{
    for (int i = 0; i < n_doc; i++)
        if (doc[i].sys == sys && strcmp(doc[i].code, code) == 0)
            return &doc[i];
    return NULL;
}

TEST(every_documented_code_is_in_the_table_as_documented)
{
    if (read_doc() < 0) TEST_FAILF("docs/landuse-codes.md cannot be read");
    int per_sys[IBMAP_CODES_COUNT] = {0};
    for (int i = 0; i < n_doc; i++) {
        const doc_row *r = &doc[i];
        per_sys[r->sys]++;
        if (classify(r->sys, r->code, r->name) != IBMAP_CODE_OK)
            TEST_FAILF("doc row %s %s is not OK in the table", r->code,
                       r->name);
        CHECK_STR(official, r->name);
        CHECK(grp >= 0 && grp < IBMAP_LU_GROUP_COUNT);
        if (strcmp(ibmap_lu_group_name(grp), r->group) != 0)
            TEST_FAILF("%s: table says %s, doc says %s", r->code,
                       ibmap_lu_group_name(grp), r->group);
        if (r->alias[0] &&
            classify(r->sys, r->code, r->alias) != IBMAP_CODE_OK)
            TEST_FAILF("%s: alias %s is not accepted", r->code, r->alias);
        if (doc_find(r->sys, r->code) != r)
            TEST_FAILF("%s is documented twice", r->code);
    }
    for (int s = 0; s < IBMAP_CODES_COUNT; s++) CHECK(per_sys[s] > 50);
}

/* Every code the table knows, found by trying every code of the shapes the
** systems use, must be documented.  Together with the test above this
** makes the document and the table equal, through public functions only. */
static int n_found, n_undocumented;
static char undocumented[64];

static int try_code(int sys, const char *code)
{
    if (group_of(sys, code) == IBMAP_LU_UNKNOWN) return 0;
    n_found++;
    if (!doc_find(sys, code) && n_undocumented++ == 0)
        snprintf(undocumented, sizeof undocumented, "%s %s",
                 ibmap_code_system_name((ibmap_code_system)sys), code);
    return 1;
}

static void try_numeric_system(int sys)
{
    char c[16];
    for (int a = 0; a < 100; a++) {
        snprintf(c, sizeof c, "%02d", a);
        try_code(sys, c);
        /* 三调's merged classes: 05H1, 08H2 … */
        for (char l = 'A'; l <= 'Z'; l++)
            for (int d = 0; d < 10; d++) {
                snprintf(c, sizeof c, "%02d%c%d", a, l, d);
                if (try_code(sys, c))
                    for (char m = 'A'; m <= 'Z'; m++) {
                        snprintf(c, sizeof c, "%02d%c%d%c", a, l, d, m);
                        try_code(sys, c);
                    }
            }
        for (int b = 0; b < 100; b++) {
            snprintf(c, sizeof c, "%02d%02d", a, b);
            if (!try_code(sys, c)) continue;
            for (char m = 'A'; m <= 'Z'; m++) {
                snprintf(c, sizeof c, "%02d%02d%c", a, b, m);
                try_code(sys, c);
            }
            for (int d = 0; d < 100; d++) {
                snprintf(c, sizeof c, "%02d%02d%02d", a, b, d);
                try_code(sys, c);
            }
        }
    }
}

TEST(every_code_in_the_table_is_documented)
{
    if (read_doc() < 0) TEST_FAILF("docs/landuse-codes.md cannot be read");
    n_found = n_undocumented = 0;
    try_numeric_system(SANDIAO);
    try_numeric_system(YDYH);
    char c[8];
    for (char l = 'A'; l <= 'Z'; l++) {
        snprintf(c, sizeof c, "%c", l);
        try_code(GB50137, c);
        for (int d = 0; d < 100; d++) {
            snprintf(c, sizeof c, d < 10 ? "%c%d" : "%c%02d", l, d);
            try_code(GB50137, c);
        }
    }
    if (n_undocumented)
        TEST_FAILF("%d codes are not documented, the first: %s",
                   n_undocumented, undocumented);
    CHECK_INT(n_found, n_doc);
}

int main(void)
{
    RUN(industrial_codes_of_each_system_are_industrial);
    RUN(mines_salt_pans_and_mining_classes_are_not_industrial);
    RUN(warehousing_codes_of_each_system_are_warehousing);
    RUN(sea_use_is_water_even_when_industrial);
    RUN(sample_city_names_are_official_in_sandiao);
    RUN(code_0601_is_industry_in_sandiao_and_a_rural_road_in_ydyh);
    RUN(code_1001_is_industry_in_ydyh_and_railway_in_sandiao);
    RUN(sandiao_0601_named_as_ydyh_0601_is_a_conflict);
    RUN(ydyh_1001_named_as_sandiao_1001_is_a_conflict);
    RUN(gb_t_21010_names_under_ydyh_are_a_conflict);
    RUN(names_agreeing_across_systems_are_ok);
    RUN(a_different_name_keeps_the_code_s_group);
    RUN(the_name_of_another_kind_of_land_in_the_same_system_is_a_conflict);
    RUN(a_coarser_or_older_name_of_the_same_land_is_a_variant);
    RUN(parent_standard_and_2020_names_are_official_too);
    RUN(absent_or_blank_name_is_ok);
    RUN(names_are_trimmed_of_ascii_full_width_and_no_break_spaces);
    RUN(unknown_codes_give_no_group_and_no_name);
    RUN(lost_leading_zero_is_restored);
    RUN(zero_fraction_of_a_numeric_column_is_dropped);
    RUN(codes_are_trimmed);
    RUN(code_letters_are_case_insensitive);
    RUN(full_width_codes_are_read);
    RUN(out_pointers_may_be_null_and_bad_system_is_unknown);
    RUN(system_names_round_trip);
    RUN(group_names_are_stable);
    RUN(every_documented_code_is_in_the_table_as_documented);
    RUN(every_code_in_the_table_is_documented);
    return test_finish();
}
