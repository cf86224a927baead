/*
** out_sites.c — 小微企业园 candidate sites: land that could be grouped into
** a park for small firms (慈政办发〔2021〕31号 二、(四) "以小微企业园建设为主要
** 载体", 二、(五) "布局分散的小微企业入园集聚"), as the model's table
** sme_park_sites.  The params are the rules file's sme_parks: section
** (docs/rules.md); the defaults are a local choice (地方口径), not the
** policy's figures, except that 10 亩 (二、(一)) makes a parcel small and 5
** 万元/亩 (一、(三)) makes it low-efficiency.
**
** Candidate land, in pieces:
**   - each block classed consolidate (整合改造) whose mode is one of
**     sme_parks.modes (default: rebuild 拆除重建, consolidation 零星归宗,
**     partial_renewal 局部更新: the modes that free land to build on);
**   - each parcel outside every block that is small (land_mu under
**     small_parcel_mu) or low-efficiency (亩均税收 under low_tax_per_mu):
**     the scattered 零星 industrial land.
**   Each piece less the red line, permanent basic farmland and 优先保护
**   control units (never proposed, whatever the params); a piece of less
**   than 1 亩 left is dropped.
** Sites: pieces within link_distance of each other are contiguous.  Sites
** are grown one at a time: the first piece not yet in a site (pieces in
** block order, then parcel order) is the seed, and its contiguous pieces
** are added nearest first (distance, then order) while the site stays
** within max_mu; a site of at least min_mu is proposed.
** Score (0–100), documented in docs/rules.md:
**   100 × (w_size·min(亩 / size_ref_mu, 1) + w_compactness·compactness
**          + w_parks·parks_share + w_movers·min(movers / movers_ref, 1))
**        / (w_size + w_compactness + w_parks + w_movers)
**   compactness: the site's area over its convex hull's (1: convex, low:
**   scattered or ragged); parks_share: the share inside planned parks;
**   movers: parcels that are small, 低散乱污 or 两小 in exit or
**   consolidate blocks (not the site's own) within mover_distance of the
**   site's box: the firms that could move in.
** Sites scoring under min_score are not proposed.  Ranked by score, then
** area, then their first piece; ids S01, S02, … by rank.
**
** Determinism: everything here is serial and every loop runs in a fixed
** order (the STRtree's answers are sorted before use), so the sites are
** the same for any --threads, and the same bytes in every output.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

typedef struct piece {
    GEOSGeometry *g;       /* clipped */
    double area;           /* m² */
    int64_t block;         /* block row, -1 */
    int64_t parcel;        /* parcel row, -1 */
    int64_t site;          /* -1: none yet */
} piece;

typedef struct site {
    int64_t *pieces;
    int64_t n, cap;
    double area;
    GEOSGeometry *g;
    double compactness, parks_share, score, s_size, s_compact, s_parks, s_movers;
    int64_t movers;
    const char *town;
} site;

typedef struct hits {
    int64_t *v;
    int64_t n, cap;
    int failed;   /* a hit could not be kept: the list is short */
} hits;

