/*
** rules.c — the rules file: reading it, checking every part of it at load
** time, and the guard under which its SQL expressions run.
**
** A rule's `when` is an SQL expression evaluated by SQLite over one row of
** block_metrics joined with a one-row TEMP table of the params: planners
** write QGIS-like expressions and we keep no expression parser of our own.
** Handing user text to SQLite is safe only behind a fence, so every
** compilation of rule SQL happens under an authorizer that allows nothing
** but SELECT, reads of main.block_metrics and temp.params, and a short list
** of pure built-in functions; extension loading is switched off on the
** connection as well.  The authorizer runs at prepare time, so a rules file
** that tries to write, ATTACH, PRAGMA, read another table or load code is
** refused when it is read, with the file and line, long before a workspace
** is touched.
**
** Load-time checks are made against an in-memory database with the
** block_metrics schema (one column per metric, store/schema.c, as the workspace has it),
** so they need no workspace and are the same for every workspace.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "classify/rules.h"

/* ---------------------------------------------------------------------- */
/* Classes and modes                                                      */
/* ---------------------------------------------------------------------- */

static const char *const class_names[IBMAP_CLASS_COUNT] = {
    "support", "consolidate", "exit", "unclassifiable"};
static const char *const class_labels[IBMAP_CLASS_COUNT] = {
    "扶持发展", "整合改造", "清理退出", "未能分类"};
static const char *const mode_names[IBMAP_MODE_COUNT] = {
    "", "industrial_upgrade", "function_change", "rebuild",
    "partial_renewal", "consolidation", "relocate", "restore", "reserve",
    "organic_renewal"};
static const char *const mode_labels[IBMAP_MODE_COUNT] = {
    "", "产业更新", "功能转换", "拆除重建", "局部更新", "零星归宗", "搬迁腾退",
    "复垦复绿", "收储", "有机更新"};
static const char *const category_names[IBMAP_CATEGORY_COUNT] = {
    "none", "eliminate", "upgrade", "cluster", "relocate"};
static const char *const category_labels[IBMAP_CATEGORY_COUNT] = {
    "不列入", "整治淘汰类", "改造提升类", "园区集聚类", "搬迁拆除类"};

int ibmap_mode_is_exit_method(ibmap_mode m)
{
    return m == IBMAP_MODE_RELOCATE || m == IBMAP_MODE_RESTORE || m == IBMAP_MODE_RESERVE;
}

/* The name tables above, read one way: entry i, or NULL past the end; and
** the index of a name from `first` on, or -1. */
static const char *table_at(const char *const *table, int n, int i)
{
    return i >= 0 && i < n ? table[i] : NULL;
}

static int table_find(const char *const *table, int first, int n, const char *name)
{
    for (int i = first; name && i < n; i++)
        if (strcmp(name, table[i]) == 0) return i;
    return -1;
}

const char *ibmap_category_name(ibmap_category c)
{
    return table_at(category_names, IBMAP_CATEGORY_COUNT, (int)c);
}

const char *ibmap_category_label_zh(ibmap_category c)
{
    return table_at(category_labels, IBMAP_CATEGORY_COUNT, (int)c);
}

int ibmap_category_from_name(const char *name)
{
    return table_find(category_names, 0, IBMAP_CATEGORY_COUNT, name);
}

const char *ibmap_class_name(ibmap_class c)
{
    return table_at(class_names, IBMAP_CLASS_COUNT, (int)c);
}

const char *ibmap_class_label_zh(ibmap_class c)
{
    return table_at(class_labels, IBMAP_CLASS_COUNT, (int)c);
}

int ibmap_class_from_name(const char *name)
{
    return table_find(class_names, 0, IBMAP_CLASS_COUNT, name);
}

const char *ibmap_mode_name(ibmap_mode m)
{
    return table_at(mode_names, IBMAP_MODE_COUNT, (int)m);
}

const char *ibmap_mode_label_zh(ibmap_mode m)
{
    return table_at(mode_labels, IBMAP_MODE_COUNT, (int)m);
}

/* From 1: mode 0 is "none", which no rule names. */
int ibmap_mode_from_name(const char *name)
{
    return table_find(mode_names, 1, IBMAP_MODE_COUNT, name);
}

enum { KIND_N = 0, KIND_T = 1 };
const rules_column rules_block_ent_columns[BE_COUNT] = {
#define BENT(name, kind, unit, zh, desc) {#name, unit, zh, KIND_##kind},
#include "classify/block_ent_list.h"
#undef BENT
};

const rules_column rules_ent_columns[EC_COUNT] = {
#define ENT(name, kind, unit, zh, expr, desc) {#name, unit, zh, KIND_##kind},
#include "overlay/enterprise_list.h"
#undef ENT
};

char *rules_block_ent_ddl(void)
{
    ibmap_strbuf b = {0};
    ibmap_strbuf_put(&b, "CREATE TEMP TABLE " RULES_BLOCK_ENT_TABLE "(" RULES_EVARIANT_COLUMN
                         " INTEGER, block_index INTEGER");
    for (int k = 0; k < BE_COUNT; k++)
        ibmap_strbuf_printf(&b, ", \"%s\" %s", rules_block_ent_columns[k].name,
                            rules_block_ent_columns[k].text ? "TEXT" : "REAL");
    ibmap_strbuf_put(&b, ", PRIMARY KEY (" RULES_EVARIANT_COLUMN ", block_index))");
    return ibmap_strbuf_take(&b);
}

static int block_ent_index(const char *name)
{
    for (int i = 0; name && i < BE_COUNT; i++)
        if (strcmp(rules_block_ent_columns[i].name, name) == 0) return i;
    return -1;
}

