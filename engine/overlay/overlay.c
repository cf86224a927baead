/*
** overlay.c — every block's metrics, from the loaded layers.
**
** The unit of work is the block.  Given the overlay layers (indexed once,
** read-only afterwards) and the parcel assignment, a block's metrics depend
** on nothing but that block; so blocks are handed out to worker threads in
** any order, each worker with its own GEOS context (GEOS prepared geometries
** and error handlers are per context), and each block's result is written
** to its own slot.  Within a block every loop runs in a fixed order (pieces
** sorted by index), so the sums — and the output bytes — are the same for
** any number of threads.
**
** Exactness at a reasonable cost, per block and candidate piece:
**   1. the STRtree gives pieces whose envelope meets the block's;
**   2. a piece whose envelope nests in the block's goes to the exact
**      covers kernel of covers.c (on the block's rings, copied once, and
**      the piece's packed shape): covered, its area is the overlap, and no
**      GEOS geometry is made for it — most pieces end here;
**   3. the others are made, and a prepared "intersects" drops those that
**      do not touch the block;
**   4. "covers" either way (the kernel's answer from 2, or the block
**      inside the piece) gives the area without an intersection; only what
**      the kernel leaves undecided, and geometries the loader repaired (the
**      kernel takes valid input only), go to GEOS's (prepared) covers;
**   5. only then is the intersection computed, with GEOS's OverlayNG in
**      floating point — the same computation PostGIS's ST_Intersection
**      makes, so the areas agree with it to the last digits.
** Zone polygons that overlap each other (two red lines drawn by two offices)
** are counted once: when more than one zone feature meets a block, the
** pieces inside it are unioned before measuring, as QGIS's overlap analysis
** does.  Land-use polygons are too, but only where the kernel cannot prove
** that those meeting the block are disjoint (landuse_once).
**
** Floating-point overlay can throw on nearly coincident edges.  A block
** on which GEOS fails is recomputed with OverlayNG snap-rounded to a fixed
** precision grid (the `grid` option, default 1 mm), which cannot fail in
** that way, then on grids 10 and 100 times coarser; if that fails too, the
** block is marked "failed: <message>" and the run goes on.  (A fixed grid
** from the start would be robust too, but snapping every intersection
** vertex by up to half a millimetre moves areas by up to ~5e-6 of a block,
** measured against PostGIS on the benchmark cities; floating point agrees
** to 1e-12.)
*/
#include <geodesic.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overlay/overlay.h"

/* Control-unit classes, in the order of the cu_*_m2 metrics. */
enum { CU_PRIORITY, CU_KEY_INDUSTRY, CU_KEY_URBAN, CU_KEY_OTHER, CU_GENERAL,
       CU_CLASSES };

/* The zone roles measured the same way, with their metrics. */
static const struct {
    ibmap_role role;
    int m2, share, id;
} zone_roles[] = {
    {IBMAP_ROLE_REDLINE, M_REDLINE_M2, M_REDLINE_SHARE, M_REDLINE_ID},
    {IBMAP_ROLE_BASIC_FARMLAND, M_BASIC_FARMLAND_M2, M_BASIC_FARMLAND_SHARE,
     M_BASIC_FARMLAND_ID},
    {IBMAP_ROLE_PARKS, M_PARKS_M2, M_PARKS_SHARE, M_PARKS_ID},
    {IBMAP_ROLE_CENTRAL, M_CENTRAL_M2, M_CENTRAL_SHARE, M_CENTRAL_ID},
    {IBMAP_ROLE_TRANSITION, M_TRANSITION_M2, M_TRANSITION_SHARE,
     M_TRANSITION_ID},
};
#define N_ZONE_ROLES (int)(sizeof zone_roles / sizeof zone_roles[0])

void ibmap_overlay_options_init(ibmap_overlay_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 0;
    o->grid = 0.001;
    o->parcels = IBMAP_PARCELS_MAJORITY;
    o->max_piece_vertices = 256;
}

/* ---------------------------------------------------------------------- */
/* Workers                                                                */
/* ---------------------------------------------------------------------- */

/* One overlap of the block being measured with one piece. */
typedef struct overlap {
    int64_t feature;
    int64_t piece;        /* in the zone index */
    double area;
    GEOSGeometry *inter;  /* the part inside the block; NULL for a piece
                             the block covers (overlap_part() makes it) */
    int owned;            /* inter is ours to free (else borrowed) */
    int covers_block;     /* the piece covers the whole block */
} overlap;

/* A parcel counted in a block, with the fraction of it that counts there
** (1 in majority mode). */
typedef struct member {
    int64_t parcel;
    double fraction;
} member;

typedef struct worker {
    GEOSContextHandle_t h;
    PJ_CONTEXT *proj;       /* ellipsoidal mode: this worker's PROJ */
    PJ *to_geographic;      /* working CRS -> CGCS2000 lon/lat */
    char msg[512];
    int64_t *cand;
    int64_t cand_cap;
    overlap *ov;
    int64_t n_ov, ov_cap;
    const ibmap_zone_index *ov_z;   /* whose pieces ov holds */
    int nomem;
    ibmap_cover_geom block_cover;   /* the current block's rings */
    ibmap_cover_geom piece_cover;
    ibmap_cover_scratch cover_scratch;
    int64_t covers_kernel[IBMAP_COVERS_KINDS], covers_geos[IBMAP_COVERS_KINDS];
    /* the land-use pieces of the block, for the disjointness test */
    ibmap_cover_geom *lu_cover;
    struct lu_key { double x0; int64_t ov; } *lu_key;
    int64_t lu_cap;
    int64_t lu_kernel, lu_geos;   /* blocks settled each way */
} worker;

typedef struct block_lu {   /* per-block land-use rows, before merging */
    ibmap_lu_row *rows;
    int n;
} block_lu;

/* The parcels a block overlaps, with the area of each inside it (in
** parcel order), before parcels are assigned. */
typedef struct hit_list {
    member *v;   /* fraction holds the overlap area in m² here */
    int64_t n;
} hit_list;

typedef struct job {
    ibmap_data *data;
    const ibmap_overlay_options *o;
    ibmap_metrics *m;
    ibmap_zone_index *idx[IBMAP_ROLE_COUNT];
    signed char *cu_class;       /* per control unit */
    hit_list *hits;              /* per block */
    hit_list *lu_ovl;            /* per block: land-use features (parcel)
                                    and the m² (fraction) each overlapped
                                    earlier ones by */
    hit_list *ovl;               /* per block: the other blocks overlapping
                                    it (parcel = block index, fraction =
                                    overlap m²), in block order */
    double *parcel_mu;           /* land area used for each parcel, 亩 */
    int64_t *block_first;        /* parcels of block b: entries      */
    member *block_entries;       /* [block_first[b], block_first[b+1]) */
    block_lu *lu;
    atomic_llong next;
    int64_t n_items;
} job;

static void worker_message(const char *message, void *userdata)
{
    worker *w = userdata;
    snprintf(w->msg, sizeof w->msg, "%s", message);
}

static void worker_notice(const char *message, void *userdata)
{
    (void)message;
    (void)userdata;
}

static void overlaps_clear(worker *w)
{
    for (int64_t i = 0; i < w->n_ov; i++)
        if (w->ov[i].owned && w->ov[i].inter)
            GEOSGeom_destroy_r(w->h, w->ov[i].inter);
    w->n_ov = 0;
}

static overlap *overlap_push(worker *w)
{
    if (w->n_ov == w->ov_cap) {
        int64_t cap = w->ov_cap ? w->ov_cap * 2 : 64;
        overlap *o = realloc(w->ov, (size_t)cap * sizeof *o);
        if (!o) {
            w->nomem = 1;
            return NULL;
        }
        w->ov = o;
        w->ov_cap = cap;
    }
    overlap *o = &w->ov[w->n_ov++];
    memset(o, 0, sizeof *o);
    return o;
}

/* ---------------------------------------------------------------------- */
/* Measuring one block against one layer                                  */
/* ---------------------------------------------------------------------- */

static GEOSGeometry *intersection(worker *w, const GEOSGeometry *a,
                                  const GEOSGeometry *b, double grid)
{
    return grid > 0 ? GEOSIntersectionPrec_r(w->h, a, b, grid)
                    : GEOSIntersection_r(w->h, a, b);
}

/* Whether a covers b (1, 0; 2 when GEOS failed), given the exact
** kernel's answer r on their rings: r itself, or GEOS's (prepared as ap
** when given) when the kernel left it undecided.  Counted under `kind`. */
static char covers_with(worker *w, int kind, ibmap_covers_result r,
                        const GEOSPreparedGeometry *ap, const GEOSGeometry *a,
                        const GEOSGeometry *b)
{
    if (r != IBMAP_COVERS_UNDECIDED) {
        w->covers_kernel[kind]++;
        return r == IBMAP_COVERS_YES;
    }
    w->covers_geos[kind]++;
    return ap ? GEOSPreparedCovers_r(w->h, ap, b) : GEOSCovers_r(w->h, a, b);
}

/* The rings of piece p for the kernel, read from its shape; not usable
** (GEOS decides) when the loader repaired the feature: make-valid's output
** is not checked again, and the kernel's answers hold for valid
** geometries only. */
static const ibmap_cover_geom *piece_cover(worker *w, const ibmap_zone_index *z,
                                           const ibmap_piece *p)
{
    const ibmap_layer *L = z->layer;
    if (L && L->geom_state && (L->geom_state[p->feature] & IBMAP_GEOM_REPAIRED))
        w->piece_cover.usable = 0;
    else
        ibmap_cover_geom_set_shape(&w->piece_cover, p->shape);
    return &w->piece_cover;
}

