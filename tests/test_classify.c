/*
** test_classify.c — classification against blocks made by hand.
**
** The workspaces here are SQLite files with a block_metrics table made as
** workspace.c makes it (one column per metric), filled with rows chosen so
** that the outcome can be worked out on paper: one block per default rule,
** each with metrics that make exactly that rule the first to match, and a
** small three-rule file for params, stability, compare and sweep.  The
** last test runs the real overlay on the sample city and classifies it.
*/
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static const char *dir;
static char default_rules[4200];

/* A block that no rule but the closing default matches (default file):
** outside every zone, 10 parcels, tax 15 万元/亩 (above the floor 5, below
** support 20), A+B 60% with tax too low for support, C+D 30%, far 1.2,
** 20% small parcels; every parcel's tax and floor area known. */
static const char *const neutral =
    "metric_status=ok;area_m2=10000;area_mu=15;redline_share=0;basic_farmland_share=0;"
    "cu_type=key_industry;cu_code=ZH00;cu_priority_m2=0;transition_share=0;central_share=0;"
    "parks_share=0;n_parcels=10;tax_per_mu=15;grade_a_share=0.3;grade_b_share=0.3;"
    "grade_c_share=0.2;grade_d_share=0.1;far=1.2;small_parcel_share=0.2;"
    "tax_known_land_share=1;floor_known_land_share=1";

/* Set metric `name` to `value` ("NULL" for none) in the row being bound. */
static void bind_metric(sqlite3_stmt *st, const char *name, const char *value)
{
    int m = ibmap_metric_index(name);
    if (m < 0) {
        printf("# no metric %s\n", name);
        return;
    }
    int col = m + 3;
    if (strcmp(value, "NULL") == 0)
        sqlite3_bind_null(st, col);
    else if (ibmap_metric(m)->kind == IBMAP_METRIC_TEXT)
        sqlite3_bind_text(st, col, value, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_double(st, col, atof(value));
}

/* Apply "name=value;name=value" to the row being bound; e.NAME and e2.NAME
** are enterprise columns, applied by apply_enterprise_spec. */
static void bind_spec(sqlite3_stmt *st, const char *spec)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || strncmp(kv, "e.", 2) == 0 || strncmp(kv, "e2.", 3) == 0) continue;
        *eq = '\0';
        bind_metric(st, kv, eq + 1);
    }
}

/* Every block with parcels gets one enterprise ("E" and the block id, in
** block order) of 20 亩 whose 亩均税收 is the block's, graded B, no flags,
** and its parcel; "e.col=v" in the block's spec overrides a column of it,
** and "e2.col=v" adds a second enterprise like it ("E<id>-2", next). */
static int make_enterprises(sqlite3 *db, const char *const *specs)
{
    char sql[8192];
    size_t len = (size_t)snprintf(sql, sizeof sql,
                                  "CREATE TABLE enterprises(ent_index INTEGER PRIMARY KEY");
    for (int k = 0; k < EC_COUNT; k++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", \"%s\" %s",
                                rules_ent_columns[k].name,
                                rules_ent_columns[k].text ? "TEXT" : "REAL");
    snprintf(sql + len, sizeof sql - len,
             "); CREATE TABLE enterprise_parcels(parcel_index INTEGER PRIMARY KEY,"
             " parcel_id TEXT, ent_index INTEGER, block_index INTEGER, land_mu REAL);");
    int ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    static const char insert[] =
        "INSERT INTO enterprises(ent_index, ent_id, name, n_parcels, n_blocks, land_mu,"
        " tax_per_mu, tax_known_land_share, grade, is_cd, is_lsl, is_small, block_index,"
        " block_id, town, block_parks_share, block_redline_share, block_basic_farmland_share,"
        " block_transition_share, block_central_share, block_cu_type)"
        " SELECT (SELECT count(*) FROM enterprises), 'E' || block_id || '%s', 'E' || block_id, 1, 1, 20,"
        " tax_per_mu, iif(tax_per_mu IS NULL, 0, 1), 'B', 0, 0, 0, block_index, block_id,"
        " town, parks_share, redline_share, basic_farmland_share, transition_share,"
        " central_share, cu_type FROM block_metrics WHERE n_parcels > 0 AND block_index = %d";
    for (int i = 0; ok && specs[i]; i++) {
        snprintf(sql, sizeof sql, insert, "", i);
        ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
        char buf[2048];
        snprintf(buf, sizeof buf, "%s", specs[i]);
        int second = 0;
        for (char *save = NULL, *kv = strtok_r(buf, ";", &save); ok && kv;
             kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            int e2 = strncmp(kv, "e2.", 3) == 0;
            if (!eq || (strncmp(kv, "e.", 2) != 0 && !e2)) continue;
            *eq = '\0';
            if (e2 && !second++) {
                snprintf(sql, sizeof sql, insert, "-2", i);
                ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
            }
            char *v = sqlite3_mprintf("UPDATE enterprises SET \"%w\" = %s WHERE ent_id ="
                                      " (SELECT 'E' || block_id || '%s' FROM block_metrics"
                                      " WHERE block_index = %d)",
                                      kv + (e2 ? 3 : 2), eq + 1, e2 ? "-2" : "", i);
            ok = v && sqlite3_exec(db, v, NULL, NULL, NULL) == SQLITE_OK;
            if (!ok) printf("# %s: %s\n", v, sqlite3_errmsg(db));
            sqlite3_free(v);
        }
    }
    return ok && sqlite3_exec(db,
                              "INSERT INTO enterprise_parcels SELECT ent_index, ent_id, ent_index,"
                              " block_index, land_mu FROM enterprises",
                              NULL, NULL, NULL) == SQLITE_OK;
}

