/*
** enterprises.c — the enterprise stage of classify: the enterprise rules
** (the `enterprises:` section of a rules file) put every enterprise of the
** workspace in a 项目清单 category (三、(二)) or none, and flag it 低效 when
** its 亩均税收 is under tax_floor (一、(三)); then each block's enterprises
** are summarised into temp.block_ent (block_ent_list.h), which the block
** rules read beside block_metrics.
**
** The rules are evaluated by the same machinery as the block rules (rules.c:
** guarded SQL, truths packed in bits, one scan over temp.params joined with
** main.enterprises).  Only the variants that move a param the enterprise
** stage reads (rules_ent_param) get enterprise results of their own; every
** other variant joins those of variant 0 (temp.params.ibmap_evariant).  A
** workspace without an enterprises table (made by hand, or before format 3)
** has no enterprises: every block's n_enterprises is 0.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/rules.h"

void ent_result_clear(ent_result *e)
{
    ibmap_arena_free(&e->texts);
    free(e->category);
    free(e->low_eff);
    free(e->rule);
    free(e->reason);
    free(e->id);
    free(e->name);
    free(e->block_id);
    free(e->town);
    free(e->division);
    free(e->chain);
    free(e->land_mu);
    free(e->tax_per_mu);
    free(e->va_per_mu);
    memset(e, 0, sizeof *e);
}

static int has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return found;
}

/* Column col of q's row in e's texts; NULL when it is NULL (or memory
** ran out: *nomem is set then). */
static char *dup_col(ent_result *e, sqlite3_stmt *q, int col, int *nomem)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    char *copy = t ? ibmap_arena_strndup(&e->texts, t, (size_t)sqlite3_column_bytes(q, col))
                   : NULL;
    if (t && !copy) *nomem = 1;
    return copy;
}

/* The reason of enterprise rule k for the current row of q. */
static char *ent_reason(const ibmap_rules *r, int k, sqlite3_stmt *q, const int col[EC_COUNT])
{
    const rules_rule *rule = &r->ent_rules[k];
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    /* The numbers first, formatted together (rules_format_values): a
    ** value and its threshold never print the same. */
    int n = rule->n_parts > 0 ? rule->n_parts : 1;
    double *v = malloc((size_t)n * sizeof *v);
    const char **unit = malloc((size_t)n * sizeof *unit);
    char *nums = malloc((size_t)n * 128), **num = malloc((size_t)n * sizeof *num);
    int *slot = malloc((size_t)n * sizeof *slot), n_num = 0;
    if (!out || !v || !unit || !nums || !num || !slot) {
        free(out), free(v), free(unit), free(nums), free(num), free(slot);
        return NULL;
    }
    out[0] = '\0';
    for (int p = 0; p < rule->n_parts; p++) {
        const reason_part *part = &rule->parts[p];
        slot[p] = -1;
        if (part->text) continue;
        if (part->param >= 0) {
            v[n_num] = r->params[part->param].value;
            unit[n_num] = r->params[part->param].unit;
        } else {
            int c = col[part->metric];
            const rules_column *rc = &rules_ent_columns[part->metric];
            if (sqlite3_column_type(q, c) == SQLITE_NULL || rc->text) continue;
            v[n_num] = sqlite3_column_double(q, c);
            unit[n_num] = rules_name_is_share(rc->name) ? "share" : rc->unit;
        }
        num[n_num] = nums + 128 * n_num;
        slot[p] = n_num++;
    }
    rules_format_values(n_num, v, unit, num, 128);
    for (int p = 0; p < rule->n_parts; p++) {
        const reason_part *part = &rule->parts[p];
        const char *piece;
        if (part->text) {
            piece = part->text;
        } else if (slot[p] >= 0) {
            piece = num[slot[p]];
        } else {
            int c = col[part->metric];
            piece = sqlite3_column_type(q, c) == SQLITE_NULL
                        ? "—"
                        : (const char *)sqlite3_column_text(q, c);
        }
        size_t m = strlen(piece);
        if (len + m + 1 > cap) {
            while (len + m + 1 > cap) cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                out = NULL;
                break;
            }
            out = grown;
        }
        memcpy(out + len, piece, m + 1);
        len += m;
    }
    free(v), free(unit), free(nums), free(num), free(slot);
    return out;
}

