/*
** classify.c — putting every block of a workspace in a class with a set of
** rules, storing the result as a named scenario, and what is built on it:
** stability, comparison of two scenarios, and sweeps of one param.
**
** All rules are evaluated in one scan:
**   SELECT block_index, variant, …, (CASE WHEN (w1) THEN 1 ELSE 0 END) + …
**   FROM temp.params CROSS JOIN main.block_metrics
** where temp.params holds one row per "variant", a vector of param values,
** and the truths of all rules come back packed as bits.  The first rule
** whose bit is set decides.  Reclassifying under other params is then only
** more rows of the small params table, not more SQL: stability (every
** param at -10% and +10%) is 2 × params + 1 variants, and a sweep is one
** variant per step.  Variant 0 (the params as given) is read in full; in
** the others only the rules that read the moved param are evaluated, and
** only rows where one of them is true come back (rules.c, rules_scan_sql).
**
** The scan is compiled under the rules guard (rules.c), and the workspace
** is written only after the guard is off, by our own statements.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/rules.h"

/* How long a classify run waits for another one writing the same
** workspace before giving up. */
#define BUSY_TIMEOUT_MS 10000

struct ibmap_classification {
    int64_t n;
    char **ids;
    double *area_mu;          /* NaN when unknown */
    unsigned char *klass;     /* ibmap_class */
    unsigned char *mode;      /* ibmap_mode */
    char **rule;              /* "" when unclassifiable */
    char **reason;
    char **matched;
    unsigned char *stable;
    char **flipped_by;        /* "" when stable */
    char *scenario;           /* the name stored under; NULL when not stored */
    ent_result ent;           /* the enterprises (enterprises.c) */
};

static ibmap_classification *classification_new(int64_t n)
{
    ibmap_classification *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    size_t m = (size_t)(n > 0 ? n : 1);
    c->n = n;
    c->ids = calloc(m, sizeof *c->ids);
    c->area_mu = malloc(m * sizeof *c->area_mu);
    c->klass = calloc(m, 1);
    c->mode = calloc(m, 1);
    c->rule = calloc(m, sizeof *c->rule);
    c->reason = calloc(m, sizeof *c->reason);
    c->matched = calloc(m, sizeof *c->matched);
    c->stable = calloc(m, 1);
    c->flipped_by = calloc(m, sizeof *c->flipped_by);
    if (!c->ids || !c->area_mu || !c->klass || !c->mode || !c->rule ||
        !c->reason || !c->matched || !c->stable || !c->flipped_by) {
        ibmap_classification_free(c);
        return NULL;
    }
    for (size_t i = 0; i < m; i++) c->area_mu[i] = NAN;
    return c;
}

void ibmap_classification_free(ibmap_classification *c)
{
    if (!c || ibmap_exit_pending()) return;
    for (int64_t b = 0; b < c->n; b++) {
        if (c->ids) free(c->ids[b]);
        if (c->rule) free(c->rule[b]);
        if (c->reason) free(c->reason[b]);
        if (c->matched) free(c->matched[b]);
        if (c->flipped_by) free(c->flipped_by[b]);
    }
    free(c->ids);
    free(c->area_mu);
    free(c->klass);
    free(c->mode);
    free(c->rule);
    free(c->reason);
    free(c->matched);
    free(c->stable);
    free(c->flipped_by);
    free(c->scenario);
    ent_result_clear(&c->ent);
    free(c);
}

const char *ibmap_classification_scenario(const ibmap_classification *c)
{
    return c && c->scenario ? c->scenario : "";
}

/* ---------------------------------------------------------------------- */
/* The scan                                                               */
/* ---------------------------------------------------------------------- */

typedef struct scan {
    int64_t n_blocks;
    int n_variants;
    int *first;               /* [b * n_variants + v]: deciding rule, or -1
                                 when the block is unclassifiable */
    ibmap_classification *c;  /* ids, area, and (want_text) reason, matched */
} scan;

static void scan_clear(scan *s)
{
    free(s->first);
    ibmap_classification_free(s->c);
    memset(s, 0, sizeof *s);
}

static int classifiable(const char *status)
{
    return status && (strcmp(status, "ok") == 0 || strcmp(status, "coarse_grid") == 0);
}

static int interrupt_check(void *unused)
{
    (void)unused;
    return ibmap_interrupt_pending();
}

