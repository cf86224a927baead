/*
** covers.c — an exact "A covers B" for valid polygons and multipolygons,
** the test the overlay makes for every piece nested in a block (and every
** block nested in a piece).
**
** GEOS 3.11's prepared covers falls back to a full relate whenever the two
** boundaries touch, which is the normal case here: parcels and land-use
** polygons tile their block and share its edges.  This kernel decides those
** cases directly.  It answers COVERS, NOT_COVERS, or UNDECIDED (the caller
** then asks GEOS): UNDECIDED only for input it does not take — empty or
** non-polygonal geometry, a ring of fewer than 3 distinct points, or a
** coordinate outside 0 ∪ [1e-100, 1e100] (see below).
**
** Semantics are GEOS's: A covers B iff no point of B lies in the exterior
** of A.  Both must be valid in GEOS's sense (simple rings, rings touching
** only at points, a connected interior): the caller passes only such
** geometries.  For valid A and B the test is
**   1. no edge of B properly crosses an edge of A (two valid polygons whose
**      edges cross at a point interior to both cannot nest);
**   2. every vertex of B is in A or on its boundary;
**   3. every edge of B, cut at the vertices of A lying on it, is made of
**      pieces whose interiors are each wholly inside A, outside A or on an
**      edge of A (1 and the cuts guarantee that).  A piece with an end
**      strictly inside A is inside.  A piece between two boundary points is
**      classified by looking from its first end towards its second (the
**      wedge of A's rings around that point, or the side of the edge it is
**      on); a piece along an edge of A must have B's interior on the same
**      side as A's interior;
**   4. no vertex of A is strictly inside B, and no piece of an edge of A
**      (cut at B's vertices) runs through B's interior.
** 1–3 put B's boundary in A and give every polygon of B a point of its
** interior inside A; 4 keeps A's boundary out of B's interior; so each
** polygon's (connected) interior is inside A, and so is its closure.
**
** The same steps, with "in A" read as "in the closure of A's exterior",
** decide whether the interiors of A and B are disjoint (the overlay asks
** that of land-use polygons meeting one block, to know whether they
** overlap without unioning them): the complement of A has A's boundary,
** with the interior on the other side.
**
** Every decision is a sign of the orientation determinant or a comparison
** of input coordinates: nothing is rounded.  The orientation predicate is
** Shewchuk's adaptive orient2d (J. R. Shewchuk, "Adaptive Precision
** Floating-Point Arithmetic and Fast Robust Geometric Predicates", Discrete
** & Computational Geometry 18, 1997): the determinant in floating point,
** accepted when its magnitude exceeds the rigorous bound (3 + 16ε)ε·(|l|+|r|)
** of its error, else recomputed exactly as an expansion.  The exact stage
** here is simpler than Shewchuk's stages B–D: each difference is split by
** Two-Diff into two doubles, each product of doubles into two by the fma
** error-free transformation (Ogita, Rump & Oishi 2005), and the 16 terms
** are summed exactly with Grow-Expansion; the sign is that of the largest
** component.  Products and differences are exact as long as nothing
** overflows or underflows, which the coordinate range above guarantees
** (a difference of two such coordinates is at least 2^-52·1e-100, the error
** of a product of two of them at least ~1e-250).
**
** Cost: the segments of each ring are grouped in runs of CHUNK with their
** envelope, so a point or a segment is compared with the few runs near it
** only.  A block is converted once and tested against all its pieces.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/overlay.h"

#define CHUNK 8

struct ibmap_cover_ring {
    int first, n;          /* points [first, first + n), not closed */
    int first_chunk, n_chunks;
    int ccw;               /* 1 counter-clockwise, 0 clockwise */
    int hole;              /* an interior ring */
    double x0, y0, x1, y1;
};

struct ibmap_cover_chunk {
    int first, n;          /* segments: point i to the ring's next point */
    double x0, y0, x1, y1;
};

enum { OUT = 0, IN = 1, ON = 2 };

/* ---------------------------------------------------------------------- */
/* The orientation predicate                                              */
/* ---------------------------------------------------------------------- */

static void two_sum(double a, double b, double *x, double *y)
{
    *x = a + b;
    double bv = *x - a, av = *x - bv;
    *y = (a - av) + (b - bv);
}

static void two_prod(double a, double b, double *x, double *y)
{
    *x = a * b;
    *y = fma(a, b, -*x);
}

