/*
** make_sample.c — ibmap-make-sample, the generator of the sample city.
**
** It writes a synthetic county modelled on Cixi 慈溪 (Zhejiang): towns,
** industrial blocks, parcels with 亩均 figures, 三调 land use, ecological red
** lines, environmental control units, parks, the central city, transition
** zones and permanent basic farmland, in the formats, encodings and CRSs
** county data arrives in.  With --messy it injects known defects at known
** rates and counts each one in manifest.csv, so that a reader can be tested
** against an exact expectation.  docs/sample-city.md describes the output.
**
** It uses GDAL and libm only, never libibmap: data meant to test a reader
** must not be made by that reader's code.
**
** Determinism.  Everything random comes from xoshiro256** streams seeded
** from --seed and a (stream, index) pair: a block's shape depends on its
** slot only, a parcel's figures on its block and position, the defects on
** streams of their own.  So the clean and the messy variant of one seed
** share their geometry and values, and a run repeats exactly.
**
** Geometry.  Blocks lie in the cells ("slots") of a jittered street
** lattice, each inset from its slot by a road margin, so blocks never
** overlap nor touch and no pairwise test is ever needed.  A block's land-use
** pieces and its parcels are cut from it by straight lines, in a way that
** gives shared edges bit-identical vertices (see "Cutting").
**
** Every coordinate is computed in the block's local frame (origin at its
** slot's lower-left corner) and offset once, on output, by the same
** addition for every layer: a vertex shared by a block, its land-use pieces
** and its parcels stays the same double in all of them.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define PI 3.14159265358979323846

/* ====================================================================== */
/* Errors and memory                                                      */
/* ====================================================================== */

static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("ibmap-make-sample: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

/* ====================================================================== */
/* Random numbers: splitmix64 seeding, xoshiro256** streams               */
/* ====================================================================== */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *x)
{
    *x += 0x9E3779B97F4A7C15ULL;
    return mix64(*x);
}

/* Streams: each purpose draws from its own generator, so that adding a
** draw to one never shifts the values of another. */
enum stream {
    S_LAYOUT = 1, S_SLOT, S_BLOCK, S_PARCEL, S_OUTSIDE, S_STRADDLE,
    S_BACKGROUND, S_PARK, S_TRANSITION, S_FARMLAND, S_CONTROL, S_SELECT,
    S_MESSY_BLOCKS, S_MESSY_PARCELS, S_MESSY_LANDUSE, S_MESSY_CONTROL,
    S_ECON_BLOCK, S_ECON_PARCEL
};