static ibmap_status open_workspace(ibmap_ctx *ctx, const char *path, int writable,
                                   sqlite3 **out)
{
    sqlite3 *db = NULL;
    int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        ibmap_status st = ibmap_fail(ctx, IBMAP_ERR_OPEN, "%s: cannot open workspace: %s",
                                     path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    rules_db_harden(db);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    /* Every few thousand SQLite steps, look for ibmap_interrupt(): a
    ** scan or a write is then abandoned (SQLITE_INTERRUPT, rolled back). */
    sqlite3_progress_handler(db, 4096, interrupt_check, NULL);
    *out = db;
    return IBMAP_OK;
}

/* The reason of rule k for the current row of q, placeholders filled. */
static char *fill_reason(const ibmap_rules *r, int k, sqlite3_stmt *q,
                         const int metric_col[RULES_N_METRICS])
{
    const rules_rule *rule = &r->rules[k];
    ibmap_strbuf b = {0};
    /* The numbers first, formatted together: a value and its threshold
    ** get the digits that tell them apart. */
    int n = rule->n_parts > 0 ? rule->n_parts : 1;
    double *v = malloc((size_t)n * sizeof *v);
    const char **unit = malloc((size_t)n * sizeof *unit);
    char *nums = malloc((size_t)n * 128), **num = malloc((size_t)n * sizeof *num);
    int *slot = malloc((size_t)n * sizeof *slot), n_num = 0;
    if (!v || !unit || !nums || !num || !slot) {
        free(v), free(unit), free(nums), free(num), free(slot);
        return NULL;
    }
    for (int p = 0; p < rule->n_parts; p++) {
        const reason_part *part = &rule->parts[p];
        slot[p] = -1;
        if (part->text) continue;
        if (part->param >= 0) {
            const rules_param *rp = &r->params[part->param];
            v[n_num] = rp->value;
            unit[n_num] = rp->unit;
        } else {
            int col = metric_col[part->metric];
            const ibmap_metric_info *mi = ibmap_metric(part->metric);
            const rules_column *be = part->metric >= M_COUNT
                                         ? &rules_block_ent_columns[part->metric - M_COUNT]
                                         : NULL;
            if (sqlite3_column_type(q, col) == SQLITE_NULL ||
                (be ? be->text : mi->kind == IBMAP_METRIC_TEXT))
                continue;
            v[n_num] = sqlite3_column_double(q, col);
            unit[n_num] = rules_metric_is_share(part->metric) ? "share"
                          : be                                ? be->unit
                                                              : mi->unit;
        }
        num[n_num] = nums + 128 * n_num;
        slot[p] = n_num++;
    }
    rules_format_values(n_num, v, unit, num, 128);
    for (int p = 0; p < rule->n_parts; p++) {
        const reason_part *part = &rule->parts[p];
        if (part->text) {
            ibmap_strbuf_put(&b, part->text);
        } else if (slot[p] >= 0) {
            ibmap_strbuf_put(&b, num[slot[p]]);
        } else {
            int col = metric_col[part->metric];
            ibmap_strbuf_put(&b, sqlite3_column_type(q, col) == SQLITE_NULL
                                     ? "—"
                                     : (const char *)sqlite3_column_text(q, col));
        }
    }
    free(v), free(unit), free(nums), free(num), free(slot);
    return ibmap_strbuf_take(&b);
}

static char *unclassifiable_reason(const char *status)
{
    return ibmap_sprintf("未能分类：区块指标未能计算（metric_status: %s）",
                         status ? status : "missing");
}

/* The deciding rule of a block in a variant that moves param p: the rules
** that read p take their truth from the scan row q (NULL: all false), the
** others keep their truth in variant 0 (bits). */
static int first_in_variant(const ibmap_rules *r, const unsigned char *bits, int p,
                            sqlite3_stmt *q, int first_rule_col)
{
    sqlite3_int64 mask = 0;
    for (int k = 0; k < r->n_rules; k++) {
        if (q && k % RULES_PER_MASK == 0)
            mask = sqlite3_column_int64(q, first_rule_col + k / RULES_PER_MASK);
        if (r->rules[k].uses_param[p] ? (mask >> (k % RULES_PER_MASK)) & 1 : bits[k])
            return k;
    }
    return -1;
}

/* The scan of the other variants returns only rows where some rule that
** reads the variant's param is true; every other (block, variant) has all
** those rules false. */
static void variants_without_rows(scan *s, const ibmap_rules *r, const unsigned char *ok,
                                  const unsigned char *base, const int *variant_param)
{
    for (int64_t b = 0; b < s->n_blocks; b++)
        for (int v = 1; v < s->n_variants; v++)
            s->first[b * s->n_variants + v] =
                ok[b] ? first_in_variant(r, &base[(size_t)b * (size_t)r->n_rules],
                                         variant_param[v], NULL, 0)
                      : -1;
}

/* Run the scan over the workspace open in db with n_variants vectors of
** param values (values[v * n_params + i]); variant 0 is the params as they
** are, and variant v > 0 differs from it in param variant_param[v] only. */
static ibmap_status run_scan(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                             const ibmap_rules *r, const double *values,
                             const int *variant_param, int n_variants,
                             int want_text, scan *s)
{
    memset(s, 0, sizeof *s);
    s->n_variants = n_variants;
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM block_metrics", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (n < 0)
        return ibmap_fail(ctx, IBMAP_ERR_READ, "%s: not an ibmap workspace: %s", path,
                          sqlite3_errmsg(db));
    size_t nb = (size_t)(n > 0 ? n : 1), nr = (size_t)r->n_rules;
    s->n_blocks = n;
    s->c = classification_new(n);
    s->first = malloc(nb * (size_t)n_variants * sizeof *s->first);
    /* Per block: whether it is classifiable, and each rule's truth in
    ** variant 0, which the other variants reuse for the rules that do not
    ** read their param. */
    unsigned char *ok = calloc(nb, 1), *base = calloc(nb * nr, 1);
    if (!s->c || !s->first || !ok || !base) {
        free(ok);
        free(base);
        scan_clear(s);
        return ibmap_nomem(ctx);
    }
    if (rules_fill_params(db, r, values, variant_param, n_variants) != SQLITE_OK) {
        ibmap_status st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: cannot set up the params: %s",
                                     path, sqlite3_errmsg(db));
        free(ok);
        free(base);
        scan_clear(s);
        return st;
    }
    /* The enterprises first: the block rules read their summary. */
    ibmap_status st = ent_stage(ctx, db, path, r, variant_param, n_variants, want_text,
                                &s->c->ent);
    if (st) {
        free(ok);
        free(base);
        scan_clear(s);
        return st;
    }
    rules_guard g;
    /* Pass 0: variant 0, with everything the result needs; pass 1: the
    ** other variants, their truths only. */
    for (int pass = 0; !st && pass < (n_variants > 1 ? 2 : 1); pass++) {
        /* Once per statement: the guard counts its SELECTs (rules.c). */
        rules_guard_on(db, &g);
        int metric_col[RULES_N_METRICS], first_rule_col;
        char *sql = rules_scan_sql(r, pass == 0, variant_param, n_variants, metric_col,
                                   &first_rule_col);
        if (!sql)
            st = ibmap_nomem(ctx);
        else if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
            st = ibmap_fail(ctx, g.denied[0] ? IBMAP_ERR_RULES_DENIED : IBMAP_ERR_READ,
                            "%s: the rules of %s cannot be evaluated on this "
                            "workspace: %s%s%s",
                            path, r->path, sqlite3_errmsg(db), g.denied[0] ? ": " : "",
                            g.denied);
        free(sql);
        int64_t rows = 0, last_pos = -1;
        if (pass == 1) variants_without_rows(s, r, ok, base, variant_param);
        int rc = SQLITE_DONE;
        while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            int64_t b = sqlite3_column_int64(q, 0);
            int v = sqlite3_column_int(q, 1);
            /* Variant 0 has every block in order; the others a subset, in
            ** order. */
            int64_t pos = pass == 0 ? b : (v - 1) * n + b;
            if (b < 0 || b >= n || (pass == 0) != (v == 0) || v >= n_variants ||
                (pass == 0 ? pos != rows : pos <= last_pos)) {
                st = ibmap_fail(ctx, IBMAP_ERR_READ,
                                "%s: block_metrics rows are not 0..%lld", path,
                                (long long)n - 1);
                break;
            }
            rows++;
            last_pos = pos;
            int *first = &s->first[b * n_variants + v];
            unsigned char *bits = &base[(size_t)b * nr];
            *first = -1;
            sqlite3_int64 mask = 0;
            if (pass == 1) {
                if (ok[b]) *first = first_in_variant(r, bits, variant_param[v], q, first_rule_col);
                continue;
            }
            ok[b] = (unsigned char)classifiable((const char *)sqlite3_column_text(q, 3));
            for (int k = 0; k < r->n_rules; k++) {
                if (k % RULES_PER_MASK == 0)
                    mask = sqlite3_column_int64(q, first_rule_col + k / RULES_PER_MASK);
                bits[k] = (unsigned char)((mask >> (k % RULES_PER_MASK)) & 1);
                if (ok[b] && bits[k] && *first < 0) *first = k;
            }
            ibmap_classification *c = s->c;
            c->ids[b] = ibmap_strdup((const char *)sqlite3_column_text(q, 2));
            if (sqlite3_column_type(q, 4) != SQLITE_NULL)
                c->area_mu[b] = sqlite3_column_double(q, 4);
            if (!c->ids[b]) st = ibmap_nomem(ctx);
            if (st || !want_text) continue;
            if (*first < 0) {
                c->reason[b] = unclassifiable_reason((const char *)sqlite3_column_text(q, 3));
                c->matched[b] = ibmap_strdup("");
            } else {
                c->reason[b] = fill_reason(r, *first, q, metric_col);
                ibmap_strbuf m = {0};
                for (int k = 0; k < r->n_rules; k++) {
                    if (!bits[k]) continue;
                    if (m.n) ibmap_strbuf_put(&m, ";");
                    ibmap_strbuf_put(&m, r->rules[k].id);
                }
                c->matched[b] = ibmap_strbuf_take(&m);
            }
            if (!c->reason[b] || !c->matched[b])
                st = ibmap_nomem(ctx);
        }
        if (!st && rc != SQLITE_DONE)
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: evaluating the rules of %s failed: %s",
                            path, r->path, sqlite3_errmsg(db));
        if (!st && pass == 0 && rows != n)
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: block_metrics changed during the scan",
                            path);
        sqlite3_finalize(q);
        q = NULL;
    }
    sqlite3_finalize(q);
    rules_guard_off(db);
    free(ok);
    free(base);
    if (st) scan_clear(s);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Classify                                                               */