static int ent_column_index(const char *name)
{
    for (int i = 0; name && i < EC_COUNT; i++)
        if (strcmp(rules_ent_columns[i].name, name) == 0) return i;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* The guard                                                              */
/* ---------------------------------------------------------------------- */

/* Pure, deterministic scalar functions.  Not here, on purpose: aggregates
** (a rule is about one block), random() and the date functions (results
** must be reproducible), load_extension() and every other function. */
static const char *const safe_functions[] = {
    "abs", "coalesce", "ifnull", "iif", "nullif", "min", "max", "round",
    "length", "lower", "upper", "substr", "substring", "trim", "ltrim",
    "rtrim", "instr", "replace", "like", "glob", "typeof", "sqrt", "pow",
    "power", "exp", "ln", "log", "log10", "floor", "ceil", "ceiling", NULL};

static int is_safe_function(const char *name)
{
    for (int i = 0; name && safe_functions[i]; i++)
        if (strcasecmp(name, safe_functions[i]) == 0) return 1;
    return 0;
}

static int authorize(void *arg, int action, const char *a1, const char *a2,
                     const char *db, const char *trigger)
{
    (void)trigger;
    rules_guard *g = arg;
    const char *why = NULL;
    char buf[200];
    switch (action) {
    case SQLITE_SELECT:
        /* The first SELECT is the statement ibmap compiles; any other is a
        ** subquery in a `when`.  Subqueries are refused: a rule is about
        ** one block, and a subquery over block_metrics is how a rule would
        ** read other blocks, use an aggregate (max(x) passes the function
        ** list) or join block_metrics with itself, n-fold, which takes
        ** blocks^n steps per block and hangs classify (reproducer:
        ** tests/fuzz/regressions/fuzz_rules/hang-self-join-subquery.yaml). */
        if (!g || g->selects++ == 0) return SQLITE_OK;
        why = "contains a subquery (SELECT …); a rule reads the metrics of "
              "its own block and the params only";
        break;
    case SQLITE_READ:
        if (g && g->uses && a1 && a2 && strcmp(a1, RULES_PARAMS_TABLE) == 0)
            for (int i = 0; i < g->rules->n_params; i++)
                if (strcmp(g->rules->params[i].name, a2) == 0) g->uses[i] = 1;
        /* (the join's own keys are not a rule reading block_ent) */
        if (g && g->reads_ent && a1 && a2 && strcmp(a1, RULES_BLOCK_ENT_TABLE) == 0 &&
            strcmp(a2, "block_index") != 0 && strcmp(a2, RULES_EVARIANT_COLUMN) != 0)
            *g->reads_ent = 1;
        /* Block rules read block_metrics and block_ent, enterprise rules
        ** enterprises: each scan joins only its own, so a rule naming the
        ** other's columns fails as an unknown name. */
        if (a1 && db &&
            ((strcmp(a1, "block_metrics") == 0 && strcmp(db, "main") == 0) ||
             (strcmp(a1, "enterprises") == 0 && strcmp(db, "main") == 0) ||
             (strcmp(a1, RULES_BLOCK_ENT_TABLE) == 0 && strcmp(db, "temp") == 0) ||
             (strcmp(a1, RULES_PARAMS_TABLE) == 0 && strcmp(db, "temp") == 0)))
            return SQLITE_OK;
        snprintf(buf, sizeof buf,
                 "reads table %s (rules may read block metrics and params "
                 "only)", a1 ? a1 : "?");
        why = buf;
        break;
    case SQLITE_FUNCTION:
        if (is_safe_function(a2)) return SQLITE_OK;
        snprintf(buf, sizeof buf,
                 "calls %s(), which is not on the list of functions rules "
                 "may use (docs/rules.md)", a2 ? a2 : "?");
        why = buf;
        break;
    case SQLITE_INSERT: case SQLITE_UPDATE: case SQLITE_DELETE:
        why = "writes to the database";
        break;
    case SQLITE_ATTACH: case SQLITE_DETACH:
        why = "attaches or detaches a database";
        break;
    case SQLITE_PRAGMA:
        why = "runs a PRAGMA";
        break;
    case SQLITE_TRANSACTION: case SQLITE_SAVEPOINT:
        why = "controls transactions";
        break;
    default:
        snprintf(buf, sizeof buf,
                 "does something other than read block metrics (SQLite "
                 "action %d)", action);
        why = buf;
        break;
    }
    if (g && !g->denied[0]) snprintf(g->denied, sizeof g->denied, "%s", why);
    return SQLITE_DENY;
}

/* The longest string or blob a rule may make.  SQLite's default (1e9)
** let nested replace() calls in a `when` build a gigabyte string per block
** (10 levels of replace(x, 'Z', 'ZZZZZZZZ'): 1.4 GB and 18 s a block
** under ASan; tests/fuzz/regressions/fuzz_rules/hang-nested-replace.yaml).
** Metrics, ids, reasons and params are short: 1 MB is far beyond any. */
#define RULES_MAX_LENGTH (1 << 20)

void rules_db_harden(sqlite3 *db)
{
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, RULES_MAX_LENGTH);
}

void rules_guard_on(sqlite3 *db, rules_guard *guard)
{
    guard->denied[0] = '\0';
    guard->selects = 0;
    guard->rules = NULL;
    guard->uses = NULL;
    guard->reads_ent = NULL;
    sqlite3_set_authorizer(db, authorize, guard);
}

void rules_guard_off(sqlite3 *db)
{
    sqlite3_set_authorizer(db, NULL, NULL);
}

/* ---------------------------------------------------------------------- */
/* SQL shared with classify.c                                             */
/* ---------------------------------------------------------------------- */

