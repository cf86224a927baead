/*
** out_draw.c — the cartography the map pages share (output/out_draw.h):
** a WKB reader, the view from world metres to page points, the symbols of
** each layer (fills, outlines, hatches), text set with Pango, the legend
** swatches, the north arrow and the scale bar, and the writing of pages as
** PDF and PNG.  The industrial map, the town maps (out_map.c) and the block
** plan sheets (out_plans.c) are drawn with these, so the three look alike
** and a fix to one is a fix to all.
**
** Geometry is the model's WKB.  It is read here by a small reader that
** checks every count against the bytes left before trusting it, and that
** validates a whole geometry before any of it is drawn, so that a damaged
** record is skipped whole rather than half drawn.  Only polygonal parts
** are drawn: a repaired geometry may be a collection holding lines or
** points too.  Holes are cut by the even-odd rule.
**
** Files (draw_write_doc): each is written under "<path>.tmp-<pid>",
** flushed and synced; the renames come last, once all are complete, so
** that a failure in drawing or writing any leaves every target as it was.
** Only a failed rename after an earlier one's would leave a new file
** beside an old one; each file is still whole.
**
** Determinism: a PNG holds no time and the drawing no randomness, so the
** same model gives the same bytes.  A PDF's creation date is set from the
** data date (cairo would write the clock's), so it too is the same for
** the same model and the same cairo.
*/
#include <cairo-pdf.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/out_draw.h"

/* Geometries nested deeper than this are refused (a collection inside a
** collection inside …): no writer of ours nests at all. */
#define WKB_MAX_DEPTH 8

/* ---------------------------------------------------------------------- */
/* WKB                                                                    */
/* ---------------------------------------------------------------------- */

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

void draw_ring_point(const wkb_ring *r, uint32_t i, double *x, double *y)
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
        draw_ring_point(r, i, &x, &y);
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
int draw_wkb_rings(const unsigned char *wkb, size_t size, ring_fn fn, void *arg)
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
        draw_ring_point(r, i, &x, &y);
        e[0] = fmin(e[0], x);
        e[1] = fmin(e[1], y);
        e[2] = fmax(e[2], x);
        e[3] = fmax(e[3], y);
    }
    return 1;
}

/* The bounding box of a feature's polygonal parts; 0 when it has none to
** draw (no geometry, a malformed one, or no polygon in it). */
int draw_feature_bbox(const out_table *t, int64_t r, double e[4])
{
    e[0] = e[1] = INFINITY;
    e[2] = e[3] = -INFINITY;
    if (!t->wkb || !t->wkb[r]) return 0;
    return draw_wkb_rings(t->wkb[r], t->wkb_size ? t->wkb_size[r] : 0, ring_bbox,
                     e) &&
           e[0] <= e[2] && e[1] <= e[3];
}

void draw_extent_add(const out_table *t, double e[4])
{
    if (!t || !t->spatial) return;
    for (int64_t r = 0; r < t->n_rows; r++) {
        double f[4];
        if (!draw_feature_bbox(t, r, f)) continue;
        e[0] = fmin(e[0], f[0]);
        e[1] = fmin(e[1], f[1]);
        e[2] = fmax(e[2], f[2]);
        e[3] = fmax(e[3], f[3]);
    }
}

double draw_ring_area(const wkb_ring *r)
{
    double x0, y0, sum = 0, xa, ya, xb, yb;
    if (r->n < 3) return 0;
    draw_ring_point(r, 0, &x0, &y0);
    /* Relative to the first point: 7-digit coordinates would otherwise
    ** lose the area to rounding. */
    draw_ring_point(r, r->n - 1, &xa, &ya);
    for (uint32_t i = 0; i < r->n; i++) {
        draw_ring_point(r, i, &xb, &yb);
        sum += (xa - x0) * (yb - y0) - (xb - x0) * (ya - y0);
        xa = xb;
        ya = yb;
    }
    return fabs(sum) / 2;
}

/* ---------------------------------------------------------------------- */
/* The view                                                               */
/* ---------------------------------------------------------------------- */

