/*
** out_summary_enterprises.c — the enterprise CSVs of a run (亩均论英雄,
** 慈政办发〔2021〕31号), in the conventions of out_summary.c: UTF-8 with a
** BOM, one header row of English keys (the Chinese in *_zh columns and
** values), RFC 4180 quoting, CRLF, 亩 and 万元/亩 with two decimals, an
** unknown figure empty (never 0).
**
**   summary_enterprise_category.csv  town,category,category_zh,enterprises,
**       land_mu,low_eff_enterprises,low_eff_land_mu: the 项目清单 (三、(二))
**       per town (towns in byte order, those without a town last as
**       （无镇街）, categories with an enterprise only), then 合计 with every
**       category and the total
**   summary_enterprise_chain.csv  chain,enterprises,land_mu,land_share,
**       tax_per_mu,va_per_mu,tax_known_land_share,low_eff_enterprises,
**       low_eff_land_mu: the six 标志性产业链 (二、(七)) in the order of
**       layers/tables/industry_chains.csv, （其他行业）, 合计
**   block_enterprises.csv  the block_enterprises table: each block's
**       enterprises, largest land first
**   ranking_enterprises.csv  rank,rank_va,ent_id,name,town,
**       industry_division,chain,land_mu,tax_per_mu,va_per_mu,grade,
**       category,category_zh,tier
**   ranking_industries.csv  rank,rank_va,industry_division,industry_name,
**       enterprises,land_mu,tax_per_mu,va_per_mu,tax_known_land_share,
**       low_eff_enterprises,tier
**   ranking_towns.csv  rank,rank_va,town,enterprises,land_mu,tax_per_mu,
**       va_per_mu,tax_known_land_share,low_eff_enterprises,tier
**
** The 榜单 (二、(六)): rows in rank order, then the unranked (tier
** 未排名：用地不足 N 亩, then 数据不足, then the group without a key); rank
** empty when not ranked; tier 前列 / 末档 at the ends (out_enterprises.c).
** Without an enterprises table each file is written with its header only.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static int csv_record(FILE *f, const char *const *fields, int n)
{
    int ok = 1;
    for (int i = 0; ok && i < n; i++)
        ok = (i == 0 || fputc(',', f) != EOF) && ibmap_csv_text(f, fields[i]);
    return ok && fputs("\r\n", f) >= 0;
}

/* Two decimals (never "-0.00"), "" when unknown. */
static const char *fix2(char buf[64], double v)
{
    if (!isfinite(v)) return "";
    snprintf(buf, 64, "%.2f", fabs(v) < 0.005 ? 0.0 : v);
    return buf;
}

/* Four decimals for shares, "" when unknown. */
static const char *fix4(char buf[64], double v)
{
    if (!isfinite(v)) return "";
    snprintf(buf, 64, "%.4f", fabs(v) < 0.00005 ? 0.0 : v);
    return buf;
}

static const char *count(char buf[64], int64_t n)
{
    snprintf(buf, 64, "%lld", (long long)n);
    return buf;
}

static const char *rank_text(char buf[64], int64_t n)
{
    if (n <= 0) return "";
    return count(buf, n);
}

static int header(FILE *f, const char *h)
{
    return fputs(h, f) >= 0 && fputs("\r\n", f) >= 0;
}

/* ---- categories ---------------------------------------------------- */

typedef struct cat_arg {
    const out_category_group *towns, *total;
    int64_t n_towns;
} cat_arg;

static int category_rows(FILE *f, const char *town, const out_category_group *g, int all)
{
    int ok = 1;
    char a[64], b[64], c[64], d[64];
    for (int j = 1; ok && j <= IBMAP_CATEGORY_COUNT; j++) {
        int k = j % IBMAP_CATEGORY_COUNT;   /* none last */
        if (!all && g->n[k] == 0) continue;
        const char *fields[7] = {town, ibmap_category_name((ibmap_category)k),
                                 ibmap_category_label_zh((ibmap_category)k), count(a, g->n[k]),
                                 fix2(b, g->mu[k]), count(c, g->n_low_eff[k]),
                                 fix2(d, g->low_eff_mu[k])};
        ok = csv_record(f, fields, 7);
    }
    return ok;
}