/* A workspace at dir/name.sqlite holding block i = (ids[i], neutral
** overridden by specs[i]); NULL-terminated lists.  Returns its path. */
static const char *make_workspace(const char *name, const char *const *ids,
                                  const char *const *specs)
{
    static char path[4300];
    snprintf(path, sizeof path, "%s/%s.sqlite", dir, name);
    unlink(path);
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) return NULL;
    char sql[8192];
    size_t len = (size_t)snprintf(sql, sizeof sql,
                                  "CREATE TABLE block_metrics(block_index INTEGER PRIMARY KEY, "
                                  "block_id TEXT");
    for (int k = 0; k < ibmap_metric_count(); k++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", \"%s\" %s",
                                ibmap_metric(k)->name,
                                ibmap_metric(k)->kind == IBMAP_METRIC_TEXT ? "TEXT" : "REAL");
    snprintf(sql + len, sizeof sql - len, ")");
    int ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO block_metrics VALUES (?, ?");
    for (int k = 0; k < ibmap_metric_count(); k++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", ?");
    snprintf(sql + len, sizeof sql - len, ")");
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    for (int i = 0; ok && ids[i]; i++) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_STATIC);
        bind_spec(st, neutral);
        bind_spec(st, specs[i]);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    ok = ok && make_enterprises(db, specs);
    sqlite3_close(db);
    return ok ? path : NULL;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static ibmap_rules *read_rules(const char *path)
{
    ibmap_rules *r = NULL;
    if (ibmap_rules_read(ctx, path, &r)) printf("# %s\n", ibmap_errmsg(ctx));
    return r;
}

static ibmap_classification *classify(const char *ws, const ibmap_rules *r,
                                      const char *scenario)
{
    ibmap_classification *c = NULL;
    if (ibmap_classify(ctx, ws, r, scenario, &c)) printf("# %s\n", ibmap_errmsg(ctx));
    return c;
}

/* ---- every default rule fires on its own block ------------------------- */