void draw_view_fit(draw_view *v, double fx, double fy, double fw, double fh,
                   const double e[4], double pad_frac, double min_half)
{
    memset(v, 0, sizeof *v);
    v->fx = fx;
    v->fy = fy;
    v->fw = fw;
    v->fh = fh;
    double w = e[2] - e[0], h = e[3] - e[1];
    if (!(w >= 0 && h >= 0 && isfinite(w) && isfinite(h))) {
        v->empty = 1;
        return;
    }
    /* A margin keeps the outermost outlines off the frame; a lone point
    ** still gets min_half metres, for a finite scale. */
    double pad = fmax(pad_frac * fmax(w, h), w == 0 && h == 0 ? min_half : 0);
    v->scale = fmin(fw / (w + 2 * pad), fh / (h + 2 * pad));
    if (!(v->scale > 0 && isfinite(v->scale))) {
        v->empty = 1;
        return;
    }
    v->cx = (e[0] + e[2]) / 2;
    v->cy = (e[1] + e[3]) / 2;
    v->ext[0] = v->cx - fw / 2 / v->scale;
    v->ext[1] = v->cy - fh / 2 / v->scale;
    v->ext[2] = v->cx + fw / 2 / v->scale;
    v->ext[3] = v->cy + fh / 2 / v->scale;
}

void draw_view_page(const draw_view *v, double x, double y, double *px, double *py)
{
    *px = v->fx + v->fw / 2 + (x - v->cx) * v->scale;
    *py = v->fy + v->fh / 2 - (y - v->cy) * v->scale;
}

int draw_view_in_frame(const draw_view *v, double px, double py)
{
    return px >= v->fx && px <= v->fx + v->fw && py >= v->fy && py <= v->fy + v->fh;
}

/* ---------------------------------------------------------------------- */
/* Drawing helpers                                                        */
/* ---------------------------------------------------------------------- */

void draw_set_rgb(cairo_t *cr, const unsigned char c[3])
{
    cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
}

void draw_set_rgb_dark(cairo_t *cr, const unsigned char c[3])
{
    cairo_set_source_rgb(cr, c[0] / 255.0 * 0.6, c[1] / 255.0 * 0.6, c[2] / 255.0 * 0.6);
}

typedef struct path_arg {
    cairo_t *cr;
    const draw_view *v;
} path_arg;

static int ring_path(void *arg, uint32_t polygon, uint32_t ring, const wkb_ring *r)
{
    path_arg *a = arg;
    (void)polygon;
    (void)ring;
    if (r->n < 3) return 1;   /* no area: nothing to fill */
    for (uint32_t i = 0; i < r->n; i++) {
        double x, y, px, py;
        draw_ring_point(r, i, &x, &y);
        draw_view_page(a->v, x, y, &px, &py);
        if (i == 0)
            cairo_move_to(a->cr, px, py);
        else
            cairo_line_to(a->cr, px, py);
    }
    cairo_close_path(a->cr);
    return 1;
}

int draw_feature_path(const draw_ctx *d, const out_table *t, int64_t r)
{
    double e[4];
    const draw_view *v = d->v;
    path_arg a = {d->cr, v};
    cairo_new_path(d->cr);
    if (!draw_feature_bbox(t, r, e)) return 0;
    if (e[2] < v->ext[0] || e[0] > v->ext[2] || e[3] < v->ext[1] || e[1] > v->ext[3])
        return 0;
    return draw_wkb_rings(t->wkb[r], t->wkb_size[r], ring_path, &a);
}

void draw_hatch(cairo_t *cr, double x0, double y0, double x1, double y1, double gap,
                int dir)
{
    cairo_new_path(cr);
    if (dir == 1 || dir == 2) {
        /* The lines x + y = c, c a multiple of gap. */
        double c0 = floor((x0 + y0) / gap) * gap;
        int n = (int)ceil((x1 + y1 - c0) / gap);
        for (int i = 0; i <= n; i++) {
            double c = c0 + i * gap;
            cairo_move_to(cr, c - y0, y0);
            cairo_line_to(cr, c - y1, y1);
        }
    }
    if (dir == -1 || dir == 2) {
        /* The lines x − y = c. */
        double c0 = floor((x0 - y1) / gap) * gap;
        int n = (int)ceil((x1 - y0 - c0) / gap);
        for (int i = 0; i <= n; i++) {
            double c = c0 + i * gap;
            cairo_move_to(cr, c + y0, y0);
            cairo_line_to(cr, c + y1, y1);
        }
    }
    cairo_stroke(cr);
}