int rules_fill_params(sqlite3 *db, const ibmap_rules *r, const double *values,
                      const int *variant_param, int n_variants)
{
    /* Room for every param's column: names have no length limit, so a
    ** fixed allowance per param overflowed the buffer for long names
    ** (tests/fuzz/regressions/fuzz_rules/overflow-long-param-name.yaml). */
    int groups = (r->n_rules + RULES_PER_MASK - 1) / RULES_PER_MASK;
    size_t cap = 128 + (size_t)groups * 48;
    for (int i = 0; i < r->n_params; i++) cap += strlen(r->params[i].name) + 16;
    char *sql = malloc(cap);
    if (!sql) return SQLITE_NOMEM;
    size_t len = (size_t)snprintf(sql, cap,
                                  "DROP TABLE IF EXISTS temp." RULES_PARAMS_TABLE
                                  "; CREATE TEMP TABLE " RULES_PARAMS_TABLE
                                  "(" RULES_VARIANT_COLUMN " INTEGER PRIMARY KEY, "
                                  RULES_EVARIANT_COLUMN " INTEGER DEFAULT 0");
    for (int g = 0; g < groups; g++)
        len += (size_t)snprintf(sql + len, cap - len, ", " RULES_READS_COLUMN "%d INTEGER", g);
    for (int i = 0; i < r->n_params; i++)
        len += (size_t)snprintf(sql + len, cap - len, ", \"%s\" REAL",
                                r->params[i].name);
    snprintf(sql + len, cap - len, ")");
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    len = (size_t)snprintf(sql, cap, "INSERT INTO temp." RULES_PARAMS_TABLE
                                     " VALUES (?, 0");
    for (int i = 0; i < groups + r->n_params; i++)
        len += (size_t)snprintf(sql + len, cap - len, ", ?");
    snprintf(sql + len, cap - len, ")");
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    free(sql);
    for (int v = 0; rc == SQLITE_OK && v < n_variants; v++) {
        sqlite3_reset(st);
        sqlite3_bind_int(st, 1, v);
        int p = v > 0 && variant_param ? variant_param[v] : -1;
        for (int g = 0; g < groups; g++) {
            sqlite3_int64 reads = 0;
            for (int k = g * RULES_PER_MASK; p >= 0 && k < r->n_rules &&
                                             k < (g + 1) * RULES_PER_MASK; k++)
                if (r->rules[k].uses_param[p]) reads |= (sqlite3_int64)1 << (k - g * RULES_PER_MASK);
            sqlite3_bind_int64(st, g + 2, reads);
        }
        for (int i = 0; i < r->n_params; i++)
            sqlite3_bind_double(st, groups + i + 2,
                                values[(size_t)v * (size_t)r->n_params + (size_t)i]);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    sqlite3_finalize(st);
    return rc;
}

int rules_set_evariants(sqlite3 *db, const int *evariant, int n_variants)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "UPDATE temp." RULES_PARAMS_TABLE " SET "
                                RULES_EVARIANT_COLUMN " = ? WHERE " RULES_VARIANT_COLUMN " = ?",
                                -1, &st, NULL);
    for (int v = 0; rc == SQLITE_OK && v < n_variants; v++) {
        sqlite3_reset(st);
        sqlite3_bind_int(st, 1, evariant ? evariant[v] : 0);
        sqlite3_bind_int(st, 2, v);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Append the truths of the rules (see rules_scan_sql) to sql: as result
** columns, or with `as_test` as " OR (column) != 0" for each column. */
static size_t append_truths(char *sql, size_t len, size_t cap, const rules_rule *rules,
                            int n_rules, int base, const int *variant_param,
                            int n_variants, int as_test)
{
    /* The truths of the rules are packed as bits into integer columns of
    ** RULES_PER_MASK rules each: one value to step over per row instead of
    ** one per rule.  CASE WHEN gives each expression exactly the truth of a
    ** WHERE clause: NULL and 0 are false.  The newlines end any -- comment
    ** in it.  The table is named, not aliased, so that a rule may write
    ** block_metrics.x; the variant column cannot clash with a param (names
    ** beginning ibmap_ are refused).  In the other variants a rule is
    ** evaluated only in those whose param it reads: its bit in the
    ** variant's ibmap_reads<G> (one AND per row; an OR of the variants'
    ** numbers cost up to 16 comparisons, in the WHERE clause for every
    ** row of every variant, and an IN list an index lookup). */
    for (int k0 = 0; k0 < n_rules; k0 += RULES_PER_MASK) {
        int terms = 0;
        len += (size_t)snprintf(sql + len, cap - len, "%s", as_test ? " OR (" : ",\n");
        for (int k = k0; k < n_rules && k < k0 + RULES_PER_MASK; k++) {
            const char *sep = terms ? " +\n" : "";
            if (base) {
                len += (size_t)snprintf(sql + len, cap - len, "%s(CASE WHEN (\n", sep);
            } else {
                int relevant = 0;
                for (int v = 1; v < n_variants && !relevant; v++)
                    relevant = variant_param[v] >= 0 && rules[k].uses_param[variant_param[v]];
                if (!relevant) continue;
                len += (size_t)snprintf(sql + len, cap - len,
                                        "%s(CASE WHEN (" RULES_PARAMS_TABLE "." RULES_READS_COLUMN
                                        "%d & %lld) AND (\n",
                                        sep, k0 / RULES_PER_MASK, 1LL << (k - k0));
            }
            len += (size_t)snprintf(sql + len, cap - len, "%s\n) THEN %lld ELSE 0 END)",
                                    rules[k].when, 1LL << (k - k0));
            terms++;
        }
        if (!terms) len += (size_t)snprintf(sql + len, cap - len, "0");
        if (as_test) len += (size_t)snprintf(sql + len, cap - len, ") != 0");
    }
    return len;
}

char *rules_scan_sql(const ibmap_rules *r, int base, const int *variant_param,
                     int n_variants, int reason_metric_col[RULES_N_METRICS],
                     int *first_rule_col)
{
    int used[RULES_N_METRICS] = {0};
    for (int k = 0; k < r->n_rules; k++)
        for (int p = 0; p < r->rules[k].n_parts; p++)
            if (r->rules[k].parts[p].metric >= 0) used[r->rules[k].parts[p].metric] = 1;
    size_t cap = 1024 + (size_t)M_COUNT * 48;
    for (int k = 0; k < r->n_rules; k++)
        cap += 2 * (strlen(r->rules[k].when) + 96 + (size_t)n_variants * 32);
    char *sql = malloc(cap);
    if (!sql) return NULL;
    size_t len = (size_t)snprintf(sql, cap,
                                  "SELECT block_metrics.block_index, " RULES_PARAMS_TABLE
                                  "." RULES_VARIANT_COLUMN);
    int col = 2;
    if (base) {
        len += (size_t)snprintf(sql + len, cap - len,
                                ", block_metrics.block_id, block_metrics.metric_status, "
                                "block_metrics.area_mu");
        col = 5;
    }
    for (int m = 0; m < RULES_N_METRICS; m++) {
        reason_metric_col[m] = -1;
        if (!base || !used[m]) continue;
        reason_metric_col[m] = col++;
        if (m < M_COUNT)
            len += (size_t)snprintf(sql + len, cap - len, ", block_metrics.\"%s\"",
                                    ibmap_metric(m)->name);
        else
            len += (size_t)snprintf(sql + len, cap - len, ", " RULES_BLOCK_ENT_TABLE ".\"%s\"",
                                    rules_block_ent_columns[m - M_COUNT].name);
    }
    *first_rule_col = col;
    len = append_truths(sql, len, cap, r->rules, r->n_rules, base, variant_param, n_variants,
                        0);
    /* CROSS JOIN keeps params the outer loop, so that each block row is
    ** decoded once per variant rather than once per column read. */
    len += (size_t)snprintf(sql + len, cap - len,
                            "\nFROM temp." RULES_PARAMS_TABLE " CROSS JOIN main.block_metrics"
                            "\nLEFT JOIN temp." RULES_BLOCK_ENT_TABLE " ON " RULES_BLOCK_ENT_TABLE
                            "." RULES_EVARIANT_COLUMN " = " RULES_PARAMS_TABLE "."
                            RULES_EVARIANT_COLUMN " AND " RULES_BLOCK_ENT_TABLE
                            ".block_index = block_metrics.block_index"
                            "\nWHERE " RULES_PARAMS_TABLE "." RULES_VARIANT_COLUMN " %s 0",
                            base ? "=" : ">");
    /* In the other variants, only rows where a rule that reads the
    ** variant's param is true say anything new: the caller takes the rest
    ** as all such rules false.  Most rows are dropped here, which costs
    ** less than handing them over one by one. */
    if (!base) {
        len += (size_t)snprintf(sql + len, cap - len, " AND (0");
        len = append_truths(sql, len, cap, r->rules, r->n_rules, base, variant_param,
                            n_variants, 1);
        len += (size_t)snprintf(sql + len, cap - len, ")");
    }
    snprintf(sql + len, cap - len,
             "\nORDER BY " RULES_PARAMS_TABLE "." RULES_VARIANT_COLUMN
             ", block_metrics.block_index");
    return sql;
}

char *rules_ent_scan_sql(const ibmap_rules *r, const int *which, int n_which,
                         int col[EC_COUNT], int *first_rule_col)
{
    int used[EC_COUNT] = {0};
    for (int k = 0; k < r->n_ent_rules; k++)
        for (int p = 0; p < r->ent_rules[k].n_parts; p++)
            if (r->ent_rules[k].parts[p].metric >= 0) used[r->ent_rules[k].parts[p].metric] = 1;
    size_t cap = 1024 + (size_t)EC_COUNT * 48 + (size_t)n_which * 16;
    for (int k = 0; k < r->n_ent_rules; k++) cap += strlen(r->ent_rules[k].when) + 96;
    char *sql = malloc(cap);
    if (!sql) return NULL;
    size_t len = (size_t)snprintf(sql, cap,
                                  "SELECT enterprises.ent_index, " RULES_PARAMS_TABLE
                                  "." RULES_VARIANT_COLUMN ", (enterprises.tax_per_mu < ");
    if (r->tax_floor >= 0)
        len += (size_t)snprintf(sql + len, cap - len, RULES_PARAMS_TABLE ".\"%s\")",
                                r->params[r->tax_floor].name);
    else
        len += (size_t)snprintf(sql + len, cap - len, "5)");
    int c = 3;
    for (int m = 0; m < EC_COUNT; m++) {
        col[m] = -1;
        if (!used[m]) continue;
        col[m] = c++;
        len += (size_t)snprintf(sql + len, cap - len, ", enterprises.\"%s\"",
                                rules_ent_columns[m].name);
    }
    *first_rule_col = c;
    len = append_truths(sql, len, cap, r->ent_rules, r->n_ent_rules, 1, NULL, 0, 0);
    len += (size_t)snprintf(sql + len, cap - len,
                            "\nFROM temp." RULES_PARAMS_TABLE " CROSS JOIN main.enterprises"
                            "\nWHERE " RULES_PARAMS_TABLE "." RULES_VARIANT_COLUMN " IN (");
    for (int i = 0; i < n_which; i++)
        len += (size_t)snprintf(sql + len, cap - len, "%s%d", i ? ", " : "", which[i]);
    snprintf(sql + len, cap - len,
             ")\nORDER BY " RULES_PARAMS_TABLE "." RULES_VARIANT_COLUMN
             ", enterprises.ent_index");
    return sql;
}

int rules_metric_is_share(int m)
{
    const ibmap_metric_info *mi = ibmap_metric(m);
    const char *name = m >= M_COUNT && m < RULES_N_METRICS
                           ? rules_block_ent_columns[m - M_COUNT].name
                           : mi ? mi->name : NULL;
    size_t n = name ? strlen(name) : 0;
    return n > 6 && strcmp(name + n - 6, "_share") == 0;
}

int rules_name_is_share(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n > 6 && strcmp(name + n - 6, "_share") == 0;
}

/* rules_format_value with `extra` more digits than it shows by default. */
static void format_digits(char *buf, size_t n, double v, const char *unit, int extra)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "—");
        return;
    }
    if (unit && strcmp(unit, "share") == 0) {
        snprintf(buf, n, "%.*f%%", 1 + extra, v * 100);
        return;
    }
    /* %.3g shows 4.3 as "4.3" and 12.345 as "12.3"; from 1000 up it would
    ** switch to an exponent, which planners do not read, so whole numbers. */
    char num[64];
    if (fabs(v) >= 1000)
        snprintf(num, sizeof num, "%.*f", extra, v);
    else
        snprintf(num, sizeof num, "%.*g", 3 + extra, v);
    if (strcmp(num, "-0") == 0) snprintf(num, sizeof num, "0");
    if (unit && *unit)
        snprintf(buf, n, "%s %s", num, unit);
    else
        snprintf(buf, n, "%s", num);
}