/* ---------------------------------------------------------------------- */

/* The params as stored with a scenario: "name=value;…" with the shortest
** text that reads back as the same double. */
static char *params_text(const ibmap_rules *r)
{
    ibmap_strbuf b = {0};
    char buf[64];
    for (int i = 0; i < r->n_params; i++) {
        double v = r->params[i].value;
        snprintf(buf, sizeof buf, "%.15g", v);
        if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
        if (i) ibmap_strbuf_put(&b, ";");
        ibmap_strbuf_put(&b, r->params[i].name);
        ibmap_strbuf_put(&b, "=");
        ibmap_strbuf_put(&b, buf);
    }
    return ibmap_strbuf_take(&b);
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
    if (s && *s) sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, col);
}

/* The scenario's enterprises (enterprise_class) and the block summaries of
** them that the block rules read (block_enterprise), inside the
** transaction of store_scenario. */
static int store_enterprises(sqlite3 *db, const char *scenario,
                             const ibmap_classification *c)
{
    char cols[2048] = "";
    size_t len = 0;
    for (int k = 0; k < BE_COUNT; k++)
        len += (size_t)snprintf(cols + len, sizeof cols - len, ", \"%s\" %s",
                                rules_block_ent_columns[k].name,
                                rules_block_ent_columns[k].text ? "TEXT" : "REAL");
    char *sql = ibmap_sprintf(
        "CREATE TABLE IF NOT EXISTS enterprise_class(scenario TEXT, ent_index INTEGER,"
        " ent_id TEXT, category TEXT, category_zh TEXT, low_eff INTEGER, rule_id TEXT,"
        " reason TEXT, PRIMARY KEY (scenario, ent_index));"
        "CREATE TABLE IF NOT EXISTS block_enterprise(scenario TEXT, block_index INTEGER%s,"
        " PRIMARY KEY (scenario, block_index));",
        cols);
    int ok = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    free(sql);
    sqlite3_stmt *st = NULL;
    for (int t = 0; ok && t < 2; t++) {
        ok = sqlite3_prepare_v2(db, t ? "DELETE FROM block_enterprise WHERE scenario = ?"
                                      : "DELETE FROM enterprise_class WHERE scenario = ?",
                                -1, &st, NULL) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    char names[2048] = "";
    len = 0;
    for (int k = 0; k < BE_COUNT; k++)
        len += (size_t)snprintf(names + len, sizeof names - len, ", \"%s\"",
                                rules_block_ent_columns[k].name);
    sql = ibmap_sprintf("INSERT INTO block_enterprise SELECT ?, block_index%s FROM temp."
                        RULES_BLOCK_ENT_TABLE " WHERE " RULES_EVARIANT_COLUMN " = 0"
                        " ORDER BY block_index", names);
    ok = ok && sql && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    free(sql);
    if (ok) {
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO enterprise_class VALUES (?,?,?,?,?,?,?,?)",
                                  -1, &st, NULL) == SQLITE_OK;
    const ent_result *e = &c->ent;
    for (int64_t i = 0; ok && i < e->n; i++) {
        ibmap_category k = (ibmap_category)e->category[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, i);
        sqlite3_bind_text(st, 3, e->id[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ibmap_category_name(k), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, ibmap_category_label_zh(k), -1, SQLITE_STATIC);
        if (e->low_eff[i] >= 0) sqlite3_bind_int(st, 6, e->low_eff[i]);
        else sqlite3_bind_null(st, 6);
        bind_text_or_null(st, 7, e->rule[i]);
        bind_text_or_null(st, 8, e->reason[i]);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok;
}

/* Replace scenario `scenario` in the workspace by c, in one transaction. */
static ibmap_status store_scenario(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                                   const ibmap_rules *r, const char *scenario,
                                   const ibmap_classification *c)
{
    char *params = params_text(r);
    if (!params) return ibmap_nomem(ctx);
    int ok = sqlite3_exec(db,
                          "BEGIN IMMEDIATE;"
                          "CREATE TABLE IF NOT EXISTS scenarios(name TEXT PRIMARY KEY,"
                          " rules_path TEXT, rules_hash TEXT, params TEXT);"
                          "CREATE TABLE IF NOT EXISTS block_class(scenario TEXT,"
                          " block_index INTEGER, block_id TEXT, class TEXT, mode TEXT,"
                          " rule_id TEXT, reason TEXT, matched TEXT, stable INTEGER,"
                          " flipped_by TEXT, PRIMARY KEY (scenario, block_index));",
                          NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "DELETE FROM block_class WHERE scenario = ?", -1, &st,
                            NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO scenarios VALUES (?,?,?,?)",
                                  -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, params, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO block_class VALUES (?,?,?,?,?,?,?,?,?,?)",
                                  -1, &st, NULL) == SQLITE_OK;
    for (int64_t b = 0; ok && b < c->n; b++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, b);
        sqlite3_bind_text(st, 3, c->ids[b], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ibmap_class_name((ibmap_class)c->klass[b]), -1, SQLITE_STATIC);
        bind_text_or_null(st, 5, ibmap_mode_name((ibmap_mode)c->mode[b]));
        bind_text_or_null(st, 6, c->rule[b]);
        sqlite3_bind_text(st, 7, c->reason[b], -1, SQLITE_STATIC);
        bind_text_or_null(st, 8, c->matched[b]);
        sqlite3_bind_int(st, 9, c->stable[b]);
        bind_text_or_null(st, 10, c->flipped_by[b]);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    free(params);
    ok = ok && store_enterprises(db, scenario, c);
    ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (ok) return IBMAP_OK;
    /* The message of the failure, before ROLLBACK replaces it. */
    ibmap_status status = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot store scenario '%s': %s%s",
                                 path, scenario, sqlite3_errmsg(db),
                                 sqlite3_errcode(db) == SQLITE_BUSY
                                     ? " (another run is writing this workspace)" : "");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

/* Values of every variant: 0 the params as they are, then 2i+1 and 2i+2
** param i at -10% and +10%. */
static double *stability_variants(const ibmap_rules *r, int *n_variants,
                                  int **variant_param)
{
    int nv = 1 + 2 * r->n_params, np = r->n_params;
    double *v = malloc((size_t)nv * (size_t)(np ? np : 1) * sizeof *v);
    int *vp = malloc((size_t)nv * sizeof *vp);
    if (!v || !vp) {
        free(v);
        free(vp);
        return NULL;
    }
    vp[0] = -1;
    for (int k = 1; k < nv; k++) vp[k] = (k - 1) / 2;
    *variant_param = vp;
    for (int k = 0; k < nv; k++)
        for (int i = 0; i < np; i++) v[k * np + i] = r->params[i].value;
    for (int i = 0; i < np; i++) {
        v[(2 * i + 1) * np + i] *= 0.9;
        v[(2 * i + 2) * np + i] *= 1.1;
    }
    *n_variants = nv;
    return v;
}

ibmap_status ibmap_classify(ibmap_ctx *ctx, const char *workspace,
                            const ibmap_rules *r, const char *scenario,
                            ibmap_classification **out)
{
    if (!workspace || !r || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_classify: NULL argument");
    sqlite3 *db = NULL;
    ibmap_status st = open_workspace(ctx, workspace, scenario != NULL, &db);
    if (st) return st;
    int nv = 0, *variant_param = NULL;
    double *values = stability_variants(r, &nv, &variant_param);
    scan s;
    if (!values)
        st = ibmap_nomem(ctx);
    else
        st = run_scan(ctx, db, workspace, r, values, variant_param, nv, 1, &s);
    free(values);
    free(variant_param);
    if (st) {
        sqlite3_close(db);
        return ibmap_interrupt_pending() ? ibmap_fail_interrupted(ctx) : st;
    }
    ibmap_classification *c = s.c;
    s.c = NULL;
    for (int64_t b = 0; !st && b < c->n; b++) {
        const int *f = &s.first[b * nv];
        int k = f[0];
        c->klass[b] = k < 0 ? IBMAP_CLASS_UNCLASSIFIABLE : r->rules[k].klass;
        c->mode[b] = k < 0 ? IBMAP_MODE_NONE : r->rules[k].mode;
        c->rule[b] = ibmap_strdup(k < 0 ? "" : r->rules[k].id);
        c->stable[b] = 1;
        const char *flip = "";
        for (int v = 1; v < nv; v++) {
            ibmap_class cv = f[v] < 0 ? IBMAP_CLASS_UNCLASSIFIABLE : r->rules[f[v]].klass;
            if (cv != c->klass[b]) {
                c->stable[b] = 0;
                flip = r->params[(v - 1) / 2].name;
                break;
            }
        }
        c->flipped_by[b] = ibmap_strdup(flip);
        if (!c->rule[b] || !c->flipped_by[b])
            st = ibmap_nomem(ctx);
    }
    scan_clear(&s);
    if (!st && scenario) st = store_scenario(ctx, db, workspace, r, scenario, c);
    if (!st && scenario && !(c->scenario = ibmap_strdup(scenario)))
        st = ibmap_nomem(ctx);
    sqlite3_close(db);
    if (st) {
        ibmap_classification_free(c);
        return ibmap_interrupt_pending() ? ibmap_fail_interrupted(ctx) : st;
    }
    *out = c;
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Stored scenarios                                                       */
/* ---------------------------------------------------------------------- */

static ibmap_status no_such_scenario(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                                     const char *scenario)
{
    ibmap_strbuf b = {0};
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM scenarios ORDER BY name", -1, &q, NULL) ==
        SQLITE_OK)
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (b.n) ibmap_strbuf_put(&b, ", ");
            ibmap_strbuf_put(&b, (const char *)sqlite3_column_text(q, 0));
        }
    sqlite3_finalize(q);
    char *names = ibmap_strbuf_take(&b);
    ibmap_status st = ibmap_fail(ctx, IBMAP_ERR_READ,
                                 "%s: no scenario '%s' (scenarios stored: %s)", path,
                                 scenario, names && *names ? names : "none");
    free(names);
    return st;
}

static char *column_dup(sqlite3_stmt *q, int col)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    return ibmap_strdup(t ? t : "");
}

ibmap_status ibmap_classification_load(ibmap_ctx *ctx, const char *workspace,
                                       const char *scenario,
                                       ibmap_classification **out)
{
    if (!workspace || !scenario || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_classification_load: NULL argument");
    sqlite3 *db = NULL;
    ibmap_status st = open_workspace(ctx, workspace, 0, &db);
    if (st) return st;
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM block_class WHERE scenario = ?", -1,
                           &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, scenario, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (n <= 0) {
        st = no_such_scenario(ctx, db, workspace, scenario);
        sqlite3_close(db);
        return st;
    }
    ibmap_classification *c = classification_new(n);
    if (!c) st = ibmap_nomem(ctx);
    if (!st && sqlite3_prepare_v2(
                   db,
                   "SELECT c.block_index, c.block_id, c.class, c.mode, c.rule_id,"
                   " c.reason, c.matched, c.stable, c.flipped_by, m.area_mu"
                   " FROM block_class AS c LEFT JOIN block_metrics AS m"
                   " ON m.block_index = c.block_index"
                   " WHERE c.scenario = ? ORDER BY c.block_index",
                   -1, &q, NULL) != SQLITE_OK)
        st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: %s", workspace, sqlite3_errmsg(db));
    if (!st) sqlite3_bind_text(q, 1, scenario, -1, SQLITE_STATIC);
    for (int64_t b = 0; !st && b < n && sqlite3_step(q) == SQLITE_ROW; b++) {
        int klass = ibmap_class_from_name((const char *)sqlite3_column_text(q, 2));
        int mode = sqlite3_column_type(q, 3) == SQLITE_NULL
                       ? IBMAP_MODE_NONE
                       : ibmap_mode_from_name((const char *)sqlite3_column_text(q, 3));
        if (sqlite3_column_int64(q, 0) != b || klass < 0 || mode < 0) {
            st = ibmap_fail(ctx, IBMAP_ERR_READ,
                            "%s: scenario '%s' is damaged at block %lld", workspace,
                            scenario, (long long)b);
            break;
        }
        c->klass[b] = (unsigned char)klass;
        c->mode[b] = (unsigned char)mode;
        c->ids[b] = column_dup(q, 1);
        c->rule[b] = column_dup(q, 4);
        c->reason[b] = column_dup(q, 5);
        c->matched[b] = column_dup(q, 6);
        c->stable[b] = (unsigned char)(sqlite3_column_int(q, 7) != 0);
        c->flipped_by[b] = column_dup(q, 8);
        if (sqlite3_column_type(q, 9) != SQLITE_NULL) c->area_mu[b] = sqlite3_column_double(q, 9);
        if (!c->ids[b] || !c->rule[b] || !c->reason[b] || !c->matched[b] || !c->flipped_by[b])
            st = ibmap_nomem(ctx);
    }
    for (int64_t b = 0; !st && b < n; b++)
        if (!c->ids[b])
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: scenario '%s' is damaged", workspace,
                            scenario);
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (!st && !(c->scenario = ibmap_strdup(scenario)))
        st = ibmap_nomem(ctx);
    if (st) {
        ibmap_classification_free(c);
        return st;
    }
    *out = c;
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                              */
/* ---------------------------------------------------------------------- */

#define IN_RANGE(c, b) ((c) && (b) >= 0 && (b) < (c)->n)

int64_t ibmap_classification_count(const ibmap_classification *c)
{
    return c ? c->n : 0;
}

const char *ibmap_classification_block_id(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->ids[b] : NULL;
}

double ibmap_classification_area_mu(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->area_mu[b] : NAN;
}

ibmap_class ibmap_classification_class(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? (ibmap_class)c->klass[b] : IBMAP_CLASS_UNCLASSIFIABLE;
}

ibmap_mode ibmap_classification_mode(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? (ibmap_mode)c->mode[b] : IBMAP_MODE_NONE;
}

const char *ibmap_classification_rule(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->rule[b] : NULL;
}

const char *ibmap_classification_reason(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->reason[b] : NULL;
}

const char *ibmap_classification_matched(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->matched[b] : NULL;
}

int ibmap_classification_stable(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->stable[b] : 0;
}

const char *ibmap_classification_flipped_by(const ibmap_classification *c, int64_t b)
{
    return IN_RANGE(c, b) ? c->flipped_by[b] : NULL;
}

#define ENT_IN_RANGE(c, i) ((c) && (i) >= 0 && (i) < (c)->ent.n)

int64_t ibmap_classification_enterprise_count(const ibmap_classification *c)
{
    return c ? c->ent.n : 0;
}

const char *ibmap_classification_enterprise_id(const ibmap_classification *c, int64_t i)
{
    return ENT_IN_RANGE(c, i) ? c->ent.id[i] : NULL;
}

ibmap_category ibmap_classification_enterprise_category(const ibmap_classification *c,
                                                        int64_t i)
{
    return ENT_IN_RANGE(c, i) ? (ibmap_category)c->ent.category[i] : IBMAP_CATEGORY_NONE;
}

const char *ibmap_classification_enterprise_rule(const ibmap_classification *c, int64_t i)
{
    return ENT_IN_RANGE(c, i) ? c->ent.rule[i] : NULL;
}

const char *ibmap_classification_enterprise_reason(const ibmap_classification *c, int64_t i)
{
    return ENT_IN_RANGE(c, i) ? c->ent.reason[i] : NULL;
}

int ibmap_classification_enterprise_low_eff(const ibmap_classification *c, int64_t i)
{
    return ENT_IN_RANGE(c, i) ? c->ent.low_eff[i] : -1;
}

double ibmap_classification_enterprise_land_mu(const ibmap_classification *c, int64_t i)
{
    return ENT_IN_RANGE(c, i) ? c->ent.land_mu[i] : NAN;
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.6g", v);
}

static int enterprises_csv_body(FILE *f, const void *arg)
{
    const ent_result *e = &((const ibmap_classification *)arg)->ent;
    int ok = fputs(ibmap_csv_pick("ent_id,name,block_id,town,industry_division,chain,"
                                  "land_mu,tax_per_mu,va_per_mu,low_eff,category,category_zh,"
                                  "rule_id,reason\r\n",
                                  "企业编号,企业名称,区块编号,镇街,行业门类,产业链,用地(亩),"
                                  "亩均税收,亩均增加值,低效,项目清单类别,类别名称,决定规则,"
                                  "理由\r\n"),
                   f) >= 0;
    for (int64_t i = 0; ok && i < e->n; i++) {
        const char *t1[] = {e->id[i], e->name[i], e->block_id[i], e->town[i], e->division[i],
                            e->chain[i]};
        for (size_t k = 0; ok && k < 6; k++)
            ok = (k == 0 || fputc(',', f) != EOF) && ibmap_csv_text(f, t1[k] ? t1[k] : "");
        fputc(',', f);
        csv_num(f, e->land_mu[i]);
        fputc(',', f);
        csv_num(f, e->tax_per_mu[i]);
        fputc(',', f);
        csv_num(f, e->va_per_mu[i]);
        fputc(',', f);
        if (e->low_eff[i] >= 0) fprintf(f, "%d", e->low_eff[i]);
        ibmap_category k = (ibmap_category)e->category[i];
        const char *t2[] = {ibmap_csv_pick(ibmap_category_name(k), ibmap_category_label_zh(k)),
                            ibmap_category_label_zh(k), e->rule[i], e->reason[i]};
        for (size_t j = 0; ok && j < 4; j++)
            ok = fputc(',', f) != EOF && ibmap_csv_text(f, t2[j] ? t2[j] : "");
        ok = ok && fputs("\r\n", f) >= 0;
    }
    return ok && !ferror(f);
}

ibmap_status ibmap_classification_write_enterprises_csv(ibmap_ctx *ctx,
                                                        const ibmap_classification *c,
                                                        const char *path)
{
    if (!c || !path)
        return ibmap_fail(ctx, IBMAP_ERR_ARG,
                          "ibmap_classification_write_enterprises_csv: NULL argument");
    return ibmap_write_csv(ctx, path, enterprises_csv_body, c);
}

/* ---------------------------------------------------------------------- */
/* CSV                                                                    */
/* ---------------------------------------------------------------------- */

static int classification_csv_body(FILE *f, const void *arg)
{
    const ibmap_classification *c = arg;
    int ok = fputs(ibmap_csv_pick("block_id,class,class_zh,mode,mode_zh,rule_id,reason,"
                                  "matched,stable,flipped_by\r\n",
                                  "区块编号,分类,分类名称,改造方式,改造方式名称,决定规则,"
                                  "分类理由,命中规则,阈值±10%稳定,改变分类的参数\r\n"),
                   f) >= 0;
    for (int64_t b = 0; ok && b < c->n; b++) {
        ibmap_class k = (ibmap_class)c->klass[b];
        ibmap_mode m = (ibmap_mode)c->mode[b];
        const char *fields[] = {c->ids[b],
                                ibmap_csv_pick(ibmap_class_name(k), ibmap_class_label_zh(k)),
                                ibmap_class_label_zh(k),
                                ibmap_csv_pick(ibmap_mode_name(m), ibmap_mode_label_zh(m)),
                                ibmap_mode_label_zh(m), c->rule[b],
                                c->reason[b], c->matched[b],
                                c->stable[b] ? "1" : "0", c->flipped_by[b]};
        for (size_t i = 0; ok && i < sizeof fields / sizeof fields[0]; i++)
            ok = (i == 0 || fputc(',', f) != EOF) && ibmap_csv_text(f, fields[i]);
        ok = ok && fputs("\r\n", f) >= 0;
    }
    return ok;
}

ibmap_status ibmap_classification_write_csv(ibmap_ctx *ctx, const ibmap_classification *c,
                                            const char *path)
{
    if (!c || !path)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_classification_write_csv: NULL argument");
    return ibmap_write_csv(ctx, path, classification_csv_body, c);
}

/* ---------------------------------------------------------------------- */
/* Compare                                                                */
/* ---------------------------------------------------------------------- */

static ibmap_status same_blocks(ibmap_ctx *ctx, const ibmap_classification *a,
                                const ibmap_classification *b)
{
    if (!a || !b) return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_compare: NULL argument");
    if (a->n != b->n)
        return ibmap_fail(ctx, IBMAP_ERR_ARG,
                          "the scenarios hold different blocks (%lld and %lld)",
                          (long long)a->n, (long long)b->n);
    for (int64_t i = 0; i < a->n; i++)
        if (strcmp(a->ids[i], b->ids[i]) != 0)
            return ibmap_fail(ctx, IBMAP_ERR_ARG,
                              "the scenarios hold different blocks (block %lld is "
                              "%s in one, %s in the other)",
                              (long long)i, a->ids[i], b->ids[i]);
    return IBMAP_OK;
}

ibmap_status ibmap_compare(ibmap_ctx *ctx, const ibmap_classification *a,
                           const ibmap_classification *b,
                           int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT],
                           double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT])
{
    ibmap_status st = same_blocks(ctx, a, b);
    if (st) return st;
    if (!blocks || !mu) return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_compare: NULL argument");
    for (int i = 0; i < IBMAP_CLASS_COUNT; i++)
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++) {
            blocks[i][j] = 0;
            mu[i][j] = 0;
        }
    for (int64_t k = 0; k < a->n; k++) {
        blocks[a->klass[k]][b->klass[k]]++;
        if (isfinite(a->area_mu[k])) mu[a->klass[k]][b->klass[k]] += a->area_mu[k];
    }
    return IBMAP_OK;
}