/* e (length *n, nonoverlapping, increasing magnitude, no zeros) += b. */
static void grow(double *e, int *n, double b)
{
    double q = b, h;
    int k = 0;
    for (int i = 0; i < *n; i++) {
        two_sum(q, e[i], &q, &h);
        if (h != 0) e[k++] = h;
    }
    if (q != 0) e[k++] = q;
    *n = k;
}

/* Sign of (ax-cx)(by-cy) - (ay-cy)(bx-cx), exactly. */
static int orient_exact(double ax, double ay, double bx, double by, double cx,
                        double cy)
{
    double d[4][2];
    two_sum(ax, -cx, &d[0][0], &d[0][1]);
    two_sum(by, -cy, &d[1][0], &d[1][1]);
    two_sum(ay, -cy, &d[2][0], &d[2][1]);
    two_sum(bx, -cx, &d[3][0], &d[3][1]);
    double e[40];
    int n = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double p, q;
            two_prod(d[0][i], d[1][j], &p, &q);
            grow(e, &n, q);
            grow(e, &n, p);
            two_prod(d[2][i], d[3][j], &p, &q);
            grow(e, &n, -q);
            grow(e, &n, -p);
        }
    return n == 0 ? 0 : e[n - 1] > 0 ? 1 : -1;
}

/* 1 when c is left of a→b, -1 right, 0 on the line. */
static int orient(double ax, double ay, double bx, double by, double cx,
                  double cy)
{
    /* (3 + 16ε)ε with ε = 2^-53: Shewchuk's ccwerrboundA */
    static const double bound = (3.0 + 16.0 * 0x1p-53) * 0x1p-53;
    double l = (ax - cx) * (by - cy), r = (ay - cy) * (bx - cx), det = l - r;
    double sum;
    if (l > 0) {
        if (r <= 0) return det > 0 ? 1 : det < 0 ? -1 : 0;
        sum = l + r;
    } else if (l < 0) {
        if (r >= 0) return det > 0 ? 1 : det < 0 ? -1 : 0;
        sum = -l - r;
    } else {
        return r > 0 ? -1 : r < 0 ? 1 : 0;
    }
    double err = bound * sum;
    if (det >= err) return 1;
    if (-det >= err) return -1;
    return orient_exact(ax, ay, bx, by, cx, cy);
}

/* ---------------------------------------------------------------------- */
/* Rings from GEOS                                                        */
/* ---------------------------------------------------------------------- */

static int grow_array(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap) return 1;
    int c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, (size_t)c * size);
    if (!q) return 0;
    *p = q;
    *cap = c;
    return 1;
}

static int coord_ok(double v)
{
    double a = fabs(v);
    return v == 0 || (a >= 1e-100 && a <= 1e100);
}

/* Room for n more points in c. */
static int reserve_points(ibmap_cover_geom *c, unsigned n)
{
    if (n > (1u << 28)) return 0;
    return grow_array((void **)&c->x, &c->cap_x, c->n_points + (int)n, sizeof *c->x) &&
           grow_array((void **)&c->y, &c->cap_y, c->n_points + (int)n, sizeof *c->y);
}