void rules_format_value(char *buf, size_t n, double v, const char *unit)
{
    format_digits(buf, n, v, unit, 0);
}

void rules_format_values(int n, const double *v, const char *const *unit, char *const *out,
                         size_t size)
{
    int *extra = calloc((size_t)(n > 0 ? n : 1), sizeof *extra);
    if (!extra) {
        for (int i = 0; i < n; i++) format_digits(out[i], size, v[i], unit[i], 0);
        return;
    }
    /* Digits are added to both of two different values that print the
    ** same ("30.0% 超过 30.0%" for 30.04% and 30%), until they differ;
    ** 17 significant digits tell any two doubles apart. */
    for (int round = 0; round < 17; round++) {
        for (int i = 0; i < n; i++) format_digits(out[i], size, v[i], unit[i], extra[i]);
        /* every value that prints like a different one gets a digit more
        ** (equal values stay alike: they are marked together) */
        int same = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (isfinite(v[i]) && isfinite(v[j]) && v[i] != v[j] &&
                    strcmp(out[i], out[j]) == 0) {
                    extra[i] = -extra[i] - 1; /* marked: negative until the round ends */
                    same = 1;
                    break;
                }
        for (int i = 0; i < n; i++)
            if (extra[i] < 0) extra[i] = -extra[i];
        if (!same) break;
    }
    free(extra);
}

/* ---------------------------------------------------------------------- */
/* Freeing and accessors                                                  */
/* ---------------------------------------------------------------------- */

void ibmap_rules_free(ibmap_rules *r)
{
    if (!r) return;
    for (int i = 0; i < r->n_params; i++) {
        free(r->params[i].name);
        free(r->params[i].unit);
        free(r->params[i].description);
    }
    free(r->params);
    for (int k = 0; k < r->n_rules; k++) {
        rules_rule *rule = &r->rules[k];
        free(rule->id);
        free(rule->when);
        free(rule->reason);
        free(rule->source);
        for (int p = 0; p < rule->n_parts; p++) free(rule->parts[p].text);
        free(rule->parts);
        free(rule->uses_param);
    }
    free(r->rules);
    rules_targets_free(r);
    for (int k = 0; k < r->n_ent_rules; k++) {
        rules_rule *rule = &r->ent_rules[k];
        free(rule->id);
        free(rule->when);
        free(rule->reason);
        free(rule->source);
        for (int p = 0; p < rule->n_parts; p++) free(rule->parts[p].text);
        free(rule->parts);
        free(rule->uses_param);
    }
    free(r->ent_rules);
    for (int i = 0; i < r->n_central_towns; i++) free(r->central_towns[i]);
    free(r->central_towns);
    free(r->ent_param);
    free(r->path);
    free(r->name);
    free(r->source);
    free(r);
}

static int param_index(const ibmap_rules *r, const char *name)
{
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i].name, name) == 0) return i;
    return -1;
}

ibmap_status ibmap_rules_set_param(ibmap_ctx *ctx, ibmap_rules *r,
                                   const char *name, double value)
{
    if (!r || !name)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_rules_set_param: NULL argument");
    if (!isfinite(value))
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "param %s: the value must be a finite number",
                          name);
    int i = param_index(r, name);
    if (i < 0) {
        char known[1024] = "";
        for (int j = 0; j < r->n_params; j++) {
            size_t len = strlen(known);
            snprintf(known + len, sizeof known - len, "%s%s", j ? ", " : "",
                     r->params[j].name);
        }
        return ibmap_fail(ctx, IBMAP_ERR_RULES_NAME,
                          "%s: unknown param '%s' (params: %s)", r->path, name,
                          known[0] ? known : "none");
    }
    r->params[i].value = value;
    return IBMAP_OK;
}

ibmap_status ibmap_rules_set_central_towns(ibmap_ctx *ctx, ibmap_rules *r,
                                           const char *const *towns, int n)
{
    if (!r || n < 0 || (n > 0 && !towns))
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_rules_set_central_towns: bad argument");
    char **copy = calloc((size_t)(n > 0 ? n : 1), sizeof *copy);
    int ok = copy != NULL;
    for (int i = 0; ok && i < n; i++) ok = towns[i] && (copy[i] = ibmap_strdup(towns[i]));
    if (!ok) {
        for (int i = 0; copy && i < n; i++) free(copy[i]);
        free(copy);
        return ibmap_nomem(ctx);
    }
    for (int i = 0; i < r->n_central_towns; i++) free(r->central_towns[i]);
    free(r->central_towns);
    r->central_towns = copy;
    r->n_central_towns = n;
    return IBMAP_OK;
}

int ibmap_rules_central_town_count(const ibmap_rules *r)
{
    return r ? r->n_central_towns : 0;
}

const char *ibmap_rules_central_town(const ibmap_rules *r, int i)
{
    return r && i >= 0 && i < r->n_central_towns ? r->central_towns[i] : NULL;
}

const char *ibmap_rules_hash(const ibmap_rules *r)
{
    return r ? r->hash : "";
}

const char *ibmap_rules_name(const ibmap_rules *r)
{
    return r && r->name ? r->name : "";
}

