/*
** out_map.c — the industrial map (工业地图): the blocks coloured by class
** over the towns, with the parks, the red lines and the 小微企业园
** candidate sites, as a PNG and a PDF, for a planner to take to a meeting;
** and the same map per 镇街 (town maps), a page per town.
**
** One drawing function draws a page in points (A3 landscape, 420 × 297
** mm) on any Cairo context.  The PDF surface takes the points as they are
** (vectors, and text as text); the PNG's image surface is scaled to 150 dpi
** (2480 × 1754 px).  The two therefore show the same map.  The symbols,
** the text, the north arrow, the scale bar and the writing of the files
** are out_draw.c's, shared with the plan sheets (out_plans.c).
**
** The page:
**   title band   the title, and a subtitle naming the scenario and rules;
**                under them, in red, the layers the run went on with
**                although their gates did not pass (accepted defects,
**                layer warnings)
**   map frame    left, most of the page: towns (filled, dash-dot outline),
**                blocks filled by class, parks outlined, red lines hatched,
**                candidate sites outlined, town names.  Equal x/y scale,
**                y up: the working CRS is projected in metres, and its
**                grid convergence over one county is a fraction of a
**                degree, so grid north is north
**   side panel   north arrow, legend (blocks and 亩 of each class), scale
**                bar; kept out of the frame so that they hide no block
**   foot         data date, CRS, the program
**
** The city map's frame shows the blocks' extent with a margin (or the
** --extent asked for): towns, parks and red lines are drawn where they fall
** in it but do not widen it (a town reaches far beyond its industrial land,
** a red line may cover half a province).  A town map's frame shows the
** town (its polygon, else its blocks); its neighbours are drawn as far as
** they fall in the frame, and its legend counts its own blocks: those whose
** `town` is the town's name.
*/
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/out_draw.h"

/* ---------------------------------------------------------------------- */
/* The page                                                               */
/* ---------------------------------------------------------------------- */

#define PAGE_W (420.0 / 25.4 * 72.0)   /* A3 landscape, in points */
#define PAGE_H (297.0 / 25.4 * 72.0)
#define PNG_DPI 150.0
#define PNG_SCALE (PNG_DPI / 72.0)

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

#define TOWN_LABEL_SIZE 13.0

/* One page of the map: the city, or one town. */
typedef struct map_page {
    const out_model *m;
    draw_view v;
    const char *title;     /* NULL: the model's */
    const char *town;      /* NULL: the city */
    const unsigned char *in_town;   /* [blocks]: the legend's blocks; NULL: all */
    int64_t town_row;      /* the town's row in the towns table, -1: none */
} map_page;

/* The city's frame fits the blocks as drawn, with a margin: the map is
** about them, and a county's towns reach far beyond its industrial land
** (which would shrink every block to a speck).  The towns frame it only
** when no block has a geometry.  The user's extent (m->view, --extent)
** wins, shown whole, without a margin.  The extent is taken from the WKB
** rather than m->extent so that the frame holds exactly what is drawn, and
** so that out_map_png_pixel() needs nothing but the model. */
static void city_view(draw_view *v, const out_model *m)
{
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    if (m->has_view) {
        memcpy(e, m->view, sizeof e);
        draw_view_fit(v, FRAME_X, FRAME_Y, FRAME_W, FRAME_H, e, 0, 50);
        return;
    }
    draw_extent_add(out_model_table(m, "blocks"), e);
    if (!(e[0] <= e[2])) draw_extent_add(out_model_table(m, "towns"), e);
    draw_view_fit(v, FRAME_X, FRAME_Y, FRAME_W, FRAME_H, e, 0.04, 50);
}

static int clamp_pixel(double p)
{
    return p < -1e9 ? -1000000000 : p > 1e9 ? 1000000000 : (int)floor(p);
}

int out_map_png_pixel(const out_model *m, double x, double y, int *px, int *py)
{
    draw_view v;
    double X, Y;
    if (!m || !isfinite(x) || !isfinite(y)) return 0;
    city_view(&v, m);
    if (v.empty) return 0;
    draw_view_page(&v, x, y, &X, &Y);
    if (px) *px = clamp_pixel(X * PNG_SCALE);
    if (py) *py = clamp_pixel(Y * PNG_SCALE);
    return draw_view_in_frame(&v, X, Y);
}