static void rng_init(rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t x = mix64(seed + 0x632BE59BD9B4E019ULL);
    x = mix64(x ^ mix64(stream * 0x9E3779B97F4A7C15ULL + 1));
    x = mix64(x ^ mix64(index + 0xD1B54A32D192ED03ULL));
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 bits. */
static double rng_u01(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_uniform(rng *r, double a, double b)
{
    return a + (b - a) * rng_u01(r);
}

/* Uniform integer in [0, n); n > 0.  Lemire's multiply-shift on 32 bits:
** the bias is below 2^-32 for the small n used here. */
static int rng_int(rng *r, int n)
{
    return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double rng_normal(rng *r)
{
    double u1 = rng_u01(r), u2 = rng_u01(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * PI * u2);
}

/* Index into a table of weights. */
static int rng_weighted(rng *r, const double *w, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    double u = rng_u01(r) * total;
    for (int i = 0; i < n; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    return n - 1;
}

/* ---------------------------------------------------------------------- */
/* Exact-count selection.                                                 */
/*                                                                        */
/* A picker chooses, from a stream of n items seen once each, exactly k_i */
/* items for each category i, every item at most once (Knuth's selection  */
/* sampling, algorithm S, generalised to several categories).  The       */
/* defects of the messy variant are chosen this way: their counts are     */
/* exact and known before writing, and no feature gets two.              */
/* ---------------------------------------------------------------------- */

#define PICK_MAX 10

typedef struct picker {
    int64_t items_left;
    int64_t left[PICK_MAX];
    int ncat;
} picker;

static void picker_init(picker *p, int64_t n, const int64_t *k, int ncat)
{
    int64_t total = 0;
    p->items_left = n;
    p->ncat = ncat;
    for (int i = 0; i < ncat; i++) {
        p->left[i] = k[i];
        total += k[i];
    }
    if (total > n) die("internal: %lld defects for %lld items", (long long)total, (long long)n);
}

/* The category of the next item, or -1 for none. */
static int picker_next(picker *p, rng *r)
{
    if (p->items_left <= 0) return -1;
    double u = rng_u01(r) * (double)p->items_left;
    p->items_left--;
    double acc = 0;
    for (int i = 0; i < p->ncat; i++) {
        acc += (double)p->left[i];
        if (u < acc) {
            p->left[i]--;
            return i;
        }
    }
    return -1;
}

/* The number of victims for a rate: at least one when there is anything
** to choose from, so that every defect kind appears in small samples. */
static int64_t defect_count(double rate, int64_t n)
{
    if (n <= 0) return 0;
    int64_t k = llround(rate * (double)n);
    return k < 1 ? 1 : k;
}

/* Make counts fit n items: while they do not, take one from the largest
** (only in tiny samples, where "at least one" asks for too much). */
static void fit_counts(int64_t *k, int nk, int64_t n)
{
    for (;;) {
        int64_t total = 0;
        int big = 0;
        for (int i = 0; i < nk; i++) {
            total += k[i];
            if (k[i] > k[big]) big = i;
        }
        if (total <= (n > 0 ? n : 0)) return;
        k[big]--;
    }
}

/* ====================================================================== */
/* Planar geometry                                                        */
/* ====================================================================== */

typedef struct pt {
    double x, y;
} pt;

/* A ring is stored open: the closing vertex is added on output only. */
typedef struct ring {
    pt *p;
    int n, cap;
} ring;

typedef struct box {
    double x0, y0, x1, y1;
} box;

static void ring_reserve(ring *r, int n)
{
    if (n <= r->cap) return;
    int cap = r->cap ? r->cap : 16;
    while (cap < n) cap *= 2;
    r->p = xrealloc(r->p, (size_t)cap * sizeof *r->p);
    r->cap = cap;
}

static void ring_push(ring *r, pt q)
{
    if (r->n == r->cap) ring_reserve(r, r->n + 1);
    r->p[r->n++] = q;
}

/* Push unless equal to the last vertex: a cut through an existing vertex
** must not leave a zero-length edge. */
static void ring_push_unique(ring *r, pt q)
{
    if (r->n && r->p[r->n - 1].x == q.x && r->p[r->n - 1].y == q.y) return;
    ring_push(r, q);
}

static void ring_close_unique(ring *r)
{
    while (r->n > 1 && r->p[r->n - 1].x == r->p[0].x && r->p[r->n - 1].y == r->p[0].y)
        r->n--;
}

static void ring_copy(ring *dst, const ring *src)
{
    ring_reserve(dst, src->n);
    if (src->n) memcpy(dst->p, src->p, (size_t)src->n * sizeof *src->p);
    dst->n = src->n;
}

static void ring_free(ring *r)
{
    free(r->p);
    r->p = NULL;
    r->n = r->cap = 0;
}

static void ring_swap(ring *a, ring *b)
{
    ring t = *a;
    *a = *b;
    *b = t;
}

static void ring_reverse(ring *r)
{
    for (int i = 0, j = r->n - 1; i < j; i++, j--) {
        pt t = r->p[i];
        r->p[i] = r->p[j];
        r->p[j] = t;
    }
}

static void ring_translate(ring *r, double dx, double dy)
{
    for (int i = 0; i < r->n; i++) {
        r->p[i].x += dx;
        r->p[i].y += dy;
    }
}

/* Signed area (counter-clockwise positive), relative to the first vertex
** to keep the products small. */
static double ring_area(const ring *r)
{
    if (r->n < 3) return 0;
    double a = 0;
    pt o = r->p[0];
    for (int i = 1; i + 1 < r->n; i++)
        a += (r->p[i].x - o.x) * (r->p[i + 1].y - o.y) -
             (r->p[i + 1].x - o.x) * (r->p[i].y - o.y);
    return a / 2;
}

static pt ring_centroid(const ring *r)
{
    double a = 0, cx = 0, cy = 0;
    pt o = r->p[0];
    for (int i = 1; i + 1 < r->n; i++) {
        double x1 = r->p[i].x - o.x, y1 = r->p[i].y - o.y;
        double x2 = r->p[i + 1].x - o.x, y2 = r->p[i + 1].y - o.y;
        double c = x1 * y2 - x2 * y1;
        a += c;
        cx += (x1 + x2) * c;
        cy += (y1 + y2) * c;
    }
    if (a == 0) return o;
    return (pt){o.x + cx / (3 * a), o.y + cy / (3 * a)};
}

static box ring_box(const ring *r)
{
    box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int i = 0; i < r->n; i++) {
        if (r->p[i].x < b.x0) b.x0 = r->p[i].x;
        if (r->p[i].x > b.x1) b.x1 = r->p[i].x;
        if (r->p[i].y < b.y0) b.y0 = r->p[i].y;
        if (r->p[i].y > b.y1) b.y1 = r->p[i].y;
    }
    return b;
}

static box box_union(box a, box b)
{
    return (box){fmin(a.x0, b.x0), fmin(a.y0, b.y0), fmax(a.x1, b.x1), fmax(a.y1, b.y1)};
}

static int box_overlap(box a, box b)
{
    return a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
}

/* Point in ring, even-odd rule. */
static int ring_contains(const ring *r, pt q)
{
    int in = 0;
    for (int i = 0, j = r->n - 1; i < r->n; j = i++) {
        pt a = r->p[i], b = r->p[j];
        if ((a.y > q.y) != (b.y > q.y) &&
            q.x < (b.x - a.x) * (q.y - a.y) / (b.y - a.y) + a.x)
            in = !in;
    }
    return in;
}

static double orient(pt a, pt b, pt c)
{
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

static int within_box(pt a, pt b, pt c)
{
    return fmin(a.x, b.x) <= c.x && c.x <= fmax(a.x, b.x) &&
           fmin(a.y, b.y) <= c.y && c.y <= fmax(a.y, b.y);
}

/* Do the closed segments ab and cd share a point? */
static int segments_meet(pt a, pt b, pt c, pt d)
{
    double d1 = orient(c, d, a), d2 = orient(c, d, b);
    double d3 = orient(a, b, c), d4 = orient(a, b, d);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) &&
        ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
        return 1;
    return (d1 == 0 && within_box(c, d, a)) || (d2 == 0 && within_box(c, d, b)) ||
           (d3 == 0 && within_box(a, b, c)) || (d4 == 0 && within_box(a, b, d));
}

/* Do two sets of outer rings (polygons without their holes) share any
** point?  Edges are compared only where their boxes overlap the other
** set's box, so a 360-vertex red line against a block stays cheap. */
static int rings_meet(const ring *a, int na, const ring *b, int nb)
{
    for (int i = 0; i < na; i++) {
        box ba = ring_box(&a[i]);
        for (int j = 0; j < nb; j++) {
            box bb = ring_box(&b[j]);
            if (!box_overlap(ba, bb)) continue;
            const ring *ra = &a[i], *rb = &b[j];
            for (int k = 0; k < ra->n; k++) {
                pt p = ra->p[k], q = ra->p[(k + 1) % ra->n];
                box e = {fmin(p.x, q.x), fmin(p.y, q.y), fmax(p.x, q.x), fmax(p.y, q.y)};
                if (!box_overlap(e, bb)) continue;
                for (int m = 0; m < rb->n; m++) {
                    pt s = rb->p[m], t = rb->p[(m + 1) % rb->n];
                    box f = {fmin(s.x, t.x), fmin(s.y, t.y), fmax(s.x, t.x), fmax(s.y, t.y)};
                    if (box_overlap(e, f) && segments_meet(p, q, s, t)) return 1;
                }
            }
            if (ring_contains(rb, ra->p[0]) || ring_contains(ra, rb->p[0])) return 1;
        }
    }
    return 0;
}

/* Is the ring simple (no two non-adjacent edges meet)?  Quadratic: used
** only on the few hundred large generated polygons, as a self-check. */
static int ring_is_simple(const ring *r)
{
    int n = r->n;
    for (int i = 0; i < n; i++) {
        pt a = r->p[i], b = r->p[(i + 1) % n];
        for (int j = i + 2; j < n; j++) {
            if (i == 0 && j == n - 1) continue;
            if (segments_meet(a, b, r->p[j], r->p[(j + 1) % n])) return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Star-shaped polygons: red lines, parks, ponds, farmland                */
/*                                                                        */
/* r(θ) = 1 + Σ a_k sin(kθ + φ_k), scaled by rx, ry and rotated.  With    */
/* Σ|a_k| < 1 every ray from the centre crosses the boundary once, so the */
/* polygon is simple whatever the draw.                                   */
/* ---------------------------------------------------------------------- */

#define STAR_TERMS 5

typedef struct star {
    double cx, cy, rx, ry, rot;
    double a[STAR_TERMS], ph[STAR_TERMS];
} star;

static void star_init(star *s, rng *r, double cx, double cy, double rx, double ry,
                      double rot, double wobble)
{
    s->cx = cx;
    s->cy = cy;
    s->rx = rx;
    s->ry = ry;
    s->rot = rot;
    double sum = 0;
    for (int k = 0; k < STAR_TERMS; k++) {
        s->a[k] = rng_uniform(r, -1, 1) / (k + 1);
        s->ph[k] = rng_uniform(r, 0, 2 * PI);
        sum += fabs(s->a[k]);
    }
    for (int k = 0; k < STAR_TERMS; k++) s->a[k] *= wobble / sum;
}

static double star_factor(const star *s, double th)
{
    double f = 1;
    for (int k = 0; k < STAR_TERMS; k++) f += s->a[k] * sin((k + 2) * th + s->ph[k]);
    return f;
}

/* The polygon, counter-clockwise, n vertices. */
static void star_ring(const star *s, int n, ring *out)
{
    double c = cos(s->rot), sn = sin(s->rot);
    out->n = 0;
    for (int i = 0; i < n; i++) {
        double th = 2 * PI * i / n, f = star_factor(s, th);
        double u = s->rx * f * cos(th), v = s->ry * f * sin(th);
        ring_push(out, (pt){s->cx + u * c - v * sn, s->cy + u * sn + v * c});
    }
}

/* How far out a point is, in units of the star's boundary along its ray:
** below 1 inside, above 1 outside.  Scaling rx and ry by t moves the
** boundary to t, which is how park sizes are fitted to a share of blocks. */
static double star_reach(const star *s, pt q)
{
    double c = cos(s->rot), sn = sin(s->rot);
    double dx = q.x - s->cx, dy = q.y - s->cy;
    double u = (dx * c + dy * sn) / s->rx, v = (-dx * sn + dy * c) / s->ry;
    double rho = hypot(u, v);
    if (rho == 0) return 0;
    return rho / star_factor(s, atan2(v, u));
}

static double star_bound(const star *s)
{
    double sum = 0;
    for (int k = 0; k < STAR_TERMS; k++) sum += fabs(s->a[k]);
    return fmax(s->rx, s->ry) * (1 + sum);
}

/* ====================================================================== */
/* Cutting                                                                */
/*                                                                        */
/* A block is cut into land-use pieces and, independently, into parcels.  */
/* Three structures are kept: the block outline, the land-use pieces and  */
/* the parcel pieces.  Every cut line is applied to all three: it splits  */
/* the pieces of one structure and only "refines" the others, inserting   */
/* the points where it crosses their edges.  A crossing point is computed */
/* from the edge's two end points in a canonical order, so two pieces     */
/* sharing an edge, and the outline holding that edge, get the same       */
/* double.  As every structure sees every line, they always hold the      */
/* same sub-edges along the outline, and neighbouring pieces of one       */
/* structure the same sub-edges between them.  Hence:                     */
/*   - land-use pieces tile the block exactly, vertex for vertex;         */
/*   - parcels lie exactly inside the block (their boundary vertices are  */
/*     outline vertices), and exactly tile it before the deliberate       */
/*     straddlers are made;                                               */
/*   - the written block outline carries the cut points as vertices on    */
/*     straight edges, as real data derived from parcels does.            */
/* A line restricted to a range (the column cuts of one row of parcels)   */
/* refines only crossings inside its range, in every structure alike.     */
/* ====================================================================== */

typedef struct cutline {
    char axis;        /* 'x': the line x = c; 'y': y = c; 0: nx x + ny y = c */
    double nx, ny, c;
    int ranged;       /* axis lines only: crossings outside [lo, hi] of the */
    double lo, hi;    /* other coordinate are ignored                       */
} cutline;

static double cut_side(const cutline *L, pt p)
{
    if (L->axis == 'x') return p.x - L->c;
    if (L->axis == 'y') return p.y - L->c;
    return L->nx * p.x + L->ny * p.y - L->c;
}

static int crosses(double da, double db)
{
    return (da > 0 && db < 0) || (da < 0 && db > 0);
}

/* Where L crosses the edge pq: from the lexicographically smaller end, so
** that pq and qp give the same bits.  On an axis line the fixed
** coordinate is set exactly, which keeps row and column edges straight. */
static pt cut_point(const cutline *L, pt p, pt q)
{
    pt a = p, b = q;
    if (b.x < a.x || (b.x == a.x && b.y < a.y)) {
        a = q;
        b = p;
    }
    double da = cut_side(L, a), db = cut_side(L, b);
    double t = da / (da - db);
    pt r = {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
    if (L->axis == 'x') r.x = L->c;
    else if (L->axis == 'y') r.y = L->c;
    return r;
}

static int cut_in_range(const cutline *L, pt r)
{
    if (!L->ranged) return 1;
    double v = L->axis == 'x' ? r.y : r.x;
    return v >= L->lo && v <= L->hi;
}

/* Insert the crossing points of L into the ring without splitting it. */
static void refine_ring(ring *r, const cutline *L, ring *tmp)
{
    if (r->n < 2) return;
    tmp->n = 0;
    double d0 = cut_side(L, r->p[0]), dp = d0;
    for (int i = 0; i < r->n; i++) {
        pt p = r->p[i];
        int j = i + 1 < r->n ? i + 1 : 0;
        pt q = r->p[j];
        double dq = j ? cut_side(L, q) : d0;
        ring_push_unique(tmp, p);
        if (crosses(dp, dq)) {
            pt x = cut_point(L, p, q);
            if (cut_in_range(L, x)) ring_push_unique(tmp, x);
        }
        dp = dq;
    }
    ring_close_unique(tmp);
    ring_swap(r, tmp);
}

/* Split a ring by L into its parts on the positive and negative side
** (Sutherland–Hodgman on both sides at once).  A part with fewer than
** three vertices or no area is returned empty. */
static void split_ring(const ring *in, const cutline *L, ring *pos, ring *neg)
{
    pos->n = neg->n = 0;
    double d0 = cut_side(L, in->p[0]), dp = d0;
    for (int i = 0; i < in->n; i++) {
        pt p = in->p[i];
        int j = i + 1 < in->n ? i + 1 : 0;
        pt q = in->p[j];
        double dq = j ? cut_side(L, q) : d0;
        if (dp >= 0) ring_push_unique(pos, p);
        if (dp <= 0) ring_push_unique(neg, p);
        if (crosses(dp, dq)) {
            pt x = cut_point(L, p, q);
            ring_push_unique(pos, x);
            ring_push_unique(neg, x);
        }
        dp = dq;
    }
    ring_close_unique(pos);
    ring_close_unique(neg);
    if (pos->n < 3 || ring_area(pos) == 0) pos->n = 0;
    if (neg->n < 3 || ring_area(neg) == 0) neg->n = 0;
}

typedef struct piece {
    ring r;
    int hole;     /* holds the block's pond as its interior ring */
    int row;      /* parcels: the row of the parcel grid */
    int code;     /* land use: index into landuse_classes */
    double area;  /* m², hole excluded */
} piece;

typedef struct pieces {
    piece *v;
    int n, cap;
} pieces;

/* A new empty piece; rings of removed pieces are kept for reuse. */
static piece *pieces_add(pieces *s)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, (size_t)cap * sizeof *s->v);
        memset(s->v + s->cap, 0, (size_t)(cap - s->cap) * sizeof *s->v);
        s->cap = cap;
    }
    piece *p = &s->v[s->n++];
    p->r.n = 0;
    p->hole = p->row = p->code = 0;
    p->area = 0;
    return p;
}

static void pieces_copy(pieces *dst, const pieces *src)
{
    dst->n = 0;
    for (int i = 0; i < src->n; i++) {
        piece *p = pieces_add(dst);
        ring_copy(&p->r, &src->v[i].r);
        p->hole = src->v[i].hole;
        p->row = src->v[i].row;
        p->code = src->v[i].code;
        p->area = src->v[i].area;
    }
}

static void pieces_free(pieces *s)
{
    for (int i = 0; i < s->cap; i++) ring_free(&s->v[i].r);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

enum { CUT_ALL = -1, CUT_NONE = -2 };

typedef struct scratch {
    ring a, b;
} scratch;

/* Apply L to a structure: split the pieces of row `split_row` (CUT_ALL:
** every piece; CUT_NONE: none) and refine the rest.  A split piece's part
** on the positive side gets row `pos_row` (if >= 0); so does a piece of
** that row lying wholly on the positive side.  `hole` is the block's pond:
** cut lines never touch it, and it stays with the part that contains it. */
static void pieces_cut(pieces *s, const cutline *L, int split_row, int pos_row,
                       const ring *hole, scratch *w)
{
    int n0 = s->n;
    for (int i = 0; i < n0; i++) {
        piece *pc = &s->v[i];
        int split = split_row == CUT_ALL || (split_row >= 0 && pc->row == split_row);
        if (!split) {
            refine_ring(&pc->r, L, &w->a);
            continue;
        }
        split_ring(&pc->r, L, &w->a, &w->b);
        if (w->b.n == 0) {            /* wholly on the positive side */
            if (pos_row >= 0) pc->row = pos_row;
            continue;
        }
        if (w->a.n == 0) continue;    /* wholly on the negative side */
        int hole_pos = 0;
        if (pc->hole) hole_pos = cut_side(L, hole->p[0]) > 0;
        int row = pc->row, code = pc->code, had_hole = pc->hole;
        ring_swap(&pc->r, &w->a);
        if (pos_row >= 0) pc->row = pos_row;
        pc->hole = had_hole && hole_pos;
        piece *nw = pieces_add(s);    /* may move s->v: pc is stale below */
        ring_swap(&nw->r, &w->b);
        nw->row = row;
        nw->code = code;
        nw->hole = had_hole && !hole_pos;
    }
}

/* ====================================================================== */
/* Land-use classes (三调 codes and names, exactly)                        */
/* ====================================================================== */

enum luc {
    LU_0101, LU_0102, LU_0103, LU_0301, LU_0508, LU_05H1, LU_0601, LU_0602,
    LU_0701, LU_0702, LU_0810, LU_08H2, LU_1003, LU_1004, LU_1006, LU_1101,
    LU_1104, LU_1107, LU_1201, LU_1202, LU_COUNT
};

static const struct {
    const char *code, *name;
} landuse_classes[LU_COUNT] = {
    {"0101", "水田"},         {"0102", "水浇地"},
    {"0103", "旱地"},         {"0301", "乔木林地"},
    {"0508", "物流仓储用地"}, {"05H1", "商业服务业设施用地"},
    {"0601", "工业用地"},     {"0602", "采矿用地"},
    {"0701", "城镇住宅用地"}, {"0702", "农村宅基地"},
    {"0810", "公园与绿地"},   {"08H2", "科教文卫用地"},
    {"1003", "公路用地"},     {"1004", "城镇村道路用地"},
    {"1006", "农村道路"},     {"1101", "河流水面"},
    {"1104", "坑塘水面"},     {"1107", "沟渠"},
    {"1201", "空闲地"},       {"1202", "设施农用地"},
};

/* ====================================================================== */
/* Blocks                                                                 */
/* ====================================================================== */

enum shape { SH_QUAD, SH_PENTA, SH_L, SH_HOLE, SH_MULTI };
static const char *const shape_names[] = {"quadrilateral", "pentagon", "L-shape",
                                          "with pond", "two parts"};

typedef struct blockgeom {
    int shape, nparts;
    ring outline[2];    /* counter-clockwise, local coordinates */
    int has_hole;
    ring hole;          /* clockwise, inside outline[0] */
    pieces base;        /* the convex parts the block is made of */
    pieces lu, pc;      /* land-use pieces, parcel pieces */
    double area;        /* m², pond excluded */
    double pnoise;      /* the block's share of parcels, relative */
    /* saved states for the cutting retries */
    ring saved_outline[2];
    pieces saved_lu, saved_pc;
    scratch w;
} blockgeom;

static void blockgeom_free(blockgeom *g)
{
    for (int i = 0; i < 2; i++) {
        ring_free(&g->outline[i]);
        ring_free(&g->saved_outline[i]);
    }
    ring_free(&g->hole);
    pieces_free(&g->base);
    pieces_free(&g->lu);
    pieces_free(&g->pc);
    pieces_free(&g->saved_lu);
    pieces_free(&g->saved_pc);
    ring_free(&g->w.a);
    ring_free(&g->w.b);
}

/* A convex quadrilateral in [x0,x1]×[y0,y1], each corner moved inward by
** up to `j` of the side.  Corners stay in their own corner of the box, so
** the quadrilateral stays convex. */
static void jitter_quad(rng *r, double x0, double y0, double x1, double y1, double j,
                        pt q[4])
{
    double jx = j * (x1 - x0), jy = j * (y1 - y0);
    double dx[4], dy[4];
    for (int i = 0; i < 4; i++) {
        /* a third of the corners stay square on the road grid */
        int square = rng_u01(r) < 0.33;
        dx[i] = square ? 0 : rng_uniform(r, 0, jx);
        dy[i] = square ? 0 : rng_uniform(r, 0, jy);
    }
    q[0] = (pt){x0 + dx[0], y0 + dy[0]};
    q[1] = (pt){x1 - dx[1], y0 + dy[1]};
    q[2] = (pt){x1 - dx[2], y1 - dy[2]};
    q[3] = (pt){x0 + dx[3], y1 - dy[3]};
}

static int ring_is_convex(const ring *r)
{
    for (int i = 0; i < r->n; i++) {
        pt a = r->p[i], b = r->p[(i + 1) % r->n], c = r->p[(i + 2) % r->n];
        if (orient(a, b, c) < 0) return 0;
    }
    return 1;
}

static void set_ring(ring *r, const pt *p, int n)
{
    r->n = 0;
    for (int i = 0; i < n; i++) ring_push(r, p[i]);
}

/* The block's shape in a slot of size W×H: outline, pond, convex parts.
** Road margins of 5–15 m on each side keep neighbours 10–30 m apart. */
static void build_shape(blockgeom *g, rng *r, double W, double H)
{
    double ax0 = rng_uniform(r, 5, 15), ax1 = W - rng_uniform(r, 5, 15);
    double ay0 = rng_uniform(r, 5, 15), ay1 = H - rng_uniform(r, 5, 15);
    double w = ax1 - ax0, h = ay1 - ay0;
    double u = rng_u01(r);
    int shape = u < 0.03 ? SH_HOLE : u < 0.06 ? SH_MULTI : u < 0.16 ? SH_L
              : u < 0.46 ? SH_PENTA : SH_QUAD;
    if (shape == SH_HOLE && (w < 160 || h < 160)) shape = SH_QUAD;
    if (shape == SH_MULTI && fmax(w, h) < 220) shape = SH_QUAD;
    if (shape == SH_L && fmin(w, h) < 150) shape = SH_PENTA;

    g->base.n = 0;
    g->has_hole = 0;
    g->hole.n = 0;
    g->nparts = 1;
    pt q[8];
    switch (shape) {
    case SH_QUAD:
    case SH_HOLE: {
        jitter_quad(r, ax0, ay0, ax1, ay1, shape == SH_HOLE ? 0.08 : 0.12, q);
        set_ring(&pieces_add(&g->base)->r, q, 4);
        if (shape == SH_HOLE) {
            /* a retained pond, well inside: at most 23% of the smaller
            ** side from the middle, the quadrilateral at most 8% in */
            star s;
            double rr = fmin(w, h) * rng_uniform(r, 0.07, 0.12);
            star_init(&s, r, ax0 + w * rng_uniform(r, 0.42, 0.58),
                      ay0 + h * rng_uniform(r, 0.42, 0.58), rr, rr * rng_uniform(r, 0.7, 1.0),
                      rng_uniform(r, 0, PI), 0.15);
            star_ring(&s, 10, &g->hole);
            ring_reverse(&g->hole);
            g->has_hole = 1;
            g->base.v[0].hole = 1;
        }
        break;
    }
    case SH_PENTA: {
        pt c[4];
        jitter_quad(r, ax0, ay0, ax1, ay1, 0.12, c);
        int k = rng_int(r, 4);
        double f1 = rng_uniform(r, 0.15, 0.35), f2 = rng_uniform(r, 0.15, 0.35);
        int n = 0;
        for (int i = 0; i < 4; i++) {
            if (i != k) {
                q[n++] = c[i];
                continue;
            }
            pt prev = c[(i + 3) % 4], next = c[(i + 1) % 4];
            q[n++] = (pt){c[i].x + f2 * (prev.x - c[i].x), c[i].y + f2 * (prev.y - c[i].y)};
            q[n++] = (pt){c[i].x + f1 * (next.x - c[i].x), c[i].y + f1 * (next.y - c[i].y)};
        }
        set_ring(&pieces_add(&g->base)->r, q, 5);
        break;
    }
    case SH_L: {
        /* notch at the top right; then mirrored at random.  Parts:
        ** A = P0 P1 P2 P3 Q (bottom, full width), B = Q P3 P4 P5 (top
        ** left); P3, the inner corner, lies a little above P2–Q so that
        ** both parts are convex. */
        double jx = 0.05 * w, jy = 0.05 * h;
        double ym = ay0 + h * rng_uniform(r, 0.45, 0.62);
        double xm = ax0 + w * rng_uniform(r, 0.42, 0.62);
        pt P0 = {ax0 + rng_uniform(r, 0, jx), ay0 + rng_uniform(r, 0, jy)};
        pt P1 = {ax1 - rng_uniform(r, 0, jx), ay0 + rng_uniform(r, 0, jy)};
        pt P2 = {ax1 - rng_uniform(r, 0, jx), ym};
        pt P3 = {xm, ym + rng_uniform(r, 0.5, 4)};
        pt P4 = {xm + rng_uniform(r, -0.3, 0.3) * jx, ay1 - rng_uniform(r, 0, jy)};
        pt P5 = {ax0 + rng_uniform(r, 0, jx), ay1 - rng_uniform(r, 0, jy)};
        pt Q = {ax0 + rng_uniform(r, 0, 0.5) * jx, ym};
        pt A[5] = {P0, P1, P2, P3, Q}, B[4] = {Q, P3, P4, P5};
        pt O[7] = {P0, P1, P2, P3, P4, P5, Q};
        int mx = rng_u01(r) < 0.5, my = rng_u01(r) < 0.5;
        pt *sets[3] = {A, B, O};
        int ns[3] = {5, 4, 7};
        for (int s = 0; s < 3; s++)
            for (int i = 0; i < ns[s]; i++) {
                if (mx) sets[s][i].x = ax0 + ax1 - sets[s][i].x;
                if (my) sets[s][i].y = ay0 + ay1 - sets[s][i].y;
            }
        set_ring(&pieces_add(&g->base)->r, A, 5);
        set_ring(&pieces_add(&g->base)->r, B, 4);
        set_ring(&g->outline[0], O, 7);
        if (mx != my) {
            ring_reverse(&g->base.v[0].r);
            ring_reverse(&g->base.v[1].r);
            ring_reverse(&g->outline[0]);
        }
        break;
    }
    case SH_MULTI: {
        /* two parts either side of a 10–20 m canal */
        double gap = rng_uniform(r, 10, 20), f = rng_uniform(r, 0.38, 0.62);
        if (w >= h) {
            double s = ax0 + w * f;
            jitter_quad(r, ax0, ay0, s - gap / 2, ay1, 0.1, q);
            jitter_quad(r, s + gap / 2, ay0, ax1, ay1, 0.1, q + 4);
        } else {
            double s = ay0 + h * f;
            jitter_quad(r, ax0, ay0, ax1, s - gap / 2, 0.1, q);
            jitter_quad(r, ax0, s + gap / 2, ax1, ay1, 0.1, q + 4);
        }
        set_ring(&pieces_add(&g->base)->r, q, 4);
        set_ring(&pieces_add(&g->base)->r, q + 4, 4);
        g->nparts = 2;
        break;
    }
    }
    for (int i = 0; i < g->base.n; i++)
        if (!ring_is_convex(&g->base.v[i].r) || ring_area(&g->base.v[i].r) <= 0)
            die("internal: block part not convex (shape %d)", shape);
    if (shape != SH_L)
        for (int i = 0; i < g->nparts; i++) ring_copy(&g->outline[i], &g->base.v[i].r);
    g->shape = shape;
    g->area = 0;
    for (int i = 0; i < g->nparts; i++) g->area += ring_area(&g->outline[i]);
    if (g->has_hole) g->area += ring_area(&g->hole); /* negative */
    g->pnoise = exp(0.25 * rng_normal(r));
}

static box outline_box(const blockgeom *g)
{
    box b = ring_box(&g->outline[0]);
    if (g->nparts == 2) b = box_union(b, ring_box(&g->outline[1]));
    return b;
}

static double piece_area(const piece *p, const blockgeom *g)
{
    double a = ring_area(&p->r);
    if (p->hole) a += ring_area(&g->hole);
    return a;
}

/* Apply one line everywhere: split `which` (0: land use, 1: parcels),
** refine the other structure and the outline. */
static void cut_everything(blockgeom *g, const cutline *L, int which, int split_row,
                           int pos_row)
{
    pieces *own = which ? &g->pc : &g->lu, *other = which ? &g->lu : &g->pc;
    pieces_cut(own, L, split_row, pos_row, &g->hole, &g->w);
    pieces_cut(other, L, CUT_NONE, -1, &g->hole, &g->w);
    for (int i = 0; i < g->nparts; i++) refine_ring(&g->outline[i], L, &g->w.a);
}

static void save_state(blockgeom *g)
{
    for (int i = 0; i < g->nparts; i++) ring_copy(&g->saved_outline[i], &g->outline[i]);
    pieces_copy(&g->saved_lu, &g->lu);
    pieces_copy(&g->saved_pc, &g->pc);
}

static void restore_state(blockgeom *g)
{
    for (int i = 0; i < g->nparts; i++) ring_copy(&g->outline[i], &g->saved_outline[i]);
    pieces_copy(&g->lu, &g->saved_lu);
    pieces_copy(&g->pc, &g->saved_pc);
}

/* Does a line keep at least `margin` metres from the pond? */
static int clear_of_hole(const blockgeom *g, const cutline *L, double margin)
{
    if (!g->has_hole) return 1;
    int sign = 0;
    for (int i = 0; i < g->hole.n; i++) {
        double d = cut_side(L, g->hole.p[i]);
        if (fabs(d) < margin) return 0;
        int s = d > 0 ? 1 : -1;
        if (sign && s != sign) return 0;
        sign = s;
    }
    return 1;
}

/* Land use: 2–5 pieces by 0–4 parallel lines, slightly tilted.  Weighted
** codes for all but the largest piece, which is industrial. */
static void cut_landuse(blockgeom *g, rng *r)
{
    static const double weights[LU_COUNT] = {
        [LU_0601] = 45, [LU_0508] = 18, [LU_1004] = 10, [LU_1201] = 10,
        [LU_0810] = 7, [LU_0701] = 5, [LU_1104] = 5};
    box b = outline_box(g);
    int single = g->base.n == 1;
    save_state(g);
    int ok = 0;
    for (int attempt = 0; attempt < 40 && !ok; attempt++) {
        restore_state(g);
        int k = single ? 1 + rng_int(r, 4) : rng_int(r, 3);
        if (attempt >= 20) k = single ? 1 : 0;
        double th = (b.x1 - b.x0 >= b.y1 - b.y0 ? 0 : PI / 2) + rng_uniform(r, -0.26, 0.26);
        if (rng_u01(r) < 0.25) th += PI / 2;
        cutline L = {0, cos(th), sin(th), 0, 0, 0, 0};
        double pmin = INFINITY, pmax = -INFINITY;
        for (int i = 0; i < g->nparts; i++)
            for (int j = 0; j < g->outline[i].n; j++) {
                double p = L.nx * g->outline[i].p[j].x + L.ny * g->outline[i].p[j].y;
                pmin = fmin(pmin, p);
                pmax = fmax(pmax, p);
            }
        int bad = 0;
        for (int i = 1; i <= k && !bad; i++) {
            L.c = pmin + (pmax - pmin) * (i + rng_uniform(r, -0.3, 0.3)) / (k + 1);
            if (!clear_of_hole(g, &L, 3)) {
                bad = 1;
                break;
            }
            cut_everything(g, &L, 0, CUT_ALL, -1);
        }
        if (bad || g->lu.n < 2 || g->lu.n > 5) continue;
        ok = 1;
        for (int i = 0; i < g->lu.n; i++) {
            g->lu.v[i].area = piece_area(&g->lu.v[i], g);
            if (g->lu.v[i].area < 0.05 * g->area) ok = 0;
        }
    }
    if (!ok) {
        restore_state(g);
        for (int i = 0; i < g->lu.n; i++) g->lu.v[i].area = piece_area(&g->lu.v[i], g);
    }
    int largest = 0;
    for (int i = 1; i < g->lu.n; i++)
        if (g->lu.v[i].area > g->lu.v[largest].area) largest = i;
    for (int i = 0; i < g->lu.n; i++)
        g->lu.v[i].code = i == largest ? LU_0601 : rng_weighted(r, weights, LU_COUNT);
}

/* Parcels: a grid of `n` cells, rows of full-width lines, then each row
** cut into columns by lines restricted to it.  Axis-parallel cuts keep
** the rows' and columns' edges straight (the straddlers rely on it). */
static void cut_parcels(blockgeom *g, rng *r, int n)
{
    box b = outline_box(g);
    double bw = b.x1 - b.x0, bh = b.y1 - b.y0;
    save_state(g);
    for (int attempt = 0;; attempt++) {
        restore_state(g);
        if (attempt && attempt % 6 == 0 && n > 1) n--;
        if (n <= 1) break;
        int rows = (int)lround(sqrt(n * bh / bw));
        if (rows < 1) rows = 1;
        if (rows > n) rows = n;
        double d[64];
        if (rows > 62) rows = 62;
        d[0] = -1e300;
        d[rows] = 1e300;
        int bad = 0;
        for (int j = 1; j < rows && !bad; j++) {
            d[j] = b.y0 + bh * (j + rng_uniform(r, -0.2, 0.2)) / rows;
            cutline L = {'y', 0, 1, d[j], 0, 0, 0};
            if (!clear_of_hole(g, &L, 3)) {
                bad = 1;
                break;
            }
            cut_everything(g, &L, 1, j - 1, j);
        }
        if (bad) continue;
        /* columns per row: n spread over the rows, the odd ones at random */
        int extra = n % rows, first_extra = rng_int(r, rows);
        for (int j = 0; j < rows && !bad; j++) {
            int cols = n / rows + ((j - first_extra + rows) % rows < extra);
            double rx0 = INFINITY, rx1 = -INFINITY;
            for (int i = 0; i < g->pc.n; i++)
                if (g->pc.v[i].row == j)
                    for (int k = 0; k < g->pc.v[i].r.n; k++) {
                        rx0 = fmin(rx0, g->pc.v[i].r.p[k].x);
                        rx1 = fmax(rx1, g->pc.v[i].r.p[k].x);
                    }
            if (!(rx1 > rx0)) continue;
            for (int k = 1; k < cols; k++) {
                cutline L = {'x', 1, 0, rx0 + (rx1 - rx0) * (k + rng_uniform(r, -0.2, 0.2)) / cols,
                             1, d[j], d[j + 1]};
                if (g->has_hole) {
                    box hb = ring_box(&g->hole);
                    if (hb.y1 >= d[j] && hb.y0 <= d[j + 1] && !clear_of_hole(g, &L, 3)) {
                        bad = 1;
                        break;
                    }
                }
                cut_everything(g, &L, 1, j, j);
            }
        }
        if (bad) continue;
        int ok = 1;
        double min_area = fmax(120, 0.3 * g->area / n);
        for (int i = 0; i < g->pc.n && ok; i++)
            if (piece_area(&g->pc.v[i], g) < min_area) ok = 0;
        if (ok) break;
    }
    for (int i = 0; i < g->pc.n; i++) g->pc.v[i].area = piece_area(&g->pc.v[i], g);
}

/* Build block `slot` of size W×H.  With n_parcels < 0 only the shape;
** otherwise land use and n_parcels parcels too.  The shape draws come
** first from the block's own stream, so both calls give the same shape. */
static void build_block(blockgeom *g, uint64_t seed, int64_t slot, double W, double H,
                        int n_parcels)
{
    rng r;
    rng_init(&r, seed, S_BLOCK, (uint64_t)slot);
    build_shape(g, &r, W, H);
    if (n_parcels < 0) return;
    pieces_copy(&g->lu, &g->base);
    pieces_copy(&g->pc, &g->base);
    cut_landuse(g, &r);
    cut_parcels(g, &r, n_parcels);
}

/* ====================================================================== */
/* The city                                                               */
/* ====================================================================== */

/* The 19 towns, in the order of their codes 330282001…019. */
static const char *const town_names[19] = {
    "浒山街道", "古塘街道", "白沙路街道", "宗汉街道", "坎墩街道", "观海卫镇",
    "掌起镇", "附海镇", "逍林镇", "周巷镇", "长河镇", "新浦镇", "桥头镇",
    "匡堰镇", "横河镇", "龙山镇", "崇寿镇", "庵东镇", "胜山镇"};
enum {
    T_HUSHAN, T_GUTANG, T_BAISHALU, T_ZONGHAN, T_KANDUN, T_GUANHAIWEI,
    T_ZHANGQI, T_FUHAI, T_XIAOLIN, T_ZHOUXIANG, T_CHANGHE, T_XINPU, T_QIAOTOU,
    T_KUANGYAN, T_HENGHE, T_LONGSHAN, T_CHONGSHOU, T_ANDONG, T_SHENGSHAN
};

/* Where the towns lie, roughly as on the map: four rows from south to
** north, each cut into towns at these fractions of the width. */
#define TOWN_ROWS 4
static const double town_row_v[TOWN_ROWS + 1] = {0, 0.27, 0.52, 0.76, 1};
static const int town_row_n[TOWN_ROWS] = {5, 5, 5, 4};
static const double town_row_u[TOWN_ROWS][6] = {
    {0, 0.33, 0.50, 0.64, 0.80, 1},
    {0, 0.20, 0.36, 0.46, 0.56, 1},
    {0, 0.18, 0.36, 0.52, 0.70, 1},
    {0, 0.22, 0.50, 0.72, 1, 1}};
static const int town_row_ids[TOWN_ROWS][5] = {
    {T_HENGHE, T_HUSHAN, T_KUANGYAN, T_ZHANGQI, T_LONGSHAN},
    {T_ZHOUXIANG, T_ZONGHAN, T_GUTANG, T_BAISHALU, T_GUANHAIWEI},
    {T_CHANGHE, T_KANDUN, T_SHENGSHAN, T_XIAOLIN, T_QIAOTOU},
    {T_CHONGSHOU, T_ANDONG, T_XINPU, T_FUHAI, -1}};

/* Industrial clusters: centre (fractions of the extent), spread (fraction
** of the width, for which cluster a slot belongs to) and weight (share of
** the blocks). */
static const struct cluster_def {
    double u, v, sigma, weight;
} cluster_defs[] = {
    {0.09, 0.42, 0.035, 1.3}, /* 周巷 */
    {0.15, 0.33, 0.025, 0.6}, /* 周巷 south */
    {0.08, 0.64, 0.030, 0.8}, /* 长河 */
    {0.10, 0.86, 0.035, 0.7}, /* 崇寿 */
    {0.30, 0.82, 0.040, 1.3}, /* 庵东, by the bay wetland */
    {0.28, 0.44, 0.030, 1.0}, /* 宗汉 */
    {0.27, 0.64, 0.030, 1.0}, /* 坎墩 */
    {0.44, 0.63, 0.025, 0.6}, /* 胜山 */
    {0.62, 0.84, 0.035, 0.9}, /* 新浦 */
    {0.61, 0.64, 0.030, 0.9}, /* 逍林 */
    {0.86, 0.86, 0.035, 0.9}, /* 附海 */
    {0.84, 0.64, 0.030, 0.8}, /* 桥头 */
    {0.76, 0.40, 0.040, 1.1}, /* 观海卫 */
    {0.68, 0.34, 0.025, 0.5}, /* 观海卫 west */
    {0.18, 0.16, 0.030, 0.6}, /* 横河 */
    {0.56, 0.19, 0.020, 0.35},/* 匡堰 */
    {0.71, 0.17, 0.025, 0.5}, /* 掌起 */
    {0.90, 0.21, 0.030, 0.7}, /* 龙山 */
    {0.51, 0.43, 0.015, 0.25},/* 白沙路 */
    {0.40, 0.44, 0.015, 0.2}, /* 古塘 */
    {0.42, 0.16, 0.015, 0.2}, /* 浒山 */
};
#define N_CLUSTERS ((int)(sizeof cluster_defs / sizeof cluster_defs[0]))

/* Ecological red lines: coast wetlands in the north (the first two
** overlap, as delivered patches sometimes do), hills and reservoirs in the
** south.  Centre and radii as fractions of the width. */
static const struct redline_def {
    const char *name;
    double u, v, rx, ry, rot;
} redline_defs[] = {
    {"慈溪市杭州湾湿地生态保护红线", 0.26, 0.925, 0.10, 0.042, 0.05},
    {"慈溪市庵东湿地生态保护红线", 0.40, 0.915, 0.060, 0.038, -0.10},
    {"慈溪市四灶浦水库饮用水水源保护区生态保护红线", 0.70, 0.93, 0.035, 0.025, 0},
    {"慈溪市翠屏山生态保护红线", 0.33, 0.07, 0.060, 0.035, 0.20},
    {"慈溪市上林湖水源涵养生态保护红线", 0.56, 0.085, 0.035, 0.030, 0},
    {"慈溪市五磊山生态保护红线", 0.73, 0.07, 0.045, 0.030, -0.20},
    {"慈溪市达蓬山生态保护红线", 0.93, 0.08, 0.040, 0.035, 0.30},
};
#define N_REDLINES ((int)(sizeof redline_defs / sizeof redline_defs[0]))

/* The four parks, centred on industrial clusters. */
static const struct park_def {
    const char *name;
    double u, v, rx, ry, rot;
} park_defs[] = {
    {"慈溪滨海经济开发区", 0.85, 0.82, 0.10, 0.065, 0.15},
    {"慈溪智能家电高新技术产业园区", 0.27, 0.54, 0.07, 0.11, 0.10},
    {"前湾沪浙合作创新区", 0.30, 0.82, 0.10, 0.06, -0.05},
    {"现代农业开发区农机特色产业园", 0.09, 0.42, 0.06, 0.07, 0.30},
};
#define N_PARKS 4

typedef struct town {
    int id;
    ring poly;
    box bb;
    pt centre;
} town;

typedef struct blockrec {
    int64_t slot;
    int col, row;         /* slot column and row */
    int town;             /* index into town_names */
    int in_town;          /* 1-based number within its town */
    int shape, nparts, has_hole;
    ring outline[2];      /* absolute coordinates; a pond in [1] if has_hole */
    box bb;
    pt centre;
    double area, weight;
    int n_target;         /* parcels asked for */
    int n_parcels;        /* parcels made */
    int n_lu, n_lu_0601;  /* land-use pieces (pond excluded) */
    int n_big;            /* parcels of 15 亩 or more */
    int red;              /* meets a red line */
    int straddle;         /* one parcel reaches into the block to the east */
    int64_t outside_slot; /* a parcel outside any block in that slot, or -1 */
    char qkbh[16];
} blockrec;

typedef struct city {
    uint64_t seed;
    double scale;           /* >1 when many blocks need a larger county */
    box ext;
    double W, H;
    /* slots */
    double *X, *Y;          /* column and row boundaries */
    int nc, nr;
    int *slot_block;        /* block index or -1 */
    unsigned char *slot_used; /* an outside parcel sits there */
    /* layers */
    town towns[19];
    star red[N_REDLINES];
    ring red_ring[N_REDLINES];
    box red_box[N_REDLINES];
    blockrec *blocks;
    int nblocks;
    int64_t n_parcels, n_outside, n_straddle, n_big_parcels;
    int64_t n_lu_block, n_lu_0601, n_ponds, n_background;
    double ppb;
} city;

static pt city_point(const city *c, double u, double v)
{
    return (pt){c->ext.x0 + u * c->W, c->ext.y0 + v * c->H};
}

static int find_interval(const double *b, int n, double v)
{
    /* index i with b[i] <= v < b[i+1], clamped to [0, n-1] */
    int lo = 0, hi = n;
    if (v < b[0]) return 0;
    if (v >= b[n]) return n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (b[mid] <= v) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* ---------------------------------------------------------------------- */
/* Tilings: towns and control units                                       */
/*                                                                        */
/* Rows separated by wavy boundaries, each row cut into cells by wavy     */
/* dividers.  A boundary is one polyline whose vertices include every     */
/* divider foot of the rows on both sides; a cell takes its sides from    */
/* those polylines, so neighbours share the very same vertices: the cells */
/* tile the extent with no gap or overlap.                                */
/* ---------------------------------------------------------------------- */

typedef struct tiling_spec {
    int nrows;
    const double *row_v;          /* nrows+1 fractions, 0 … 1 */
    const int *ncols;             /* per row */
    const double *const *col_u;   /* per row, ncols+1 fractions, 0 … 1 */
    int nsamples;                 /* boundary vertices across the width */
    double wobble;                /* boundary amplitude, fraction of row height */
} tiling_spec;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Cells in row-major order from the south-west; cells[] must hold
** Σ ncols rings. */
static void make_tiling(const city *c, rng *r, const tiling_spec *sp, ring *cells)
{
    int nb = sp->nrows + 1;
    double **bx = xcalloc((size_t)nb, sizeof *bx), **by = xcalloc((size_t)nb, sizeof *by);
    int *bn = xcalloc((size_t)nb, sizeof *bn);
    double min_h = INFINITY;
    for (int k = 0; k < sp->nrows; k++)
        min_h = fmin(min_h, (sp->row_v[k + 1] - sp->row_v[k]) * c->H);
    for (int k = 0; k < nb; k++) {
        int cap = sp->nsamples + 1 + (k > 0 ? sp->ncols[k - 1] : 0) +
                  (k < sp->nrows ? sp->ncols[k] : 0);
        double *xs = xmalloc((size_t)cap * sizeof *xs);
        int n = 0;
        for (int i = 0; i <= sp->nsamples; i++)
            xs[n++] = i == sp->nsamples ? c->ext.x1 : c->ext.x0 + c->W * i / sp->nsamples;
        for (int side = -1; side <= 0; side++) {
            int row = k + side;
            if (row < 0 || row >= sp->nrows) continue;
            for (int i = 1; i < sp->ncols[row]; i++) {
                xs[n++] = c->ext.x0 + c->W * sp->col_u[row][i];
            }
        }
        qsort(xs, (size_t)n, sizeof *xs, cmp_double);
        int m = 0;
        for (int i = 0; i < n; i++)
            if (m == 0 || xs[i] != xs[m - 1]) xs[m++] = xs[i];
        double *ys = xmalloc((size_t)m * sizeof *ys);
        double base = c->ext.y0 + c->H * sp->row_v[k];
        double amp = sp->wobble * min_h;
        double l1 = c->W * rng_uniform(r, 0.25, 0.5), l2 = c->W * rng_uniform(r, 0.08, 0.15);
        double p1 = rng_uniform(r, 0, 2 * PI), p2 = rng_uniform(r, 0, 2 * PI);
        for (int i = 0; i < m; i++) {
            ys[i] = base;
            if (k > 0 && k < sp->nrows)
                /* smooth (no per-vertex noise): a spike beside a
                ** divider's foot could cross the divider */
                ys[i] += amp * (0.7 * sin(2 * PI * xs[i] / l1 + p1) +
                                0.3 * sin(2 * PI * xs[i] / l2 + p2));
        }
        bx[k] = xs;
        by[k] = ys;
        bn[k] = m;
    }
    int cell = 0;
    for (int row = 0; row < sp->nrows; row++) {
        int nc = sp->ncols[row];
        double min_w = INFINITY;
        for (int i = 0; i < nc; i++)
            min_w = fmin(min_w, (sp->col_u[row][i + 1] - sp->col_u[row][i]) * c->W);
        /* dividers: foot and head on the boundaries, three wavy points between */
        ring *div = xcalloc((size_t)nc + 1, sizeof *div);
        for (int i = 0; i <= nc; i++) {
            double xd = i == nc ? c->ext.x1 : c->ext.x0 + c->W * sp->col_u[row][i];
            int fb = -1, ft = -1;
            for (int j = 0; j < bn[row]; j++)
                if (bx[row][j] == xd) fb = j;
            for (int j = 0; j < bn[row + 1]; j++)
                if (bx[row + 1][j] == xd) ft = j;
            if (fb < 0 || ft < 0) die("internal: divider foot not on boundary");
            double yb = by[row][fb], yt = by[row + 1][ft];
            ring_push(&div[i], (pt){xd, yb});
            if (i > 0 && i < nc) {
                double amp = fmin(0.25 * min_w, 0.08 * min_h), ph = rng_uniform(r, 0, 2 * PI);
                for (int s = 1; s <= 3; s++)
                    ring_push(&div[i], (pt){xd + amp * (0.8 * sin(ph + 2.1 * s) +
                                                        0.2 * rng_uniform(r, -1, 1)),
                                            yb + (yt - yb) * s / 4.0});
            }
            ring_push(&div[i], (pt){xd, yt});
        }
        for (int col = 0; col < nc; col++, cell++) {
            ring *out = &cells[cell];
            out->n = 0;
            double xl = div[col].p[0].x, xr = div[col + 1].p[0].x;
            for (int j = 0; j < bn[row]; j++)
                if (bx[row][j] >= xl && bx[row][j] <= xr)
                    ring_push(out, (pt){bx[row][j], by[row][j]});
            for (int s = 1; s < div[col + 1].n - 1; s++) ring_push(out, div[col + 1].p[s]);
            for (int j = bn[row + 1] - 1; j >= 0; j--)
                if (bx[row + 1][j] >= xl && bx[row + 1][j] <= xr)
                    ring_push(out, (pt){bx[row + 1][j], by[row + 1][j]});
            for (int s = div[col].n - 2; s >= 1; s--) ring_push(out, div[col].p[s]);
            if (!ring_is_simple(out) || ring_area(out) <= 0)
                die("internal: tiling cell %d is not a simple polygon", cell);
        }
        for (int i = 0; i <= nc; i++) ring_free(&div[i]);
        free(div);
    }
    for (int k = 0; k < nb; k++) {
        free(bx[k]);
        free(by[k]);
    }
    free(bx);
    free(by);
    free(bn);
}

static void make_towns(city *c)
{
    rng r;
    rng_init(&r, c->seed, S_LAYOUT, 1);
    const double *col_u[TOWN_ROWS];
    for (int i = 0; i < TOWN_ROWS; i++) col_u[i] = town_row_u[i];
    tiling_spec sp = {TOWN_ROWS, town_row_v, town_row_n, col_u, 28, 0.12};
    ring cells[19] = {{0}};
    make_tiling(c, &r, &sp, cells);
    int cell = 0;
    for (int row = 0; row < TOWN_ROWS; row++)
        for (int col = 0; col < town_row_n[row]; col++, cell++) {
            int id = town_row_ids[row][col];
            town *t = &c->towns[id];
            t->id = id;
            t->poly = cells[cell];
            t->bb = ring_box(&t->poly);
            t->centre = city_point(c, (town_row_u[row][col] + town_row_u[row][col + 1]) / 2,
                                   (town_row_v[row] + town_row_v[row + 1]) / 2);
        }
}

static int town_of(const city *c, pt p)
{
    for (int i = 0; i < 19; i++)
        if (p.x >= c->towns[i].bb.x0 && p.x <= c->towns[i].bb.x1 &&
            p.y >= c->towns[i].bb.y0 && p.y <= c->towns[i].bb.y1 &&
            ring_contains(&c->towns[i].poly, p))
            return i;
    /* on a boundary vertex exactly: take the nearest centre */
    int best = 0;
    for (int i = 1; i < 19; i++)
        if (hypot(p.x - c->towns[i].centre.x, p.y - c->towns[i].centre.y) <
            hypot(p.x - c->towns[best].centre.x, p.y - c->towns[best].centre.y))
            best = i;
    return best;
}

static void make_redlines(city *c)
{
    for (int i = 0; i < N_REDLINES; i++) {
        const struct redline_def *d = &redline_defs[i];
        rng r;
        rng_init(&r, c->seed, S_LAYOUT, 100 + (uint64_t)i);
        pt ctr = city_point(c, d->u, d->v);
        star_init(&c->red[i], &r, ctr.x, ctr.y, d->rx * c->W, d->ry * c->W, d->rot, 0.35);
        /* keep each patch inside the county */
        for (;;) {
            star_ring(&c->red[i], 360, &c->red_ring[i]);
            box b = ring_box(&c->red_ring[i]);
            if (b.x0 > c->ext.x0 && b.x1 < c->ext.x1 && b.y0 > c->ext.y0 && b.y1 < c->ext.y1)
                break;
            c->red[i].rx *= 0.95;
            c->red[i].ry *= 0.95;
        }
        c->red_box[i] = ring_box(&c->red_ring[i]);
    }
}

/* ---------------------------------------------------------------------- */
/* Slots and the choice of blocks                                         */
/* ---------------------------------------------------------------------- */

/* Boundaries from a to b, widths 140–640 m (mean about 390). */
static int make_lattice(rng *r, double a, double b, double **out)
{
    int cap = 64, n = 0;
    double *v = xmalloc((size_t)cap * sizeof *v);
    double x = a;
    for (;;) {
        if (n + 2 >= cap) v = xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[n++] = x;
        double w = 140 + 500 * (rng_u01(r) + rng_u01(r)) / 2;
        if (x + w > b - 140) break;
        x += w;
    }
    v[n] = b;
    *out = v;
    return n; /* cells */
}

typedef struct slotkey {
    int owner;
    double key;
    int64_t slot;
} slotkey;

static int cmp_slotkey(const void *a, const void *b)
{
    const slotkey *x = a, *y = b;
    if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

static int cmp_block_order(const void *a, const void *b)
{
    const blockrec *x = a, *y = b;
    if (x->town != y->town) return x->town - y->town;
    if (x->row != y->row) return y->row - x->row;   /* north first */
    return x->col - y->col;
}

static void slot_box(const city *c, int64_t s, box *b)
{
    int col = (int)(s % c->nc), row = (int)(s / c->nc);
    *b = (box){c->X[col], c->Y[row], c->X[col + 1], c->Y[row + 1]};
}

/* Does the block a slot would get meet a red line? */
static int slot_meets_red(const city *c, int64_t s, blockgeom *g)
{
    box sb;
    slot_box(c, s, &sb);
    int any = 0;
    for (int i = 0; i < N_REDLINES; i++) any |= box_overlap(sb, c->red_box[i]);
    if (!any) return 0;
    build_block(g, c->seed, s, sb.x1 - sb.x0, sb.y1 - sb.y0, -1);
    for (int i = 0; i < g->nparts; i++) ring_translate(&g->outline[i], sb.x0, sb.y0);
    for (int i = 0; i < N_REDLINES; i++)
        if (box_overlap(sb, c->red_box[i]) &&
            rings_meet(g->outline, g->nparts, &c->red_ring[i], 1))
            return 1;
    return 0;
}

static void choose_blocks(city *c, int nblocks, blockgeom *g)
{
    rng r;
    rng_init(&r, c->seed, S_LAYOUT, 2);
    c->nc = make_lattice(&r, c->ext.x0, c->ext.x1, &c->X);
    c->nr = make_lattice(&r, c->ext.y0, c->ext.y1, &c->Y);
    int64_t ns = (int64_t)c->nc * c->nr;
    c->slot_block = xmalloc((size_t)ns * sizeof *c->slot_block);
    c->slot_used = xcalloc((size_t)ns, 1);
    for (int64_t s = 0; s < ns; s++) c->slot_block[s] = -1;

    /* each cluster stretched along a direction of its own, as zones
    ** follow a road or a river */
    double stretch[N_CLUSTERS], angle[N_CLUSTERS];
    for (int k = 0; k < N_CLUSTERS; k++) {
        stretch[k] = rng_uniform(&r, 1, 2.5);
        angle[k] = rng_uniform(&r, 0, PI);
    }
    slotkey *normal = xmalloc((size_t)ns * sizeof *normal);
    slotkey *red = xmalloc((size_t)ns * sizeof *red);
    int64_t nn = 0, nred = 0;
    for (int64_t s = 0; s < ns; s++) {
        box sb;
        slot_box(c, s, &sb);
        pt ctr = {(sb.x0 + sb.x1) / 2, (sb.y0 + sb.y1) / 2};
        rng rs;
        rng_init(&rs, c->seed, S_SLOT, (uint64_t)s);
        double noise = 0.65 + 0.7 * rng_u01(&rs);
        int owner = 0;
        double best = -1, dmin = INFINITY, downer = 0;
        for (int k = 0; k < N_CLUSTERS; k++) {
            pt cc = city_point(c, cluster_defs[k].u, cluster_defs[k].v);
            double d = hypot(ctr.x - cc.x, ctr.y - cc.y) / (cluster_defs[k].sigma * c->W);
            double gk = cluster_defs[k].weight * exp(-d * d / 2);
            if (gk > best) {
                double dx = ctr.x - cc.x, dy = ctr.y - cc.y;
                double along = dx * cos(angle[k]) + dy * sin(angle[k]);
                double across = -dx * sin(angle[k]) + dy * cos(angle[k]);
                best = gk;
                owner = k;
                downer = hypot(along / sqrt(stretch[k]), across * sqrt(stretch[k])) /
                         (cluster_defs[k].sigma * c->W);
            }
            dmin = fmin(dmin, d);
        }
        if (slot_meets_red(c, s, g))
            red[nred++] = (slotkey){0, dmin * noise, s};
        else
            normal[nn++] = (slotkey){owner, downer * noise, s};
    }
    /* about 3% of the blocks meet a red line: the red slots nearest to
    ** industry, as where a zone's edge runs into a protected patch */
    int want_red = (int)lround(0.03 * nblocks);
    if (want_red < 1 && nblocks >= 10) want_red = 1;
    if (want_red > nred) want_red = (int)nred;
    int want_normal = nblocks - want_red;
    if (want_normal > nn)
        die("internal: %d blocks do not fit in %lld slots", nblocks, (long long)nn);
    qsort(red, (size_t)nred, sizeof *red, cmp_slotkey);
    qsort(normal, (size_t)nn, sizeof *normal, cmp_slotkey);

    /* quotas by weight, largest remainder */
    double wsum = 0;
    for (int k = 0; k < N_CLUSTERS; k++) wsum += cluster_defs[k].weight;
    int quota[N_CLUSTERS], given = 0;
    double rem[N_CLUSTERS];
    for (int k = 0; k < N_CLUSTERS; k++) {
        double q = want_normal * cluster_defs[k].weight / wsum;
        quota[k] = (int)floor(q);
        rem[k] = q - quota[k];
        given += quota[k];
    }
    while (given < want_normal) {
        int best = 0;
        for (int k = 1; k < N_CLUSTERS; k++)
            if (rem[k] > rem[best]) best = k;
        quota[best]++;
        rem[best] = -1;
        given++;
    }
    unsigned char *taken = xcalloc((size_t)nn, 1);
    int chosen = 0;
    for (int64_t i = 0; i < nn;) {
        int k = normal[i].owner, got = 0;
        int64_t j = i;
        for (; j < nn && normal[j].owner == k; j++)
            if (got < quota[k]) {
                taken[j] = 1;
                got++;
            }
        chosen += got;
        i = j;
    }
    /* shortfalls (a cluster with too few slots) go to the nearest others */
    if (chosen < want_normal) {
        /* owner 0 for all, and the index into normal[] in place of the
        ** slot: sorted by key alone, then mapped back */
        slotkey *rest = xmalloc((size_t)nn * sizeof *rest);
        int64_t m = 0;
        for (int64_t i = 0; i < nn; i++)
            if (!taken[i]) rest[m++] = (slotkey){0, normal[i].key, i};
        qsort(rest, (size_t)m, sizeof *rest, cmp_slotkey);
        for (int64_t i = 0; i < m && chosen < want_normal; i++) {
            taken[rest[i].slot] = 1;
            chosen++;
        }
        free(rest);
    }
    c->blocks = xcalloc((size_t)nblocks, sizeof *c->blocks);
    c->nblocks = 0;
    for (int64_t i = 0; i < nn; i++)
        if (taken[i]) c->blocks[c->nblocks++].slot = normal[i].slot;
    for (int i = 0; i < want_red; i++) {
        c->blocks[c->nblocks].slot = red[i].slot;
        c->blocks[c->nblocks].red = 1;
        c->nblocks++;
    }
    free(taken);
    free(normal);
    free(red);
}

/* ---------------------------------------------------------------------- */
/* Pass one: every block's shape, parcel count and counts for the messy   */
/* variant's exact-count selection.                                       */
/* ---------------------------------------------------------------------- */

static void block_slot_size(const city *c, const blockrec *b, double *W, double *H)
{
    *W = c->X[b->col + 1] - c->X[b->col];
    *H = c->Y[b->row + 1] - c->Y[b->row];
}

static void survey_blocks(city *c, blockgeom *g)
{
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        b->col = (int)(b->slot % c->nc);
        b->row = (int)(b->slot / c->nc);
        double W, H;
        block_slot_size(c, b, &W, &H);
        build_block(g, c->seed, b->slot, W, H, -1);
        b->area = g->area;
        b->weight = pow(g->area, 0.7) * g->pnoise;
        pt ctr = ring_centroid(&g->outline[0]);
        b->centre = (pt){ctr.x + c->X[b->col], ctr.y + c->Y[b->row]};
        b->town = town_of(c, b->centre);
    }
    qsort(c->blocks, (size_t)c->nblocks, sizeof *c->blocks, cmp_block_order);
    int in_town[19] = {0};
    double wsum = 0;
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        b->in_town = ++in_town[b->town];
        snprintf(b->qkbh, sizeof b->qkbh, "QK%04d", i + 1);
        c->slot_block[b->slot] = i;
        wsum += b->weight;
    }
    /* parcels per block: about --parcels-per-block on average, more in
    ** larger blocks */
    double factor = c->ppb * c->nblocks / wsum;
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        b->n_target = (int)lround(factor * b->weight);
        if (b->n_target < 1) b->n_target = 1;
        double W, H;
        block_slot_size(c, b, &W, &H);
        build_block(g, c->seed, b->slot, W, H, b->n_target);
        b->shape = g->shape;
        b->nparts = g->nparts;
        b->has_hole = g->has_hole;
        for (int k = 0; k < g->nparts; k++) {
            ring_copy(&b->outline[k], &g->outline[k]);
            ring_translate(&b->outline[k], c->X[b->col], c->Y[b->row]);
        }
        if (g->has_hole) {
            /* single-part blocks keep their pond in outline[1] */
            ring_copy(&b->outline[1], &g->hole);
            ring_translate(&b->outline[1], c->X[b->col], c->Y[b->row]);
        }
        b->bb = ring_box(&b->outline[0]);
        if (b->nparts == 2) b->bb = box_union(b->bb, ring_box(&b->outline[1]));
        b->n_parcels = g->pc.n;
        b->n_lu = g->lu.n;
        b->n_lu_0601 = 0;
        for (int k = 0; k < g->lu.n; k++) b->n_lu_0601 += g->lu.v[k].code == LU_0601;
        b->n_big = 0;
        for (int k = 0; k < g->pc.n; k++) b->n_big += g->pc.v[k].area * 0.0015 >= 15;
        c->n_parcels += b->n_parcels;
        c->n_lu_block += b->n_lu;
        c->n_lu_0601 += b->n_lu_0601;
        c->n_ponds += b->has_hole;
        c->n_big_parcels += b->n_big;
        b->outside_slot = -1;
    }
}

/* Which blocks get a straddling parcel and which a parcel outside any
** block (about 1% of the parcels each). */
static void plan_odd_parcels(city *c)
{
    rng r;
    rng_init(&r, c->seed, S_SELECT, 1);
    int64_t eligible = 0;
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        int east = b->col + 1 < c->nc ? c->slot_block[b->slot + 1] : -1;
        if ((b->shape == SH_QUAD || b->shape == SH_PENTA) && east >= 0) eligible++;
    }
    int64_t k[1] = {llround(0.01 * (double)c->n_parcels)};
    if (k[0] > eligible) k[0] = eligible;
    picker p;
    picker_init(&p, eligible, k, 1);
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        int east = b->col + 1 < c->nc ? c->slot_block[b->slot + 1] : -1;
        if ((b->shape == SH_QUAD || b->shape == SH_PENTA) && east >= 0)
            b->straddle = picker_next(&p, &r) == 0;
    }
    int64_t want = llround(0.01 * (double)c->n_parcels);
    if (want > c->nblocks) want = c->nblocks;
    picker_init(&p, c->nblocks, &want, 1);
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        if (picker_next(&p, &r) != 0) continue;
        /* a free slot nearby: the 8 neighbours in random order, then the
        ** 16 slots of the next ring (blocks deep inside a zone) */
        int order[24];
        for (int j = 0; j < 24; j++) order[j] = j;
        for (int lo = 0, hi = 8; lo < 24; lo = hi, hi = 24)
            for (int j = hi - 1; j > lo; j--) {
                int m2 = lo + rng_int(&r, j - lo + 1), t = order[j];
                order[j] = order[m2];
                order[m2] = t;
            }
        static const int dc[24] = {1, -1, 0, 0, 1, 1, -1, -1,
                                   2, 2, 2, 2, 2, -2, -2, -2, -2, -2, -1, 0, 1, -1, 0, 1};
        static const int dr[24] = {0, 0, 1, -1, 1, -1, 1, -1,
                                   -2, -1, 0, 1, 2, -2, -1, 0, 1, 2, 2, 2, 2, -2, -2, -2};
        for (int j = 0; j < 24; j++) {
            int col = b->col + dc[order[j]], row = b->row + dr[order[j]];
            if (col < 0 || row < 0 || col >= c->nc || row >= c->nr) continue;
            int64_t s = (int64_t)row * c->nc + col;
            if (c->slot_block[s] >= 0 || c->slot_used[s]) continue;
            b->outside_slot = s;
            break;
        }
        /* deep inside a large zone: the nearest free slot along the row */
        for (int dist = 3; b->outside_slot < 0 && dist < c->nc; dist++)
            for (int side = -1; side <= 1; side += 2) {
                int col = b->col + side * dist;
                if (col < 0 || col >= c->nc) continue;
                int64_t s = (int64_t)b->row * c->nc + col;
                if (c->slot_block[s] >= 0 || c->slot_used[s]) continue;
                b->outside_slot = s;
                break;
            }
        if (b->outside_slot >= 0) {
            c->slot_used[b->outside_slot] = 1;
            c->n_outside++;
        }
    }
}

/* Blocks within a box, by the slots it covers. */
static int blocks_in_box(const city *c, box b, int *out, int max)
{
    int c0 = find_interval(c->X, c->nc, b.x0), c1 = find_interval(c->X, c->nc, b.x1);
    int r0 = find_interval(c->Y, c->nr, b.y0), r1 = find_interval(c->Y, c->nr, b.y1);
    int n = 0;
    for (int row = r0; row <= r1; row++)
        for (int col = c0; col <= c1; col++) {
            int k = c->slot_block[(int64_t)row * c->nc + col];
            if (k >= 0 && n < max) out[n++] = k;
        }
    return n;
}

/* How many blocks a polygon meets (up to max). */
static int blocks_meeting(const city *c, const ring *poly, int max)
{
    int cand[4096], n = blocks_in_box(c, ring_box(poly), cand, 4096), hit = 0;
    for (int i = 0; i < n && hit < max; i++) {
        const blockrec *b = &c->blocks[cand[i]];
        if (box_overlap(b->bb, ring_box(poly)) && rings_meet(b->outline, b->nparts, poly, 1))
            hit++;
    }
    return hit;
}

/* ====================================================================== */
/* Parcels' figures                                                       */
/* ====================================================================== */

static const struct industry {
    const char *code, *word;
    double weight, energy, emission;
} industries[] = {
    {"C3857", "电器配件", 14, 0.8, 0.8},  /* 家用电力器具专用配件制造 */
    {"C3851", "电器", 8, 0.8, 0.8},       /* 家用制冷电器具制造 */
    {"C3854", "厨具电器", 7, 0.8, 0.8},   /* 家用厨房电器具制造 */
    {"C3859", "家电", 6, 0.8, 0.8},       /* 其他家用电力器具制造 */
    {"C2927", "塑料制品", 8, 1.3, 1.2},   /* 日用塑料制品制造 */
    {"C2929", "塑胶", 5, 1.3, 1.2},       /* 塑料零件及其他塑料制品制造 */
    {"C3340", "金属制品", 7, 1.4, 1.3},   /* 金属丝绳及其制品制造 */
    {"C3484", "机械", 7, 1.0, 1.0},       /* 机械零部件加工 */
    {"C3451", "轴承", 6, 1.2, 1.0},       /* 滚动轴承制造 */
    {"C1713", "印染", 4, 3.0, 3.0},       /* 棉印染精加工 */
    {"C1712", "纺织", 3, 1.5, 1.5},       /* 棉织造加工 */
    {"C3670", "汽车部件", 5, 1.0, 1.0},   /* 汽车零部件及配件制造 */
    {"C3831", "电线电缆", 4, 1.1, 1.0},   /* 电线、电缆制造 */
    {"C3872", "照明电器", 4, 0.8, 0.8},   /* 照明灯具制造 */
    {"C3443", "阀门", 3, 1.1, 1.0},       /* 阀门和旋塞制造 */
    {"C3982", "电子", 3, 0.9, 0.9},       /* 电子电路制造 */
    {"C2641", "涂料", 1, 1.8, 2.5},       /* 涂料制造 */
    {"C2231", "包装", 2, 1.2, 1.5},       /* 纸和纸板容器制造 */
    /* the other chains of 二、(七) (layers/tables/industry_chains.csv) */
    {"C3421", "数控机床", 3, 1.0, 1.0},   /* 金属切削机床制造: 智能装备 */
    {"C3491", "机器人", 1, 0.9, 0.9},     /* 工业机器人制造: 智能装备 */
    {"C3985", "磁业", 2, 1.3, 1.2},       /* 电子专用材料制造 (钕铁硼): 稀土磁性材料 */
    {"C3584", "医疗器械", 2, 0.7, 0.7},   /* 医疗、外科及兽医用器械制造: 医疗器械 */
};
#define N_INDUSTRIES ((int)(sizeof industries / sizeof industries[0]))

static const char *const name_first[] = {
    "宏", "永", "金", "华", "恒", "信", "德", "瑞", "天", "鑫", "海", "伟", "明",
    "新", "东", "利", "凯", "兴", "佳", "博", "安", "富", "隆", "嘉", "盛", "正",
    "腾", "飞", "众", "立", "祥", "裕", "捷", "春", "光", "中", "圣", "美"};
static const char *const name_second[] = {
    "达", "泰", "丰", "源", "发", "通", "宇", "成", "诚", "昌", "力", "邦", "辉",
    "益", "鸿", "旺", "顺", "锋", "达", "港", "泽", "晟", "科", "创", "星", "友",
    "联", "威", "龙", "峰"};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Unified social credit code (GB 32100-2015): 9 工商, 1 企业, the county,
** a 9-character organisation code (GB 11714, with its check character),
** and the final check character.  The organisation code's body is a
** bijection of the parcel's serial, so no two parcels share a code. */
static void credit_code(uint64_t serial, char out[19])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w_org[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    static const int w_all[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    /* 48271 is prime to 10^8, so this maps serials one-to-one */
    uint64_t body = (serial * 48271u + 20210903u) % 100000000u;
    char org[10];
    snprintf(org, sizeof org, "%08llu", (unsigned long long)body);
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += (org[i] - '0') * w_org[i];
    int c9 = 11 - sum % 11;
    org[8] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
    org[9] = '\0';
    snprintf(out, 19, "91330282%s", org);
    sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *p = strchr(alphabet, out[i]);
        sum += (int)(p - alphabet) * w_all[i];
    }
    int c18 = 31 - sum % 31;
    out[17] = alphabet[c18 == 31 ? 0 : c18];
    out[18] = '\0';
}

typedef struct parcel_values {
    char qymc[128];
    char credit[19];
    const char *hydm;
    double tax, va, revenue, energy, emissions, rnd, land_mu, floor_m2;
    double tpm;           /* the tax per 亩 drawn (before rounding) */
    int employees;
    char grade[2];
    int lsl, small;
} parcel_values;

/* A block's economics (drawn once per block from S_ECON_BLOCK), so that
** every default rule meets the blocks it is about: most blocks are
** ordinary; a few are old low-rise estates full of weak firms (容积率
** under 0.6: 拆除重建); in a few the tax was never collected, wholly or
** for half the parcels (数据不足). */
typedef enum econ_kind { ECON_ORDINARY, ECON_OLD, ECON_UNTAXED, ECON_PARTIAL } econ_kind;

typedef struct block_econ {
    econ_kind kind;
    double weak_rate;     /* share of weak firms (亩均税收 around 2.5) */
    double far_lo, far_hi;  /* 容积率 drawn between */
    double untaxed_rate;  /* share of parcels without a tax figure */
    double join_rate;     /* share of parcels held by the firm of the parcel before */
    int join_previous;    /* the first parcel belongs to a firm of the block before */
} block_econ;

static void block_economics(uint64_t seed, int i, block_econ *e)
{
    rng r;
    rng_init(&r, seed, S_ECON_BLOCK, (uint64_t)i);
    double u = rng_u01(&r);
    e->kind = u < 0.02 ? ECON_UNTAXED : u < 0.035 ? ECON_PARTIAL : u < 0.10 ? ECON_OLD
                                                                       : ECON_ORDINARY;
    e->weak_rate = e->kind == ECON_OLD ? 0.6 : 0.12;
    e->far_lo = e->kind == ECON_OLD ? 0.2 : 0.3;
    e->far_hi = e->kind == ECON_OLD ? 0.55 : 2.5;
    e->untaxed_rate = e->kind == ECON_UNTAXED ? 1 : e->kind == ECON_PARTIAL ? 0.5 : 0.01;
    e->join_rate = 0.15;
    e->join_previous = rng_u01(&r) < 0.12;
}

/* An enterprise holding several parcels: what its parcels share. */
typedef struct firm {
    int valid;
    char qymc[128];
    char credit[19];
    const char *hydm;
    double tpm;
    char grade[2];
    int lsl, small;
    int town;
} firm;

/* The firm of a parcel that starts one. */
static void firm_from(const parcel_values *v, int town, firm *f)
{
    f->valid = 1;
    snprintf(f->qymc, sizeof f->qymc, "%s", v->qymc);
    memcpy(f->credit, v->credit, sizeof f->credit);
    f->hydm = v->hydm;
    f->tpm = v->tpm;
    memcpy(f->grade, v->grade, sizeof f->grade);
    f->lsl = v->lsl;
    f->small = v->small;
    f->town = town;
}


/* Share of the tax-per-亩 distribution below t: the mixture drawn in
** parcel_figures, so grades follow the intended 20/40/35/5 percentiles
** without a second pass over all parcels. */
static double tax_per_mu_cdf(double t)
{
    double z1 = (log(t) - log(14.0)) / 0.75, z2 = (log(t) - log(2.5)) / 0.6;
    return 0.88 * 0.5 * erfc(-z1 / sqrt(2)) + 0.12 * 0.5 * erfc(-z2 / sqrt(2));
}

/* The figures of one enterprise on a parcel of area_m2.  `big_tax`
** (messy variant) asks for a tax of at least 1,000 万元, for a victim of
** the thousands-separator defect. */
static void parcel_figures(rng *r, double area_m2, int big_tax, const block_econ *e,
                           parcel_values *v)
{
    static double weights[N_INDUSTRIES];
    if (weights[0] == 0)
        for (int i = 0; i < N_INDUSTRIES; i++) weights[i] = industries[i].weight;
    const struct industry *ind = &industries[rng_weighted(r, weights, N_INDUSTRIES)];
    v->hydm = ind->code;
    double u = rng_u01(r);
    const char *suffix = u < 0.85 ? "有限公司" : u < 0.9 ? "股份有限公司" : "厂";
    snprintf(v->qymc, sizeof v->qymc, "慈溪市%s%s%s%s", name_first[rng_int(r, COUNT(name_first))],
             name_second[rng_int(r, COUNT(name_second))], ind->word, suffix);

    v->land_mu = round(area_m2 / (10000.0 / 15.0) * 100) / 100;
    /* tax per 亩, 万元: lognormal around 14, a tail of weak firms around 2.5 */
    int weak = rng_u01(r) < e->weak_rate;
    double tpm = exp(weak ? log(2.5) + 0.6 * rng_normal(r) : log(14.0) + 0.75 * rng_normal(r));
    tpm = fmin(fmax(tpm, 0.2), 200);
    v->tpm = tpm;
    v->tax = tpm * v->land_mu;
    double extra = rng_uniform(r, 0, 1500); /* drawn always: keeps the draws in step */
    if (big_tax && v->tax < 1000) v->tax = 1000 + extra;
    v->tax = round(v->tax * 100) / 100;
    double F = tax_per_mu_cdf(tpm);
    int ungraded = rng_u01(r) < 0.03;
    /* percentiles from the top: A the best 20%, then B 40%, C 35%, D 5% */
    v->grade[0] = ungraded ? '\0' : F >= 0.8 ? 'A' : F >= 0.4 ? 'B' : F >= 0.05 ? 'C' : 'D';
    v->grade[1] = '\0';

    v->va = round(v->tax * rng_uniform(r, 3, 5) * 100) / 100;
    v->revenue = round(v->va * rng_uniform(r, 10, 20) * 100) / 100;
    /* energy from 单位增加值能耗 (tce per 万元 of value added) */
    double intensity = 0.3 * ind->energy * exp(0.5 * rng_normal(r));
    v->energy = round(v->va * intensity * 100) / 100;
    /* emissions from 单位排放增加值 (万元 of value added per t) */
    double per_t = 500 / ind->emission * exp(0.7 * rng_normal(r));
    v->emissions = round(v->va / per_t * 1000) / 1000;
    double prod = 18 * exp(0.45 * rng_normal(r)); /* 万元 per employee */
    v->employees = (int)lround(v->va / prod);
    if (v->employees < 3) v->employees = 3 + rng_int(r, 5);
    /* R&D as a share of value added (about 8%, none for one firm in
    ** seven): tied to revenue it would follow the revenue multiple */
    double rd_share = rng_u01(r) < 0.15 ? 0 : fmin(0.3, 0.08 * exp(0.6 * rng_normal(r)));
    v->rnd = round(v->va * rd_share * 100) / 100;
    v->floor_m2 = round(area_m2 * rng_uniform(r, e->far_lo, e->far_hi) * 100) / 100;
    v->lsl = rng_u01(r) < (tpm < 5 ? 0.2 : 0.03);
    v->small = rng_u01(r) < (v->land_mu < 5 ? 0.25 : 0.06);
}

/* Parcel v is held by firm f too: it takes the firm's name, code,
** industry, grade and flags, and the firm's tax per 亩 within ±15%, every
** figure drawn from the tax scaled with it.  `big_tax` as in
** parcel_figures. */
static void join_firm(rng *r, const firm *f, int big_tax, parcel_values *v)
{
    double tax = f->tpm * rng_uniform(r, 0.85, 1.15) * v->land_mu;
    double extra = rng_uniform(r, 0, 1500);
    if (big_tax && tax < 1000) tax = 1000 + extra;
    tax = round(tax * 100) / 100;
    double k = v->tax > 0 ? tax / v->tax : 1;
    v->tax = tax;
    v->tpm = f->tpm;
    v->va = round(v->va * k * 100) / 100;
    v->revenue = round(v->revenue * k * 100) / 100;
    v->energy = round(v->energy * k * 100) / 100;
    v->emissions = round(v->emissions * k * 1000) / 1000;
    v->rnd = round(v->rnd * k * 100) / 100;
    v->employees = (int)lround(v->employees * k);
    if (v->employees < 3) v->employees = 3;
    snprintf(v->qymc, sizeof v->qymc, "%s", f->qymc);
    memcpy(v->credit, f->credit, sizeof v->credit);
    v->hydm = f->hydm;
    memcpy(v->grade, f->grade, sizeof v->grade);
    v->lsl = f->lsl;
    v->small = f->small;
}

/* ====================================================================== */
/* GDAL output                                                            */
/* ====================================================================== */

typedef struct fieldspec {
    const char *name;
    OGRFieldType type;
    int width;
} fieldspec;

static OGRSpatialReferenceH srs_epsg(int code)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    if (OSRImportFromEPSG(s, code) != OGRERR_NONE) die("cannot make EPSG:%d (proj.db?)", code);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

static GDALDatasetH create_dataset(const char *driver, const char *path)
{
    GDALDriverH d = GDALGetDriverByName(driver);
    if (!d) die("GDAL has no %s driver", driver);
    GDALDatasetH ds = GDALCreate(d, path, 0, 0, 0, GDT_Unknown, NULL);
    if (!ds) die("cannot create %s: %s", path, CPLGetLastErrorMsg());
    return ds;
}

static OGRLayerH create_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs,
                              OGRwkbGeometryType type, const char *const *options,
                              const fieldspec *fields, int nfields)
{
    OGRLayerH l = GDALDatasetCreateLayer(ds, name, srs, type, (char **)options);
    if (!l) die("cannot create layer %s: %s", name, CPLGetLastErrorMsg());
    for (int i = 0; i < nfields; i++) {
        OGRFieldDefnH f = OGR_Fld_Create(fields[i].name, fields[i].type);
        if (fields[i].width) OGR_Fld_SetWidth(f, fields[i].width);
        if (fields[i].type == OFTReal) OGR_Fld_SetPrecision(f, fields[i].width ? 3 : 0);
        /* The shapefile driver checks the 10-byte limit on the UTF-8 name
        ** before recoding it and warns for 区块名称 (12 bytes in UTF-8,
        ** 8 in GBK), although it writes the name whole: keep it quiet. */
        CPLPushErrorHandler(CPLQuietErrorHandler);
        OGRErr e = OGR_L_CreateField(l, f, TRUE);
        CPLPopErrorHandler();
        OGR_Fld_Destroy(f);
        if (e != OGRERR_NONE) die("cannot create field %s in %s", fields[i].name, name);
    }
    return l;
}