typedef struct compare_pair {
    const ibmap_classification *a, *b;
} compare_pair;

static int compare_csv_body(FILE *f, const void *arg)
{
    const compare_pair *p = arg;
    int ok = fputs(ibmap_csv_pick("block_id,class_a,class_b,rule_a,rule_b\r\n",
                                  "区块编号,情景A分类,情景B分类,情景A规则,情景B规则\r\n"),
                   f) >= 0;
    for (int64_t k = 0; ok && k < p->a->n; k++) {
        if (p->a->klass[k] == p->b->klass[k]) continue;
        ibmap_class ka = (ibmap_class)p->a->klass[k], kb = (ibmap_class)p->b->klass[k];
        const char *fields[] = {p->a->ids[k],
                                ibmap_csv_pick(ibmap_class_name(ka), ibmap_class_label_zh(ka)),
                                ibmap_csv_pick(ibmap_class_name(kb), ibmap_class_label_zh(kb)),
                                p->a->rule[k], p->b->rule[k]};
        for (size_t i = 0; ok && i < sizeof fields / sizeof fields[0]; i++)
            ok = (i == 0 || fputc(',', f) != EOF) && ibmap_csv_text(f, fields[i]);
        ok = ok && fputs("\r\n", f) >= 0;
    }
    return ok;
}