ibmap_class draw_block_class(const out_model *m, int64_t r)
{
    unsigned k = m->klass ? m->klass[r] : IBMAP_CLASS_UNCLASSIFIABLE;
    return k < IBMAP_CLASS_COUNT ? (ibmap_class)k : IBMAP_CLASS_UNCLASSIFIABLE;
}

/* ---------------------------------------------------------------------- */
/* Text                                                                   */
/* ---------------------------------------------------------------------- */

/* The layout of s in the map font, `size` points, at most max_w wide
** (ellipsised; 0: no limit; with wrap, wrapped instead).  The caller
** unrefs. */
static PangoLayout *text_layout(const draw_ctx *d, const char *s, double size, int bold,
                                double max_w, int wrap)
{
    PangoLayout *l = pango_layout_new(d->pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, DRAW_FONT);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    /* Absolute: in user units, that is points on both surfaces. */
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (max_w > 0) {
        pango_layout_set_width(l, (int)(max_w * PANGO_SCALE));
        if (wrap)
            pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
        else
            pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    }
    /* Pango refuses invalid UTF-8 with a warning on stderr; the model's
    ** texts are UTF-8, so this only guards against a bug upstream. */
    pango_layout_set_text(l, s && ibmap_utf8_valid(s, strlen(s)) ? s : "?", -1);
    return l;
}

void draw_text_size(const draw_ctx *d, const char *s, double size, int bold, double *w,
                    double *h)
{
    PangoRectangle logical;
    PangoLayout *l = text_layout(d, s, size, bold, 0, 0);
    pango_layout_get_extents(l, NULL, &logical);
    g_object_unref(l);
    *w = logical.width / (double)PANGO_SCALE;
    *h = logical.height / (double)PANGO_SCALE;
}

static void show_layout(const draw_ctx *d, PangoLayout *l, double ox, double oy,
                        double size, const unsigned char rgb[3], int halo)
{
    cairo_t *cr = d->cr;
    if (halo) {
        cairo_new_path(cr);
        cairo_move_to(cr, ox, oy);
        pango_cairo_layout_path(cr, l);
        draw_set_rgb(cr, draw_white_rgb);
        cairo_set_line_width(cr, size * 0.22);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, ox, oy);
    draw_set_rgb(cr, rgb);
    pango_cairo_show_layout(cr, l);
    cairo_new_path(cr);
}

void draw_text(const draw_ctx *d, const char *s, double x, double y, double size, int bold,
               double ax, double ay, const unsigned char rgb[3], int halo, double max_w)
{
    PangoRectangle logical;
    PangoLayout *l = text_layout(d, s, size, bold, max_w, 0);
    pango_layout_get_extents(l, NULL, &logical);
    double w = logical.width / (double)PANGO_SCALE;
    double h = logical.height / (double)PANGO_SCALE;
    double ox = x - ax * w - logical.x / (double)PANGO_SCALE;
    double oy = y - ay * h - logical.y / (double)PANGO_SCALE;
    show_layout(d, l, ox, oy, size, rgb, halo);
    g_object_unref(l);
}

double draw_text_wrapped(const draw_ctx *d, const char *s, double x, double y, double size,
                         int bold, double width, const unsigned char rgb[3], int draw)
{
    PangoRectangle logical;
    PangoLayout *l = text_layout(d, s, size, bold, width, 1);
    pango_layout_get_extents(l, NULL, &logical);
    double h = logical.height / (double)PANGO_SCALE;
    if (draw) show_layout(d, l, x, y - logical.y / (double)PANGO_SCALE, size, rgb, 0);
    g_object_unref(l);
    return h;
}

/* ---------------------------------------------------------------------- */
/* The layers                                                             */
/* ---------------------------------------------------------------------- */

static void set_town_dash(cairo_t *cr)
{
    /* Dash-dot: the mark of an administrative boundary. */
    static const double dash[] = {6.0, 2.0, 1.2, 2.0};
    cairo_set_dash(cr, dash, 4, 0);
}

static void set_long_dash(cairo_t *cr)
{
    static const double dash[] = {5.0, 2.5};
    cairo_set_dash(cr, dash, 2, 0);
}