/* On a town's page the other towns are outlined only, so that the town
** stands out; 0 when interrupted. */
static int draw_towns(const draw_ctx *d, const map_page *p)
{
    const out_table *t = out_model_table(d->m, "towns");
    if (!p->town || p->town_row < 0 || !t) return draw_layer(d, t, DRAW_TOWNS, NULL);
    for (int64_t r = 0; r < t->n_rows; r++) {
        if (r == p->town_row || !draw_feature_path(d, t, r)) continue;
        static const double dash[] = {6.0, 2.0, 1.2, 2.0};
        draw_set_rgb(d->cr, out_town_rgb);
        cairo_set_line_width(d->cr, DRAW_TOWN_LINE);
        cairo_set_dash(d->cr, dash, 4, 0);
        cairo_stroke(d->cr);
        cairo_set_dash(d->cr, NULL, 0, 0);
    }
    if (draw_feature_path(d, t, p->town_row)) draw_feature(d, t, p->town_row, DRAW_TOWNS);
    if (draw_feature_path(d, t, p->town_row)) {
        draw_set_rgb(d->cr, out_town_rgb);
        cairo_set_line_width(d->cr, DRAW_TOWN_LINE * 2.5);
        cairo_stroke(d->cr);
    }
    return !ibmap_interrupt_pending();
}

/* The city map shows the best-ranked candidate sites only (the list is
** in the report and the GeoPackage); a town's map shows all of its own. */
#define CITY_SITES 15

static int draw_sites(const draw_ctx *d, const map_page *p)
{
    const out_table *t = out_model_table(d->m, OUT_SITES_TABLE);
    if (!t || p->town || t->n_rows <= CITY_SITES) return draw_layer(d, t, DRAW_SITES, NULL);
    unsigned char *keep = calloc((size_t)t->n_rows, 1);
    if (!keep) return draw_layer(d, t, DRAW_SITES, NULL);
    for (int64_t r = 0; r < CITY_SITES; r++) keep[r] = 1;   /* rows are in rank order */
    int ok = draw_layer(d, t, DRAW_SITES, keep);
    free(keep);
    return ok;
}

