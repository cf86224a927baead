/*
** test_enterprises.c — 亩均论英雄 at the enterprise level, against values
** worked out by hand:
**
**   - the six 标志性产业链: the C table of engine/store/enterprises.c equals
**     layers/tables/industry_chains.csv, row for row (the CSV is the one
**     source; docs/policy.md);
**   - the workspace's enterprises table built from a small city: one firm
**     on three parcels in two blocks, one parcel without economics;
**   - the enterprises layer and the blocks' enterprise lists in the
**     GeoPackage, and the project file's central towns at work;
**   - the 亩产英雄 榜单 (out_enterprises.c) on a model made by hand, with the
**     minimum land, a tie, a missing value, and its CSV byte for byte.
**
** The city (EPSG:4549; 1 亩 = 10000/15 m²):
**
**   blocks  QK1 (620000,3340000)-(620200,3340100)  20,000 m²  周巷镇
**           QK2 (620300,3340000)-(620400,3340100)  10,000 m²  周巷镇
**   parcels (x range; all y 3340000-3340100)            firm  亩    tax  va   floor m²
**           P1  620000-620100  in QK1  10,000 m²        A     15    150  600  12,000
**           P2  620100-620150  in QK1   5,000 m²        A     7.5   —    —    —
**           P3  620300-620340  in QK2   4,000 m²        A     6     30   90   2,400
**           P4  620150-620200  in QK1   5,000 m²        B     7.5   15   45   3,000
**           P5  620340-620400  in QK2   6,000 m²        C     9     180  540  7,200
**
**   Firm A: 28.5 亩 on 3 parcels in 2 blocks; tax 180 on the 21 亩 where it
**   is known: 亩均税收 180 / 21 = 8.5714…, tax known on 21 / 28.5 = 73.68% of
**   its land; value added 690 / 21 = 32.857…; 容积率 14,400 m² over 21 亩 =
**   14,000 m²: 1.0286; main block QK1 (22.5 亩 there, 6 in QK2).
*/
#include <sqlite3.h>
#include <sys/stat.h>

#include "harness.h"
#include "fixtures.h"
#include "out_fixture.h"

static ibmap_ctx *ctx;
static const char *dir;
static char ws[4400];
static int city_ok;

/* ---- the chains: one source ---------------------------------------- */

/* Split a CSV line (RFC 4180 quotes) in place; returns the field count. */
static int csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line, *o = line;
    while (n < max) {
        f[n++] = o;
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"') *o++ = '"', p++;
                else if (*p == '"') { p++; break; }
                else *o++ = *p;
            }
        } else {
            while (*p && *p != ',' && *p != '\r' && *p != '\n') *o++ = *p++;
        }
        if (*p != ',') {
            *o = '\0';
            break;
        }
        *o++ = '\0';
        p++;
    }
    return n;
}

TEST(chains_table_equals_the_csv)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/layers/tables/industry_chains.csv", test_source_root());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[1024];
    int row = -1, bad = 0;
    while (fgets(line, sizeof line, f)) {
        char *fl[8];
        int n = csv_fields(line, fl, 8);
        if (row++ < 0) {   /* the header */
            if (n < 2 || strcmp(fl[0], "prefix") != 0 || strcmp(fl[1], "chain") != 0) bad = 1;
            continue;
        }
        if (n < 2 || !ibmap_industry_chain_prefix(row - 1) ||
            strcmp(fl[0], ibmap_industry_chain_prefix(row - 1)) != 0 ||
            strcmp(fl[1], ibmap_industry_chain_name(row - 1)) != 0) {
            printf("# CSV row %d: %s,%s; C table: %s,%s\n", row, n > 0 ? fl[0] : "",
                   n > 1 ? fl[1] : "", ibmap_industry_chain_prefix(row - 1) ? ibmap_industry_chain_prefix(row - 1) : "(none)",
                   ibmap_industry_chain_name(row - 1) ? ibmap_industry_chain_name(row - 1) : "");
            bad = 1;
        }
    }
    fclose(f);
    CHECK_INT(bad, 0);
    CHECK_INT(row, ibmap_industry_chain_count());
    CHECK_INT(ibmap_industry_chain_count(), 13);
}