/* The enterprises' descriptive columns, for results and rankings. */
static ibmap_status read_enterprises(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                                     ent_result *e)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT ent_id, name, land_mu, tax_per_mu, va_per_mu, block_id,"
                           " town, industry_division, chain FROM enterprises ORDER BY ent_index",
                           -1, &q, NULL) != SQLITE_OK)
        return ibmap_fail(ctx, IBMAP_ERR_READ, "%s: enterprises: %s", path, sqlite3_errmsg(db));
    int ok = 1, nomem = 0;
    for (int64_t i = 0; ok && i < e->n && sqlite3_step(q) == SQLITE_ROW; i++) {
        e->id[i] = dup_col(e, q, 0, &nomem);
        e->name[i] = dup_col(e, q, 1, &nomem);
        e->land_mu[i] = sqlite3_column_type(q, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 2);
        e->tax_per_mu[i] =
            sqlite3_column_type(q, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 3);
        e->va_per_mu[i] =
            sqlite3_column_type(q, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 4);
        e->block_id[i] = dup_col(e, q, 5, &nomem);
        e->town[i] = dup_col(e, q, 6, &nomem);
        e->division[i] = dup_col(e, q, 7, &nomem);
        e->chain[i] = dup_col(e, q, 8, &nomem);
        ok = e->id[i] != NULL && !nomem;
    }
    sqlite3_finalize(q);
    return ok ? IBMAP_OK : ibmap_nomem(ctx);
}

/* An SQL string literal of s ('' doubled); malloc'd. */
static char *sql_quote(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++) n += *p == '\'' ? 2 : 1;
    char *out = malloc(n), *o = out;
    if (!out) return NULL;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') *o++ = '\'';
        *o++ = *p;
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

/* The per-block summary of the enterprises, into temp.block_ent, for the
** variants listed in temp.ibmap_ev; with `only_listed`, for the blocks of
** temp.ibmap_be_blocks only. */
static char *block_ent_sql(const ibmap_rules *r, int with_enterprises, int only_listed)
{
    /* in_central_town: the block's town among the rules' central_towns */
    size_t cap = 8192;
    for (int i = 0; i < r->n_central_towns; i++) cap += 2 * strlen(r->central_towns[i]) + 8;
    char *sql = malloc(cap);
    if (!sql) return NULL;
    size_t len = 0;
    char towns[16] = "NULL";
    len += (size_t)snprintf(sql + len, cap - len, "INSERT INTO temp." RULES_BLOCK_ENT_TABLE);
    if (!with_enterprises) {
        len += (size_t)snprintf(sql + len, cap - len,
                                " SELECT v.e, bm.block_index, 0, 0, 0, NULL, NULL, NULL, NULL,"
                                " 0, NULL, NULL, NULL, NULL, NULL, NULL, coalesce(bm.town IN (");
    } else {
        len += (size_t)snprintf(
            sql + len, cap - len,
            " SELECT v.e, bm.block_index, count(DISTINCT ep.ent_index),"
            " count(DISTINCT CASE WHEN c.low_eff = 1 THEN ep.ent_index END),"
            " total(CASE WHEN c.low_eff = 1 THEN ep.land_mu END),"
            " total(CASE WHEN c.low_eff = 1 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN c.low_eff IS NULL AND ep.ent_index IS NOT NULL THEN ep.land_mu END)"
            "  / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN e.is_lsl = 1 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN e.is_small = 1 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " count(DISTINCT CASE WHEN c.category > 0 THEN ep.ent_index END),"
            " total(CASE WHEN c.category = 1 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN c.category = 2 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN c.category = 3 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN c.category = 4 THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " total(CASE WHEN e.chain IS NOT NULL THEN ep.land_mu END) / nullif(total(ep.land_mu), 0),"
            " (SELECT bc.main_chain FROM temp.ibmap_block_chain AS bc"
            "  WHERE bc.block_index = bm.block_index),"
            " coalesce(bm.town IN (");
    }
    if (r->n_central_towns == 0) len += (size_t)snprintf(sql + len, cap - len, "%s", towns);
    for (int i = 0; i < r->n_central_towns; i++) {
        char *q = sql_quote(r->central_towns[i]);
        if (!q) {
            free(sql);
            return NULL;
        }
        len += (size_t)snprintf(sql + len, cap - len, "%s%s", i ? ", " : "", q);
        free(q);
    }
    len += (size_t)snprintf(sql + len, cap - len, "), 0)");
    if (!with_enterprises)
        snprintf(sql + len, cap - len,
                 " FROM temp.ibmap_ev AS v CROSS JOIN main.block_metrics AS bm");
    else
        snprintf(sql + len, cap - len,
                 " FROM temp.ibmap_ev AS v CROSS JOIN main.block_metrics AS bm"
                 " LEFT JOIN temp.ibmap_epb AS ep INDEXED BY ibmap_epb_block"
                 " ON ep.block_index = bm.block_index"
                 " LEFT JOIN main.enterprises AS e ON e.ent_index = ep.ent_index"
                 " LEFT JOIN temp.ibmap_ent_cat AS c ON c.ev = v.e AND c.ent_index = ep.ent_index"
                 "%s GROUP BY v.e, bm.block_index",
                 only_listed ? " WHERE bm.block_index IN (SELECT block_index FROM"
                               " temp.ibmap_be_blocks)"
                             : "");
    return sql;
}