static int write_categories(FILE *f, const void *arg)
{
    const cat_arg *ca = arg;
    int ok = header(f, "town,category,category_zh,enterprises,land_mu,low_eff_enterprises,"
                       "low_eff_land_mu");
    for (int64_t i = 0; ok && i < ca->n_towns; i++)
        ok = category_rows(f, ca->towns[i].key ? ca->towns[i].key : "（无镇街）", &ca->towns[i], 0);
    if (ok && ca->total) {
        ok = category_rows(f, "合计", ca->total, 1);
        int64_t n = 0, nl = 0;
        double mu = 0, lmu = 0;
        for (int k = 0; k < IBMAP_CATEGORY_COUNT; k++) {
            n += ca->total->n[k];
            nl += ca->total->n_low_eff[k];
            mu += ca->total->mu[k];
            lmu += ca->total->low_eff_mu[k];
        }
        char a[64], b[64], c[64], d[64];
        const char *fields[7] = {"合计", "total", "合计", count(a, n), fix2(b, mu),
                                 count(c, nl), fix2(d, lmu)};
        ok = ok && csv_record(f, fields, 7);
    }
    return ok;
}

/* ---- chains -------------------------------------------------------- */

static int chain_row(FILE *f, const char *name, const out_rank_row *w, double all_mu)
{
    char a[64], b[64], c[64], d[64], e[64], g[64], h[64], i[64];
    const char *fields[9] = {
        name,
        count(a, w ? w->n_enterprises : 0),
        fix2(b, w ? w->land_mu : 0),
        fix4(c, all_mu > 0 ? (w ? w->land_mu : 0) / all_mu : NAN),
        fix2(d, w ? w->tax_per_mu : NAN),
        fix2(e, w ? w->va_per_mu : NAN),
        fix4(g, w && w->land_mu > 0 ? w->tax_land_mu / w->land_mu : NAN),
        count(h, w ? w->n_low_eff : 0),
        fix2(i, w ? w->low_eff_mu : 0)};
    return csv_record(f, fields, 9);
}

static int write_chains(FILE *f, const void *arg)
{
    const out_ranking *r = arg;
    int ok = header(f, "chain,enterprises,land_mu,land_share,tax_per_mu,va_per_mu,"
                       "tax_known_land_share,low_eff_enterprises,low_eff_land_mu");
    out_rank_row all = {0};
    for (int64_t k = 0; k < r->n; k++) {
        const out_rank_row *w = &r->rows[k];
        all.n_enterprises += w->n_enterprises;
        all.n_low_eff += w->n_low_eff;
        all.land_mu += w->land_mu;
        all.low_eff_mu += w->low_eff_mu;
        if (isfinite(w->tax)) {
            all.tax += w->tax;
            all.tax_land_mu += w->tax_land_mu;
        }
        if (isfinite(w->va)) {
            all.va += w->va;
            all.va_land_mu += w->va_land_mu;
        }
    }
    all.tax_per_mu = all.tax_land_mu > 0 ? all.tax / all.tax_land_mu : NAN;
    all.va_per_mu = all.va_land_mu > 0 ? all.va / all.va_land_mu : NAN;
    if (r->n == 0) return ok;   /* no enterprises */
    /* every chain once, in the table's order, then the other industries */
    for (int i = 0; ok && i <= ibmap_industry_chain_count(); i++) {
        const char *name = i < ibmap_industry_chain_count() ? ibmap_industry_chain_name(i) : NULL;
        int dup = 0;
        for (int j = 0; name && j < i; j++) dup |= strcmp(ibmap_industry_chain_name(j), name) == 0;
        if (dup) continue;
        const out_rank_row *w = NULL;
        for (int64_t k = 0; k < r->n; k++)
            if ((name && r->rows[k].key && strcmp(r->rows[k].key, name) == 0) ||
                (!name && !r->rows[k].key))
                w = &r->rows[k];
        ok = chain_row(f, name ? name : "（其他行业）", w, all.land_mu);
    }
    return ok && chain_row(f, "合计", &all, all.land_mu);
}