/* The hatch (colour, direction) of a hatched kind. */
static int kind_hatch(draw_kind kind, const unsigned char **rgb, int *dir)
{
    switch (kind) {
    case DRAW_REDLINE: *rgb = out_redline_rgb; *dir = 1; return 1;
    case DRAW_FARMLAND: *rgb = draw_farmland_rgb; *dir = -1; return 1;
    case DRAW_PRIORITY: *rgb = draw_priority_rgb; *dir = 2; return 1;
    default: return 0;
    }
}

/* The current path filled with the hatch of `kind` within it (and the
** clip), then outlined; the path is given again by `again` (the clip
** having used it). */
static void hatch_path(cairo_t *cr, draw_kind kind)
{
    const unsigned char *rgb;
    int dir;
    double x0, y0, x1, y1;
    if (!kind_hatch(kind, &rgb, &dir)) return;
    cairo_save(cr);
    cairo_clip(cr);
    cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
    draw_set_rgb(cr, rgb);
    cairo_set_line_width(cr, DRAW_HATCH_LINE);
    draw_hatch(cr, x0, y0, x1, y1, DRAW_HATCH_GAP, dir);
    cairo_restore(cr);
}

void draw_feature(const draw_ctx *d, const out_table *t, int64_t r, draw_kind kind)
{
    cairo_t *cr = d->cr;
    switch (kind) {
    case DRAW_TOWNS:
        draw_set_rgb(cr, draw_town_fill_rgb);
        cairo_fill_preserve(cr);
        draw_set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, DRAW_TOWN_LINE);
        set_town_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case DRAW_BLOCKS: {
        const unsigned char *c = out_class_rgb[draw_block_class(d->m, r)];
        draw_set_rgb(cr, c);
        cairo_fill_preserve(cr);
        draw_set_rgb_dark(cr, c);
        cairo_set_line_width(cr, DRAW_BLOCK_LINE);
        cairo_stroke(cr);
        break;
    }
    case DRAW_PARKS:
        draw_set_rgb(cr, out_park_rgb);
        cairo_set_line_width(cr, DRAW_PARK_LINE);
        cairo_stroke(cr);
        break;
    case DRAW_TRANSITION:
        draw_set_rgb(cr, draw_transition_rgb);
        cairo_set_line_width(cr, DRAW_PARK_LINE * 0.7);
        set_long_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case DRAW_SITES:
        draw_set_rgb(cr, out_site_rgb);
        cairo_set_line_width(cr, DRAW_SITE_LINE);
        set_long_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case DRAW_REDLINE:
    case DRAW_FARMLAND:
    case DRAW_PRIORITY: {
        const unsigned char *rgb;
        int dir;
        kind_hatch(kind, &rgb, &dir);
        /* The hatch within the polygon (and the frame), then the outline
        ** over it; the path is built again, the clip having used it. */
        hatch_path(cr, kind);
        if (draw_feature_path(d, t, r)) {
            draw_set_rgb(cr, rgb);
            cairo_set_line_width(cr, kind == DRAW_REDLINE ? DRAW_REDLINE_LINE : 0.8);
            cairo_stroke(cr);
        }
        break;
    }
    }
}

int draw_layer(const draw_ctx *d, const out_table *t, draw_kind kind, const unsigned char *keep)
{
    if (!t || !t->spatial) return 1;
    for (int64_t r = 0; r < t->n_rows; r++) {
        if ((r & 1023) == 0 && ibmap_interrupt_pending()) return 0;
        if (keep && !keep[r]) continue;
        if (draw_feature_path(d, t, r)) draw_feature(d, t, r, kind);
    }
    cairo_new_path(d->cr);
    return 1;
}

