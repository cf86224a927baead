/*
** out_map.c — the industrial map (工业地图): the blocks coloured by class
** over the towns, with the parks and the red lines, as a PNG and a PDF, for
** a planner to take to a meeting.
**
** One drawing function draws the page in points (A3 landscape, 420 × 297
** mm) on any Cairo context.  The PDF surface takes the points as they are
** (vectors, and text as text); the PNG's image surface is scaled to 150 dpi
** (2480 × 1754 px).  The two therefore show the same map.
**
** The page:
**   title band   the title, and a subtitle naming the scenario and rules;
**                under them, in red, the layers the run went on with
**                although their gates did not pass (accepted defects,
**                layer warnings)
**   map frame    left, most of the page: towns (filled, dash-dot outline),
**                blocks filled by class, parks outlined, red lines hatched,
**                town names.  Equal x/y scale, y up: the working CRS is
**                projected in metres, and its grid convergence over one
**                county is a fraction of a degree, so grid north is north
**   side panel   north arrow, legend (blocks and 亩 of each class), scale
**                bar; kept out of the frame so that they hide no block
**   foot         data date, CRS, the program
** The frame shows the blocks' extent with a margin (or the --extent
** asked for): towns, parks and red lines are drawn where they fall in it
** but do not widen it (a town reaches far beyond its industrial land, a
** red line may cover half a province).
**
** Geometry is the model's WKB.  It is read here by a small reader that
** checks every count against the bytes left before trusting it, and that
** validates a whole geometry before any of it is drawn, so that a damaged
** record is skipped whole rather than half drawn (and counted in the
** legend as not drawn).  Only polygonal parts are drawn: a repaired
** geometry may be a collection holding lines or points too.  Holes are cut
** by the even-odd rule.
**
** Files: each is written under "<path>.tmp-<pid>", flushed and synced; the
** renames come last, once both are complete, so that a failure in drawing
** or writing either leaves both targets as they were (output_file.c's
** rule, for a pair).  Only a failed rename of the PDF after the PNG's
** would leave a new PNG beside an old PDF; each file is still whole.
**
** Determinism: the PNG holds no time and the drawing no randomness, so the
** same model gives the same bytes.  The PDF's creation date is set from the
** data date (cairo would write the clock's), so the PDF too is the same
** for the same model and the same cairo.
*/
#include <cairo.h>
#include <cairo-pdf.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"

/* ---------------------------------------------------------------------- */
/* The page                                                               */
/* ---------------------------------------------------------------------- */

#define PAGE_W (420.0 / 25.4 * 72.0)   /* A3 landscape, in points */
#define PAGE_H (297.0 / 25.4 * 72.0)
#define PNG_SCALE (150.0 / 72.0)       /* 150 dpi */
#define PNG_W 2480                     /* PAGE_W × PNG_SCALE, rounded */
#define PNG_H 1754

#define MARGIN 28.0
#define TITLE_H 72.0                   /* the title band, under the margin */
#define FOOT_H 24.0                    /* the foot, above the margin */
#define PANEL_W 250.0
#define PANEL_GAP 14.0

#define FRAME_X MARGIN
#define FRAME_Y (MARGIN + TITLE_H)
#define FRAME_W (PAGE_W - 2 * MARGIN - PANEL_W - PANEL_GAP)
#define FRAME_H (PAGE_H - 2 * MARGIN - TITLE_H - FOOT_H)
#define PANEL_X (FRAME_X + FRAME_W + PANEL_GAP)

/* fontconfig resolves it to the Noto CJK font scripts/setup installs, and
** falls back to another CJK font where that one is missing. */
#define MAP_FONT "Noto Sans CJK SC"

/* Geometries nested deeper than this are refused (a collection inside a
** collection inside …): no writer of ours nests at all. */
#define WKB_MAX_DEPTH 8

static const unsigned char town_fill_rgb[3] = {0xf4, 0xf1, 0xea};
static const unsigned char ink_rgb[3] = {0x22, 0x22, 0x22};
static const unsigned char grey_rgb[3] = {0x55, 0x55, 0x55};
static const unsigned char white_rgb[3] = {0xff, 0xff, 0xff};

/* Line widths and the hatch, in points. */
#define TOWN_LINE 0.9
#define BLOCK_LINE 0.4
#define PARK_LINE 1.8
#define REDLINE_LINE 1.0
#define HATCH_LINE 0.6
#define HATCH_GAP 5.0

/* ---------------------------------------------------------------------- */
/* WKB                                                                    */
/* ---------------------------------------------------------------------- */

/* One ring as it lies in the WKB: n points of `stride` bytes, x and y the
** first two doubles of each. */
typedef struct wkb_ring {
    const unsigned char *pts;
    uint32_t n;
    size_t stride;
    int swap;              /* byte order other than the host's */
} wkb_ring;

/* Called for each ring of each polygon: `polygon` counts the polygons of
** the geometry from 0, `ring` the rings of the polygon (0 the exterior).
** Returns 0 to stop the walk. */
typedef int (*ring_fn)(void *arg, uint32_t polygon, uint32_t ring,
                       const wkb_ring *r);

typedef struct wkb_walk {
    const unsigned char *p, *end;
    ring_fn fn;            /* NULL: only check */
    void *arg;
    uint32_t polygon;
    int host_le;
} wkb_walk;

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void swap_bytes(unsigned char *b, int n)
{
    for (int i = 0; i < n / 2; i++) {
        unsigned char t = b[i];
        b[i] = b[n - 1 - i];
        b[n - 1 - i] = t;
    }
}

static int wkb_u32(wkb_walk *w, int swap, uint32_t *v)
{
    unsigned char b[4];
    if (w->end - w->p < 4) return 0;
    memcpy(b, w->p, 4);
    if (swap) swap_bytes(b, 4);
    memcpy(v, b, 4);
    w->p += 4;
    return 1;
}

static double wkb_double(const unsigned char *p, int swap)
{
    unsigned char b[8];
    double d;
    memcpy(b, p, 8);
    if (swap) swap_bytes(b, 8);
    memcpy(&d, b, 8);
    return d;
}

static void ring_point(const wkb_ring *r, uint32_t i, double *x, double *y)
{
    const unsigned char *p = r->pts + (size_t)i * r->stride;
    *x = wkb_double(p, r->swap);
    *y = wkb_double(p + 8, r->swap);
}

