/*
** fuzz_rules.c — the rules file (engine/classify/rules.c) and its evaluation over a
** workspace (engine/classify/classify.c).
**
** The input is written to a file and read with ibmap_rules_read().  When
** it loads, it classifies a small workspace made once per process (a
** SQLite file with block_metrics as workspace.c makes it: one column per
** metric, and rows chosen to be ordinary, missing, extreme and
** unclassifiable), with stability (every param ±10%), and sweeps the
** first param.  The contract checked: a rules file that loads cannot
** fail later for a reason of its own (include/ibmap.h), and every block
** gets a class.  One exception is tolerated: an SQL error that only
** the workspace's values raise at run time (abs() of the smallest
** integer: "integer overflow"; tests/fuzz/corpus/fuzz_rules/
** runtime-integer-overflow.yaml), which the load-time check over rows of
** NULLs cannot see.
*/
#include <math.h>
#include <sqlite3.h>

#include "fuzz_util.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static char rules_path[8192], ws_path[8192], csv_path[8192];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rows of the workspace: "name=value;…" over every metric NULL;
** "NULL" is NULL, text metrics take the text, numbers strtod(). */
static const char *const rows[] = {
    /* an ordinary block (the neutral block of tests/test_classify.c) */
    "metric_status=ok;area_m2=10000;area_mu=15;redline_share=0;basic_farmland_share=0;"
    "cu_type=key_industry;cu_code=ZH00;cu_priority_m2=0;transition_share=0;central_share=0;"
    "parks_share=0;n_parcels=10;tax_per_mu=15;grade_a_share=0.3;grade_b_share=0.3;"
    "grade_c_share=0.2;grade_d_share=0.1;far=1.2;small_parcel_share=0.2",
    /* in the red line, in a park, rich */
    "metric_status=ok;area_m2=66666.7;area_mu=100;redline_share=0.5;parks_share=1;"
    "park_name=慈东园区;cu_type=priority;tax_per_mu=120;grade_a_share=1;far=3",
    /* no parcels: economics missing */
    "metric_status=coarse_grid;area_m2=5;area_mu=0.0075;n_parcels=0;cu_type=general",
    /* extremes */
    "metric_status=ok;area_m2=1e308;area_mu=-1e308;tax_per_mu=-0;far=5e-324;"
    "redline_share=1;cu_code=;town=周巷镇'\";--",
    /* unclassifiable */
    "metric_status=no_geometry",
    "metric_status=failed: GEOS could not compute the overlay;area_m2=1",
    NULL};

static void bind_row(sqlite3_stmt *st, const char *spec)
{
    char *buf = strdup(spec), *save = NULL;
    if (!buf) abort();
    for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) continue;
        *eq = '\0';
        int m = ibmap_metric_index(kv);
        if (m < 0) {
            fprintf(stderr, "fuzz_rules: no metric %s\n", kv);
            abort();
        }
        if (strcmp(eq + 1, "NULL") == 0)
            sqlite3_bind_null(st, m + 3);
        else if (ibmap_metric(m)->kind == IBMAP_METRIC_TEXT)
            sqlite3_bind_text(st, m + 3, eq + 1, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_double(st, m + 3, strtod(eq + 1, NULL));
    }
    free(buf);
}

static void make_workspace(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) abort();
    char sql[16384];
    size_t len = (size_t)snprintf(sql, sizeof sql,
                                  "CREATE TABLE block_metrics(block_index INTEGER "
                                  "PRIMARY KEY, block_id TEXT");
    for (int k = 0; k < ibmap_metric_count(); k++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", \"%s\" %s",
                                ibmap_metric(k)->name,
                                ibmap_metric(k)->kind == IBMAP_METRIC_TEXT ? "TEXT" : "REAL");
    snprintf(sql + len, sizeof sql - len, ")");
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) abort();
    len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO block_metrics VALUES (?, ?");
    for (int k = 0; k < ibmap_metric_count(); k++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", ?");
    snprintf(sql + len, sizeof sql - len, ")");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) abort();
    for (int i = 0; rows[i]; i++) {
        char id[16];
        snprintf(id, sizeof id, "B%d", i + 1);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        bind_row(st, rows[i]);
        if (sqlite3_step(st) != SQLITE_DONE) abort();
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ctx = ibmap_ctx_new();
    if (!ctx) abort();
    snprintf(rules_path, sizeof rules_path, "%s", fuzz_path("rules.yaml"));
    snprintf(ws_path, sizeof ws_path, "%s", fuzz_path("workspace.sqlite"));
    snprintf(csv_path, sizeof csv_path, "%s", fuzz_path("block_class.csv"));
    make_workspace(ws_path);
    return 0;
}