static void hit(void *item, void *arg)
{
    hits *h = arg;
    if (h->n == h->cap) {
        int64_t cap = h->cap ? 2 * h->cap : 32;
        int64_t *v = realloc(h->v, (size_t)cap * sizeof *v);
        if (!v) {
            h->failed = 1;
            return;
        }
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (int64_t)(intptr_t)item - 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Query tree with the box of g grown by d; the hits sorted.  An empty g
** has no box and no hits.  0 when the hits could not all be had (out of
** memory): a short list would let a site through a red line unseen. */
static int query_box(GEOSContextHandle_t h, GEOSSTRtree *tree, const GEOSGeometry *g, double d,
                     hits *out)
{
    double x0, y0, x1, y1;
    out->n = 0;
    out->failed = 0;
    if (!GEOSGeom_getXMin_r(h, g, &x0) || !GEOSGeom_getYMin_r(h, g, &y0) ||
        !GEOSGeom_getXMax_r(h, g, &x1) || !GEOSGeom_getYMax_r(h, g, &y1))
        return 1;
    GEOSGeometry *box = GEOSGeom_createRectangle_r(h, x0 - d, y0 - d, x1 + d, y1 + d);
    if (!box) return 0;
    GEOSSTRtree_query_r(h, tree, box, hit, out);
    GEOSGeom_destroy_r(h, box);
    if (out->failed) return 0;
    if (out->n > 1) qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_i64);
    return 1;
}

/* A mover (below): the centre of its parcel's bounding box.  An array of
** these, sorted by x, answers the one question asked of the movers (which
** centres lie in a box) without a GEOS point and a tree entry each: at
** 100,000 blocks some 800,000 points, which were part of the peak of a
** run. */
typedef struct mover {
    double x, y;
    int64_t parcel;
} mover;

static int mover_cmp(const void *a, const void *b)
{
    const mover *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    if (p->y != q->y) return p->y < q->y ? -1 : 1;
    return (p->parcel > q->parcel) - (p->parcel < q->parcel);
}

/* The first of mv[0..n) (sorted by x) whose x is not below x. */
static int64_t movers_from(const mover *mv, int64_t n, double x)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mv[mid].x < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static GEOSGeometry *read_wkb(GEOSContextHandle_t h, GEOSWKBReader *rd, const out_table *t,
                              int64_t r)
{
    if (!t || !t->wkb || !t->wkb[r]) return NULL;
    GEOSGeometry *g = GEOSWKBReader_read_r(h, rd, t->wkb[r], t->wkb_size[r]);
    if (g && !GEOSisValid_r(h, g)) {
        GEOSGeometry *v = GEOSMakeValid_r(h, g);
        GEOSGeom_destroy_r(h, g);
        g = v;
    }
    return g;
}

/* The polygons of a zone table (rows where keep() says so), in a tree;
** geometries in *geoms[n]. */
typedef struct zone_set {
    GEOSGeometry **g;
    int64_t n;
    GEOSSTRtree *tree;
} zone_set;

/* 0 when out of memory.  A zone's geometry that cannot be read is left
** out, as the overlay leaves it (its log names it). */
static int zones_add(GEOSContextHandle_t h, GEOSWKBReader *rd, zone_set *z, const out_table *t,
                     const char *type_col, const char *type_value)
{
    if (!t || !t->spatial) return 1;
    GEOSGeometry **more = realloc(z->g, (size_t)(z->n + t->n_rows + 1) * sizeof *more);
    if (!more) return 0;
    z->g = more;
    for (int64_t r = 0; r < t->n_rows; r++) {
        if (type_col) {
            const char *v = out_text(t, r, type_col);
            if (!v || strcmp(v, type_value) != 0) continue;
        }
        GEOSGeometry *g = read_wkb(h, rd, t, r);
        if (g) z->g[z->n++] = g;
    }
    return 1;
}

/* 0 when the tree cannot be made. */
static int zones_index(GEOSContextHandle_t h, zone_set *z)
{
    z->tree = GEOSSTRtree_create_r(h, 10);
    for (int64_t i = 0; z->tree && i < z->n; i++)
        GEOSSTRtree_insert_r(h, z->tree, z->g[i], (void *)(intptr_t)(i + 1));
    return z->tree != NULL;
}

static void zones_free(GEOSContextHandle_t h, zone_set *z)
{
    for (int64_t i = 0; i < z->n; i++) GEOSGeom_destroy_r(h, z->g[i]);
    free(z->g);
    if (z->tree) GEOSSTRtree_destroy_r(h, z->tree);
}

/* *out: the union of the zones g's box meets, or NULL when none does.
** Returns 0, *out NULL, when that union could not be made (out of memory,
** or GEOS failed): the caller must not take it for "no zone here". */
static int zones_near(GEOSContextHandle_t h, const zone_set *z, const GEOSGeometry *g, hits *hs,
                      GEOSGeometry **out)
{
    *out = NULL;
    if (z->n == 0) return 1;
    if (!z->tree || !query_box(h, z->tree, g, 0, hs)) return 0;
    if (hs->n == 0) return 1;
    GEOSGeometry **parts = malloc((size_t)hs->n * sizeof *parts);
    if (!parts) return 0;
    int64_t k = 0;
    while (k < hs->n && (parts[k] = GEOSGeom_clone_r(h, z->g[hs->v[k]])) != NULL) k++;
    GEOSGeometry *c = NULL;
    if (k == hs->n)   /* takes the parts, even when it fails (GEOS 3.11) */
        c = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)k);
    else
        for (int64_t i = 0; i < k; i++) GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    *out = c ? GEOSUnaryUnion_r(h, c) : NULL;
    if (c) GEOSGeom_destroy_r(h, c);
    return *out != NULL;
}