/* The map frame's content; 0 when interrupted. */
static int draw_frame(const draw_ctx *d, const map_page *p)
{
    cairo_t *cr = d->cr;
    const out_model *m = d->m;
    int ok = 1;
    cairo_save(cr);
    cairo_rectangle(cr, FRAME_X, FRAME_Y, FRAME_W, FRAME_H);
    cairo_clip(cr);
    if (d->v->empty) {
        draw_text(d, "无可绘制的图形  No geometry to draw", FRAME_X + FRAME_W / 2,
                  FRAME_Y + FRAME_H / 2, 16, 0, 0.5, 0.5, draw_grey_rgb, 0, 0);
    } else {
        ok = draw_towns(d, p) &&
             draw_layer(d, out_model_table(m, "blocks"), DRAW_BLOCKS, NULL) &&
             draw_layer(d, out_model_table(m, "parks"), DRAW_PARKS, NULL) &&
             draw_layer(d, out_model_table(m, "redline"), DRAW_REDLINE, NULL) &&
             draw_sites(d, p);
        if (ok) draw_town_names(d, out_model_table(m, "towns"), TOWN_LABEL_SIZE);
        if (ok) out_draw_site_labels(d, p->town ? 0 : CITY_SITES);
    }
    cairo_restore(cr);
    cairo_new_path(cr);
    cairo_rectangle(cr, FRAME_X, FRAME_Y, FRAME_W, FRAME_H);
    draw_set_rgb(cr, draw_ink_rgb);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Title, legend, foot                                                    */
/* ---------------------------------------------------------------------- */

static void draw_title(const draw_ctx *d, const map_page *p)
{
    const out_model *m = d->m;
    char *sub = ibmap_sprintf("情景 Scenario：%s　　规则 Rules：%s",
                              m->scenario && *m->scenario ? m->scenario : "—",
                              m->rules_name && *m->rules_name ? m->rules_name : "—");
    const char *title = p->title ? p->title : m->title && *m->title ? m->title : "工业地图";
    draw_text(d, title, PAGE_W / 2, MARGIN, 26, 1, 0.5, 0, draw_ink_rgb, 0,
              PAGE_W - 2 * MARGIN);
    /* A run that went on with accepted defects or layer warnings says so
    ** under the title, in red: the subtitle moves up to make room. */
    char *defects = out_model_defects_line(m);
    if (sub)
        draw_text(d, sub, PAGE_W / 2, MARGIN + (defects ? 36 : 42), defects ? 12 : 13, 0, 0.5,
                  0, draw_grey_rgb, 0, PAGE_W - 2 * MARGIN);
    if (defects)
        draw_text(d, defects, PAGE_W / 2, MARGIN + 55, 11, 1, 0.5, 0, out_redline_rgb, 0,
                  PAGE_W - 2 * MARGIN);
    free(defects);
    free(sub);
}

/* Blocks and 亩 of each class, and the blocks not drawn. */
typedef struct class_tally {
    int64_t blocks[IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT];
    int64_t not_drawn;
} class_tally;

static void tally_classes(const map_page *p, class_tally *c)
{
    const out_model *m = p->m;
    const out_table *t = out_model_table(m, "blocks");
    memset(c, 0, sizeof *c);
    for (int64_t r = 0; r < t->n_rows; r++) {
        if (p->in_town && !p->in_town[r]) continue;
        ibmap_class k = draw_block_class(m, r);
        double e[4];
        c->blocks[k]++;
        if (m->area_mu && isfinite(m->area_mu[r])) c->mu[k] += m->area_mu[r];
        if (!t->spatial || !draw_feature_bbox(t, r, e)) c->not_drawn++;
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

/* The legend box from y down; returns its bottom. */
static double draw_legend(const draw_ctx *d, const map_page *p, double y)
{
    static const struct {
        draw_kind kind;
        const char *table, *label;
    } symbols[] = {
        {DRAW_PARKS, "parks", "工业园区  industrial park"},
        {DRAW_REDLINE, "redline", "生态保护红线  ecological red line"},
        {DRAW_SITES, OUT_SITES_TABLE, NULL},
        {DRAW_TOWNS, "towns", "镇街界  town boundary"},
    };
    cairo_t *cr = d->cr;
    class_tally c;
    char buf[160];
    double x = PANEL_X, tx = x + LEGEND_PAD + SWATCH_W + 10;
    double text_w = PANEL_W - (tx - x) - LEGEND_PAD;
    int n_symbols = 0;
    tally_classes(p, &c);
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++)
        n_symbols += table_has_rows(d->m, symbols[i].table);
    double h = LEGEND_PAD + 30 + IBMAP_CLASS_COUNT * CLASS_ROW +
               (n_symbols ? 8 + n_symbols * SYMBOL_ROW : 0) + (c.not_drawn ? 34 : 0) +
               LEGEND_PAD - 6;

    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, PANEL_W, h);
    draw_set_rgb(cr, draw_white_rgb);
    cairo_fill_preserve(cr);
    draw_set_rgb(cr, draw_ink_rgb);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);

    double row = y + LEGEND_PAD;
    draw_text(d, "图例  Legend", x + LEGEND_PAD, row, 15, 1, 0, 0, draw_ink_rgb, 0, 0);
    row += 30;
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++, row += CLASS_ROW) {
        draw_swatch(d, DRAW_BLOCKS, (ibmap_class)k, x + LEGEND_PAD, row + 4, SWATCH_W,
                    SWATCH_H);
        snprintf(buf, sizeof buf, "%s  %s", ibmap_class_label_zh((ibmap_class)k),
                 ibmap_class_name((ibmap_class)k));
        draw_text(d, buf, tx, row, 12, 0, 0, 0, draw_ink_rgb, 0, text_w);
        if (d->m->area_mu)
            snprintf(buf, sizeof buf, "%" PRId64 " 块 blocks · %.1f 亩 mu", c.blocks[k],
                     c.mu[k]);
        else   /* no areas: a 0 would read as measured */
            snprintf(buf, sizeof buf, "%" PRId64 " 块 blocks", c.blocks[k]);
        draw_text(d, buf, tx, row + 17, 9.5, 0, 0, 0, draw_grey_rgb, 0, text_w);
    }
    if (n_symbols) {
        cairo_new_path(cr);
        cairo_move_to(cr, x + LEGEND_PAD, row + 2);
        cairo_line_to(cr, x + PANEL_W - LEGEND_PAD, row + 2);
        draw_set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, 0.4);
        cairo_stroke(cr);
        row += 8;
    }
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++) {
        if (!table_has_rows(d->m, symbols[i].table)) continue;
        draw_swatch(d, symbols[i].kind, IBMAP_CLASS_SUPPORT, x + LEGEND_PAD, row + 3,
                    SWATCH_W, SWATCH_H);
        const char *label = symbols[i].label;
        if (!label) {   /* the sites: how many are shown */
            const out_table *st = out_model_table(d->m, OUT_SITES_TABLE);
            if (!p->town && st->n_rows > CITY_SITES)
                snprintf(buf, sizeof buf, "小微企业园候选（前 %d / %lld）", CITY_SITES,
                         (long long)st->n_rows);
            else
                snprintf(buf, sizeof buf, "小微企业园候选  SME park site");
            label = buf;
        }
        draw_text(d, label, tx, row + 3 + SWATCH_H / 2, 11, 0, 0, 0.5, draw_ink_rgb, 0, text_w);
        row += SYMBOL_ROW;
    }
    if (c.not_drawn) {
        snprintf(buf, sizeof buf, "另有 %" PRId64 " 个区块无图形，未绘出", c.not_drawn);
        draw_text(d, buf, x + LEGEND_PAD, row + 2, 9.5, 0, 0, 0, draw_grey_rgb, 0,
                  PANEL_W - 2 * LEGEND_PAD);
        snprintf(buf, sizeof buf, "%" PRId64 " block(s) without geometry, not drawn",
                 c.not_drawn);
        draw_text(d, buf, x + LEGEND_PAD, row + 16, 9.5, 0, 0, 0, draw_grey_rgb, 0,
                  PANEL_W - 2 * LEGEND_PAD);
    }
    return y + h;
}