static OGRGeometryH ogr_ring(const ring *r, double dx, double dy)
{
    OGRGeometryH g = OGR_G_CreateGeometry(wkbLinearRing);
    int n = r->n + 1;
    double *xs = xmalloc((size_t)n * sizeof *xs), *ys = xmalloc((size_t)n * sizeof *ys);
    for (int i = 0; i < r->n; i++) {
        xs[i] = r->p[i].x + dx;
        ys[i] = r->p[i].y + dy;
    }
    xs[r->n] = xs[0];
    ys[r->n] = ys[0];
    OGR_G_SetPoints(g, n, xs, sizeof *xs, ys, sizeof *ys, NULL, 0);
    free(xs);
    free(ys);
    return g;
}

static OGRGeometryH ogr_polygon(const ring *outer, const ring *hole, double dx, double dy)
{
    OGRGeometryH g = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(g, ogr_ring(outer, dx, dy));
    if (hole) OGR_G_AddGeometryDirectly(g, ogr_ring(hole, dx, dy));
    return g;
}

typedef struct writer {
    GDALDatasetH ds;      /* for transactions; NULL for none */
    OGRLayerH layer;
    OGRFeatureH f;
    int64_t n, in_tx;
} writer;

#define TX_BATCH 100000

static void writer_open(writer *w, GDALDatasetH ds, OGRLayerH layer, int transactions)
{
    w->ds = transactions ? ds : NULL;
    w->layer = layer;
    w->f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    w->n = w->in_tx = 0;
    if (w->ds && GDALDatasetStartTransaction(w->ds, FALSE) != OGRERR_NONE)
        die("cannot start a transaction");
}