/* ---- the city ------------------------------------------------------ */

#define RECT(x0, x1) \
    "POLYGON((" #x0 " 3340000," #x1 " 3340000," #x1 " 3340100," #x0 " 3340100," #x0 " 3340000))"

static ibmap_project *city(void)
{
    char gpkg[4200];
    snprintf(gpkg, sizeof gpkg, "%s/city.gpkg", dir);
    remove(gpkg);
    const char *blocks[] = {RECT(620000, 620200) "|QK1|一号区块|周巷镇",
                            RECT(620300, 620400) "|QK2|二号区块|周巷镇", NULL};
    const char *parcels[] = {
        RECT(620000, 620100) "|P1|慈溪市甲电器有限公司|91330282A00000001A|150|600|15|12000|C3857|B",
        RECT(620100, 620150) "|P2|慈溪市甲电器有限公司|91330282A00000001A|~|~|7.5|~|C3857|B",
        RECT(620300, 620340) "|P3|慈溪市甲电器有限公司|91330282A00000001A|30|90|6|2400|C3857|B",
        RECT(620150, 620200) "|P4|慈溪市乙塑料厂|91330282B00000002B|15|45|7.5|3000|C2927|C",
        RECT(620340, 620400) "|P5|慈溪市丙轴承有限公司|91330282C00000003C|180|540|9|7200|C3451|A",
        NULL};
    const char *landuse[] = {RECT(620000, 620200) "|0601|工业用地",
                             RECT(620300, 620400) "|0601|工业用地", NULL};
    const char *redline[] = {
        "POLYGON((621000 3341000,621100 3341000,621100 3341100,621000 3341100,621000 3341000))|HX1|湿地红线",
        NULL};
    const char *cu[] = {
        "POLYGON((619000 3339000,622000 3339000,622000 3342000,619000 3342000,619000 3339000))|ZH33028220001|慈溪市产业集聚重点管控单元|2",
        NULL};
    const char *parks[] = {
        "POLYGON((625000 3345000,625100 3345000,625100 3345100,625000 3345100,625000 3345000))|YQ1|远处园区",
        NULL};
    int ok = fx_layer(gpkg, "GPKG", "blocks", 4549, NULL, "QKBH:s,QKMC:s,SSZJ:s", blocks) &&
             fx_layer(gpkg, "GPKG", "parcels", 4549, NULL,
                      "ZDDM:s,QYMC:s,TYSHXYDM:s,SSHJ:r,ZJZ:r,YDMJ:r,JZMJ:r,HYDM:s,MJDJ:s",
                      parcels) &&
             fx_layer(gpkg, "GPKG", "DLTB", 4549, NULL, "DLBM:s,DLMC:s", landuse) &&
             fx_layer(gpkg, "GPKG", "redline", 4549, NULL, "HXBH:s,HXMC:s", redline) &&
             fx_layer(gpkg, "GPKG", "control_units", 4549, NULL,
                      "HJGKDYBM:s,HJGKDYMC:s,ZHGKDYFL:s", cu) &&
             fx_layer(gpkg, "GPKG", "parks", 4549, NULL, "YQBH:s,YQMC:s", parks);
    if (!ok) return NULL;
    ibmap_project *p = NULL;
    if (ibmap_project_new(ctx, &p)) return NULL;
    ibmap_project_set(ctx, p, "crs", "EPSG:4549");
    static const char *roles[][2] = {{"blocks", "blocks"}, {"parcels", "parcels"},
                                     {"landuse", "DLTB"},  {"redline", "redline"},
                                     {"control_units", "control_units"}, {"parks", "parks"}};
    for (int i = 0; i < 6; i++) {
        char key[64];
        ibmap_project_set(ctx, p, roles[i][0], gpkg);
        snprintf(key, sizeof key, "%s.layer", roles[i][0]);
        ibmap_project_set(ctx, p, key, roles[i][1]);
    }
    return p;
}