static void draw_foot(const draw_ctx *d)
{
    const out_model *m = d->m;
    char *s = ibmap_sprintf("数据日期 Data date：%s　　坐标系 CRS：%s（平面坐标，单位：米）",
                            m->data_date && *m->data_date ? m->data_date : "—",
                            m->crs && *m->crs ? m->crs : "—");
    double y = PAGE_H - MARGIN;
    if (s) draw_text(d, s, FRAME_X, y, 9.5, 0, 0, 1, draw_grey_rgb, 0, FRAME_W);
    free(s);
    s = ibmap_sprintf("ibmap %s 制图", ibmap_version());
    if (s) draw_text(d, s, PAGE_W - MARGIN, y, 9.5, 0, 1, 1, draw_grey_rgb, 0, 0);
    free(s);
}

/* The whole page, in points; 0 when interrupted.  Cairo's errors stay in
** the context, for the caller to read. */
static int draw_map_page(const map_page *p, cairo_t *cr, PangoContext *pc)
{
    draw_ctx d = {cr, pc, p->m, &p->v};
    draw_set_rgb(cr, draw_white_rgb);
    cairo_paint(cr);
    draw_title(&d, p);
    if (!draw_frame(&d, p)) return 0;
    double y = draw_north_arrow(&d, PANEL_X + PANEL_W / 2, FRAME_Y);
    draw_legend(&d, p, y);
    if (!p->v.empty)
        draw_scale_bar(&d, PANEL_X + PANEL_W / 2, FRAME_Y + FRAME_H - 52, FRAME_W / 5, "A3");
    draw_foot(&d);
    return 1;
}