void draw_swatch(const draw_ctx *d, draw_kind kind, ibmap_class k, double x, double y,
                 double w, double h)
{
    cairo_t *cr = d->cr;
    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, w, h);
    switch (kind) {
    case DRAW_BLOCKS:
        draw_set_rgb(cr, out_class_rgb[k]);
        cairo_fill_preserve(cr);
        draw_set_rgb_dark(cr, out_class_rgb[k]);
        cairo_set_line_width(cr, DRAW_BLOCK_LINE);
        cairo_stroke(cr);
        break;
    case DRAW_TOWNS:
        draw_set_rgb(cr, draw_town_fill_rgb);
        cairo_fill_preserve(cr);
        draw_set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, DRAW_TOWN_LINE);
        set_town_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case DRAW_PARKS:
        draw_set_rgb(cr, out_park_rgb);
        cairo_set_line_width(cr, DRAW_PARK_LINE);
        cairo_stroke(cr);
        break;
    case DRAW_TRANSITION:
    case DRAW_SITES:
        draw_set_rgb(cr, kind == DRAW_SITES ? out_site_rgb : draw_transition_rgb);
        cairo_set_line_width(cr, kind == DRAW_SITES ? DRAW_SITE_LINE : DRAW_PARK_LINE * 0.7);
        set_long_dash(cr);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        break;
    case DRAW_REDLINE:
    case DRAW_FARMLAND:
    case DRAW_PRIORITY: {
        const unsigned char *rgb;
        int dir;
        kind_hatch(kind, &rgb, &dir);
        cairo_save(cr);
        cairo_clip_preserve(cr);
        draw_set_rgb(cr, rgb);
        cairo_set_line_width(cr, DRAW_HATCH_LINE);
        draw_hatch(cr, x, y, x + w, y + h, DRAW_HATCH_GAP, dir);
        cairo_restore(cr);
        cairo_rectangle(cr, x, y, w, h);
        draw_set_rgb(cr, rgb);
        cairo_set_line_width(cr, kind == DRAW_REDLINE ? DRAW_REDLINE_LINE : 0.8);
        cairo_stroke(cr);
        break;
    }
    }
}

/* ---------------------------------------------------------------------- */
/* North arrow, scale bar                                                 */
/* ---------------------------------------------------------------------- */

