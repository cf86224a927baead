/*
** out_compare.c — two workspaces compared: two survey years, or two
** versions of a plan (ibmap_compare_workspaces in ibmap.h).
**
** Blocks are matched by id first.  A block of B whose id is not in A is
** matched to the block of A it overlaps most (intersection area, GEOS):
** renamed when that A block has no other partner in B, split when it has
** several (every piece of a split block is then "split", including one
** that kept the old id).  A block of A left without a partner is merged
** when it overlaps a block of B (named: the one it overlaps most), else
** removed; a block of B overlapping nothing in A is added.  Overlaps are
** looked up through an STRtree of A's envelopes, so the comparison is
** about n log n, not n².
**
** What is compared: the class (the transition matrix counts the B blocks
** that have an A partner: A's class in the rows, B's in the columns,
** blocks and B's 亩), and 亩均税收 (tax_per_mu) per matched block, and
** over the whole city as Σ tax / Σ land of each workspace.  A missing
** 亩均税收 stays missing: it is never read as 0.
**
** The CSV has one row per block of B and one per block of A that has no
** partner in B; the HTML page (self-contained, the report's look) has the
** matrix, the counts and the blocks that changed.
*/
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static const char *const match_names[OUT_MATCH_COUNT] = {"id", "renamed", "split",
                                                         "merged", "added", "removed"};
static const char *const match_labels[OUT_MATCH_COUNT] = {"编号相同", "更名", "拆分",
                                                          "合并", "新增", "删除"};

const char *out_match_name(out_match m)
{
    return (unsigned)m < OUT_MATCH_COUNT ? match_names[m] : "";
}

const char *out_match_label_zh(out_match m)
{
    return (unsigned)m < OUT_MATCH_COUNT ? match_labels[m] : "";
}

static void side_free(out_ws_side *s)
{
    for (int64_t i = 0; i < s->n; i++) {
        if (s->ids) free(s->ids[i]);
        if (s->town) free(s->town[i]);
        if (s->reason) free(s->reason[i]);
    }
    free(s->ids);
    free(s->town);
    free(s->reason);
    free(s->klass);
    free(s->mu);
    free(s->tax_per_mu);
    free(s->path);
    free(s->scenario);
}

void ibmap_ws_compare_free(ibmap_ws_compare *c)
{
    if (!c) return;
    side_free(&c->a);
    side_free(&c->b);
    free(c->rows);
    free(c);
}

/* The scenario to compare: the one named, else "default", else the only
** one stored. */
static ibmap_status pick_scenario(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                                  const char *asked, char **out)
{
    if (asked) return (*out = ibmap_strdup(asked)) ? IBMAP_OK
                                                   : ibmap_fail(ctx, IBMAP_ERR_NOMEM,
                                                                "out of memory");
    sqlite3_stmt *q = NULL;
    int n = 0, has_default = 0;
    char *only = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM scenarios ORDER BY name", -1, &q, NULL) ==
        SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(q, 0);
            if (!name) continue;
            n++;
            if (strcmp(name, "default") == 0) has_default = 1;
            if (!only) only = ibmap_strdup(name);
        }
    }
    sqlite3_finalize(q);
    if (has_default) {
        free(only);
        only = ibmap_strdup("default");
    } else if (n != 1) {
        free(only);
        return ibmap_fail(ctx, IBMAP_ERR_READ,
                          n == 0 ? "%s: no scenario stored (run ibmap classify first)"
                                 : "%s: several scenarios and none named default: name "
                                   "one (--scenario-a / --scenario-b)",
                          path);
    }
    if (!only) return ibmap_nomem(ctx);
    *out = only;
    return IBMAP_OK;
}