static double area_of(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    double a = 0;
    return g && GEOSArea_r(h, g, &a) == 1 ? a : 0;
}

/* Ranking: score, then area, then the first piece (descending, descending,
** ascending). */
static const site *rank_sites;
static int site_cmp(const void *a, const void *b)
{
    const site *x = &rank_sites[*(const int64_t *)a], *y = &rank_sites[*(const int64_t *)b];
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    if (x->area != y->area) return x->area < y->area ? 1 : -1;
    return (x->pieces[0] > y->pieces[0]) - (x->pieces[0] < y->pieces[0]);
}

/* Neighbours of a growing site, nearest first. */
typedef struct cand {
    int64_t piece;
    double dist;
} cand;

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    return (x->piece > y->piece) - (x->piece < y->piece);
}

/* Multipolygon ISO WKB (little-endian, 2D) of g. */
static unsigned char *multi_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, size_t *size)
{
    GEOSGeometry *m = NULL;
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        GEOSGeometry *p = GEOSGeom_clone_r(h, g);
        m = p ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, &p, 1) : NULL;
    } else if (type == GEOS_MULTIPOLYGON) {
        m = GEOSGeom_clone_r(h, g);
    } else {
        /* A collection from the union: its polygons only. */
        int n = GEOSGetNumGeometries_r(h, g);
        GEOSGeometry **parts = malloc((size_t)(n > 0 ? n : 1) * sizeof *parts);
        unsigned k = 0;
        for (int i = 0; parts && i < n; i++) {
            const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
            if (GEOSGeomTypeId_r(h, p) == GEOS_POLYGON) parts[k++] = GEOSGeom_clone_r(h, p);
        }
        m = parts ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, k) : NULL;
        free(parts);
    }
    if (!m) return NULL;
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    unsigned char *out = NULL;
    if (w) {
        GEOSWKBWriter_setOutputDimension_r(h, w, 2);
        GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_NDR);
        unsigned char *buf = GEOSWKBWriter_write_r(h, w, m, size);
        if (buf) {
            out = malloc(*size);
            if (out) memcpy(out, buf, *size);
            GEOSFree_r(h, buf);
        }
        GEOSWKBWriter_destroy_r(h, w);
    }
    GEOSGeom_destroy_r(h, m);
    return out;
}

static int is_yes(double v)
{
    return isfinite(v) && v != 0;
}

static ibmap_status sites_run(ibmap_ctx *ctx, out_model *m, const unsigned char *klass,
                              const unsigned char *mode, const rules_sme *p, int add_table,
                              int64_t *count);

ibmap_status out_sites_build(ibmap_ctx *ctx, out_model *m, const rules_sme *p)
{
    int64_t n;
    return sites_run(ctx, m, m->klass, m->mode, p, 1, &n);
}

ibmap_status out_sites_count(ibmap_ctx *ctx, const out_model *m, const unsigned char *klass,
                             const unsigned char *mode, const rules_sme *p, int64_t *n)
{
    /* Not changed: add_table is 0. */
    return sites_run(ctx, (out_model *)m, klass, mode, p, 0, n);
}