static int exec_ok(sqlite3 *db, const char *sql)
{
    return sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* The block summary of variant w (an enterprise variant other than 0), of
** which n_changed enterprises differ from variant 0 in category or 低效
** flag (temp.ibmap_ent_cat holds theirs, ev = w).  The 27-odd variants
** share nearly everything: a block none of whose enterprises changed has
** variant 0's summary, copied; only the blocks holding a changed
** enterprise are summarised again, by the same statement, with the ev-w
** rows of their enterprises completed from variant 0.  So every value is
** what summarising every block for w would give, bit for bit (the same
** rows summed in the same order).  With nothing changed, ev[w] becomes 0:
** the variant reads variant 0's rows. */
static ibmap_status block_ent_variant(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                                      const ibmap_rules *r, int w, int64_t n_changed, int *ev)
{
    if (n_changed == 0) {
        ev[w] = 0;
        return IBMAP_OK;
    }
    ibmap_strbuf cols = {0};
    for (int k = 0; k < BE_COUNT; k++)
        ibmap_strbuf_printf(&cols, ", \"%s\"", rules_block_ent_columns[k].name);
    char *columns = ibmap_strbuf_take(&cols);
    char *pick = ibmap_sprintf(
        "DELETE FROM temp.ibmap_be_blocks;"
        "INSERT INTO temp.ibmap_be_blocks SELECT DISTINCT ep.block_index"
        " FROM temp.ibmap_ent_cat AS c JOIN main.enterprise_parcels AS ep"
        " ON ep.ent_index = c.ent_index WHERE c.ev = %d AND ep.block_index IS NOT NULL;"
        "INSERT OR IGNORE INTO temp.ibmap_ent_cat SELECT %d, c.ent_index, c.category,"
        " c.low_eff FROM temp.ibmap_ent_cat AS c WHERE c.ev = 0 AND c.ent_index IN"
        " (SELECT ep.ent_index FROM main.enterprise_parcels AS ep WHERE ep.block_index IN"
        " (SELECT block_index FROM temp.ibmap_be_blocks));"
        "INSERT INTO temp." RULES_BLOCK_ENT_TABLE " SELECT %d, block_index%s FROM temp."
        RULES_BLOCK_ENT_TABLE " WHERE " RULES_EVARIANT_COLUMN " = 0 AND block_index NOT IN"
        " (SELECT block_index FROM temp.ibmap_be_blocks);"
        "DELETE FROM temp.ibmap_ev; INSERT INTO temp.ibmap_ev VALUES (%d);",
        w, w, w, columns ? columns : "", w);
    char *agg = block_ent_sql(r, 1, 1);
    ibmap_status st = IBMAP_OK;
    if (!columns || !pick || !agg)
        st = ibmap_nomem(ctx);
    else if (!exec_ok(db, pick) || !exec_ok(db, agg))
        st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: summarising the enterprises per block "
                        "failed: %s", path, sqlite3_errmsg(db));
    free(columns);
    free(pick);
    free(agg);
    return st;
}

