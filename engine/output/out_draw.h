/*
** output/out_draw.h — the cartography the map pages share (out_draw.c):
** the industrial map (out_map.c), the town maps (out_map.c) and the block
** plan sheets (out_plans.c) draw with the same WKB reader, view, colours,
** hatches, text, legend swatches, north arrow and scale bar, and write
** their pages (PDF, PNG) the same way.  Only the output stage includes it;
** it is the output stage's second header, for the files that draw with
** Cairo and Pango (output.h keeps those libraries out of the others).
*/
#ifndef IBMAP_OUT_DRAW_H
#define IBMAP_OUT_DRAW_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "output/output.h"

/* fontconfig resolves it to the Noto CJK font scripts/setup installs, and
** falls back to another CJK font where that one is missing. */
#define DRAW_FONT "Noto Sans CJK SC"

/* Colours of the map besides output.h's palette. */
static const unsigned char draw_town_fill_rgb[3] = {0xf4, 0xf1, 0xea};
static const unsigned char draw_ink_rgb[3] = {0x22, 0x22, 0x22};
static const unsigned char draw_grey_rgb[3] = {0x55, 0x55, 0x55};
static const unsigned char draw_white_rgb[3] = {0xff, 0xff, 0xff};
/* Hatch of permanent basic farmland, of 优先保护 control units; outline of
** transition zones.  (The sites' outline is output.h's out_site_rgb.) */
static const unsigned char draw_farmland_rgb[3] = {0x8c, 0x6d, 0x1f};
static const unsigned char draw_priority_rgb[3] = {0x00, 0x7a, 0x7a};
static const unsigned char draw_transition_rgb[3] = {0x7b, 0x32, 0x94};

/* Line widths and the hatch, in points. */
#define DRAW_TOWN_LINE 0.9
#define DRAW_BLOCK_LINE 0.4
#define DRAW_PARK_LINE 1.8
#define DRAW_REDLINE_LINE 1.0
#define DRAW_HATCH_LINE 0.6
#define DRAW_HATCH_GAP 5.0
#define DRAW_SITE_LINE 1.6

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

void draw_ring_point(const wkb_ring *r, uint32_t i, double *x, double *y);

/* Check the whole geometry, then call fn (if not NULL) for every ring of
** every polygon in it.  Returns 0 — having called fn for nothing — when
** the WKB is malformed (truncated, a count beyond the bytes left, a
** non-finite coordinate, a type not known), or when fn stopped the walk.
** Only polygonal parts are walked: points and lines of a collection are
** skipped. */
int draw_wkb_rings(const unsigned char *wkb, size_t size, ring_fn fn, void *arg);

/* The bounding box of row r's polygonal parts; 0 when it has none to draw
** (no geometry, a malformed one, or no polygon in it). */
int draw_feature_bbox(const out_table *t, int64_t r, double e[4]);

/* Grow e (minx, miny, maxx, maxy) by every drawable feature of t. */
void draw_extent_add(const out_table *t, double e[4]);

/* A ring's area (shoelace, relative to its first point). */
double draw_ring_area(const wkb_ring *r);

/* ---------------------------------------------------------------------- */
/* The view: world metres to page points                                  */
/* ---------------------------------------------------------------------- */

typedef struct draw_view {
    double fx, fy, fw, fh; /* the frame on the page, points */
    double cx, cy;         /* the world point at the frame's centre */
    double scale;          /* points per metre */
    double ext[4];         /* the world rectangle the frame shows */
    int empty;             /* nothing to place the frame by */
} draw_view;

/* Fit the world box e into the frame (fx, fy, fw, fh), equal scale in x
** and y, y up, with a margin of `pad` of the longer side; a box of no
** size gets `min_half` metres each side.  Empty when e is not a box. */
void draw_view_fit(draw_view *v, double fx, double fy, double fw, double fh,
                   const double e[4], double pad, double min_half);
void draw_view_page(const draw_view *v, double x, double y, double *px,
                    double *py);
int draw_view_in_frame(const draw_view *v, double px, double py);

/* ---------------------------------------------------------------------- */
/* Drawing                                                                */
/* ---------------------------------------------------------------------- */

typedef struct draw_ctx {
    cairo_t *cr;
    PangoContext *pc;
    const out_model *m;
    const draw_view *v;
} draw_ctx;

void draw_set_rgb(cairo_t *cr, const unsigned char c[3]);
/* A darker shade of c, for the outline of a fill of c. */
void draw_set_rgb_dark(cairo_t *cr, const unsigned char c[3]);

/* Make row r's polygons the current path.  0 (and no path) when it has
** none, or lies wholly outside the view: drawing it would only make the
** PDF larger. */
int draw_feature_path(const draw_ctx *d, const out_table *t, int64_t r);