/* Load, overlay and write the workspace of the city. */
static int build_city(void)
{
    ibmap_project *p = city();
    if (!p) return 0;
    ibmap_data *d = NULL;
    ibmap_metrics *m = NULL;
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    snprintf(ws, sizeof ws, "%s/city.sqlite", dir);
    remove(ws);
    int ok = ibmap_load(ctx, p, &d) == IBMAP_OK && ibmap_overlay(ctx, d, &o, &m) == IBMAP_OK &&
             ibmap_workspace_write(ctx, ws, p, &o, d, m) == IBMAP_OK;
    if (!ok) printf("# the city: %s\n", ibmap_errmsg(ctx));
    ibmap_metrics_free(m);
    ibmap_data_free(d);
    ibmap_project_free(p);
    return ok;
}

static double sql_number(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    double v = NAN;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

static char *sql_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = ibmap_strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return v;
}

#define A_WHERE " FROM enterprises WHERE credit_code = '91330282A00000001A'"

TEST(enterprise_table_from_a_workspace)
{
    if (!city_ok) TEST_FAILF("the city did not build");
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(ws, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    double n = sql_number(db, "SELECT count(*) FROM enterprises");
    double parcels = sql_number(db, "SELECT n_parcels" A_WHERE);
    double blocks = sql_number(db, "SELECT n_blocks" A_WHERE);
    double land = sql_number(db, "SELECT land_mu" A_WHERE);
    double tax = sql_number(db, "SELECT tax" A_WHERE);
    double tpm = sql_number(db, "SELECT tax_per_mu" A_WHERE);
    double known = sql_number(db, "SELECT tax_known_land_share" A_WHERE);
    double va = sql_number(db, "SELECT va_per_mu" A_WHERE);
    double far = sql_number(db, "SELECT far" A_WHERE);
    double links = sql_number(db, "SELECT count(*) FROM enterprise_parcels AS ep JOIN"
                                  " enterprises AS e USING (ent_index)"
                                  " WHERE e.credit_code = '91330282A00000001A'");
    double b_tpm = sql_number(db, "SELECT tax_per_mu FROM enterprises WHERE name = '慈溪市乙塑料厂'");
    char *main_block = sql_text(db, "SELECT block_id" A_WHERE);
    char *chain = sql_text(db, "SELECT chain" A_WHERE);
    char *division = sql_text(db, "SELECT industry_division" A_WHERE);
    char *c_chain = sql_text(db, "SELECT chain FROM enterprises WHERE name = '慈溪市丙轴承有限公司'");
    sqlite3_close(db);
    int same_block = main_block && strcmp(main_block, "QK1") == 0;
    int same_chain = chain && strcmp(chain, "智能家电") == 0;
    int same_div = division && strcmp(division, "38") == 0;
    int c_bearing = c_chain && strcmp(c_chain, "高端轴承") == 0;
    free(main_block);
    free(chain);
    free(division);
    free(c_chain);
    CHECK_NEAR(n, 3, 0);
    CHECK_NEAR(parcels, 3, 0);
    CHECK_NEAR(links, 3, 0);
    CHECK_NEAR(blocks, 2, 0);
    CHECK_NEAR(land, 28.5, 1e-9);
    CHECK_NEAR(tax, 180, 1e-9);             /* the NULL parcel adds nothing, not 0 */
    CHECK_NEAR(tpm, 180.0 / 21.0, 1e-9);    /* over the land whose tax is known */
    CHECK_NEAR(known, 21.0 / 28.5, 1e-9);
    CHECK_NEAR(va, 690.0 / 21.0, 1e-9);
    CHECK_NEAR(far, 14400.0 / 14000.0, 1e-9);
    CHECK_NEAR(b_tpm, 2, 1e-9);
    CHECK(same_block);                      /* 22.5 亩 in QK1, 6 in QK2 */
    CHECK(same_chain);                      /* C3857: 385 家用电力器具 */
    CHECK(same_div);
    CHECK(c_bearing);                       /* C3451 滚动轴承 */
}

/* The GeoPackage: one feature per enterprise, a firm on three parcels is
** their union (10,000 + 5,000 + 4,000 m²), each block lists its firms. */
TEST(enterprises_layer_in_the_geopackage)
{
    if (!city_ok) TEST_FAILF("the city did not build");
    char rules_path[4200], out[4400], gpkg[4500];
    snprintf(rules_path, sizeof rules_path, "%s/layers/rules/cixi-2021.yaml", test_source_root());
    snprintf(out, sizeof out, "%s/out", dir);
    ibmap_rules *r = NULL;
    ibmap_classification *c = NULL;
    CHECK_INT(ibmap_rules_read(ctx, rules_path, &r), IBMAP_OK);
    ibmap_status st = ibmap_classify(ctx, ws, r, "default", &c);
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    o.formats = IBMAP_OUT_GPKG | IBMAP_OUT_SUMMARIES;
    o.overwrite = 1;
    if (!st) st = ibmap_write_outputs(ctx, ws, c, r, out, &o);
    if (st) printf("# %s\n", ibmap_errmsg(ctx));
    int64_t n_ent = ibmap_classification_enterprise_count(c);
    ibmap_classification_free(c);
    ibmap_rules_free(r);
    CHECK_INT(st, IBMAP_OK);
    CHECK_INT(n_ent, 3);
    snprintf(gpkg, sizeof gpkg, "%s/industrial_map.gpkg", out);
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR, NULL, NULL, NULL);
    CHECK(ds != NULL);
    OGRLayerH l = GDALDatasetGetLayerByName(ds, "enterprises");
    int64_t count = l ? OGR_L_GetFeatureCount(l, TRUE) : -1;
    double area_a = -1, land_a = -1;
    int parts_a = -1;
    OGRFeatureH f;
    while (l && (f = OGR_L_GetNextFeature(l)) != NULL) {
        int i = OGR_F_GetFieldIndex(f, "credit_code");
        if (i >= 0 && strcmp(OGR_F_GetFieldAsString(f, i), "91330282A00000001A") == 0) {
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            area_a = g ? OGR_G_Area(g) : -1;
            parts_a = g ? OGR_G_GetGeometryCount(g) : -1;
            land_a = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "land_mu"));
        }
        OGR_F_Destroy(f);
    }
    /* each block's enterprises, largest land first */
    char got[256] = "";
    OGRLayerH be = GDALDatasetGetLayerByName(ds, "block_enterprises");
    while (be && (f = OGR_L_GetNextFeature(be)) != NULL) {
        size_t len = strlen(got);
        snprintf(got + len, sizeof got - len, "%s:%s:%.1f;",
                 OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "block_id")),
                 OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "ent_id")),
                 OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "land_mu")));
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    CHECK_INT(count, 3);
    CHECK_NEAR(area_a, 19000, 1e-6);
    CHECK_INT(parts_a, 2);   /* P1 and P2 touch: one polygon; P3 is across the road */
    CHECK_NEAR(land_a, 28.5, 1e-9);
    CHECK_STR(got, "QK1:91330282A00000001A:22.5;QK1:91330282B00000002B:7.5;"
                   "QK2:91330282C00000003C:9.0;QK2:91330282A00000001A:6.0;");
}