/* Write the feature (fields set by the caller; geometry taken, may be
** NULL) and clear it for the next one. */
static void writer_put(writer *w, OGRGeometryH geom)
{
    OGR_F_SetFID(w->f, OGRNullFID);
    OGR_F_SetGeometryDirectly(w->f, geom);
    if (OGR_L_CreateFeature(w->layer, w->f) != OGRERR_NONE)
        die("cannot write feature %lld: %s", (long long)w->n, CPLGetLastErrorMsg());
    w->n++;
    if (w->ds && ++w->in_tx >= TX_BATCH) {
        if (GDALDatasetCommitTransaction(w->ds) != OGRERR_NONE ||
            GDALDatasetStartTransaction(w->ds, FALSE) != OGRERR_NONE)
            die("cannot commit a transaction");
        w->in_tx = 0;
    }
}

static int64_t writer_close(writer *w)
{
    if (w->ds && GDALDatasetCommitTransaction(w->ds) != OGRERR_NONE)
        die("cannot commit a transaction");
    OGR_F_Destroy(w->f);
    w->f = NULL;
    return w->n;
}

static void set_str(writer *w, int i, const char *s)
{
    OGR_F_SetFieldString(w->f, i, s);
}

static void set_real(writer *w, int i, double v)
{
    OGR_F_SetFieldDouble(w->f, i, v);
}