/* The part of overlap o inside the block, as a new geometry the caller
** owns: a copy of o->inter, or, for a piece the block covers (whose
** geometry collect_overlaps never made), the piece itself.  NULL when
** GEOS or memory failed. */
static GEOSGeometry *overlap_part(worker *w, const overlap *o)
{
    if (o->inter) return GEOSGeom_clone_r(w->h, o->inter);
    GEOSGeometry *g = ibmap_shape_geos(w->h, w->ov_z->pieces[o->piece].shape);
    if (!g) w->nomem = 1;
    return g;
}

/* Fill w->ov with the overlaps of g (prepared as gp, area g_area; its rings
** in w->block_cover) with the pieces of z, in piece order; covers tests
** are counted under `kind`.  Returns 0 when GEOS failed.
**
** Most pieces lie in the block and share its edges.  Their envelopes nest
** in the block's, and the kernel, reading the piece's shape, finds the
** block covers them: the overlap is the piece, and no GEOS geometry is
** made for it here (o->inter stays NULL; overlap_part() makes one if a
** union needs it).  Every other candidate is made, tested for
** intersecting the block, and cut by it. */
static int collect_overlaps(worker *w, const GEOSGeometry *g,
                            const GEOSPreparedGeometry *gp, double g_area,
                            const ibmap_zone_index *z, double grid, int kind)
{
    overlaps_clear(w);
    w->ov_z = z;
    if (!z || z->n == 0) return 1;
    int64_t n = ibmap_zone_index_query(w->h, z, g, &w->cand, &w->cand_cap);
    if (n < 0) return w->nomem = 1, 0;
    double gx0, gy0, gx1, gy1;
    if (!GEOSGeom_getExtent_r(w->h, g, &gx0, &gy0, &gx1, &gy1)) return 0;
    for (int64_t k = 0; k < n; k++) {
        const ibmap_piece *p = &z->pieces[w->cand[k]];
        /* Covers in either direction is only possible when the envelopes
        ** nest: a cheap test that spares most full relate computations
        ** (GEOS falls back to one whenever two boundaries touch). */
        double px0, py0, px1, py1;
        if (!ibmap_shape_extent(w->h, p->shape, &px0, &py0, &px1, &py1)) return 0;
        int nest_in = px0 >= gx0 && py0 >= gy0 && px1 <= gx1 && py1 <= gy1;
        int nest_around = px0 <= gx0 && py0 <= gy0 && px1 >= gx1 && py1 >= gy1;
        const ibmap_cover_geom *pc = nest_in || nest_around ? piece_cover(w, z, p) : NULL;
        ibmap_covers_result in_r =
            nest_in ? ibmap_covers(&w->block_cover, pc, &w->cover_scratch) : IBMAP_COVERS_NO;
        if (in_r == IBMAP_COVERS_YES) {
            /* covered (so intersecting: a valid polygon has area) */
            overlap *o = overlap_push(w);
            if (!o) return 0;
            w->covers_kernel[kind]++;
            o->feature = p->feature;
            o->piece = w->cand[k];
            o->area = p->area;
            continue;
        }
        /* the piece's own GEOS geometry, for this block only; made from
        ** coordinates GEOS accepted at load, so only memory can fail it */
        GEOSGeometry *pg = ibmap_shape_geos(w->h, p->shape);
        if (!pg) return w->nomem = 1, 0;
        char hit = GEOSPreparedIntersects_r(w->h, gp, pg);
        if (hit != 1) {
            GEOSGeom_destroy_r(w->h, pg);
            if (hit == 2) return 0;
            continue;
        }
        overlap *o = overlap_push(w);
        if (!o) {
            GEOSGeom_destroy_r(w->h, pg);
            return 0;
        }
        o->feature = p->feature;
        o->piece = w->cand[k];
        /* the overlap owns pg until it is given its intersection */
        o->inter = pg;
        o->owned = 1;
        char inside = 0;
        if (nest_in) inside = covers_with(w, kind, in_r, gp, g, pg);
        if (inside == 2) return 0;
        if (inside) {
            o->area = p->area;
            continue;
        }
        char around = 0;
        if (nest_around)
            around = covers_with(w, kind, ibmap_covers(pc, &w->block_cover, &w->cover_scratch),
                                 NULL, pg, g);
        if (around == 2) return 0;
        if (around) {
            GEOSGeom_destroy_r(w->h, pg);
            o->area = g_area;
            o->inter = (GEOSGeometry *)g;
            o->owned = 0;
            o->covers_block = 1;
            continue;
        }
        o->inter = intersection(w, g, pg, grid);
        GEOSGeom_destroy_r(w->h, pg);
        if (!o->inter) return 0;
        if (GEOSArea_r(w->h, o->inter, &o->area) != 1) return 0;
    }
    return 1;
}

/* Total area of the overlaps whose feature is in class `cls` (all when
** classes is NULL), counting overlapping features once.  *ok is cleared
** when GEOS failed. */
static double union_once_area(worker *w, const signed char *classes, int cls,
                              double g_area, double grid, int *ok)
{
    double sum = 0;
    int64_t first_feature = -1, n = 0;
    int several = 0, covered = 0;
    for (int64_t i = 0; i < w->n_ov; i++) {
        overlap *o = &w->ov[i];
        if ((classes && classes[o->feature] != cls) || !(o->area > 0)) continue;
        if (first_feature < 0) first_feature = o->feature;
        several |= o->feature != first_feature;
        covered |= o->covers_block;
        sum += o->area;
        n++;
    }
    /* Pieces of one feature never overlap: their sum is exact. */
    if (!several) return sum;
    if (covered) return g_area;
    GEOSGeometry **parts = malloc((size_t)n * sizeof *parts);
    if (!parts) return w->nomem = 1, *ok = 0, 0;
    int64_t k = 0;
    for (int64_t i = 0; i < w->n_ov; i++) {
        overlap *o = &w->ov[i];
        if ((classes && classes[o->feature] != cls) || !(o->area > 0)) continue;
        if (!(parts[k] = overlap_part(w, o))) break;
        k++;
    }
    GEOSGeometry *coll = NULL;
    if (k == n)
        /* takes the parts, even when it fails */
        coll = GEOSGeom_createCollection_r(w->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)k);
    else
        for (int64_t i = 0; i < k; i++) GEOSGeom_destroy_r(w->h, parts[i]);
    free(parts);
    if (!coll) return *ok = 0, 0;
    GEOSGeometry *u = grid > 0 ? GEOSUnaryUnionPrec_r(w->h, coll, grid)
                               : GEOSUnaryUnion_r(w->h, coll);
    GEOSGeom_destroy_r(w->h, coll);
    double area = 0;
    if (!u || GEOSArea_r(w->h, u, &area) != 1) *ok = 0;
    if (u) GEOSGeom_destroy_r(w->h, u);
    return area;
}

/* The feature with the largest total overlap with a geometry of area
** g_area (ties: the lowest index, which overlaps in piece order give for
** free), or -1.  A feature cut into pieces has its overlap summed over
** them, which can land a few units in the last place away from the same
** overlap measured whole; so overlaps within 1e-9 of g_area of each other
** are ties, and none counts for more than g_area. */
static int64_t largest_feature(worker *w, double g_area)
{
    int64_t best = -1, cur = -1;
    double best_area = 0, cur_area = 0, tie = 1e-9 * g_area;
    for (int64_t i = 0; i <= w->n_ov; i++) {
        if (i == w->n_ov || w->ov[i].feature != cur) {
            if (cur_area > g_area) cur_area = g_area;
            if (cur >= 0 && cur_area > 0 && cur_area > best_area + tie) {
                best = cur;
                best_area = cur_area;
            }
            if (i == w->n_ov) break;
            cur = w->ov[i].feature;
            cur_area = 0;
        }
        cur_area += w->ov[i].area;
    }
    return best;
}

/* Distance from g to the nearest piece of z: the distance D to any piece
** near g bounds the answer, so one more query of g's envelope grown by D
** finds every piece that can be nearer.  NaN when z is empty. */
static double nearest_distance(worker *w, const GEOSGeometry *g,
                               const GEOSPreparedGeometry *gp,
                               const ibmap_zone_index *z, int *ok)
{
    if (!z || z->n == 0) return NAN;
    double x0, y0, x1, y1;
    if (!GEOSGeom_getExtent_r(w->h, g, &x0, &y0, &x1, &y1)) return *ok = 0, NAN;
    double reach = 100;
    for (int pass = 0; pass < 40; pass++) {
        GEOSGeometry *box = GEOSGeom_createRectangle_r(
            w->h, x0 - reach, y0 - reach, x1 + reach, y1 + reach);
        if (!box) return *ok = 0, NAN;
        int64_t n = ibmap_zone_index_query(w->h, z, box, &w->cand, &w->cand_cap);
        GEOSGeom_destroy_r(w->h, box);
        if (n < 0) return w->nomem = 1, *ok = 0, NAN;
        if (n == 0) {
            reach *= 4;
            continue;
        }
        double best = INFINITY;
        for (int64_t k = 0; k < n; k++) {
            double d;
            /* The prepared distance indexes the block's segments once,
            ** instead of comparing every pair of segments anew for each
            ** piece. */
            GEOSGeometry *pg = ibmap_shape_geos(w->h, z->pieces[w->cand[k]].shape);
            if (!pg) w->nomem = 1;
            int got = pg && GEOSPreparedDistance_r(w->h, gp, pg, &d) == 1;
            if (pg) GEOSGeom_destroy_r(w->h, pg);
            if (!got) return *ok = 0, NAN;
            if (d < best) best = d;
        }
        if (best <= reach) return best;
        reach = best; /* one more pass with the bound found */
    }
    return *ok = 0, NAN;
}