double draw_north_arrow(const draw_ctx *d, double cx, double y)
{
    cairo_t *cr = d->cr;
    double top = y + 22, h = 46, hw = 12;
    draw_text(d, "北 N", cx, y, 14, 1, 0.5, 0, draw_ink_rgb, 0, 0);
    cairo_new_path(cr);
    cairo_move_to(cr, cx, top);
    cairo_line_to(cr, cx - hw, top + h);
    cairo_line_to(cr, cx, top + h * 0.75);
    cairo_close_path(cr);
    draw_set_rgb(cr, draw_ink_rgb);
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

void draw_group_digits(char *buf, size_t size, int64_t v)
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

void draw_scale_bar(const draw_ctx *d, double cx, double y, double target_w,
                    const char *paper)
{
    cairo_t *cr = d->cr;
    double target = target_w / d->v->scale;
    double p = pow(10, floor(log10(target)));
    double f = target / p;
    int lead = f >= 5 ? 5 : f >= 2 ? 2 : 1;
    double len = lead * p, w = len * d->v->scale;
    int km = len >= 1000, segs = lead == 5 ? 5 : 4;
    double x = cx - w / 2, bh = 6;
    char a[32], b[64];

    draw_text(d, "比例尺  Scale", cx, y - 24, 11, 0, 0.5, 0, draw_ink_rgb, 0, 0);
    cairo_set_line_width(cr, 0.8);
    for (int i = 0; i < segs; i++) {
        cairo_new_path(cr);
        cairo_rectangle(cr, x + w * i / segs, y, w / segs, bh);
        draw_set_rgb(cr, i % 2 ? draw_white_rgb : draw_ink_rgb);
        cairo_fill_preserve(cr);
        draw_set_rgb(cr, draw_ink_rgb);
        cairo_stroke(cr);
    }
    /* Labels on segment ends only: 0, the middle when it is one, the end. */
    draw_text(d, "0", x, y + bh + 3, 9.5, 0, 0.5, 0, draw_ink_rgb, 0, 0);
    if (segs % 2 == 0) {
        scale_number(a, sizeof a, len / 2, km);
        draw_text(d, a, x + w / 2, y + bh + 3, 9.5, 0, 0.5, 0, draw_ink_rgb, 0, 0);
    }
    scale_number(a, sizeof a, len, km);
    snprintf(b, sizeof b, "%s %s", a, km ? "km" : "m");
    draw_text(d, b, x + w, y + bh + 3, 9.5, 0, 0.5, 0, draw_ink_rgb, 0, 0);

    /* 1 point is 25.4/72 mm on paper; three significant digits, since
    ** the scale comes from fitting the frame, not from a standard. */
    double denom = 1.0 / (d->v->scale * 25.4 / 72.0 / 1000.0);
    double q = pow(10, floor(log10(denom)) - 2);
    draw_group_digits(a, sizeof a, (int64_t)(round(denom / q) * q));
    snprintf(b, sizeof b, "%s 打印 printed ≈ 1:%s", paper, a);
    draw_text(d, b, cx, y + bh + 20, 9.5, 0, 0.5, 0, draw_grey_rgb, 0, 0);
}

/* ---------------------------------------------------------------------- */
/* Town names                                                             */
/* ---------------------------------------------------------------------- */

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

static int scan_largest(void *arg, uint32_t polygon, uint32_t ring, const wkb_ring *r)
{
    label_scan *s = arg;
    if (ring != 0) return 1;
    double a = draw_ring_area(r);
    if (a > s->best_area) {
        s->best = polygon;
        s->best_area = a;
        s->box[0] = s->box[1] = INFINITY;
        s->box[2] = s->box[3] = -INFINITY;
        ring_bbox(s->box, polygon, ring, r);
    }
    return 1;
}

static int scan_crossings(void *arg, uint32_t polygon, uint32_t ring, const wkb_ring *r)
{
    label_scan *s = arg;
    double xa, ya, xb, yb;
    (void)ring;
    if (polygon != s->best || r->n < 2) return 1;
    draw_ring_point(r, r->n - 1, &xa, &ya);
    for (uint32_t i = 0; i < r->n; i++, xa = xb, ya = yb) {
        draw_ring_point(r, i, &xb, &yb);
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

static int covers_a_box(const box_list *avoid, double x0, double y0, double x1, double y1)
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
    if (!wkb || !draw_wkb_rings(wkb, t->wkb_size[r], scan_largest, &s) || s.best_area < 0)
        return 0;
    *x = (s.box[0] + s.box[2]) / 2;
    *y = (s.box[1] + s.box[3]) / 2;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        s.y = s.box[1] + lines[i] * (s.box[3] - s.box[1]);
        s.n = 0;
        /* Out of memory: the box's centre will do. */
        if (!draw_wkb_rings(wkb, t->wkb_size[r], scan_crossings, &s)) break;
        qsort(s.xs, s.n, sizeof *s.xs, cmp_double);
        double widest = -1, cx = 0;
        for (size_t k = 0; k + 1 < s.n; k += 2)
            if (s.xs[k + 1] - s.xs[k] > widest) {
                widest = s.xs[k + 1] - s.xs[k];
                cx = (s.xs[k] + s.xs[k + 1]) / 2;
            }
        if (widest < 0) continue;
        if (i == 0) *x = cx;   /* the fallback: the middle */
        if (!covers_a_box(avoid, cx - w / 2, s.y - h / 2, cx + w / 2, s.y + h / 2)) {
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
        if (draw_feature_bbox(t, r, l.b + 4 * l.n)) l.n++;
    return l;
}

void draw_town_names(const draw_ctx *d, const out_table *t, double size)
{
    if (!t || !t->spatial) return;
    box_list avoid = block_boxes(d->m);
    for (int64_t r = 0; r < t->n_rows; r++) {
        const char *name = out_text(t, r, "name");
        double x, y, px, py, w, h;
        if (!name || !*name) name = out_text(t, r, "id");
        if (!name || !*name) continue;
        double e[4];
        if (!draw_feature_bbox(t, r, e) || e[2] < d->v->ext[0] || e[0] > d->v->ext[2] ||
            e[3] < d->v->ext[1] || e[1] > d->v->ext[3])
            continue;
        draw_text_size(d, name, size, 0, &w, &h);
        if (!label_point(t, r, w / d->v->scale, h / d->v->scale, &avoid, &x, &y)) continue;
        draw_view_page(d->v, x, y, &px, &py);
        if (draw_view_in_frame(d->v, px, py))
            draw_text(d, name, px, py, size, 0, 0.5, 0.5, draw_grey_rgb, 1, 0);
    }
    free(avoid.b);
}

void out_draw_site_labels(const draw_ctx *d, int64_t max_rank)
{
    const out_table *t = out_model_table(d->m, OUT_SITES_TABLE);
    if (!t || !t->spatial) return;
    /* The labels placed so far (page boxes): a label that would cover one
    ** is left out, the better-ranked (earlier) ones kept. */
    double *placed = malloc((size_t)(t->n_rows > 0 ? t->n_rows : 1) * 4 * sizeof *placed);
    int64_t n_placed = 0;
    for (int64_t r = 0; placed && r < t->n_rows; r++) {
        if (max_rank > 0 && r >= max_rank) break;   /* rows are in rank order */
        const char *id = out_text(t, r, "site_id");
        double e[4], px, py, w, h;
        if (!id || !draw_feature_bbox(t, r, e)) continue;
        draw_view_page(d->v, (e[0] + e[2]) / 2, e[3], &px, &py);
        if (!draw_view_in_frame(d->v, px, py)) continue;
        draw_text_size(d, id, 9, 1, &w, &h);
        double b[4] = {px - w / 2 - 1, py - 2 - h - 1, px + w / 2 + 1, py - 1};
        int clash = 0;
        for (int64_t k = 0; k < n_placed && !clash; k++) {
            const double *q = placed + 4 * k;
            clash = b[0] < q[2] && b[2] > q[0] && b[1] < q[3] && b[3] > q[1];
        }
        if (clash) continue;
        memcpy(placed + 4 * n_placed++, b, sizeof b);
        draw_text(d, id, px, py - 2, 9, 1, 0.5, 1, out_site_rgb, 1, 0);
    }
    free(placed);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

typedef struct doc_file {
    const char *path;      /* the target */
    char *tmp;             /* "<path>.tmp-<pid>" */
    FILE *f;
    const char *why;       /* the failure, for the message */
} doc_file;

enum { DOC_OK = 0, DOC_FAILED, DOC_INTERRUPTED };

static cairo_status_t file_write(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS
                                                      : CAIRO_STATUS_WRITE_ERROR;
}

static int file_open(doc_file *mf)
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
static int file_close(doc_file *mf)
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

static void file_discard(doc_file *mf)
{
    if (mf->f) fclose(mf->f);
    mf->f = NULL;
    if (mf->tmp) unlink(mf->tmp);
    free(mf->tmp);
    mf->tmp = NULL;
}

/* The end of a surface: ok stays DOC_OK only if cairo saw no error. */
static int cairo_result(doc_file *mf, int ok, cairo_status_t st)
{
    if (ok == DOC_OK && st != CAIRO_STATUS_SUCCESS) {
        mf->why = st == CAIRO_STATUS_WRITE_ERROR && errno ? strerror(errno)
                                                          : cairo_status_to_string(st);
        return DOC_FAILED;
    }
    return ok;
}

PangoContext *draw_page_context(cairo_t *cr, PangoFontMap *fm, double scale)
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
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    return pc;
}

static int write_png(doc_file *mf, PangoFontMap *fm, const draw_doc *doc, int page)
{
    if (!file_open(mf)) return DOC_FAILED;
    double scale = doc->png_dpi / 72.0;
    int w = (int)lround(doc->page_w * scale), h = (int)lround(doc->page_h * scale);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    PangoContext *pc = draw_page_context(cr, fm, scale);
    int ok = doc->draw(doc->arg, cr, pc, page) ? DOC_OK : DOC_INTERRUPTED;
    g_object_unref(pc);
    ok = cairo_result(mf, ok, cairo_status(cr));
    cairo_destroy(cr);
    if (ok == DOC_OK) {
        cairo_surface_flush(s);
        errno = 0;
        cairo_status_t st = cairo_surface_write_to_png_stream(s, file_write, mf->f);
        ok = cairo_result(mf, ok, st);
    }
    cairo_surface_destroy(s);
    if (ok == DOC_OK && !file_close(mf)) ok = DOC_FAILED;
    return ok;
}

/* "YYYY-MM-DDT00:00:00" of a data date "YYYY-MM-DD…", or 0. */
static int pdf_date(const char *date, char out[32])
{
    int y, mo, dd;
    char rest;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &dd, &rest) < 3 || y < 1000 ||
        mo < 1 || mo > 12 || dd < 1 || dd > 31)
        return 0;
    snprintf(out, 32, "%04d-%02d-%02dT00:00:00", y, mo, dd);
    return 1;
}

static void pdf_metadata(cairo_surface_t *s, const draw_doc *doc)
{
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
    char date[32];
    char *creator = ibmap_sprintf("ibmap %s", ibmap_version());
    if (doc->title && ibmap_utf8_valid(doc->title, strlen(doc->title)))
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, doc->title);
    if (creator) cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, creator);
    free(creator);
    /* Without it cairo writes the time of day, and no two PDFs of the
    ** same model would be the same bytes. */
    if (pdf_date(doc->date, date))
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
#else
    /* Older cairo: no metadata, and a creation date from the clock (or
    ** SOURCE_DATE_EPOCH), so the PDF differs from run to run. */
    (void)s;
    (void)doc;