/* ---- block enterprises --------------------------------------------- */

static int write_table(FILE *f, const void *arg)
{
    const out_table *t = arg;
    int ok = 1;
    for (int c = 0; ok && c < t->n_columns; c++)
        ok = (c == 0 || fputc(',', f) != EOF) && ibmap_csv_text(f, t->columns[c].name);
    ok = ok && fputs("\r\n", f) >= 0;
    const char **fields = malloc((size_t)(t->n_columns > 0 ? t->n_columns : 1) * sizeof *fields);
    char (*buf)[64] = malloc((size_t)(t->n_columns > 0 ? t->n_columns : 1) * sizeof *buf);
    ok = ok && fields && buf;
    for (int64_t r = 0; ok && r < t->n_rows; r++) {
        for (int c = 0; c < t->n_columns; c++) {
            const out_cell *cell = out_table_cell(t, r, c);
            fields[c] = "";
            if (out_cell_null(t, r, c)) continue;
            switch (t->columns[c].type) {
            case OUT_TEXT: fields[c] = cell->v.text; break;
            case OUT_REAL: fields[c] = fix2(buf[c], cell->v.real); break;
            default: fields[c] = count(buf[c], cell->v.integer); break;
            }
        }
        ok = csv_record(f, fields, t->n_columns);
    }
    free(fields);
    free(buf);
    return ok;
}

/* ---- rankings ------------------------------------------------------ */

typedef struct rank_arg {
    const out_model *m;
    const out_ranking *r;
    int kind;   /* 0 enterprises, 1 industries, 2 towns */
} rank_arg;

static int write_ranking(FILE *f, const void *arg)
{
    const rank_arg *ra = arg;
    static const char *const headers[] = {
        "rank,rank_va,ent_id,name,town,industry_division,chain,land_mu,tax_per_mu,va_per_mu,"
        "grade,category,category_zh,tier",
        "rank,rank_va,industry_division,industry_name,enterprises,land_mu,tax_per_mu,va_per_mu,"
        "tax_known_land_share,low_eff_enterprises,tier",
        "rank,rank_va,town,enterprises,land_mu,tax_per_mu,va_per_mu,tax_known_land_share,"
        "low_eff_enterprises,tier"};
    int ok = header(f, headers[ra->kind]);
    const out_table *t = out_model_table(ra->m, "enterprises");
    for (int64_t i = 0; ok && i < ra->r->n; i++) {
        const out_rank_row *w = &ra->r->rows[i];
        char a[64], b[64], c[64], d[64], e[64], g[64], h[64], tier[64];
        const char *tl = out_tier_label(ra->m, w->tier, tier, sizeof tier);
        if (ra->kind == 0) {
            const char *fields[14] = {
                rank_text(a, w->rank), rank_text(b, w->rank_va),
                out_text(t, w->row, "ent_id"), out_text(t, w->row, "name"),
                out_text(t, w->row, "town"), out_text(t, w->row, "industry_division"),
                out_text(t, w->row, "chain"), fix2(c, w->land_mu), fix2(d, w->tax_per_mu),
                fix2(e, w->va_per_mu), out_text(t, w->row, "grade"),
                out_text(t, w->row, "category"), out_text(t, w->row, "category_zh"), tl};
            ok = csv_record(f, fields, 14);
        } else {
            const char *fields[11];
            int n = 0;
            fields[n++] = rank_text(a, w->rank);
            fields[n++] = rank_text(b, w->rank_va);
            if (ra->kind == 1) {
                fields[n++] = w->key ? w->key : "（无行业代码）";
                fields[n++] = out_industry_division_name(w->key);
            } else {
                fields[n++] = w->key ? w->key : "（无镇街）";
            }
            fields[n++] = count(c, w->n_enterprises);
            fields[n++] = fix2(d, w->land_mu);
            fields[n++] = fix2(e, w->tax_per_mu);
            fields[n++] = fix2(g, w->va_per_mu);
            fields[n++] = fix4(h, w->land_mu > 0 ? w->tax_land_mu / w->land_mu : NAN);
            char l[64];
            fields[n++] = count(l, w->n_low_eff);
            fields[n++] = w->tier == OUT_TIER_NO_KEY ? "" : tl;
            ok = csv_record(f, fields, n);
        }
    }
    return ok;
}