/* The project's central towns replace the rules': 周巷镇 made central
** turns QK2 to a 中心城区 rule (QK1 is 数据不足: tax known on 22.5 of its
** 30 亩, under min_known_share). */
TEST(central_towns_change_the_class)
{
    if (!city_ok) TEST_FAILF("the city did not build");
    char rules_path[4200];
    snprintf(rules_path, sizeof rules_path, "%s/layers/rules/cixi-2021.yaml", test_source_root());
    ibmap_rules *r = NULL;
    ibmap_classification *c = NULL;
    CHECK_INT(ibmap_rules_read(ctx, rules_path, &r), IBMAP_OK);
    CHECK_INT(ibmap_classify(ctx, ws, r, NULL, &c), IBMAP_OK);
    char before[64];
    snprintf(before, sizeof before, "%s", ibmap_classification_rule(c, 1));
    char qk1[64];
    snprintf(qk1, sizeof qk1, "%s", ibmap_classification_rule(c, 0));
    ibmap_classification_free(c);
    c = NULL;
    const char *towns[] = {"周巷镇"};
    CHECK_INT(ibmap_rules_set_central_towns(ctx, r, towns, 1), IBMAP_OK);
    CHECK_INT(ibmap_classify(ctx, ws, r, NULL, &c), IBMAP_OK);
    char after[64];
    snprintf(after, sizeof after, "%s", ibmap_classification_rule(c, 1));
    ibmap_classification_free(c);
    ibmap_rules_free(r);
    CHECK_STR(qk1, "no_data");
    CHECK(strncmp(before, "central_", 8) != 0);
    CHECK(strncmp(after, "central_", 8) == 0);
}