/* The base type (1 Point … 7 GeometryCollection) and the bytes per point
** of a type code: ISO (1003 Polygon Z, 2003 M, 3003 ZM) or EWKB (flags
** 0x80000000 Z, 0x40000000 M, 0x20000000 an SRID follows, skipped). */
static int wkb_type(wkb_walk *w, int swap, uint32_t *base, size_t *stride)
{
    uint32_t t, srid;
    size_t dims = 2;
    if (!wkb_u32(w, swap, &t)) return 0;
    if (t & 0x80000000u) dims++;
    if (t & 0x40000000u) dims++;
    if ((t & 0x20000000u) && !wkb_u32(w, swap, &srid)) return 0;
    /* Both conventions at once would be a writer's bug: refused, rather
    ** than read with a stride that may be wrong. */
    if ((t & 0xe0000000u) && (t & 0x1fffffffu) >= 1000) return 0;
    t &= 0x1fffffffu;
    if (t >= 4000) return 0;
    dims += t / 1000 == 3 ? 2 : t / 1000 != 0;
    if (dims > 4) return 0;
    *base = t % 1000;
    *stride = dims * 8;
    return 1;
}

/* A count of points and the points after it. */
static int wkb_points(wkb_walk *w, int swap, size_t stride, wkb_ring *r)
{
    uint32_t n;
    if (!wkb_u32(w, swap, &n)) return 0;
    if ((size_t)(w->end - w->p) / stride < n) return 0;
    r->pts = w->p;
    r->n = n;
    r->stride = stride;
    r->swap = swap;
    w->p += (size_t)n * stride;
    return 1;
}

/* Cairo turns coordinates into fixed point: a NaN or an infinity would
** reach it as garbage, so a geometry holding one is refused whole. */
static int ring_finite(const wkb_ring *r)
{
    for (uint32_t i = 0; i < r->n; i++) {
        double x, y;
        ring_point(r, i, &x, &y);
        if (!isfinite(x) || !isfinite(y)) return 0;
    }
    return 1;
}

static int wkb_polygon(wkb_walk *w, int swap, size_t stride)
{
    uint32_t n;
    wkb_ring r;
    if (!wkb_u32(w, swap, &n)) return 0;
    /* Each ring takes at least its 4-byte count. */
    if ((size_t)(w->end - w->p) / 4 < n) return 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!wkb_points(w, swap, stride, &r)) return 0;
        if (w->fn ? !w->fn(w->arg, w->polygon, i, &r) : !ring_finite(&r))
            return 0;
    }
    w->polygon++;
    return 1;
}

static int wkb_geometry(wkb_walk *w, int depth)
{
    uint32_t type, n;
    size_t stride;
    wkb_ring r;
    if (depth > WKB_MAX_DEPTH || w->p >= w->end || *w->p > 1) return 0;
    int swap = (*w->p++ == 1) != w->host_le;
    if (!wkb_type(w, swap, &type, &stride)) return 0;
    switch (type) {
    case 1:   /* Point: skipped */
        if ((size_t)(w->end - w->p) < stride) return 0;
        w->p += stride;
        return 1;
    case 2:   /* LineString: skipped */
        return wkb_points(w, swap, stride, &r);
    case 3:
        return wkb_polygon(w, swap, stride);
    case 4: case 5: case 6: case 7:   /* Multi*, GeometryCollection */
        if (!wkb_u32(w, swap, &n)) return 0;
        /* Each part takes at least its 5-byte header. */
        if ((size_t)(w->end - w->p) / 5 < n) return 0;
        for (uint32_t i = 0; i < n; i++)
            if (!wkb_geometry(w, depth + 1)) return 0;
        return 1;
    default:  /* curves, surfaces: never in the model */
        return 0;
    }
}

/* Check the whole geometry, then call fn (if not NULL) for every ring of
** every polygon in it.  Returns 0 — having called fn for nothing — when
** the WKB is malformed (truncated, a count beyond the bytes left, a
** non-finite coordinate, a type not known), or when fn stopped the walk. */
static int wkb_rings(const unsigned char *wkb, size_t size, ring_fn fn,
                     void *arg)
{
    if (!wkb) return 0;
    wkb_walk w = {wkb, wkb + size, NULL, NULL, 0, host_little_endian()};
    if (!wkb_geometry(&w, 0)) return 0;
    if (!fn) return 1;
    w.p = wkb;
    w.fn = fn;
    w.arg = arg;
    w.polygon = 0;
    return wkb_geometry(&w, 0);
}

static int ring_bbox(void *arg, uint32_t polygon, uint32_t ring,
                     const wkb_ring *r)
{
    double *e = arg;
    (void)polygon;
    (void)ring;
    for (uint32_t i = 0; i < r->n; i++) {
        double x, y;
        ring_point(r, i, &x, &y);
        e[0] = fmin(e[0], x);
        e[1] = fmin(e[1], y);
        e[2] = fmax(e[2], x);
        e[3] = fmax(e[3], y);
    }
    return 1;
}

/* The bounding box of a feature's polygonal parts; 0 when it has none to
** draw (no geometry, a malformed one, or no polygon in it). */
static int feature_bbox(const out_table *t, int64_t r, double e[4])
{
    e[0] = e[1] = INFINITY;
    e[2] = e[3] = -INFINITY;
    if (!t->wkb || !t->wkb[r]) return 0;
    return wkb_rings(t->wkb[r], t->wkb_size ? t->wkb_size[r] : 0, ring_bbox,
                     e) &&
           e[0] <= e[2] && e[1] <= e[3];
}

/* ---------------------------------------------------------------------- */
/* The view: world metres to page points                                  */
/* ---------------------------------------------------------------------- */

typedef struct map_view {
    double cx, cy;         /* the world point at the frame's centre */
    double scale;          /* points per metre */
    double ext[4];         /* the world rectangle the frame shows */
    int empty;             /* no block or town to place the frame by */
} map_view;

static void extent_add(const out_table *t, double e[4])
{
    if (!t || !t->spatial) return;
    for (int64_t r = 0; r < t->n_rows; r++) {
        double f[4];
        if (!feature_bbox(t, r, f)) continue;
        e[0] = fmin(e[0], f[0]);
        e[1] = fmin(e[1], f[1]);
        e[2] = fmax(e[2], f[2]);
        e[3] = fmax(e[3], f[3]);
    }
}

