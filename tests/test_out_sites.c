/*
** test_out_sites.c — 小微企业园 candidate sites (out_sites.c) on a model
** built by hand, whose answer is worked out on paper.  Default params
** (link 50 m, 30–300 亩, small parcel < 10 亩, low tax < 5 万元/亩, movers
** within 1000 m of the site's box; candidate modes rebuild, consolidation,
** partial_renewal).  1 亩 = 666.67 m²; a 200 m square is 60 亩.
**
**   cluster A (x 0–420):     C1 consolidate/rebuild (0,0)-(200,200)
**                            C2 consolidate/consolidation (220,0)-(420,200),
**                               20 m from C1: one site, 120 亩
**                            S1 support (440,0)-(640,200): not candidate
**                            U1 consolidate/industrial_upgrade
**                               (0,220)-(200,420): not candidate
**                            E1 exit (0,-420)-(200,-220) with 3 parcels of
**                               4 亩 (small: movers of A) and one of 20 亩
**   cluster B (x 5000–5300): C3 consolidate/rebuild (5000,0)-(5300,300),
**                               135 亩, inside park P1; and parcel Q1,
**                               outside every block, 40 × 50 m (3 亩,
**                               small) at 30 m from C3: one site, 138 亩
**   cluster C (x 10000):     C4 consolidate/rebuild (10000,0)-(10200,200),
**                               wholly inside the red line: nothing left,
**                               never proposed
**   D (x 15000):             C5 consolidate/rebuild (15000,0)-(15200,200),
**                               its east half under permanent basic
**                               farmland: 30 亩 left, a site at the minimum
**
** So: three sites (B, A, D by score), C4 in none.
*/
#include <math.h>
#include <string.h>

#include "harness.h"
#include "classify/rules.h"
#include "output/output.h"
#include "out_fixture.h"

static ibmap_ctx *ctx;

typedef struct blk {
    const char *id;
    double x0, y0, x1, y1;
    ibmap_class k;
    ibmap_mode mode;
} blk;

static const blk blks[] = {
    {"C1", 0, 0, 200, 200, IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_REBUILD},
    {"C2", 220, 0, 420, 200, IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_CONSOLIDATION},
    {"S1", 440, 0, 640, 200, IBMAP_CLASS_SUPPORT, IBMAP_MODE_NONE},
    {"U1", 0, 220, 200, 420, IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_INDUSTRIAL_UPGRADE},
    {"E1", 0, -420, 200, -220, IBMAP_CLASS_EXIT, IBMAP_MODE_NONE},
    {"C3", 5000, 0, 5300, 300, IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_REBUILD},
    {"C4", 10000, 0, 10200, 200, IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_REBUILD},
    {"C5", 15000, 0, 15200, 200, IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_REBUILD},
};
#define NB ((int)(sizeof blks / sizeof *blks))

typedef struct prc {
    const char *id, *block;
    double x0, y0, x1, y1, land_mu, tax;
} prc;

static const prc prcs[] = {
    {"E1a", "E1", 10, -410, 60, -360, 4, 2},
    {"E1b", "E1", 70, -410, 120, -360, 4, 2},
    {"E1c", "E1", 130, -410, 180, -360, 4, 2},
    {"E1d", "E1", 10, -350, 190, -230, 20, 200},
    {"Q1", NULL, 5330, 0, 5370, 50, 3, 10},
    {"C1a", "C1", 10, 10, 190, 190, 50, 500},
};
#define NP ((int)(sizeof prcs / sizeof *prcs))