/* ---- the 榜单, by hand ------------------------------------------------ */

/* Eight enterprises (亩, 亩均税收 = tax / tax land, 亩均增加值 = va / va land):
**
**   id  town  大类  亩   tax  tax亩  va    va亩  低效
**   E1  T1    38    20   400  20     1000  20    0     20    50
**   E2  T1    38    12   240  12     480   12    0     20    40   (ties E1 on tax)
**   E3  T2    29    1    100  1      300   1     0     100   300  (1 亩: not ranked)
**   E4  T2    29    30   90   30     300   30    1     3     10
**   E5  T2    29    15   —    0      150   15    —     —     10   (数据不足)
**   E6  T1    34    10   50   10     200   10    0     5     20   (10 亩: ranked)
**   E7  —     —     25   200  25     —     0     0     8     —
**   E8  T1    34    10   50   10     200   10    0     5     20   (ties E6 on all)
**
** ranking_min_mu 10, ranking_tier_share 0.2.  Ranked (≥ 10 亩, tax known):
** E1 20 (va 50), E2 20 (va 40), E7 8, E6 5, E8 5 (E6 < E8 by id), E4 3: n
** 6, k = ⌈1.2⌉ = 2: E1 E2 前列, E8 E4 末档.  Then E3 (small), E5 (数据不足).
** By 亩均增加值 (≥ 10 亩, va known): E1 50, E2 40, E6 20, E8 20, E4 10 (tax
** 3), E5 10 (tax unknown: after).
** Towns: T1 = E1 E2 E6 E8: 52 亩, 740 / 52 = 14.2308, va 1880 / 52 =
** 36.1538; T2 = E3 E4 E5: 46 亩, 190 / 31 = 6.1290, va 750 / 46 = 16.3043;
** E7 has no town.  k = ⌈0.4⌉ = 1: T1 前列, T2 末档.
** Industries: 38 = 640 / 32 = 20; 29 = 6.1290; 34 = 100 / 20 = 5; k = 1. */
static out_model *ranking_model(void)
{
    out_model *m = fx_output_model();
    m->ranking_min_mu = 10;
    m->ranking_tier_share = 0.2;
    m->tax_floor = 5;
    static const char *const cols[][4] = {
        {"ent_id", "", "", "T"},      {"name", "", "", "T"},        {"town", "", "", "T"},
        {"industry_division", "", "", "T"}, {"chain", "", "", "T"}, {"land_mu", "", "", "R"},
        {"tax", "", "", "R"},         {"tax_land_mu", "", "", "R"}, {"value_added", "", "", "R"},
        {"va_land_mu", "", "", "R"},  {"tax_per_mu", "", "", "R"},  {"va_per_mu", "", "", "R"},
        {"grade", "", "", "T"},       {"low_eff", "", "", "I"},     {"category", "", "", "T"},
        {"category_zh", "", "", "T"}};
    static const struct {
        const char *id, *town, *div;
        double land, tax, tl, va, vl;
        int low;
    } e[] = {{"E1", "T1", "38", 20, 400, 20, 1000, 20, 0},
             {"E2", "T1", "38", 12, 240, 12, 480, 12, 0},
             {"E3", "T2", "29", 1, 100, 1, 300, 1, 0},
             {"E4", "T2", "29", 30, 90, 30, 300, 30, 1},
             {"E5", "T2", "29", 15, NAN, 0, 150, 15, -1},
             {"E6", "T1", "34", 10, 50, 10, 200, 10, 0},
             {"E7", NULL, NULL, 25, 200, 25, NAN, 0, 0},
             {"E8", "T1", "34", 10, 50, 10, 200, 10, 0}};
    out_table *t = fx_table(m, "enterprises", "企业", 0, cols, 16, 8);
    for (int i = 0; i < 8; i++) {
        char name[32];
        snprintf(name, sizeof name, "企业%s", e[i].id);
        out_table_set_text(t, i, 0, e[i].id);
        out_table_set_text(t, i, 1, name);
        out_table_set_text(t, i, 2, e[i].town);
        out_table_set_text(t, i, 3, e[i].div);
        out_table_set_text(t, i, 4, strcmp(e[i].div ? e[i].div : "", "38") == 0 ? "智能家电" : NULL);
        out_table_set_real(t, i, 5, e[i].land);
        out_table_set_real(t, i, 6, e[i].tax);
        out_table_set_real(t, i, 7, e[i].tl);
        out_table_set_real(t, i, 8, e[i].va);
        out_table_set_real(t, i, 9, e[i].vl);
        out_table_set_real(t, i, 10, e[i].tl > 0 ? e[i].tax / e[i].tl : NAN);
        out_table_set_real(t, i, 11, e[i].vl > 0 ? e[i].va / e[i].vl : NAN);
        out_table_set_text(t, i, 12, "B");
        if (e[i].low >= 0) out_table_set_integer(t, i, 13, e[i].low);
        out_table_set_text(t, i, 14, e[i].low == 1 ? "upgrade" : "none");
        out_table_set_text(t, i, 15, e[i].low == 1 ? "改造提升类" : "不列入");
    }
    return m;
}