ibmap_status ent_stage(ibmap_ctx *ctx, sqlite3 *db, const char *path, const ibmap_rules *r,
                       const int *variant_param, int n_variants, int want_text,
                       ent_result *out)
{
    memset(out, 0, sizeof *out);
    /* Which variants have enterprise results of their own. */
    int *ev = malloc((size_t)n_variants * sizeof *ev), *which = malloc((size_t)n_variants * sizeof *which);
    /* per variant: its enterprises whose category or 低效 flag differ
    ** from variant 0's */
    int64_t *changed = calloc((size_t)n_variants, sizeof *changed);
    int n_which = 0;
    if (!ev || !which || !changed) {
        free(ev);
        free(which);
        free(changed);
        return ibmap_nomem(ctx);
    }
    for (int v = 0; v < n_variants; v++) {
        int p = variant_param[v];
        ev[v] = v > 0 && p >= 0 && r->ent_param[p] ? v : 0;
        if (ev[v] == v) which[n_which++] = v;
    }
    ibmap_status st = IBMAP_OK;
    int with_ent = has_table(db, "enterprises") && has_table(db, "enterprise_parcels");
    char *block_ent = rules_block_ent_ddl();
    if (!block_ent) st = ibmap_nomem(ctx);
    if (!st && (sqlite3_exec(db,
                             "DROP TABLE IF EXISTS temp." RULES_BLOCK_ENT_TABLE ";"
                             "DROP TABLE IF EXISTS temp.ibmap_ent_cat;"
                             "DROP TABLE IF EXISTS temp.ibmap_ev;"
                             "CREATE TEMP TABLE ibmap_ent_cat(ev INTEGER, ent_index INTEGER,"
                             " category INTEGER, low_eff INTEGER, PRIMARY KEY (ev, ent_index));"
                             "CREATE TEMP TABLE ibmap_ev(e INTEGER PRIMARY KEY);"
                             "DROP TABLE IF EXISTS temp.ibmap_be_blocks;"
                             "CREATE TEMP TABLE ibmap_be_blocks(block_index INTEGER PRIMARY KEY);",
                             NULL, NULL, NULL) != SQLITE_OK ||
                sqlite3_exec(db, block_ent, NULL, NULL, NULL) != SQLITE_OK ||
                rules_set_evariants(db, ev, n_variants) != SQLITE_OK))
        st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: cannot set up the enterprise stage: %s", path,
                        sqlite3_errmsg(db));
    free(block_ent);
    /* What every variant's summary reads and no param changes, made once
    ** (the summary runs for variant 0, then again for the blocks of each
    ** variant whose enterprises changed: at 100,000 blocks SQLite built
    ** an automatic index over all of enterprise_parcels each time, 2 to
    ** 3 s, and ran the main-chain subquery again for every block):
    **   ibmap_epb          the parcels in blocks, indexed by block, with
    **                      the columns the summary reads: the index is the
    **                      automatic one's, (block_index, ent_index,
    **                      land_mu, then the row in parcel order), so a
    **                      block's rows are summed in the same order;
    **   ibmap_block_chain  each block's main chain (block_ent_list.h),
    **                      by the subquery the summary ran per block. */
    if (!st && with_ent &&
        sqlite3_exec(db,
                     "DROP TABLE IF EXISTS temp.ibmap_epb;"
                     "DROP TABLE IF EXISTS temp.ibmap_block_chain;"
                     "CREATE TEMP TABLE ibmap_epb AS SELECT block_index, ent_index, land_mu"
                     " FROM main.enterprise_parcels WHERE block_index IS NOT NULL"
                     " ORDER BY parcel_index;"
                     "CREATE INDEX temp.ibmap_epb_block ON ibmap_epb(block_index, ent_index,"
                     " land_mu);"
                     "CREATE TEMP TABLE ibmap_block_chain(block_index INTEGER PRIMARY KEY,"
                     " main_chain TEXT);"
                     "INSERT INTO temp.ibmap_block_chain SELECT bm.block_index,"
                     " (SELECT e2.chain FROM main.enterprise_parcels AS ep2"
                     " JOIN main.enterprises AS e2 ON e2.ent_index = ep2.ent_index"
                     " WHERE ep2.block_index = bm.block_index AND e2.chain IS NOT NULL"
                     " GROUP BY e2.chain ORDER BY total(ep2.land_mu) DESC, e2.chain LIMIT 1)"
                     " FROM main.block_metrics AS bm;",
                     NULL, NULL, NULL) != SQLITE_OK)
        st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: cannot set up the enterprise stage: %s", path,
                        sqlite3_errmsg(db));
    sqlite3_stmt *ins = NULL;
    /* Without enterprises every variant's summary is made at once; with
    ** them, variant 0's first and the others from it (below). */
    if (!st && sqlite3_prepare_v2(db, "INSERT INTO temp.ibmap_ev VALUES (?)", -1, &ins, NULL) ==
                   SQLITE_OK)
        for (int i = 0; i < (with_ent ? 1 : n_which); i++) {
            sqlite3_reset(ins);
            sqlite3_bind_int(ins, 1, which[i]);
            sqlite3_step(ins);
        }
    sqlite3_finalize(ins);
    ins = NULL;
    int64_t n = 0;
    if (!st && with_ent) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM enterprises", -1, &q, NULL) ==
                SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    out->n = n;
    size_t nn = (size_t)(n > 0 ? n : 1);
    out->category = calloc(nn, 1);
    out->low_eff = malloc(nn);
    out->rule = calloc(nn, sizeof *out->rule);
    out->reason = calloc(nn, sizeof *out->reason);
    out->id = calloc(nn, sizeof *out->id);
    out->name = calloc(nn, sizeof *out->name);
    out->block_id = calloc(nn, sizeof *out->block_id);
    out->town = calloc(nn, sizeof *out->town);
    out->division = calloc(nn, sizeof *out->division);
    out->chain = calloc(nn, sizeof *out->chain);
    out->land_mu = malloc(nn * sizeof *out->land_mu);
    out->tax_per_mu = malloc(nn * sizeof *out->tax_per_mu);
    out->va_per_mu = malloc(nn * sizeof *out->va_per_mu);
    if (!st && (!out->category || !out->low_eff || !out->rule || !out->reason || !out->id ||
                !out->name || !out->block_id || !out->town || !out->division || !out->chain ||
                !out->land_mu || !out->tax_per_mu || !out->va_per_mu))
        st = ibmap_nomem(ctx);
    if (!st && with_ent && n > 0) {
        int col[EC_COUNT], first;
        char *scan = rules_ent_scan_sql(r, which, n_which, col, &first);
        rules_guard g;
        rules_guard_on(db, &g);
        sqlite3_stmt *q = NULL;
        if (!scan)
            st = ibmap_nomem(ctx);
        else if (sqlite3_prepare_v2(db, scan, -1, &q, NULL) != SQLITE_OK)
            st = ibmap_fail(ctx, g.denied[0] ? IBMAP_ERR_RULES_DENIED : IBMAP_ERR_READ,
                            "%s: the enterprise rules of %s cannot be evaluated on this "
                            "workspace: %s%s%s",
                            path, r->path, sqlite3_errmsg(db), g.denied[0] ? ": " : "",
                            g.denied);
        rules_guard_off(db);
        free(scan);
        if (!st && (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
                    sqlite3_prepare_v2(db, "INSERT INTO temp.ibmap_ent_cat VALUES (?,?,?,?)", -1,
                                       &ins, NULL) != SQLITE_OK))
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: %s", path, sqlite3_errmsg(db));
        int rc = SQLITE_DONE;
        while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            int64_t i = sqlite3_column_int64(q, 0);
            int v = sqlite3_column_int(q, 1);
            int low = sqlite3_column_type(q, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 2) != 0;
            int k = -1;
            sqlite3_int64 mask = 0;
            for (int j = 0; j < r->n_ent_rules && k < 0; j++) {
                if (j % RULES_PER_MASK == 0)
                    mask = sqlite3_column_int64(q, first + j / RULES_PER_MASK);
                if ((mask >> (j % RULES_PER_MASK)) & 1) k = j;
            }
            int cat = k < 0 ? IBMAP_CATEGORY_NONE : (int)r->ent_rules[k].category;
            if (i < 0 || i >= n) {
                st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: enterprises rows are not 0..%lld",
                                path, (long long)n - 1);
                break;
            }
            if (v == 0) {
                out->category[i] = (unsigned char)cat;
                out->low_eff[i] = (signed char)low;
                out->rule[i] = ibmap_arena_strdup(&out->texts,
                                                  k < 0 ? "" : r->ent_rules[k].id);
                char *why = want_text && k >= 0 ? ent_reason(r, k, q, col) : NULL;
                out->reason[i] = !(want_text && k >= 0) ? ibmap_arena_strdup(&out->texts, "")
                                 : why ? ibmap_arena_strdup(&out->texts, why) : NULL;
                free(why);
                if (!out->rule[i] || !out->reason[i])
                    st = ibmap_nomem(ctx);
            }
            /* The rows come variant by variant, 0 first.  Of the other
            ** variants only what differs from variant 0 is kept: most
            ** enterprises are in the same category whichever param moves
            ** by 10%. */
            if (v > 0 && v < n_variants && out->category[i] == (unsigned char)cat &&
                out->low_eff[i] == (signed char)low)
                continue;
            if (v > 0 && v < n_variants) changed[v]++;
            sqlite3_reset(ins);
            sqlite3_bind_int(ins, 1, v);
            sqlite3_bind_int64(ins, 2, i);
            sqlite3_bind_int(ins, 3, cat);
            if (low >= 0) sqlite3_bind_int(ins, 4, low);
            else sqlite3_bind_null(ins, 4);
            if (!st && sqlite3_step(ins) != SQLITE_DONE)
                st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: %s", path, sqlite3_errmsg(db));
        }
        if (!st && rc != SQLITE_DONE)
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: evaluating the enterprise rules of %s "
                            "failed: %s", path, r->path, sqlite3_errmsg(db));
        sqlite3_finalize(q);
        sqlite3_finalize(ins);
        sqlite3_exec(db, st ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
        if (!st) st = read_enterprises(ctx, db, path, out);
    }
    if (!st) {
        char *agg = block_ent_sql(r, with_ent, 0);
        if (!agg)
            st = ibmap_nomem(ctx);
        else if (sqlite3_exec(db, agg, NULL, NULL, NULL) != SQLITE_OK)
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: summarising the enterprises per block "
                            "failed: %s", path, sqlite3_errmsg(db));
        free(agg);
    }
    for (int i = 1; !st && with_ent && i < n_which; i++)
        st = block_ent_variant(ctx, db, path, r, which[i], changed[which[i]], ev);
    /* The variants whose enterprises are all as in variant 0 read its
    ** summary (block_ent_variant set ev[w] to 0). */
    if (!st && with_ent && rules_set_evariants(db, ev, n_variants) != SQLITE_OK)
        st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: %s", path, sqlite3_errmsg(db));
    free(ev);
    free(which);
    free(changed);
    if (st) ent_result_clear(out);
    return st;
}
