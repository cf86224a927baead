/*
** test_rules.c — reading a rules file: every validation error names the
** file and the line, and every SQL form that could reach outside the
** block metrics is refused at load by the guard.
**
** Each case writes a small rules file whose offending line is known (the
** line numbers below are counted in the text of the file) and checks the
** status and the message.
*/
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static const char *dir;
static char path[4200];

/* Write `text` to a fresh rules file and return its path. */
static const char *write_rules(const char *name, const char *text)
{
    snprintf(path, sizeof path, "%s/%s.yaml", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

/* A valid file up to its rules; the rule under test is line 9 onwards,
** the closing default follows it. */
#define HEAD                                                     \
    "name: test\n"                                               \
    "params:\n"                                                  \
    "  tax_floor: {value: 5, unit: 万元/亩, description: floor}\n" \
    "  redline_max: 0.01\n"                                      \
    "rules:\n"                                                   \
    "  - id: first\n"                                            \
    "    class: exit\n"                                          \
    "    reason: x\n"
#define DEFAULT_RULE                                             \
    "  - id: default\n"                                          \
    "    class: support\n"                                       \
    "    when: \"1\"\n"                                          \
    "    reason: ok\n"

/* Load `text` and check the status and that the message holds `want`. */
static int load_fails(const char *name, const char *text, ibmap_status want_status,
                      const char *want_text, const char **msg)
{
    ibmap_rules *r = NULL;
    ibmap_status st = ibmap_rules_read(ctx, write_rules(name, text), &r);
    *msg = ibmap_errmsg(ctx);
    ibmap_rules_free(r);
    if (st != want_status) {
        printf("# %s: status %d, expected %d: %s\n", name, st, want_status, *msg);
        return 0;
    }
    if (!strstr(*msg, want_text)) {
        printf("# %s: message lacks \"%s\": %s\n", name, want_text, *msg);
        return 0;
    }
    return r == NULL;
}

/* A `when` on line 9 of a file otherwise valid. */
static int when_fails(const char *name, const char *when, ibmap_status want_status,
                      const char *want_text)
{
    char text[2048];
    snprintf(text, sizeof text, HEAD "    when: \"%s\"\n" DEFAULT_RULE, when);
    const char *msg;
    if (!load_fails(name, text, want_status, want_text, &msg)) return 0;
    char where[4300];
    snprintf(where, sizeof where, "%s/%s.yaml:9: rule 'first'", dir, name);
    if (!strstr(msg, where)) {
        printf("# %s: message lacks \"%s\": %s\n", name, where, msg);
        return 0;
    }
    return 1;
}

TEST(exit_needs_an_exit_method)
{
    const char *msg;
    CHECK(load_fails("exitmode",
                     "rules:\n  - id: a\n    class: exit\n    mode: rebuild\n"
                     "    when: far < 1\n    reason: x\n"
                     "  - id: d\n    class: support\n    when: \"1\"\n    reason: y\n",
                     IBMAP_ERR_RULES_NAME, "class exit cannot have mode rebuild", &msg));
    CHECK(load_fails("keepmethod",
                     "rules:\n  - id: a\n    class: consolidate\n    mode: reserve\n"
                     "    when: far < 1\n    reason: x\n"
                     "  - id: d\n    class: support\n    when: \"1\"\n    reason: y\n",
                     IBMAP_ERR_RULES_NAME, "class consolidate cannot have mode reserve", &msg));
}

TEST(enterprise_rules_checked)
{
    static const char tail[] = "  - id: d\n    class: support\n    when: \"1\"\n    reason: y\n";
    char text[1024];
    const char *msg;
    /* an enterprise rule reads enterprise columns, not block metrics */
    snprintf(text, sizeof text,
             "enterprises:\n  - id: e\n    category: upgrade\n    when: redline_share > 0\n"
             "    reason: x\n  - id: n\n    category: none\n    when: \"1\"\n    reason: n\n"
             "rules:\n%s", tail);
    CHECK(load_fails("entmetric", text, IBMAP_ERR_RULES_NAME, "unknown metric or param", &msg));
    snprintf(text, sizeof text,
             "enterprises:\n  - id: e\n    category: demolish\n    when: tax_per_mu < 5\n"
             "    reason: x\nrules:\n%s", tail);
    CHECK(load_fails("entcat", text, IBMAP_ERR_RULES_NAME, "unknown category 'demolish'", &msg));
    snprintf(text, sizeof text,
             "enterprises:\n  - id: e\n    category: upgrade\n    when: tax_per_mu < 5\n"
             "    reason: x\nrules:\n%s", tail);
    CHECK(load_fails("entdefault", text, IBMAP_ERR_RULES_DEFAULT, "every enterprise", &msg));
    /* the guard holds for enterprise rules too */
    snprintf(text, sizeof text,
             "enterprises:\n  - id: e\n    category: upgrade\n"
             "    when: tax_per_mu < (SELECT max(tax_per_mu) FROM enterprises)\n"
             "    reason: x\n  - id: n\n    category: none\n    when: \"1\"\n    reason: n\n"
             "rules:\n%s", tail);
    CHECK(load_fails("entsub", text, IBMAP_ERR_RULES_DENIED, "subquery", &msg));
}

TEST(default_rules_load)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/layers/rules/cixi-2021.yaml", test_source_root());
    ibmap_rules *r = NULL;
    ibmap_status st = ibmap_rules_read(ctx, p, &r);
    if (st) printf("# %s\n", ibmap_errmsg(ctx));
    CHECK_INT(st, IBMAP_OK);
    CHECK_STR(ibmap_rules_name(r), "慈溪市制造业全域产业治理分类规则");
    CHECK_INT(ibmap_rules_rule_count(r), 16);
    CHECK_STR(ibmap_rules_rule_id(r, 0), "redline");
    CHECK_STR(ibmap_rules_rule_id(r, 15), "default");
    /* 16 read by rules, and the two of the 榜单 (ranking_min_mu,
    ** ranking_tier_share) read by the outputs only */
    CHECK_INT(ibmap_rules_param_count(r), 18);
    CHECK_STR(ibmap_rules_param_name(r, 15), "ranking_min_mu");
    CHECK_NEAR(ibmap_rules_param_value(r, 15), 10, 0);
    /* the enterprise section and the central towns of 二、(二) */
    CHECK_INT(r->n_ent_rules, 7);
    CHECK_STR(r->ent_rules[0].id, "ent_protected_land");
    CHECK_INT(r->n_central_towns, 3);
    CHECK_STR(r->central_towns[0], "白沙路街道");
    /* tax_floor is read by the enterprise stage, and so, through
    ** block_ent, by the block rules that read low_eff_land_share */
    CHECK(r->tax_floor >= 0 && r->ent_param[r->tax_floor]);
    CHECK_INT(r->rules[0].reads_ent, 0);
    CHECK_INT(r->rules[4].reads_ent, 1);
    CHECK(r->rules[4].uses_param[r->tax_floor]);
    CHECK_STR(ibmap_rules_param_name(r, 6), "tax_floor");
    CHECK_NEAR(ibmap_rules_param_value(r, 6), 5, 0);
    ibmap_rules_free(r);
}

TEST(set_param_known_and_unknown)
{
    const char *p = write_rules("set_param", HEAD "    when: tax_per_mu < tax_floor\n" DEFAULT_RULE);
    ibmap_rules *r = NULL;
    CHECK_INT(ibmap_rules_read(ctx, p, &r), IBMAP_OK);
    CHECK_INT(ibmap_rules_set_param(ctx, r, "tax_floor", 6.5), IBMAP_OK);
    CHECK_NEAR(ibmap_rules_param_value(r, 0), 6.5, 0);
    ibmap_status st = ibmap_rules_set_param(ctx, r, "tax_flor", 1);
    ibmap_rules_free(r);
    CHECK_INT(st, IBMAP_ERR_RULES_NAME);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "unknown param 'tax_flor' (params: tax_floor, redline_max)");
}