/* One block per rule of layers/rules/cixi-2021.yaml, in rule order, and
** what the rule says about it. */
static const struct {
    const char *spec, *klass, *mode, *rule, *reason;
} per_rule[] = {
    {"redline_share=0.032", "exit", "restore", "redline", "生态红线占比 3.2% 超过 1.0%，复垦复绿"},
    {"basic_farmland_share=0.25", "exit", "restore", "basic_farmland",
     "永久基本农田占比 25.0% 超过 1.0%，复垦"},
    /* a high tax does not buy a block out of a 优先保护 unit */
    {"cu_type=priority;cu_code=ZH01;tax_per_mu=30;grade_a_share=0.8", "exit", "relocate",
     "priority_unit", "位于优先保护单元（ZH01），搬迁腾退"},
    {"n_parcels=0;tax_per_mu=NULL;grade_a_share=NULL;grade_b_share=NULL;grade_c_share=NULL;"
     "grade_d_share=NULL;far=NULL;small_parcel_share=NULL;tax_known_land_share=NULL;"
     "floor_known_land_share=NULL",
     "unclassifiable", "", "no_data",
     "数据不足：宗地 0 宗，亩均税收 —；税收已知的用地占比 —、建筑面积已知的用地占比 —，低于 80.0%"},
    {"transition_share=0.45", "consolidate", "organic_renewal", "transition_renewal",
     "过渡控制区占比 45.0%；低效企业用地 0.0%、低散乱污 0.0% 未超限，存量工业用地有机更新"},
    {"transition_share=0.45;tax_per_mu=3", "exit", "reserve", "transition_reserve",
     "过渡控制区占比 45.0%，低效企业用地 100.0%、低散乱污 0.0%，不符合有机更新条件，收储"},
    {"town=浒山街道;tax_per_mu=25", "consolidate", "industrial_upgrade", "central_keep",
     "中心城区（浒山街道）工业保留区块，亩均税收 25 万元/亩，发展绿色都市工业"},
    {"central_share=0.8", "consolidate", "function_change", "central_change",
     "中心城区（—），亩均税收 15 万元/亩、低效企业用地 0.0%，不列为保留区块，功能转换"},
    {"parks_share=1;park_name=慈东园区;tax_per_mu=25;grade_a_share=0.5;grade_b_share=0.3",
     "support", "", "park_efficient",
     "位于规划园区（慈东园区），亩均税收 25 万元/亩 达到 20 万元/亩，A类 50.0%、B类 30.0%"},
    {"e.is_lsl=1", "consolidate", "industrial_upgrade", "lsl_block",
     "低散乱污企业用地占比 100.0% 超过 30.0%，整治后产业更新"},
    {"tax_per_mu=4.3;small_parcel_share=0.7", "consolidate", "consolidation", "low_eff_scattered",
     "低效企业用地 100.0%（1 家），C类 20.0%、D类 10.0%，小宗地占比 70.0%，零星归宗"},
    {"tax_per_mu=4.3;far=0.45", "consolidate", "rebuild", "low_eff_low_far",
     "低效企业用地 100.0%（1 家），容积率 0.45 低于 0.6，拆除重建"},
    {"tax_per_mu=4.3", "consolidate", "industrial_upgrade", "low_eff_block",
     "低效企业用地 100.0%（1 家），C类 20.0%、D类 10.0%，产业更新"},
    /* one firm of 20 亩 at 15 万元/亩 and one of 5 亩 at 2: 20% low */
    {"e2.land_mu=5;e2.tax_per_mu=2", "consolidate", "partial_renewal", "low_eff_some",
     "1 家低效企业（用地 5 亩，占 20.0%），局部更新"},
    {"tax_per_mu=25;grade_a_share=0.5;grade_b_share=0.3", "support", "", "efficient",
     "亩均税收 25 万元/亩 达到 20 万元/亩，A类 50.0%、B类 30.0%，无低效企业"},
    {"", "consolidate", "industrial_upgrade", "default",
     "无低效企业，亩均税收 15 万元/亩 未达扶持线 20 万元/亩，整合改造、产业更新"},
};
#define N_PER_RULE ((int)(sizeof per_rule / sizeof per_rule[0]))

/* The per-rule blocks R01…R16, then U (no geometry), T (tax 5.5) and K
** (tax known on 79.5% of its land). */
static const char *per_rule_workspace(void)
{
    static const char *ids[N_PER_RULE + 4], *specs[N_PER_RULE + 4];
    static char names[N_PER_RULE][8];
    for (int i = 0; i < N_PER_RULE; i++) {
        snprintf(names[i], sizeof names[i], "R%02d", i + 1);
        ids[i] = names[i];
        specs[i] = per_rule[i].spec;
    }
    ids[N_PER_RULE] = "U";
    specs[N_PER_RULE] = "metric_status=no_geometry;area_m2=NULL;area_mu=NULL;redline_share=NULL";
    ids[N_PER_RULE + 1] = "T";
    specs[N_PER_RULE + 1] = "tax_per_mu=5.5";
    ids[N_PER_RULE + 2] = "K";
    specs[N_PER_RULE + 2] = "tax_known_land_share=0.795";
    ids[N_PER_RULE + 3] = NULL;
    return make_workspace("per_rule", ids, specs);
}