/* ====================================================================== */
/* The defects manifest                                                   */
/* ====================================================================== */

typedef struct manifest_row {
    char layer[32], problem[40];
    int64_t count;
} manifest_row;

typedef struct manifest {
    manifest_row row[64];
    int n;
} manifest;

static void manifest_add(manifest *m, const char *layer, const char *problem, int64_t n)
{
    if (n <= 0) return;
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->row[i].layer, layer) && !strcmp(m->row[i].problem, problem)) {
            m->row[i].count += n;
            return;
        }
    if (m->n == 64) die("internal: manifest full");
    snprintf(m->row[m->n].layer, sizeof m->row[0].layer, "%s", layer);
    snprintf(m->row[m->n].problem, sizeof m->row[0].problem, "%s", problem);
    m->row[m->n++].count = n;
}

static int cmp_manifest_row(const void *a, const void *b)
{
    const manifest_row *x = a, *y = b;
    int c = strcmp(x->layer, y->layer);
    return c ? c : strcmp(x->problem, y->problem);
}

/* ====================================================================== */
/* Options and paths                                                      */
/* ====================================================================== */

typedef struct options {
    const char *out;
    uint64_t seed;
    int blocks;
    double ppb;
    int messy, quiet;
} options;

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void remove_file(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    if (unlink(p) != 0 && errno != ENOENT) die("cannot remove %s: %s", p, strerror(errno));
    free(p);
}

static void make_dirs(const char *dir)
{
    char *p = xmalloc(strlen(dir) + 1);
    strcpy(p, dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) die("cannot create %s: %s", p, strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) die("cannot create %s: %s", p, strerror(errno));
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) die("%s is not a directory", p);
    free(p);
}

static void summary(const options *o, const char *layer, int64_t n, const char *where)
{
    if (!o->quiet) printf("%-15s %9lld features  %s\n", layer, (long long)n, where);
}

/* ====================================================================== */
/* Layers                                                                 */
/* ====================================================================== */