int ibmap_rules_param_count(const ibmap_rules *r)
{
    return r ? r->n_params : 0;
}

const char *ibmap_rules_param_name(const ibmap_rules *r, int i)
{
    return r && i >= 0 && i < r->n_params ? r->params[i].name : NULL;
}

double ibmap_rules_param_value(const ibmap_rules *r, int i)
{
    return r && i >= 0 && i < r->n_params ? r->params[i].value : NAN;
}

int ibmap_rules_rule_count(const ibmap_rules *r)
{
    return r ? r->n_rules : 0;
}

const char *ibmap_rules_rule_id(const ibmap_rules *r, int i)
{
    return r && i >= 0 && i < r->n_rules ? r->rules[i].id : NULL;
}

/* ---------------------------------------------------------------------- */
/* Reading the YAML                                                       */
/* ---------------------------------------------------------------------- */

typedef struct reader {
    ibmap_ctx *ctx;
    ibmap_rules *r;
    yaml_document_t *doc;
    const char *path;
    char where[4200];
} reader;

static const char *at(reader *y, const yaml_node_t *node)
{
    snprintf(y->where, sizeof y->where, "%s:%lu", y->path,
             (unsigned long)node->start_mark.line + 1);
    return y->where;
}

static const char *scalar(const yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE
               ? (const char *)node->data.scalar.value
               : NULL;
}

static yaml_node_t *node(reader *y, int id)
{
    return yaml_document_get_node(y->doc, id);
}

/* Identifiers (param names, rule ids): ASCII letters, digits and '_', not
** starting with a digit.  Rule ids are joined with ';' in `matched`, and
** param names become SQL column names. */
static int is_identifier(const char *s)
{
    if (!s || !*s || isdigit((unsigned char)*s)) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

static char *dup_or_fail(reader *y, const char *s, ibmap_status *st)
{
    char *d = ibmap_strdup(s ? s : "");
    if (!d && !*st) *st = ibmap_nomem(y->ctx);
    return d;
}

/* Set *slot to a copy of s, freeing what it held: a key given twice in
** one mapping (libyaml does not refuse it) takes its last value, as in
** project.c, and the first copy must not leak (found by
** tests/fuzz/fuzz_rules: tests/fuzz/regressions/fuzz_rules/leak-*). */
static void set_or_fail(reader *y, char **slot, const char *s, ibmap_status *st)
{
    free(*slot);
    *slot = dup_or_fail(y, s, st);
}

static ibmap_status read_param(reader *y, yaml_node_t *k, yaml_node_t *v)
{
    ibmap_rules *r = y->r;
    const char *name = scalar(k);
    if (!is_identifier(name))
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: param name '%s' must be letters, digits and _",
                          at(y, k), name ? name : "?");
    if (ibmap_metric_index(name) >= 0)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                          "%s: param '%s' has the name of a metric; rules "
                          "could not tell them apart",
                          at(y, k), name);
    if (strncmp(name, "ibmap_", 6) == 0 || strcmp(name, "block_index") == 0 ||
        strcmp(name, "block_id") == 0)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                          "%s: param name '%s' is reserved", at(y, k), name);
    if (param_index(r, name) >= 0)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: param '%s' is given twice", at(y, k), name);
    const char *value = NULL, *unit = "", *desc = "";
    yaml_node_t *value_node = v;
    if (v->type == YAML_SCALAR_NODE) {
        value = scalar(v);
    } else if (v->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
             p < v->data.mapping.pairs.top; p++) {
            yaml_node_t *pk = node(y, p->key), *pv = node(y, p->value);
            const char *key = scalar(pk);
            if (!key || !scalar(pv))
                return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                                  "%s: param '%s': expected 'key: value'",
                                  at(y, pk), name);
            if (strcmp(key, "value") == 0) {
                value = scalar(pv);
                value_node = pv;
            } else if (strcmp(key, "unit") == 0) {
                unit = scalar(pv);
            } else if (strcmp(key, "description") == 0) {
                desc = scalar(pv);
            } else {
                return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                                  "%s: param '%s': unknown key '%s' (known: "
                                  "value, unit, description)",
                                  at(y, pk), name, key);
            }
        }
    } else {
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: param '%s' must be a number or {value: …, "
                          "unit: …, description: …}",
                          at(y, v), name);
    }
    char *end = NULL;
    errno = 0;
    double d = value ? strtod(value, &end) : NAN;
    if (!value || !*value || *end || errno || !isfinite(d))
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: param '%s' needs a numeric value, not '%s'",
                          at(y, value_node), name, value ? value : "(none)");
    rules_param *grown = realloc(r->params, (size_t)(r->n_params + 1) * sizeof *grown);
    if (!grown) return ibmap_nomem(y->ctx);
    r->params = grown;
    rules_param *p = &r->params[r->n_params];
    memset(p, 0, sizeof *p);
    r->n_params++;
    ibmap_status st = IBMAP_OK;
    p->name = dup_or_fail(y, name, &st);
    p->unit = dup_or_fail(y, unit, &st);
    p->description = dup_or_fail(y, desc, &st);
    p->value = d;
    return st;
}

/* Split a reason into literal text and {placeholders}, each a metric or a
** param. */
static ibmap_status parse_reason(reader *y, rules_rule *rule,
                                 const yaml_node_t *where, int ent)
{
    const char *s = rule->reason;
    while (*s) {
        const char *open = strchr(s, '{');
        size_t lit = open ? (size_t)(open - s) : strlen(s);
        reason_part *grown = realloc(rule->parts, (size_t)(rule->n_parts + 2) * sizeof *grown);
        if (!grown) return ibmap_nomem(y->ctx);
        rule->parts = grown;
        if (lit) {
            reason_part *p = &rule->parts[rule->n_parts++];
            p->metric = p->param = -1;
            p->text = ibmap_strndup(s, lit);
            if (!p->text) return ibmap_nomem(y->ctx);
        }
        if (!open) break;
        const char *close = strchr(open, '}');
        if (!close)
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                              "%s: rule '%s': reason: '{' without a closing "
                              "'}' in \"%s\"",
                              at(y, where), rule->id, rule->reason);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
        reason_part *p = &rule->parts[rule->n_parts++];
        p->text = NULL;
        if (ent) {
            p->metric = ent_column_index(name);
        } else {
            p->metric = ibmap_metric_index(name);
            if (p->metric < 0 && block_ent_index(name) >= 0)
                p->metric = M_COUNT + block_ent_index(name);
        }
        p->param = param_index(y->r, name);
        if (p->metric < 0 && p->param < 0)
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                              "%s: rule '%s': reason: unknown metric or param "
                              "'{%s}'",
                              at(y, where), rule->id, name);
        s = close + 1;
    }
    return IBMAP_OK;
}