TEST(every_default_rule_fires_on_its_block)
{
    const char *ws = per_rule_workspace();
    CHECK(ws != NULL);
    ibmap_rules *r = read_rules(default_rules);
    CHECK(r != NULL);
    CHECK_INT(ibmap_rules_rule_count(r), N_PER_RULE);
    ibmap_classification *c = classify(ws, r, NULL);
    CHECK(c != NULL);
    CHECK_INT(ibmap_classification_count(c), N_PER_RULE + 3);
    for (int i = 0; i < N_PER_RULE; i++) {
        /* Rule i decides block i, and block i is the only one rule i
        ** decides: the rules are in the same order as the blocks. */
        CHECK_STR(ibmap_rules_rule_id(r, i), per_rule[i].rule);
        CHECK_STR(ibmap_classification_rule(c, i), per_rule[i].rule);
        CHECK_STR(ibmap_class_name(ibmap_classification_class(c, i)), per_rule[i].klass);
        CHECK_STR(ibmap_mode_name(ibmap_classification_mode(c, i)), per_rule[i].mode);
        CHECK_STR(ibmap_classification_reason(c, i), per_rule[i].reason);
        /* (T, the last block, is a second neutral block: the default's.) */
        for (int j = 0; j < N_PER_RULE + 1; j++)
            if (j != i && strcmp(ibmap_classification_rule(c, j), per_rule[i].rule) == 0)
                TEST_FAILF("rule %s also decides block %d", per_rule[i].rule, j);
    }
    ibmap_classification_free(c);
    ibmap_rules_free(r);
}

TEST(matched_lists_every_matching_rule)
{
    ibmap_rules *r = read_rules(default_rules);
    ibmap_classification *c = classify(per_rule_workspace(), r, NULL);
    CHECK(c != NULL);
    /* R01 (red line 3.2%, otherwise neutral): only redline and default. */
    CHECK_STR(ibmap_classification_matched(c, 0), "redline;default");
    /* R11 (its one firm at 4.3 万元/亩, 70% small parcels, far 1.2): the
    ** low-efficiency rules but the low-far one, and default. */
    CHECK_STR(ibmap_classification_matched(c, 10),
              "low_eff_scattered;low_eff_block;low_eff_some;default");
    /* R04 (no parcels, NULL economics): only no_data; n_low_eff is 0, not
    ** NULL, and the NULL comparisons match nothing else. */
    CHECK_STR(ibmap_classification_matched(c, 3), "no_data;default");
    /* K (tax known on 79.5% of the parcel land, 15 万元/亩 on that part):
    ** under min_known_share, so 数据不足 — not weak, not efficient. */
    CHECK_STR(ibmap_classification_matched(c, N_PER_RULE + 2), "no_data;default");
    CHECK_STR(ibmap_class_name(ibmap_classification_class(c, N_PER_RULE + 2)), "unclassifiable");
    CHECK_STR(ibmap_classification_reason(c, N_PER_RULE + 2),
              "数据不足：宗地 10 宗，亩均税收 15 万元/亩；税收已知的用地占比 79.5%、"
              "建筑面积已知的用地占比 100.0%，低于 80.0%");
    ibmap_classification_free(c);
    ibmap_rules_free(r);
}

TEST(unclassifiable_block_is_kept_with_its_reason)
{
    ibmap_rules *r = read_rules(default_rules);
    ibmap_classification *c = classify(per_rule_workspace(), r, NULL);
    CHECK(c != NULL);
    int64_t u = N_PER_RULE;
    CHECK_STR(ibmap_classification_block_id(c, u), "U");
    CHECK_INT(ibmap_classification_class(c, u), IBMAP_CLASS_UNCLASSIFIABLE);
    CHECK_STR(ibmap_class_label_zh(ibmap_classification_class(c, u)), "未能分类");
    CHECK_INT(ibmap_classification_mode(c, u), IBMAP_MODE_NONE);
    CHECK_STR(ibmap_classification_rule(c, u), "");
    CHECK_STR(ibmap_classification_matched(c, u), "");
    CHECK_STR(ibmap_classification_reason(c, u),
              "未能分类：区块指标未能计算（metric_status: no_geometry）");
    CHECK_INT(ibmap_classification_stable(c, u), 1);
    CHECK(isnan(ibmap_classification_area_mu(c, u)));
    ibmap_classification_free(c);
    ibmap_rules_free(r);
}