TEST(rankings_by_hand)
{
    out_model *m = ranking_model();
    out_ranking r;
    CHECK(out_rank_enterprises(m, &r));
    const out_table *t = out_model_table(m, "enterprises");
    char order[128] = "";
    for (int64_t i = 0; i < r.n; i++) {
        size_t len = strlen(order);
        snprintf(order + len, sizeof order - len, "%s:%lld:%lld:%d ",
                 out_text(t, r.rows[i].row, "ent_id"), (long long)r.rows[i].rank,
                 (long long)r.rows[i].rank_va, r.rows[i].tier);
    }
    int64_t ranked = r.n_ranked;
    out_ranking_free(&r);
    /* tier: 0 between, 1 前列, 2 末档, 3 small, 4 数据不足 */
    CHECK_STR(order, "E1:1:1:1 E2:2:2:1 E7:3:0:0 E6:4:3:0 E8:5:4:2 E4:6:5:2 E3:0:0:3 "
                     "E5:0:6:4 ");
    CHECK_INT(ranked, 6);
    /* towns */
    CHECK(out_rank_groups(m, "town", &r));
    CHECK_INT(r.n, 3);
    CHECK_STR(r.rows[0].key, "T1");
    CHECK_INT(r.rows[0].rank, 1);
    CHECK_INT(r.rows[0].tier, OUT_TIER_TOP);
    CHECK_NEAR(r.rows[0].land_mu, 52, 1e-9);
    CHECK_NEAR(r.rows[0].tax_per_mu, 740.0 / 52.0, 1e-12);
    CHECK_NEAR(r.rows[0].va_per_mu, 1880.0 / 52.0, 1e-12);
    CHECK_STR(r.rows[1].key, "T2");
    CHECK_INT(r.rows[1].tier, OUT_TIER_BOTTOM);
    CHECK_NEAR(r.rows[1].tax_per_mu, 190.0 / 31.0, 1e-12);   /* E5's land not counted */
    CHECK_NEAR(r.rows[1].va_per_mu, 750.0 / 46.0, 1e-12);
    CHECK_INT(r.rows[1].n_low_eff, 1);
    CHECK(r.rows[2].key == NULL);
    CHECK_INT(r.rows[2].rank, 0);
    CHECK_INT(r.rows[2].tier, OUT_TIER_NO_KEY);
    out_ranking_free(&r);
    /* industries */
    CHECK(out_rank_groups(m, "industry_division", &r));
    CHECK_INT(r.n, 4);
    CHECK_STR(r.rows[0].key, "38");
    CHECK_NEAR(r.rows[0].tax_per_mu, 20, 1e-12);
    CHECK_STR(r.rows[1].key, "29");
    CHECK_STR(r.rows[2].key, "34");
    CHECK_NEAR(r.rows[2].tax_per_mu, 5, 1e-12);
    CHECK_INT(r.rows[2].tier, OUT_TIER_BOTTOM);
    out_ranking_free(&r);
    CHECK_STR(out_industry_division_name("38"), "电气机械和器材制造业");
    CHECK(out_industry_division_name("05") == NULL);
    out_model_free(m);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

TEST(ranking_csv_by_hand)
{
    out_model *m = ranking_model();
    char d[4200], path[4300];
    snprintf(d, sizeof d, "%s/csv", dir);
    mkdir(d, 0777);
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    snprintf(path, sizeof path, "%s/ranking_enterprises.csv", d);
    char *got = read_all(path);
    const char *want =
        "\xEF\xBB\xBFrank,rank_va,ent_id,name,town,industry_division,chain,land_mu,tax_per_mu,"
        "va_per_mu,grade,category,category_zh,tier\r\n"
        "1,1,E1,企业E1,T1,38,智能家电,20.00,20.00,50.00,B,none,不列入,前列\r\n"
        "2,2,E2,企业E2,T1,38,智能家电,12.00,20.00,40.00,B,none,不列入,前列\r\n"
        "3,,E7,企业E7,,,,25.00,8.00,,B,none,不列入,\r\n"
        "4,3,E6,企业E6,T1,34,,10.00,5.00,20.00,B,none,不列入,\r\n"
        "5,4,E8,企业E8,T1,34,,10.00,5.00,20.00,B,none,不列入,末档\r\n"
        "6,5,E4,企业E4,T2,29,,30.00,3.00,10.00,B,upgrade,改造提升类,末档\r\n"
        ",,E3,企业E3,T2,29,,1.00,100.00,300.00,B,none,不列入,未排名：用地不足 10 亩\r\n"
        ",6,E5,企业E5,T2,29,,15.00,,10.00,B,none,不列入,数据不足\r\n";
    int same = got && strcmp(got, want) == 0;
    if (!same) printf("# got:\n%s\n", got ? got : "(missing)");
    free(got);
    CHECK(same);
    snprintf(path, sizeof path, "%s/ranking_towns.csv", d);
    got = read_all(path);
    want = "\xEF\xBB\xBFrank,rank_va,town,enterprises,land_mu,tax_per_mu,va_per_mu,"
           "tax_known_land_share,low_eff_enterprises,tier\r\n"
           "1,1,T1,4,52.00,14.23,36.15,1.0000,0,前列\r\n"
           "2,2,T2,3,46.00,6.13,16.30,0.6739,1,末档\r\n"
           ",,（无镇街）,1,25.00,8.00,,1.0000,0,\r\n";
    same = got && strcmp(got, want) == 0;
    if (!same) printf("# got:\n%s\n", got ? got : "(missing)");
    free(got);
    CHECK(same);
}

int main(void)
{
    ctx = ibmap_ctx_new();
    dir = test_scratch_dir("test_enterprises");
    if (!ctx || !dir) return 1;
    GDALAllRegister();
    city_ok = build_city();
    RUN(chains_table_equals_the_csv);
    RUN(enterprise_table_from_a_workspace);
    RUN(enterprises_layer_in_the_geopackage);
    RUN(central_towns_change_the_class);
    RUN(rankings_by_hand);
    RUN(ranking_csv_by_hand);
    ibmap_ctx_free(ctx);
    return test_finish();
}