#endif
}

static int write_pdf(doc_file *mf, PangoFontMap *fm, const draw_doc *doc)
{
    if (!file_open(mf)) return DOC_FAILED;
    cairo_surface_t *s =
        cairo_pdf_surface_create_for_stream(file_write, mf->f, doc->page_w, doc->page_h);
    pdf_metadata(s, doc);
    cairo_t *cr = cairo_create(s);
    PangoContext *pc = draw_page_context(cr, fm, 1.0);
    int ok = DOC_OK;
    for (int p = 0; ok == DOC_OK && p < doc->n_pages; p++) {
        if (p > 0) {
            if (ibmap_interrupt_pending()) {
                ok = DOC_INTERRUPTED;
                break;
            }
            cairo_show_page(cr);
        }
        cairo_save(cr);
        ok = doc->draw(doc->arg, cr, pc, p) ? DOC_OK : DOC_INTERRUPTED;
        cairo_restore(cr);
        if (ok == DOC_OK && cairo_status(cr) != CAIRO_STATUS_SUCCESS) break;
    }
    g_object_unref(pc);
    ok = cairo_result(mf, ok, cairo_status(cr));
    cairo_destroy(cr);
    /* The PDF is written out here, at the end. */
    errno = 0;
    cairo_surface_finish(s);
    ok = cairo_result(mf, ok, cairo_surface_status(s));
    cairo_surface_destroy(s);
    if (ok == DOC_OK && !file_close(mf)) ok = DOC_FAILED;
    return ok;
}