TEST(one_param_change_moves_only_the_expected_block)
{
    const char *ws = per_rule_workspace();
    ibmap_rules *r = read_rules(default_rules);
    ibmap_classification *before = classify(ws, r, NULL);
    CHECK(ibmap_rules_set_param(ctx, r, "tax_floor", 6) == IBMAP_OK);
    ibmap_classification *after = classify(ws, r, NULL);
    ibmap_rules_free(r);
    CHECK(before && after);
    /* Only T's firm (5.5 万元/亩) crosses a floor moved from 5 to 6: it
    ** becomes 低效 (改造提升类), so T goes from the default to low_eff_block
    ** (100% of its land low).  The firms at 4.3, 3 and 2 were already
    ** below the line. */
    int64_t t = N_PER_RULE + 1;
    CHECK_STR(ibmap_classification_block_id(after, t), "T");
    CHECK_STR(ibmap_classification_rule(before, t), "default");
    CHECK_STR(ibmap_classification_rule(after, t), "low_eff_block");
    int64_t te = -1;
    for (int64_t i = 0; i < ibmap_classification_enterprise_count(after); i++)
        if (strcmp(ibmap_classification_enterprise_id(after, i), "ET") == 0) te = i;
    CHECK(te >= 0);
    CHECK_INT(ibmap_classification_enterprise_low_eff(before, te), 0);
    CHECK_INT(ibmap_classification_enterprise_low_eff(after, te), 1);
    CHECK_INT(ibmap_classification_enterprise_category(before, te), IBMAP_CATEGORY_NONE);
    CHECK_INT(ibmap_classification_enterprise_category(after, te), IBMAP_CATEGORY_UPGRADE);
    CHECK_STR(ibmap_classification_enterprise_rule(after, te), "ent_low_eff");
    CHECK_STR(ibmap_classification_enterprise_reason(after, te),
              "亩均税收 5.5 万元/亩 低于 6 万元/亩，低效企业改造提升");
    for (int64_t b = 0; b < ibmap_classification_count(after); b++)
        if (b != t)
            CHECK_STR(ibmap_classification_rule(after, b), ibmap_classification_rule(before, b));
    ibmap_classification_free(before);
    ibmap_classification_free(after);
}

/* ---- a small rule set: params, stability, storage, compare, sweep ------- */

static const char small_rules_text[] =
    "name: small\n"
    "params:\n"
    "  tax_floor: {value: 5, unit: 万元/亩}\n"
    "  redline_max: {value: 0.01, unit: share}\n"
    "rules:\n"
    "  - id: redline\n"
    "    class: exit\n"
    "    mode: restore\n"
    "    when: redline_share > redline_max\n"
    "    reason: 红线 {redline_share} > {redline_max}\n"
    "  - id: low_tax\n"
    "    class: consolidate\n"
    "    mode: industrial_upgrade\n"
    "    when: tax_per_mu < tax_floor\n"
    "    reason: 亩均税收 {tax_per_mu} < {tax_floor}\n"
    "  - id: default\n"
    "    class: support\n"
    "    when: \"1\"\n"
    "    reason: 达标\n";

/* A tax 5.2: support, but consolidate at floor 5.5 (+10%): unstable.
** B tax 5.5: support at 4.5 and 5.5 (5.5 < 5.5 is false): stable.
** C tax 8: support.  D tax 3: consolidate at 4.5 and 5.5: stable.
** E red line 2%, tax 3: exit.  F red line 1.05%: exit, but not at
** 1.1% (+10%): unstable by redline_max.  G no geometry. */
static const char *small_workspace(void)
{
    static const char *ids[] = {"A", "B", "C", "D", "E", "F", "G", NULL};
    static const char *specs[] = {"tax_per_mu=5.2", "tax_per_mu=5.5", "tax_per_mu=8",
                                  "tax_per_mu=3", "redline_share=0.02;tax_per_mu=3",
                                  "redline_share=0.0105;tax_per_mu=8",
                                  "metric_status=failed: GEOS error;area_mu=30", NULL};
    return make_workspace("small", ids, specs);
}