static ibmap_status read_rule(reader *y, yaml_node_t *item, int ent)
{
    ibmap_rules *r = y->r;
    if (item->type != YAML_MAPPING_NODE)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: each rule must be a mapping (id:, %s:, "
                          "when:, reason:, …)",
                          at(y, item), ent ? "category" : "class");
    rules_rule **list = ent ? &r->ent_rules : &r->rules;
    int *count = ent ? &r->n_ent_rules : &r->n_rules;
    rules_rule *grown = realloc(*list, (size_t)(*count + 1) * sizeof *grown);
    if (!grown) return ibmap_nomem(y->ctx);
    *list = grown;
    rules_rule *rule = &grown[(*count)++];
    memset(rule, 0, sizeof *rule);
    rule->klass = IBMAP_CLASS_COUNT;
    rule->mode = IBMAP_MODE_NONE;
    rule->line = (unsigned long)item->start_mark.line + 1;
    rule->uses_param = calloc((size_t)(r->n_params ? r->n_params : 1), 1);
    if (!rule->uses_param) return ibmap_nomem(y->ctx);
    yaml_node_t *reason_node = NULL, *class_node = NULL;
    ibmap_status st = IBMAP_OK;
    for (yaml_node_pair_t *p = item->data.mapping.pairs.start;
         !st && p < item->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(y, p->key), *v = node(y, p->value);
        const char *key = scalar(k), *val = scalar(v);
        if (!key || !val)
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                              "%s: rule: expected 'key: text'", at(y, k));
        if (strcmp(key, "id") == 0) {
            if (!is_identifier(val))
                return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                                  "%s: rule id '%s' must be letters, digits "
                                  "and _",
                                  at(y, v), val);
            for (int j = 0; j < *count - 1; j++)
                if (strcmp((*list)[j].id, val) == 0)
                    return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                                      "%s: duplicate rule id '%s' (first at "
                                      "line %lu)",
                                      at(y, v), val, (*list)[j].line);
            set_or_fail(y, &rule->id, val, &st);
        } else if (!ent && strcmp(key, "class") == 0) {
            /* unclassifiable: a rule may say the data do not allow a
            ** class (数据不足), never a planning class from missing data */
            int c = ibmap_class_from_name(val);
            if (c < 0)
                return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                                  "%s: unknown class '%s' (classes: support, "
                                  "consolidate, exit, unclassifiable)",
                                  at(y, v), val);
            rule->klass = (ibmap_class)c;
            class_node = v;
        } else if (ent && strcmp(key, "category") == 0) {
            int c = ibmap_category_from_name(val);
            if (c < 0)
                return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                                  "%s: unknown category '%s' (categories: eliminate, "
                                  "upgrade, cluster, relocate, none)",
                                  at(y, v), val);
            rule->category = (ibmap_category)c;
            class_node = v;
        } else if (!ent && strcmp(key, "mode") == 0) {
            int m = ibmap_mode_from_name(val);
            if (m < 0)
                return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                                  "%s: unknown mode '%s' (modes: "
                                  "industrial_upgrade, function_change, "
                                  "rebuild, partial_renewal, consolidation, "
                                  "organic_renewal; exit methods: relocate, "
                                  "restore, reserve)",
                                  at(y, v), val);
            rule->mode = (ibmap_mode)m;
        } else if (strcmp(key, "when") == 0) {
            set_or_fail(y, &rule->when, val, &st);
        } else if (strcmp(key, "reason") == 0) {
            set_or_fail(y, &rule->reason, val, &st);
            reason_node = v;
        } else if (strcmp(key, "source") == 0) {
            set_or_fail(y, &rule->source, val, &st);
        } else {
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                              "%s: rule: unknown key '%s' (known: %s)",
                              at(y, k), key,
                              ent ? "id, category, when, reason, source"
                                  : "id, class, mode, when, reason, source");
        }
    }
    if (st) return st;
    if (!ent && class_node && rule->mode != IBMAP_MODE_NONE &&
        (rule->klass == IBMAP_CLASS_UNCLASSIFIABLE ||
         (rule->klass == IBMAP_CLASS_EXIT) != ibmap_mode_is_exit_method(rule->mode)))
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                          "%s: rule '%s': class %s cannot have mode %s (an exit "
                          "block gets an exit method: relocate, restore, reserve; "
                          "a kept block a renovation mode; unclassifiable none)",
                          at(y, item), rule->id ? rule->id : "?",
                          ibmap_class_name(rule->klass), ibmap_mode_name(rule->mode));
    const char *missing = !rule->id ? "id"
                          : !class_node ? (ent ? "category" : "class")
                          : !rule->when ? "when"
                          : !rule->reason ? "reason" : NULL;
    if (missing)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: rule%s%s%s has no %s", at(y, item),
                          rule->id ? " '" : "", rule->id ? rule->id : "",
                          rule->id ? "'" : "", missing);
    if (!rule->source && !(rule->source = ibmap_strdup("")))
        return ibmap_nomem(y->ctx);
    return parse_reason(y, rule, reason_node, ent);
}

/* The closing default rule is recognised by its text, so that a reader of
** the file sees at once that it always applies. */
static int is_always_true(const char *when)
{
    while (isspace((unsigned char)*when)) when++;
    size_t n = strlen(when);
    while (n && isspace((unsigned char)when[n - 1])) n--;
    return (n == 1 && when[0] == '1') || (n == 4 && strncasecmp(when, "true", 4) == 0);
}

static ibmap_status read_document(reader *y, yaml_node_t **rules_node,
                                  yaml_node_t **ent_node)
{
    yaml_node_t *root = yaml_document_get_root_node(y->doc);
    if (!root)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX, "%s: the rules file is empty",
                          y->path);
    if (root->type != YAML_MAPPING_NODE)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                          "%s: the rules file must be a mapping (name:, "
                          "source:, params:, rules:)",
                          at(y, root));
    yaml_node_t *params = NULL, *rules = NULL, *ents = NULL, *towns = NULL;
    ibmap_status st = IBMAP_OK;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         !st && p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(y, p->key), *v = node(y, p->value);
        const char *key = scalar(k);
        if (key && strcmp(key, "params") == 0 && v->type == YAML_MAPPING_NODE)
            params = v;
        else if (key && strcmp(key, "rules") == 0 && v->type == YAML_SEQUENCE_NODE)
            rules = v;
        else if (key && strcmp(key, "enterprises") == 0 && v->type == YAML_SEQUENCE_NODE)
            ents = v;
        else if (key && strcmp(key, "central_towns") == 0 && v->type == YAML_SEQUENCE_NODE)
            towns = v;
        else if (key && strcmp(key, "name") == 0 && scalar(v))
            set_or_fail(y, &y->r->name, scalar(v), &st);
        else if (key && strcmp(key, "source") == 0 && scalar(v))
            set_or_fail(y, &y->r->source, scalar(v), &st);
        else if (key && strcmp(key, "sme_parks") == 0)
            st = rules_read_sme_parks(y->ctx, y->path, y->doc, v, y->r);
        else if (key && strcmp(key, "targets") == 0)
            st = rules_read_targets(y->ctx, y->path, y->doc, v, y->r);
        else if (key && (strcmp(key, "params") == 0 || strcmp(key, "rules") == 0 ||
                         strcmp(key, "name") == 0 || strcmp(key, "source") == 0 ||
                         strcmp(key, "enterprises") == 0 ||
                         strcmp(key, "central_towns") == 0))
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                              "%s: '%s' must be %s", at(y, v), key,
                              strcmp(key, "params") == 0 ? "a mapping of name: {value: …}"
                              : strcmp(key, "rules") == 0 ||
                                      strcmp(key, "enterprises") == 0 ? "a list of rules"
                              : strcmp(key, "central_towns") == 0 ? "a list of town names"
                                                          : "text");
        else
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                              "%s: unknown key '%s' (known: name, source, "
                              "params, central_towns, enterprises, rules, sme_parks, "
                              "targets)",
                              at(y, k), key ? key : "?");
    }
    if (st) return st;
    /* Params first: reasons refer to them. */
    for (yaml_node_pair_t *p = params ? params->data.mapping.pairs.start : NULL;
         params && p < params->data.mapping.pairs.top; p++)
        if ((st = read_param(y, node(y, p->key), node(y, p->value)))) return st;
    if (!rules || rules->data.sequence.items.start == rules->data.sequence.items.top)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_DEFAULT,
                          "%s: no rules; the file needs at least the closing "
                          "default rule (when: \"1\")",
                          y->path);
    for (yaml_node_item_t *it = rules->data.sequence.items.start;
         it < rules->data.sequence.items.top; it++)
        if ((st = read_rule(y, node(y, *it), 0))) return st;
    for (yaml_node_item_t *it = ents ? ents->data.sequence.items.start : NULL;
         ents && it < ents->data.sequence.items.top; it++)
        if ((st = read_rule(y, node(y, *it), 1))) return st;
    for (yaml_node_item_t *it = towns ? towns->data.sequence.items.start : NULL;
         towns && it < towns->data.sequence.items.top; it++) {
        const char *t = scalar(node(y, *it));
        if (!t || !*t)
            return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                              "%s: central_towns: each item must be a town name",
                              at(y, node(y, *it)));
        char **grown = realloc(y->r->central_towns,
                               (size_t)(y->r->n_central_towns + 1) * sizeof *grown);
        if (!grown) return ibmap_nomem(y->ctx);
        y->r->central_towns = grown;
        if (!(grown[y->r->n_central_towns] = ibmap_strdup(t)))
            return ibmap_nomem(y->ctx);
        y->r->n_central_towns++;
    }
    /* What the enterprise stage reads: the enterprise rules' params and
    ** tax_floor, the 低效 line.  A block rule reading block_ent reads them
    ** too, through the enterprises (so stability and sweeps move it). */
    ibmap_rules *r = y->r;
    r->tax_floor = param_index(r, "tax_floor");
    r->ent_param = calloc((size_t)(r->n_params ? r->n_params : 1), 1);
    if (!r->ent_param) return ibmap_nomem(y->ctx);
    *rules_node = rules;
    *ent_node = ents;
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Compiling every `when`                                                 */
/* ---------------------------------------------------------------------- */