static void write_blocks(const city *c, const options *o, manifest *m)
{
    char *path = path_in(o->out, "blocks.shp");
    GDALDatasetH ds = create_dataset("ESRI Shapefile", path);
    OGRSpatialReferenceH srs = srs_epsg(4549);
    static const fieldspec fields[] = {
        {"QKBH", OFTString, 16}, {"区块名称", OFTString, 64}, {"所属镇街", OFTString, 32}};
    static const char *const opts[] = {"ENCODING=CP936", NULL};
    OGRLayerH l = create_layer(ds, "blocks", srs, wkbPolygon, opts, fields, 3);
    writer w;
    writer_open(&w, ds, l, 0);

    /* messy: null geometry 2%, bow-tie 2%, collapsed 0.7%, duplicate id 1%,
    ** empty id 1%; the first block is never a victim, so a duplicate
    ** always has an earlier block to copy */
    enum { D_NULL, D_BOWTIE, D_COLLAPSED, D_DUP, D_NOID, D_KINDS };
    static const double rates[D_KINDS] = {0.02, 0.02, 0.007, 0.01, 0.01};
    static const char *const codes[D_KINDS] = {"null_geometry", "invalid_geometry",
                                               "geometry_collapsed", "id_duplicate", "id_missing"};
    int64_t k[D_KINDS] = {0}, done[D_KINDS] = {0};
    picker p;
    rng r;
    rng_init(&r, c->seed, S_MESSY_BLOCKS, 0);
    if (o->messy)
        for (int i = 0; i < D_KINDS; i++) k[i] = defect_count(rates[i], c->nblocks - 1);
    fit_counts(k, D_KINDS, c->nblocks - 1);
    picker_init(&p, c->nblocks - 1, k, D_KINDS);
    int *intact = xmalloc((size_t)c->nblocks * sizeof *intact), nintact = 0;

    for (int i = 0; i < c->nblocks; i++) {
        const blockrec *b = &c->blocks[i];
        int d = i > 0 && o->messy ? picker_next(&p, &r) : -1;
        char name[96];
        snprintf(name, sizeof name, "%s工业区块%d", town_names[b->town], b->in_town);
        const char *id = b->qkbh;
        if (d == D_DUP) id = c->blocks[intact[rng_int(&r, nintact)]].qkbh;
        if (d == D_NOID) id = "";
        if (d != D_DUP && d != D_NOID) intact[nintact++] = i;
        set_str(&w, 0, id);
        set_str(&w, 1, name);
        set_str(&w, 2, town_names[b->town]);
        OGRGeometryH g = NULL;
        box bb = b->bb;
        double bw = bb.x1 - bb.x0, bh = bb.y1 - bb.y0;
        if (d == D_BOWTIE) {
            /* a quadrilateral with its last two vertices swapped: two
            ** triangles meeting at the centre, each with area */
            ring q = {0};
            ring_push(&q, (pt){bb.x0 + 0.05 * bw, bb.y0 + 0.05 * bh});
            ring_push(&q, (pt){bb.x1 - 0.05 * bw, bb.y0 + 0.05 * bh});
            ring_push(&q, (pt){bb.x0 + 0.05 * bw, bb.y1 - 0.05 * bh});
            ring_push(&q, (pt){bb.x1 - 0.05 * bw, bb.y1 - 0.05 * bh});
            g = ogr_polygon(&q, NULL, 0, 0);
            ring_free(&q);
        } else if (d == D_COLLAPSED) {
            /* four distinct points on one horizontal line, closed */
            double y = (bb.y0 + bb.y1) / 2;
            ring q = {0};
            ring_push(&q, (pt){bb.x0, y});
            ring_push(&q, (pt){bb.x0 + 0.3 * bw, y});
            ring_push(&q, (pt){bb.x0 + 0.7 * bw, y});
            ring_push(&q, (pt){bb.x1, y});
            g = ogr_polygon(&q, NULL, 0, 0);
            ring_free(&q);
        } else if (d != D_NULL) {
            if (b->nparts == 2) {
                g = OGR_G_CreateGeometry(wkbMultiPolygon);
                for (int k2 = 0; k2 < 2; k2++)
                    OGR_G_AddGeometryDirectly(g, ogr_polygon(&b->outline[k2], NULL, 0, 0));
            } else if (b->has_hole) {
                g = ogr_polygon(&b->outline[0], &b->outline[1], 0, 0);
            } else {
                g = ogr_polygon(&b->outline[0], NULL, 0, 0);
            }
        }
        if (d >= 0) done[d]++;
        writer_put(&w, g);
    }
    int64_t n = writer_close(&w);
    GDALClose(ds);
    OSRDestroySpatialReference(srs);
    free(intact);
    if (o->messy) {
        /* no declared encoding: no .cpg and DBF language driver 0 (GDAL
        ** writes 0 already; set it anyway, it is the point of the defect) */
        remove_file(o->out, "blocks.cpg");
        char *dbf = path_in(o->out, "blocks.dbf");
        FILE *f = fopen(dbf, "r+b");
        if (!f || fseek(f, 29, SEEK_SET) != 0 || fputc(0, f) == EOF || fclose(f) != 0)
            die("cannot patch %s", dbf);
        free(dbf);
        manifest_add(m, "blocks", "encoding_guessed", 1);
        for (int i = 0; i < D_KINDS; i++) manifest_add(m, "blocks", codes[i], done[i]);
    }
    summary(o, "blocks", n, path);
    free(path);
}

/* Land use: block pieces and ponds, then background runs of free slots. */

static int background_class(const city *c, int64_t s)
{
    box sb;
    slot_box(c, s, &sb);
    pt q = {(sb.x0 + sb.x1) / 2, (sb.y0 + sb.y1) / 2};
    for (int i = 0; i < N_REDLINES; i++)
        if (star_reach(&c->red[i], q) < 1)
            return redline_defs[i].v > 0.5 ? LU_1101 : LU_0301;
    /* a zone of about 1.2 km decides, so that runs of slots merge */
    double zs = 1200;
    int64_t zx = (int64_t)floor((q.x - c->ext.x0) / zs);
    int64_t zy = (int64_t)floor((q.y - c->ext.y0) / zs);
    rng r;
    rng_init(&r, c->seed, S_BACKGROUND, (uint64_t)(zy * 100000 + zx));
    /* built-up land around each town's seat: the four central towns at
    ** their centres, the others' seats beside their industrial cluster */
    double dtown = INFINITY;
    int near = -1;
    for (int i = 0; i < 19; i++) {
        int central = i == T_HUSHAN || i == T_GUTANG || i == T_BAISHALU || i == T_ZONGHAN;
        pt seat = c->towns[i].centre;
        if (!central) seat.x -= 0.035 * c->W, seat.y -= 0.025 * c->W;
        double d = hypot(q.x - seat.x, q.y - seat.y) / (central ? 0.05 : 0.03);
        if (d < dtown) {
            dtown = d;
            near = i;
        }
    }
    if (dtown < c->W) {
        int central = near == T_HUSHAN || near == T_GUTANG || near == T_BAISHALU ||
                      near == T_ZONGHAN;
        static const double wc[LU_COUNT] = {[LU_0701] = 50, [LU_05H1] = 25, [LU_08H2] = 15,
                                            [LU_1003] = 10};
        static const double wt[LU_COUNT] = {[LU_0702] = 45, [LU_0701] = 25, [LU_05H1] = 10,
                                            [LU_08H2] = 10, [LU_1006] = 10};
        return rng_weighted(&r, central ? wc : wt, LU_COUNT);
    }
    static const double wf[LU_COUNT] = {
        [LU_0101] = 35, [LU_0102] = 15, [LU_0103] = 12, [LU_0702] = 10, [LU_1107] = 6,
        [LU_1006] = 6, [LU_1202] = 5, [LU_1101] = 4, [LU_1003] = 4, [LU_0301] = 2, [LU_0602] = 1};
    return rng_weighted(&r, wf, LU_COUNT);
}

/* Runs of up to 8 free slots of one row with the same class. */
typedef struct bgrun {
    int row, col0, col1, code;
} bgrun;

static bgrun *background_runs(const city *c, int64_t *count)
{
    int64_t cap = 1024, n = 0;
    bgrun *v = xmalloc((size_t)cap * sizeof *v);
    for (int row = 0; row < c->nr; row++) {
        int col = 0;
        while (col < c->nc) {
            int64_t s = (int64_t)row * c->nc + col;
            if (c->slot_block[s] >= 0) {
                col++;
                continue;
            }
            int code = background_class(c, s), end = col;
            while (end + 1 < c->nc && end - col < 7 && c->slot_block[s + (end + 1 - col)] < 0 &&
                   background_class(c, s + (end + 1 - col)) == code)
                end++;
            if (n == cap) v = xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
            v[n++] = (bgrun){row, col, end, code};
            col = end + 1;
        }
    }
    *count = n;
    return v;
}

/* One land-use feature; in the messy variant, maybe a defect. */
typedef struct landuse_out {
    writer w;
    int messy;
    picker p0601, pother;   /* 0601 pieces; all other pieces */
    rng r;
    int64_t bsm, done[3];   /* conflict, name variant, unknown code */
} landuse_out;

static void put_landuse(landuse_out *s, int code, OGRGeometryH geom)
{
    const char *dlbm = landuse_classes[code].code, *dlmc = landuse_classes[code].name;
    if (s->messy) {
        if (code == LU_0601) {
            int d = picker_next(&s->p0601, &s->r);
            if (d == 0) dlmc = "乡村道路用地", s->done[0]++;
            if (d == 1) dlmc = "工业", s->done[1]++;
        } else if (picker_next(&s->pother, &s->r) == 0) {
            dlbm = "9999", dlmc = "未知", s->done[2]++;
        }
    }
    char bsm[32];
    snprintf(bsm, sizeof bsm, "330282%07lld", (long long)++s->bsm);
    set_str(&s->w, 0, bsm);
    set_str(&s->w, 1, dlbm);
    set_str(&s->w, 2, dlmc);
    writer_put(&s->w, geom);
}

static void write_landuse(const city *c, const options *o, manifest *m, GDALDatasetH gpkg,
                          blockgeom *g)
{
    int64_t nruns;
    bgrun *runs = background_runs(c, &nruns);
    int64_t total = c->n_lu_block + c->n_ponds + nruns;
    GDALDatasetH ds = gpkg;
    char *path = NULL;
    OGRSpatialReferenceH srs = NULL;
    static const fieldspec fields[] = {
        {"BSM", OFTString, 20}, {"DLBM", OFTString, 8}, {"DLMC", OFTString, 60}};
    OGRLayerH l;
    double dx_extra = 0;
    if (o->messy) {
        /* a shapefile in zone-prefixed Gauss-Krüger (EPSG:4528 coordinates)
        ** with no .prj: the reader must recognise the CRS */
        path = path_in(o->out, "landuse.shp");
        ds = create_dataset("ESRI Shapefile", path);
        static const char *const opts[] = {"ENCODING=UTF-8", NULL};
        l = create_layer(ds, "landuse", NULL, wkbPolygon, opts, fields, 3);
        dx_extra = 40000000.0;
    } else {
        path = path_in(o->out, "city.gpkg:DLTB");
        srs = srs_epsg(4549);
        l = create_layer(ds, "DLTB", srs, wkbPolygon, NULL, fields, 3);
    }
    landuse_out lw;
    memset(&lw, 0, sizeof lw);
    writer_open(&lw.w, ds, l, !o->messy);
    lw.messy = o->messy;

    /* messy: among 0601 pieces, 1% 0601/乡村道路用地 (the 用地用海 meaning of
    ** 0601) and 1% name 工业; among the others, 0.5% code 9999 */
    int64_t k2[2] = {0, 0}, k1[1] = {0};
    if (o->messy) {
        k2[0] = defect_count(0.01, total);
        k2[1] = defect_count(0.01, total);
        if (k2[0] > total / 5) k2[0] = total / 5;
        fit_counts(k2, 2, c->n_lu_0601);
        k1[0] = defect_count(0.005, total - c->n_lu_0601);
        fit_counts(k1, 1, total - c->n_lu_0601);
    }
    picker_init(&lw.p0601, c->n_lu_0601, k2, 2);
    picker_init(&lw.pother, total - c->n_lu_0601, k1, 1);
    rng_init(&lw.r, c->seed, S_MESSY_LANDUSE, 0);


    for (int i = 0; i < c->nblocks; i++) {
        const blockrec *b = &c->blocks[i];
        double W, H;
        block_slot_size(c, b, &W, &H);
        build_block(g, c->seed, b->slot, W, H, b->n_target);
        double ox = c->X[b->col] + dx_extra, oy = c->Y[b->row];
        for (int k = 0; k < g->lu.n; k++) {
            const piece *pc = &g->lu.v[k];
            put_landuse(&lw, pc->code, ogr_polygon(&pc->r, pc->hole ? &g->hole : NULL, ox, oy));
        }
        if (g->has_hole) {
            ring pond = {0};
            ring_copy(&pond, &g->hole);
            ring_reverse(&pond);
            put_landuse(&lw, LU_1104, ogr_polygon(&pond, NULL, ox, oy));
            ring_free(&pond);
        }
    }
    for (int64_t i = 0; i < nruns; i++) {
        const bgrun *u = &runs[i];
        ring q = {0};
        ring_push(&q, (pt){c->X[u->col0], c->Y[u->row]});
        ring_push(&q, (pt){c->X[u->col1 + 1], c->Y[u->row]});
        ring_push(&q, (pt){c->X[u->col1 + 1], c->Y[u->row + 1]});
        ring_push(&q, (pt){c->X[u->col0], c->Y[u->row + 1]});
        put_landuse(&lw, u->code, ogr_polygon(&q, NULL, dx_extra, 0));
        ring_free(&q);
    }
    int64_t n = writer_close(&lw.w);
    if (n != total)
        die("internal: %lld land-use features, expected %lld", (long long)n, (long long)total);
    if (o->messy) {
        GDALClose(ds);
        manifest_add(m, "landuse", "crs_identified", 1);
        manifest_add(m, "landuse", "landuse_code_conflict", lw.done[0]);
        manifest_add(m, "landuse", "landuse_name_variant", lw.done[1]);
        manifest_add(m, "landuse", "landuse_code_unknown", lw.done[2]);
    }
    if (srs) OSRDestroySpatialReference(srs);
    free(runs);
    summary(o, "landuse", n, path);
    free(path);
}

/* Hull of a convex ring and its copy moved d metres east: the part east
** of the ring's highest and lowest points moves, the rest stays, so the
** vertices the parcel shares with its neighbours in the block are kept. */
static void stretch_east(const ring *in, double d, ring *out)
{
    int n = in->n, lo = 0, hi = 0;
    for (int i = 1; i < n; i++) {
        pt p = in->p[i];
        if (p.y < in->p[lo].y || (p.y == in->p[lo].y && p.x > in->p[lo].x)) lo = i;
        if (p.y > in->p[hi].y || (p.y == in->p[hi].y && p.x > in->p[hi].x)) hi = i;
    }
    out->n = 0;
    for (int i = hi;; i = (i + 1) % n) {   /* west side, top to bottom */
        ring_push(out, in->p[i]);
        if (i == lo) break;
    }
    for (int i = lo;; i = (i + 1) % n) {   /* east side, moved */
        ring_push(out, (pt){in->p[i].x + d, in->p[i].y});
        if (i == hi) break;
    }
}