TEST(yaml_syntax_error_has_line)
{
    const char *msg;
    CHECK(load_fails("yaml", "name: x\nrules:\n  - id: [a\n", IBMAP_ERR_RULES_SYNTAX,
                     "yaml.yaml:4:", &msg));
}

TEST(unknown_top_level_key)
{
    const char *msg;
    CHECK(load_fails("top_key", "name: x\nrulez: []\n", IBMAP_ERR_RULES_SYNTAX,
                     "top_key.yaml:2: unknown key 'rulez'", &msg));
}

TEST(unknown_rule_key)
{
    const char *msg;
    CHECK(load_fails("rule_key", HEAD "    wen: \"1\"\n" DEFAULT_RULE, IBMAP_ERR_RULES_SYNTAX,
                     "rule_key.yaml:9: rule: unknown key 'wen'", &msg));
}

TEST(unknown_param_key)
{
    const char *msg;
    CHECK(load_fails("param_key", "params:\n  a: {value: 1, units: m}\n",
                     IBMAP_ERR_RULES_SYNTAX, "param_key.yaml:2: param 'a': unknown key 'units'",
                     &msg));
}

TEST(unknown_class)
{
    const char *msg;
    CHECK(load_fails("class",
                     "rules:\n  - id: a\n    class: expel\n    when: \"1\"\n    reason: x\n",
                     IBMAP_ERR_RULES_NAME, "class.yaml:3: unknown class 'expel'", &msg));
}