static ibmap_status sites_run(ibmap_ctx *ctx, out_model *m, const unsigned char *klass,
                              const unsigned char *mode, const rules_sme *p, int add_table,
                              int64_t *count)
{
    *count = 0;
    GEOSContextHandle_t h = ctx->geos;
    const out_table *blocks = out_model_table(m, "blocks");
    const out_table *parcels = out_model_table(m, "parcels");
    if (!blocks) return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "sites: the model has no blocks");
    int64_t nb = blocks->n_rows, np = parcels ? parcels->n_rows : 0;
    ibmap_status s = IBMAP_OK;
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    zone_set excl = {0}, parks = {0};
    hits hs = {0};
    int64_t *parcel_block = NULL;
    piece *pc = calloc((size_t)(nb + np + 1), sizeof *pc);
    int64_t n = 0;
    site *sites = NULL;
    int64_t n_sites = 0;
    out_block_parcels bp = {0};
    if (!rd || !pc || !out_block_parcels_build(m, &bp)) {
        s = ibmap_nomem(ctx);
        goto done;
    }
    if (!zones_add(h, rd, &excl, out_model_table(m, "redline"), NULL, NULL) ||
        !zones_add(h, rd, &excl, out_model_table(m, "basic_farmland"), NULL, NULL) ||
        !zones_add(h, rd, &excl, out_model_table(m, "control_units"), "type", "priority") ||
        !zones_index(h, &excl) ||
        !zones_add(h, rd, &parks, out_model_table(m, "parks"), NULL, NULL) ||
        !zones_index(h, &parks)) {
        s = ibmap_nomem(ctx);
        goto done;
    }

    /* The parcel rows' blocks. */
    parcel_block = malloc((size_t)(np > 0 ? np : 1) * sizeof *parcel_block);
    if (!parcel_block) {
        s = ibmap_nomem(ctx);
        goto done;
    }
    for (int64_t q = 0; q < np; q++) parcel_block[q] = -1;
    for (int64_t b = 0; b < nb; b++)
        for (int64_t k = bp.first[b]; k < bp.first[b + 1]; k++) parcel_block[bp.idx[k]] = b;

    /* Candidate pieces, clipped. */
    for (int64_t r = 0; !s && r < nb + np; r++) {
        if ((r & 1023) == 0 && ibmap_interrupt_pending()) s = ibmap_fail_interrupted(ctx);
        int is_block = r < nb;
        int64_t row = is_block ? r : r - nb;
        if (is_block) {
            if (klass[row] != IBMAP_CLASS_CONSOLIDATE ||
                !(p->modes & (1u << (mode ? mode[row] : 0))))
                continue;
        } else {
            if (parcel_block[row] >= 0) continue;
            double land = out_number(parcels, row, "land_mu"), tax = out_number(parcels, row, "tax");
            int small = isfinite(land) && land < p->small_parcel_mu;
            int low = isfinite(land) && land > 0 && isfinite(tax) && tax / land < p->low_tax_per_mu;
            if (!small && !low) continue;
        }
        GEOSGeometry *g = read_wkb(h, rd, is_block ? blocks : parcels, row);
        if (!g) continue;
        /* Less the zones where no site may be.  When that cannot be
        ** worked out the search stops, naming the piece: a piece kept
        ** whole could be proposed inside a red line. */
        GEOSGeometry *x = NULL;
        int near_ok = zones_near(h, &excl, g, &hs, &x);
        if (near_ok && x) {
            GEOSGeometry *d = GEOSDifference_r(h, g, x);
            GEOSGeom_destroy_r(h, x);
            GEOSGeom_destroy_r(h, g);
            g = d;
        }
        if (!near_ok || !g) {
            const char *id = out_text(is_block ? blocks : parcels, row,
                                      is_block ? "block_id" : "parcel_id");
            s = ibmap_fail(ctx, IBMAP_ERR_INTERNAL,
                           "sites: %s %s less the red line, basic farmland and priority "
                           "control units cannot be computed (GEOS's last message: %s)",
                           is_block ? "block" : "parcel", id ? id : "?",
                           ctx->geos_msg[0] ? ctx->geos_msg : "out of memory");
            if (g) GEOSGeom_destroy_r(h, g);
            break;
        }
        double a = area_of(h, g);
        if (!g || a < IBMAP_MU_M2) {   /* less than 1 亩 left */
            if (g) GEOSGeom_destroy_r(h, g);
            continue;
        }
        pc[n++] = (piece){g, a, is_block ? row : -1, is_block ? -1 : row, -1};
    }
    if (s) goto done;

    /* Contiguity, through a tree of the pieces. */
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    for (int64_t i = 0; tree && i < n; i++)
        GEOSSTRtree_insert_r(h, tree, pc[i].g, (void *)(intptr_t)(i + 1));
    sites = calloc((size_t)(n > 0 ? n : 1), sizeof *sites);
    cand *front = malloc((size_t)(n > 0 ? n : 1) * sizeof *front);
    if (!tree || !sites || !front) {
        s = ibmap_nomem(ctx);
        free(front);
        if (tree) GEOSSTRtree_destroy_r(h, tree);
        goto done;
    }
    for (int64_t seed = 0; !s && seed < n; seed++) {
        if (pc[seed].site >= 0) continue;
        if ((seed & 255) == 0 && ibmap_interrupt_pending()) s = ibmap_fail_interrupted(ctx);
        site *st = &sites[n_sites];
        /* A site holds a few pieces (its area is capped): room for them
        ** grows as it does.  Room for every piece of the city in every
        ** site, as before, asked 324 MB of the heap at 10,000 blocks and
        ** grew with the square of the city. */
        st->cap = 8;
        st->pieces = malloc((size_t)st->cap * sizeof *st->pieces);
        if (!st->pieces) {
            s = ibmap_nomem(ctx);
            break;
        }
        st->pieces[st->n++] = seed;
        st->area = pc[seed].area;
        pc[seed].site = n_sites;
        /* Grow: the frontier is every unassigned piece within
        ** link_distance of a member, nearest (to any member) first. */
        for (;;) {
            int64_t nf = 0;
            for (int64_t k = 0; k < st->n; k++) {
                const piece *a = &pc[st->pieces[k]];
                if (!query_box(h, tree, a->g, p->link_distance, &hs)) {
                    s = ibmap_nomem(ctx);
                    break;
                }
                for (int64_t j = 0; j < hs.n; j++) {
                    int64_t c = hs.v[j];
                    if (pc[c].site >= 0) continue;
                    double d = 0;
                    if (GEOSDistance_r(h, a->g, pc[c].g, &d) != 1 || d > p->link_distance)
                        continue;
                    int64_t f = 0;
                    while (f < nf && front[f].piece != c) f++;
                    if (f == nf) front[nf++] = (cand){c, d};
                    else if (d < front[f].dist) front[f].dist = d;
                }
            }
            if (s) break;
            qsort(front, (size_t)nf, sizeof *front, cand_cmp);
            int added = 0;
            for (int64_t f = 0; f < nf && !added; f++) {
                piece *c = &pc[front[f].piece];
                if (st->area + c->area > p->max_mu * IBMAP_MU_M2) continue;
                if (st->n == st->cap) {
                    int64_t *more = realloc(st->pieces, (size_t)st->cap * 2 * sizeof *more);
                    if (!more) {
                        s = ibmap_nomem(ctx);
                        break;
                    }
                    st->pieces = more;
                    st->cap *= 2;
                }
                c->site = n_sites;
                st->pieces[st->n++] = front[f].piece;
                st->area += c->area;
                added = 1;
            }
            if (!added) break;
        }
        n_sites++;
    }
    free(front);
    GEOSSTRtree_destroy_r(h, tree);
    if (s) goto done;

    /* Movers: small, 低散乱污 or 两小 firms in exit or consolidate blocks. */
    mover *movers = malloc((size_t)(np > 0 ? np : 1) * sizeof *movers);
    int64_t n_movers = 0;
    if (!movers) {
        s = ibmap_nomem(ctx);
        goto done;
    }
    for (int64_t q = 0; q < np; q++) {
        int64_t b = parcel_block[q];
        if (b < 0 || (klass[b] != IBMAP_CLASS_EXIT && klass[b] != IBMAP_CLASS_CONSOLIDATE))
            continue;
        double land = out_number(parcels, q, "land_mu");
        if (!(isfinite(land) && land < p->small_parcel_mu) &&
            !is_yes(out_number(parcels, q, "is_lsl")) && !is_yes(out_number(parcels, q, "is_small")))
            continue;
        double e[4];
        GEOSGeometry *g = read_wkb(h, rd, parcels, q);
        if (!g) continue;
        if (GEOSGeom_getXMin_r(h, g, &e[0]) && GEOSGeom_getYMin_r(h, g, &e[1]) &&
            GEOSGeom_getXMax_r(h, g, &e[2]) && GEOSGeom_getYMax_r(h, g, &e[3]))
            movers[n_movers++] = (mover){(e[0] + e[2]) / 2, (e[1] + e[3]) / 2, q};
        GEOSGeom_destroy_r(h, g);
    }
    qsort(movers, (size_t)n_movers, sizeof *movers, mover_cmp);

    /* Each site: its shape, measures and score. */
    double wsum = p->w_size + p->w_compactness + p->w_parks + p->w_movers;
    for (int64_t i = 0; !s && i < n_sites; i++) {
        site *st = &sites[i];
        if (st->area < p->min_mu * IBMAP_MU_M2) continue;
        GEOSGeometry **parts = malloc((size_t)st->n * sizeof *parts);
        if (!parts) {
            s = ibmap_nomem(ctx);
            break;
        }
        for (int64_t k = 0; k < st->n; k++) parts[k] = GEOSGeom_clone_r(h, pc[st->pieces[k]].g);
        GEOSGeometry *c = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts,
                                                      (unsigned)st->n);
        free(parts);
        st->g = c ? GEOSUnaryUnion_r(h, c) : NULL;
        if (c) GEOSGeom_destroy_r(h, c);
        if (!st->g) continue;
        st->area = area_of(h, st->g);
        GEOSGeometry *hull = GEOSConvexHull_r(h, st->g);
        double ha = area_of(h, hull);
        if (hull) GEOSGeom_destroy_r(h, hull);
        st->compactness = ha > 0 ? fmin(st->area / ha, 1) : 0;
        GEOSGeometry *pz = NULL;
        if (!zones_near(h, &parks, st->g, &hs, &pz)) {
            s = ibmap_fail(ctx, IBMAP_ERR_INTERNAL,
                           "sites: the planned parks near a candidate site cannot be "
                           "united (GEOS's last message: %s)",
                           ctx->geos_msg[0] ? ctx->geos_msg : "out of memory");
            break;
        }
        if (pz) {
            GEOSGeometry *x = GEOSIntersection_r(h, st->g, pz);
            st->parks_share = st->area > 0 ? area_of(h, x) / st->area : 0;
            if (x) GEOSGeom_destroy_r(h, x);
            GEOSGeom_destroy_r(h, pz);
        }
        /* The movers whose centre lies in the site's box grown by
        ** mover_distance, edges included (as a GEOS tree query of the
        ** points had it), but for those in one of the site's blocks. */
        double x0, y0, x1, y1;
        if (n_movers && GEOSGeom_getXMin_r(h, st->g, &x0) && GEOSGeom_getYMin_r(h, st->g, &y0) &&
            GEOSGeom_getXMax_r(h, st->g, &x1) && GEOSGeom_getYMax_r(h, st->g, &y1)) {
            double d = p->mover_distance;
            x0 -= d, y0 -= d, x1 += d, y1 += d;
            for (int64_t k = movers_from(movers, n_movers, x0);
                 k < n_movers && movers[k].x <= x1; k++) {
                if (movers[k].y < y0 || movers[k].y > y1) continue;
                int64_t b = parcel_block[movers[k].parcel], own = 0;
                for (int64_t j = 0; j < st->n && !own; j++) own = pc[st->pieces[j]].block == b;
                st->movers += !own;
            }
        }
        /* The town: the one holding the site's inside point. */
        GEOSGeometry *pt = GEOSPointOnSurface_r(h, st->g);
        const out_table *tt = out_model_table(m, "towns");
        for (int64_t t = 0; pt && tt && t < tt->n_rows && !st->town; t++) {
            if (!tt->wkb || !tt->wkb[t]) continue;
            GEOSGeometry *tg = read_wkb(h, rd, tt, t);
            if (tg && GEOSContains_r(h, tg, pt) == 1) {
                st->town = out_text(tt, t, "name");
                if (!st->town) st->town = out_text(tt, t, "id");
            }
            if (tg) GEOSGeom_destroy_r(h, tg);
        }
        if (pt) GEOSGeom_destroy_r(h, pt);
        if (!st->town && pc[st->pieces[0]].block >= 0)
            st->town = out_text(blocks, pc[st->pieces[0]].block, "town");
        double mu = st->area / IBMAP_MU_M2;
        st->s_size = fmin(mu / p->size_ref_mu, 1);
        st->s_compact = st->compactness;
        st->s_parks = st->parks_share;
        st->s_movers = fmin((double)st->movers / p->movers_ref, 1);
        st->score = wsum > 0 ? 100 * (p->w_size * st->s_size + p->w_compactness * st->s_compact +
                                      p->w_parks * st->s_parks + p->w_movers * st->s_movers) /
                                   wsum
                             : 0;
        /* Two decimals, as shown: ties are then decided by area and
        ** order, not by the last bits of a sum. */
        st->score = round(st->score * 100) / 100;
        if (st->score < p->min_score) {
            GEOSGeom_destroy_r(h, st->g);
            st->g = NULL;
        }
    }
    free(movers);
    if (s) goto done;

    /* Rank and write the table. */
    int64_t *order = malloc((size_t)(n_sites > 0 ? n_sites : 1) * sizeof *order);
    int64_t n_kept = 0;
    for (int64_t i = 0; order && i < n_sites; i++)
        if (sites[i].g) order[n_kept++] = i;
    rank_sites = sites;
    if (order) qsort(order, (size_t)n_kept, sizeof *order, site_cmp);
    *count = n_kept;
    if (!add_table) {
        free(order);
        if (!order) s = ibmap_nomem(ctx);
        goto done;
    }
    out_table *t = out_model_add_table(m, OUT_SITES_TABLE, "小微企业园候选地块", 1);
    /* Adding a table may move the others. */
    blocks = out_model_table(m, "blocks");
    parcels = out_model_table(m, "parcels");
    static const char *const cols[][4] = {
        {"site_id", "候选编号", "", "T"},        {"rank", "排序", "", "I"},
        {"score", "评分", "", "R"},              {"area_mu", "面积", "亩", "R"},
        {"town", "所属镇街", "", "T"},           {"n_blocks", "区块数", "", "I"},
        {"n_parcels", "零星宗地数", "", "I"},    {"members", "组成", "", "T"},
        {"compactness", "紧凑度", "", "R"},      {"parks_share", "规划园区内占比", "", "R"},
        {"n_movers", "可入园小微企业数", "", "I"}, {"score_size", "规模得分", "", "R"},
        {"score_compactness", "紧凑得分", "", "R"}, {"score_parks", "园区得分", "", "R"},
        {"score_movers", "入园得分", "", "R"}};
    int ok = order && t != NULL;
    for (size_t c = 0; ok && c < sizeof cols / sizeof *cols; c++)
        ok = out_table_add_column(t, cols[c][0], cols[c][1], cols[c][2],
                                  cols[c][3][0] == 'T'   ? OUT_TEXT
                                  : cols[c][3][0] == 'R' ? OUT_REAL
                                                         : OUT_INTEGER) >= 0;
    ok = ok && out_table_set_rows(t, n_kept);
    for (int64_t k = 0; ok && k < n_kept; k++) {
        site *st = &sites[order[k]];
        char id[32];
        snprintf(id, sizeof id, "S%02lld", (long long)(k + 1));
        ibmap_strbuf mem = {0};
        int64_t nbk = 0, npc = 0;
        for (int64_t j = 0; j < st->n; j++) {
            const piece *q = &pc[st->pieces[j]];
            const char *pid = q->block >= 0 ? out_text(blocks, q->block, "block_id")
                                            : out_text(parcels, q->parcel, "parcel_id");
            ibmap_strbuf_printf(&mem, "%s%s%s", j ? ";" : "", q->block >= 0 ? "" : "宗地:",
                                pid ? pid : "?");
            nbk += q->block >= 0;
            npc += q->block < 0;
        }
        char *members = ibmap_strbuf_take(&mem);
        size_t wsize = 0;
        unsigned char *wkb = multi_wkb(h, st->g, &wsize);
        ok = members && wkb && out_table_set_text(t, k, 0, id) &&
             out_table_set_integer(t, k, 1, k + 1) && out_table_set_real(t, k, 2, st->score) &&
             out_table_set_real(t, k, 3, st->area / IBMAP_MU_M2) &&
             out_table_set_text(t, k, 4, st->town) && out_table_set_integer(t, k, 5, nbk) &&
             out_table_set_integer(t, k, 6, npc) && out_table_set_text(t, k, 7, members) &&
             out_table_set_real(t, k, 8, st->compactness) &&
             out_table_set_real(t, k, 9, st->parks_share) &&
             out_table_set_integer(t, k, 10, st->movers) &&
             out_table_set_real(t, k, 11, st->s_size) &&
             out_table_set_real(t, k, 12, st->s_compact) &&
             out_table_set_real(t, k, 13, st->s_parks) &&
             out_table_set_real(t, k, 14, st->s_movers) && out_table_set_wkb(t, k, wkb, wsize);
        free(members);
        free(wkb);
    }
    free(order);
    if (!ok) s = ibmap_nomem(ctx);

done:
    for (int64_t i = 0; i < n; i++) GEOSGeom_destroy_r(h, pc[i].g);
    free(pc);
    for (int64_t i = 0; sites && i < n_sites; i++) {
        free(sites[i].pieces);
        if (sites[i].g) GEOSGeom_destroy_r(h, sites[i].g);
    }
    free(sites);
    zones_free(h, &excl);
    zones_free(h, &parks);
    free(hs.v);
    free(parcel_block);
    out_block_parcels_free(&bp);
    if (rd) GEOSWKBReader_destroy_r(h, rd);
    return s;
}