static void write_parcels(city *c, const options *o, manifest *m, GDALDatasetH ds,
                          blockgeom *g)
{
    OGRSpatialReferenceH srs = srs_epsg(4549);
    OGRFieldType money = o->messy ? OFTString : OFTReal;
    const fieldspec fields[] = {
        {"ZDDM", OFTString, 0},    {"QYMC", OFTString, 0},  {"TYSHXYDM", OFTString, 0},
        {"SSHJ", money, 0},        {"ZJZ", money, 0},       {"YYSR", OFTReal, 0},
        {"ZHNH", OFTReal, 0},      {"PFL", OFTReal, 0},     {"CYRS", OFTInteger, 0},
        {"YFJF", OFTReal, 0},      {"YDMJ", OFTReal, 0},    {"JZMJ", OFTReal, 0},
        {"MJDJ", OFTString, 0},    {"HYDM", OFTString, 0},  {"SFDSLW", OFTString, 0},
        {"SFLX", OFTString, 0}};
    enum { F_ZDDM, F_QYMC, F_TYSHXYDM, F_SSHJ, F_ZJZ, F_YYSR, F_ZHNH, F_PFL, F_CYRS,
           F_YFJF, F_YDMJ, F_JZMJ, F_MJDJ, F_HYDM, F_SFDSLW, F_SFLX };
    OGRLayerH l = create_layer(ds, "parcels", srs, wkbPolygon, NULL, fields, COUNT(fields));
    writer w;
    writer_open(&w, ds, l, 1);

    /* messy, SSHJ as text: 3% '1,234.50' (only on parcels of 15 亩 or more,
    ** given a tax of 1,000 万元 or more, so the comma is really there), 1%
    ** full-width digits, 2% each 无, - and empty, 0.5% 待核实; 1% grade E;
    ** 0.5% 不确定 in SFDSLW; 0.5% no geometry */
    enum { D_FULLWIDTH, D_NONE_WU, D_NONE_DASH, D_NONE_EMPTY, D_INVALID, D_GRADE,
           D_FLAG, D_NULLGEOM, D_KINDS };
    static const double rates[D_KINDS] = {0.01, 0.02, 0.02, 0.02, 0.005, 0.01, 0.005, 0.005};
    int64_t total = c->n_parcels + c->n_outside;
    int64_t kc[1] = {0}, k[D_KINDS] = {0}, done[D_KINDS] = {0}, done_comma = 0;
    if (o->messy) {
        kc[0] = defect_count(0.03, total);
        if (kc[0] > c->n_big_parcels) kc[0] = c->n_big_parcels;
        for (int i = 0; i < D_KINDS; i++) k[i] = defect_count(rates[i], total - kc[0]);
        fit_counts(k, D_KINDS, total - kc[0]);
    }
    picker pcomma, pother;
    picker_init(&pcomma, c->n_big_parcels, kc, 1);
    picker_init(&pother, total - kc[0], k, D_KINDS);
    rng rm;
    rng_init(&rm, c->seed, S_MESSY_PARCELS, 0);

    /* ZDDM: county, town, 街坊 (the block's number in its town, modulo
    ** 999), GB, and a serial within the 街坊 */
    static int serial[19][1000];
    memset(serial, 0, sizeof serial);
    int64_t index = 0, untaxed_plain = 0;
    ring tmp = {0}, abs_ring = {0};
    firm last_block_firm = {0};
    for (int i = 0; i < c->nblocks; i++) {
        blockrec *b = &c->blocks[i];
        block_econ be;
        block_economics(c->seed, i, &be);
        firm cur = {0};
        double W, H;
        block_slot_size(c, b, &W, &H);
        build_block(g, c->seed, b->slot, W, H, b->n_target);
        double ox = c->X[b->col], oy = c->Y[b->row];
        int jf = 1 + (b->in_town - 1) % 999;
        /* the straddler: the easternmost parcel of a random row, stretched
        ** over the road into the block to the east */
        int straddler = -1;
        double stretch = 0;
        if (b->straddle) {
            rng rs;
            rng_init(&rs, c->seed, S_STRADDLE, (uint64_t)i);
            const blockrec *e = &c->blocks[c->slot_block[b->slot + 1]];
            int maxrow = 0;
            for (int k2 = 0; k2 < g->pc.n; k2++)
                if (g->pc.v[k2].row > maxrow) maxrow = g->pc.v[k2].row;
            for (int tries = 0; tries < 4 && straddler < 0; tries++) {
                int row = rng_int(&rs, maxrow + 1), best = -1;
                double bx = -INFINITY;
                for (int k2 = 0; k2 < g->pc.n; k2++)
                    if (g->pc.v[k2].row == row && !g->pc.v[k2].hole) {
                        double cx = ring_centroid(&g->pc.v[k2].r).x;
                        if (cx > bx) bx = cx, best = k2;
                    }
                if (best < 0) continue;
                ring_copy(&abs_ring, &g->pc.v[best].r);
                ring_translate(&abs_ring, ox, oy);
                for (double d = 10; d <= 150; d += 8) {
                    stretch_east(&abs_ring, d, &tmp);
                    if (rings_meet(&tmp, 1, e->outline, e->nparts)) {
                        straddler = best;
                        stretch = d + 6; /* a real overlap, not a touch */
                        break;
                    }
                }
            }
            if (straddler >= 0) c->n_straddle++;
        }
        int nput = g->pc.n + (b->outside_slot >= 0);
        for (int k2 = 0; k2 < nput; k2++) {
            int outside = k2 == g->pc.n;
            OGRGeometryH geom;
            double area;
            int big;
            if (!outside) {
                const piece *pc = &g->pc.v[k2];
                big = pc->area * 0.0015 >= 15;
                if (k2 == straddler) {
                    ring_copy(&abs_ring, &pc->r);
                    ring_translate(&abs_ring, ox, oy);
                    stretch_east(&abs_ring, stretch, &tmp);
                    geom = ogr_polygon(&tmp, NULL, 0, 0);
                    area = ring_area(&tmp);
                } else {
                    geom = ogr_polygon(&pc->r, pc->hole ? &g->hole : NULL, ox, oy);
                    area = pc->area;
                }
            } else {
                /* a small plot in a free slot next to the block */
                rng ro;
                rng_init(&ro, c->seed, S_OUTSIDE, (uint64_t)i);
                box sb;
                slot_box(c, b->outside_slot, &sb);
                double sw = sb.x1 - sb.x0, sh = sb.y1 - sb.y0;
                double pw = rng_uniform(&ro, 50, fmin(160, sw - 40));
                double ph = rng_uniform(&ro, 40, fmin(120, sh - 40));
                double x0 = sb.x0 + 20 + rng_uniform(&ro, 0, sw - 40 - pw);
                double y0 = sb.y0 + 20 + rng_uniform(&ro, 0, sh - 40 - ph);
                pt q[4];
                jitter_quad(&ro, x0, y0, x0 + pw, y0 + ph, 0.08, q);
                set_ring(&tmp, q, 4);
                geom = ogr_polygon(&tmp, NULL, 0, 0);
                area = ring_area(&tmp);
                big = 0;
            }
            /* who holds it, and whether its tax was collected */
            rng re;
            rng_init(&re, c->seed, S_ECON_PARCEL, (uint64_t)i * 4096 + (uint64_t)k2);
            double u_join = rng_u01(&re), u_tax = rng_u01(&re);
            const firm *holder = NULL;
            if (!outside && k2 == 0 && be.join_previous && last_block_firm.valid &&
                last_block_firm.town == b->town)
                holder = &last_block_firm;
            else if (!outside && k2 > 0 && cur.valid && u_join < be.join_rate)
                holder = &cur;
            int untaxed = !outside && u_tax < be.untaxed_rate;
            int comma = 0, d = -1;
            if (o->messy) {
                if (big && !untaxed) comma = picker_next(&pcomma, &rm) == 0;
                if (!comma) d = picker_next(&pother, &rm);
            }
            rng rp;
            rng_init(&rp, c->seed, S_PARCEL, (uint64_t)i * 4096 + (uint64_t)k2);
            parcel_values v;
            parcel_figures(&rp, area, comma, &be, &v);
            credit_code((uint64_t)index, v.credit);
            if (holder) join_firm(&re, holder, comma, &v);
            if (!outside) {
                firm f;
                if (holder) f = *holder;
                else firm_from(&v, b->town, &f);
                cur = f;
            }
            if (untaxed) {
                /* not collected: no tax, hence no official grade either */
                v.tax = NAN;
                v.grade[0] = '\0';
            }
            char zddm[48];
            snprintf(zddm, sizeof zddm, "330282%03d%03dGB%05d", b->town + 1, jf,
                     ++serial[b->town][jf]);
            set_str(&w, F_ZDDM, zddm);
            set_str(&w, F_QYMC, v.qymc);
            set_str(&w, F_TYSHXYDM, v.credit);
            if (o->messy && untaxed) {
                /* a defect of SSHJ shows itself instead of the blank; one
                ** in full-width digits has no number to write */
                if (d == D_FULLWIDTH) d = -1;
                const char *s = d == D_NONE_WU     ? "无"
                                : d == D_NONE_DASH  ? "-"
                                : d == D_NONE_EMPTY ? ""
                                : d == D_INVALID    ? "待核实"
                                                    : "";
                if (d != D_NONE_WU && d != D_NONE_DASH && d != D_NONE_EMPTY && d != D_INVALID)
                    untaxed_plain++;
                set_str(&w, F_SSHJ, s);
                char buf[64];
                snprintf(buf, sizeof buf, "%.2f", v.va);
                set_str(&w, F_ZJZ, buf);
            } else if (o->messy) {
                char buf[64], out[128];
                snprintf(buf, sizeof buf, "%.2f", v.tax);
                const char *s = buf;
                if (comma) {
                    /* 12345.67 -> 12,345.67 */
                    int len = (int)strlen(buf), intlen = (int)(strchr(buf, '.') - buf), o2 = 0;
                    for (int j = 0; j < len; j++) {
                        if (j > 0 && j < intlen && (intlen - j) % 3 == 0) out[o2++] = ',';
                        out[o2++] = buf[j];
                    }
                    out[o2] = '\0';
                    s = out;
                    done_comma++;
                } else if (d == D_FULLWIDTH) {
                    int o2 = 0;
                    for (const char *q = buf; *q; q++) {
                        /* U+FF10..FF19 digits, U+FF0E full stop */
                        unsigned cp = *q == '.' ? 0xFF0E : 0xFF10 + (unsigned)(*q - '0');
                        out[o2++] = (char)(0xE0 | (cp >> 12));
                        out[o2++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                        out[o2++] = (char)(0x80 | (cp & 0x3F));
                    }
                    out[o2] = '\0';
                    s = out;
                } else if (d == D_NONE_WU) s = "无";
                else if (d == D_NONE_DASH) s = "-";
                else if (d == D_NONE_EMPTY) s = "";
                else if (d == D_INVALID) s = "待核实";
                set_str(&w, F_SSHJ, s);
                snprintf(buf, sizeof buf, "%.2f", v.va);
                set_str(&w, F_ZJZ, buf);
            } else {
                if (untaxed) {
                    OGR_F_SetFieldNull(w.f, F_SSHJ);
                    untaxed_plain++;
                } else {
                    set_real(&w, F_SSHJ, v.tax);
                }
                set_real(&w, F_ZJZ, v.va);
            }
            set_real(&w, F_YYSR, v.revenue);
            set_real(&w, F_ZHNH, v.energy);
            set_real(&w, F_PFL, v.emissions);
            OGR_F_SetFieldInteger(w.f, F_CYRS, v.employees);
            set_real(&w, F_YFJF, v.rnd);
            set_real(&w, F_YDMJ, v.land_mu);
            set_real(&w, F_JZMJ, v.floor_m2);
            set_str(&w, F_MJDJ, d == D_GRADE ? "E" : v.grade);
            set_str(&w, F_HYDM, v.hydm);
            set_str(&w, F_SFDSLW, d == D_FLAG ? "不确定" : v.lsl ? "是" : "否");
            set_str(&w, F_SFLX, v.small ? "是" : "否");
            if (d == D_NULLGEOM) {
                OGR_G_DestroyGeometry(geom);
                geom = NULL;
            }
            if (d >= 0) done[d]++;
            writer_put(&w, geom);
            index++;
        }
        last_block_firm = cur;
    }
    ring_free(&tmp);
    ring_free(&abs_ring);
    int64_t n = writer_close(&w);
    OSRDestroySpatialReference(srs);
    /* parcels whose tax was never collected (both variants) */
    manifest_add(m, "parcels", "number_missing", untaxed_plain);
    if (o->messy) {
        manifest_add(m, "parcels", "number_normalised", done_comma + done[D_FULLWIDTH]);
        manifest_add(m, "parcels", "number_missing",
                     done[D_NONE_WU] + done[D_NONE_DASH] + done[D_NONE_EMPTY]);
        manifest_add(m, "parcels", "number_invalid", done[D_INVALID]);
        manifest_add(m, "parcels", "grade_invalid", done[D_GRADE]);
        manifest_add(m, "parcels", "flag_invalid", done[D_FLAG]);
        manifest_add(m, "parcels", "null_geometry", done[D_NULLGEOM]);
    }
    char *where = path_in(o->out, "city.gpkg:parcels");
    summary(o, "parcels", n, where);
    free(where);
}

/* A small GeoPackage layer of two text fields from rings. */
static void write_simple(GDALDatasetH ds, const options *o, const char *name,
                         const char *f1, const char *f2, const ring *rings,
                         char (*v1)[64], char (*v2)[160], int n)
{
    OGRSpatialReferenceH srs = srs_epsg(4549);
    const fieldspec fields[] = {{f1, OFTString, 0}, {f2, OFTString, 0}};
    OGRLayerH l = create_layer(ds, name, srs, wkbPolygon, NULL, fields, 2);
    writer w;
    writer_open(&w, ds, l, 1);
    for (int i = 0; i < n; i++) {
        set_str(&w, 0, v1[i]);
        set_str(&w, 1, v2[i]);
        writer_put(&w, ogr_polygon(&rings[i], NULL, 0, 0));
    }
    int64_t cnt = writer_close(&w);
    OSRDestroySpatialReference(srs);
    char layer[64];
    snprintf(layer, sizeof layer, "city.gpkg:%s", name);
    char *where = path_in(o->out, layer);
    summary(o, name, cnt, where);
    free(where);
}

static void write_towns(const city *c, const options *o, GDALDatasetH ds)
{
    ring rings[19];
    char codes[19][64], names[19][160];
    for (int i = 0; i < 19; i++) {
        rings[i] = c->towns[i].poly;
        snprintf(codes[i], sizeof codes[i], "330282%03d", i + 1);
        snprintf(names[i], sizeof names[i], "%s", town_names[i]);
    }
    write_simple(ds, o, "towns", "XZQDM", "XZQMC", rings, codes, names, 19);
}

/* Might two stars meet?  Compared by their bounding circles. */
static int stars_near(const star *a, const star *b)
{
    return hypot(a->cx - b->cx, a->cy - b->cy) < star_bound(a) + star_bound(b);
}

/* Do two stars overlap (with a margin)?  Tested on boundary samples of
** each against the other's reach, which is exact enough for the final
** polygons to be checked cheaply afterwards. */
static int stars_overlap(const star *a, const star *b, double margin)
{
    for (int pass = 0; pass < 2; pass++) {
        const star *s = pass ? b : a, *o2 = pass ? a : b;
        double c = cos(s->rot), sn = sin(s->rot);
        for (int i = 0; i < 180; i++) {
            double th = 2 * PI * i / 180, f = star_factor(s, th);
            double u = s->rx * f * cos(th), v = s->ry * f * sin(th);
            if (star_reach(o2, (pt){s->cx + u * c - v * sn, s->cy + u * sn + v * c}) < margin)
                return 1;
        }
    }
    return 0;
}

typedef struct reach_event {
    double reach;
    int park, block;
} reach_event;

static int cmp_reach_event(const void *a, const void *b)
{
    const reach_event *x = a, *y = b;
    if (x->reach != y->reach) return x->reach < y->reach ? -1 : 1;
    if (x->park != y->park) return x->park - y->park;
    return x->block - y->block;
}

/* Parks: stars on industrial clusters, each grown towards its nearest
** uncovered block until about 40% of the blocks' centres lie in a park;
** a park stops growing where it would come within reach of another. */
static void write_parks(const city *c, const options *o, GDALDatasetH ds)
{
    star base[N_PARKS], s[N_PARKS];
    for (int i = 0; i < N_PARKS; i++) {
        rng r;
        rng_init(&r, c->seed, S_PARK, (uint64_t)i);
        pt ctr = city_point(c, park_defs[i].u, park_defs[i].v);
        star_init(&base[i], &r, ctr.x, ctr.y, park_defs[i].rx * c->W, park_defs[i].ry * c->W,
                  park_defs[i].rot, 0.3);
    }
    double t[N_PARKS];
    int blocked[N_PARKS] = {0};
    for (int i = 0; i < N_PARKS; i++) {
        t[i] = 0.25;  /* every park has some size, blocks or not */
        s[i] = base[i];
        s[i].rx *= t[i];
        s[i].ry *= t[i];
    }
    int64_t nev = (int64_t)c->nblocks * N_PARKS;
    reach_event *ev = xmalloc((size_t)nev * sizeof *ev);
    unsigned char *covered = xcalloc((size_t)c->nblocks, 1);
    int ncovered = 0;
    for (int b = 0; b < c->nblocks; b++)
        for (int p = 0; p < N_PARKS; p++) {
            double rch = star_reach(&base[p], c->blocks[b].centre);
            ev[(int64_t)b * N_PARKS + p] = (reach_event){rch, p, b};
            if (rch < t[p] && !covered[b]) covered[b] = 1, ncovered++;
        }
    qsort(ev, (size_t)nev, sizeof *ev, cmp_reach_event);
    int want = (int)lround(0.4 * c->nblocks);
    for (int64_t e = 0; e < nev && ncovered < want; e++) {
        int p = ev[e].park, b = ev[e].block;
        if (covered[b] || blocked[p]) continue;
        double tt = ev[e].reach * 1.002;
        if (tt > t[p]) {
            star grown = base[p];
            grown.rx *= tt;
            grown.ry *= tt;
            int clash = 0;
            for (int q = 0; q < N_PARKS && !clash; q++)
                if (q != p && stars_overlap(&grown, &s[q], 1.05)) clash = 1;
            if (clash) {
                blocked[p] = 1;
                continue;
            }
            t[p] = tt;
            s[p] = grown;
        }
        /* everything the park now reaches is covered */
        for (int64_t f = e; f < nev && ev[f].reach < t[p]; f++)
            if (ev[f].park == p && !covered[ev[f].block]) covered[ev[f].block] = 1, ncovered++;
    }
    free(ev);
    free(covered);
    ring rings[N_PARKS] = {{0}};
    char ids[N_PARKS][64], names[N_PARKS][160];
    for (int i = 0; i < N_PARKS; i++) star_ring(&s[i], 160, &rings[i]);
    for (int i = 0; i < N_PARKS; i++)
        for (int k = i + 1; k < N_PARKS; k++)
            if (rings_meet(&rings[i], 1, &rings[k], 1)) die("internal: parks %d and %d meet", i, k);
    for (int i = 0; i < N_PARKS; i++) {
        snprintf(ids[i], sizeof ids[i], "YQ%02d", i + 1);
        snprintf(names[i], sizeof names[i], "%s", park_defs[i].name);
    }
    write_simple(ds, o, "parks", "YQBH", "YQMC", rings, ids, names, N_PARKS);
    for (int i = 0; i < N_PARKS; i++) ring_free(&rings[i]);
}

/* The central city: one patch over 浒山, 古塘 and 白沙路, and a smaller one
** east of 白沙路. */
static void write_central(const city *c, const options *o, GDALDatasetH ds)
{
    rng r;
    rng_init(&r, c->seed, S_LAYOUT, 3);
    pt a = c->towns[T_HUSHAN].centre, b = c->towns[T_GUTANG].centre;
    pt d = c->towns[T_BAISHALU].centre;
    pt ctr = {(a.x + b.x + d.x) / 3, (a.y + b.y + d.y) / 3};
    star s[2];
    star_init(&s[0], &r, ctr.x, ctr.y, 0.075 * c->W, 0.06 * c->W, 0.1, 0.25);
    pt e = city_point(c, 0.60, 0.36);
    star_init(&s[1], &r, e.x, e.y, 0.03 * c->W, 0.022 * c->W, -0.3, 0.25);
    double gap = hypot(e.x - ctr.x, e.y - ctr.y);
    double t = fmin(1, 0.95 * gap / (star_bound(&s[0]) + star_bound(&s[1])));
    ring rings[2] = {{0}};
    char ids[2][64] = {"ZXCQ01", "ZXCQ02"}, names[2][160] = {"慈溪市中心城区主城片", "慈溪市中心城区东片"};
    for (int i = 0; i < 2; i++) {
        s[i].rx *= t;
        s[i].ry *= t;
        star_ring(&s[i], 120, &rings[i]);
    }
    write_simple(ds, o, "central", "BH", "MC", rings, ids, names, 2);
    for (int i = 0; i < 2; i++) ring_free(&rings[i]);
}

/* Transition zones: small patches at the edge of a block, each meeting
** one to three blocks, never each other. */
static void write_transition(const city *c, const options *o, GDALDatasetH ds)
{
    rng r;
    rng_init(&r, c->seed, S_TRANSITION, 0);
    int want = (int)lround(7 * c->scale * c->scale);
    if (want > c->nblocks / 3) want = c->nblocks / 3 > 0 ? c->nblocks / 3 : 1;
    ring *rings = xcalloc((size_t)want, sizeof *rings);
    star *stars = xcalloc((size_t)want, sizeof *stars);
    char (*ids)[64] = xcalloc((size_t)want, sizeof *ids);
    char (*names)[160] = xcalloc((size_t)want, sizeof *names);
    int n = 0, per_town[19] = {0};
    for (int tries = 0; n < want && tries < want * 50; tries++) {
        const blockrec *b = &c->blocks[rng_int(&r, c->nblocks)];
        /* the block's highest vertex, the patch centred a little above it */
        const ring *o2 = &b->outline[0];
        pt top = o2->p[0];
        for (int k = 1; k < o2->n; k++)
            if (o2->p[k].y > top.y) top = o2->p[k];
        double rr = rng_uniform(&r, 150, 280);
        star s;
        star_init(&s, &r, top.x + rng_uniform(&r, -0.3, 0.3) * rr, top.y + 0.3 * rr, rr,
                  rr * rng_uniform(&r, 0.6, 1), rng_uniform(&r, 0, PI), 0.25);
        int clash = 0;
        for (int k = 0; k < n; k++) clash |= stars_near(&s, &stars[k]);
        if (clash) continue;
        star_ring(&s, 48, &rings[n]);
        int hits = blocks_meeting(c, &rings[n], 4);
        if (hits < 1 || hits > 3) continue;
        stars[n] = s;
        snprintf(ids[n], sizeof ids[n], "GDQ%02d", n + 1);
        snprintf(names[n], sizeof names[n], "慈溪市%s工业居住过渡控制区%d", town_names[b->town],
                 ++per_town[b->town]);
        n++;
    }
    write_simple(ds, o, "transition", "BH", "MC", rings, ids, names, n);
    for (int i = 0; i < want; i++) ring_free(&rings[i]);
    free(rings);
    free(stars);
    free(ids);
    free(names);
}

/* Permanent basic farmland: patches on farmland away from blocks, and a
** few that reach over a block's western edge. */
static void write_farmland(const city *c, const options *o, GDALDatasetH ds)
{
    rng r;
    rng_init(&r, c->seed, S_FARMLAND, 0);
    int want_free = (int)lround(30 * c->scale * c->scale);
    int want_edge = (int)lround(4 * c->scale * c->scale);
    if (want_edge > c->nblocks / 10 + 1) want_edge = c->nblocks / 10 + 1;
    int want = want_free + want_edge;
    ring *rings = xcalloc((size_t)want, sizeof *rings);
    star *stars = xcalloc((size_t)want, sizeof *stars);
    char (*ids)[64] = xcalloc((size_t)want, sizeof *ids);
    char (*names)[160] = xcalloc((size_t)want, sizeof *names);
    int n = 0, per_town[19] = {0};
    int64_t ns = (int64_t)c->nc * c->nr;
    for (int phase = 0; phase < 2; phase++) {
        int goal = phase == 0 ? want_free : want;
        int budget = 200 * (goal - (phase ? want_free : 0)) + 200;
        for (int tries = 0; n < goal && tries < budget; tries++) {
            star s;
            if (phase == 0) {
                int64_t sl = (int64_t)(rng_u01(&r) * (double)ns);
                if (c->slot_block[sl] >= 0) continue;
                int cls = background_class(c, sl);
                if (cls != LU_0101 && cls != LU_0102 && cls != LU_0103) continue;
                box sb;
                slot_box(c, sl, &sb);
                double rr = rng_uniform(&r, 200, 650);
                star_init(&s, &r, (sb.x0 + sb.x1) / 2, (sb.y0 + sb.y1) / 2, rr,
                          rr * rng_uniform(&r, 0.5, 1), rng_uniform(&r, 0, PI), 0.3);
            } else {
                const blockrec *b = &c->blocks[rng_int(&r, c->nblocks)];
                const ring *o2 = &b->outline[0];
                pt west = o2->p[0];
                for (int k = 1; k < o2->n; k++)
                    if (o2->p[k].x < west.x) west = o2->p[k];
                double rr = rng_uniform(&r, 120, 250);
                star_init(&s, &r, west.x - 0.75 * rr, west.y, rr, rr * rng_uniform(&r, 0.6, 1),
                          rng_uniform(&r, 0, PI), 0.25);
            }
            box sbb = {s.cx - star_bound(&s), s.cy - star_bound(&s), s.cx + star_bound(&s),
                       s.cy + star_bound(&s)};
            if (sbb.x0 < c->ext.x0 || sbb.x1 > c->ext.x1 || sbb.y0 < c->ext.y0 ||
                sbb.y1 > c->ext.y1)
                continue;
            int clash = 0;
            for (int k = 0; k < n && !clash; k++) clash |= stars_near(&s, &stars[k]);
            if (clash) continue;
            star_ring(&s, 64, &rings[n]);
            int hits = blocks_meeting(c, &rings[n], 3);
            if (phase == 0 ? hits != 0 : (hits < 1 || hits > 2)) continue;
            stars[n] = s;
            int t = town_of(c, (pt){s.cx, s.cy});
            snprintf(ids[n], sizeof ids[n], "JBNT%05d", n + 1);
            snprintf(names[n], sizeof names[n], "%s永久基本农田保护片%d", town_names[t], ++per_town[t]);
            n++;
        }
    }
    write_simple(ds, o, "basic_farmland", "BSM", "MC", rings, ids, names, n);
    for (int i = 0; i < want; i++) ring_free(&rings[i]);
    free(rings);
    free(stars);
    free(ids);
    free(names);
}

/* Red lines: GeoJSON in WGS84 lon/lat (RFC 7946), as web maps deliver. */
static void write_redline(const city *c, const options *o)
{
    char *path = path_in(o->out, "redline.geojson");
    GDALDatasetH ds = create_dataset("GeoJSON", path);
    OGRSpatialReferenceH src = srs_epsg(4549), dst = srs_epsg(4326);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
    if (!ct) die("cannot transform EPSG:4549 to EPSG:4326");
    static const fieldspec fields[] = {{"HXBH", OFTString, 0}, {"HXMC", OFTString, 0}};
    static const char *const opts[] = {"RFC7946=YES", "COORDINATE_PRECISION=8", NULL};
    OGRLayerH l = create_layer(ds, "redline", dst, wkbPolygon, opts, fields, 2);
    writer w;
    writer_open(&w, ds, l, 0);
    for (int i = 0; i < N_REDLINES; i++) {
        if (!ring_is_simple(&c->red_ring[i])) die("internal: red line %d not simple", i);
        char id[32];
        snprintf(id, sizeof id, "HX330282%03d", i + 1);
        set_str(&w, 0, id);
        set_str(&w, 1, redline_defs[i].name);
        OGRGeometryH g = ogr_polygon(&c->red_ring[i], NULL, 0, 0);
        if (OGR_G_Transform(g, ct) != OGRERR_NONE) die("cannot transform a red line");
        writer_put(&w, g);
    }
    int64_t n = writer_close(&w);
    GDALClose(ds);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(dst);
    summary(o, "redline", n, path);
    free(path);
}

/* Environmental control units: a tiling of about 90 cells.  Category 1
** where a red line covers a tenth of the cell, 2 (城镇生活) at the centres
** of the four central towns, 2 (产业集聚) where blocks crowd, else 3. */
static void write_control_units(const city *c, const options *o, manifest *m)
{
    rng r;
    rng_init(&r, c->seed, S_CONTROL, 0);
    int nrows = (int)lround(8 * c->scale);
    double *row_v = xmalloc((size_t)(nrows + 1) * sizeof *row_v);
    int *ncols = xmalloc((size_t)nrows * sizeof *ncols);
    double **col_u = xmalloc((size_t)nrows * sizeof *col_u);
    int ncells = 0, maxcols = 0;
    for (int i = 0; i <= nrows; i++)
        row_v[i] = i == 0 ? 0 : i == nrows ? 1 : (i + rng_uniform(&r, -0.2, 0.2)) / nrows;
    for (int i = 0; i < nrows; i++) {
        ncols[i] = (int)lround((10 + rng_int(&r, 4)) * c->scale);
        col_u[i] = xmalloc((size_t)(ncols[i] + 1) * sizeof **col_u);
        for (int k = 0; k <= ncols[i]; k++)
            col_u[i][k] = k == 0         ? 0
                          : k == ncols[i] ? 1
                                          : (k + rng_uniform(&r, -0.25, 0.25)) / ncols[i];
        ncells += ncols[i];
        if (ncols[i] > maxcols) maxcols = ncols[i];
    }
    tiling_spec sp = {nrows, row_v, ncols, (const double *const *)col_u, 3 * maxcols, 0.15};
    ring *cells = xcalloc((size_t)ncells, sizeof *cells);
    make_tiling(c, &r, &sp, cells);

    int *nblk = xcalloc((size_t)ncells, sizeof *nblk);
    box *bb = xmalloc((size_t)ncells * sizeof *bb);
    for (int i = 0; i < ncells; i++) bb[i] = ring_box(&cells[i]);
    for (int b = 0; b < c->nblocks; b++) {
        pt q = c->blocks[b].centre;
        for (int i = 0; i < ncells; i++)
            if (q.x >= bb[i].x0 && q.x <= bb[i].x1 && q.y >= bb[i].y0 && q.y <= bb[i].y1 &&
                ring_contains(&cells[i], q)) {
                nblk[i]++;
                break;
            }
    }
    double crowd = fmax(2, 1.5 * c->nblocks / (double)ncells);
    static const char *const type_names[] = {"", "优先保护单元", "产业集聚重点管控单元",
                                             "城镇生活重点管控单元", "一般管控单元"};
    char *path = path_in(o->out, "control_units.shp");
    GDALDatasetH ds = create_dataset("ESRI Shapefile", path);
    OGRSpatialReferenceH srs = srs_epsg(4549);
    static const fieldspec fields[] = {
        {"HJGKDYBM", OFTString, 20}, {"HJGKDYMC", OFTString, 160}, {"ZHGKDYFL", OFTString, 4}};
    static const char *const opts[] = {"ENCODING=UTF-8", NULL};
    OGRLayerH l = create_layer(ds, "control_units", srs, wkbPolygon, opts, fields, 3);
    writer w;
    writer_open(&w, ds, l, 0);
    int64_t k[1] = {o->messy ? defect_count(0.10, ncells) : 0}, blanked = 0;
    picker p;
    picker_init(&p, ncells, k, 1);
    rng rm;
    rng_init(&rm, c->seed, S_MESSY_CONTROL, 0);
    int serial[4] = {0};
    int *name_count = xcalloc(19 * 5, sizeof *name_count);
    for (int i = 0; i < ncells; i++) {
        /* red share by a 12×12 sample of the cell's box */
        int in = 0, inred = 0;
        for (int a = 0; a < 12; a++)
            for (int b = 0; b < 12; b++) {
                pt q = {bb[i].x0 + (bb[i].x1 - bb[i].x0) * (a + 0.5) / 12,
                        bb[i].y0 + (bb[i].y1 - bb[i].y0) * (b + 0.5) / 12};
                if (!ring_contains(&cells[i], q)) continue;
                in++;
                for (int k2 = 0; k2 < N_REDLINES; k2++)
                    if (star_reach(&c->red[k2], q) < 1) {
                        inred++;
                        break;
                    }
            }
        int urban = 0;
        static const int central[] = {T_HUSHAN, T_GUTANG, T_BAISHALU, T_ZONGHAN};
        for (int k2 = 0; k2 < 4; k2++)
            urban |= ring_contains(&cells[i], c->towns[central[k2]].centre);
        int kind = in && inred >= 0.1 * in ? 1 : urban ? 3 : nblk[i] >= crowd ? 2 : 4;
        int category = kind == 1 ? 1 : kind == 4 ? 3 : 2;
        int t = town_of(c, ring_centroid(&cells[i]));
        char code[32], name[160], typ[4];
        snprintf(code, sizeof code, "ZH330282%d%04d", category, ++serial[category]);
        int nth = ++name_count[t * 5 + kind];
        if (nth == 1)
            snprintf(name, sizeof name, "慈溪市%s%s", town_names[t], type_names[kind]);
        else
            snprintf(name, sizeof name, "慈溪市%s%s%d", town_names[t], type_names[kind], nth);
        snprintf(typ, sizeof typ, "%d", category);
        int blank = picker_next(&p, &rm) == 0;
        blanked += blank;
        set_str(&w, 0, code);
        set_str(&w, 1, name);
        set_str(&w, 2, blank ? "" : typ);
        writer_put(&w, ogr_polygon(&cells[i], NULL, 0, 0));
    }
    int64_t n = writer_close(&w);
    GDALClose(ds);
    OSRDestroySpatialReference(srs);
    if (o->messy) manifest_add(m, "control_units", "cu_type_inferred", blanked);
    summary(o, "control_units", n, path);
    free(path);
    for (int i = 0; i < ncells; i++) ring_free(&cells[i]);
    for (int i = 0; i < nrows; i++) free(col_u[i]);
    free(cells);
    free(col_u);
    free(ncols);
    free(row_v);
    free(nblk);
    free(bb);
    free(name_count);
}

static void write_manifest(manifest *m, const options *o)
{
    char *path = path_in(o->out, "manifest.csv");
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s: %s", path, strerror(errno));
    qsort(m->row, (size_t)m->n, sizeof m->row[0], cmp_manifest_row);
    fputs("layer,problem,count\n", f);
    for (int i = 0; i < m->n; i++)
        fprintf(f, "%s,%s,%lld\n", m->row[i].layer, m->row[i].problem, (long long)m->row[i].count);
    if (fclose(f) != 0) die("cannot write %s", path);
    free(path);
}

static void write_project(const options *o)
{
    char *path = path_in(o->out, "project.yaml");
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s: %s", path, strerror(errno));
    fprintf(f, "# ibmap sample city (generated by scripts/make-sample --seed %llu --blocks %d "
               "--parcels-per-block %g%s; do not edit)\n",
            (unsigned long long)o->seed, o->blocks, o->ppb, o->messy ? " --messy" : "");
    fputs("crs: EPSG:4549\n"
          "area: planar\n"
          "layers:\n"
          "  blocks: blocks.shp\n"
          "  parcels: city.gpkg:parcels\n"
          "  landuse:\n",
          f);
    if (o->messy)
        fputs("    source: landuse.shp\n", f);
    else
        fputs("    source: city.gpkg\n"
              "    layer: DLTB\n",
              f);
    fputs("    codes: sandiao\n"
          "  redline: redline.geojson\n"
          "  control_units: control_units.shp\n"
          "  parks: city.gpkg:parks\n"
          "  central: city.gpkg:central\n"
          "  transition: city.gpkg:transition\n"
          "  basic_farmland: city.gpkg:basic_farmland\n"
          "  towns: city.gpkg:towns\n",
          f);
    if (fclose(f) != 0) die("cannot write %s", path);
    free(path);
}

/* ====================================================================== */
/* main                                                                   */
/* ====================================================================== */

static void usage(FILE *f)
{
    fputs("usage: ibmap-make-sample --out DIR [--seed N] [--blocks N]\n"
          "                         [--parcels-per-block X] [--messy] [--quiet]\n"
          "\n"
          "Write the synthetic sample city (EPSG:4549, modelled on Cixi) into DIR.\n"
          "  --seed N               random seed (default 1)\n"
          "  --blocks N             industrial blocks (default 300)\n"
          "  --parcels-per-block X  average parcels per block (default 16.7)\n"
          "  --messy                inject known defects, counted in manifest.csv\n"
          "  --quiet                no summary lines\n",
          f);
}

static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') return argv[*i] + n + 1;
    if (strcmp(argv[*i], name) != 0) return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "ibmap-make-sample: %s needs a value\n", name);
        exit(2);
    }
    return argv[++*i];
}

