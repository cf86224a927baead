/*
** out_summary.c — the summary tables of a run as CSV: blocks and 亩 of
** each class, grouped by town, by park, by control-unit type and by
** renovation mode, and the totals per class.
**
** Files written in the output directory (each through ibmap_write_csv, so
** each is complete or absent, with its BOM):
**
**   summary_class_town.csv    town,class,class_zh,blocks,area_mu
**   summary_class_park.csv    park_name,class,class_zh,blocks,area_mu
**   summary_class_cu.csv      cu_type,class,class_zh,blocks,area_mu
**   summary_class_mode.csv    mode,mode_zh,class,class_zh,blocks,area_mu
**   summary_class_totals.csv  class,class_zh,blocks,area_mu,tax_sum
**
** Conventions, the same in every file:
**   - UTF-8 with a BOM (EF BB BF), without which Excel and WPS read the
**     file as the local ANSI code page and garble the Chinese; RFC 4180
**     quoting (ibmap_csv_text) and CRLF line ends, as the other CSVs of
**     ibmap (classify.c, data.c).
**   - One header row of English keys, the names the blocks table uses.  A
**     second, Chinese header row would read as a data row to every program
**     that loads the file, so the Chinese lives in the *_zh columns.  In
**     Chinese (ibmap_ctx_set_language "zh", --lang zh) the header is
**     Chinese and the class, mode and control-unit type keys are their
**     Chinese labels, for people rather than scripts.
**   - blocks is an integer count; area_mu (亩) and tax_sum (万元) have two
**     decimals.  A block whose area is unknown (NaN) is counted but adds
**     nothing to area_mu; a block's NaN tax_sum adds nothing to tax_sum.
**   - Rows are sorted by the group key in UTF-8 byte order (strcmp), then
**     by class in enum order, and only combinations holding a block are
**     written.  Blocks without a key (NULL or empty text) form the last
**     group, under a label saying so: （无镇街）, （园区外）, （无）.  A
**     column absent from the blocks table (no towns layer given, say) puts
**     every block in that group rather than failing: the file is still
**     written and still adds up to the totals.
**   - The totals file lists every class, even with no block, then a row
**     "total" (合计).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

/* ---------------------------------------------------------------------- */
/* Grouping: blocks and 亩 per (key, class)                               */
/* ---------------------------------------------------------------------- */

/* ---------------------------------------------------------------------- */
/* Writing                                                                */
/* ---------------------------------------------------------------------- */

/* Two decimals, never "-0.00" (a sum of tiny negative rounding errors). */
static void fixed2(char buf[64], double v)
{
    snprintf(buf, 64, "%.2f", fabs(v) < 0.005 ? 0.0 : v);
}

/* One CSV record of n fields (NULL fields empty), CRLF-terminated. */
static int csv_record(FILE *f, const char *const *fields, int n)
{
    int ok = 1;
    for (int i = 0; ok && i < n; i++)
        ok = (i == 0 || fputc(',', f) != EOF) && ibmap_csv_text(f, fields[i]);
    return ok && fputs("\r\n", f) >= 0;
}

typedef struct group_file {
    const char *header;      /* the header line, without BOM and CRLF */
    const char *header_zh;   /* the same in Chinese (ibmap_csv_zh) */
    int key_kind;            /* 0 text; 1 a control-unit type; 2 a mode */
    const char *none_label;  /* written for the group without a key */
    int with_label;          /* write out_group.label after the key */
    const out_grouping *g;
} group_file;

static int write_group_file(FILE *f, const void *arg)
{
    const group_file *gf = arg;
    int ok = fputs(ibmap_csv_pick(gf->header, gf->header_zh), f) >= 0 &&
             fputs("\r\n", f) >= 0;
    for (int64_t i = 0; ok && i < gf->g->n; i++) {
        const out_group *row = &gf->g->rows[i];
        for (int k = 0; ok && k < IBMAP_CLASS_COUNT; k++) {
            if (row->blocks[k] == 0) continue;
            char blocks[32], mu[64];
            snprintf(blocks, sizeof blocks, "%lld", (long long)row->blocks[k]);
            fixed2(mu, row->mu[k]);
            const char *fields[6];
            int n = 0;
            const char *key = row->key ? row->key : gf->none_label;
            /* in Chinese, the keys of ours (a control-unit type, a mode)
            ** as their labels */
            if (ibmap_csv_zh() && row->key && gf->key_kind == 1)
                key = ibmap_cu_type_label_zh(row->key);
            if (ibmap_csv_zh() && row->key && gf->key_kind == 2 && row->label)
                key = row->label;
            fields[n++] = key;
            if (gf->with_label) fields[n++] = row->label;
            fields[n++] = ibmap_csv_pick(ibmap_class_name((ibmap_class)k),
                                         ibmap_class_label_zh((ibmap_class)k));
            fields[n++] = ibmap_class_label_zh((ibmap_class)k);
            fields[n++] = blocks;
            fields[n++] = mu;
            ok = csv_record(f, fields, n);
        }
    }
    return ok;
}