/* The frame fits the blocks as drawn, with a margin: the map is about
** them, and a county's towns reach far beyond its industrial land (which
** would shrink every block to a speck).  The towns are drawn where they
** fall in it, and frame it only when no block has a geometry.  The user's
** extent (m->view, --extent) wins, shown whole, without a margin.  The
** extent is taken from the WKB rather than m->extent so that the frame
** holds exactly what is drawn, and so that out_map_png_pixel() needs
** nothing but the model. */
static void view_init(map_view *v, const out_model *m)
{
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    memset(v, 0, sizeof *v);
    int user = m->has_view;
    if (user) {
        memcpy(e, m->view, sizeof e);
    } else {
        extent_add(out_model_table(m, "blocks"), e);
        if (!(e[0] <= e[2])) extent_add(out_model_table(m, "towns"), e);
    }
    double w = e[2] - e[0], h = e[3] - e[1];
    if (!(w >= 0 && h >= 0 && isfinite(w) && isfinite(h))) {
        v->empty = 1;
        return;
    }
    /* A margin of 4% of the longer side keeps the outermost outlines off
    ** the frame; a lone point still gets 100 m, for a finite scale. */
    double pad = user ? 0 : fmax(0.04 * fmax(w, h), w == 0 && h == 0 ? 50 : 0);
    if (w == 0 && h == 0 && user) pad = 50;
    v->scale = fmin(FRAME_W / (w + 2 * pad), FRAME_H / (h + 2 * pad));
    if (!(v->scale > 0 && isfinite(v->scale))) {
        v->empty = 1;
        return;
    }
    v->cx = (e[0] + e[2]) / 2;
    v->cy = (e[1] + e[3]) / 2;
    v->ext[0] = v->cx - FRAME_W / 2 / v->scale;
    v->ext[1] = v->cy - FRAME_H / 2 / v->scale;
    v->ext[2] = v->cx + FRAME_W / 2 / v->scale;
    v->ext[3] = v->cy + FRAME_H / 2 / v->scale;
}

static void view_page(const map_view *v, double x, double y, double *px,
                      double *py)
{
    *px = FRAME_X + FRAME_W / 2 + (x - v->cx) * v->scale;
    *py = FRAME_Y + FRAME_H / 2 - (y - v->cy) * v->scale;
}

static int in_frame(double px, double py)
{
    return px >= FRAME_X && px <= FRAME_X + FRAME_W && py >= FRAME_Y &&
           py <= FRAME_Y + FRAME_H;
}

static int clamp_pixel(double p)
{
    return p < -1e9 ? -1000000000 : p > 1e9 ? 1000000000 : (int)floor(p);
}

int out_map_png_pixel(const out_model *m, double x, double y, int *px,
                      int *py)
{
    map_view v;
    double X, Y;
    if (!m || !isfinite(x) || !isfinite(y)) return 0;
    view_init(&v, m);
    if (v.empty) return 0;
    view_page(&v, x, y, &X, &Y);
    if (px) *px = clamp_pixel(X * PNG_SCALE);
    if (py) *py = clamp_pixel(Y * PNG_SCALE);
    return in_frame(X, Y);
}

/* ---------------------------------------------------------------------- */
/* Drawing helpers                                                        */
/* ---------------------------------------------------------------------- */

typedef struct map_draw {
    cairo_t *cr;
    PangoContext *pc;
    const out_model *m;
    const map_view *v;
} map_draw;

static void set_rgb(cairo_t *cr, const unsigned char c[3])
{
    cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
}

/* A darker shade of c, for the outline of a fill of c. */
static void set_rgb_dark(cairo_t *cr, const unsigned char c[3])
{
    cairo_set_source_rgb(cr, c[0] / 255.0 * 0.6, c[1] / 255.0 * 0.6,
                         c[2] / 255.0 * 0.6);
}

typedef struct path_arg {
    cairo_t *cr;
    const map_view *v;
} path_arg;

static int ring_path(void *arg, uint32_t polygon, uint32_t ring,
                     const wkb_ring *r)
{
    path_arg *a = arg;
    (void)polygon;
    (void)ring;
    if (r->n < 3) return 1;   /* no area: nothing to fill */
    for (uint32_t i = 0; i < r->n; i++) {
        double x, y, px, py;
        ring_point(r, i, &x, &y);
        view_page(a->v, x, y, &px, &py);
        if (i == 0)
            cairo_move_to(a->cr, px, py);
        else
            cairo_line_to(a->cr, px, py);
    }
    cairo_close_path(a->cr);
    return 1;
}

/* Make row r's polygons the current path.  0 (and no path) when it has
** none, or lies wholly outside the frame: drawing it would only make the
** PDF larger. */
static int feature_path(const map_draw *d, const out_table *t, int64_t r)
{
    double e[4];
    const map_view *v = d->v;
    path_arg a = {d->cr, v};
    cairo_new_path(d->cr);
    if (!feature_bbox(t, r, e)) return 0;
    if (e[2] < v->ext[0] || e[0] > v->ext[2] || e[3] < v->ext[1] ||
        e[1] > v->ext[3])
        return 0;
    return wkb_rings(t->wkb[r], t->wkb_size[r], ring_path, &a);
}

/* Diagonal lines (rising to the right) over the rectangle, `gap` apart on
** a grid fixed to the page, so that the hatches of neighbouring polygons
** line up.  The caller clips. */
static void hatch(cairo_t *cr, double x0, double y0, double x1, double y1,
                  double gap)
{
    /* The lines x + y = c, c a multiple of gap. */
    double c0 = floor((x0 + y0) / gap) * gap;
    int n = (int)ceil((x1 + y1 - c0) / gap);
    cairo_new_path(cr);
    for (int i = 0; i <= n; i++) {
        double c = c0 + i * gap;
        cairo_move_to(cr, c - y0, y0);
        cairo_line_to(cr, c - y1, y1);
    }
    cairo_stroke(cr);
}

/* The layout of s in the map font, `size` points, at most max_w wide
** (ellipsised; 0: no limit).  The caller unrefs. */
static PangoLayout *text_layout(const map_draw *d, const char *s, double size,
                                int bold, double max_w)
{
    PangoLayout *l = pango_layout_new(d->pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, MAP_FONT);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD
                                               : PANGO_WEIGHT_NORMAL);
    /* Absolute: in user units, that is points on both surfaces. */
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (max_w > 0) {
        pango_layout_set_width(l, (int)(max_w * PANGO_SCALE));
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    }
    /* Pango refuses invalid UTF-8 with a warning on stderr; the model's
    ** texts are UTF-8, so this only guards against a bug upstream. */
    pango_layout_set_text(l, s && ibmap_utf8_valid(s, strlen(s)) ? s : "?",
                          -1);
    return l;
}

/* The size in points of s's box. */
static void text_size(const map_draw *d, const char *s, double size, int bold,
                      double *w, double *h)
{
    PangoRectangle logical;
    PangoLayout *l = text_layout(d, s, size, bold, 0);
    pango_layout_get_extents(l, NULL, &logical);
    g_object_unref(l);
    *w = logical.width / (double)PANGO_SCALE;
    *h = logical.height / (double)PANGO_SCALE;
}