/* ---------------------------------------------------------------------- */
/* One block                                                              */
/* ---------------------------------------------------------------------- */

static void set_num(job *j, int64_t b, int metric, double v)
{
    j->m->num[METRIC_AT(b, metric)] = v;
}

static int set_text(worker *w, job *j, int64_t b, int metric, const char *s)
{
    char **slot = &j->m->text[METRIC_AT(b, metric)];
    free(*slot);
    *slot = NULL;
    if (!s) return 1;
    *slot = ibmap_strdup(s);
    if (!*slot) w->nomem = 1;
    return *slot != NULL;
}

static double ratio(double a, double b)
{
    return b > 0 && isfinite(a) ? a / b : NAN;
}

/* The parcel aggregates of block b.  Missing is never zero: a sum runs
** over the parcels whose value is known (NULL when none is), and a rate
** divides the numerator known on some parcels by the denominator of those
** same parcels, never by the land of parcels whose numerator is missing;
** the *_known_land_share metrics say how much of the block's parcel land
** a rate stands on (docs/metrics.md, "Rates and missing values"). */
static void block_parcels(job *j, int64_t b)
{
    const ibmap_layer *P = j->data->layers[IBMAP_ROLE_PARCELS];
    enum { S_TAX, S_VA, S_REVENUE, S_ENERGY, S_EMISSIONS, S_EMPLOYEES, S_RND,
           S_FLOOR, NSUM };
    static const struct { const char *field; int metric, known_share; } sums[NSUM] = {
        {"tax", M_TAX_SUM, M_TAX_KNOWN_LAND_SHARE},
        {"value_added", M_VALUE_ADDED_SUM, M_VA_KNOWN_LAND_SHARE},
        {"revenue", M_REVENUE_SUM, -1},
        {"energy", M_ENERGY_SUM, M_ENERGY_KNOWN_LAND_SHARE},
        {"emissions", M_EMISSIONS_SUM, -1},
        {"employees", M_EMPLOYEES_SUM, M_EMPLOYEES_KNOWN_LAND_SHARE},
        {"rnd", M_RND_SUM, -1},
        {"floor_m2", M_FLOOR_M2_SUM, M_FLOOR_KNOWN_LAND_SHARE}};
    double total[NSUM] = {0}, known_land[NSUM] = {0};
    int64_t present[NSUM] = {0};
    /* value added over energy and over employees: both known */
    double va_e = 0, e_va = 0, va_w = 0, w_va = 0;
    double n = 0, land = 0, grade_land[5] = {0}, n_lsl = 0, n_small = 0,
           n_smallp = 0, computed_land = 0;
    int64_t lsl_known = 0, small_known = 0;
    const double *col[NSUM];
    for (int s = 0; s < NSUM; s++) col[s] = ibmap_layer_num_column(P, sums[s].field);
    char *const *grade = ibmap_layer_text_column(P, "grade");
    const double *is_lsl = ibmap_layer_num_column(P, "is_lsl");
    const double *is_small = ibmap_layer_num_column(P, "is_small");
    for (int64_t k = j->block_first[b]; k < j->block_first[b + 1]; k++) {
        int64_t p = j->block_entries[k].parcel;
        double f = j->block_entries[k].fraction;
        n++;
        double mu = j->parcel_mu[p];
        /* a parcel without a land area (no land_mu, no polygon) has no
        ** weight: it counts in no rate and in no share */
        int mu_known = isfinite(mu);
        if (mu_known) land += f * mu;
        double v[NSUM];
        for (int s = 0; s < NSUM; s++) {
            v[s] = col[s] ? col[s][p] : NAN;
            if (isfinite(v[s])) {
                total[s] += f * v[s];
                present[s]++;
                if (mu_known) known_land[s] += f * mu;
            }
        }
        if (isfinite(v[S_VA]) && isfinite(v[S_ENERGY])) {
            va_e += f * v[S_VA];
            e_va += f * v[S_ENERGY];
        }
        if (isfinite(v[S_VA]) && isfinite(v[S_EMPLOYEES])) {
            va_w += f * v[S_VA];
            w_va += f * v[S_EMPLOYEES];
        }
        const char *g = grade ? grade[p] : NULL;
        int gi = g && g[0] >= 'A' && g[0] <= 'D' ? g[0] - 'A' : 4;
        if (mu_known) {
            grade_land[gi] += f * mu;
            if (ibmap_layer_grade_computed(P, p)) computed_land += f * mu;
        }
        if (is_lsl && isfinite(is_lsl[p])) {
            lsl_known++;
            n_lsl += is_lsl[p] == 1;
        }
        if (is_small && isfinite(is_small[p])) {
            small_known++;
            n_small += is_small[p] == 1;
        }
        if (mu < 10) n_smallp++;
    }
    set_num(j, b, M_N_PARCELS, n);
    for (int s = 0; s < NSUM; s++) {
        /* no value at all among the block's parcels is "unknown", not 0 */
        set_num(j, b, sums[s].metric, n > 0 && present[s] == 0 ? NAN : total[s]);
        if (sums[s].known_share >= 0)
            set_num(j, b, sums[s].known_share, ratio(known_land[s], land));
    }
    set_num(j, b, M_LAND_MU_SUM, land);
    set_num(j, b, M_TAX_PER_MU,
            present[S_TAX] ? ratio(total[S_TAX], known_land[S_TAX]) : NAN);
    set_num(j, b, M_VA_PER_MU,
            present[S_VA] ? ratio(total[S_VA], known_land[S_VA]) : NAN);
    set_num(j, b, M_VA_PER_ENERGY, ratio(va_e, e_va));
    set_num(j, b, M_LABOUR_PRODUCTIVITY, ratio(va_w, w_va));
    set_num(j, b, M_FAR,
            present[S_FLOOR] ? ratio(total[S_FLOOR], known_land[S_FLOOR] * IBMAP_MU_M2)
                             : NAN);
    static const int grade_metric[5] = {M_GRADE_A_SHARE, M_GRADE_B_SHARE,
                                        M_GRADE_C_SHARE, M_GRADE_D_SHARE,
                                        M_GRADE_NONE_SHARE};
    for (int g = 0; g < 5; g++)
        set_num(j, b, grade_metric[g], ratio(grade_land[g], land));
    set_num(j, b, M_GRADE_COMPUTED_SHARE, ratio(computed_land, land));
    /* a flag missing on every parcel is unknown, not "none flagged" */
    set_num(j, b, M_N_LSL, n > 0 && lsl_known == 0 ? NAN : n_lsl);
    set_num(j, b, M_N_SMALL, n > 0 && small_known == 0 ? NAN : n_small);
    set_num(j, b, M_SMALL_PARCEL_SHARE, ratio(n_smallp, n));
}

static int cmp_lu_row(const void *a, const void *b)
{
    return strcmp(((const ibmap_lu_row *)a)->code, ((const ibmap_lu_row *)b)->code);
}

static int cmp_lu_key(const void *a, const void *b)
{
    const struct lu_key *p = a, *q = b;
    if (p->x0 != q->x0) return p->x0 < q->x0 ? -1 : 1;
    return (p->ov > q->ov) - (p->ov < q->ov);
}

/* Whether the features of the overlaps in w->ov (pieces of z) are
** pairwise interior-disjoint, proven by the exact kernel on the pieces
** themselves: their parts inside the block then overlap no more than
** they do.  0 when not proven: they overlap, the kernel left a pair
** undecided, a feature was repaired by the loader (the kernel's answers
** hold for valid polygons, and make-valid's output is not checked again),
** or memory ran out.  A sweep on x visits only pairs whose envelopes
** overlap; pieces of one feature never overlap each other. */
static int pieces_disjoint(worker *w, const ibmap_zone_index *z)
{
    const ibmap_layer *L = z->layer;
    if (w->n_ov > w->lu_cap) {
        ibmap_cover_geom *c = realloc(w->lu_cover, (size_t)w->n_ov * sizeof *c);
        if (c) {
            memset(c + w->lu_cap, 0, (size_t)(w->n_ov - w->lu_cap) * sizeof *c);
            w->lu_cover = c;
        }
        struct lu_key *k = c ? realloc(w->lu_key, (size_t)w->n_ov * sizeof *k) : NULL;
        if (!k) return 0;
        w->lu_key = k;
        w->lu_cap = w->n_ov;
    }
    int64_t n = 0;
    for (int64_t i = 0; i < w->n_ov; i++) {
        const overlap *o = &w->ov[i];
        if (!(o->area > 0)) continue;
        if (L && L->geom_state && (L->geom_state[o->feature] & IBMAP_GEOM_REPAIRED))
            return 0;
        if (!ibmap_cover_geom_set_shape(&w->lu_cover[i], z->pieces[o->piece].shape))
            return 0;
        w->lu_key[n].x0 = w->lu_cover[i].x0;
        w->lu_key[n++].ov = i;
    }
    qsort(w->lu_key, (size_t)n, sizeof *w->lu_key, cmp_lu_key);
    for (int64_t a = 0; a < n; a++) {
        int64_t ia = w->lu_key[a].ov;
        const ibmap_cover_geom *ca = &w->lu_cover[ia];
        for (int64_t b = a + 1; b < n && w->lu_key[b].x0 < ca->x1; b++) {
            int64_t ib = w->lu_key[b].ov;
            const ibmap_cover_geom *cb = &w->lu_cover[ib];
            if (w->ov[ia].feature == w->ov[ib].feature || cb->y0 >= ca->y1 ||
                cb->y1 <= ca->y0)
                continue;
            if (ibmap_interiors_disjoint(ca, cb, &w->cover_scratch) != IBMAP_COVERS_YES)
                return 0;
        }
    }
    return 1;
}