/* One workspace's blocks: ids, classes and 亩 of the scenario, 亩均税收,
** town and geometry (GEOS, NULL where none). */
static ibmap_status side_read(ibmap_ctx *ctx, const char *path, const char *scenario,
                              out_ws_side *s, GEOSGeometry ***geoms)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ibmap_status st = ibmap_fail(ctx, IBMAP_ERR_OPEN, "%s: cannot open workspace: %s",
                                     path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, 10000);
    ibmap_status st = pick_scenario(ctx, db, path, scenario, &s->scenario);
    ibmap_classification *c = NULL;
    if (!st) st = ibmap_classification_load(ctx, path, s->scenario, &c);
    int64_t n = c ? ibmap_classification_count(c) : 0;
    size_t m = (size_t)(n > 0 ? n : 1);
    if (!st) {
        s->n = n;
        s->path = ibmap_strdup(path);
        s->ids = calloc(m, sizeof *s->ids);
        s->town = calloc(m, sizeof *s->town);
        s->reason = calloc(m, sizeof *s->reason);
        s->klass = calloc(m, 1);
        s->mu = malloc(m * sizeof *s->mu);
        s->tax_per_mu = malloc(m * sizeof *s->tax_per_mu);
        *geoms = calloc(m, sizeof **geoms);
        if (!s->path || !s->ids || !s->town || !s->reason || !s->klass || !s->mu ||
            !s->tax_per_mu || !*geoms)
            st = ibmap_nomem(ctx);
    }
    for (int64_t i = 0; !st && i < n; i++) {
        s->ids[i] = ibmap_strdup(ibmap_classification_block_id(c, i));
        s->reason[i] = ibmap_strdup(ibmap_classification_reason(c, i));
        s->klass[i] = (unsigned char)ibmap_classification_class(c, i);
        s->mu[i] = ibmap_classification_area_mu(c, i);
        s->tax_per_mu[i] = NAN;
        if (!s->ids[i] || !s->reason[i]) st = ibmap_nomem(ctx);
    }
    ibmap_classification_free(c);
    sqlite3_stmt *q = NULL;
    if (!st && sqlite3_prepare_v2(db,
                                  "SELECT m.block_index, m.tax_per_mu, m.town, m.tax_sum,"
                                  " m.land_mu_sum, L.geom FROM block_metrics m"
                                  " LEFT JOIN layer_blocks L ON L.feature_index = m.block_index"
                                  " ORDER BY m.block_index",
                                  -1, &q, NULL) != SQLITE_OK)
        st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: cannot read the blocks: %s", path,
                        sqlite3_errmsg(db));
    GEOSWKBReader *rd = st ? NULL : GEOSWKBReader_create_r(ctx->geos);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        int64_t i = sqlite3_column_int64(q, 0);
        if (i < 0 || i >= n) continue;
        if (sqlite3_column_type(q, 1) != SQLITE_NULL) s->tax_per_mu[i] = sqlite3_column_double(q, 1);
        if (sqlite3_column_type(q, 2) != SQLITE_NULL &&
            !(s->town[i] = ibmap_strdup((const char *)sqlite3_column_text(q, 2))))
            st = ibmap_nomem(ctx);
        if (sqlite3_column_type(q, 3) != SQLITE_NULL && sqlite3_column_type(q, 4) != SQLITE_NULL) {
            s->tax_sum += sqlite3_column_double(q, 3);
            s->land_sum += sqlite3_column_double(q, 4);
        }
        if (rd && sqlite3_column_type(q, 5) == SQLITE_BLOB)
            (*geoms)[i] = GEOSWKBReader_read_r(ctx->geos, rd, sqlite3_column_blob(q, 5),
                                               (size_t)sqlite3_column_bytes(q, 5));
    }
    if (rd) GEOSWKBReader_destroy_r(ctx->geos, rd);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return st;
}

/* The overlaps of B's blocks with A's. */
typedef struct hit_arg {
    int64_t *hits;
    int64_t n, cap;
} hit_arg;