/* Draw s so that the point (ax, ay) of its box — 0 left or top, 0.5 the
** centre, 1 right or bottom — is at (x, y).  A halo (white outline under
** the glyphs) keeps a label readable over the blocks. */
static void text_draw(const map_draw *d, const char *s, double x, double y,
                      double size, int bold, double ax, double ay,
                      const unsigned char rgb[3], int halo, double max_w)
{
    PangoRectangle logical;
    PangoLayout *l = text_layout(d, s, size, bold, max_w);
    pango_layout_get_extents(l, NULL, &logical);
    double w = logical.width / (double)PANGO_SCALE;
    double h = logical.height / (double)PANGO_SCALE;
    double ox = x - ax * w - logical.x / (double)PANGO_SCALE;
    double oy = y - ay * h - logical.y / (double)PANGO_SCALE;
    cairo_t *cr = d->cr;
    if (halo) {
        cairo_new_path(cr);
        cairo_move_to(cr, ox, oy);
        pango_cairo_layout_path(cr, l);
        set_rgb(cr, white_rgb);
        cairo_set_line_width(cr, size * 0.22);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, ox, oy);
    set_rgb(cr, rgb);
    pango_cairo_show_layout(cr, l);
    cairo_new_path(cr);
    g_object_unref(l);
}

/* ---------------------------------------------------------------------- */
/* The layers                                                             */
/* ---------------------------------------------------------------------- */

typedef enum layer_kind {
    LAYER_TOWNS,
    LAYER_BLOCKS,
    LAYER_PARKS,
    LAYER_REDLINE
} layer_kind;

static void set_town_dash(cairo_t *cr)
{
    /* Dash-dot: the mark of an administrative boundary. */
    static const double dash[] = {6.0, 2.0, 1.2, 2.0};
    cairo_set_dash(cr, dash, 4, 0);
}

static ibmap_class block_class(const out_model *m, int64_t r)
{
    unsigned k = m->klass ? m->klass[r] : IBMAP_CLASS_UNCLASSIFIABLE;
    return k < IBMAP_CLASS_COUNT ? (ibmap_class)k : IBMAP_CLASS_UNCLASSIFIABLE;
}

/* Draw the feature of row r, whose path is current. */
static void draw_feature(const map_draw *d, const out_table *t, int64_t r,
                         layer_kind kind)
{
    cairo_t *cr = d->cr;
    double x0, y0, x1, y1;
    switch (kind) {
    case LAYER_TOWNS:
        set_rgb(cr, town_fill_rgb);
        cairo_fill_preserve(cr);
        set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, TOWN_LINE);
        set_town_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case LAYER_BLOCKS: {
        const unsigned char *c = out_class_rgb[block_class(d->m, r)];
        set_rgb(cr, c);
        cairo_fill_preserve(cr);
        set_rgb_dark(cr, c);
        cairo_set_line_width(cr, BLOCK_LINE);
        cairo_stroke(cr);
        break;
    }
    case LAYER_PARKS:
        set_rgb(cr, out_park_rgb);
        cairo_set_line_width(cr, PARK_LINE);
        cairo_stroke(cr);
        break;
    case LAYER_REDLINE:
        /* The hatch within the polygon (and the frame), then the outline
        ** over it; the path is built again, the clip having used it. */
        cairo_save(cr);
        cairo_clip(cr);
        cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
        set_rgb(cr, out_redline_rgb);
        cairo_set_line_width(cr, HATCH_LINE);
        hatch(cr, x0, y0, x1, y1, HATCH_GAP);
        cairo_restore(cr);
        if (feature_path(d, t, r)) {
            set_rgb(cr, out_redline_rgb);
            cairo_set_line_width(cr, REDLINE_LINE);
            cairo_stroke(cr);
        }
        break;
    }
}

/* Draw every feature of t; 0 when interrupted. */
static int draw_layer(const map_draw *d, const out_table *t, layer_kind kind)
{
    if (!t || !t->spatial) return 1;
    for (int64_t r = 0; r < t->n_rows; r++) {
        if ((r & 1023) == 0 && ibmap_interrupt_pending()) return 0;
        if (feature_path(d, t, r)) draw_feature(d, t, r, kind);
    }
    cairo_new_path(d->cr);
    return 1;
}

/* Where to put a town's name.  Within the town's largest polygon, on a
** line across it, at the centre of the widest stretch of that line inside
** the polygon (unlike the box's centre, this is inside a U- or L-shaped
** town too).  The line across the middle is tried first, then lines above
** and below it, and the first place whose label box covers no block's box
** is taken: blocks cluster at town centres, and a name over them would
** hide the very colours the map is for.  When every place covers a block,
** the middle it is. */
typedef struct label_scan {
    uint32_t best;         /* the polygon with the largest exterior ring */
    double best_area;
    double box[4];         /* its exterior's box */
    double y;              /* the scan line */
    double *xs;            /* where the rings cross it */
    size_t n, cap;
} label_scan;

/* Boxes (minx, miny, maxx, maxy) a label should not cover. */
typedef struct box_list {
    double *b;
    int64_t n;
} box_list;

static double ring_area(const wkb_ring *r)
{
    double x0, y0, sum = 0, xa, ya, xb, yb;
    if (r->n < 3) return 0;
    ring_point(r, 0, &x0, &y0);
    /* Relative to the first point: 7-digit coordinates would otherwise
    ** lose the area to rounding. */
    ring_point(r, r->n - 1, &xa, &ya);
    for (uint32_t i = 0; i < r->n; i++) {
        ring_point(r, i, &xb, &yb);
        sum += (xa - x0) * (yb - y0) - (xb - x0) * (ya - y0);
        xa = xb;
        ya = yb;
    }
    return fabs(sum) / 2;
}

static int scan_largest(void *arg, uint32_t polygon, uint32_t ring,
                        const wkb_ring *r)
{
    label_scan *s = arg;
    if (ring != 0) return 1;
    double a = ring_area(r);
    if (a > s->best_area) {
        s->best = polygon;
        s->best_area = a;
        s->box[0] = s->box[1] = INFINITY;
        s->box[2] = s->box[3] = -INFINITY;
        ring_bbox(s->box, polygon, ring, r);
    }
    return 1;
}