/* A failure of classify or sweep on rules that loaded: only a run-time
** SQL error of the evaluation is tolerated (see the top of the file). */
static void check_later_failure(const char *what, ibmap_status st)
{
    if (st == IBMAP_OK) return;
    if (st == IBMAP_ERR_READ && strstr(ibmap_errmsg(ctx), ": evaluating the rules of ")) return;
    fprintf(stderr, "rules loaded but %s failed (%s): %s\n", what, ibmap_status_str(st),
            ibmap_errmsg(ctx));
    FUZZ_ASSERT(!"a rules file that loads cannot fail later");
}

static void check_classification(const ibmap_rules *r, const ibmap_classification *c)
{
    int64_t n = ibmap_classification_count(c);
    FUZZ_ASSERT(n == (int64_t)(sizeof rows / sizeof rows[0]) - 1);
    for (int64_t b = 0; b < n; b++) {
        ibmap_class k = ibmap_classification_class(c, b);
        FUZZ_ASSERT(k >= 0 && k < IBMAP_CLASS_COUNT);
        ibmap_mode m = ibmap_classification_mode(c, b);
        FUZZ_ASSERT(m >= 0 && m < IBMAP_MODE_COUNT);
        const char *rule = ibmap_classification_rule(c, b);
        FUZZ_ASSERT(rule && ibmap_classification_reason(c, b) &&
                    ibmap_classification_matched(c, b) &&
                    ibmap_classification_flipped_by(c, b) &&
                    ibmap_classification_block_id(c, b));
        if (k == IBMAP_CLASS_UNCLASSIFIABLE) continue;
        /* The deciding rule is a rule of the file. */
        int found = 0;
        for (int i = 0; i < ibmap_rules_rule_count(r); i++)
            found |= strcmp(ibmap_rules_rule_id(r, i), rule) == 0;
        FUZZ_ASSERT(found);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(rules_path, data, size);
    ibmap_rules *r = NULL;
    ibmap_status st = ibmap_rules_read(ctx, rules_path, &r);
    FUZZ_ASSERT(strlen(ibmap_errmsg(ctx)) < sizeof ctx->errmsg);
    if (st != IBMAP_OK) {
        FUZZ_ASSERT(r == NULL);
        return 0;
    }
    FUZZ_ASSERT(r != NULL && ibmap_rules_rule_count(r) >= 1);

    ibmap_classification *c = NULL;
    st = ibmap_classify(ctx, ws_path, r, NULL, &c);
    check_later_failure("classify", st);
    if (c) {
        check_classification(r, c);
        FUZZ_ASSERT(ibmap_classification_write_csv(ctx, c, csv_path) == IBMAP_OK);
    }
    ibmap_classification_free(c);

    if (ibmap_rules_param_count(r) > 0) {
        const char *name = ibmap_rules_param_name(r, 0);
        double v = ibmap_rules_param_value(r, 0);
        double values[3] = {0, v, v * 2};
        int64_t blocks[3 * IBMAP_CLASS_COUNT];
        double mu[3 * IBMAP_CLASS_COUNT];
        st = ibmap_sweep(ctx, ws_path, r, name, values, isfinite(v * 2) ? 3 : 2,
                         blocks, mu);
        check_later_failure("sweep", st);
    }
    ibmap_rules_free(r);
    return 0;
}