ibmap_status ibmap_compare_write_csv(ibmap_ctx *ctx, const ibmap_classification *a,
                                     const ibmap_classification *b, const char *path)
{
    ibmap_status st = same_blocks(ctx, a, b);
    if (st) return st;
    compare_pair p = {a, b};
    return ibmap_write_csv(ctx, path, compare_csv_body, &p);
}

/* ---------------------------------------------------------------------- */
/* Sweep                                                                  */
/* ---------------------------------------------------------------------- */

ibmap_status ibmap_sweep(ibmap_ctx *ctx, const char *workspace, const ibmap_rules *r,
                         const char *param, const double *values, int n_values,
                         int64_t *blocks, double *mu)
{
    if (!workspace || !r || !param || !values || n_values < 1 || !blocks || !mu)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_sweep: bad argument");
    int p = -1;
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i].name, param) == 0) p = i;
    if (p < 0)
        return ibmap_fail(ctx, IBMAP_ERR_RULES_NAME, "%s: unknown param '%s'", r->path,
                          param);
    /* Variant 0 is the params as they are (the scan needs it: the rules
    ** that do not read `param` are evaluated there only); variant k + 1 is
    ** values[k]. */
    int np = r->n_params, nv = n_values + 1;
    double *v = malloc((size_t)nv * (size_t)np * sizeof *v);
    int *vp = malloc((size_t)nv * sizeof *vp);
    if (!v || !vp) {
        free(v);
        free(vp);
        return ibmap_nomem(ctx);
    }
    for (int k = 0; k < nv; k++) {
        vp[k] = k ? p : -1;
        for (int i = 0; i < np; i++)
            v[k * np + i] = k && i == p ? values[k - 1] : r->params[i].value;
    }
    sqlite3 *db = NULL;
    ibmap_status st = open_workspace(ctx, workspace, 0, &db);
    scan s;
    if (!st) st = run_scan(ctx, db, workspace, r, v, vp, nv, 0, &s);
    free(v);
    free(vp);
    sqlite3_close(db);
    if (st) return ibmap_interrupt_pending() ? ibmap_fail_interrupted(ctx) : st;
    for (size_t i = 0; i < (size_t)n_values * IBMAP_CLASS_COUNT; i++) {
        blocks[i] = 0;
        mu[i] = 0;
    }
    for (int64_t b = 0; b < s.n_blocks; b++)
        for (int k = 0; k < n_values; k++) {
            int f = s.first[b * nv + k + 1];
            size_t cell = (size_t)k * IBMAP_CLASS_COUNT +
                          (size_t)(f < 0 ? IBMAP_CLASS_UNCLASSIFIABLE : r->rules[f].klass);
            blocks[cell]++;
            if (isfinite(s.c->area_mu[b])) mu[cell] += s.c->area_mu[b];
        }
    scan_clear(&s);
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* The rules a scenario was made with                                     */
/* ---------------------------------------------------------------------- */