static int scan_crossings(void *arg, uint32_t polygon, uint32_t ring,
                          const wkb_ring *r)
{
    label_scan *s = arg;
    double xa, ya, xb, yb;
    (void)ring;
    if (polygon != s->best || r->n < 2) return 1;
    ring_point(r, r->n - 1, &xa, &ya);
    for (uint32_t i = 0; i < r->n; i++, xa = xb, ya = yb) {
        ring_point(r, i, &xb, &yb);
        /* Half-open, so that a vertex on the line counts once. */
        if ((ya > s->y) == (yb > s->y)) continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            double *xs = realloc(s->xs, cap * sizeof *xs);
            if (!xs) return 0;
            s->xs = xs;
            s->cap = cap;
        }
        s->xs[s->n++] = xa + (s->y - ya) * (xb - xa) / (yb - ya);
    }
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int covers_a_box(const box_list *avoid, double x0, double y0,
                        double x1, double y1)
{
    for (int64_t i = 0; i < avoid->n; i++) {
        const double *b = avoid->b + 4 * i;
        if (x0 < b[2] && x1 > b[0] && y0 < b[3] && y1 > b[1]) return 1;
    }
    return 0;
}

/* The centre (*x, *y) of a w × h label (metres) in row r's town; 0 when
** the town has no polygon. */
static int label_point(const out_table *t, int64_t r, double w, double h,
                       const box_list *avoid, double *x, double *y)
{
    /* Fractions of the polygon's height: the middle first. */
    static const double lines[] = {0.5, 0.38, 0.62, 0.26, 0.74, 0.14, 0.86};
    label_scan s = {0, -1, {0, 0, 0, 0}, 0, NULL, 0, 0};
    const unsigned char *wkb = t->wkb ? t->wkb[r] : NULL;
    if (!wkb || !wkb_rings(wkb, t->wkb_size[r], scan_largest, &s) ||
        s.best_area < 0)
        return 0;
    *x = (s.box[0] + s.box[2]) / 2;
    *y = (s.box[1] + s.box[3]) / 2;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        s.y = s.box[1] + lines[i] * (s.box[3] - s.box[1]);
        s.n = 0;
        /* Out of memory: the box's centre will do. */
        if (!wkb_rings(wkb, t->wkb_size[r], scan_crossings, &s)) break;
        qsort(s.xs, s.n, sizeof *s.xs, cmp_double);
        double widest = -1, cx = 0;
        for (size_t k = 0; k + 1 < s.n; k += 2)
            if (s.xs[k + 1] - s.xs[k] > widest) {
                widest = s.xs[k + 1] - s.xs[k];
                cx = (s.xs[k] + s.xs[k + 1]) / 2;
            }
        if (widest < 0) continue;
        if (i == 0) *x = cx;   /* the fallback: the middle */
        if (!covers_a_box(avoid, cx - w / 2, s.y - h / 2, cx + w / 2,
                          s.y + h / 2)) {
            *x = cx;
            *y = s.y;
            break;
        }
    }
    free(s.xs);
    return 1;
}

/* The boxes of the blocks drawn; none when out of memory (the labels then
** go to the towns' middles). */
static box_list block_boxes(const out_model *m)
{
    box_list l = {NULL, 0};
    const out_table *t = out_model_table(m, "blocks");
    if (!t || t->n_rows <= 0) return l;
    if (!(l.b = malloc((size_t)t->n_rows * 4 * sizeof *l.b))) return l;
    for (int64_t r = 0; r < t->n_rows; r++)
        if (feature_bbox(t, r, l.b + 4 * l.n)) l.n++;
    return l;
}

#define TOWN_LABEL_SIZE 13.0

static void draw_town_names(const map_draw *d, const out_table *t)
{
    if (!t || !t->spatial) return;
    box_list avoid = block_boxes(d->m);
    for (int64_t r = 0; r < t->n_rows; r++) {
        const char *name = out_text(t, r, "name");
        double x, y, px, py, w, h;
        if (!name || !*name) name = out_text(t, r, "id");
        if (!name || !*name) continue;
        text_size(d, name, TOWN_LABEL_SIZE, 0, &w, &h);
        if (!label_point(t, r, w / d->v->scale, h / d->v->scale, &avoid, &x,
                         &y))
            continue;
        view_page(d->v, x, y, &px, &py);
        if (in_frame(px, py))
            text_draw(d, name, px, py, TOWN_LABEL_SIZE, 0, 0.5, 0.5, grey_rgb,
                      1, 0);
    }
    free(avoid.b);
}