static int draw_city(void *arg, cairo_t *cr, PangoContext *pc, int page)
{
    (void)page;
    return draw_map_page(arg, cr, pc);
}

ibmap_status out_write_map(ibmap_ctx *ctx, const out_model *m, const char *png,
                           const char *pdf)
{
    if (!m || (!png && !pdf))
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "map: no model or no output path");
    const out_table *blocks = out_model_table(m, "blocks");
    if (!blocks) return ibmap_fail(ctx, IBMAP_ERR_ARG, "map: the model has no blocks table");
    if (blocks->n_rows > 0 && !m->klass)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "map: the blocks have no classes");
    map_page p = {.m = m, .town_row = -1};
    city_view(&p.v, m);
    const char *pngs[1] = {png};
    draw_doc doc = {.page_w = PAGE_W, .page_h = PAGE_H, .n_pages = 1, .draw = draw_city,
                    .arg = &p, .title = m->title, .date = m->data_date, .pdf = pdf,
                    .png = png ? pngs : NULL, .png_dpi = PNG_DPI};
    return draw_write_doc(ctx, &doc, "map");
}

/* ---------------------------------------------------------------------- */
/* Town maps                                                              */
/* ---------------------------------------------------------------------- */

typedef struct town_maps {
    const out_model *m;
    int n;
    map_page *pages;
    unsigned char *in_town;   /* n × blocks */
    char **titles;
} town_maps;

static int draw_town(void *arg, cairo_t *cr, PangoContext *pc, int page)
{
    town_maps *tm = arg;
    return draw_map_page(&tm->pages[page], cr, pc);
}

int out_town_list(const out_model *m, out_town **out)
{
    *out = NULL;
    const out_table *blocks = out_model_table(m, "blocks");
    int64_t nb = blocks ? blocks->n_rows : 0;
    const char **keys = blocks ? out_column_keys(blocks, "town") : NULL;
    if (blocks && !keys) return -1;
    out_grouping g = {0};
    if (nb > 0 && !out_group_blocks(m, nb, keys, NULL, &g)) {
        free(keys);
        return -1;
    }
    free(keys);
    int n = 0;
    out_town *t = calloc((size_t)(g.n > 0 ? g.n : 1), sizeof *t);
    if (!t) {
        free(g.rows);
        return -1;
    }
    const out_table *towns = out_model_table(m, "towns");
    for (int64_t i = 0; i < g.n; i++) {
        if (!g.rows[i].key) continue;   /* the blocks without a town */
        t[n].name = g.rows[i].key;
        t[n].row = -1;
        for (int64_t r = 0; towns && r < towns->n_rows && t[n].row < 0; r++) {
            const char *name = out_text(towns, r, "name");
            if (!name || !*name) name = out_text(towns, r, "id");
            if (name && strcmp(name, t[n].name) == 0) t[n].row = r;
        }
        n++;
    }
    free(g.rows);
    *out = t;
    return n;
}

/* "town_maps/03-坎墩街道.png": the page number keeps the names unique and
** in the PDF's order; a character a file name cannot hold becomes '_'. */
char *out_town_file_name(const char *dir, int page, const char *town, const char *ext)
{
    char *safe = out_safe_file_name(town);
    char *s = safe ? ibmap_sprintf("%s/%02d-%s.%s", dir, page + 1, safe, ext) : NULL;
    free(safe);
    return s;
}