typedef struct totals {
    int64_t blocks[IBMAP_CLASS_COUNT + 1];   /* the last: every class */
    double mu[IBMAP_CLASS_COUNT + 1];
    double tax[IBMAP_CLASS_COUNT + 1];
} totals;

static int write_totals_file(FILE *f, const void *arg)
{
    const totals *t = arg;
    int ok = fputs(ibmap_csv_pick("class,class_zh,blocks,area_mu,tax_sum\r\n",
                                  "分类,分类名称,区块数,面积(亩),税收合计(万元)\r\n"),
                   f) >= 0;
    for (int k = 0; ok && k <= IBMAP_CLASS_COUNT; k++) {
        char blocks[32], mu[64], tax[64];
        snprintf(blocks, sizeof blocks, "%lld", (long long)t->blocks[k]);
        fixed2(mu, t->mu[k]);
        fixed2(tax, t->tax[k]);
        const char *fields[5] = {
            k < IBMAP_CLASS_COUNT ? ibmap_csv_pick(ibmap_class_name((ibmap_class)k),
                                                   ibmap_class_label_zh((ibmap_class)k))
                                  : ibmap_csv_pick("total", "合计"),
            k < IBMAP_CLASS_COUNT ? ibmap_class_label_zh((ibmap_class)k) : "合计",
            blocks, mu, tax};
        ok = csv_record(f, fields, 5);
    }
    return ok;
}

/* The number in row r, column c (NaN when null, text or no column). */
static double cell_number(const out_table *t, int64_t r, int c)
{
    if (c < 0) return NAN;
    const out_cell *cell = out_table_cell(t, r, c);
    if (out_cell_null(t, r, c)) return NAN;
    switch (t->columns[c].type) {
    case OUT_REAL: return cell->v.real;
    case OUT_INTEGER: return (double)cell->v.integer;
    default: return NAN;
    }
}

static void sum_totals(const out_model *m, const out_table *blocks, totals *t)
{
    memset(t, 0, sizeof *t);
    int tax_col = out_column_index(blocks, "tax_sum");
    for (int64_t r = 0; r < blocks->n_rows; r++) {
        int k = m->klass[r];
        double mu = m->area_mu ? m->area_mu[r] : NAN;
        double tax = cell_number(blocks, r, tax_col);
        t->blocks[k]++;
        t->blocks[IBMAP_CLASS_COUNT]++;
        if (isfinite(mu)) {
            t->mu[k] += mu;
            t->mu[IBMAP_CLASS_COUNT] += mu;
        }
        if (isfinite(tax)) {
            t->tax[k] += tax;
            t->tax[IBMAP_CLASS_COUNT] += tax;
        }
    }
}

/* summary_targets.csv: the targets of this scenario, and of every other
** stored scenario, one row each (unknown values left empty). */
static void target_row(FILE *f, const char *scenario, const rules_target *t,
                       const out_target_value *v)
{
    ibmap_csv_text(f, scenario);
    fputc(',', f);
    ibmap_csv_text(f, t->id);
    fputc(',', f);
    ibmap_csv_text(f, t->label);
    fprintf(f, ",%s,%.10g,", t->measure, t->target);
    ibmap_csv_text(f, t->unit);
    fputc(',', f);
    if (isfinite(v->value)) fprintf(f, "%.10g", v->value);
    fputc(',', f);
    if (isfinite(v->progress)) fprintf(f, "%.6g", v->progress);
    fprintf(f, ",%lld,", (long long)v->n_unknown);
    ibmap_csv_text(f, v->note);
    fputc(',', f);
    ibmap_csv_text(f, t->source);
    fputs("\r\n", f);
}

static int write_targets_file(FILE *f, const void *arg)
{
    const out_model *m = arg;
    fputs("scenario,target_id,label,measure,target,unit,value,progress,"
          "n_unknown,note,source\r\n",
          f);
    for (int i = 0; m->target_values && i < m->n_targets; i++)
        target_row(f, m->scenario, &m->targets[i], &m->target_values[i]);
    for (int s = 0; s < m->n_scenarios; s++)
        for (int i = 0; m->scenarios[s].targets && i < m->n_targets; i++)
            target_row(f, m->scenarios[s].name, &m->targets[i], &m->scenarios[s].targets[i]);
    return !ferror(f);
}