/* Lines `gap` apart over the rectangle on a grid fixed to the page, so
** that the hatches of neighbouring polygons line up: dir 1 rising to the
** right (x + y = c), -1 falling (x − y = c), 2 both.  The caller clips. */
void draw_hatch(cairo_t *cr, double x0, double y0, double x1, double y1,
                double gap, int dir);

/* The class of block row r (unclassifiable when out of range). */
ibmap_class draw_block_class(const out_model *m, int64_t r);

typedef enum draw_kind {
    DRAW_TOWNS,
    DRAW_BLOCKS,           /* filled by class */
    DRAW_PARKS,            /* outlined */
    DRAW_REDLINE,          /* hatched red, rising */
    DRAW_FARMLAND,         /* hatched brown, falling */
    DRAW_PRIORITY,         /* 优先保护 units: cross-hatched teal */
    DRAW_TRANSITION,       /* dashed purple outline */
    DRAW_SITES             /* 小微企业园 candidate sites: magenta outline */
} draw_kind;

/* Draw row r of t (its path current) as `kind`. */
void draw_feature(const draw_ctx *d, const out_table *t, int64_t r, draw_kind kind);
/* Every feature of t as `kind`; 0 when interrupted.  `keep`, when not
** NULL, says which rows to draw. */
int draw_layer(const draw_ctx *d, const out_table *t, draw_kind kind,
               const unsigned char *keep);
/* A legend swatch of `kind` (class k for blocks) at (x, y), w × h. */
void draw_swatch(const draw_ctx *d, draw_kind kind, ibmap_class k, double x,
                 double y, double w, double h);

/* Text in the map font, `size` points.  draw_text puts the point (ax, ay)
** of the text's box — 0 left or top, 0.5 the centre, 1 right or bottom —
** at (x, y), at most max_w wide (ellipsised; 0: no limit), with a white
** halo when asked.  draw_text_wrapped sets it in lines of at most `width`
** (words, else characters: Chinese has no spaces) from (x, y) down and
** returns its height; with `draw` 0 it only measures. */
void draw_text(const draw_ctx *d, const char *s, double x, double y,
               double size, int bold, double ax, double ay,
               const unsigned char rgb[3], int halo, double max_w);
void draw_text_size(const draw_ctx *d, const char *s, double size, int bold,
                    double *w, double *h);
double draw_text_wrapped(const draw_ctx *d, const char *s, double x, double y,
                         double size, int bold, double width,
                         const unsigned char rgb[3], int draw);

/* The north arrow, "北 N" centred on cx from y down; returns its bottom. */
double draw_north_arrow(const draw_ctx *d, double cx, double y);
/* A scale bar centred on cx whose bar stands at y, about `target_w`
** points long (a round length), labelled, and under it "<paper> 打印
** printed ≈ 1:N" for the page printed at its size. */
void draw_scale_bar(const draw_ctx *d, double cx, double y, double target_w,
                    const char *paper);
/* Each town's name inside its largest polygon, clear of the blocks' boxes
** where it can be. */
void draw_town_names(const draw_ctx *d, const out_table *towns, double size);

/* The 小微企业园 candidate sites' ids (OUT_SITES_TABLE's site_id) over
** their boxes, where they fall in the view: the first max_rank sites (0:
** all), a label that would cover a better-ranked one's left out. */
void out_draw_site_labels(const draw_ctx *d, int64_t max_rank);

/* ---------------------------------------------------------------------- */
/* Pages to files                                                         */
/* ---------------------------------------------------------------------- */

/* Draws page `page` on cr (user unit: points; the font options set).
** Returns 0 when interrupted. */
typedef int (*draw_page_fn)(void *arg, cairo_t *cr, PangoContext *pc, int page);

typedef struct draw_doc {
    double page_w, page_h;       /* points */
    int n_pages;
    draw_page_fn draw;
    void *arg;
    const char *title;           /* PDF metadata; may be NULL */
    const char *date;            /* "YYYY-MM-DD…": the PDF's creation date */
    const char *pdf;             /* all pages as one PDF; NULL: none */
    const char *const *png;      /* [n_pages]: page p as PNG (NULL: none) */
    double png_dpi;
} draw_doc;

/* A Pango context for cr, whose user unit is `scale` device units per
** point, with the font options every page uses (no hinting, grey
** antialiasing: the same layout on PNG and PDF); cr scaled, its fill
** rule and line join set.  The caller unrefs.  For measuring text before
** drawing it, and for drawing outside draw_write_doc. */
PangoContext *draw_page_context(cairo_t *cr, PangoFontMap *fm, double scale);

/* Write the document's files, each under a temporary name beside it; the
** renames come last, once every file is complete, so that a failure or
** an interruption leaves every target as it was.  Errors name the file:
** "<path>: cannot write <what>: why". */
ibmap_status draw_write_doc(ibmap_ctx *ctx, const draw_doc *doc, const char *what);

/* "12,345" */
void draw_group_digits(char *buf, size_t size, int64_t v);

#endif /* IBMAP_OUT_DRAW_H */