/* Make the n points just copied to c->x, c->y at c->n_points a ring. */
static int add_ring_points(ibmap_cover_geom *c, unsigned n, int hole)
{
    double *x = c->x + c->n_points, *y = c->y + c->n_points;
    if (n < 4) return 0;
    /* Drop repeated points and the closing one. */
    int m = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!coord_ok(x[i]) || !coord_ok(y[i])) return 0;
        if (m > 0 && x[i] == x[m - 1] && y[i] == y[m - 1]) continue;
        x[m] = x[i];
        y[m] = y[i];
        m++;
    }
    while (m > 1 && x[m - 1] == x[0] && y[m - 1] == y[0]) m--;
    if (m < 3) return 0;
    if (!grow_array((void **)&c->ring, &c->cap_rings, c->n_rings + 1, sizeof *c->ring) ||
        !grow_array((void **)&c->chunk, &c->cap_chunks,
                    c->n_chunks + (m + CHUNK - 1) / CHUNK, sizeof *c->chunk))
        return 0;
    struct ibmap_cover_ring *r = &c->ring[c->n_rings++];
    r->first = c->n_points;
    r->n = m;
    r->hole = hole;
    r->first_chunk = c->n_chunks;
    r->n_chunks = 0;
    r->x0 = r->x1 = x[0];
    r->y0 = r->y1 = y[0];
    int low = 0;
    for (int i = 0; i < m; i++) {
        if (y[i] < y[low] || (y[i] == y[low] && x[i] < x[low])) low = i;
        if (i % CHUNK == 0) {
            struct ibmap_cover_chunk *k = &c->chunk[c->n_chunks++];
            r->n_chunks++;
            k->first = r->first + i;
            k->n = m - i < CHUNK ? m - i : CHUNK;
            k->x0 = k->x1 = x[i];
            k->y0 = k->y1 = y[i];
            for (int j = i + 1; j <= i + k->n; j++) {
                int q = j % m;
                if (x[q] < k->x0) k->x0 = x[q];
                if (x[q] > k->x1) k->x1 = x[q];
                if (y[q] < k->y0) k->y0 = y[q];
                if (y[q] > k->y1) k->y1 = y[q];
            }
            if (k->x0 < r->x0) r->x0 = k->x0;
            if (k->x1 > r->x1) r->x1 = k->x1;
            if (k->y0 < r->y0) r->y0 = k->y0;
            if (k->y1 > r->y1) r->y1 = k->y1;
        }
    }
    /* The lowest (then leftmost) vertex is convex: its turn is the ring's
    ** orientation, never 0 in a valid ring. */
    int p = (low + m - 1) % m, q = (low + 1) % m;
    int o = orient(x[p], y[p], x[low], y[low], x[q], y[q]);
    if (o == 0) return 0;
    r->ccw = o > 0;
    c->n_points += m;
    return 1;
}

static int add_ring(GEOSContextHandle_t h, ibmap_cover_geom *c,
                    const GEOSGeometry *ring, int hole)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || !reserve_points(c, n) ||
        !GEOSCoordSeq_copyToArrays_r(h, cs, c->x + c->n_points, c->y + c->n_points,
                                     NULL, NULL))
        return 0;
    return add_ring_points(c, n, hole);
}

/* The envelope of all rings; c->usable from here on. */
static int finish_geom(ibmap_cover_geom *c)
{
    if (c->n_rings == 0) return 0;
    c->x0 = c->ring[0].x0;
    c->y0 = c->ring[0].y0;
    c->x1 = c->ring[0].x1;
    c->y1 = c->ring[0].y1;
    for (int r = 1; r < c->n_rings; r++) {
        if (c->ring[r].x0 < c->x0) c->x0 = c->ring[r].x0;
        if (c->ring[r].y0 < c->y0) c->y0 = c->ring[r].y0;
        if (c->ring[r].x1 > c->x1) c->x1 = c->ring[r].x1;
        if (c->ring[r].y1 > c->y1) c->y1 = c->ring[r].y1;
    }
    c->usable = 1;
    return 1;
}

int ibmap_cover_geom_set(GEOSContextHandle_t h, ibmap_cover_geom *c,
                         const GEOSGeometry *g)
{
    c->n_points = c->n_rings = c->n_chunks = 0;
    c->usable = 0;
    if (!g || GEOSisEmpty_r(h, g) != 0) return 0;
    int type = GEOSGeomTypeId_r(h, g);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) return 0;
    int np = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *poly = type == GEOS_POLYGON ? g : GEOSGetGeometryN_r(h, g, i);
        if (!poly || GEOSisEmpty_r(h, poly) != 0) return 0;
        const GEOSGeometry *shell = GEOSGetExteriorRing_r(h, poly);
        if (!shell || !add_ring(h, c, shell, 0)) return 0;
        int nh = GEOSGetNumInteriorRings_r(h, poly);
        if (nh < 0) return 0;
        for (int k = 0; k < nh; k++) {
            const GEOSGeometry *hr = GEOSGetInteriorRingN_r(h, poly, k);
            if (!hr || !add_ring(h, c, hr, 1)) return 0;
        }
    }
    return finish_geom(c);
}