static void tree_hit(void *item, void *arg)
{
    hit_arg *h = arg;
    if (h->n == h->cap) {
        int64_t cap = h->cap ? 2 * h->cap : 16;
        int64_t *more = realloc(h->hits, (size_t)cap * sizeof *more);
        if (!more) return;
        h->hits = more;
        h->cap = cap;
    }
    h->hits[h->n++] = (int64_t)(intptr_t)item - 1;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The index of A's block that g overlaps most (ties: the lower index), and
** the area; -1 when it overlaps none. */
static int64_t best_overlap(ibmap_ctx *ctx, GEOSSTRtree *tree, GEOSGeometry *const *others,
                            const GEOSGeometry *g, hit_arg *h, double *area)
{
    *area = 0;
    if (!g || !tree) return -1;
    h->n = 0;
    GEOSSTRtree_query_r(ctx->geos, tree, g, tree_hit, h);
    /* The tree's order is its own: sorted, so that ties go the same way
    ** every time. */
    if (h->n > 1) qsort(h->hits, (size_t)h->n, sizeof *h->hits, cmp_i64);
    int64_t best = -1;
    for (int64_t k = 0; k < h->n; k++) {
        const GEOSGeometry *o = others[h->hits[k]];
        if (!o) continue;
        GEOSGeometry *x = GEOSIntersection_r(ctx->geos, g, o);
        double a = 0;
        if (x && GEOSArea_r(ctx->geos, x, &a) == 1 && a > *area) {
            *area = a;
            best = h->hits[k];
        }
        if (x) GEOSGeom_destroy_r(ctx->geos, x);
    }
    return best;
}

static GEOSSTRtree *make_tree(ibmap_ctx *ctx, GEOSGeometry *const *g, int64_t n)
{
    GEOSSTRtree *t = GEOSSTRtree_create_r(ctx->geos, 10);
    for (int64_t i = 0; t && i < n; i++)
        if (g[i]) GEOSSTRtree_insert_r(ctx->geos, t, g[i], (void *)(intptr_t)(i + 1));
    return t;
}

static int add_row(ibmap_ws_compare *c, int64_t a, int64_t b, out_match match, double share)
{
    if (c->n_rows == c->cap_rows) {
        int64_t cap = c->cap_rows ? 2 * c->cap_rows : 64;
        out_ws_row *more = realloc(c->rows, (size_t)cap * sizeof *more);
        if (!more) return 0;
        c->rows = more;
        c->cap_rows = cap;
    }
    c->rows[c->n_rows++] = (out_ws_row){a, b, match, share};
    c->n_match[match]++;
    return 1;
}

/* ids of a side, sorted with their index, for lookups by id. */
typedef struct id_index {
    const char *id;
    int64_t i;
} id_index;

static int id_cmp(const void *x, const void *y)
{
    const id_index *a = x, *b = y;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int64_t find_id(const id_index *ix, int64_t n, const char *id)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix[mid].id, id) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && strcmp(ix[lo].id, id) == 0 ? ix[lo].i : -1;
}

static double geom_area(ibmap_ctx *ctx, const GEOSGeometry *g)
{
    double a = 0;
    if (!g || GEOSArea_r(ctx->geos, g, &a) != 1) return NAN;
    return a;
}