ibmap_status ibmap_workspace_rules(ibmap_ctx *ctx, const char *workspace, const char *scenario,
                                   char **rules_path, char **rules_hash, char **params)
{
    if (!workspace || !rules_path || !rules_hash || !params)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_workspace_rules: NULL argument");
    *rules_path = *rules_hash = *params = NULL;
    sqlite3 *db = NULL;
    ibmap_status st = open_workspace(ctx, workspace, 0, &db);
    if (st) return st;
    sqlite3_stmt *q = NULL;
    /* the scenario named first, else the one stored last */
    if (sqlite3_prepare_v2(db, "SELECT rules_path, rules_hash, params FROM scenarios "
                               "ORDER BY name = ? DESC, rowid DESC LIMIT 1", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, scenario ? scenario : "", -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
            const char *h = (const char *)sqlite3_column_text(q, 1);
            const char *p = (const char *)sqlite3_column_text(q, 2);
            *rules_path = ibmap_strdup((const char *)sqlite3_column_text(q, 0));
            *rules_hash = ibmap_strdup(h ? h : "");
            *params = ibmap_strdup(p ? p : "");
            if (!*rules_path || !*rules_hash || !*params) {
                free(*rules_path);
                free(*rules_hash);
                free(*params);
                *rules_path = *rules_hash = *params = NULL;
                st = ibmap_nomem(ctx);
            }
        }
    } /* no scenarios table: no scenario stored yet */
    sqlite3_finalize(q);
    sqlite3_close(db);
    return st;
}

