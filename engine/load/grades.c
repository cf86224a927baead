/*
** grades.c — 亩均 grades where the official one is missing.
**
** Zhejiang's 亩均论英雄 evaluation grades every enterprise A, B, C or D.
** Official grades, where the parcel data has them, always win.  Where a
** parcel has none, ibmap computes one the way the provincial method does:
** a weighted score over six indicators, each taken as its ratio to a
** benchmark, and grades cut by rank.
**
**   indicator            per parcel               default weight
**   tax_per_mu           tax / land_mu            30   亩均税收
**   va_per_mu            value_added / land_mu    20   亩均增加值
**   va_per_energy        value_added / energy     20   单位能耗增加值
**   va_per_emissions     value_added / emissions  10   单位排放增加值
**   labour_productivity  value_added / employees  10   全员劳动生产率
**   rnd_share            rnd / revenue            10   研发经费占比
**
** The benchmark of an indicator defaults to the county mean, taken as the
** ratio of totals (total tax / total land, …) over the parcels that have
** both figures, which is how county tables state it.  A ratio counts at
** most 3 times its benchmark, so one outlying figure cannot carry a score
** alone.  An indicator a parcel lacks is left out and the weights of the
** others are used in proportion; a parcel with none gets no grade.
**
** Every parcel with a score is ranked (highest first; equal scores by
** parcel order, so the result never depends on anything else), and the
** ranking is cut by percentage, default 20 / 40 / 35 / 5 for A / B / C / D.
** Only the parcels without an official grade take their computed grade,
** and they are marked as computed.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/load.h"

const char *const ibmap_grade_indicator_names[IBMAP_GRADE_INDICATORS] = {
    "tax_per_mu", "va_per_mu", "va_per_energy", "va_per_emissions",
    "labour_productivity", "rnd_share"};

/* numerator and denominator field of each indicator */
static const char *const num_field[IBMAP_GRADE_INDICATORS] = {
    "tax", "value_added", "value_added", "value_added", "value_added", "rnd"};
static const char *const den_field[IBMAP_GRADE_INDICATORS] = {
    "land_mu", "land_mu", "energy", "emissions", "employees", "revenue"};

#define RATIO_CAP 3.0

void ibmap_grade_options_init(ibmap_grade_options *o)
{
    static const double weights[IBMAP_GRADE_INDICATORS] = {30, 20, 20, 10, 10, 10};
    static const double cuts[4] = {20, 40, 35, 5};
    o->fallback = 1;
    memcpy(o->weights, weights, sizeof weights);
    memcpy(o->cuts, cuts, sizeof cuts);
    for (int k = 0; k < IBMAP_GRADE_INDICATORS; k++) o->benchmarks[k] = NAN;
}

/* Where the figures of one field come from: its column, looked up once
** (by name per parcel it would cost more than the arithmetic), or land_mu,
** which falls back to the polygon's area as the overlay does. */
typedef struct figure_source {
    const double *values;
    int land_mu;
} figure_source;

static figure_source figure_of(const ibmap_layer *P, const char *field)
{
    figure_source f = {ibmap_layer_num_column(P, field), strcmp(field, "land_mu") == 0};
    return f;
}

static double figure(const ibmap_layer *P, int64_t i, figure_source f)
{
    return f.land_mu ? ibmap_parcel_land_mu(P, i) : f.values ? f.values[i] : NAN;
}

typedef struct ranked {
    double score;
    int64_t parcel;
} ranked;

static int by_score(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->parcel > y->parcel) - (x->parcel < y->parcel);
}

ibmap_status ibmap_grades_fill(ibmap_ctx *ctx, ibmap_layer *P,
                               const ibmap_grade_options *o)
{
    if (!P) return IBMAP_OK;
    int fg = ibmap_role_field_index(IBMAP_ROLE_PARCELS, "grade");
    P->grade_computed = calloc((size_t)(P->n ? P->n : 1), 1);
    if (!P->grade_computed) return ibmap_nomem(ctx);
    if (!o->fallback) return IBMAP_OK;
    int64_t missing = 0;
    for (int64_t i = 0; i < P->n; i++) missing += P->columns[fg].text[i] == NULL;
    if (missing == 0) return IBMAP_OK;

    figure_source num_src[IBMAP_GRADE_INDICATORS], den_src[IBMAP_GRADE_INDICATORS];
    for (int k = 0; k < IBMAP_GRADE_INDICATORS; k++) {
        num_src[k] = figure_of(P, num_field[k]);
        den_src[k] = figure_of(P, den_field[k]);
    }
    double bench[IBMAP_GRADE_INDICATORS];
    for (int k = 0; k < IBMAP_GRADE_INDICATORS; k++) {
        bench[k] = o->benchmarks[k];
        if (isfinite(bench[k])) continue;
        double sn = 0, sd = 0;
        for (int64_t i = 0; i < P->n; i++) {
            double n = figure(P, i, num_src[k]), d = figure(P, i, den_src[k]);
            if (isfinite(n) && isfinite(d) && d > 0) {
                sn += n;
                sd += d;
            }
        }
        bench[k] = sd > 0 ? sn / sd : NAN;
    }
    ranked *r = malloc((size_t)P->n * sizeof *r);
    if (!r) return ibmap_nomem(ctx);
    int64_t n = 0;
    for (int64_t i = 0; i < P->n; i++) {
        double score = 0, wsum = 0;
        for (int k = 0; k < IBMAP_GRADE_INDICATORS; k++) {
            double num = figure(P, i, num_src[k]), den = figure(P, i, den_src[k]);
            if (!(o->weights[k] > 0) || !(bench[k] > 0) || !isfinite(num) ||
                !isfinite(den) || !(den > 0))
                continue;
            double ratio = num / den / bench[k];
            if (ratio > RATIO_CAP) ratio = RATIO_CAP;
            if (ratio < 0) ratio = 0;
            score += o->weights[k] * ratio;
            wsum += o->weights[k];
        }
        if (wsum > 0) {
            r[n].score = 100 * score / wsum;
            r[n].parcel = i;
            n++;
        }
    }
    qsort(r, (size_t)n, sizeof *r, by_score);
    double total = o->cuts[0] + o->cuts[1] + o->cuts[2] + o->cuts[3];
    static const char *grade[4] = {"A", "B", "C", "D"};
    ibmap_status st = IBMAP_OK;
    for (int64_t rank = 0; rank < n && !st; rank++) {
        int64_t i = r[rank].parcel;
        if (P->columns[fg].text[i]) continue; /* official grades win */
        /* the grade whose cumulative percentage the rank falls within */
        double position = (double)rank / (double)n * total;
        int g = 0;
        double upto = o->cuts[0];
        while (g < 3 && position >= upto) upto += o->cuts[++g];
        P->columns[fg].text[i] = ibmap_arena_strdup(&P->texts, grade[g]);
        if (!P->columns[fg].text[i]) st = ibmap_nomem(ctx);
        P->grade_computed[i] = 1;
    }
    free(r);
    return st;
}