TEST(unknown_mode)
{
    const char *msg;
    CHECK(load_fails("mode",
                     "rules:\n  - id: a\n    class: exit\n    mode: demolish\n"
                     "    when: \"1\"\n    reason: x\n",
                     IBMAP_ERR_RULES_NAME, "mode.yaml:4: unknown mode 'demolish'", &msg));
}

TEST(duplicate_rule_id)
{
    const char *msg;
    CHECK(load_fails("dup", HEAD "    when: far < 1\n" "  - id: first\n    class: exit\n"
                     "    when: far < 2\n    reason: y\n" DEFAULT_RULE,
                     IBMAP_ERR_RULES_SYNTAX, "dup.yaml:10: duplicate rule id 'first' (first at line 6)",
                     &msg));
}

TEST(unknown_metric_in_when)
{
    CHECK(when_fails("metric", "tax_per_muu > tax_floor", IBMAP_ERR_RULES_NAME,
                     "unknown metric or param 'tax_per_muu' in: tax_per_muu > tax_floor"));
}

TEST(sql_syntax_error_in_when)
{
    CHECK(when_fails("syntax", "tax_per_mu >", IBMAP_ERR_RULES_SYNTAX, "syntax error"));
}

TEST(list_in_when)
{
    CHECK(when_fails("list", "1), (2", IBMAP_ERR_RULES_SYNTAX, "one expression, not a list"));
}

TEST(aggregate_in_when)
{
    CHECK(when_fails("aggregate", "max(far) > 1", IBMAP_ERR_RULES_SYNTAX, "aggregate"));
}

TEST(unknown_reason_placeholder)
{
    const char *msg;
    CHECK(load_fails("placeholder",
                     "rules:\n  - id: a\n    class: exit\n    when: \"1\"\n"
                     "    reason: 红线 {redline_shar}\n",
                     IBMAP_ERR_RULES_NAME,
                     "placeholder.yaml:5: rule 'a': reason: unknown metric or param '{redline_shar}'",
                     &msg));
}

TEST(missing_closing_default)
{
    const char *msg;
    CHECK(load_fails("nodefault", HEAD "    when: far < 1\n", IBMAP_ERR_RULES_DEFAULT,
                     "nodefault.yaml:9: the last rule 'first' must be the closing default",
                     &msg));
}

TEST(default_before_the_end)
{
    const char *msg;
    CHECK(load_fails("early_default", HEAD "    when: \"true\"\n" DEFAULT_RULE,
                     IBMAP_ERR_RULES_DEFAULT,
                     "early_default.yaml:9: rule 'first' always applies", &msg));
}