TEST(stability_and_the_param_that_flips)
{
    const char *ws = small_workspace();
    ibmap_rules *r = read_rules(write_file("small.yaml", small_rules_text));
    ibmap_classification *c = classify(ws, r, NULL);
    ibmap_rules_free(r);
    CHECK(c != NULL);
    static const char *klass[] = {"support", "support", "support", "consolidate", "exit",
                                  "exit", "unclassifiable"};
    static const int stable[] = {0, 1, 1, 1, 1, 0, 1};
    static const char *flip[] = {"tax_floor", "", "", "", "", "redline_max", ""};
    for (int b = 0; b < 7; b++) {
        CHECK_STR(ibmap_class_name(ibmap_classification_class(c, b)), klass[b]);
        CHECK_INT(ibmap_classification_stable(c, b), stable[b]);
        CHECK_STR(ibmap_classification_flipped_by(c, b), flip[b]);
    }
    CHECK_STR(ibmap_classification_matched(c, 4), "redline;low_tax;default");
    CHECK_STR(ibmap_classification_reason(c, 4), "红线 2.0% > 1.0%");
    CHECK_STR(ibmap_classification_reason(c, 3), "亩均税收 3 万元/亩 < 5 万元/亩");
    CHECK_STR(ibmap_classification_reason(c, 6),
              "未能分类：区块指标未能计算（metric_status: failed: GEOS error）");
    ibmap_classification_free(c);
}