/* The map frame's content; 0 when interrupted. */
static int draw_frame(const map_draw *d)
{
    cairo_t *cr = d->cr;
    const out_model *m = d->m;
    int ok = 1;
    cairo_save(cr);
    cairo_rectangle(cr, FRAME_X, FRAME_Y, FRAME_W, FRAME_H);
    cairo_clip(cr);
    if (d->v->empty) {
        text_draw(d, "无可绘制的图形  No geometry to draw",
                  FRAME_X + FRAME_W / 2, FRAME_Y + FRAME_H / 2, 16, 0, 0.5,
                  0.5, grey_rgb, 0, 0);
    } else {
        ok = draw_layer(d, out_model_table(m, "towns"), LAYER_TOWNS) &&
             draw_layer(d, out_model_table(m, "blocks"), LAYER_BLOCKS) &&
             draw_layer(d, out_model_table(m, "parks"), LAYER_PARKS) &&
             draw_layer(d, out_model_table(m, "redline"), LAYER_REDLINE);
        if (ok) draw_town_names(d, out_model_table(m, "towns"));
    }
    cairo_restore(cr);
    cairo_new_path(cr);
    cairo_rectangle(cr, FRAME_X, FRAME_Y, FRAME_W, FRAME_H);
    set_rgb(cr, ink_rgb);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Title, legend, north arrow, scale bar, foot                            */
/* ---------------------------------------------------------------------- */

static void draw_title(const map_draw *d)
{
    const out_model *m = d->m;
    char *sub = ibmap_sprintf("情景 Scenario：%s　　规则 Rules：%s",
                              m->scenario && *m->scenario ? m->scenario : "—",
                              m->rules_name && *m->rules_name ? m->rules_name
                                                              : "—");
    text_draw(d, m->title && *m->title ? m->title : "工业地图", PAGE_W / 2,
              MARGIN, 26, 1, 0.5, 0, ink_rgb, 0, PAGE_W - 2 * MARGIN);
    /* A run that went on with accepted defects or layer warnings says so
    ** under the title, in red: the subtitle moves up to make room. */
    char *defects = out_model_defects_line(m);
    if (sub)
        text_draw(d, sub, PAGE_W / 2, MARGIN + (defects ? 36 : 42), defects ? 12 : 13, 0, 0.5,
                  0, grey_rgb, 0, PAGE_W - 2 * MARGIN);
    if (defects)
        text_draw(d, defects, PAGE_W / 2, MARGIN + 55, 11, 1, 0.5, 0, out_redline_rgb, 0,
                  PAGE_W - 2 * MARGIN);
    free(defects);
    free(sub);
}

/* The classic half-filled arrow, "北 N" over its tip. */
static double draw_north_arrow(const map_draw *d, double y)
{
    cairo_t *cr = d->cr;
    double cx = PANEL_X + PANEL_W / 2, top = y + 22, h = 46, hw = 12;
    text_draw(d, "北 N", cx, y, 14, 1, 0.5, 0, ink_rgb, 0, 0);
    cairo_new_path(cr);
    cairo_move_to(cr, cx, top);
    cairo_line_to(cr, cx - hw, top + h);
    cairo_line_to(cr, cx, top + h * 0.75);
    cairo_close_path(cr);
    set_rgb(cr, ink_rgb);
    cairo_fill(cr);
    cairo_move_to(cr, cx, top);
    cairo_line_to(cr, cx + hw, top + h);
    cairo_line_to(cr, cx, top + h * 0.75);
    cairo_line_to(cr, cx - hw, top + h);
    cairo_close_path(cr);
    cairo_set_line_width(cr, 1.0);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
    return top + h + 10;
}

/* Blocks and 亩 of each class, and the blocks not drawn. */
typedef struct class_tally {
    int64_t blocks[IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT];
    int64_t not_drawn;
} class_tally;

static void tally_classes(const out_model *m, class_tally *c)
{
    const out_table *t = out_model_table(m, "blocks");
    memset(c, 0, sizeof *c);
    for (int64_t r = 0; r < t->n_rows; r++) {
        ibmap_class k = block_class(m, r);
        double e[4];
        c->blocks[k]++;
        if (m->area_mu && isfinite(m->area_mu[r])) c->mu[k] += m->area_mu[r];
        if (!t->spatial || !feature_bbox(t, r, e)) c->not_drawn++;
    }
}

static int table_has_rows(const out_model *m, const char *name)
{
    const out_table *t = out_model_table(m, name);
    return t && t->spatial && t->n_rows > 0;
}

#define LEGEND_PAD 12.0
#define SWATCH_W 28.0
#define SWATCH_H 16.0
#define CLASS_ROW 36.0
#define SYMBOL_ROW 26.0

/* One symbol's swatch at (x, y). */
static void legend_swatch(const map_draw *d, layer_kind kind, ibmap_class k,
                          double x, double y)
{
    cairo_t *cr = d->cr;
    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, SWATCH_W, SWATCH_H);
    switch (kind) {
    case LAYER_BLOCKS:
        set_rgb(cr, out_class_rgb[k]);
        cairo_fill_preserve(cr);
        set_rgb_dark(cr, out_class_rgb[k]);
        cairo_set_line_width(cr, BLOCK_LINE);
        cairo_stroke(cr);
        break;
    case LAYER_TOWNS:
        set_rgb(cr, town_fill_rgb);
        cairo_fill_preserve(cr);
        set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, TOWN_LINE);
        set_town_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case LAYER_PARKS:
        set_rgb(cr, out_park_rgb);
        cairo_set_line_width(cr, PARK_LINE);
        cairo_stroke(cr);
        break;
    case LAYER_REDLINE:
        cairo_save(cr);
        cairo_clip_preserve(cr);
        set_rgb(cr, out_redline_rgb);
        cairo_set_line_width(cr, HATCH_LINE);
        hatch(cr, x, y, x + SWATCH_W, y + SWATCH_H, HATCH_GAP);
        cairo_restore(cr);
        cairo_rectangle(cr, x, y, SWATCH_W, SWATCH_H);
        set_rgb(cr, out_redline_rgb);
        cairo_set_line_width(cr, REDLINE_LINE);
        cairo_stroke(cr);
        break;
    }
}

/* The legend box from y down; returns its bottom. */
static double draw_legend(const map_draw *d, double y)
{
    static const struct {
        layer_kind kind;
        const char *table, *label;
    } symbols[] = {
        {LAYER_PARKS, "parks", "工业园区  industrial park"},
        {LAYER_REDLINE, "redline", "生态保护红线  ecological red line"},
        {LAYER_TOWNS, "towns", "镇街界  town boundary"},
    };
    cairo_t *cr = d->cr;
    class_tally c;
    char buf[160];
    double x = PANEL_X, tx = x + LEGEND_PAD + SWATCH_W + 10;
    double text_w = PANEL_W - (tx - x) - LEGEND_PAD;
    int n_symbols = 0;
    tally_classes(d->m, &c);
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++)
        n_symbols += table_has_rows(d->m, symbols[i].table);
    double h = LEGEND_PAD + 30 + IBMAP_CLASS_COUNT * CLASS_ROW +
               (n_symbols ? 8 + n_symbols * SYMBOL_ROW : 0) +
               (c.not_drawn ? 34 : 0) + LEGEND_PAD - 6;

    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, PANEL_W, h);
    set_rgb(cr, white_rgb);
    cairo_fill_preserve(cr);
    set_rgb(cr, ink_rgb);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);

    double row = y + LEGEND_PAD;
    text_draw(d, "图例  Legend", x + LEGEND_PAD, row, 15, 1, 0, 0, ink_rgb, 0,
              0);
    row += 30;
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++, row += CLASS_ROW) {
        legend_swatch(d, LAYER_BLOCKS, (ibmap_class)k, x + LEGEND_PAD,
                      row + 4);
        snprintf(buf, sizeof buf, "%s  %s",
                 ibmap_class_label_zh((ibmap_class)k),
                 ibmap_class_name((ibmap_class)k));
        text_draw(d, buf, tx, row, 12, 0, 0, 0, ink_rgb, 0, text_w);
        if (d->m->area_mu)
            snprintf(buf, sizeof buf, "%" PRId64 " 块 blocks · %.1f 亩 mu",
                     c.blocks[k], c.mu[k]);
        else   /* no areas: a 0 would read as measured */
            snprintf(buf, sizeof buf, "%" PRId64 " 块 blocks", c.blocks[k]);
        text_draw(d, buf, tx, row + 17, 9.5, 0, 0, 0, grey_rgb, 0, text_w);
    }
    if (n_symbols) {
        cairo_new_path(cr);
        cairo_move_to(cr, x + LEGEND_PAD, row + 2);
        cairo_line_to(cr, x + PANEL_W - LEGEND_PAD, row + 2);
        set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, 0.4);
        cairo_stroke(cr);
        row += 8;
    }
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++) {
        if (!table_has_rows(d->m, symbols[i].table)) continue;
        legend_swatch(d, symbols[i].kind, IBMAP_CLASS_SUPPORT, x + LEGEND_PAD,
                      row + 3);
        text_draw(d, symbols[i].label, tx, row + 3 + SWATCH_H / 2, 11, 0, 0,
                  0.5, ink_rgb, 0, text_w);
        row += SYMBOL_ROW;
    }
    if (c.not_drawn) {
        snprintf(buf, sizeof buf, "另有 %" PRId64 " 个区块无图形，未绘出",
                 c.not_drawn);
        text_draw(d, buf, x + LEGEND_PAD, row + 2, 9.5, 0, 0, 0, grey_rgb, 0,
                  PANEL_W - 2 * LEGEND_PAD);
        snprintf(buf, sizeof buf,
                 "%" PRId64 " block(s) without geometry, not drawn",
                 c.not_drawn);
        text_draw(d, buf, x + LEGEND_PAD, row + 16, 9.5, 0, 0, 0, grey_rgb, 0,
                  PANEL_W - 2 * LEGEND_PAD);
    }
    return y + h;
}