static void parse_options(int argc, char **argv, options *o)
{
    *o = (options){NULL, 1, 300, 16.7, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        char *end;
        if ((v = option_value(argc, argv, &i, "--out"))) {
            o->out = v;
        } else if ((v = option_value(argc, argv, &i, "--seed"))) {
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || *end || !*v || *v == '-') goto bad;
            o->seed = s;
        } else if ((v = option_value(argc, argv, &i, "--blocks"))) {
            errno = 0;
            long b = strtol(v, &end, 10);
            if (errno || *end || !*v || b < 1 || b > 2000000) goto bad;
            o->blocks = (int)b;
        } else if ((v = option_value(argc, argv, &i, "--parcels-per-block"))) {
            double x = strtod(v, &end);
            if (*end || !*v || !(x >= 1 && x <= 200)) goto bad;
            o->ppb = x;
        } else if (!strcmp(argv[i], "--messy")) {
            o->messy = 1;
        } else if (!strcmp(argv[i], "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "ibmap-make-sample: unknown argument %s\n", argv[i]);
            usage(stderr);
            exit(2);
        }
        continue;
    bad:
        fprintf(stderr, "ibmap-make-sample: bad value for %s: %s\n", argv[i - 1], v);
        exit(2);
    }
    if (!o->out) {
        fputs("ibmap-make-sample: --out DIR is required\n", stderr);
        usage(stderr);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    make_dirs(o.out);
    static const char *const outputs[] = {
        "project.yaml", "manifest.csv", "city.gpkg", "city.gpkg-journal", "city.gpkg-wal",
        "city.gpkg-shm", "redline.geojson", "blocks.shp", "blocks.shx", "blocks.dbf",
        "blocks.prj", "blocks.cpg", "control_units.shp", "control_units.shx",
        "control_units.dbf", "control_units.prj", "control_units.cpg", "landuse.shp",
        "landuse.shx", "landuse.dbf", "landuse.prj", "landuse.cpg"};
    for (int i = 0; i < COUNT(outputs); i++) remove_file(o.out, outputs[i]);

    GDALAllRegister();
    /* GeoPackage writes are batched in transactions; the journal need not
    ** be synced for a file that is rewritten whole on every run */
    CPLSetConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");

    city c;
    memset(&c, 0, sizeof c);
    c.seed = o.seed;
    c.ppb = o.ppb;
    /* Cixi is about 42 km × 32 km and its lattice has about 8,800 slots;
    ** blocks take at most 40% of the slots, so a larger --blocks gets a
    ** proportionally larger county (blocks keep realistic sizes) */
    const double base_slots = (42000.0 / 390) * (32000.0 / 390);
    c.scale = fmax(1, sqrt(o.blocks / (0.4 * base_slots)));
    double cx = 619000, cy = 3341000;
    c.W = 42000 * c.scale;
    c.H = 32000 * c.scale;
    c.ext = (box){cx - c.W / 2, cy - c.H / 2, cx + c.W / 2, cy + c.H / 2};

    blockgeom g;
    memset(&g, 0, sizeof g);
    make_towns(&c);
    make_redlines(&c);
    choose_blocks(&c, o.blocks, &g);
    survey_blocks(&c, &g);
    plan_odd_parcels(&c);
    manifest m;
    memset(&m, 0, sizeof m);
    write_blocks(&c, &o, &m);

    char *gpkg_path = path_in(o.out, "city.gpkg");
    GDALDatasetH gpkg = create_dataset("GPKG", gpkg_path);
    write_parcels(&c, &o, &m, gpkg, &g);
    write_landuse(&c, &o, &m, gpkg, &g);
    write_parks(&c, &o, gpkg);
    write_central(&c, &o, gpkg);
    write_transition(&c, &o, gpkg);
    write_farmland(&c, &o, gpkg);
    write_towns(&c, &o, gpkg);
    GDALClose(gpkg);
    free(gpkg_path);

    write_redline(&c, &o);
    write_control_units(&c, &o, &m);
    write_manifest(&m, &o);
    write_project(&o);
    if (!o.quiet) {
        int shapes[5] = {0};
        for (int i = 0; i < c.nblocks; i++) shapes[c.blocks[i].shape]++;
        printf("# blocks: ");
        for (int i = 0; i < 5; i++) printf("%s%d %s", i ? ", " : "", shapes[i], shape_names[i]);
        int red = 0;
        for (int i = 0; i < c.nblocks; i++) red += c.blocks[i].red;
        printf("; %d meet a red line\n# parcels: %lld in blocks (%lld reach into the next "
               "block), %lld outside any block\n",
               red, (long long)c.n_parcels, (long long)c.n_straddle, (long long)c.n_outside);
    }

    for (int i = 0; i < c.nblocks; i++) {
        ring_free(&c.blocks[i].outline[0]);
        ring_free(&c.blocks[i].outline[1]);
    }
    for (int i = 0; i < 19; i++) ring_free(&c.towns[i].poly);
    for (int i = 0; i < N_REDLINES; i++) ring_free(&c.red_ring[i]);
    free(c.blocks);
    free(c.X);
    free(c.Y);
    free(c.slot_block);
    free(c.slot_used);
    blockgeom_free(&g);
    return 0;
}