ibmap_status out_write_town_maps(ibmap_ctx *ctx, const out_model *m, const char *pdf,
                                 const char *png_dir)
{
    const out_table *blocks = out_model_table(m, "blocks");
    if (!blocks) return ibmap_fail(ctx, IBMAP_ERR_ARG, "town maps: the model has no blocks");
    out_town *towns = NULL;
    int n = out_town_list(m, &towns);
    if (n < 0) return ibmap_nomem(ctx);
    town_maps tm = {.m = m, .n = n};
    size_t nb = (size_t)(blocks->n_rows > 0 ? blocks->n_rows : 1);
    tm.pages = calloc((size_t)(n > 0 ? n : 1), sizeof *tm.pages);
    tm.in_town = calloc((size_t)(n > 0 ? n : 1) * nb, 1);
    tm.titles = calloc((size_t)(n > 0 ? n : 1), sizeof *tm.titles);
    char **pngs = calloc((size_t)(n > 0 ? n : 1), sizeof *pngs);
    char *tmp_dir = png_dir ? ibmap_sprintf("%s.tmp-%ld", png_dir, (long)getpid()) : NULL;
    ibmap_status s = IBMAP_OK;
    if (!tm.pages || !tm.in_town || !tm.titles || !pngs || (png_dir && !tmp_dir))
        s = ibmap_nomem(ctx);
    const out_table *town_t = out_model_table(m, "towns");
    for (int i = 0; !s && i < n; i++) {
        unsigned char *in = tm.in_town + (size_t)i * nb;
        double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (int64_t r = 0; r < blocks->n_rows; r++) {
            const char *t = out_text(blocks, r, "town");
            in[r] = t && strcmp(t, towns[i].name) == 0;
        }
        /* Framed on the town's polygon, else on its blocks. */
        if (towns[i].row >= 0 && draw_feature_bbox(town_t, towns[i].row, e)) {
        } else {
            for (int64_t r = 0; r < blocks->n_rows; r++) {
                double f[4];
                if (!in[r] || !draw_feature_bbox(blocks, r, f)) continue;
                e[0] = fmin(e[0], f[0]);
                e[1] = fmin(e[1], f[1]);
                e[2] = fmax(e[2], f[2]);
                e[3] = fmax(e[3], f[3]);
            }
        }
        map_page *p = &tm.pages[i];
        p->m = m;
        p->town = towns[i].name;
        p->in_town = in;
        p->town_row = towns[i].row;
        draw_view_fit(&p->v, FRAME_X, FRAME_Y, FRAME_W, FRAME_H, e, 0.06, 200);
        tm.titles[i] = ibmap_sprintf("%s 工业地图 Industrial map", towns[i].name);
        p->title = tm.titles[i];
        if (png_dir) pngs[i] = out_town_file_name(tmp_dir, i, towns[i].name, "png");
        if (!tm.titles[i] || (png_dir && !pngs[i]))
            s = ibmap_nomem(ctx);
    }
    if (!s && png_dir) {
        out_remove_tree(tmp_dir);
        if (mkdir(tmp_dir, 0777) != 0)
            s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot create: %s", tmp_dir,
                           strerror(errno));
    }
    /* No town at all: one page of the city, saying so, rather than no
    ** file where one was asked for. */
    if (!s && n == 0) {
        tm.pages[0].m = m;
        tm.pages[0].town_row = -1;
        tm.pages[0].title = "镇街工业地图：数据中没有镇街 No towns in the data";
        city_view(&tm.pages[0].v, m);
    }
    if (!s) {
        char *title = ibmap_sprintf("%s — 镇街工业地图 Town maps",
                                    m->title && *m->title ? m->title : "工业地图");
        draw_doc doc = {.page_w = PAGE_W, .page_h = PAGE_H, .n_pages = n > 0 ? n : 1,
                        .draw = draw_town, .arg = &tm, .title = title, .date = m->data_date,
                        .pdf = pdf,
                        .png = png_dir && n > 0 ? (const char *const *)pngs : NULL,
                        .png_dpi = PNG_DPI};
        s = pdf || n > 0 ? draw_write_doc(ctx, &doc, "town maps") : IBMAP_OK;
        free(title);
    }
    if (!s && png_dir) s = out_swap_dir(ctx, tmp_dir, png_dir);
    if (tmp_dir) out_remove_tree(tmp_dir);
    free(tmp_dir);
    for (int i = 0; i < n; i++) {
        if (tm.titles) free(tm.titles[i]);
        if (pngs) free(pngs[i]);
    }
    free(pngs);
    free(tm.titles);
    free(tm.pages);
    free(tm.in_town);
    free(towns);
    return s;
}