/* Land-use polygons that overlap each other inside block b (三调 is a
** partition, but not every land-use layer is): each piece keeps only what
** no earlier piece (in layer order) covers, so the land is counted once
** and no share exceeds 1.  What each feature lost goes to j->lu_ovl[b]
** for the log.  Done only when the pieces' areas add up to more than their
** union.  The union is the costly part: where the features are proven not
** to overlap at all (the rule for 三调), it is not made.  Returns 0 when
** GEOS failed. */
static int landuse_once(worker *w, job *j, int64_t b, double area, double grid)
{
    hit_list *h = &j->lu_ovl[b];
    free(h->v);
    h->v = NULL;
    h->n = 0;
    double sum = 0;
    int64_t first = -1;
    int several = 0, covered = 0;
    for (int64_t i = 0; i < w->n_ov; i++)
        if (w->ov[i].area > 0) {
            sum += w->ov[i].area;
            if (first < 0) first = w->ov[i].feature;
            several |= w->ov[i].feature != first;
            covered |= w->ov[i].covers_block;
        }
    /* Only on the floating-point pass: on a snapping grid the parts inside
    ** the block can overlap where the features do not. */
    if (grid == 0 && several && !covered) {
        if (pieces_disjoint(w, j->idx[IBMAP_ROLE_LANDUSE])) {
            w->lu_kernel++;
            return 1;
        }
        w->lu_geos++;
    }
    int ok = 1;
    double u = union_once_area(w, NULL, 0, area, grid, &ok);
    if (!ok) return 0;
    if (!(sum - u > 1e-9 * (area > 1 ? area : 1))) return 1;
    GEOSGeometry *seen = NULL;
    for (int64_t i = 0; ok && i < w->n_ov; i++) {
        overlap *o = &w->ov[i];
        if (!(o->area > 0)) continue;
        if (!o->inter) {
            /* a covered piece: its geometry, from now on the overlap's */
            if (!(o->inter = overlap_part(w, o))) {
                ok = 0;
                break;
            }
            o->owned = 1;
        }
        if (!seen) {
            seen = GEOSGeom_clone_r(w->h, o->inter);
            ok = seen != NULL;
            continue;
        }
        GEOSGeometry *rest = grid > 0 ? GEOSDifferencePrec_r(w->h, o->inter, seen, grid)
                                      : GEOSDifference_r(w->h, o->inter, seen);
        GEOSGeometry *grown = grid > 0 ? GEOSUnionPrec_r(w->h, seen, o->inter, grid)
                                       : GEOSUnion_r(w->h, seen, o->inter);
        double a = 0;
        if (!rest || !grown || GEOSArea_r(w->h, rest, &a) != 1) ok = 0;
        if (grown) {
            GEOSGeom_destroy_r(w->h, seen);
            seen = grown;
        }
        if (ok && o->area - a > 0) {
            /* pieces of one feature are consecutive: one entry per feature */
            if (h->n > 0 && h->v[h->n - 1].parcel == o->feature) {
                h->v[h->n - 1].fraction += o->area - a;
            } else {
                member *v = realloc(h->v, (size_t)(h->n + 1) * sizeof *v);
                if (!v) {
                    ok = 0;
                    w->nomem = 1;
                } else {
                    h->v = v;
                    h->v[h->n].parcel = o->feature;
                    h->v[h->n].fraction = o->area - a;
                    h->n++;
                }
            }
        }
        if (!rest) continue;
        if (o->owned && o->inter) GEOSGeom_destroy_r(w->h, o->inter);
        o->inter = rest;
        o->owned = 1;
        o->covers_block = 0;
        o->area = a;
    }
    if (seen) GEOSGeom_destroy_r(w->h, seen);
    return ok;
}

/* Land-use composition of block b from the overlaps in w->ov. */
static int block_landuse(worker *w, job *j, int64_t b, double area, double grid)
{
    const ibmap_layer *L = j->data->layers[IBMAP_ROLE_LANDUSE];
    double group[IBMAP_LU_GROUP_COUNT] = {0}, unknown = 0, covered = 0;
    ibmap_lu_row *rows = NULL;
    int n = 0;
    if (!landuse_once(w, j, b, area, grid)) return 0;
    int fc = ibmap_role_field_index(IBMAP_ROLE_LANDUSE, "code");
    for (int64_t i = 0; i < w->n_ov; i++) {
        overlap *o = &w->ov[i];
        if (!(o->area > 0)) continue;
        int g = L->lu_group[o->feature];
        if (g >= 0) group[g] += o->area;
        else unknown += o->area;
        covered += o->area;
        const char *code = L->columns[fc].text[o->feature];
        ibmap_lu_row *r = realloc(rows, (size_t)(n + 1) * sizeof *r);
        if (!r) break;
        rows = r;
        rows[n].block = b;
        rows[n].code = (char *)(code ? code : "");
        rows[n].area = o->area;
        n++;
    }
    static const int group_metric[IBMAP_LU_GROUP_COUNT] = {
        M_LU_INDUSTRIAL_M2, M_LU_WAREHOUSING_M2, M_LU_RESIDENTIAL_M2,
        M_LU_COMMERCIAL_M2, M_LU_PUBLIC_M2, M_LU_FARMLAND_M2,
        M_LU_FOREST_GREEN_M2, M_LU_WATER_M2, M_LU_TRANSPORT_M2, M_LU_OTHER_M2};
    for (int g = 0; g < IBMAP_LU_GROUP_COUNT; g++)
        set_num(j, b, group_metric[g], group[g]);
    set_num(j, b, M_LU_UNKNOWN_M2, unknown);
    set_num(j, b, M_LU_COVERED_M2, covered);
    /* the land counted once is within the block: a share over 1 can only
    ** be rounding in the last places */
    set_num(j, b, M_LU_INDUSTRIAL_SHARE, fmin(ratio(group[IBMAP_LU_INDUSTRIAL], area), 1));
    /* one row per code: sort by code (stable over equal codes is not
    ** needed: rows with equal codes are merged by summing in piece order
    ** before sorting) */
    int m = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < m && strcmp(rows[k].code, rows[i].code) != 0) k++;
        if (k == m) rows[m++] = rows[i];
        else rows[k].area += rows[i].area;
    }
    if (m > 1) qsort(rows, (size_t)m, sizeof *rows, cmp_lu_row);
    for (int i = 0; i < m; i++) {
        rows[i].share = fmin(ratio(rows[i].area, area), 1);
        rows[i].code = ibmap_strdup(rows[i].code);
        if (!rows[i].code) w->nomem = 1;
    }
    j->lu[b].rows = rows;
    j->lu[b].n = m;
    return !w->nomem;
}

/* The parcels block b overlaps and how much of each, summed over the
** parcel's pieces (consecutive, in parcel order). */
static int block_parcel_hits(worker *w, job *j, int64_t b, const GEOSGeometry *g,
                             const GEOSPreparedGeometry *gp, double area,
                             double grid)
{
    hit_list *h = &j->hits[b];
    free(h->v);
    h->v = NULL;
    h->n = 0;
    if (!collect_overlaps(w, g, gp, area, j->idx[IBMAP_ROLE_PARCELS], grid,
                          IBMAP_COVERS_PARCEL))
        return 0;
    for (int64_t i = 0; i < w->n_ov; i++) {
        overlap *o = &w->ov[i];
        if (!(o->area > 0)) continue;
        if (h->n > 0 && h->v[h->n - 1].parcel == o->feature) {
            h->v[h->n - 1].fraction += o->area;
            continue;
        }
        member *v = realloc(h->v, (size_t)(h->n + 1) * sizeof *v);
        if (!v) return w->nomem = 1, 0;
        h->v = v;
        h->v[h->n].parcel = o->feature;
        h->v[h->n].fraction = o->area;
        h->n++;
    }
    return 1;
}

/* Whether block a comes before block b: the lower id (as assign_parcels
** breaks ties), then the lower index for equal ids. */
static int block_before(const ibmap_layer *B, int64_t a, int64_t b)
{
    int c = strcmp(B->id[a], B->id[b]);
    return c < 0 || (c == 0 && a < b);
}