int ibmap_cover_geom_set_shape(ibmap_cover_geom *c, const ibmap_shape *sh)
{
    c->n_points = c->n_rings = c->n_chunks = 0;
    c->usable = 0;
    const uint32_t *rings;
    const double *xy;
    if (!ibmap_shape_rings(sh, &rings, &xy) || sh->n_polygons == 0) return 0;
    const uint32_t *points = rings + sh->n_polygons;
    for (uint32_t i = 0, r = 0; i < sh->n_polygons; i++) {
        if (rings[i] == 0) return 0; /* an empty polygon */
        for (uint32_t k = 0; k < rings[i]; k++, r++) {
            unsigned n = points[r];
            if (!reserve_points(c, n)) return 0;
            double *x = c->x + c->n_points, *y = c->y + c->n_points;
            for (unsigned q = 0; q < n; q++) {
                x[q] = xy[2 * q];
                y[q] = xy[2 * q + 1];
            }
            xy += 2 * (size_t)n;
            if (!add_ring_points(c, n, k > 0)) return 0;
        }
    }
    return finish_geom(c);
}

void ibmap_cover_geom_free(ibmap_cover_geom *c)
{
    free(c->x);
    free(c->y);
    free(c->ring);
    free(c->chunk);
    memset(c, 0, sizeof *c);
}