/* "12,345" */
static void group_digits(char *buf, size_t size, int64_t v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o + 1 < size) buf[o++] = '-';
    for (int i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* A length in the scale bar's unit, "%g" without a trailing unit. */
static void scale_number(char *buf, size_t size, double metres, int km)
{
    snprintf(buf, size, "%g", km ? metres / 1000 : metres);
}

/* A round length (1, 2 or 5 × 10^k m) of about a fifth of the frame's
** width, in alternating black and white segments, labelled; and the
** scale of the PDF printed on A3. */
static void draw_scale_bar(const map_draw *d, double bottom)
{
    cairo_t *cr = d->cr;
    double target = FRAME_W / 5 / d->v->scale;
    double p = pow(10, floor(log10(target)));
    double f = target / p;
    int lead = f >= 5 ? 5 : f >= 2 ? 2 : 1;
    double len = lead * p, w = len * d->v->scale;
    int km = len >= 1000, segs = lead == 5 ? 5 : 4;
    double x = PANEL_X + (PANEL_W - w) / 2, y = bottom - 52, bh = 6;
    char a[32], b[64];

    text_draw(d, "比例尺  Scale", PANEL_X + PANEL_W / 2, y - 24, 11, 0, 0.5,
              0, ink_rgb, 0, 0);
    cairo_set_line_width(cr, 0.8);
    for (int i = 0; i < segs; i++) {
        cairo_new_path(cr);
        cairo_rectangle(cr, x + w * i / segs, y, w / segs, bh);
        set_rgb(cr, i % 2 ? white_rgb : ink_rgb);
        cairo_fill_preserve(cr);
        set_rgb(cr, ink_rgb);
        cairo_stroke(cr);
    }
    /* Labels on segment ends only: 0, the middle when it is one, the end. */
    text_draw(d, "0", x, y + bh + 3, 9.5, 0, 0.5, 0, ink_rgb, 0, 0);
    if (segs % 2 == 0) {
        scale_number(a, sizeof a, len / 2, km);
        text_draw(d, a, x + w / 2, y + bh + 3, 9.5, 0, 0.5, 0, ink_rgb, 0, 0);
    }
    scale_number(a, sizeof a, len, km);
    snprintf(b, sizeof b, "%s %s", a, km ? "km" : "m");
    text_draw(d, b, x + w, y + bh + 3, 9.5, 0, 0.5, 0, ink_rgb, 0, 0);

    /* 1 point is 25.4/72 mm on paper; three significant digits, since
    ** the scale comes from fitting the frame, not from a standard. */
    double denom = 1.0 / (d->v->scale * 25.4 / 72.0 / 1000.0);
    double q = pow(10, floor(log10(denom)) - 2);
    group_digits(a, sizeof a, (int64_t)(round(denom / q) * q));
    snprintf(b, sizeof b, "A3 打印 printed ≈ 1:%s", a);
    text_draw(d, b, PANEL_X + PANEL_W / 2, y + bh + 20, 9.5, 0, 0.5, 0,
              grey_rgb, 0, 0);
}

static void draw_foot(const map_draw *d)
{
    const out_model *m = d->m;
    char *s = ibmap_sprintf(
        "数据日期 Data date：%s　　坐标系 CRS：%s（平面坐标，单位：米）",
        m->data_date && *m->data_date ? m->data_date : "—",
        m->crs && *m->crs ? m->crs : "—");
    double y = PAGE_H - MARGIN;
    if (s) text_draw(d, s, FRAME_X, y, 9.5, 0, 0, 1, grey_rgb, 0, FRAME_W);
    free(s);
    s = ibmap_sprintf("ibmap %s 制图", ibmap_version());
    if (s)
        text_draw(d, s, PAGE_W - MARGIN, y, 9.5, 0, 1, 1, grey_rgb, 0, 0);
    free(s);
}

/* The whole page, in points; 0 when interrupted.  Cairo's errors stay in
** the context, for the caller to read. */
static int draw_page(const map_draw *d)
{
    cairo_t *cr = d->cr;
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    set_rgb(cr, white_rgb);
    cairo_paint(cr);
    draw_title(d);
    if (!draw_frame(d)) return 0;
    double y = draw_north_arrow(d, FRAME_Y);
    draw_legend(d, y);
    if (!d->v->empty) draw_scale_bar(d, FRAME_Y + FRAME_H);
    draw_foot(d);
    return 1;
}

/* Draw the page on cr, whose user unit is `scale` device units per point. */
static int draw_on(cairo_t *cr, PangoFontMap *fm, const out_model *m,
                   const map_view *v, double scale)
{
    cairo_scale(cr, scale, scale);
    PangoContext *pc = pango_font_map_create_context(fm);
    cairo_font_options_t *fo = cairo_font_options_create();
    /* No hinting, no hinted metrics: the text is laid out the same on the
    ** PNG and the PDF, and grey antialiasing (not subpixel) keeps the PNG
    ** free of colour fringes. */
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_update_context(cr, pc);
    map_draw d = {cr, pc, m, v};
    int ok = draw_page(&d);
    g_object_unref(pc);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

typedef struct map_file {
    const char *path;      /* the target; NULL: not written */
    char *tmp;             /* "<path>.tmp-<pid>" */
    FILE *f;
    const char *why;       /* the failure, for the message */
} map_file;

enum { MAP_OK = 0, MAP_FAILED, MAP_INTERRUPTED };

static cairo_status_t file_write(void *closure, const unsigned char *data,
                                 unsigned int length)
{
    return fwrite(data, 1, length, closure) == length
               ? CAIRO_STATUS_SUCCESS
               : CAIRO_STATUS_WRITE_ERROR;
}

static int file_open(map_file *mf)
{
    mf->tmp = ibmap_sprintf("%s.tmp-%ld", mf->path, (long)getpid());
    if (!mf->tmp) {
        mf->why = strerror(ENOMEM);
        return 0;
    }
    if (!(mf->f = fopen(mf->tmp, "wb"))) mf->why = strerror(errno);
    return mf->f != NULL;
}

/* Flush, sync and close: 1 when all of it reached the disk. */
static int file_close(map_file *mf)
{
    int ok = !ferror(mf->f) && fflush(mf->f) == 0 && fsync(fileno(mf->f)) == 0;
    if (!ok) mf->why = strerror(errno ? errno : EIO);
    if (fclose(mf->f) != 0 && ok) {
        mf->why = strerror(errno);
        ok = 0;
    }
    mf->f = NULL;
    return ok;
}

static void file_discard(map_file *mf)
{
    if (mf->f) fclose(mf->f);
    mf->f = NULL;
    if (mf->tmp) unlink(mf->tmp);
    free(mf->tmp);
    mf->tmp = NULL;
}

/* The end of a surface: ok stays MAP_OK only if cairo saw no error. */
static int cairo_result(map_file *mf, int ok, cairo_status_t st)
{
    if (ok == MAP_OK && st != CAIRO_STATUS_SUCCESS) {
        mf->why = st == CAIRO_STATUS_WRITE_ERROR && errno
                      ? strerror(errno)
                      : cairo_status_to_string(st);
        return MAP_FAILED;
    }
    return ok;
}

static int write_png(map_file *mf, PangoFontMap *fm, const out_model *m,
                     const map_view *v)
{
    if (!file_open(mf)) return MAP_FAILED;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, PNG_W,
                                                    PNG_H);
    cairo_t *cr = cairo_create(s);
    int ok = draw_on(cr, fm, m, v, PNG_SCALE) ? MAP_OK : MAP_INTERRUPTED;
    ok = cairo_result(mf, ok, cairo_status(cr));
    cairo_destroy(cr);
    if (ok == MAP_OK) {
        cairo_surface_flush(s);
        errno = 0;
        cairo_status_t st =
            cairo_surface_write_to_png_stream(s, file_write, mf->f);
        ok = cairo_result(mf, ok, st);
    }
    cairo_surface_destroy(s);
    if (ok == MAP_OK && !file_close(mf)) ok = MAP_FAILED;
    return ok;
}

/* "YYYY-MM-DDT00:00:00" of a data date "YYYY-MM-DD…", or 0. */
static int pdf_date(const char *date, char out[32])
{
    int y, mo, dd;
    char rest;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &dd, &rest) < 3 ||
        y < 1000 || mo < 1 || mo > 12 || dd < 1 || dd > 31)
        return 0;
    snprintf(out, 32, "%04d-%02d-%02dT00:00:00", y, mo, dd);
    return 1;
}