TEST(param_without_numeric_value)
{
    const char *msg;
    CHECK(load_fails("param_value", "params:\n  a:\n    value: five\n",
                     IBMAP_ERR_RULES_SYNTAX,
                     "param_value.yaml:3: param 'a' needs a numeric value, not 'five'", &msg));
    CHECK(load_fails("param_novalue", "params:\n  a: {unit: share}\n",
                     IBMAP_ERR_RULES_SYNTAX, "param 'a' needs a numeric value", &msg));
}

TEST(param_named_like_a_metric)
{
    const char *msg;
    CHECK(load_fails("param_metric", "params:\n  far: 1\n", IBMAP_ERR_RULES_NAME,
                     "param_metric.yaml:2: param 'far' has the name of a metric", &msg));
}

/* ---- the guard: each form is refused at load ---------------------------- */

TEST(denied_second_statement_update)
{
    CHECK(when_fails("update", "1; UPDATE block_metrics SET far = 0", IBMAP_ERR_RULES_DENIED,
                     "a second SQL statement"));
}

TEST(denied_second_statement_delete)
{
    CHECK(when_fails("delete", "1); DELETE FROM block_metrics; SELECT (1",
                     IBMAP_ERR_RULES_DENIED, "a second SQL statement"));
}

TEST(denied_attach)
{
    CHECK(when_fails("attach", "1; ATTACH DATABASE '/tmp/x.db' AS x", IBMAP_ERR_RULES_DENIED,
                     "a second SQL statement"));
}

TEST(denied_pragma)
{
    CHECK(when_fails("pragma", "1; PRAGMA writable_schema = 1", IBMAP_ERR_RULES_DENIED,
                     "a second SQL statement"));
    /* The table-valued form of a pragma is a read of another table. */
    CHECK(when_fails("pragma_table", "(SELECT count(*) FROM pragma_table_info('block_metrics')) > 0",
                     IBMAP_ERR_RULES_DENIED, "refused"));
}

TEST(denied_load_extension)
{
    CHECK(when_fails("load_extension", "load_extension('x') IS NULL", IBMAP_ERR_RULES_DENIED,
                     "calls load_extension()"));
}

TEST(denied_nondeterministic_function)
{
    CHECK(when_fails("random", "random() > 0", IBMAP_ERR_RULES_DENIED, "calls random()"));
}

TEST(denied_sqlite_master)
{
    CHECK(when_fails("master", "(SELECT name FROM sqlite_master LIMIT 1) IS NOT NULL",
                     IBMAP_ERR_RULES_DENIED, "reads table sqlite_master"));
}

TEST(denied_other_table)
{
    CHECK(when_fails("other_table", "EXISTS (SELECT 1 FROM data_quality)",
                     IBMAP_ERR_RULES_DENIED, "reads table data_quality"));
}

TEST(allowed_functions_and_subquery_on_metrics)
{
    const char *p = write_rules(
        "allowed", HEAD "    when: coalesce(tax_per_mu, 0) < tax_floor AND abs(far) < 2 AND "
                        "lower(cu_type) = 'priority' AND block_metrics.area_mu > 0 AND "
                        "cu_code != 'a;b' -- a ';' in a string or comment ends nothing\n"
                        DEFAULT_RULE);
    ibmap_rules *r = NULL;
    ibmap_status st = ibmap_rules_read(ctx, p, &r);
    if (st) printf("# %s\n", ibmap_errmsg(ctx));
    ibmap_rules_free(r);
    CHECK_INT(st, IBMAP_OK);
}

/* The fixes behind tests/fuzz/regressions/fuzz_rules/. */

TEST(denied_subquery_on_metrics)
{
    /* Another block's metrics, through an aggregate max() that the function
    ** list lets pass; joined n-fold it would hang classify. */
    CHECK(when_fails("subquery", "tax_per_mu < (SELECT max(b.tax_per_mu) FROM block_metrics b)",
                     IBMAP_ERR_RULES_DENIED, "contains a subquery"));
    CHECK(when_fails("exists", "EXISTS (SELECT 1 FROM block_metrics)", IBMAP_ERR_RULES_DENIED,
                     "contains a subquery"));
}