static ibmap_status write_in(ibmap_ctx *ctx, const char *dir, const char *name,
                             int (*body)(FILE *f, const void *arg), const void *arg)
{
    char *path = ibmap_sprintf("%s/%s", dir, name);
    if (!path) return ibmap_nomem(ctx);
    ibmap_status s = ibmap_write_csv(ctx, path, body, arg);
    free(path);
    return s;
}

ibmap_status out_write_enterprise_summaries(ibmap_ctx *ctx, const out_model *m, const char *dir)
{
    out_category_group *towns = NULL, *total = NULL;
    int64_t n_towns = 0, n_total = 0;
    out_ranking ents = {0}, inds = {0}, tws = {0}, chains = {0};
    int have = out_model_table(m, "enterprises") != NULL;
    ibmap_status s = IBMAP_OK;
    if (!out_enterprise_categories(m, "town", &towns, &n_towns) ||
        !out_enterprise_categories(m, NULL, &total, &n_total) || !out_rank_enterprises(m, &ents) ||
        !out_rank_groups(m, "industry_division", &inds) || !out_rank_groups(m, "town", &tws) ||
        !out_rank_groups(m, "chain", &chains))
        s = ibmap_nomem(ctx);
    if (!s) {
        cat_arg ca = {towns, have && n_total > 0 ? total : NULL, n_towns};
        s = write_in(ctx, dir, OUT_NAME_SUMMARY_ENT_CATEGORY, write_categories, &ca);
    }
    if (!s) s = write_in(ctx, dir, OUT_NAME_SUMMARY_ENT_CHAIN, write_chains, &chains);
    if (!s) {
        const out_table *be = out_model_table(m, "block_enterprises");
        out_table empty = {0};   /* no enterprises: the header alone */
        out_column cols[32];
        if (!be) {
            for (int c = 0; c < out_n_block_enterprise_columns && c < 32; c++)
                cols[c] = (out_column){(char *)out_block_enterprise_columns[c][0], NULL, NULL,
                                       OUT_TEXT};
            empty.n_columns = out_n_block_enterprise_columns < 32 ? out_n_block_enterprise_columns
                                                                  : 32;
            empty.columns = cols;
            be = &empty;
        }
        s = write_in(ctx, dir, OUT_NAME_BLOCK_ENTERPRISES, write_table, be);
    }
    rank_arg ra[3] = {{m, &ents, 0}, {m, &inds, 1}, {m, &tws, 2}};
    static const char *const names[3] = {OUT_NAME_RANKING_ENTERPRISES, OUT_NAME_RANKING_INDUSTRIES,
                                         OUT_NAME_RANKING_TOWNS};
    for (int k = 0; !s && k < 3; k++) s = write_in(ctx, dir, names[k], write_ranking, &ra[k]);
    free(towns);
    free(total);
    out_ranking_free(&ents);
    out_ranking_free(&inds);
    out_ranking_free(&tws);
    out_ranking_free(&chains);
    return s;
}