/* The other blocks that overlap block b (source geometry g, prepared gp)
** by more than the project's block_overlap_min_m2, into j->ovl[b] and
** overlap_m2.  The blocks are an overlay layer like any other (a zone
** index over the source polygons), so the answer depends on block b and
** that layer only.  In split mode *split receives b less the blocks
** before it (block_before) that overlap it, or stays NULL when none does.
** Returns 0 when GEOS failed. */
static int block_overlaps(worker *w, job *j, int64_t b, const GEOSGeometry *g,
                          const GEOSPreparedGeometry *gp, double g_area, double grid,
                          GEOSGeometry **split)
{
    const ibmap_layer *B = j->data->layers[IBMAP_ROLE_BLOCKS];
    const ibmap_zone_index *z = j->idx[IBMAP_ROLE_BLOCKS];
    double min = j->data->block_overlap_min_m2;
    hit_list *h = &j->ovl[b];
    free(h->v);
    h->v = NULL;
    h->n = 0;
    *split = NULL;
    overlaps_clear(w);
    w->ov_z = z;
    int64_t n = z ? ibmap_zone_index_query(w->h, z, g, &w->cand, &w->cand_cap) : 0;
    if (n < 0) return w->nomem = 1, 0;
    double gx0, gy0, gx1, gy1;
    if (n > 0 && !GEOSGeom_getExtent_r(w->h, g, &gx0, &gy0, &gx1, &gy1)) return 0;
    for (int64_t k = 0; k < n; k++) {
        const ibmap_piece *p = &z->pieces[w->cand[k]];
        if (p->feature == b) continue;
        /* Neighbours that only share an edge are most candidates: when
        ** the envelopes meet in a line there is no area to measure. */
        double px0, py0, px1, py1;
        if (!ibmap_shape_extent(w->h, p->shape, &px0, &py0, &px1, &py1)) return 0;
        if (fmin(px1, gx1) <= fmax(px0, gx0) || fmin(py1, gy1) <= fmax(py0, gy0)) continue;
        GEOSGeometry *pg = ibmap_shape_geos(w->h, p->shape);
        if (!pg) return w->nomem = 1, 0;
        char hit = GEOSPreparedIntersects_r(w->h, gp, pg);
        GEOSGeometry *inter = hit == 1 ? intersection(w, g, pg, grid) : NULL;
        GEOSGeom_destroy_r(w->h, pg);
        if (hit == 2) return 0;
        if (!hit) continue;
        double a = 0;
        if (!inter || GEOSArea_r(w->h, inter, &a) != 1) {
            if (inter) GEOSGeom_destroy_r(w->h, inter);
            return 0;
        }
        if (!(a > 0)) {
            GEOSGeom_destroy_r(w->h, inter);
            continue;
        }
        overlap *o = overlap_push(w);
        if (!o) {
            GEOSGeom_destroy_r(w->h, inter);
            return 0;
        }
        o->feature = p->feature;
        o->area = a;
        o->inter = inter;
        o->owned = 1;
    }
    /* Per block (its pieces are consecutive): the total; those at or under
    ** the minimum are dropped (their area set to 0, which the union skips). */
    int ok = 1, before = 0;
    for (int64_t i = 0; i < w->n_ov;) {
        int64_t e = i;
        double total = 0;
        while (e < w->n_ov && w->ov[e].feature == w->ov[i].feature) total += w->ov[e++].area;
        if (total > min) {
            member *v = realloc(h->v, (size_t)(h->n + 1) * sizeof *v);
            if (!v) return w->nomem = 1, 0;
            h->v = v;
            h->v[h->n].parcel = w->ov[i].feature;
            h->v[h->n].fraction = total;
            h->n++;
            before |= block_before(B, w->ov[i].feature, b);
        } else {
            for (int64_t k = i; k < e; k++) w->ov[k].area = 0;
        }
        i = e;
    }
    set_num(j, b, M_OVERLAP_M2, h->n ? union_once_area(w, NULL, 0, g_area, grid, &ok) : 0);
    if (ok && before && j->data->block_overlaps == IBMAP_OVERLAPS_SPLIT) {
        /* the overlaps with the blocks before b go to them: b loses them */
        GEOSGeometry **parts = malloc((size_t)w->n_ov * sizeof *parts);
        if (!parts) return w->nomem = 1, 0;
        unsigned k = 0;
        for (int64_t i = 0; i < w->n_ov; i++)
            if (w->ov[i].area > 0 && block_before(B, w->ov[i].feature, b))
                parts[k++] = GEOSGeom_clone_r(w->h, w->ov[i].inter);
        GEOSGeometry *coll = GEOSGeom_createCollection_r(w->h, GEOS_GEOMETRYCOLLECTION,
                                                         parts, k);
        free(parts);
        GEOSGeometry *u = !coll ? NULL
                          : grid > 0 ? GEOSUnaryUnionPrec_r(w->h, coll, grid)
                                     : GEOSUnaryUnion_r(w->h, coll);
        if (coll) GEOSGeom_destroy_r(w->h, coll);
        *split = !u ? NULL
                 : grid > 0 ? GEOSDifferencePrec_r(w->h, g, u, grid)
                            : GEOSDifference_r(w->h, g, u);
        if (u) GEOSGeom_destroy_r(w->h, u);
        if (!*split) ok = 0;
    }
    overlaps_clear(w);
    return ok;
}

/* The shape metrics of block b, from the geometry measured. */
static void block_shape(worker *w, job *j, int64_t b, const GEOSGeometry *g, double area)
{
    double perimeter = 0;
    GEOSLength_r(w->h, g, &perimeter);
    set_num(j, b, M_AREA_M2, area);
    set_num(j, b, M_AREA_MU, area / IBMAP_MU_M2);
    set_num(j, b, M_PERIMETER_M, perimeter);
    set_num(j, b, M_COMPACTNESS,
            perimeter > 0 ? 4 * M_PI * area / (perimeter * perimeter) : NAN);
    set_num(j, b, M_N_PARTS, GEOSGetNumGeometries_r(w->h, g));
}

/* The geometric part of block b on one grid; 0 when GEOS failed.  In split
** mode the block measured may be less than its source polygon: that
** geometry is left in *measured (to be freed), else *measured is NULL. */
static int block_geometry(worker *w, job *j, int64_t b, const GEOSGeometry *g,
                          double grid, GEOSGeometry **measured)
{
    const ibmap_layer *B = j->data->layers[IBMAP_ROLE_BLOCKS];
    double area = B->area[b];
    *measured = NULL;
    const GEOSPreparedGeometry *gp = GEOSPrepare_r(w->h, g);
    if (!gp) return 0;
    /* The block's rings for the covers kernel, once for all its pieces; a
    ** repaired block goes to GEOS (the kernel's answers hold for valid
    ** polygons, and make-valid's output is not checked again). */
    int repaired = B->geom_state && (B->geom_state[b] & IBMAP_GEOM_REPAIRED);
    if (repaired)
        w->block_cover.usable = 0;
    else
        ibmap_cover_geom_set(w->h, &w->block_cover, g);
    GEOSGeometry *split = NULL;
    int ok = block_overlaps(w, j, b, g, gp, area, grid, &split);
    if (ok && split) {
        GEOSPreparedGeom_destroy_r(w->h, gp);
        g = split;
        gp = NULL;
        ok = GEOSArea_r(w->h, g, &area) == 1;
        if (ok) gp = GEOSPrepare_r(w->h, g);
        if (!gp) {
            GEOSGeom_destroy_r(w->h, split);
            return 0;
        }
        /* what is measured is the block less its overlaps (OverlayNG's
        ** output, valid): the kernel must see that, not the source */
        if (!repaired) ibmap_cover_geom_set(w->h, &w->block_cover, g);
    }
    if (ok) block_shape(w, j, b, g, area);
    if (ok && GEOSisEmpty_r(w->h, g) == 1) {
        /* wholly inside blocks before it (a block given twice): nothing of
        ** it is left to measure; its zone and land-use metrics stay NULL */
        GEOSPreparedGeom_destroy_r(w->h, gp);
        hit_list *hl = &j->hits[b];
        free(hl->v);
        hl->v = NULL;
        hl->n = 0;
        *measured = split;
        return 1;
    }
    for (int z = 0; ok && z < N_ZONE_ROLES; z++) {
        ibmap_role role = zone_roles[z].role;
        const ibmap_layer *Z = j->data->layers[role];
        if (!Z) continue; /* an optional role not given: metrics stay NaN */
        if (!(ok = collect_overlaps(w, g, gp, area, j->idx[role], grid,
                                    IBMAP_COVERS_ZONE)))
            break;
        double m2 = union_once_area(w, NULL, 0, area, grid, &ok);
        set_num(j, b, zone_roles[z].m2, m2);
        set_num(j, b, zone_roles[z].share, ratio(m2, area));
        int64_t best = largest_feature(w, area);
        set_text(w, j, b, zone_roles[z].id, best >= 0 ? Z->id[best] : NULL);
        if (role == IBMAP_ROLE_PARKS)
            set_text(w, j, b, M_PARK_NAME,
                     best >= 0 ? ibmap_layer_text(Z, best, "name") : NULL);
    }
    if (ok) {
        const ibmap_layer *C = j->data->layers[IBMAP_ROLE_CONTROL_UNITS];
        ok = collect_overlaps(w, g, gp, area, j->idx[IBMAP_ROLE_CONTROL_UNITS], grid,
                              IBMAP_COVERS_ZONE);
        static const int cu_metric[CU_CLASSES] = {
            M_CU_PRIORITY_M2, M_CU_KEY_INDUSTRY_M2, M_CU_KEY_URBAN_M2,
            M_CU_KEY_OTHER_M2, M_CU_GENERAL_M2};
        for (int c = 0; ok && c < CU_CLASSES; c++)
            set_num(j, b, cu_metric[c],
                    union_once_area(w, j->cu_class, c, area, grid, &ok));
        int64_t best = largest_feature(w, area);
        set_text(w, j, b, M_CU_CODE, best >= 0 ? ibmap_layer_text(C, best, "code") : NULL);
        set_text(w, j, b, M_CU_TYPE, best >= 0 ? ibmap_layer_text(C, best, "type") : NULL);
    }
    if (ok) {
        ok = collect_overlaps(w, g, gp, area, j->idx[IBMAP_ROLE_LANDUSE], grid,
                              IBMAP_COVERS_LANDUSE);
        if (ok) ok = block_landuse(w, j, b, area, grid);
    }
    if (ok) {
        const char *town = ibmap_layer_text(B, b, "town");
        const ibmap_layer *T = j->data->layers[IBMAP_ROLE_TOWNS];
        if (!town && T) {
            ok = collect_overlaps(w, g, gp, area, j->idx[IBMAP_ROLE_TOWNS], grid,
                                  IBMAP_COVERS_ZONE);
            int64_t best = largest_feature(w, area);
            town = best >= 0 ? ibmap_layer_text(T, best, "name") : NULL;
        }
        set_text(w, j, b, M_TOWN, town);
    }
    if (ok) {
        /* Inside or touching a park: the distance is 0 without a search. */
        double in_parks = j->m->num[METRIC_AT(b, M_PARKS_M2)];
        set_num(j, b, M_PARK_DISTANCE_M,
                in_parks > 0 ? 0
                             : nearest_distance(w, g, gp, j->idx[IBMAP_ROLE_PARKS], &ok));
    }
    if (ok) ok = block_parcel_hits(w, j, b, g, gp, area, grid);
    overlaps_clear(w);
    GEOSPreparedGeom_destroy_r(w->h, gp);
    if (ok) *measured = split;
    else if (split) GEOSGeom_destroy_r(w->h, split);
    return ok;
}

