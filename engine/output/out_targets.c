/*
** out_targets.c — the plan measured against its targets: the rules file's
** targets: section, by default the 2025 targets of 慈政办发〔2021〕31号
** 一、(三) (classify/plan_rules.c; docs/rules.md, "Targets").
**
** Each target names a measure of the plan, computed here from one
** classification of the blocks, the enterprises' 项目清单 categories
** (issue 12's enterprises; the parcels where the workspace has none) and
** the number of 小微企业园 candidate sites:
**
**   low_eff_land_mu              亩 freed or renovated: the exit blocks'
**                                area, and the land of the low-efficiency
**                                enterprises in consolidate blocks
**   blocks_renovated             consolidate blocks
**   low_eff_enterprises_covered  of the low-efficiency enterprises (亩均税收
**                                under tax_floor), the share given a
**                                category (parcels: in a consolidate or
**                                exit block)
**   lsl_small_enterprises        低散乱污 / 两小 enterprises given a
**                                category (parcels: in such a block)
**   sme_park_sites               candidate sites found
**
** Missing data is never counted as 0.  A measure nothing can be computed
** from is NaN, with a note saying why; one computed from part of the data
** counts what was left out (n_unknown) and says so.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static int planned(unsigned k)
{
    return k == IBMAP_CLASS_CONSOLIDATE || k == IBMAP_CLASS_EXIT;
}

/* The category of enterprise e: ent_cat[e] when given (255: unknown),
** else the enterprises table's. */
static int category_of(const out_table *ents, const unsigned char *ent_cat, int64_t e)
{
    if (ent_cat) return ent_cat[e] == 255 ? -1 : ent_cat[e];
    const char *c = out_text(ents, e, "category");
    return c ? ibmap_category_from_name(c) : -1;
}