ibmap_status ibmap_compare_workspaces(ibmap_ctx *ctx, const char *ws_a, const char *scenario_a,
                                      const char *ws_b, const char *scenario_b,
                                      ibmap_ws_compare **out)
{
    if (!ws_a || !ws_b || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_compare_workspaces: NULL argument");
    ibmap_ws_compare *c = calloc(1, sizeof *c);
    if (!c) return ibmap_nomem(ctx);
    GEOSGeometry **ga = NULL, **gb = NULL;
    ibmap_status st = side_read(ctx, ws_a, scenario_a, &c->a, &ga);
    if (!st) st = side_read(ctx, ws_b, scenario_b, &c->b, &gb);
    int64_t na = c->a.n, nb = c->b.n;
    id_index *ix = st ? NULL : malloc((size_t)(na > 0 ? na : 1) * sizeof *ix);
    int64_t *partner = st ? NULL : malloc((size_t)(nb > 0 ? nb : 1) * sizeof *partner);
    double *shared = st ? NULL : calloc((size_t)(nb > 0 ? nb : 1), sizeof *shared);
    int64_t *n_partners = st ? NULL : calloc((size_t)(na > 0 ? na : 1), sizeof *n_partners);
    hit_arg h = {NULL, 0, 0};
    if (!st && (!ix || !partner || !shared || !n_partners))
        st = ibmap_nomem(ctx);
    GEOSSTRtree *tree_a = NULL, *tree_b = NULL;
    if (!st) {
        for (int64_t i = 0; i < na; i++) ix[i] = (id_index){c->a.ids[i], i};
        qsort(ix, (size_t)na, sizeof *ix, id_cmp);
        tree_a = make_tree(ctx, ga, na);
        tree_b = make_tree(ctx, gb, nb);
    }
    /* B's partners: by id, else by largest overlap. */
    for (int64_t j = 0; !st && j < nb; j++) {
        if ((j & 1023) == 0 && ibmap_interrupt_pending()) st = ibmap_fail_interrupted(ctx);
        partner[j] = find_id(ix, na, c->b.ids[j]);
        if (partner[j] < 0) {
            double area;
            partner[j] = best_overlap(ctx, tree_a, ga, gb[j], &h, &area);
            shared[j] = area;
        } else {
            shared[j] = -1;   /* matched by id */
        }
        if (partner[j] >= 0) n_partners[partner[j]]++;
    }
    for (int64_t j = 0; !st && j < nb; j++) {
        int64_t i = partner[j];
        out_match mt = i < 0 ? OUT_MATCH_ADDED
                       : n_partners[i] > 1 ? OUT_MATCH_SPLIT
                       : shared[j] < 0 ? OUT_MATCH_ID
                                       : OUT_MATCH_RENAMED;
        double share = NAN;
        if (i >= 0 && shared[j] >= 0) share = shared[j] / geom_area(ctx, ga[i]);
        if (!add_row(c, i, j, mt, share)) st = ibmap_nomem(ctx);
        if (i >= 0) {
            c->blocks[c->a.klass[i]][c->b.klass[j]]++;
            if (isfinite(c->b.mu[j])) c->mu[c->a.klass[i]][c->b.klass[j]] += c->b.mu[j];
        } else {
            c->added[c->b.klass[j]]++;
        }
    }
    /* A's blocks left without a partner: merged into the B block they
    ** overlap most, or removed. */
    for (int64_t i = 0; !st && i < na; i++) {
        if (n_partners[i]) continue;
        double area;
        int64_t j = best_overlap(ctx, tree_b, gb, ga[i], &h, &area);
        double share = j >= 0 ? area / geom_area(ctx, ga[i]) : NAN;
        if (!add_row(c, i, j, j >= 0 ? OUT_MATCH_MERGED : OUT_MATCH_REMOVED, share))
            st = ibmap_nomem(ctx);
        c->removed[c->a.klass[i]]++;
    }
    if (tree_a) GEOSSTRtree_destroy_r(ctx->geos, tree_a);
    if (tree_b) GEOSSTRtree_destroy_r(ctx->geos, tree_b);
    for (int64_t i = 0; ga && i < na; i++)
        if (ga[i]) GEOSGeom_destroy_r(ctx->geos, ga[i]);
    for (int64_t j = 0; gb && j < nb; j++)
        if (gb[j]) GEOSGeom_destroy_r(ctx->geos, gb[j]);
    free(ga);
    free(gb);
    free(ix);
    free(partner);
    free(shared);
    free(n_partners);
    free(h.hits);
    if (st) {
        ibmap_ws_compare_free(c);
        return st;
    }
    *out = c;
    return IBMAP_OK;
}

void ibmap_ws_compare_matrix(const ibmap_ws_compare *c,
                             int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT],
                             double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT])
{
    for (int i = 0; i < IBMAP_CLASS_COUNT; i++)
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++) {
            if (blocks) blocks[i][j] = c ? c->blocks[i][j] : 0;
            if (mu) mu[i][j] = c ? c->mu[i][j] : 0;
        }
}

int64_t ibmap_ws_compare_count(const ibmap_ws_compare *c, const char *match)
{
    for (int k = 0; c && match && k < OUT_MATCH_COUNT; k++)
        if (strcmp(match, match_names[k]) == 0) return c->n_match[k];
    return -1;
}

double ibmap_ws_compare_tax_per_mu(const ibmap_ws_compare *c, int side)
{
    if (!c) return NAN;
    const out_ws_side *s = side ? &c->b : &c->a;
    return s->land_sum > 0 ? s->tax_sum / s->land_sum : NAN;
}

/* ---------------------------------------------------------------------- */
/* CSV                                                                    */
/* ---------------------------------------------------------------------- */

static void csv_number(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.6g", v);
}