TEST(long_param_name)
{
    /* The params table's SQL was sized at 80 bytes a param. */
    char name[301], text[1024];
    memset(name, 'p', 300);
    name[300] = '\0';
    snprintf(text, sizeof text, "params:\n  %s: 1\nrules:\n" DEFAULT_RULE, name);
    ibmap_rules *r = NULL;
    ibmap_status st = ibmap_rules_read(ctx, write_rules("long_param", text), &r);
    if (st) printf("# %s\n", ibmap_errmsg(ctx));
    CHECK_INT(st, IBMAP_OK);
    CHECK_STR(ibmap_rules_param_name(r, 0), name);
    ibmap_rules_free(r);
}

TEST(duplicate_keys_take_the_last_value)
{
    ibmap_rules *r = NULL;
    ibmap_status st = ibmap_rules_read(
        ctx,
        write_rules("duplicate_keys", "name: first\nname: second\nrules:\n"
                                      "  - id: default\n    class: support\n"
                                      "    when: \"0\"\n    when: \"1\"\n"
                                      "    reason: a\n    reason: b\n"),
        &r);
    if (st) printf("# %s\n", ibmap_errmsg(ctx));
    CHECK_INT(st, IBMAP_OK);
    CHECK_STR(ibmap_rules_name(r), "second");
    ibmap_rules_free(r);
}

TEST(huge_string_is_an_error_not_a_gigabyte)
{
    /* 8^10 copies of a literal: refused at 1 MB while the file loads. */
    char expr[1024] = "length(";
    for (int i = 0; i < 10; i++) strcat(expr, "replace(");
    strcat(expr, "'Z'");
    for (int i = 0; i < 10; i++) strcat(expr, ", 'Z', 'ZZZZZZZZ')");
    strcat(expr, ") > 0");
    CHECK(when_fails("huge_string", expr, IBMAP_ERR_RULES_SYNTAX, "too big"));
}

/* A value and its threshold never print the same: digits are added to
** both until they differ; equal values and lone values keep the short
** form. */
TEST(reason_values_that_differ_never_print_the_same)
{
    char a[128], b[128], c[128];
    char *out[3] = {a, b, c};
    const char *shares[3] = {"share", "share", "share"};
    double v1[3] = {0.30004, 0.3, 0.3};
    rules_format_values(3, v1, shares, out, 128);
    CHECK_STR(a, "30.004%");
    CHECK_STR(b, "30.000%"); /* equal values alike */
    CHECK_STR(c, "30.000%");
    const char *units[2] = {"万元/亩", "万元/亩"};
    double v2[2] = {4.9996, 5};
    rules_format_values(2, v2, units, out, 128);
    CHECK_STR(a, "4.9996 万元/亩");
    CHECK_STR(b, "5 万元/亩");
    double v3[2] = {1234.4, 1234.2};
    const char *none[2] = {"", ""};
    rules_format_values(2, v3, none, out, 128);
    CHECK_STR(a, "1234.4");
    CHECK_STR(b, "1234.2");
    double v4[2] = {0.25, 0.4};
    rules_format_values(2, v4, shares, out, 128);
    CHECK_STR(a, "25.0%");
    CHECK_STR(b, "40.0%");
    double v5[2] = {NAN, 0.4};
    rules_format_values(2, v5, shares, out, 128);
    CHECK_STR(a, "—");
    CHECK_STR(b, "40.0%");
    /* two doubles one ulp apart still differ */
    double v6[2] = {0.3, nextafter(0.3, 1)};
    rules_format_values(2, v6, none, out, 128);
    CHECK(strcmp(a, b) != 0);
}