void ibmap_cover_scratch_free(ibmap_cover_scratch *s)
{
    free(s->cls);
    free(s->split);
    memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------------- */
/* Points against a geometry                                              */
/* ---------------------------------------------------------------------- */

/* Point index i's successor and predecessor in its ring. */
static int next_pt(const struct ibmap_cover_ring *r, int i)
{
    return i + 1 < r->first + r->n ? i + 1 : r->first;
}

static int prev_pt(const struct ibmap_cover_ring *r, int i)
{
    return i > r->first ? i - 1 : r->first + r->n - 1;
}

enum { R_OUT, R_IN, R_VERTEX, R_EDGE };

/* Where (px, py) is with respect to ring r of c: outside or inside the
** region the ring bounds, at vertex *at, or inside segment *at (from point
** *at to the next). */
static int ring_locate(const ibmap_cover_geom *c, const struct ibmap_cover_ring *r,
                       double px, double py, int *at)
{
    if (px < r->x0 || px > r->x1 || py < r->y0 || py > r->y1) return R_OUT;
    const double *x = c->x, *y = c->y;
    int inside = 0;
    for (int k = r->first_chunk; k < r->first_chunk + r->n_chunks; k++) {
        const struct ibmap_cover_chunk *ch = &c->chunk[k];
        if (ch->y1 < py || ch->y0 > py || ch->x1 < px) continue;
        for (int i = ch->first; i < ch->first + ch->n; i++) {
            int j = next_pt(r, i);
            if (x[i] == px && y[i] == py) return *at = i, R_VERTEX;
            if ((y[i] > py) != (y[j] > py)) {
                int o = orient(x[i], y[i], x[j], y[j], px, py);
                if (o == 0) {
                    if (x[j] == px && y[j] == py) return *at = j, R_VERTEX;
                    return *at = i, R_EDGE;
                }
                if ((y[j] > y[i]) == (o > 0)) inside ^= 1;
            } else if (y[i] == py && y[j] == py &&
                       px >= fmin(x[i], x[j]) && px <= fmax(x[i], x[j])) {
                if (x[j] == px) return *at = j, R_VERTEX;
                return *at = i, R_EDGE;
            }
        }
    }
    return inside ? R_IN : R_OUT;
}

/* IN, ON or OUT of c. */
static int locate(const ibmap_cover_geom *c, double px, double py)
{
    if (px < c->x0 || px > c->x1 || py < c->y0 || py > c->y1) return OUT;
    int parity = 0, at;
    for (int r = 0; r < c->n_rings; r++) {
        int l = ring_locate(c, &c->ring[r], px, py, &at);
        if (l == R_VERTEX || l == R_EDGE) return ON;
        parity ^= l == R_IN;
    }
    return parity ? IN : OUT;
}

/* Whether b - a and d - c point the same way, for parallel vectors:
** compared coordinate by coordinate, without subtracting. */
static int dir_agree(double ax, double ay, double bx, double by, double cx,
                     double cy, double dx, double dy)
{
    return ((bx > ax) - (bx < ax)) == ((dx > cx) - (dx < cx)) &&
           ((by > ay) - (by < ay)) == ((dy > cy) - (dy < cy));
}

/* Whether b - a and c - a point the same way, for collinear a, b, c. */
static int same_dir(double ax, double ay, double bx, double by, double cx,
                    double cy)
{
    return dir_agree(ax, ay, bx, by, ax, ay, cx, cy);
}

/* Whether d lies strictly inside the wedge swept counter-clockwise from
** ray a to ray b (all from v), given d along neither ray. */
static int in_wedge(double vx, double vy, double ax, double ay, double bx,
                    double by, double dx, double dy)
{
    int ad = orient(vx, vy, ax, ay, dx, dy), db = orient(vx, vy, dx, dy, bx, by);
    if (orient(vx, vy, ax, ay, bx, by) > 0) return ad > 0 && db > 0;
    return ad > 0 || db > 0;
}

/* Where the points s + ε(t - s) are for small ε > 0, s being on c's
** boundary: IN, OUT, or ON (along an edge of c; *ering and *eseg name it:
** the segment from point *eseg to the next). */
static int locate_towards(const ibmap_cover_geom *c, double sx, double sy,
                          double tx, double ty, int *ering, int *eseg)
{
    const double *x = c->x, *y = c->y;
    int parity = 0, at;
    for (int ri = 0; ri < c->n_rings; ri++) {
        const struct ibmap_cover_ring *r = &c->ring[ri];
        int l = ring_locate(c, r, sx, sy, &at), inside = 0;
        if (l == R_IN) {
            inside = 1;
        } else if (l == R_EDGE) {
            int j = next_pt(r, at);
            int o = orient(x[at], y[at], x[j], y[j], tx, ty);
            if (o == 0) return *ering = ri, *eseg = at, ON;
            inside = (o > 0) == r->ccw;
        } else if (l == R_VERTEX) {
            int u = prev_pt(r, at), w = next_pt(r, at);
            if (orient(sx, sy, x[w], y[w], tx, ty) == 0 &&
                same_dir(sx, sy, x[w], y[w], tx, ty))
                return *ering = ri, *eseg = at, ON;
            if (orient(sx, sy, x[u], y[u], tx, ty) == 0 &&
                same_dir(sx, sy, x[u], y[u], tx, ty))
                return *ering = ri, *eseg = u, ON;
            /* The ring's region lies left of its travel when it runs
            ** counter-clockwise: from the ray to the next vertex round to
            ** the ray to the previous one. */
            inside = r->ccw ? in_wedge(sx, sy, x[w], y[w], x[u], y[u], tx, ty)
                            : in_wedge(sx, sy, x[u], y[u], x[w], y[w], tx, ty);
        }
        parity ^= inside;
    }
    return parity ? IN : OUT;
}

/* ---------------------------------------------------------------------- */
/* Edges against a geometry                                               */
/* ---------------------------------------------------------------------- */

static int push_split(ibmap_cover_scratch *s, int point)
{
    if (!grow_array((void **)&s->split, &s->cap_split, s->n_split + 1, sizeof *s->split))
        return 0;
    s->split[s->n_split++] = point;
    return 1;
}

/* The vertices of f strictly inside segment p→q (points i, j of e), sorted
** from p to q, in s->split; -1 when an edge of f crosses the segment
** properly (at a point inside both), 0 when out of memory, else 1. */
static int cut_segment(const ibmap_cover_geom *e, int i, int j,
                       const ibmap_cover_geom *f, ibmap_cover_scratch *s)
{
    double px = e->x[i], py = e->y[i], qx = e->x[j], qy = e->y[j];
    double x0 = fmin(px, qx), x1 = fmax(px, qx), y0 = fmin(py, qy), y1 = fmax(py, qy);
    const double *fx = f->x, *fy = f->y;
    s->n_split = 0;
    if (x1 < f->x0 || x0 > f->x1 || y1 < f->y0 || y0 > f->y1) return 1;
    for (int ri = 0; ri < f->n_rings; ri++) {
        const struct ibmap_cover_ring *r = &f->ring[ri];
        if (x1 < r->x0 || x0 > r->x1 || y1 < r->y0 || y0 > r->y1) continue;
        for (int k = r->first_chunk; k < r->first_chunk + r->n_chunks; k++) {
            const struct ibmap_cover_chunk *ch = &f->chunk[k];
            if (x1 < ch->x0 || x0 > ch->x1 || y1 < ch->y0 || y0 > ch->y1) continue;
            for (int a = ch->first; a < ch->first + ch->n; a++) {
                int b = next_pt(r, a);
                if (fmax(fx[a], fx[b]) < x0 || fmin(fx[a], fx[b]) > x1 ||
                    fmax(fy[a], fy[b]) < y0 || fmin(fy[a], fy[b]) > y1)
                    continue;
                int o1 = orient(px, py, qx, qy, fx[a], fy[a]);
                int o2 = orient(px, py, qx, qy, fx[b], fy[b]);
                if (o1 != 0 && o1 == o2) continue;
                int o3 = orient(fx[a], fy[a], fx[b], fy[b], px, py);
                int o4 = orient(fx[a], fy[a], fx[b], fy[b], qx, qy);
                if (o3 != 0 && o3 == o4) continue;
                if (o1 && o2 && o3 && o4) return -1;
                /* f's vertex a on the segment, strictly between p and q
                ** (b is the a of the next segment) */
                if (o1 == 0 && fx[a] >= x0 && fx[a] <= x1 && fy[a] >= y0 &&
                    fy[a] <= y1 && !(fx[a] == px && fy[a] == py) &&
                    !(fx[a] == qx && fy[a] == qy) && !push_split(s, a))
                    return 0;
            }
        }
    }
    /* The points are collinear: one coordinate orders them.  Insertion
    ** sort: there are seldom more than two. */
    if (s->n_split > 1) {
        int by_x = fabs(qx - px) >= fabs(qy - py);
        const double *key = by_x ? fx : fy;
        int up = by_x ? qx > px : qy > py;
        for (int m = 1; m < s->n_split; m++) {
            int v = s->split[m], k = m;
            while (k > 0 && (up ? key[s->split[k - 1]] > key[v]
                                : key[s->split[k - 1]] < key[v])) {
                s->split[k] = s->split[k - 1];
                k--;
            }
            s->split[k] = v;
        }
    }
    return 1;
}

/* Whether, along the line of ring re's segment from point es to its next,
** the interior of c lies on the left of s→t (s, t on that segment). */
static int interior_left(const ibmap_cover_geom *c, int ering, int eseg,
                         double sx, double sy, double tx, double ty)
{
    const struct ibmap_cover_ring *r = &c->ring[ering];
    int n = next_pt(r, eseg);
    /* left of the ring's travel: its region when counter-clockwise; the
    ** polygon's interior is the region of a shell, outside that of a hole */
    int left = r->ccw != r->hole;
    if (!dir_agree(c->x[eseg], c->y[eseg], c->x[n], c->y[n], sx, sy, tx, ty))
        left = !left;
    return left;
}

/* ---------------------------------------------------------------------- */
/* The test                                                               */
/* ---------------------------------------------------------------------- */

static int grow_cls(ibmap_cover_scratch *s, int n)
{
    return grow_array((void **)&s->cls, &s->cap_cls, n, sizeof *s->cls);
}

/* Whether b lies in a (inside: covers) or in the closure of a's exterior
** (!inside: the interiors are disjoint).  The same four steps serve both:
** the second is the first for the complement of a, whose boundary is a's
** with the interior on the other side.  One difference: two edges that
** cross properly prove "not covered", but not "interiors meet" (holes of
** a and b touching the crossing point could keep them apart), so that is
** UNDECIDED for the second. */
static ibmap_covers_result nest(const ibmap_cover_geom *a, const ibmap_cover_geom *b,
                                ibmap_cover_scratch *s, int inside)
{
    /* what B's vertices and edge pieces may not be, and what lets a piece
    ** pass unlooked at: an end strictly on the wanted side */
    const int bad = inside ? OUT : IN, good = inside ? IN : OUT;
    /* 2: B's vertices. */
    if (!grow_cls(s, b->n_points > a->n_points ? b->n_points : a->n_points))
        return IBMAP_COVERS_UNDECIDED;
    for (int i = 0; i < b->n_points; i++)
        if ((s->cls[i] = (signed char)locate(a, b->x[i], b->y[i])) == bad)
            return IBMAP_COVERS_NO;
    /* 1 and 3: B's edges. */
    for (int ri = 0; ri < b->n_rings; ri++) {
        const struct ibmap_cover_ring *r = &b->ring[ri];
        if (!inside && (r->x1 < a->x0 || r->x0 > a->x1 || r->y1 < a->y0 || r->y0 > a->y1))
            continue; /* away from A: outside it */
        for (int i = r->first; i < r->first + r->n; i++) {
            int j = next_pt(r, i);
            int cut = cut_segment(b, i, j, a, s);
            if (cut < 0) return inside ? IBMAP_COVERS_NO : IBMAP_COVERS_UNDECIDED;
            if (cut == 0) return IBMAP_COVERS_UNDECIDED;
            double sx = b->x[i], sy = b->y[i];
            int s_good = s->cls[i] == good;
            for (int k = 0; k <= s->n_split; k++) {
                double tx, ty;
                int t_good;
                if (k < s->n_split) {
                    tx = a->x[s->split[k]];
                    ty = a->y[s->split[k]];
                    t_good = 0;
                } else {
                    tx = b->x[j];
                    ty = b->y[j];
                    t_good = s->cls[j] == good;
                }
                if (tx == sx && ty == sy) continue; /* a vertex of A twice */
                if (!s_good && !t_good) {
                    int er, es;
                    int l = locate_towards(a, sx, sy, tx, ty, &er, &es);
                    if (l == bad) return IBMAP_COVERS_NO;
                    /* along A's edge: B's interior must be on A's side
                    ** (covers), on the other side (disjoint) */
                    if (l == ON && (interior_left(a, er, es, sx, sy, tx, ty) ==
                                    (r->ccw != r->hole)) != inside)
                        return IBMAP_COVERS_NO;
                }
                sx = tx;
                sy = ty;
                s_good = t_good;
            }
        }
    }
    /* 4: A's vertices and edges near B. */
    for (int i = 0; i < a->n_points; i++)
        if ((s->cls[i] = (signed char)locate(b, a->x[i], a->y[i])) == IN)
            return IBMAP_COVERS_NO;
    for (int ri = 0; ri < a->n_rings; ri++) {
        const struct ibmap_cover_ring *r = &a->ring[ri];
        if (r->x1 < b->x0 || r->x0 > b->x1 || r->y1 < b->y0 || r->y0 > b->y1)
            continue;
        for (int i = r->first; i < r->first + r->n; i++) {
            int j = next_pt(r, i);
            if (fmax(a->x[i], a->x[j]) < b->x0 || fmin(a->x[i], a->x[j]) > b->x1 ||
                fmax(a->y[i], a->y[j]) < b->y0 || fmin(a->y[i], a->y[j]) > b->y1)
                continue; /* away from B: outside it */
            int cut = cut_segment(a, i, j, b, s);
            if (cut < 0) return IBMAP_COVERS_NO;
            if (cut == 0) return IBMAP_COVERS_UNDECIDED;
            double sx = a->x[i], sy = a->y[i];
            int s_out = s->cls[i] == OUT;
            for (int k = 0; k <= s->n_split; k++) {
                double tx, ty;
                int t_out;
                if (k < s->n_split) {
                    tx = b->x[s->split[k]];
                    ty = b->y[s->split[k]];
                    t_out = 0;
                } else {
                    tx = a->x[j];
                    ty = a->y[j];
                    t_out = s->cls[j] == OUT;
                }
                if (tx == sx && ty == sy) continue;
                if (!s_out && !t_out) {
                    int er, es;
                    if (locate_towards(b, sx, sy, tx, ty, &er, &es) == IN)
                        return IBMAP_COVERS_NO;
                }
                sx = tx;
                sy = ty;
                s_out = t_out;
            }
        }
    }
    return IBMAP_COVERS_YES;
}

ibmap_covers_result ibmap_covers(const ibmap_cover_geom *a,
                                 const ibmap_cover_geom *b,
                                 ibmap_cover_scratch *s)
{
    if (!a->usable || !b->usable) return IBMAP_COVERS_UNDECIDED;
    if (b->x0 < a->x0 || b->y0 < a->y0 || b->x1 > a->x1 || b->y1 > a->y1)
        return IBMAP_COVERS_NO;
    return nest(a, b, s, 1);
}

ibmap_covers_result ibmap_interiors_disjoint(const ibmap_cover_geom *a,
                                             const ibmap_cover_geom *b,
                                             ibmap_cover_scratch *s)
{
    if (!a->usable || !b->usable) return IBMAP_COVERS_UNDECIDED;
    /* an interior lies inside its envelope's interior */
    if (b->x0 >= a->x1 || b->x1 <= a->x0 || b->y0 >= a->y1 || b->y1 <= a->y0)
        return IBMAP_COVERS_YES;
    return nest(a, b, s, 0);
}