/* The in-memory stand-in for a workspace: block_metrics and enterprises
** with every column (two rows of NULLs each), the per-block enterprise
** summary and the params, each defined where the real ones are. */
static int open_check_db(const ibmap_rules *r, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
    char *ddl[3] = {NULL, NULL, NULL};
    if (rc == SQLITE_OK) {
        ddl[0] = ibmap_block_metrics_ddl();
        ddl[1] = ibmap_enterprises_ddl();
        ddl[2] = rules_block_ent_ddl();
        if (!ddl[0] || !ddl[1] || !ddl[2]) rc = SQLITE_NOMEM;
    }
    for (int i = 0; i < 3 && rc == SQLITE_OK; i++) rc = sqlite3_exec(db, ddl[i], NULL, NULL, NULL);
    for (int i = 0; i < 3; i++) free(ddl[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db,
                          "INSERT INTO block_metrics(block_index) VALUES (0), (1);"
                          "INSERT INTO enterprises(ent_index) VALUES (0), (1);",
                          NULL, NULL, NULL);
    double *values = malloc((size_t)(r->n_params ? r->n_params : 1) * sizeof *values);
    if (!values && rc == SQLITE_OK) rc = SQLITE_NOMEM;
    for (int i = 0; values && i < r->n_params; i++) values[i] = r->params[i].value;
    if (rc == SQLITE_OK) rc = rules_fill_params(db, r, values, NULL, 1);
    free(values);
    rules_db_harden(db);
    *out = db;
    return rc;
}

/* "no such column: x" is how SQLite names an unknown metric or param. */
static ibmap_status when_error(reader *y, const rules_rule *rule,
                               const yaml_node_t *where, sqlite3 *db,
                               const rules_guard *g)
{
    const char *msg = sqlite3_errmsg(db);
    if (g->denied[0])
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_DENIED,
                          "%s: rule '%s': when: refused: the expression %s: "
                          "%s",
                          at(y, where), rule->id, g->denied, rule->when);
    if (strncmp(msg, "no such column: ", 16) == 0)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                          "%s: rule '%s': when: unknown metric or param '%s' "
                          "in: %s",
                          at(y, where), rule->id, msg + 16, rule->when);
    /* Only block_metrics and the params exist for a rule: any other table
    ** is refused, whether the workspace has it or not. */
    if (strncmp(msg, "no such table: ", 15) == 0)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_DENIED,
                          "%s: rule '%s': when: refused: the expression reads "
                          "table %s (rules may read block metrics and params "
                          "only): %s",
                          at(y, where), rule->id, msg + 15, rule->when);
    if (strncmp(msg, "no such function: ", 18) == 0)
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_NAME,
                          "%s: rule '%s': when: unknown function '%s' in: %s",
                          at(y, where), rule->id, msg + 18, rule->when);
    return ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                      "%s: rule '%s': when: %s in: %s", at(y, where), rule->id,
                      msg, rule->when);
}

/* Compile one `when` alone, as the scan will (in parentheses, on lines of
** its own), and run it over two rows: it must be one statement, give one
** column, and give one row per block (no aggregate). */
/* Whether `when` holds a ';' that ends a statement (not one in a string
** or a comment): SQLite's own tokenizer, through sqlite3_complete(), says
** so for the text up to each ';'. */
static int has_statement_end(const char *when)
{
    for (const char *p = strchr(when, ';'); p; p = strchr(p + 1, ';')) {
        char *prefix = ibmap_strndup(when, (size_t)(p - when) + 1);
        int complete = !prefix || sqlite3_complete(prefix);
        free(prefix);
        if (complete) return 1;
    }
    return 0;
}

static ibmap_status check_when(reader *y, sqlite3 *db, rules_rule *rule,
                               const yaml_node_t *where, int ent)
{
    if (has_statement_end(rule->when))
        return ibmap_fail(y->ctx, IBMAP_ERR_RULES_DENIED,
                          "%s: rule '%s': when: refused: ';' ends the expression "
                          "and a second SQL statement follows: %s",
                          at(y, where), rule->id, rule->when);
    char *sql = ent ? ibmap_sprintf("SELECT (\n%s\n) FROM main.enterprises, temp."
                                    RULES_PARAMS_TABLE, rule->when)
                    : ibmap_sprintf("SELECT (\n%s\n) FROM temp." RULES_PARAMS_TABLE
                                    " CROSS JOIN main.block_metrics LEFT JOIN temp."
                                    RULES_BLOCK_ENT_TABLE " ON " RULES_BLOCK_ENT_TABLE
                                    ".block_index = block_metrics.block_index",
                                    rule->when);
    if (!sql) return ibmap_nomem(y->ctx);
    rules_guard g;
    rules_guard_on(db, &g);
    g.rules = y->r;
    g.uses = rule->uses_param;
    g.reads_ent = &rule->reads_ent;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
    ibmap_status status = IBMAP_OK;
    if (rc != SQLITE_OK) {
        status = when_error(y, rule, where, db, &g);
    } else if (!st) {
        status = ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX, "%s: rule '%s': when is empty",
                            at(y, where), rule->id);
    } else {
        while (tail && isspace((unsigned char)*tail)) tail++;
        if (tail && *tail)
            status = ibmap_fail(y->ctx, IBMAP_ERR_RULES_DENIED,
                                "%s: rule '%s': when: refused: a second SQL "
                                "statement follows the expression: %s",
                                at(y, where), rule->id, rule->when);
        else if (sqlite3_column_count(st) != 1)
            status = ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                                "%s: rule '%s': when must be one expression, "
                                "not a list: %s",
                                at(y, where), rule->id, rule->when);
    }
    int rows = 0;
    while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) rows++;
    if (!status && rc != SQLITE_DONE)
        status = ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                            "%s: rule '%s': when fails: %s in: %s", at(y, where),
                            rule->id, sqlite3_errmsg(db), rule->when);
    else if (!status && rows != 2)
        status = ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                            "%s: rule '%s': when uses an aggregate (count, "
                            "sum, min or max of one value…); a rule is about "
                            "one block: %s",
                            at(y, where), rule->id, rule->when);
    sqlite3_finalize(st);
    rules_guard_off(db);
    free(sql);
    return status;
}