static int csv_body(FILE *f, const void *arg)
{
    const ibmap_ws_compare *c = arg;
    fputs("block_id_a,block_id_b,match,match_zh,overlap_share,town,class_a,class_b,"
          "class_changed,mu_a,mu_b,tax_per_mu_a,tax_per_mu_b,tax_per_mu_change\r\n",
          f);
    for (int64_t r = 0; r < c->n_rows; r++) {
        const out_ws_row *w = &c->rows[r];
        int64_t i = w->a, j = w->b;
        int has_a = i >= 0, has_b = j >= 0;
        /* A merged block's row shows the block it went into, but the
        ** transition is not counted: it is the B block's partner's. */
        ibmap_csv_text(f, has_a ? c->a.ids[i] : NULL);
        fputc(',', f);
        ibmap_csv_text(f, has_b ? c->b.ids[j] : NULL);
        fprintf(f, ",%s,%s,", out_match_name(w->match), out_match_label_zh(w->match));
        csv_number(f, w->overlap_share);
        fputc(',', f);
        ibmap_csv_text(f, has_b && c->b.town[j] ? c->b.town[j] : has_a ? c->a.town[i] : NULL);
        fprintf(f, ",%s,%s,", has_a ? ibmap_class_name((ibmap_class)c->a.klass[i]) : "",
                has_b && w->match != OUT_MATCH_MERGED
                    ? ibmap_class_name((ibmap_class)c->b.klass[j])
                    : "");
        if (has_a && has_b && w->match != OUT_MATCH_MERGED)
            fputs(c->a.klass[i] != c->b.klass[j] ? "1" : "0", f);
        fputc(',', f);
        csv_number(f, has_a ? c->a.mu[i] : NAN);
        fputc(',', f);
        csv_number(f, has_b && w->match != OUT_MATCH_MERGED ? c->b.mu[j] : NAN);
        fputc(',', f);
        double ta = has_a ? c->a.tax_per_mu[i] : NAN;
        double tb = has_b && w->match != OUT_MATCH_MERGED ? c->b.tax_per_mu[j] : NAN;
        csv_number(f, ta);
        fputc(',', f);
        csv_number(f, tb);
        fputc(',', f);
        csv_number(f, tb - ta);
        fputs("\r\n", f);
    }
    return !ferror(f);
}

ibmap_status ibmap_ws_compare_write_csv(ibmap_ctx *ctx, const ibmap_ws_compare *c,
                                        const char *path)
{
    if (!c || !path) return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_ws_compare_write_csv: NULL");
    return ibmap_write_csv(ctx, path, csv_body, c);
}

/* ---------------------------------------------------------------------- */
/* HTML                                                                   */
/* ---------------------------------------------------------------------- */

static void put_mu(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.2f", fabs(v) < 0.005 ? 0.0 : v);
    else fputs("—", f);
}