/* The block_class rows of a scenario, as one string. */
static char *dump_scenario(const char *ws, const char *scenario)
{
    sqlite3 *db = NULL;
    sqlite3_open_v2(ws, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *q = NULL;
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(cap, 1);
    if (sqlite3_prepare_v2(db,
                           "SELECT quote(block_index) || '|' || quote(block_id) || '|' || "
                           "quote(class) || '|' || quote(mode) || '|' || quote(rule_id) || '|' "
                           "|| quote(reason) || '|' || quote(matched) || '|' || quote(stable) "
                           "|| '|' || quote(flipped_by) FROM block_class WHERE scenario = ? "
                           "ORDER BY block_index",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, scenario, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW && out)
            len += (size_t)snprintf(out + len, cap - len, "%s\n", sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1 << 16, 1);
    if (buf) fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

TEST(scenarios_are_stored_and_reproducible)
{
    const char *ws = small_workspace();
    ibmap_rules *r = read_rules(write_file("small.yaml", small_rules_text));
    char csv1[4400], csv2[4400];
    snprintf(csv1, sizeof csv1, "%s/run1.csv", dir);
    snprintf(csv2, sizeof csv2, "%s/run2.csv", dir);
    ibmap_classification *c1 = classify(ws, r, "base");
    CHECK(c1 && ibmap_classification_write_csv(ctx, c1, csv1) == IBMAP_OK);
    char *rows1 = dump_scenario(ws, "base");
    ibmap_classification *c2 = classify(ws, r, "base");
    CHECK(c2 && ibmap_classification_write_csv(ctx, c2, csv2) == IBMAP_OK);
    char *rows2 = dump_scenario(ws, "base");
    char *b1 = read_all(csv1), *b2 = read_all(csv2);
    ibmap_classification_free(c1);
    ibmap_classification_free(c2);
    ibmap_rules_free(r);
    CHECK(rows1 && rows2 && b1 && b2);
    CHECK_STR(rows2, rows1);
    CHECK_STR(b2, b1);
    CHECK_CONTAINS(rows1, "0|'A'|'support'|NULL|'default'|'达标'|'default'|0|'tax_floor'\n");
    CHECK_CONTAINS(b1, "E,exit,清理退出,restore,复垦复绿,redline,红线 2.0% > 1.0%,"
                       "redline;low_tax;default,1,\r\n");
    free(rows1);
    free(rows2);
    free(b1);
    free(b2);
    /* Read back: the same classes, and the unknown scenario is named. */
    ibmap_classification *back = NULL;
    CHECK(ibmap_classification_load(ctx, ws, "base", &back) == IBMAP_OK);
    CHECK_INT(ibmap_classification_count(back), 7);
    CHECK_INT(ibmap_classification_class(back, 5), IBMAP_CLASS_EXIT);
    CHECK_STR(ibmap_classification_flipped_by(back, 5), "redline_max");
    CHECK_NEAR(ibmap_classification_area_mu(back, 6), 30, 0);
    ibmap_classification_free(back);
    CHECK(ibmap_classification_load(ctx, ws, "nope", &back) == IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "no scenario 'nope' (scenarios stored: base)");
}

TEST(compare_counts_transitions)
{
    const char *ws = small_workspace();
    ibmap_rules *r = read_rules(write_file("small.yaml", small_rules_text));
    ibmap_classification *a = classify(ws, r, "a");
    /* Floor 6: A (5.2) and B (5.5) go from support to consolidate. */
    ibmap_rules_set_param(ctx, r, "tax_floor", 6);
    ibmap_classification *b = classify(ws, r, "b");
    ibmap_classification_free(a);
    ibmap_classification_free(b);
    ibmap_rules_free(r);
    a = b = NULL;
    CHECK(ibmap_classification_load(ctx, ws, "a", &a) == IBMAP_OK);
    CHECK(ibmap_classification_load(ctx, ws, "b", &b) == IBMAP_OK);
    int64_t n[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    ibmap_status st = ibmap_compare(ctx, a, b, n, mu);
    char csv[4400];
    snprintf(csv, sizeof csv, "%s/changes.csv", dir);
    ibmap_status st2 = ibmap_compare_write_csv(ctx, a, b, csv);
    ibmap_classification_free(a);
    ibmap_classification_free(b);
    CHECK_INT(st, IBMAP_OK);
    CHECK_INT(st2, IBMAP_OK);
    CHECK_INT(n[IBMAP_CLASS_SUPPORT][IBMAP_CLASS_CONSOLIDATE], 2);
    CHECK_NEAR(mu[IBMAP_CLASS_SUPPORT][IBMAP_CLASS_CONSOLIDATE], 30, 1e-9);
    CHECK_INT(n[IBMAP_CLASS_SUPPORT][IBMAP_CLASS_SUPPORT], 1);
    CHECK_INT(n[IBMAP_CLASS_CONSOLIDATE][IBMAP_CLASS_CONSOLIDATE], 1);
    CHECK_INT(n[IBMAP_CLASS_EXIT][IBMAP_CLASS_EXIT], 2);
    CHECK_INT(n[IBMAP_CLASS_UNCLASSIFIABLE][IBMAP_CLASS_UNCLASSIFIABLE], 1);
    CHECK_NEAR(mu[IBMAP_CLASS_UNCLASSIFIABLE][IBMAP_CLASS_UNCLASSIFIABLE], 30, 1e-9);
    int64_t total = 0;
    for (int i = 0; i < IBMAP_CLASS_COUNT; i++)
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++) total += n[i][j];
    CHECK_INT(total, 7);
    char *text = read_all(csv);
    CHECK_STR(text, "\xEF\xBB\xBF" "block_id,class_a,class_b,rule_a,rule_b\r\n"
                    "A,support,consolidate,default,low_tax\r\n"
                    "B,support,consolidate,default,low_tax\r\n");
    free(text);
}

TEST(sweep_counts_at_each_value)
{
    const char *ws = small_workspace();
    ibmap_rules *r = read_rules(write_file("small.yaml", small_rules_text));
    double values[] = {5, 6, 2};
    int64_t n[3 * IBMAP_CLASS_COUNT];
    double mu[3 * IBMAP_CLASS_COUNT];
    ibmap_status st = ibmap_sweep(ctx, ws, r, "tax_floor", values, 3, n, mu);
    ibmap_rules_free(r);
    CHECK_INT(st, IBMAP_OK);
    /* 5: support A B C; consolidate D; exit E F; unclassifiable G. */
    CHECK_INT(n[IBMAP_CLASS_SUPPORT], 3);
    CHECK_INT(n[IBMAP_CLASS_CONSOLIDATE], 1);
    CHECK_INT(n[IBMAP_CLASS_EXIT], 2);
    CHECK_INT(n[IBMAP_CLASS_UNCLASSIFIABLE], 1);
    CHECK_NEAR(mu[IBMAP_CLASS_SUPPORT], 45, 1e-9);
    CHECK_NEAR(mu[IBMAP_CLASS_UNCLASSIFIABLE], 30, 1e-9);
    /* 6: A and B join D in consolidate. */
    CHECK_INT(n[IBMAP_CLASS_COUNT + IBMAP_CLASS_SUPPORT], 1);
    CHECK_INT(n[IBMAP_CLASS_COUNT + IBMAP_CLASS_CONSOLIDATE], 3);
    CHECK_NEAR(mu[IBMAP_CLASS_COUNT + IBMAP_CLASS_CONSOLIDATE], 45, 1e-9);
    CHECK_INT(n[IBMAP_CLASS_COUNT + IBMAP_CLASS_EXIT], 2);
    /* 2: nobody is below the floor. */
    CHECK_INT(n[2 * IBMAP_CLASS_COUNT + IBMAP_CLASS_SUPPORT], 4);
    CHECK_INT(n[2 * IBMAP_CLASS_COUNT + IBMAP_CLASS_CONSOLIDATE], 0);
}

TEST(sweep_of_unknown_param_fails)
{
    ibmap_rules *r = read_rules(write_file("small.yaml", small_rules_text));
    double v = 1;
    int64_t n[IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT];
    ibmap_status st = ibmap_sweep(ctx, small_workspace(), r, "tax_flor", &v, 1, n, mu);
    ibmap_rules_free(r);
    CHECK_INT(st, IBMAP_ERR_RULES_NAME);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "unknown param 'tax_flor'");
}

/* ---- the sample city, end to end ---------------------------------------- */

TEST(sample_city_every_block_classified)
{
    const char *exe = getenv("IBMAP_EXE");
    if (!exe) SKIP("IBMAP_EXE not set (run through meson test)");
    char cmd[65536], ws[4400], csv[4400];
    snprintf(ws, sizeof ws, "%s/sample.sqlite", dir);
    snprintf(csv, sizeof csv, "%s/sample_classes.csv", dir);
    snprintf(cmd, sizeof cmd,
             "'%s' overlay '%s/layers/sample/project.yaml' --workspace '%s' --log '%s/dq.csv' "
             ">/dev/null && '%s' classify '%s' --rules '%s' --csv '%s' >/dev/null",
             exe, test_source_root(), ws, dir, exe, ws, default_rules, csv);
    CHECK_INT(system(cmd), 0);
    ibmap_classification *c = NULL;
    CHECK(ibmap_classification_load(ctx, ws, "default", &c) == IBMAP_OK);
    int64_t n[IBMAP_CLASS_COUNT] = {0};
    for (int64_t b = 0; b < ibmap_classification_count(c); b++) {
        n[ibmap_classification_class(c, b)]++;
        if (!*ibmap_classification_rule(c, b) || !*ibmap_classification_reason(c, b)) {
            ibmap_classification_free(c);
            TEST_FAILF("block %lld has no rule or reason", (long long)b);
        }
    }
    CHECK_INT(ibmap_classification_count(c), 300);
    ibmap_classification_free(c);
    CHECK_INT(n[0] + n[1] + n[2] + n[3], 300);
    /* The clean sample has no failed block; every class of the policy is
    ** used, consolidate the most (the distribution is in docs/rules.md). */
    CHECK_INT(n[IBMAP_CLASS_UNCLASSIFIABLE], 0);
    CHECK(n[IBMAP_CLASS_SUPPORT] > 0 && n[IBMAP_CLASS_EXIT] > 0);
    CHECK(n[IBMAP_CLASS_CONSOLIDATE] > n[IBMAP_CLASS_SUPPORT]);
    CHECK(n[IBMAP_CLASS_EXIT] < n[IBMAP_CLASS_SUPPORT]);
    /* compare and sweep run on it from the command line. */
    snprintf(cmd, sizeof cmd,
             "'%s' classify '%s' --rules '%s' --set tax_support=25 --scenario strict >/dev/null "
             "&& '%s' compare '%s' default strict --csv '%s/changed.csv' >/dev/null && "
             "'%s' sweep '%s' --rules '%s' --param tax_support --from 10 --to 30 --step 5 "
             "--csv '%s/sweep.csv' >/dev/null",
             exe, ws, default_rules, exe, ws, dir, exe, ws, default_rules, dir);
    CHECK_INT(system(cmd), 0);
    char path[4400];
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    char *sweep = read_all(path);
    int lines = 0;
    for (const char *p = sweep; p && *p; p++) lines += *p == '\n';
    free(sweep);
    CHECK_INT(lines, 1 + 5); /* header, then 10, 15, 20, 25, 30 */
}

int main(void)
{
    ctx = ibmap_ctx_new();
    dir = test_scratch_dir("test_classify");
    if (!ctx || !dir) return 1;
    snprintf(default_rules, sizeof default_rules, "%s/layers/rules/cixi-2021.yaml",
             test_source_root());
    RUN(every_default_rule_fires_on_its_block);
    RUN(matched_lists_every_matching_rule);
    RUN(unclassifiable_block_is_kept_with_its_reason);
    RUN(one_param_change_moves_only_the_expected_block);
    RUN(stability_and_the_param_that_flips);
    RUN(scenarios_are_stored_and_reproducible);
    RUN(compare_counts_transitions);
    RUN(sweep_counts_at_each_value);
    RUN(sweep_of_unknown_param_fails);
    RUN(sample_city_every_block_classified);
    ibmap_ctx_free(ctx);
    return test_finish();
}