static void pdf_metadata(cairo_surface_t *s, const out_model *m)
{
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
    char date[32];
    char *creator = ibmap_sprintf("ibmap %s", ibmap_version());
    if (m->title && ibmap_utf8_valid(m->title, strlen(m->title)))
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, m->title);
    if (creator)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, creator);
    free(creator);
    /* Without it cairo writes the time of day, and no two PDFs of the
    ** same model would be the same bytes. */
    if (pdf_date(m->data_date, date))
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
#else
    /* Older cairo: no metadata, and a creation date from the clock (or
    ** SOURCE_DATE_EPOCH), so the PDF differs from run to run. */
    (void)s;
    (void)m;
#endif
}

static int write_pdf(map_file *mf, PangoFontMap *fm, const out_model *m,
                     const map_view *v)
{
    if (!file_open(mf)) return MAP_FAILED;
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(
        file_write, mf->f, PAGE_W, PAGE_H);
    pdf_metadata(s, m);
    cairo_t *cr = cairo_create(s);
    int ok = draw_on(cr, fm, m, v, 1.0) ? MAP_OK : MAP_INTERRUPTED;
    ok = cairo_result(mf, ok, cairo_status(cr));
    cairo_destroy(cr);
    /* The PDF is written out here, at the end. */
    errno = 0;
    cairo_surface_finish(s);
    ok = cairo_result(mf, ok, cairo_surface_status(s));
    cairo_surface_destroy(s);
    if (ok == MAP_OK && !file_close(mf)) ok = MAP_FAILED;
    return ok;
}

ibmap_status out_write_map(ibmap_ctx *ctx, const out_model *m,
                           const char *png, const char *pdf)
{
    if (!m || (!png && !pdf))
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "map: no model or no output path");
    const out_table *blocks = out_model_table(m, "blocks");
    if (!blocks)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "map: the model has no blocks table");
    if (blocks->n_rows > 0 && !m->klass)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "map: the blocks have no classes");
    if (ibmap_interrupt_pending()) return ibmap_fail_interrupted(ctx);

    map_view v;
    view_init(&v, m);
    /* A font map of our own, freed at the end, rather than Pango's
    ** per-thread default, which lives as long as the thread. */
    PangoFontMap *fm = pango_cairo_font_map_new();
    if (!fm) return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "map: out of memory");

    map_file files[2] = {{png, NULL, NULL, NULL}, {pdf, NULL, NULL, NULL}};
    int ok = MAP_OK, failed = -1;
    if (png && (ok = write_png(&files[0], fm, m, &v)) != MAP_OK) failed = 0;
    if (ok == MAP_OK && pdf && ibmap_interrupt_pending()) ok = MAP_INTERRUPTED;
    if (ok == MAP_OK && pdf && (ok = write_pdf(&files[1], fm, m, &v)) != MAP_OK)
        failed = 1;
    g_object_unref(fm);

    for (int i = 0; i < 2 && ok == MAP_OK; i++) {
        if (!files[i].path) continue;
        if (rename(files[i].tmp, files[i].path) != 0) {
            files[i].why = strerror(errno);
            ok = MAP_FAILED;
            failed = i;
        } else {
            free(files[i].tmp);   /* renamed: nothing left to remove */
            files[i].tmp = NULL;
        }
    }
    /* The failed file and why (strerror's and cairo's strings are static,
    ** so they survive the discards). */
    const char *why = failed >= 0 ? files[failed].why : NULL;
    const char *path = failed >= 0 ? files[failed].path : NULL;
    for (int i = 0; i < 2; i++) file_discard(&files[i]);
    if (ok == MAP_INTERRUPTED) return ibmap_fail_interrupted(ctx);
    if (ok != MAP_OK)
        return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write the map: %s",
                          path, why ? why : "write failed");
    return IBMAP_OK;
}