static void eval_one(const out_model *m, const rules_target *t, const unsigned char *klass,
                     const unsigned char *ent_cat, int64_t n_sites, out_target_value *v)
{
    const out_table *blocks = out_model_table(m, "blocks");
    const out_table *ents = out_model_table(m, "enterprises");
    const out_table *parcels = out_model_table(m, "parcels");
    int64_t nb = blocks ? blocks->n_rows : 0;
    int use_ents = ents && m->ent_block;
    memset(v, 0, sizeof *v);
    v->value = NAN;
    int measure = rules_measure_index(t->measure);
    if (measure == 0) {                       /* low_eff_land_mu */
        /* Freed: the exit blocks' 亩.  Renovated: in consolidate blocks,
        ** the land of the low-efficiency enterprises (parcels where the
        ** workspace has no enterprises). */
        double sum = 0;
        int64_t n_known = 0, n_area_unknown = 0;
        for (int64_t b = 0; b < nb; b++) {
            if (klass[b] != IBMAP_CLASS_EXIT) continue;
            double mu = m->area_mu ? m->area_mu[b] : NAN;
            if (isfinite(mu)) sum += mu, n_known++;
            else n_area_unknown++;
        }
        const out_table *t2 = use_ents ? ents : parcels;
        int64_t n = t2 ? t2->n_rows : 0;
        int64_t *pb = NULL;
        if (!use_ents && t2) {
            out_block_parcels bp = {0};
            pb = malloc((size_t)(n > 0 ? n : 1) * sizeof *pb);
            if (pb && out_block_parcels_build(m, &bp)) {
                for (int64_t q = 0; q < n; q++) pb[q] = -1;
                for (int64_t b = 0; b < nb; b++)
                    for (int64_t k = bp.first[b]; k < bp.first[b + 1]; k++) pb[bp.idx[k]] = b;
            }
            out_block_parcels_free(&bp);
            if (!pb) {
                snprintf(v->note, sizeof v->note, "out of memory");
                return;
            }
        }
        double renovated = 0;
        for (int64_t e = 0; e < n; e++) {
            int64_t b = use_ents ? m->ent_block[e] : pb[e];
            if (b < 0 || b >= nb || klass[b] != IBMAP_CLASS_CONSOLIDATE) continue;
            double land = out_number(t2, e, "land_mu");
            double low = use_ents ? out_number(t2, e, "low_eff")
                         : isfinite(land) && land > 0 && isfinite(out_number(t2, e, "tax"))
                             ? out_number(t2, e, "tax") / land < m->sme.low_tax_per_mu
                             : NAN;
            if (!isfinite(low) || !isfinite(land)) {
                v->n_unknown++;
                continue;
            }
            n_known++;
            if (low != 0) renovated += land;
        }
        free(pb);
        v->value = n_known ? sum + renovated : NAN;
        snprintf(v->note, sizeof v->note,
                 "清理退出区块 %.1f 亩 + 整合改造区块内低效%s用地 %.1f 亩", sum,
                 use_ents ? "企业" : "宗地", renovated);
        if (n_area_unknown || v->n_unknown) {
            size_t len = strlen(v->note);
            snprintf(v->note + len, sizeof v->note - len, "；%lld 个区块面积不明、%lld 家亩均税收不明，未计入",
                     (long long)n_area_unknown, (long long)v->n_unknown);
            v->n_unknown += n_area_unknown;
        }
        if (!n_known) snprintf(v->note, sizeof v->note, "数据不足 (no area or 亩均税收 known)");
    } else if (measure == 1) {                /* blocks_renovated */
        int64_t n = 0;
        for (int64_t b = 0; b < nb; b++) n += klass[b] == IBMAP_CLASS_CONSOLIDATE;
        v->value = (double)n;
    } else if (measure == 2 || measure == 3) {
        /* low_eff_enterprises_covered, lsl_small_enterprises */
        int64_t n_in = 0, n_cov = 0, n_flag_known = 0;
        const out_table *t2 = use_ents ? ents : parcels;
        int64_t n = t2 ? t2->n_rows : 0;
        out_block_parcels bp = {0};
        int64_t *pb = NULL;
        if (!use_ents && t2) {
            /* Each parcel's block, for "in a consolidate or exit block". */
            pb = malloc((size_t)(n > 0 ? n : 1) * sizeof *pb);
            if (pb && out_block_parcels_build(m, &bp)) {
                for (int64_t q = 0; q < n; q++) pb[q] = -1;
                for (int64_t b = 0; b < nb; b++)
                    for (int64_t k = bp.first[b]; k < bp.first[b + 1]; k++) pb[bp.idx[k]] = b;
            }
            out_block_parcels_free(&bp);
            if (!pb) {
                snprintf(v->note, sizeof v->note, "out of memory");
                return;
            }
        }
        for (int64_t e = 0; e < n; e++) {
            int in;
            if (measure == 2) {
                double low;
                if (use_ents) {
                    low = out_number(t2, e, "low_eff");
                } else {
                    double land = out_number(t2, e, "land_mu"), tax = out_number(t2, e, "tax");
                    low = isfinite(land) && land > 0 && isfinite(tax)
                              ? tax / land < m->sme.low_tax_per_mu
                              : NAN;
                }
                if (!isfinite(low)) {
                    v->n_unknown++;
                    continue;
                }
                in = low != 0;
            } else {
                double lsl = out_number(t2, e, "is_lsl"), sm = out_number(t2, e, "is_small");
                if (isfinite(lsl) || isfinite(sm)) n_flag_known++;
                in = (isfinite(lsl) && lsl != 0) || (isfinite(sm) && sm != 0);
                if (!in && !isfinite(lsl) && !isfinite(sm)) v->n_unknown++;
            }
            if (!in) continue;
            n_in++;
            int covered;
            if (use_ents) {
                int cat = category_of(t2, ent_cat, e);
                covered = cat > IBMAP_CATEGORY_NONE;
            } else {
                covered = pb[e] >= 0 && planned(klass[pb[e]]);
            }
            n_cov += covered;
        }
        free(pb);
        const char *what = use_ents ? "企业" : "宗地企业";
        if (measure == 2) {
            if (n_in == 0 && v->n_unknown == n) {
                snprintf(v->note, sizeof v->note,
                         "数据不足：无%s有亩均税收 (no %s with a known 亩均税收)", what,
                         use_ents ? "enterprise" : "parcel");
            } else {
                v->value = n_in ? (double)n_cov / (double)n_in : 1.0;
                snprintf(v->note, sizeof v->note, "%lld / %lld 家低效%s已列入%s",
                         (long long)n_cov, (long long)n_in, what,
                         use_ents ? "项目清单" : "整合改造或清理退出区块");
                if (v->n_unknown) {
                    size_t len = strlen(v->note);
                    snprintf(v->note + len, sizeof v->note - len,
                             "；%lld 家亩均税收不明，未计入", (long long)v->n_unknown);
                }
            }
        } else {
            if (n_flag_known == 0) {
                snprintf(v->note, sizeof v->note,
                         "数据缺失：数据中没有“低散乱污”“两小”标记 (no 低散乱污/两小 flags in the data)");
            } else {
                v->value = (double)n_cov;
                snprintf(v->note, sizeof v->note, "%lld 家“低散乱污”“两小”%s中 %lld 家已列入%s",
                         (long long)n_in, what, (long long)n_cov,
                         use_ents ? "项目清单" : "整合改造或清理退出区块");
                if (v->n_unknown) {
                    size_t len = strlen(v->note);
                    snprintf(v->note + len, sizeof v->note - len, "；%lld 家无标记，未计入",
                             (long long)v->n_unknown);
                }
            }
        }
    } else if (measure == 4) {                /* sme_park_sites */
        v->value = (double)n_sites;
    } else {
        snprintf(v->note, sizeof v->note, "unknown measure %s", t->measure);
    }
    v->progress = isfinite(v->value) && t->target != 0 ? v->value / t->target : NAN;
}