ibmap_status draw_write_doc(ibmap_ctx *ctx, const draw_doc *doc, const char *what)
{
    if (ibmap_interrupt_pending()) return ibmap_fail_interrupted(ctx);
    int n_png = doc->png ? doc->n_pages : 0, n = n_png + 1;
    doc_file *files = calloc((size_t)n, sizeof *files);
    /* A font map of our own, freed at the end, rather than Pango's
    ** per-thread default, which lives as long as the thread. */
    PangoFontMap *fm = files ? pango_cairo_font_map_new() : NULL;
    if (!fm) {
        free(files);
        return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "%s: out of memory", what);
    }
    int ok = DOC_OK, failed = -1;
    /* PNGs first (files[0 .. n_png-1]), then the PDF (files[n_png]). */
    for (int p = 0; ok == DOC_OK && p < n_png; p++) {
        if (!doc->png[p]) continue;
        if (p > 0 && ibmap_interrupt_pending()) {
            ok = DOC_INTERRUPTED;
            break;
        }
        files[p].path = doc->png[p];
        if ((ok = write_png(&files[p], fm, doc, p)) != DOC_OK) failed = p;
    }
    if (ok == DOC_OK && doc->pdf && ibmap_interrupt_pending()) ok = DOC_INTERRUPTED;
    if (ok == DOC_OK && doc->pdf) {
        files[n_png].path = doc->pdf;
        if ((ok = write_pdf(&files[n_png], fm, doc)) != DOC_OK) failed = n_png;
    }
    g_object_unref(fm);
    for (int i = 0; i < n && ok == DOC_OK; i++) {
        if (!files[i].path) continue;
        if (rename(files[i].tmp, files[i].path) != 0) {
            files[i].why = strerror(errno);
            ok = DOC_FAILED;
            failed = i;
        } else {
            free(files[i].tmp);   /* renamed: nothing left to remove */
            files[i].tmp = NULL;
        }
    }
    /* The failed file and why (strerror's and cairo's strings are static,
    ** so they survive the discards). */
    const char *why = failed >= 0 ? files[failed].why : NULL;
    char *path = failed >= 0 && files[failed].path ? ibmap_strdup(files[failed].path) : NULL;
    for (int i = 0; i < n; i++) file_discard(&files[i]);
    free(files);
    ibmap_status s = IBMAP_OK;
    if (ok == DOC_INTERRUPTED)
        s = ibmap_fail_interrupted(ctx);
    else if (ok != DOC_OK)
        s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write the %s: %s",
                       path ? path : "?", what, why ? why : "write failed");
    free(path);
    return s;
}