static out_model *sites_model(void)
{
    out_model *m = calloc(1, sizeof *m);
    unsigned char wkb[128];
    m->crs = ibmap_strdup("EPSG:4549");
    m->scenario = ibmap_strdup("default");
    m->rules_name = ibmap_strdup("");
    m->title = ibmap_strdup("");
    m->data_date = ibmap_strdup("");
    static const char *const bcols[][4] = {{"block_id", "", "", "T"},
                                           {"town", "", "", "T"},
                                           {"area_m2", "", "", "R"}};
    out_table *t = fx_table(m, "blocks", "", 1, bcols, 3, NB);
    m->owned_klass = calloc(NB, 1);
    m->owned_mode = calloc(NB, 1);
    m->owned_area_mu = calloc(NB, sizeof(double));
    for (int r = 0; r < NB; r++) {
        const blk *b = &blks[r];
        double a = (b->x1 - b->x0) * (b->y1 - b->y0);
        out_table_set_text(t, r, 0, b->id);
        out_table_set_text(t, r, 1, "测试镇");
        out_table_set_real(t, r, 2, a);
        out_table_set_wkb(t, r, wkb, fx_rect_wkb(wkb, b->x0, b->y0, b->x1, b->y1));
        m->owned_klass[r] = (unsigned char)b->k;
        m->owned_mode[r] = (unsigned char)b->mode;
        m->owned_area_mu[r] = a / IBMAP_MU_M2;
    }
    m->klass = m->owned_klass;
    m->mode = m->owned_mode;
    m->area_mu = m->owned_area_mu;
    static const char *const pcols[][4] = {{"parcel_id", "", "", "T"},
                                           {"land_mu", "", "亩", "R"},
                                           {"tax", "", "万元", "R"},
                                           {"block_id", "", "", "T"}};
    t = fx_table(m, "parcels", "", 1, pcols, 4, NP);
    for (int r = 0; r < NP; r++) {
        const prc *p = &prcs[r];
        out_table_set_text(t, r, 0, p->id);
        out_table_set_real(t, r, 1, p->land_mu);
        out_table_set_real(t, r, 2, p->tax);
        out_table_set_text(t, r, 3, p->block);
        out_table_set_wkb(t, r, wkb, fx_rect_wkb(wkb, p->x0, p->y0, p->x1, p->y1));
    }
    static const char *const zcols[][4] = {{"id", "", "", "T"}, {"name", "", "", "T"}};
    t = fx_table(m, "redline", "", 1, zcols, 2, 1);
    out_table_set_text(t, 0, 0, "HX1");
    out_table_set_wkb(t, 0, wkb, fx_rect_wkb(wkb, 9900, -100, 10300, 300));
    t = fx_table(m, "basic_farmland", "", 1, zcols, 2, 1);
    out_table_set_text(t, 0, 0, "NT1");
    out_table_set_wkb(t, 0, wkb, fx_rect_wkb(wkb, 15100, -100, 15300, 300));
    t = fx_table(m, "parks", "", 1, zcols, 2, 1);
    out_table_set_text(t, 0, 0, "P1");
    out_table_set_text(t, 0, 1, "测试园区");
    out_table_set_wkb(t, 0, wkb, fx_rect_wkb(wkb, 4900, -100, 5310, 400));
    return m;
}

static const out_table *built_sites(out_model *m)
{
    if (out_model_set_plan(ctx, m, NULL) || out_sites_build(ctx, m, &m->sme)) {
        printf("# %s\n", ibmap_errmsg(ctx));
        return NULL;
    }
    return out_model_table(m, OUT_SITES_TABLE);
}

static int64_t row_with(const out_table *t, const char *member)
{
    for (int64_t r = 0; t && r < t->n_rows; r++) {
        const char *mem = out_text(t, r, "members");
        if (mem && strstr(mem, member)) return r;
    }
    return -1;
}

