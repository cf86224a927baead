/*
** test_grades.c — 亩均 grades computed where the official one is missing.
**
** Five parcels of 10 亩 with tax and value added only, so the score uses
** two indicators: tax_per_mu (weight 30) and va_per_mu (weight 20).
**
**   parcel  tax  va   tax/亩  va/亩   score = 100 × (30·t/3.6 + 20·v/15) / 50
**   P1      100  400  10      40      273.3   (ratios 2.78 and 2.67, under the cap of 3)
**   P2       50  200   5      20      136.7
**   P3       20  100   2      10       60.0
**   P4       10   50   1       5       30.0
**   P5        0    0   0       0        0.0
**
** County means (the benchmarks): tax 180 / 50 亩 = 3.6, va 750 / 50 = 15.
** Ranked and cut 20/40/35/5 of five parcels: rank 0 (0%) A; ranks 1, 2
** (20%, 40%) B; ranks 3, 4 (60%, 80%) C.
*/
#include <math.h>

#include "harness.h"
#include "fixtures.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static const char *dir;

static ibmap_data *load(const char *grade_p2, const char *const *settings)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/parcels.gpkg", dir);
    remove(path);
    static char rows[5][256];
    static const char *v[5][3] = {{"100", "400", ""}, {"50", "200", ""},
                                  {"20", "100", ""}, {"10", "50", ""}, {"0", "0", ""}};
    const char *list[6];
    for (int i = 0; i < 5; i++) {
        double x = 620000 + 100.0 * i;
        snprintf(rows[i], sizeof rows[i],
                 "POLYGON((%.0f 3340000,%.0f 3340000,%.0f 3340050,%.0f 3340000))|P%d|%s|%s|10|%s",
                 x, x + 50, x + 50, x, i + 1, v[i][0], v[i][1],
                 i == 1 && grade_p2 ? grade_p2 : "~");
        list[i] = rows[i];
    }
    list[5] = NULL;
    if (!fx_layer(path, "GPKG", "zd", 4549, NULL, "ZDDM:s,SSHJ:r,ZJZ:r,YDMJ:r,MJDJ:s", list))
        return NULL;
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "parcels", path);
    for (int i = 0; settings && settings[i]; i += 2)
        if (ibmap_project_set(ctx, p, settings[i], settings[i + 1])) {
            ibmap_project_free(p);
            return NULL;
        }
    ibmap_data *d = NULL;
    ibmap_load(ctx, p, &d);
    ibmap_project_free(p);
    return d;
}

static const char *grade(const ibmap_data *d, int i)
{
    const char *g = ibmap_layer_text(ibmap_data_layer(d, IBMAP_ROLE_PARCELS), i, "grade");
    return g ? g : "-";
}

TEST(missing_grades_are_computed_by_score_and_rank)
{
    ibmap_data *d = load(NULL, NULL);
    CHECK(d != NULL);
    const ibmap_layer *P = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    static const char *want[5] = {"A", "B", "B", "C", "C"};
    for (int i = 0; i < 5; i++) {
        CHECK_STR(grade(d, i), want[i]);
        CHECK_INT(ibmap_layer_grade_computed(P, i), 1);
    }
    ibmap_data_free(d);
}

TEST(official_grade_wins_and_still_ranks)
{
    ibmap_data *d = load("D", NULL);
    CHECK(d != NULL);
    const ibmap_layer *P = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK_STR(grade(d, 1), "D");
    CHECK_INT(ibmap_layer_grade_computed(P, 1), 0);
    /* P2 keeps its place in the ranking: P3 is still B */
    CHECK_STR(grade(d, 0), "A");
    CHECK_STR(grade(d, 2), "B");
    CHECK_STR(grade(d, 3), "C");
    ibmap_data_free(d);
}

TEST(cuts_weights_and_benchmarks_are_settings)
{
    const char *all_d[] = {"grades.cuts", "0,0,0,100", NULL};
    ibmap_data *d = load(NULL, all_d);
    CHECK(d != NULL);
    for (int i = 0; i < 5; i++) CHECK_STR(grade(d, i), "D");
    ibmap_data_free(d);
    /* Only va counts, and a benchmark of 10: P1 (40) > P2 (20) > P3 (10) >
    ** P4 (5) > P5 (0): the same order, so the same grades. */
    const char *va_only[] = {"grades.weights.tax_per_mu", "0",
                             "grades.benchmarks.va_per_mu", "10", NULL};
    d = load(NULL, va_only);
    CHECK(d != NULL);
    CHECK_STR(grade(d, 0), "A");
    CHECK_STR(grade(d, 4), "C");
    ibmap_data_free(d);
    const char *off[] = {"grades.fallback", "no", NULL};
    d = load(NULL, off);
    CHECK(d != NULL);
    for (int i = 0; i < 5; i++) {
        CHECK_STR(grade(d, i), "-");
        CHECK_INT(ibmap_layer_grade_computed(ibmap_data_layer(d, IBMAP_ROLE_PARCELS), i), 0);
    }
    ibmap_data_free(d);
    const char *bad[] = {"grades.weights.profit", "3", NULL};
    CHECK(load(NULL, bad) == NULL);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "profit");
}

TEST(grades_in_the_project_file)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/grades.yaml", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("grades:\n  fallback: yes\n  cuts: [10, 50, 30, 10]\n"
          "  weights: {tax_per_mu: 50, rnd_share: 0}\n"
          "  benchmarks:\n    tax_per_mu: 20\n", f);
    fclose(f);
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    CHECK_NEAR(p->grades.cuts[0], 10, 0);
    CHECK_NEAR(p->grades.cuts[3], 10, 0);
    CHECK_NEAR(p->grades.weights[0], 50, 0);
    CHECK_NEAR(p->grades.weights[5], 0, 0);
    CHECK_NEAR(p->grades.weights[1], 20, 0); /* default kept */
    CHECK_NEAR(p->grades.benchmarks[0], 20, 0);
    CHECK(isnan(p->grades.benchmarks[1]));
    ibmap_project_free(p);
    f = fopen(path, "w");
    fputs("grades:\n  cuts: [10, 50]\n", f);
    fclose(f);
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "grades.yaml:2");
}

int main(void)
{
    dir = test_scratch_dir("test_grades");
    ctx = ibmap_ctx_new();
    RUN(missing_grades_are_computed_by_score_and_rank);
    RUN(official_grade_wins_and_still_ranks);
    RUN(cuts_weights_and_benchmarks_are_settings);
    RUN(grades_in_the_project_file);
    ibmap_ctx_free(ctx);
    return test_finish();
}