/* Check one list of rules (block rules, or with `ent` enterprise rules). */
static ibmap_status check_list(reader *y, sqlite3 *db, yaml_node_t *list_node,
                               rules_rule *rules, int n, int ent)
{
    ibmap_status st = IBMAP_OK;
    yaml_node_item_t *it = list_node ? list_node->data.sequence.items.start : NULL;
    for (int k = 0; !st && k < n; k++, it++) {
        yaml_node_t *item = node(y, *it);
        /* The line of the `when` itself, for its errors. */
        yaml_node_t *when_node = item;
        for (yaml_node_pair_t *p = item->data.mapping.pairs.start;
             p < item->data.mapping.pairs.top; p++)
            if (strcmp(scalar(node(y, p->key)), "when") == 0) when_node = node(y, p->value);
        st = check_when(y, db, &rules[k], when_node, ent);
        if (!st && k < n - 1 && is_always_true(rules[k].when))
            st = ibmap_fail(y->ctx, IBMAP_ERR_RULES_DEFAULT,
                            "%s: rule '%s' always applies, so the rules after "
                            "it never would; only the last rule may be the "
                            "default",
                            at(y, when_node), rules[k].id);
        if (!st && k == n - 1 && !is_always_true(rules[k].when))
            st = ibmap_fail(y->ctx, IBMAP_ERR_RULES_DEFAULT,
                            "%s: the last rule '%s' must be the closing "
                            "default, with when: \"1\", so that every %s "
                            "gets a %s (its when is: %s)",
                            at(y, when_node), rules[k].id, ent ? "enterprise" : "block",
                            ent ? "category" : "class", rules[k].when);
    }
    return st;
}

static ibmap_status check_rules(reader *y, yaml_node_t *rules_node, yaml_node_t *ent_node)
{
    ibmap_rules *r = y->r;
    sqlite3 *db = NULL;
    if (open_check_db(r, &db) != SQLITE_OK) {
        ibmap_status st = ibmap_fail(y->ctx, IBMAP_ERR_INTERNAL,
                                     "cannot set up SQLite to check rules: %s",
                                     db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    ibmap_status st = check_list(y, db, rules_node, r->rules, r->n_rules, 0);
    if (!st) st = check_list(y, db, ent_node, r->ent_rules, r->n_ent_rules, 1);
    /* The params the enterprise stage reads, and the block rules that read
    ** them through block_ent. */
    if (r->tax_floor >= 0) r->ent_param[r->tax_floor] = 1;
    for (int k = 0; k < r->n_ent_rules; k++)
        for (int i = 0; i < r->n_params; i++)
            if (r->ent_rules[k].uses_param[i]) r->ent_param[i] = 1;
    for (int k = 0; k < r->n_rules; k++) {
        int reads = r->rules[k].reads_ent;
        for (int p = 0; p < r->rules[k].n_parts; p++)
            if (r->rules[k].parts[p].metric >= M_COUNT) reads = 1;
        r->rules[k].reads_ent = (unsigned char)reads;
        for (int i = 0; reads && i < r->n_params; i++)
            if (r->ent_param[i]) r->rules[k].uses_param[i] = 1;
    }
    /* The whole scans, once, as classify.c will compile them. */
    for (int pass = 0; !st && pass < 2; pass++) {
        int cols[RULES_N_METRICS], first, base = -1, zero = 0;
        char *sql = pass == 0 ? rules_scan_sql(r, 1, &base, 1, cols, &first)
                              : rules_ent_scan_sql(r, &zero, 1, cols, &first);
        rules_guard g;
        rules_guard_on(db, &g);
        sqlite3_stmt *q = NULL;
        if (!sql)
            st = ibmap_nomem(y->ctx);
        else if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
            st = ibmap_fail(y->ctx, IBMAP_ERR_RULES_SYNTAX,
                            "%s: the %srules do not compile together: %s%s%s", y->path,
                            pass ? "enterprise " : "", sqlite3_errmsg(db),
                            g.denied[0] ? ": " : "", g.denied);
        sqlite3_finalize(q);
        rules_guard_off(db);
        free(sql);
    }
    sqlite3_close(db);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Reading a file                                                         */
/* ---------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *size = len;
    return buf;
}

ibmap_status ibmap_rules_read(ibmap_ctx *ctx, const char *path, ibmap_rules **out)
{
    if (!path || !out) return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_rules_read: NULL argument");
    size_t size = 0;
    char *text = slurp(path, &size);
    if (!text)
        return ibmap_fail(ctx, IBMAP_ERR_OPEN, "%s: cannot read rules file: %s", path,
                          strerror(errno ? errno : EIO));
    ibmap_rules *r = calloc(1, sizeof *r);
    if (r) rules_sme_defaults(&r->sme);
    if (!r || !(r->path = ibmap_strdup(path)) || !rules_targets_defaults(r)) {
        free(text);
        ibmap_rules_free(r);
        return ibmap_nomem(ctx);
    }
    /* The hash identifies the file in stored scenarios. */
    uint64_t h = ibmap_hash_bytes(IBMAP_HASH_INIT, text, size);
    snprintf(r->hash, sizeof r->hash, "%016llx", (unsigned long long)h);

    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
    ibmap_status st = IBMAP_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        st = ibmap_fail(ctx, IBMAP_ERR_RULES_SYNTAX, "%s:%lu:%lu: %s%s%s", path,
                        (unsigned long)parser.problem_mark.line + 1,
                        (unsigned long)parser.problem_mark.column + 1,
                        parser.problem ? parser.problem : "syntax error",
                        parser.context ? " " : "", parser.context ? parser.context : "");
    } else {
        reader y = {ctx, r, &doc, path, {0}};
        yaml_node_t *rules_node = NULL;
        yaml_node_t *ent_node = NULL;
        st = read_document(&y, &rules_node, &ent_node);
        if (!st) st = check_rules(&y, rules_node, ent_node);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    free(text);
    if (!st && ((!r->name && !(r->name = ibmap_strdup(""))) ||
                (!r->source && !(r->source = ibmap_strdup("")))))
        st = ibmap_nomem(ctx);
    if (st) {
        ibmap_rules_free(r);
        return st;
    }
    *out = r;
    return IBMAP_OK;
}