void out_targets_eval(const out_model *m, const unsigned char *klass,
                      const unsigned char *ent_cat, int64_t n_sites, out_target_value *v)
{
    for (int i = 0; i < m->n_targets; i++) eval_one(m, &m->targets[i], klass, ent_cat, n_sites, &v[i]);
}

void out_target_format(const rules_target *t, const out_target_value *v, char *buf, size_t n)
{
    int share = strcmp(t->unit, "share") == 0;
    if (!isfinite(v->value)) {
        snprintf(buf, n, "未知 unknown / %g%s%s", share ? t->target * 100 : t->target,
                 share ? "%" : " ", share ? "" : t->unit);
        return;
    }
    if (share)
        snprintf(buf, n, "%.1f%% / %g%% (%.0f%%)", 100 * v->value, 100 * t->target,
                 100 * v->progress);
    else
        snprintf(buf, n, "%.*f / %g %s (%.0f%%)", fabs(v->value - round(v->value)) < 1e-9 ? 0 : 1,
                 v->value, t->target, t->unit, 100 * v->progress);
}

/* ---------------------------------------------------------------------- */
/* The public API: a classification's targets                             */
/* ---------------------------------------------------------------------- */

struct ibmap_targets {
    int n;
    rules_target *t;
    out_target_value *v;
};

ibmap_status out_targets_take(ibmap_ctx *ctx, out_model *m, ibmap_targets **out)
{
    *out = NULL;
    ibmap_targets *t = calloc(1, sizeof *t);
    if (!t) return ibmap_nomem(ctx);
    t->n = m->n_targets;
    t->t = m->targets;
    t->v = m->target_values;
    m->targets = NULL;
    m->n_targets = 0;
    m->target_values = NULL;
    *out = t;
    return IBMAP_OK;
}

ibmap_status ibmap_targets_evaluate(ibmap_ctx *ctx, const char *workspace,
                                    const ibmap_classification *c, const ibmap_rules *rules,
                                    ibmap_targets **out)
{
    if (!workspace || !c || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_targets_evaluate: NULL argument");
    out_model *m = NULL;
    ibmap_status s = out_model_build_plan(ctx, workspace, c, rules, &m);
    if (!s) s = out_targets_take(ctx, m, out);
    out_model_free(m);
    return s;
}

void ibmap_targets_free(ibmap_targets *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        free(t->t[i].id);
        free(t->t[i].label);
        free(t->t[i].measure);
        free(t->t[i].unit);
        free(t->t[i].source);
    }
    free(t->t);
    free(t->v);
    free(t);
}

#define T_OK(t, i) ((t) && (i) >= 0 && (i) < (t)->n)

int ibmap_targets_count(const ibmap_targets *t)
{
    return t ? t->n : 0;
}

const char *ibmap_targets_id(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->t[i].id : NULL;
}

const char *ibmap_targets_label(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->t[i].label : NULL;
}

const char *ibmap_targets_unit(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->t[i].unit : NULL;
}

const char *ibmap_targets_source(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->t[i].source : NULL;
}

const char *ibmap_targets_note(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->v[i].note : NULL;
}

double ibmap_targets_goal(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->t[i].target : NAN;
}

double ibmap_targets_value(const ibmap_targets *t, int i)
{
    return T_OK(t, i) ? t->v[i].value : NAN;
}

const char *ibmap_targets_text(const ibmap_targets *t, int i, char *buf, size_t n)
{
    if (!T_OK(t, i) || !buf || n == 0) return NULL;
    out_target_format(&t->t[i], &t->v[i], buf, n);
    return buf;
}