/* ---------------------------------------------------------------------- */
/* The entry point                                                        */
/* ---------------------------------------------------------------------- */

static ibmap_status write_in(ibmap_ctx *ctx, const char *dir, const char *name,
                             int (*body)(FILE *f, const void *arg), const void *arg)
{
    char *path = ibmap_sprintf("%s/%s", dir, name);
    if (!path) return ibmap_nomem(ctx);
    ibmap_status s = ibmap_write_csv(ctx, path, body, arg);
    free(path);
    return s;
}

/* Group by keys (labels may be NULL) and write one file. */
static ibmap_status write_grouped(ibmap_ctx *ctx, const out_model *m, int64_t n,
                                  const char *dir, const char *name,
                                  const char *const *keys, const char *const *labels,
                                  const char *header, const char *header_zh, int key_kind,
                                  const char *none_label)
{
    out_grouping g;
    if (!keys || !out_group_blocks(m, n, keys, labels, &g))
        return ibmap_nomem(ctx);
    group_file gf = {header, header_zh, key_kind, none_label, labels != NULL, &g};
    ibmap_status s = write_in(ctx, dir, name, write_group_file, &gf);
    free(g.rows);
    return s;
}

/* The summaries grouped by a column of the blocks table. */
static const struct {
    const char *file, *column, *header, *header_zh;
    int key_kind;
    const char *none_label;
} by_column[] = {
    {OUT_NAME_SUMMARY_TOWN, "town", "town,class,class_zh,blocks,area_mu",
     "镇街,分类,分类名称,区块数,面积(亩)", 0, "（无镇街）"},
    {OUT_NAME_SUMMARY_PARK, "park_name", "park_name,class,class_zh,blocks,area_mu",
     "园区,分类,分类名称,区块数,面积(亩)", 0, "（园区外）"},
    {OUT_NAME_SUMMARY_CU, "cu_type", "cu_type,class,class_zh,blocks,area_mu",
     "管控单元类型,分类,分类名称,区块数,面积(亩)", 1, "（无）"},
};

ibmap_status out_write_summaries(ibmap_ctx *ctx, const out_model *m, const char *dir)
{
    if (!m || !dir) return ibmap_fail(ctx, IBMAP_ERR_ARG, "out_write_summaries: NULL argument");
    const out_table *blocks = out_model_table(m, "blocks");
    if (!blocks) return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "the output model has no blocks");
    int64_t n = blocks->n_rows;
    /* Class and mode index arrays below: a value out of range is a bug
    ** upstream, reported rather than read past. */
    for (int64_t r = 0; r < n; r++)
        if (!m->klass || !m->mode || m->klass[r] >= IBMAP_CLASS_COUNT ||
            m->mode[r] >= IBMAP_MODE_COUNT)
            return ibmap_fail(ctx, IBMAP_ERR_INTERNAL,
                              "block row %lld has no valid class or mode", (long long)r);
    ibmap_status s = IBMAP_OK;
    for (size_t i = 0; !s && i < sizeof by_column / sizeof *by_column; i++) {
        const char **keys = out_column_keys(blocks, by_column[i].column);
        s = write_grouped(ctx, m, n, dir, by_column[i].file, keys, NULL,
                          by_column[i].header, by_column[i].header_zh, by_column[i].key_kind,
                          by_column[i].none_label);
        free(keys);
    }
    if (!s) {
        const char **keys = calloc((size_t)(n > 0 ? n : 1), sizeof *keys);
        const char **labels = calloc((size_t)(n > 0 ? n : 1), sizeof *labels);
        for (int64_t r = 0; keys && labels && r < n; r++) {
            keys[r] = ibmap_mode_name((ibmap_mode)m->mode[r]);
            labels[r] = ibmap_mode_label_zh((ibmap_mode)m->mode[r]);
        }
        s = labels ? write_grouped(ctx, m, n, dir, OUT_NAME_SUMMARY_MODE, keys, labels,
                                   "mode,mode_zh,class,class_zh,blocks,area_mu",
                                   "改造方式,改造方式名称,分类,分类名称,区块数,面积(亩)", 2, "")
                   : ibmap_nomem(ctx);
        free(keys);
        free(labels);
    }
    if (!s) {
        totals t;
        sum_totals(m, blocks, &t);
        s = write_in(ctx, dir, OUT_NAME_SUMMARY_TOTALS, write_totals_file, &t);
    }
    if (!s) s = out_write_enterprise_summaries(ctx, m, dir);
    if (!s) s = write_in(ctx, dir, OUT_NAME_SUMMARY_TARGETS, write_targets_file, m);
    return s;
}