/* Geodesic area of one ring on the CGCS2000 ellipsoid (unsigned). */
static int ring_geodesic_area(worker *w, const struct geod_geodesic *geod,
                              const GEOSGeometry *ring, double *area)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(w->h, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(w->h, cs, &n) || n < 4) return 0;
    struct geod_polygon poly;
    geod_polygon_init(&poly, 0);
    for (unsigned i = 0; i + 1 < n; i++) { /* the closing point repeats */
        double x, y;
        GEOSCoordSeq_getXY_r(w->h, cs, i, &x, &y);
        PJ_COORD c = proj_trans(w->to_geographic, PJ_FWD, proj_coord(x, y, 0, 0));
        if (!isfinite(c.lp.lam) || !isfinite(c.lp.phi)) return 0;
        geod_polygon_addpoint(geod, &poly, c.lp.phi, c.lp.lam); /* lat, lon */
    }
    double a = 0, perimeter = 0;
    geod_polygon_compute(geod, &poly, 0, 1, &a, &perimeter);
    *area = fabs(a);
    return 1;
}

/* Area of g on the ellipsoid: exterior rings less holes; NaN on failure. */
static double geodesic_area(worker *w, const GEOSGeometry *g)
{
    struct geod_geodesic geod;
    geod_init(&geod, 6378137.0, 1 / 298.257222101); /* CGCS2000 */
    double total = 0;
    for (int k = 0; k < GEOSGetNumGeometries_r(w->h, g); k++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(w->h, g, k);
        double a;
        if (!ring_geodesic_area(w, &geod, GEOSGetExteriorRing_r(w->h, poly), &a))
            return NAN;
        total += a;
        for (int r = 0; r < GEOSGetNumInteriorRings_r(w->h, poly); r++) {
            if (!ring_geodesic_area(w, &geod, GEOSGetInteriorRingN_r(w->h, poly, r), &a))
                return NAN;
            total -= a;
        }
    }
    return total;
}

/* Area mode ellipsoidal: every area of the block is scaled by the ratio of
** its geodesic to its planar area.  Within one block (at most a few km)
** the projection's scale varies by less than 1e-5 of itself, so this is
** the ellipsoidal area of each part to that precision, without a geodesic
** overlay.  Shares do not change. */
static void scale_to_ellipsoid(worker *w, job *j, int64_t b, const GEOSGeometry *g,
                               double planar)
{
    static const int area_metrics[] = {
        M_AREA_M2, M_AREA_MU, M_OVERLAP_M2, M_REDLINE_M2, M_BASIC_FARMLAND_M2, M_PARKS_M2,
        M_CENTRAL_M2, M_TRANSITION_M2, M_CU_PRIORITY_M2, M_CU_KEY_INDUSTRY_M2,
        M_CU_KEY_URBAN_M2, M_CU_KEY_OTHER_M2, M_CU_GENERAL_M2,
        M_LU_INDUSTRIAL_M2, M_LU_WAREHOUSING_M2, M_LU_RESIDENTIAL_M2,
        M_LU_COMMERCIAL_M2, M_LU_PUBLIC_M2, M_LU_FARMLAND_M2,
        M_LU_FOREST_GREEN_M2, M_LU_WATER_M2, M_LU_TRANSPORT_M2, M_LU_OTHER_M2,
        M_LU_UNKNOWN_M2, M_LU_COVERED_M2};
    double scale = planar > 0 ? geodesic_area(w, g) / planar : NAN;
    for (size_t k = 0; k < sizeof area_metrics / sizeof area_metrics[0]; k++)
        j->m->num[METRIC_AT(b, area_metrics[k])] *= scale;
    for (int i = 0; i < j->lu[b].n; i++) j->lu[b].rows[i].area *= scale;
}

static void measure_block_geometry(worker *w, job *j, int64_t b, const GEOSGeometry *g);

static void measure_block(worker *w, job *j, int64_t b)
{
    const ibmap_layer *B = j->data->layers[IBMAP_ROLE_BLOCKS];
    if (!B->shape[b]) {
        set_text(w, j, b, M_METRIC_STATUS, "no_geometry");
        set_text(w, j, b, M_TOWN, ibmap_layer_text(B, b, "town"));
        return;
    }
    GEOSGeometry *g = ibmap_shape_geos(w->h, B->shape[b]);
    if (!g) {
        w->nomem = 1;
        return;
    }
    measure_block_geometry(w, j, b, g);
    GEOSGeom_destroy_r(w->h, g);
}

/* measure_block, given the block's GEOS geometry g. */
static void measure_block_geometry(worker *w, job *j, int64_t b, const GEOSGeometry *g)
{
    const ibmap_layer *B = j->data->layers[IBMAP_ROLE_BLOCKS];
    block_shape(w, j, b, g, B->area[b]);
    /* Floating point first; then the fixed grid, and coarser ones. */
    double fixed = j->o->grid > 0 ? j->o->grid : 0.001;
    const double grids[4] = {0, fixed, fixed * 10, fixed * 100};
    static const char *statuses[4] = {"ok", "grid", "coarse_grid", "coarse_grid"};
    const char *status = "ok";
    int ok = 0;
    GEOSGeometry *measured = NULL;
    for (int attempt = 0; attempt < 4 && !ok && !w->nomem; attempt++) {
        w->msg[0] = '\0';
        ok = block_geometry(w, j, b, g, grids[attempt], &measured);
        status = statuses[attempt];
    }
    if (!ok) {
        char text[600];
        snprintf(text, sizeof text, "failed: %s",
                 w->msg[0] ? w->msg : "GEOS could not compute the overlay");
        set_text(w, j, b, M_METRIC_STATUS, text);
        return;
    }
    if (w->to_geographic) {
        /* the block measured: in split mode, what is left of it */
        double area = measured ? j->m->num[METRIC_AT(b, M_AREA_M2)] : B->area[b];
        if (!measured || area > 0) scale_to_ellipsoid(w, j, b, measured ? measured : g, area);
    }
    if (measured) GEOSGeom_destroy_r(w->h, measured);
    set_text(w, j, b, M_METRIC_STATUS, status);
}

static void *worker_main(void *arg)
{
    void **a = arg;
    worker *w = a[0];
    job *j = a[1];
    for (;;) {
        int64_t begin = atomic_fetch_add(&j->next, 16);
        if (begin >= j->n_items || w->nomem || ibmap_interrupt_pending()) break;
        int64_t end = begin + 16 < j->n_items ? begin + 16 : j->n_items;
        for (int64_t i = begin; i < end && !w->nomem; i++) measure_block(w, j, i);
    }
    return NULL;
}

/* Measure every block on `threads` workers. */
static int run_blocks(job *j, worker *ws, int threads, int64_t n)
{
    j->n_items = n;
    atomic_store(&j->next, 0);
    pthread_t tid[64];
    void *args[64][2];
    int started = 0;
    for (int t = 1; t < threads; t++) {
        args[t][0] = &ws[t];
        args[t][1] = j;
        if (pthread_create(&tid[t], NULL, worker_main, args[t]) != 0) break;
        started = t;
    }
    args[0][0] = &ws[0];
    args[0][1] = j;
    worker_main(args[0]);
    for (int t = 1; t <= started; t++) pthread_join(tid[t], NULL);
    for (int t = 0; t < threads; t++)
        if (ws[t].nomem) return 0;
    return 1;
}