TEST(three_sites_by_hand)
{
    out_model *m = sites_model();
    const out_table *t = built_sites(m);
    CHECK(t != NULL);
    CHECK_INT(t->n_rows, 3);
    int64_t a = row_with(t, "C1"), b = row_with(t, "C3"), d = row_with(t, "C5");
    CHECK(a >= 0 && b >= 0 && d >= 0);
    CHECK(strcmp(out_text(t, a, "members"), "C1;C2") == 0);
    CHECK(strcmp(out_text(t, b, "members"), "C3;宗地:Q1") == 0);
    CHECK(strcmp(out_text(t, d, "members"), "C5") == 0);
    CHECK_NEAR(out_number(t, a, "area_mu"), 80000 / IBMAP_MU_M2, 1e-6);
    CHECK_NEAR(out_number(t, b, "area_mu"), (90000 + 2000) / IBMAP_MU_M2, 1e-6);
    CHECK_NEAR(out_number(t, d, "area_mu"), 20000 / IBMAP_MU_M2, 1e-6);
    CHECK_INT(out_number(t, a, "n_blocks"), 2);
    CHECK_INT(out_number(t, b, "n_parcels"), 1);
    /* B inside the park but for Q1's sliver outside it: 90000 / 92000. */
    CHECK_NEAR(out_number(t, b, "parks_share"), 90000.0 / 92000.0, 1e-9);
    CHECK_NEAR(out_number(t, a, "parks_share"), 0, 1e-12);
    /* A is two squares 20 m apart: 80000 / (420 × 200). */
    CHECK_NEAR(out_number(t, a, "compactness"), 80000.0 / 84000.0, 1e-9);
    /* A's movers: E1's three 4-亩 parcels (E1d is 20 亩; C1a is A's own). */
    CHECK_INT(out_number(t, a, "n_movers"), 3);
    CHECK_INT(out_number(t, b, "n_movers"), 0);
    /* Ranked by score; ids by rank. */
    CHECK(out_number(t, 0, "score") >= out_number(t, 1, "score"));
    CHECK(out_number(t, 1, "score") >= out_number(t, 2, "score"));
    CHECK(strcmp(out_text(t, 0, "site_id"), "S01") == 0);
    CHECK(strcmp(out_text(t, 2, "site_id"), "S03") == 0);
    out_model_free(m);
}

/* The block inside the red line is in no site, whatever the params. */
TEST(redline_never_proposed)
{
    out_model *m = sites_model();
    const out_table *t = built_sites(m);
    CHECK(t != NULL);
    CHECK_INT(row_with(t, "C4"), -1);
    out_model_free(m);
    /* Even with no minimum size at all. */
    m = sites_model();
    CHECK_INT(out_model_set_plan(ctx, m, NULL), IBMAP_OK);
    m->sme.min_mu = 0;
    CHECK_INT(out_sites_build(ctx, m, &m->sme), IBMAP_OK);
    t = out_model_table(m, OUT_SITES_TABLE);
    CHECK_INT(row_with(t, "C4"), -1);
    out_model_free(m);
}

/* The score by hand for A: size 120/150, compactness 80/84, parks 0,
** movers 3/50, weights 0.35, 0.2, 0.25, 0.2. */
TEST(score_by_hand)
{
    out_model *m = sites_model();
    const out_table *t = built_sites(m);
    int64_t a = row_with(t, "C1");
    CHECK(a >= 0);
    double want = 100 * (0.35 * (120.0 / 150.0) + 0.2 * (80.0 / 84.0) + 0.25 * 0 +
                         0.2 * (3.0 / 50.0));
    CHECK_NEAR(out_number(t, a, "score"), round(want * 100) / 100, 1e-9);
    out_model_free(m);
}

/* max_mu splits contiguous land: at 100 亩 C1 and C2 are two sites. */
TEST(max_mu_splits)
{
    out_model *m = sites_model();
    CHECK_INT(out_model_set_plan(ctx, m, NULL), IBMAP_OK);
    m->sme.max_mu = 100;
    CHECK_INT(out_sites_build(ctx, m, &m->sme), IBMAP_OK);
    const out_table *t = out_model_table(m, OUT_SITES_TABLE);
    int64_t a = row_with(t, "C1"), c = row_with(t, "C2");
    CHECK(a >= 0 && c >= 0 && a != c);
    out_model_free(m);
}

int main(void)
{
    (void)fx_output_model;   /* out_fixture.h's other model, not used here */
    ctx = ibmap_ctx_new();
    RUN(three_sites_by_hand);
    RUN(redline_never_proposed);
    RUN(score_by_hand);
    RUN(max_mu_splits);
    ibmap_ctx_free(ctx);
    return test_finish();
}