/* sme_parks: and targets: (plan_rules.c): the defaults without them, the
** values given with them, and their errors with the line. */
TEST(plan_sections_default_and_given)
{
    ibmap_rules *r = NULL;
    CHECK_INT(ibmap_rules_read(ctx, write_rules("plan0", HEAD "    when: \"0\"\n" DEFAULT_RULE), &r),
              IBMAP_OK);
    CHECK_NEAR(r->sme.min_mu, 30, 0);
    CHECK_INT(r->n_targets, 5);
    CHECK(strcmp(r->targets[0].measure, "low_eff_land_mu") == 0);
    CHECK_NEAR(r->targets[0].target, 3000, 0);
    CHECK(strstr(r->targets[4].source, "一、(三)") != NULL);
    ibmap_rules_free(r);
    r = NULL;
    CHECK_INT(ibmap_rules_read(ctx, write_rules("plan1", HEAD "    when: \"0\"\n" DEFAULT_RULE
                                                "sme_parks:\n  min_mu: 40\n"
                                                "  weights: {size: 1, movers: 0}\n"
                                                "  modes: [rebuild]\n"
                                                "targets:\n  - id: t1\n    measure: sme_park_sites\n"
                                                "    target: 7\n"),
                               &r),
              IBMAP_OK);
    CHECK_NEAR(r->sme.min_mu, 40, 0);
    CHECK_NEAR(r->sme.w_size, 1, 0);
    CHECK_INT(r->sme.modes, 1u << IBMAP_MODE_REBUILD);
    CHECK_INT(r->n_targets, 1);
    CHECK(strcmp(r->targets[0].unit, "个") == 0);
    ibmap_rules_free(r);
}

TEST(plan_sections_errors)
{
    const char *msg;
    CHECK(load_fails("plan2", HEAD "    when: \"0\"\n" DEFAULT_RULE "sme_parks:\n  min_acres: 3\n",
                     IBMAP_ERR_RULES_SYNTAX, "plan2.yaml:15: unknown key in sme_parks", &msg));
    CHECK(load_fails("plan3", HEAD "    when: \"0\"\n" DEFAULT_RULE
                     "targets:\n  - id: t\n    measure: happiness\n    target: 1\n",
                     IBMAP_ERR_RULES_NAME, "plan3.yaml:15: target 't': unknown measure", &msg));
    CHECK(load_fails("plan4", HEAD "    when: \"0\"\n" DEFAULT_RULE
                     "sme_parks:\n  link_distance: far\n",
                     IBMAP_ERR_RULES_SYNTAX, "plan4.yaml:15: 'link_distance' must be a number",
                     &msg));
    CHECK(load_fails("plan5", HEAD "    when: \"0\"\n" DEFAULT_RULE "targets:\n  - id: t\n",
                     IBMAP_ERR_RULES_SYNTAX, "a target needs id, measure and target", &msg));
}

int main(void)
{
    ctx = ibmap_ctx_new();
    dir = test_scratch_dir("test_rules");
    if (!ctx || !dir) return 1;
    RUN(default_rules_load);
    RUN(reason_values_that_differ_never_print_the_same);
    RUN(set_param_known_and_unknown);
    RUN(yaml_syntax_error_has_line);
    RUN(unknown_top_level_key);
    RUN(unknown_rule_key);
    RUN(unknown_param_key);
    RUN(unknown_class);
    RUN(unknown_mode);
    RUN(exit_needs_an_exit_method);
    RUN(enterprise_rules_checked);
    RUN(duplicate_rule_id);
    RUN(unknown_metric_in_when);
    RUN(sql_syntax_error_in_when);
    RUN(list_in_when);
    RUN(aggregate_in_when);
    RUN(unknown_reason_placeholder);
    RUN(missing_closing_default);
    RUN(default_before_the_end);
    RUN(param_without_numeric_value);
    RUN(param_named_like_a_metric);
    RUN(denied_second_statement_update);
    RUN(denied_second_statement_delete);
    RUN(denied_attach);
    RUN(denied_pragma);
    RUN(denied_load_extension);
    RUN(denied_nondeterministic_function);
    RUN(denied_sqlite_master);
    RUN(denied_other_table);
    RUN(allowed_functions_and_subquery_on_metrics);
    RUN(denied_subquery_on_metrics);
    RUN(long_param_name);
    RUN(duplicate_keys_take_the_last_value);
    RUN(huge_string_is_an_error_not_a_gigabyte);
    RUN(plan_sections_default_and_given);
    RUN(plan_sections_errors);
    ibmap_ctx_free(ctx);
    return test_finish();
}