/* Assign parcels to blocks from the blocks' hits, and list each block's
** parcels (with the fraction that counts there) in parcel order.  Serial
** and cheap: no geometry. */
static int assign_parcels(job *j)
{
    const ibmap_layer *P = j->data->layers[IBMAP_ROLE_PARCELS];
    const ibmap_layer *B = j->data->layers[IBMAP_ROLE_BLOCKS];
    int apportion = j->o->parcels == IBMAP_PARCELS_APPORTION;
    double *best_area = malloc((size_t)(P->n ? P->n : 1) * sizeof *best_area);
    if (!best_area) return 0;
    for (int64_t p = 0; p < P->n; p++) {
        j->parcel_mu[p] = ibmap_parcel_land_mu(P, p);
        j->m->parcel_block[p] = -1;
        best_area[p] = 0;
    }
    /* The block a parcel overlaps most; ties (within 1e-9 of the parcel's
    ** area, as in largest_feature) go to the lowest block id. */
    for (int64_t b = 0; b < B->n; b++)
        for (int64_t k = 0; k < j->hits[b].n; k++) {
            int64_t p = j->hits[b].v[k].parcel;
            double a = j->hits[b].v[k].fraction;
            double tie = 1e-9 * P->area[p];
            int64_t cur = j->m->parcel_block[p];
            if (a > best_area[p] + tie ||
                (a >= best_area[p] - tie && cur >= 0 &&
                 strcmp(B->id[b], B->id[cur]) < 0)) {
                best_area[p] = a;
                j->m->parcel_block[p] = b;
            }
        }
    free(best_area);
    for (int64_t b = 0; b < B->n; b++)
        j->block_first[b + 1] = j->block_first[b] +
            (apportion ? j->hits[b].n : 0);
    if (!apportion) {
        memset(j->block_first, 0, ((size_t)B->n + 1) * sizeof *j->block_first);
        for (int64_t p = 0; p < P->n; p++)
            if (j->m->parcel_block[p] >= 0) j->block_first[j->m->parcel_block[p] + 1]++;
        for (int64_t b = 0; b < B->n; b++) j->block_first[b + 1] += j->block_first[b];
    }
    int64_t total = j->block_first[B->n];
    j->block_entries = malloc((size_t)(total ? total : 1) * sizeof *j->block_entries);
    int64_t *fill = calloc((size_t)B->n + 1, sizeof *fill);
    if (!j->block_entries || !fill) {
        free(fill);
        return 0;
    }
    if (apportion) {
        for (int64_t b = 0; b < B->n; b++)
            for (int64_t k = 0; k < j->hits[b].n; k++) {
                int64_t p = j->hits[b].v[k].parcel;
                member *e = &j->block_entries[j->block_first[b] + fill[b]++];
                e->parcel = p;
                e->fraction = P->area[p] > 0 ? j->hits[b].v[k].fraction / P->area[p] : 0;
            }
    } else {
        for (int64_t p = 0; p < P->n; p++) {
            int64_t b = j->m->parcel_block[p];
            if (b < 0) continue;
            member *e = &j->block_entries[j->block_first[b] + fill[b]++];
            e->parcel = p;
            e->fraction = 1;
        }
    }
    free(fill);
    return 1;
}

/* Log each pair of overlapping blocks once, on the block that comes first
** (block_before), in block order; count them and add up their areas. */
static ibmap_status log_block_overlaps(job *j, int64_t *n_pairs, double *area_m2)
{
    const ibmap_layer *B = j->data->layers[IBMAP_ROLE_BLOCKS];
    int split = j->data->block_overlaps == IBMAP_OVERLAPS_SPLIT;
    int64_t pairs = 0;
    double total = 0;
    for (int64_t b = 0; b < B->n; b++)
        for (int64_t k = 0; k < j->ovl[b].n; k++) {
            int64_t c = j->ovl[b].v[k].parcel;
            double a = j->ovl[b].v[k].fraction;
            if (!block_before(B, b, c)) continue;
            pairs++;
            total += a;
            char value[64];
            snprintf(value, sizeof value, "%.3f", a);
            /* (the log keeps the action as given: a static text) */
            const char *action =
                split ? "split: the overlap stays in the block named first (the lower id); "
                        "the other is measured without it"
                      : "kept: counted in both blocks; overlap_m2 flags both";
            if (ibmap_dq_add(&j->data->dq, IBMAP_ROLE_BLOCKS, B->fid[b], B->id[b], "geometry",
                             "block_overlap", IBMAP_SEV_WARNING, value, action,
                             "blocks %s and %s overlap by %.3f m² (%.4f 亩)", B->id[b],
                             B->id[c], a, a / IBMAP_MU_M2))
                return IBMAP_ERR_NOMEM;
        }
    if (n_pairs) *n_pairs = pairs;
    if (area_m2) *area_m2 = total;
    return IBMAP_OK;
}

ibmap_status ibmap_block_overlaps(ibmap_ctx *ctx, ibmap_data *data, int64_t *n_pairs,
                                  double *area_m2)
{
    if (!ctx || !data)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_block_overlaps: NULL argument");
    const ibmap_layer *B = data->layers[IBMAP_ROLE_BLOCKS];
    if (n_pairs) *n_pairs = 0;
    if (area_m2) *area_m2 = 0;
    if (!B) return IBMAP_OK;
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    job j;
    memset(&j, 0, sizeof j);
    j.data = data;
    j.o = &o;
    j.m = ibmap_metrics_alloc(B->n, 0);
    j.ovl = calloc((size_t)(B->n ? B->n : 1), sizeof *j.ovl);
    worker w;
    memset(&w, 0, sizeof w);
    w.h = GEOS_init_r();
    ibmap_status st = j.m && j.ovl && w.h ? IBMAP_OK : IBMAP_ERR_NOMEM;
    if (!st) {
        GEOSContext_setErrorMessageHandler_r(w.h, worker_message, &w);
        GEOSContext_setNoticeMessageHandler_r(w.h, worker_notice, &w);
        st = ibmap_zone_index_build(ctx, B, o.max_piece_vertices, &j.idx[IBMAP_ROLE_BLOCKS]);
    }
    /* as measure_block: floating point, then the fixed grids */
    const double grids[4] = {0, o.grid, o.grid * 10, o.grid * 100};
    for (int64_t b = 0; !st && b < B->n; b++) {
        if (!B->shape[b]) continue;
        GEOSGeometry *g = ibmap_shape_geos(w.h, B->shape[b]);
        if (!g) w.nomem = 1;
        int ok = 0;
        for (int attempt = 0; attempt < 4 && !ok && !w.nomem; attempt++) {
            const GEOSPreparedGeometry *gp = GEOSPrepare_r(w.h, g);
            GEOSGeometry *split = NULL;
            ok = gp && block_overlaps(&w, &j, b, g, gp, B->area[b], grids[attempt],
                                      &split);
            if (split) GEOSGeom_destroy_r(w.h, split);
            if (gp) GEOSPreparedGeom_destroy_r(w.h, gp);
        }
        if (g) GEOSGeom_destroy_r(w.h, g);
        if (w.nomem) st = IBMAP_ERR_NOMEM;
        if (ibmap_interrupt_pending()) st = ibmap_fail_interrupted(ctx);
    }
    if (!st) st = log_block_overlaps(&j, n_pairs, area_m2);
    if (w.h) {
        overlaps_clear(&w);
        free(w.ov);
        free(w.cand);
        ibmap_zone_index_free(w.h, j.idx[IBMAP_ROLE_BLOCKS]);
        GEOS_finish_r(w.h);
    }
    if (j.ovl)
        for (int64_t b = 0; b < B->n; b++) free(j.ovl[b].v);
    free(j.ovl);
    ibmap_metrics_free(j.m);
    if (st == IBMAP_ERR_NOMEM) return ibmap_fail(ctx, st, "out of memory");
    return st;
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

static int cu_class_of(const char *type)
{
    if (!type) return -1;
    if (strcmp(type, "priority") == 0) return CU_PRIORITY;
    if (strcmp(type, "key_industry") == 0) return CU_KEY_INDUSTRY;
    if (strcmp(type, "key_urban") == 0) return CU_KEY_URBAN;
    if (strcmp(type, "key") == 0) return CU_KEY_OTHER;
    if (strcmp(type, "general") == 0) return CU_GENERAL;
    return -1;
}

static void job_free(job *j, GEOSContextHandle_t h)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) ibmap_zone_index_free(h, j->idx[r]);
    free(j->cu_class);
    int64_t nb = j->data->layers[IBMAP_ROLE_BLOCKS]->n;
    if (j->hits)
        for (int64_t b = 0; b < nb; b++) free(j->hits[b].v);
    free(j->hits);
    if (j->ovl)
        for (int64_t b = 0; b < nb; b++) free(j->ovl[b].v);
    free(j->ovl);
    if (j->lu_ovl)
        for (int64_t b = 0; b < nb; b++) free(j->lu_ovl[b].v);
    free(j->lu_ovl);
    free(j->parcel_mu);
    free(j->block_first);
    free(j->block_entries);
    if (j->lu) {
        for (int64_t b = 0; b < nb; b++) {
            for (int i = 0; i < j->lu[b].n; i++) free(j->lu[b].rows[i].code);
            free(j->lu[b].rows);
        }
    }
    free(j->lu);
}