void out_compare_section(FILE *f, const ibmap_ws_compare *c)
{
    fputs("<section id=\"ws-compare\">\n<h2>工作空间对比 <span class=\"en\">Between "
          "workspaces</span></h2>\n<table class=\"meta\">\n<tr><th>A</th><td>",
          f);
    out_html_esc(f, c->a.path);
    fputs(" <span class=\"key\">情景 scenario ", f);
    out_html_esc(f, c->a.scenario);
    fputs("</span></td></tr>\n<tr><th>B</th><td>", f);
    out_html_esc(f, c->b.path);
    fputs(" <span class=\"key\">情景 scenario ", f);
    out_html_esc(f, c->b.scenario);
    fputs("</span></td></tr>\n</table>\n", f);
    fprintf(f, "<p>区块 Blocks: A %lld, B %lld. 按编号匹配 matched by id: %lld；"
               "更名 renamed: %lld；拆分 split: %lld；合并 merged: %lld；新增 added: %lld；"
               "删除 removed: %lld。</p>\n",
            (long long)c->a.n, (long long)c->b.n, (long long)c->n_match[OUT_MATCH_ID],
            (long long)c->n_match[OUT_MATCH_RENAMED], (long long)c->n_match[OUT_MATCH_SPLIT],
            (long long)c->n_match[OUT_MATCH_MERGED], (long long)c->n_match[OUT_MATCH_ADDED],
            (long long)c->n_match[OUT_MATCH_REMOVED]);
    fputs("<p>全市亩均税收 City tax per mu (Σ税收 / Σ用地): A ", f);
    put_mu(f, ibmap_ws_compare_tax_per_mu(c, 0));
    fputs(" → B ", f);
    put_mu(f, ibmap_ws_compare_tax_per_mu(c, 1));
    fputs(" 万元/亩</p>\n", f);
    fputs("<h3>分类转移 <span class=\"en\">Class transitions (blocks / B's 亩) of the B "
          "blocks with a partner in A; rows A, columns B</span></h3>\n"
          "<table data-compare=\"workspaces\">\n<thead><tr><th>A ＼ B</th>",
          f);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        fputs("<th>", f);
        out_html_class_label(f, k);
        fputs("</th>", f);
    }
    fputs("<th>删除/合并 removed or merged</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < IBMAP_CLASS_COUNT; i++) {
        fputs("<tr><th scope=\"row\">", f);
        out_html_class_label(f, i);
        fputs("</th>", f);
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++) {
            fprintf(f, "<td class=\"n%s%s\" data-from=\"%s\" data-to=\"%s\">%lld / ",
                    i == j ? " same" : "", c->blocks[i][j] ? "" : " zero",
                    ibmap_class_name((ibmap_class)i), ibmap_class_name((ibmap_class)j),
                    (long long)c->blocks[i][j]);
            put_mu(f, c->mu[i][j]);
            fputs("</td>", f);
        }
        fprintf(f, "<td class=\"n\">%lld</td></tr>\n", (long long)c->removed[i]);
    }
    fputs("<tr class=\"total\"><th scope=\"row\">新增 added</th>", f);
    for (int j = 0; j < IBMAP_CLASS_COUNT; j++)
        fprintf(f, "<td class=\"n\">%lld</td>", (long long)c->added[j]);
    fputs("<td></td></tr>\n</tbody>\n</table>\n", f);

    fputs("<h3>变化的区块 <span class=\"en\">Blocks that changed (class, id, added or "
          "removed)</span></h3>\n<table data-compare=\"blocks\">\n<thead><tr><th>A</th>"
          "<th>B</th><th>匹配 Match</th><th>A 分类</th><th>B 分类</th>"
          "<th class=\"n\">亩均税收 A</th><th class=\"n\">亩均税收 B</th></tr></thead>\n"
          "<tbody>\n",
          f);
    for (int64_t r = 0; r < c->n_rows; r++) {
        const out_ws_row *w = &c->rows[r];
        int64_t i = w->a, j = w->b;
        int merged = w->match == OUT_MATCH_MERGED;
        if (w->match == OUT_MATCH_ID && c->a.klass[i] == c->b.klass[j]) continue;
        fprintf(f, "<tr data-match=\"%s\"><td><code class=\"id\">", out_match_name(w->match));
        out_html_esc(f, i >= 0 ? c->a.ids[i] : "");
        fputs("</code></td><td><code class=\"id\">", f);
        out_html_esc(f, j >= 0 ? c->b.ids[j] : "");
        fprintf(f, "</code></td><td>%s <span class=\"key\">%s</span></td><td>",
                out_match_label_zh(w->match), out_match_name(w->match));
        if (i >= 0) out_html_class_label(f, c->a.klass[i]);
        fputs("</td><td>", f);
        if (j >= 0 && !merged) out_html_class_label(f, c->b.klass[j]);
        fputs("</td><td class=\"n\">", f);
        put_mu(f, i >= 0 ? c->a.tax_per_mu[i] : NAN);
        fputs("</td><td class=\"n\">", f);
        put_mu(f, j >= 0 && !merged ? c->b.tax_per_mu[j] : NAN);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

typedef struct html_arg {
    const ibmap_ws_compare *c;
    const char *title;
} html_arg;

static int html_body(FILE *f, const void *arg)
{
    const html_arg *h = arg;
    out_html_head(f, h->title);
    out_compare_section(f, h->c);
    fputs("</main>\n<footer><p>由 ibmap 生成。 Generated by ibmap.</p></footer>\n"
          "</body>\n</html>\n",
          f);
    return !ferror(f);
}

ibmap_status ibmap_ws_compare_write_html(ibmap_ctx *ctx, const ibmap_ws_compare *c,
                                         const char *path, const char *title)
{
    if (!c || !path) return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_ws_compare_write_html: NULL");
    html_arg h = {c, title ? title : "工作空间对比 Workspaces compared"};
    return ibmap_write_file(ctx, path, html_body, &h);
}