/* ---------------------------------------------------------------------- */
/* The sweep as CSV                                                       */
/* ---------------------------------------------------------------------- */

typedef struct sweep_csv {
    const double *values;
    int n;
    const int64_t *blocks;
    const double *mu;
} sweep_csv;

static int sweep_csv_body(FILE *f, const void *arg)
{
    const sweep_csv *w = arg;
    int ok = fputs(ibmap_csv_pick("value", "参数值"), f) >= 0;
    for (int k = 0; ok && k < IBMAP_CLASS_COUNT; k++) {
        const char *name = ibmap_csv_pick(ibmap_class_name((ibmap_class)k),
                                          ibmap_class_label_zh((ibmap_class)k));
        ok = fprintf(f, ",%s%s,%s%s", name, ibmap_csv_pick("_blocks", "区块数"), name,
                     ibmap_csv_pick("_mu", "面积(亩)")) > 0;
    }
    ok = ok && fputs("\r\n", f) >= 0;
    for (int i = 0; ok && i < w->n; i++) {
        ok = fprintf(f, "%.10g", w->values[i]) > 0;
        for (int k = 0; ok && k < IBMAP_CLASS_COUNT; k++)
            ok = fprintf(f, ",%lld,%.4f", (long long)w->blocks[i * IBMAP_CLASS_COUNT + k],
                         w->mu[i * IBMAP_CLASS_COUNT + k]) > 0;
        ok = ok && fputs("\r\n", f) >= 0;
    }
    return ok;
}

ibmap_status ibmap_sweep_write_csv(ibmap_ctx *ctx, const char *path, const double *values,
                                   int n_values, const int64_t *blocks, const double *mu)
{
    if (!path || !values || !blocks || !mu || n_values < 0)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_sweep_write_csv: bad argument");
    sweep_csv w = {values, n_values, blocks, mu};
    return ibmap_write_csv(ctx, path, sweep_csv_body, &w);
}