ibmap_status ibmap_overlay(ibmap_ctx *ctx, ibmap_data *data,
                           const ibmap_overlay_options *options,
                           ibmap_metrics **out)
{
    if (!ctx || !data || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_overlay: NULL argument");
    ibmap_overlay_options defaults;
    ibmap_overlay_options_init(&defaults);
    const ibmap_overlay_options *o = options ? options : &defaults;
    const ibmap_layer *B = data->layers[IBMAP_ROLE_BLOCKS];
    const ibmap_layer *P = data->layers[IBMAP_ROLE_PARCELS];
    const ibmap_layer *C = data->layers[IBMAP_ROLE_CONTROL_UNITS];
    if (!B || !P || !C || !data->layers[IBMAP_ROLE_LANDUSE])
        return ibmap_fail(ctx, IBMAP_ERR_ROLE_MISSING,
                          "the overlay needs blocks, parcels, landuse and "
                          "control_units");
    int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;

    job j;
    memset(&j, 0, sizeof j);
    j.data = data;
    j.o = o;
    j.m = ibmap_metrics_alloc(B->n, P->n);
    ibmap_status st = IBMAP_OK;
    if (!j.m) return ibmap_nomem(ctx);
    for (int64_t b = 0; b < B->n; b++)
        if (!(j.m->ids[b] = ibmap_strdup(B->id[b]))) st = IBMAP_ERR_NOMEM;

    static const ibmap_role indexed[] = {
        IBMAP_ROLE_BLOCKS, IBMAP_ROLE_REDLINE, IBMAP_ROLE_BASIC_FARMLAND, IBMAP_ROLE_PARKS,
        IBMAP_ROLE_CENTRAL, IBMAP_ROLE_TRANSITION, IBMAP_ROLE_CONTROL_UNITS,
        IBMAP_ROLE_LANDUSE, IBMAP_ROLE_TOWNS, IBMAP_ROLE_PARCELS};
    for (size_t k = 0; !st && k < sizeof indexed / sizeof indexed[0]; k++)
        st = ibmap_zone_index_build(ctx, data->layers[indexed[k]],
                                    o->max_piece_vertices, &j.idx[indexed[k]]);
    j.cu_class = malloc((size_t)(C->n ? C->n : 1));
    j.hits = calloc((size_t)(B->n ? B->n : 1), sizeof *j.hits);
    j.ovl = calloc((size_t)(B->n ? B->n : 1), sizeof *j.ovl);
    j.lu_ovl = calloc((size_t)(B->n ? B->n : 1), sizeof *j.lu_ovl);
    j.parcel_mu = malloc((size_t)(P->n ? P->n : 1) * sizeof *j.parcel_mu);
    j.block_first = calloc((size_t)B->n + 1, sizeof *j.block_first);
    j.lu = calloc((size_t)(B->n ? B->n : 1), sizeof *j.lu);
    if (!st && (!j.cu_class || !j.hits || !j.ovl || !j.lu_ovl || !j.parcel_mu ||
                !j.block_first || !j.lu))
        st = IBMAP_ERR_NOMEM;
    for (int64_t c = 0; !st && c < C->n; c++)
        j.cu_class[c] = (signed char)cu_class_of(ibmap_layer_text(C, c, "type"));

    worker ws[64];
    memset(ws, 0, sizeof ws);
    for (int t = 0; !st && t < threads; t++) {
        ws[t].h = GEOS_init_r();
        if (!ws[t].h) {
            st = IBMAP_ERR_NOMEM;
            break;
        }
        GEOSContext_setErrorMessageHandler_r(ws[t].h, worker_message, &ws[t]);
        GEOSContext_setNoticeMessageHandler_r(ws[t].h, worker_notice, &ws[t]);
        if (data->area == IBMAP_AREA_ELLIPSOIDAL) {
            /* PROJ objects are not thread-safe: one per worker. */
            ws[t].proj = proj_context_create();
            PJ *raw = ws[t].proj ? proj_create_crs_to_crs(ws[t].proj, data->crs,
                                                          "EPSG:4490", NULL)
                                 : NULL;
            ws[t].to_geographic = raw ? proj_normalize_for_visualization(ws[t].proj, raw)
                                      : NULL;
            if (raw) proj_destroy(raw);
            if (!ws[t].to_geographic) {
                st = ibmap_fail(ctx, IBMAP_ERR_CRS_TRANSFORM,
                                "area: ellipsoidal: no transformation from %s to "
                                "CGCS2000 longitude/latitude", data->crs);
                break;
            }
        }
    }
    if (!st && !run_blocks(&j, ws, threads, B->n)) st = IBMAP_ERR_NOMEM;
    if (!st && ibmap_interrupt_pending()) st = ibmap_fail_interrupted(ctx);
    if (!st && !assign_parcels(&j)) st = IBMAP_ERR_NOMEM;
    for (int64_t b = 0; !st && b < B->n; b++) block_parcels(&j, b);
    for (int t = 0; t < threads; t++) {
        for (int k = 0; k < IBMAP_COVERS_KINDS; k++) {
            j.m->covers_kernel[k] += ws[t].covers_kernel[k];
            j.m->covers_geos[k] += ws[t].covers_geos[k];
        }
        j.m->lu_checks_kernel += ws[t].lu_kernel;
        j.m->lu_checks_geos += ws[t].lu_geos;
        for (int64_t i = 0; i < ws[t].lu_cap; i++) ibmap_cover_geom_free(&ws[t].lu_cover[i]);
        free(ws[t].lu_cover);
        free(ws[t].lu_key);
        ibmap_cover_geom_free(&ws[t].block_cover);
        ibmap_cover_geom_free(&ws[t].piece_cover);
        ibmap_cover_scratch_free(&ws[t].cover_scratch);
        if (!ws[t].h) continue;
        overlaps_clear(&ws[t]);
        free(ws[t].ov);
        free(ws[t].cand);
        GEOS_finish_r(ws[t].h);
        if (ws[t].to_geographic) proj_destroy(ws[t].to_geographic);
        if (ws[t].proj) proj_context_destroy(ws[t].proj);
    }

    /* The long land-use table, in block order. */
    if (!st) {
        int64_t total = 0;
        for (int64_t b = 0; b < B->n; b++) total += j.lu[b].n;
        j.m->lu = malloc((size_t)(total ? total : 1) * sizeof *j.m->lu);
        if (!j.m->lu) st = IBMAP_ERR_NOMEM;
        for (int64_t b = 0; !st && b < B->n; b++) {
            for (int i = 0; i < j.lu[b].n; i++) {
                j.m->lu[j.m->n_lu++] = j.lu[b].rows[i];
                j.lu[b].rows[i].code = NULL; /* moved */
            }
        }
    }
    if (!st) st = log_block_overlaps(&j, NULL, NULL);
    /* Overlapping land-use polygons, per block and feature. */
    const ibmap_layer *LU = data->layers[IBMAP_ROLE_LANDUSE];
    for (int64_t b = 0; !st && b < B->n; b++)
        for (int64_t k = 0; !st && k < j.lu_ovl[b].n; k++) {
            int64_t f = j.lu_ovl[b].v[k].parcel;
            double a = j.lu_ovl[b].v[k].fraction;
            if (!(a > data->block_overlap_min_m2)) continue;
            char value[64];
            snprintf(value, sizeof value, "%.3f", a);
            if (ibmap_dq_add(&data->dq, IBMAP_ROLE_LANDUSE, LU->fid[f], LU->id[f], "geometry",
                             "landuse_overlap", IBMAP_SEV_WARNING, value,
                             "counted once: the part an earlier land-use polygon covers "
                             "stays with that one",
                             "in block %s the land-use polygon overlaps earlier ones by "
                             "%.3f m²", B->id[b], a))
                st = IBMAP_ERR_NOMEM;
        }
    /* Parcels in no block and blocks with no parcel: logged, never lost. */
    for (int64_t p = 0; !st && p < P->n; p++) {
        if (!P->shape[p] || j.m->parcel_block[p] >= 0) continue;
        if (ibmap_dq_add(&data->dq, IBMAP_ROLE_PARCELS, P->fid[p], P->id[p],
                         "geometry", "parcel_outside_blocks", IBMAP_SEV_WARNING,
                         "", "kept; counted in no block",
                         "the parcel overlaps no block"))
            st = IBMAP_ERR_NOMEM;
    }
    for (int64_t b = 0; !st && b < B->n; b++) {
        if (!B->shape[b] || j.m->num[METRIC_AT(b, M_N_PARCELS)] > 0) continue;
        if (ibmap_dq_add(&data->dq, IBMAP_ROLE_BLOCKS, B->fid[b], B->id[b],
                         "", "block_without_parcels", IBMAP_SEV_INFO, "",
                         "kept; parcel metrics are 0 or undefined",
                         "no parcel is assigned to the block"))
            st = IBMAP_ERR_NOMEM;
    }
    for (int64_t b = 0; !st && b < B->n; b++) {
        const char *s = j.m->text[METRIC_AT(b, M_METRIC_STATUS)];
        if (!s || strncmp(s, "failed", 6) != 0) continue;
        if (ibmap_dq_add(&data->dq, IBMAP_ROLE_BLOCKS, B->fid[b], B->id[b],
                         "geometry", "overlay_failed", IBMAP_SEV_ERROR, "",
                         "kept; overlay metrics missing", "%s", s))
            st = IBMAP_ERR_NOMEM;
    }
    job_free(&j, ctx->geos);
    if (st) {
        ibmap_metrics_free(j.m);
        /* Other failures have set their own message. */
        return st == IBMAP_ERR_NOMEM
                   ? ibmap_fail(ctx, st, "out of memory during the overlay")
                   : st;
    }
    *out = j.m;
    return IBMAP_OK;
}
