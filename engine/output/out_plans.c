/*
** out_plans.c — the block plan sheets (一区块一方案, 慈政办发〔2021〕31号
** 二、(四) "建立'一区块一方案'推进机制"): an A4 page per block, for a town
** head to print and take to the blocks of the town.
**
** A sheet:
**   header     the sheets' title (project plan.title), the block's id and
**              name, its town, and its class as a coloured badge
**   map        the block at a readable scale: its parcels coloured by the
**              项目清单 category of their enterprise (by 亩均 grade where
**              the workspace has no enterprises), the neighbouring blocks
**              washed out, the zones it touches hatched (red line, basic
**              farmland, 优先保护 units) or outlined (parks, transition
**              zones, candidate sites); north arrow and scale bar
**   locator    the city with the block's town shaded and the block marked
**   legend     the categories and the zones
**   decision   class, mode or exit method, the deciding rule and its
**              reason, and the policy clauses: the block rule's source and
**              those of the enterprise rules that put its enterprises in a
**              category
**   metrics    the figures the rules read (area, 亩均, 容积率, grades, the
**              zone shares, …)
**   亩         the land to be freed (an exit block: all of it) or
**              renovated (the land of its enterprises by category)
**   list       its enterprises, the largest first: name (wrapped), 亩,
**              亩均税收, grade, category, action; what does not fit goes on
**              continuation pages, the header repeated
**   foot       编制单位, 日期 (project plan.organization, plan.date; the
**              data date when no date is given), scenario, rules, page
** Text is set with Pango in the CJK font (out_draw.c), so no character
** falls back to a box; row heights are measured before the pages are cut,
** so a wrapped name never runs into the next row or off the page.
**
** Files, in the directory asked for (written whole under a temporary name
** and swapped in): TOWN.pdf (the sheets of a town's blocks, in block
** order), TOWN.html (the same sheets as a page, the map as a PNG, each
** block's section id="block-ID"), index.html, and on request
** blocks/ID.pdf (--per-block) and png/ID[-N].png (previews, 150 dpi).  The
** PDF and the PNG of a page are drawn by the same function.
*/
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/out_draw.h"

#define PAGE_W (210.0 / 25.4 * 72.0)   /* A4 portrait, points */
#define PAGE_H (297.0 / 25.4 * 72.0)
#define M 28.0
#define CONTENT_W (PAGE_W - 2 * M)
#define MAP_X M
#define MAP_Y (M + 62)
#define MAP_W 340.0
#define MAP_H 250.0
#define SIDE_X (MAP_X + MAP_W + 10)
#define SIDE_W (PAGE_W - M - SIDE_X)
#define LOC_H 105.0
#define FOOT_Y (PAGE_H - M - 12)
#define TABLE_BOTTOM (FOOT_Y - 10)
#define CONT_TABLE_Y (M + 66)
#define PNG_DPI 150.0

/* The enterprise list's columns: x offsets from M and widths. */
static const struct {
    const char *title;
    double x, w;
    int right;    /* right-aligned number */
} cols[] = {
    {"序号", 0, 22, 1},          {"企业名称 Enterprise", 26, 170, 0},
    {"亩", 198, 36, 1},          {"亩均税收", 238, 44, 1},
    {"等级", 288, 24, 0},        {"分类 Category", 314, 62, 0},
    {"措施 Action", 380, 159, 0},
};
#define N_COLS ((int)(sizeof cols / sizeof *cols))
#define ROW_SIZE 7.5
#define ROW_PAD 3.0

/* The 项目清单 categories' colours: output.h's out_category_rgb, as the
** enterprises layer's style and the report show them. */
#define cat_rgb out_category_rgb

/* By grade where the workspace has no enterprises: A, B, C, D, none. */
static const unsigned char grade_rgb[5][3] = {
    {0x1a, 0x98, 0x50}, {0x91, 0xcf, 0x60}, {0xfc, 0x8d, 0x59}, {0xd7, 0x30, 0x27},
    {0xe8, 0xe8, 0xe8}};

static const char *const actions[IBMAP_CATEGORY_COUNT] = {
    "—",
    "依法整治，关停淘汰或整治提升",
    "技术改造、提容增效，亩均效益达标提升",
    "迁入小微企业园集聚发展",
    "搬迁腾退，拆除后复绿或收储",
};

typedef struct plan_block {
    int64_t row;           /* the block's row */
    int64_t *ents;         /* its enterprise rows (parcel rows without the
                              enterprises table), the largest first */
    int64_t n_ents;
    double *row_h;         /* each one's row height */
    double top_h;          /* the decision box's text height */
    int n_pages;
    int64_t *page_first;   /* [n_pages + 1]: the first list row of each page */
    int first_page;        /* in its document */
} plan_block;

typedef struct plans {
    ibmap_ctx *ctx;
    const out_model *m;
    const out_plan_options *o;
    const out_table *blocks, *parcels, *et;
    int use_ents;
    plan_block *pb;
    int64_t n;
    out_block_parcels bparcels;
    double city[4];
    char *date;            /* what the foot prints */
    /* The document being written: plan blocks [doc_first, doc_first + doc_n). */
    int64_t doc_first, doc_n;
    int64_t *page_block;   /* per page of the document: its plan block */
    int *page_part;        /* … and which of its pages */
} plans;

/* ---------------------------------------------------------------------- */
/* Enterprises                                                            */
/* ---------------------------------------------------------------------- */

static int ent_category(const plans *p, int64_t e)
{
    if (!p->use_ents) return -1;
    const char *c = out_text(p->et, e, "category");
    return c ? ibmap_category_from_name(c) : -1;
}

static const char *ent_name(const plans *p, int64_t e)
{
    const char *n = out_text(p->et, e, p->use_ents ? "name" : "enterprise");
    if (!n) n = out_text(p->et, e, p->use_ents ? "ent_id" : "parcel_id");
    return n ? n : "?";
}

static double ent_tax_per_mu(const plans *p, int64_t e)
{
    if (p->use_ents) return out_number(p->et, e, "tax_per_mu");
    double land = out_number(p->et, e, "land_mu");
    return land > 0 ? out_number(p->et, e, "tax") / land : NAN;
}

static int grade_index(const char *g)
{
    if (!g || !*g) return 4;
    switch (g[0]) {
    case 'A': case 'a': return 0;
    case 'B': case 'b': return 1;
    case 'C': case 'c': return 2;
    case 'D': case 'd': return 3;
    default: return 4;
    }
}

/* The colour of parcel row q: its enterprise's category, else its grade. */
static const unsigned char *parcel_rgb(const plans *p, int64_t q)
{
    if (p->use_ents && p->m->parcel_ent) {
        int64_t e = p->m->parcel_ent[q];
        int c = e >= 0 ? ent_category(p, e) : -1;
        return cat_rgb[c >= 0 ? c : 0];
    }
    return grade_rgb[grade_index(out_text(p->parcels, q, "grade"))];
}

typedef struct ent_sort {
    int64_t row;
    double land;
} ent_sort;

static int ent_sort_cmp(const void *a, const void *b)
{
    const ent_sort *x = a, *y = b;
    double lx = isfinite(x->land) ? x->land : -1, ly = isfinite(y->land) ? y->land : -1;
    if (lx != ly) return lx < ly ? 1 : -1;
    return (x->row > y->row) - (x->row < y->row);
}

/* ---------------------------------------------------------------------- */
/* Selecting blocks                                                       */
/* ---------------------------------------------------------------------- */

/* Whether block row r is asked for: `spec` "all", class names and ids,
** comma-separated (NULL: consolidate,exit); and the town, when given. */
static int selected(const plans *p, int64_t r)
{
    const char *town = out_text(p->blocks, r, "town");
    if (p->o->town && (!town || strcmp(town, p->o->town) != 0)) return 0;
    const char *spec = p->o->blocks && *p->o->blocks ? p->o->blocks : "consolidate,exit";
    const char *id = out_text(p->blocks, r, "block_id");
    const char *k = ibmap_class_name(draw_block_class(p->m, r));
    for (const char *s = spec; *s;) {
        size_t n = strcspn(s, ",");
        if ((n == 3 && strncmp(s, "all", 3) == 0) ||
            (strlen(k) == n && strncmp(s, k, n) == 0) ||
            (id && strlen(id) == n && strncmp(s, id, n) == 0))
            return 1;
        s += n;
        if (*s == ',') s++;
    }
    return 0;
}

/* The towns in the order of their names, the blocks without one last. */
static const plans *sort_plans;
static int plan_cmp(const void *a, const void *b)
{
    const plan_block *x = a, *y = b;
    const char *tx = out_text(sort_plans->blocks, x->row, "town");
    const char *ty = out_text(sort_plans->blocks, y->row, "town");
    if (!tx != !ty) return tx ? -1 : 1;
    int c = tx && ty ? strcmp(tx, ty) : 0;
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* ---------------------------------------------------------------------- */
/* Text helpers                                                           */
/* ---------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t n, double v, int decimals, const char *unit)
{
    if (!isfinite(v))
        snprintf(buf, n, "—");
    else
        snprintf(buf, n, "%.*f%s%s", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v,
                 unit && *unit ? " " : "", unit ? unit : "");
}

static void fmt_share(char *buf, size_t n, double v)
{
    if (!isfinite(v)) snprintf(buf, n, "—");
    else snprintf(buf, n, "%.1f%%", 100 * v);
}

/* The policy clauses of a block: its rule's source, then the distinct
** sources of the enterprise rules that gave its enterprises a category.
** malloc'd, one clause a line. */
static char *block_clauses(const plans *p, const plan_block *b)
{
    const out_model *m = p->m;
    ibmap_strbuf s = {0};
    const char *rule = out_text(p->blocks, b->row, "rule_id");
    for (int i = 0; rule && i < m->n_rules; i++)
        if (strcmp(m->rules[i].id, rule) == 0 && m->rules[i].source[0])
            ibmap_strbuf_printf(&s, "• 区块规则 %s：%s\n", rule, m->rules[i].source);
    for (int i = 0; p->use_ents && i < m->n_ent_rules; i++) {
        int used = 0;
        for (int64_t k = 0; k < b->n_ents && !used; k++) {
            const char *r = out_text(p->et, b->ents[k], "rule_id");
            const char *c = out_text(p->et, b->ents[k], "category");
            used = r && strcmp(r, m->ent_rules[i].id) == 0 && c && strcmp(c, "none") != 0;
        }
        if (used && m->ent_rules[i].source[0])
            ibmap_strbuf_printf(&s, "• 企业规则 %s：%s\n", m->ent_rules[i].id,
                                m->ent_rules[i].source);
    }
    char *t = ibmap_strbuf_take(&s);
    if (t && *t) t[strlen(t) - 1] = '\0';
    return t;
}

static char *decision_text(const plans *p, const plan_block *b)
{
    const char *reason = out_text(p->blocks, b->row, "reason");
    char *clauses = block_clauses(p, b);
    char *t = ibmap_sprintf("理由 Reason：%s\n依据 Policy:\n%s", reason ? reason : "—",
                            clauses && *clauses ? clauses : "—");
    free(clauses);
    return t;
}

/* ---------------------------------------------------------------------- */
/* Measuring and cutting pages                                            */
/* ---------------------------------------------------------------------- */

#define DECISION_SIZE 8.0
#define METRIC_COLS 3
#define METRIC_ROWS 5
#define METRIC_ROW_H 11.0

/* Where the list starts on a block's first page. */
static double first_table_y(const plan_block *b)
{
    double y = MAP_Y + MAP_H + 10;   /* decision heading */
    y += 16 + b->top_h + 8;          /* its text */
    y += 13 + METRIC_ROWS * METRIC_ROW_H + 6;   /* metrics */
    y += 26;                         /* 亩 */
    return y + 16;                   /* the list's heading */
}

static ibmap_status measure(plans *p)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 4, 4);
    cairo_t *cr = cairo_create(s);
    PangoFontMap *fm = pango_cairo_font_map_new();
    PangoContext *pc = draw_page_context(cr, fm, 1.0);
    draw_ctx d = {cr, pc, p->m, NULL};
    ibmap_status st = IBMAP_OK;
    for (int64_t i = 0; !st && i < p->n; i++) {
        plan_block *b = &p->pb[i];
        char *text = decision_text(p, b);
        b->top_h = text ? draw_text_wrapped(&d, text, 0, 0, DECISION_SIZE, 0, CONTENT_W - 12,
                                            draw_ink_rgb, 0)
                        : 12;
        free(text);
        b->row_h = malloc((size_t)(b->n_ents > 0 ? b->n_ents : 1) * sizeof *b->row_h);
        if (!b->row_h) {
            st = ibmap_nomem(p->ctx);
            break;
        }
        for (int64_t k = 0; k < b->n_ents; k++) {
            int64_t e = b->ents[k];
            int c = ent_category(p, e);
            double h1 = draw_text_wrapped(&d, ent_name(p, e), 0, 0, ROW_SIZE, 0, cols[1].w,
                                          draw_ink_rgb, 0);
            double h2 = draw_text_wrapped(&d, actions[c > 0 ? c : 0], 0, 0, ROW_SIZE - 0.5, 0,
                                          cols[6].w, draw_ink_rgb, 0);
            b->row_h[k] = fmax(fmax(h1, h2), ROW_SIZE * 1.4) + ROW_PAD;
        }
        /* Cut: the first page from first_table_y, the others from
        ** CONT_TABLE_Y, each down to TABLE_BOTTOM; a page takes at least
        ** one row. */
        int cap = 4;
        b->page_first = malloc((size_t)cap * sizeof *b->page_first);
        int np = 0;
        int64_t k = 0;
        double y = first_table_y(b);
        if (b->page_first) b->page_first[np++] = 0;
        while (b->page_first && k < b->n_ents) {
            if (y + b->row_h[k] <= TABLE_BOTTOM || (k == b->page_first[np - 1] && np > 1)) {
                y += b->row_h[k++];
                continue;
            }
            if (np + 1 >= cap) {
                int64_t *more = realloc(b->page_first, (size_t)(cap *= 2) * sizeof *more);
                if (!more) break;
                b->page_first = more;
            }
            b->page_first[np++] = k;
            y = CONT_TABLE_Y + 16;
        }
        if (!b->page_first) {
            st = ibmap_nomem(p->ctx);
            break;
        }
        b->page_first[np] = b->n_ents;
        b->n_pages = np;
    }
    g_object_unref(pc);
    g_object_unref(fm);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Drawing                                                                */
/* ---------------------------------------------------------------------- */

static void stroke_rect(cairo_t *cr, double x, double y, double w, double h, double lw)
{
    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, w, h);
    draw_set_rgb(cr, draw_ink_rgb);
    cairo_set_line_width(cr, lw);
    cairo_stroke(cr);
}

static void header(const plans *p, const draw_ctx *d, const plan_block *b, int part)
{
    const out_model *m = p->m;
    cairo_t *cr = d->cr;
    const char *id = out_text(p->blocks, b->row, "block_id");
    const char *name = out_text(p->blocks, b->row, "name");
    const char *town = out_text(p->blocks, b->row, "town");
    ibmap_class k = draw_block_class(m, b->row);
    const char *title = p->o->title && *p->o->title ? p->o->title : "工业区块“一区块一方案”";
    draw_text(d, title, M, M, 10, 0, 0, 0, draw_grey_rgb, 0, CONTENT_W - 150);
    char *line = ibmap_sprintf("%s  %s%s", id ? id : "?", name ? name : "",
                               part ? "（续 continued）" : "");
    draw_text(d, line ? line : "", M, M + 15, 16, 1, 0, 0, draw_ink_rgb, 0, CONTENT_W - 150);
    free(line);
    char area[64];
    fmt_num(area, sizeof area, m->area_mu ? m->area_mu[b->row] : NAN, 1, "亩");
    line = ibmap_sprintf("镇街 %s　　面积 %s　　情景 %s", town ? town : "—", area,
                         m->scenario && *m->scenario ? m->scenario : "—");
    draw_text(d, line ? line : "", M, M + 40, 9, 0, 0, 0, draw_grey_rgb, 0, CONTENT_W - 150);
    free(line);
    /* The class badge. */
    double bw = 140, bh = 40, bx = PAGE_W - M - bw, by = M + 4;
    cairo_new_path(cr);
    cairo_rectangle(cr, bx, by, bw, bh);
    draw_set_rgb(cr, out_class_rgb[k]);
    cairo_fill(cr);
    char badge[128];
    ibmap_mode md = m->mode ? (ibmap_mode)m->mode[b->row] : IBMAP_MODE_NONE;
    snprintf(badge, sizeof badge, "%s", ibmap_class_label_zh(k));
    draw_text(d, badge, bx + bw / 2, by + 4, 14, 1, 0.5, 0, draw_white_rgb, 0, bw - 8);
    snprintf(badge, sizeof badge, "%s%s%s", ibmap_class_name(k), md ? " · " : "",
             md ? ibmap_mode_label_zh(md) : "");
    draw_text(d, badge, bx + bw / 2, by + 24, 8.5, 0, 0.5, 0, draw_white_rgb, 0, bw - 8);
    cairo_new_path(cr);
    cairo_move_to(cr, M, M + 56);
    cairo_line_to(cr, PAGE_W - M, M + 56);
    draw_set_rgb(cr, draw_ink_rgb);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
}

static void footer(const plans *p, const draw_ctx *d, const plan_block *b, int part,
                   int page, int n_pages)
{
    const out_model *m = p->m;
    char *s = ibmap_sprintf("编制单位 %s　　日期 %s　　情景 %s　　规则 %s",
                            p->o->organization && *p->o->organization ? p->o->organization : "—",
                            p->date ? p->date : "—",
                            m->scenario && *m->scenario ? m->scenario : "—",
                            m->rules_name && *m->rules_name ? m->rules_name : "—");
    draw_text(d, s ? s : "", M, FOOT_Y, 7.5, 0, 0, 0, draw_grey_rgb, 0, CONTENT_W - 120);
    free(s);
    const char *id = out_text(p->blocks, b->row, "block_id");
    s = ibmap_sprintf("%s %d/%d · 第 %d/%d 页 · ibmap %s", id ? id : "", part + 1, b->n_pages,
                      page + 1, n_pages, ibmap_version());
    draw_text(d, s ? s : "", PAGE_W - M, FOOT_Y, 7.5, 0, 1, 0, draw_grey_rgb, 0, 0);
    free(s);
}

/* The block map, framed on the block. */
static void block_view(const plans *p, const plan_block *b, double fx, double fy, double fw,
                       double fh, draw_view *v)
{
    double e[4];
    if (!draw_feature_bbox(p->blocks, b->row, e)) {
        v->empty = 1;
        v->fx = fx, v->fy = fy, v->fw = fw, v->fh = fh;
        return;
    }
    draw_view_fit(v, fx, fy, fw, fh, e, 0.12, 100);
}

static int draw_block_map(const plans *p, cairo_t *cr, PangoContext *pc, const plan_block *b,
                          const draw_view *v)
{
    const out_model *m = p->m;
    draw_ctx d = {cr, pc, m, v};
    cairo_save(cr);
    cairo_rectangle(cr, v->fx, v->fy, v->fw, v->fh);
    cairo_clip(cr);
    draw_set_rgb(cr, draw_white_rgb);
    cairo_paint(cr);
    if (v->empty) {
        draw_text(&d, "区块无图形 No geometry", v->fx + v->fw / 2, v->fy + v->fh / 2, 12, 0, 0.5,
                  0.5, draw_grey_rgb, 0, 0);
        cairo_restore(cr);
        stroke_rect(cr, v->fx, v->fy, v->fw, v->fh, 0.8);
        return 1;
    }
    int ok = draw_layer(&d, out_model_table(m, "towns"), DRAW_TOWNS, NULL);
    /* The neighbours, washed out; then the block in its class colour. */
    const out_table *blocks = p->blocks;
    for (int64_t r = 0; ok && r < blocks->n_rows; r++) {
        if (r == b->row || !draw_feature_path(&d, blocks, r)) continue;
        const unsigned char *c = out_class_rgb[draw_block_class(m, r)];
        cairo_set_source_rgb(cr, 1 - 0.35 * (1 - c[0] / 255.0), 1 - 0.35 * (1 - c[1] / 255.0),
                             1 - 0.35 * (1 - c[2] / 255.0));
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 0.4);
        cairo_stroke(cr);
    }
    if (draw_feature_path(&d, blocks, b->row)) {
        draw_set_rgb(cr, out_class_rgb[draw_block_class(m, b->row)]);
        cairo_fill(cr);
    }
    /* Its parcels by category (grade). */
    for (int64_t k = p->bparcels.first[b->row]; k < p->bparcels.first[b->row + 1]; k++) {
        int64_t q = p->bparcels.idx[k];
        if (!draw_feature_path(&d, p->parcels, q)) continue;
        draw_set_rgb(cr, parcel_rgb(p, q));
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_set_line_width(cr, 0.35);
        cairo_stroke(cr);
    }
    if (draw_feature_path(&d, blocks, b->row)) {
        draw_set_rgb_dark(cr, out_class_rgb[draw_block_class(m, b->row)]);
        cairo_set_line_width(cr, 2.0);
        cairo_stroke(cr);
    }
    /* The zones: hatched where they forbid, outlined where they frame. */
    unsigned char *priority = NULL;
    const out_table *cu = out_model_table(m, "control_units");
    if (cu && (priority = calloc((size_t)(cu->n_rows > 0 ? cu->n_rows : 1), 1)))
        for (int64_t r = 0; r < cu->n_rows; r++) {
            const char *t = out_text(cu, r, "type");
            priority[r] = t && strcmp(t, "priority") == 0;
        }
    ok = ok && draw_layer(&d, out_model_table(m, "parks"), DRAW_PARKS, NULL) &&
         draw_layer(&d, out_model_table(m, "transition"), DRAW_TRANSITION, NULL) &&
         draw_layer(&d, out_model_table(m, "basic_farmland"), DRAW_FARMLAND, NULL) &&
         (!priority || draw_layer(&d, cu, DRAW_PRIORITY, priority)) &&
         draw_layer(&d, out_model_table(m, "redline"), DRAW_REDLINE, NULL) &&
         draw_layer(&d, out_model_table(m, OUT_SITES_TABLE), DRAW_SITES, NULL);
    free(priority);
    if (ok) out_draw_site_labels(&d, 0);
    /* North arrow (top right) and scale bar (bottom left, on white). */
    cairo_new_path(cr);
    cairo_rectangle(cr, v->fx + 4, v->fy + v->fh - 68, 134, 64);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill(cr);
    draw_scale_bar(&d, v->fx + 71, v->fy + v->fh - 42, 80, "A4");
    cairo_new_path(cr);
    cairo_rectangle(cr, v->fx + v->fw - 40, v->fy + 4, 36, 78);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill(cr);
    draw_north_arrow(&d, v->fx + v->fw - 22, v->fy + 6);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_restore(cr);
    stroke_rect(cr, v->fx, v->fy, v->fw, v->fh, 0.8);
    return ok;
}

/* The locator: the city (blocks' and towns' extent), the block's town
** shaded, the block marked. */
static void draw_locator(const plans *p, cairo_t *cr, PangoContext *pc, const plan_block *b)
{
    const out_model *m = p->m;
    draw_view v;
    draw_view_fit(&v, SIDE_X, MAP_Y, SIDE_W, LOC_H, p->city, 0.03, 100);
    draw_ctx d = {cr, pc, m, &v};
    cairo_save(cr);
    cairo_rectangle(cr, v.fx, v.fy, v.fw, v.fh);
    cairo_clip(cr);
    draw_set_rgb(cr, draw_white_rgb);
    cairo_paint(cr);
    const out_table *towns = out_model_table(m, "towns");
    const char *town = out_text(p->blocks, b->row, "town");
    for (int64_t r = 0; towns && r < towns->n_rows; r++) {
        if (!draw_feature_path(&d, towns, r)) continue;
        const char *name = out_text(towns, r, "name");
        int own = town && name && strcmp(town, name) == 0;
        draw_set_rgb(cr, own ? draw_town_fill_rgb : draw_white_rgb);
        if (own) cairo_set_source_rgb(cr, 0.85, 0.82, 0.74);
        cairo_fill_preserve(cr);
        draw_set_rgb(cr, out_town_rgb);
        cairo_set_line_width(cr, 0.4);
        cairo_stroke(cr);
    }
    for (int64_t r = 0; r < p->blocks->n_rows; r++) {
        if (!draw_feature_path(&d, p->blocks, r)) continue;
        cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        cairo_fill(cr);
    }
    double e[4], cx, cy;
    if (draw_feature_bbox(p->blocks, b->row, e)) {
        draw_view_page(&v, (e[0] + e[2]) / 2, (e[1] + e[3]) / 2, &cx, &cy);
        cairo_new_path(cr);
        cairo_arc(cr, cx, cy, 5, 0, 2 * M_PI);
        cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
        cairo_set_line_width(cr, 1.8);
        cairo_stroke(cr);
    }
    draw_text(&d, "位置 Locator", v.fx + 3, v.fy + 2, 7.5, 1, 0, 0, draw_ink_rgb, 1, 0);
    cairo_restore(cr);
    stroke_rect(cr, v.fx, v.fy, v.fw, v.fh, 0.6);
}

static void draw_legend(const plans *p, const draw_ctx *d)
{
    cairo_t *cr = d->cr;
    double x = SIDE_X, y = MAP_Y + LOC_H + 7, row = 11.2, sw = 16, sh = 8;
    draw_text(d, p->use_ents ? "宗地：企业项目清单分类" : "宗地：亩均评价等级", x, y, 7.5, 1, 0, 0,
              draw_ink_rgb, 0, SIDE_W);
    y += 12;
    static const char *const grades[5] = {"A 类", "B 类", "C 类", "D 类", "未评级"};
    for (int k = p->use_ents ? 1 : 0; k < (p->use_ents ? IBMAP_CATEGORY_COUNT + 1 : 5); k++) {
        int c = p->use_ents ? k % IBMAP_CATEGORY_COUNT : k;   /* none last */
        cairo_new_path(cr);
        cairo_rectangle(cr, x, y, sw, sh);
        draw_set_rgb(cr, p->use_ents ? cat_rgb[c] : grade_rgb[c]);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_set_line_width(cr, 0.35);
        cairo_stroke(cr);
        draw_text(d, p->use_ents ? ibmap_category_label_zh((ibmap_category)c) : grades[c],
                  x + sw + 6, y + sh / 2, 7, 0, 0, 0.5, draw_ink_rgb, 0, SIDE_W - sw - 6);
        y += row;
    }
    y += 3;
    static const struct {
        draw_kind kind;
        const char *label;
    } zones[] = {{DRAW_REDLINE, "生态保护红线"}, {DRAW_FARMLAND, "永久基本农田"},
                 {DRAW_PRIORITY, "优先保护单元"},  {DRAW_PARKS, "规划工业园区"},
                 {DRAW_TRANSITION, "过渡控制区"},  {DRAW_SITES, "小微企业园候选"}};
    for (size_t i = 0; i < sizeof zones / sizeof *zones; i++) {
        draw_swatch(d, zones[i].kind, IBMAP_CLASS_SUPPORT, x, y, sw, sh);
        draw_text(d, zones[i].label, x + sw + 6, y + sh / 2, 7, 0, 0, 0.5, draw_ink_rgb, 0,
                  SIDE_W - sw - 6);
        y += row;
    }
}

/* The decision, the metrics and the 亩; returns where the list starts. */
static double draw_decision(const plans *p, const draw_ctx *d, const plan_block *b)
{
    const out_model *m = p->m;
    const out_table *t = p->blocks;
    int64_t r = b->row;
    double y = MAP_Y + MAP_H + 10;
    ibmap_class k = draw_block_class(m, r);
    ibmap_mode md = m->mode ? (ibmap_mode)m->mode[r] : IBMAP_MODE_NONE;
    const char *rule = out_text(t, r, "rule_id");
    char *head = ibmap_sprintf("分类与理由 Decision：%s %s%s%s%s　　规则 %s", ibmap_class_label_zh(k),
                               ibmap_class_name(k), md ? "，" : "",
                               md ? (ibmap_mode_is_exit_method(md) ? "退出方式 " : "改造方式 ") : "",
                               md ? ibmap_mode_label_zh(md) : "", rule && *rule ? rule : "—");
    draw_text(d, head ? head : "", M, y, 9.5, 1, 0, 0, draw_ink_rgb, 0, CONTENT_W);
    free(head);
    y += 16;
    char *text = decision_text(p, b);
    cairo_new_path(d->cr);
    cairo_rectangle(d->cr, M, y - 3, CONTENT_W, b->top_h + 6);
    cairo_set_source_rgb(d->cr, 0.965, 0.97, 0.98);
    cairo_fill(d->cr);
    draw_text_wrapped(d, text ? text : "", M + 6, y, DECISION_SIZE, 0, CONTENT_W - 12, draw_ink_rgb,
                      1);
    free(text);
    y += b->top_h + 8;
    draw_text(d, "指标 Metrics", M, y, 9, 1, 0, 0, draw_ink_rgb, 0, 0);
    y += 13;
    char v[14][64];
    const char *labels[14] = {
        "面积",       "亩均税收",     "亩均增加值",   "容积率",     "宗地 / 企业数",
        "A+B 类用地", "C+D 类用地",   "生态红线占比", "永久基本农田占比", "优先保护单元",
        "规划园区内占比", "过渡控制区占比", "中心城区占比", "所在园区"};
    fmt_num(v[0], 64, out_number(t, r, "area_mu"), 1, "亩");
    fmt_num(v[1], 64, out_number(t, r, "tax_per_mu"), 2, "万元/亩");
    fmt_num(v[2], 64, out_number(t, r, "va_per_mu"), 2, "万元/亩");
    fmt_num(v[3], 64, out_number(t, r, "far"), 2, "");
    fmt_num(v[4], 64, out_number(t, r, "n_parcels"), 0, "");
    snprintf(v[4] + strlen(v[4]), 64 - strlen(v[4]), " / %lld", (long long)b->n_ents);
    fmt_share(v[5], 64, out_number(t, r, "grade_a_share") + out_number(t, r, "grade_b_share"));
    fmt_share(v[6], 64, out_number(t, r, "grade_c_share") + out_number(t, r, "grade_d_share"));
    fmt_share(v[7], 64, out_number(t, r, "redline_share"));
    fmt_share(v[8], 64, out_number(t, r, "basic_farmland_share"));
    double area = out_number(t, r, "area_m2");
    fmt_share(v[9], 64, area > 0 ? out_number(t, r, "cu_priority_m2") / area : NAN);
    fmt_share(v[10], 64, out_number(t, r, "parks_share"));
    fmt_share(v[11], 64, out_number(t, r, "transition_share"));
    fmt_share(v[12], 64, out_number(t, r, "central_share"));
    const char *park = out_text(t, r, "park_name");
    snprintf(v[13], 64, "%s", park && *park ? park : "—");
    for (int i = 0; i < 14; i++) {
        double cw = CONTENT_W / METRIC_COLS;
        double x = M + (i % METRIC_COLS) * cw, yy = y + (i / METRIC_COLS) * METRIC_ROW_H;
        draw_text(d, labels[i], x, yy, 7.5, 0, 0, 0, draw_grey_rgb, 0, 80);
        draw_text(d, v[i], x + 82, yy, 7.5, 0, 0, 0, draw_ink_rgb, 0, cw - 86);
    }
    y += METRIC_ROWS * METRIC_ROW_H + 6;
    /* The 亩: freed (an exit block), renovated (the enterprises' land by
    ** category), or kept. */
    double by_cat[IBMAP_CATEGORY_COUNT] = {0};
    int64_t n_cat[IBMAP_CATEGORY_COUNT] = {0};
    for (int64_t i = 0; i < b->n_ents; i++) {
        int c = ent_category(p, b->ents[i]);
        double land = out_number(p->et, b->ents[i], "land_mu");
        if (c < 0) continue;
        n_cat[c]++;
        if (isfinite(land)) by_cat[c] += land;
    }
    char line[512], a[64];
    fmt_num(a, sizeof a, m->area_mu ? m->area_mu[r] : NAN, 1, "亩");
    if (k == IBMAP_CLASS_EXIT)
        snprintf(line, sizeof line, "拟腾退用地 Land to be freed：%s（整块清理退出%s%s）", a,
                 md ? "，" : "", md ? ibmap_mode_label_zh(md) : "");
    else if (k == IBMAP_CLASS_CONSOLIDATE)
        snprintf(line, sizeof line, "拟改造用地 Land to be renovated：%s（整合改造%s%s）", a,
                 md ? "，" : "", md ? ibmap_mode_label_zh(md) : "");
    else
        snprintf(line, sizeof line, "保留用地 Land kept：%s（%s）", a, ibmap_class_label_zh(k));
    draw_text(d, line, M, y, 8, 1, 0, 0, draw_ink_rgb, 0, CONTENT_W);
    if (p->use_ents) {
        size_t len = 0;
        line[0] = '\0';
        for (int c = 1; c < IBMAP_CATEGORY_COUNT; c++)
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%s %lld 家 %.1f 亩",
                                    c > 1 ? "；" : "其中 ", ibmap_category_label_zh((ibmap_category)c),
                                    (long long)n_cat[c], by_cat[c]);
        draw_text(d, line, M, y + 12, 7.5, 0, 0, 0, draw_grey_rgb, 0, CONTENT_W);
    } else {
        draw_text(d, "企业项目清单分类：工作空间无企业表（issue 12 之前生成），按宗地列出。", M, y + 12, 7.5,
                  0, 0, 0, draw_grey_rgb, 0, CONTENT_W);
    }
    return y + 26;
}

static void draw_table(const plans *p, const draw_ctx *d, const plan_block *b, int part,
                       double y)
{
    cairo_t *cr = d->cr;
    char buf[64];
    snprintf(buf, sizeof buf, "企业清单 Enterprises（%lld）%s", (long long)b->n_ents,
             part ? "（续）" : "");
    draw_text(d, buf, M, y - 16, 9.5, 1, 0, 0, draw_ink_rgb, 0, 0);
    cairo_new_path(cr);
    cairo_rectangle(cr, M, y, CONTENT_W, 14);
    cairo_set_source_rgb(cr, 0.93, 0.94, 0.96);
    cairo_fill(cr);
    for (int c = 0; c < N_COLS; c++)
        draw_text(d, cols[c].title, M + cols[c].x + (cols[c].right ? cols[c].w : 0), y + 3, 7.5,
                  1, cols[c].right ? 1 : 0, 0, draw_ink_rgb, 0, 0);
    y += 14;
    if (b->n_ents == 0) {
        draw_text(d, "（区块内无企业数据 no enterprise data）", M + 4, y + 4, 8, 0, 0, 0, draw_grey_rgb,
                  0, 0);
        return;
    }
    for (int64_t k = b->page_first[part]; k < b->page_first[part + 1]; k++) {
        int64_t e = b->ents[k];
        int cat = ent_category(p, e);
        double h = b->row_h[k];
        if (k % 2) {
            cairo_new_path(cr);
            cairo_rectangle(cr, M, y, CONTENT_W, h);
            cairo_set_source_rgb(cr, 0.975, 0.978, 0.985);
            cairo_fill(cr);
        }
        double ty = y + ROW_PAD / 2;
        snprintf(buf, sizeof buf, "%lld", (long long)(k + 1));
        draw_text(d, buf, M + cols[0].x + cols[0].w, ty, ROW_SIZE, 0, 1, 0, draw_grey_rgb, 0, 0);
        draw_text_wrapped(d, ent_name(p, e), M + cols[1].x, ty, ROW_SIZE, 0, cols[1].w,
                          draw_ink_rgb, 1);
        fmt_num(buf, sizeof buf, out_number(p->et, e, "land_mu"), 1, "");
        draw_text(d, buf, M + cols[2].x + cols[2].w, ty, ROW_SIZE, 0, 1, 0, draw_ink_rgb, 0, 0);
        fmt_num(buf, sizeof buf, ent_tax_per_mu(p, e), 2, "");
        draw_text(d, buf, M + cols[3].x + cols[3].w, ty, ROW_SIZE, 0, 1, 0, draw_ink_rgb, 0, 0);
        const char *g = out_text(p->et, e, "grade");
        draw_text(d, g ? g : "—", M + cols[4].x, ty, ROW_SIZE, 0, 0, 0, draw_ink_rgb, 0, 0);
        if (cat >= 0) {
            cairo_new_path(cr);
            cairo_rectangle(cr, M + cols[5].x, ty + 1, 6, 7);
            draw_set_rgb(cr, cat_rgb[cat]);
            cairo_fill(cr);
            draw_text(d, ibmap_category_label_zh((ibmap_category)cat), M + cols[5].x + 9, ty,
                      ROW_SIZE - 0.5, 0, 0, 0, draw_ink_rgb, 0, cols[5].w - 9);
        } else {
            draw_text(d, "待定", M + cols[5].x, ty, ROW_SIZE - 0.5, 0, 0, 0, draw_grey_rgb, 0, 0);
        }
        draw_text_wrapped(d, actions[cat > 0 ? cat : 0], M + cols[6].x, ty, ROW_SIZE - 0.5, 0,
                          cols[6].w, draw_ink_rgb, 1);
        y += h;
    }
    cairo_new_path(cr);
    cairo_move_to(cr, M, y);
    cairo_line_to(cr, PAGE_W - M, y);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
}

/* Page `page` of the current document. */
static int draw_plan_page(void *arg, cairo_t *cr, PangoContext *pc, int page)
{
    plans *p = arg;
    const plan_block *b = &p->pb[p->page_block[page]];
    int part = p->page_part[page];
    draw_view dummy = {0};
    draw_ctx d = {cr, pc, p->m, &dummy};
    draw_set_rgb(cr, draw_white_rgb);
    cairo_paint(cr);
    header(p, &d, b, part);
    int ok = 1;
    double y = CONT_TABLE_Y + 16;
    if (part == 0) {
        draw_view v;
        block_view(p, b, MAP_X, MAP_Y, MAP_W, MAP_H, &v);
        ok = draw_block_map(p, cr, pc, b, &v);
        draw_locator(p, cr, pc, b);
        draw_legend(p, &d);
        y = draw_decision(p, &d, b) + 16;
    }
    draw_table(p, &d, b, part, y);
    int n_pages = 0, index = 0;
    for (int64_t i = 0; i < p->doc_n; i++) n_pages += p->pb[p->doc_first + i].n_pages;
    index = page;
    footer(p, &d, b, part, index, n_pages);
    return ok;
}

int out_plan_png_pixel(const out_model *m, int64_t block, double x, double y, int *px, int *py)
{
    const out_table *t = out_model_table(m, "blocks");
    double e[4], X, Y;
    if (!t || block < 0 || block >= t->n_rows || !draw_feature_bbox(t, block, e)) return 0;
    draw_view v;
    draw_view_fit(&v, MAP_X, MAP_Y, MAP_W, MAP_H, e, 0.12, 100);
    draw_view_page(&v, x, y, &X, &Y);
    if (px) *px = (int)floor(X * PNG_DPI / 72.0);
    if (py) *py = (int)floor(Y * PNG_DPI / 72.0);
    return draw_view_in_frame(&v, X, Y);
}

/* ---------------------------------------------------------------------- */
/* Documents                                                              */
/* ---------------------------------------------------------------------- */

/* The pages of plan blocks [first, first + n) as one document. */
static ibmap_status write_doc(plans *p, int64_t first, int64_t n, const char *pdf,
                              const char *png_dir)
{
    int pages = 0;
    for (int64_t i = 0; i < n; i++) pages += p->pb[first + i].n_pages;
    p->doc_first = first;
    p->doc_n = n;
    p->page_block = malloc((size_t)(pages > 0 ? pages : 1) * sizeof *p->page_block);
    p->page_part = malloc((size_t)(pages > 0 ? pages : 1) * sizeof *p->page_part);
    char **pngs = png_dir ? calloc((size_t)(pages > 0 ? pages : 1), sizeof *pngs) : NULL;
    ibmap_status s = IBMAP_OK;
    if (!p->page_block || !p->page_part || (png_dir && !pngs))
        s = ibmap_nomem(p->ctx);
    int k = 0;
    for (int64_t i = 0; !s && i < n; i++) {
        plan_block *b = &p->pb[first + i];
        b->first_page = k;
        for (int part = 0; part < b->n_pages; part++, k++) {
            p->page_block[k] = first + i;
            p->page_part[k] = part;
            if (pngs) {
                char *safe = out_safe_file_name(out_text(p->blocks, b->row, "block_id"));
                pngs[k] = safe ? (part ? ibmap_sprintf("%s/%s-%d.png", png_dir, safe, part + 1)
                                       : ibmap_sprintf("%s/%s.png", png_dir, safe))
                               : NULL;
                free(safe);
                if (!pngs[k]) s = ibmap_nomem(p->ctx);
            }
        }
    }
    if (!s) {
        const char *title = p->o->title && *p->o->title ? p->o->title : "工业区块“一区块一方案”";
        draw_doc doc = {.page_w = PAGE_W, .page_h = PAGE_H, .n_pages = pages,
                        .draw = draw_plan_page, .arg = p, .title = title, .date = p->m->data_date,
                        .pdf = pdf, .png = (const char *const *)pngs, .png_dpi = PNG_DPI};
        s = pages ? draw_write_doc(p->ctx, &doc, "plan sheets") : IBMAP_OK;
    }
    for (int i = 0; pngs && i < pages; i++) free(pngs[i]);
    free(pngs);
    free(p->page_block);
    free(p->page_part);
    p->page_block = NULL;
    p->page_part = NULL;
    return s;
}

/* ---------------------------------------------------------------------- */
/* HTML                                                                   */
/* ---------------------------------------------------------------------- */

typedef struct png_buf {
    unsigned char *b;
    size_t n, cap;
} png_buf;

static cairo_status_t png_append(void *closure, const unsigned char *data, unsigned int len)
{
    png_buf *pb = closure;
    if (pb->n + len > pb->cap) {
        size_t cap = (pb->n + len) * 2;
        unsigned char *more = realloc(pb->b, cap);
        if (!more) return CAIRO_STATUS_NO_MEMORY;
        pb->b = more;
        pb->cap = cap;
    }
    memcpy(pb->b + pb->n, data, len);
    pb->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* The block map (and the legend beside it) as a PNG, base64; malloc'd. */
static char *map_png_base64(const plans *p, PangoFontMap *fm, const plan_block *b)
{
    double scale = 2.0, w = PAGE_W - 2 * M + 2, h = MAP_H + 2;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(w * scale),
                                                    (int)(h * scale));
    cairo_t *cr = cairo_create(s);
    PangoContext *pc = draw_page_context(cr, fm, scale);
    cairo_translate(cr, -M + 1, -MAP_Y + 1);
    draw_set_rgb(cr, draw_white_rgb);
    cairo_paint(cr);
    draw_view v;
    block_view(p, b, MAP_X, MAP_Y, MAP_W, MAP_H, &v);
    draw_block_map(p, cr, pc, b, &v);
    draw_locator(p, cr, pc, b);
    draw_view dummy = {0};
    draw_ctx d = {cr, pc, p->m, &dummy};
    draw_legend(p, &d);
    g_object_unref(pc);
    cairo_destroy(cr);
    png_buf pb = {0};
    char *out = NULL;
    if (cairo_surface_write_to_png_stream(s, png_append, &pb) == CAIRO_STATUS_SUCCESS)
        out = g_base64_encode(pb.b, pb.n);
    free(pb.b);
    cairo_surface_destroy(s);
    if (!out) return NULL;
    char *copy = ibmap_strdup(out);
    g_free(out);
    return copy;
}

typedef struct html_arg {
    plans *p;
    int64_t first, n;
    const char *town;
    PangoFontMap *fm;
} html_arg;

static const char plan_css[] =
    "<style>\n.sheet{border-top:3px solid #333;margin:2.5em 0;padding-top:.6em}\n"
    ".badge{display:inline-block;color:#fff;padding:2px 10px;font-weight:700;border-radius:3px}\n"
    ".sheet img{width:100%;max-width:1080px;border:1px solid #ccc}\n"
    ".decision{background:#f6f7f9;padding:6px 10px;white-space:pre-wrap}\n"
    "table.metrics td,table.metrics th{padding:2px 8px}\n"
    "@media print{.sheet{break-before:page}}\n</style>\n";

static int html_body(FILE *f, const void *arg)
{
    const html_arg *h = arg;
    plans *p = h->p;
    const out_model *m = p->m;
    char *title = ibmap_sprintf("%s — %s", h->town ? h->town : "无镇街",
                                p->o->title && *p->o->title ? p->o->title : "工业区块“一区块一方案”");
    out_html_head(f, title ? title : "");
    free(title);
    fputs(plan_css, f);
    fputs("<p>编制单位 ", f);
    out_html_esc(f, p->o->organization && *p->o->organization ? p->o->organization : "—");
    fputs("　日期 ", f);
    out_html_esc(f, p->date ? p->date : "—");
    fputs("　情景 ", f);
    out_html_esc(f, m->scenario);
    fputs("　规则 ", f);
    out_html_esc(f, m->rules_name);
    fputs("</p>\n<p>", f);
    for (int64_t i = 0; i < h->n; i++) {
        const char *id = out_text(p->blocks, p->pb[h->first + i].row, "block_id");
        fputs("<a href=\"#block-", f);
        out_html_esc(f, id);
        fputs("\">", f);
        out_html_esc(f, id);
        fputs("</a> ", f);
    }
    fputs("</p>\n", f);
    for (int64_t i = 0; i < h->n; i++) {
        const plan_block *b = &p->pb[h->first + i];
        int64_t r = b->row;
        ibmap_class k = draw_block_class(m, r);
        ibmap_mode md = m->mode ? (ibmap_mode)m->mode[r] : IBMAP_MODE_NONE;
        const char *id = out_text(p->blocks, r, "block_id");
        fputs("<section class=\"sheet\" id=\"block-", f);
        out_html_esc(f, id);
        fputs("\">\n<h2>", f);
        out_html_esc(f, id);
        fputs(" ", f);
        out_html_esc(f, out_text(p->blocks, r, "name"));
        fprintf(f, " <span class=\"badge\" style=\"background:#%02x%02x%02x\">",
                out_class_rgb[k][0], out_class_rgb[k][1], out_class_rgb[k][2]);
        out_html_esc(f, ibmap_class_label_zh(k));
        fputs(" ", f);
        out_html_esc(f, ibmap_class_name(k));
        if (md) {
            fputs(" · ", f);
            out_html_esc(f, ibmap_mode_label_zh(md));
        }
        fputs("</span></h2>\n", f);
        char *png = map_png_base64(p, h->fm, b);
        if (png) {
            fputs("<figure><img alt=\"", f);
            out_html_esc(f, id);
            fprintf(f, "\" src=\"data:image/png;base64,%s\"></figure>\n", png);
        }
        free(png);
        fputs("<h3>分类与理由 <span class=\"en\">Decision</span></h3>\n<p>规则 <code>", f);
        out_html_esc(f, out_text(p->blocks, r, "rule_id"));
        fputs("</code></p>\n<div class=\"decision\">", f);
        char *text = decision_text(p, b);
        out_html_esc(f, text);
        free(text);
        fputs("</div>\n<h3>指标 <span class=\"en\">Metrics</span></h3>\n<table class=\"metrics\"><tbody>\n", f);
        static const char *const names[][3] = {
            {"area_mu", "面积", "亩"},          {"tax_per_mu", "亩均税收", "万元/亩"},
            {"va_per_mu", "亩均增加值", "万元/亩"}, {"far", "容积率", ""},
            {"n_parcels", "宗地数", ""},        {"redline_share", "生态红线占比", "%"},
            {"basic_farmland_share", "永久基本农田占比", "%"}, {"parks_share", "规划园区内占比", "%"},
            {"transition_share", "过渡控制区占比", "%"}, {"central_share", "中心城区占比", "%"}};
        for (size_t j = 0; j < sizeof names / sizeof *names; j++) {
            double v = out_number(p->blocks, r, names[j][0]);
            char buf[64];
            if (strcmp(names[j][2], "%") == 0) fmt_share(buf, sizeof buf, v);
            else fmt_num(buf, sizeof buf, v, strcmp(names[j][0], "n_parcels") == 0 ? 0 : 2,
                         names[j][2]);
            fprintf(f, "<tr><th>%s</th><td class=\"n\">%s</td></tr>\n", names[j][1], buf);
        }
        fprintf(f, "</tbody></table>\n<h3>企业清单 <span class=\"en\">Enterprises (%lld)</span></h3>\n"
                   "<table class=\"ents\"><thead><tr><th>序号</th><th>企业名称</th><th class=\"n\">亩</th>"
                   "<th class=\"n\">亩均税收</th><th>等级</th><th>分类</th><th>措施</th></tr></thead><tbody>\n",
                (long long)b->n_ents);
        for (int64_t j = 0; j < b->n_ents; j++) {
            int64_t e = b->ents[j];
            int cat = ent_category(p, e);
            char a[64], t2[64];
            fmt_num(a, sizeof a, out_number(p->et, e, "land_mu"), 1, "");
            fmt_num(t2, sizeof t2, ent_tax_per_mu(p, e), 2, "");
            fprintf(f, "<tr><td class=\"n\">%lld</td><td>", (long long)(j + 1));
            out_html_esc(f, ent_name(p, e));
            fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>", a, t2);
            out_html_esc(f, out_text(p->et, e, "grade"));
            fputs("</td><td>", f);
            out_html_esc(f, cat >= 0 ? ibmap_category_label_zh((ibmap_category)cat) : "待定");
            fputs("</td><td>", f);
            out_html_esc(f, actions[cat > 0 ? cat : 0]);
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table>\n</section>\n", f);
    }
    fputs("</main>\n<footer><p>由 ibmap 生成。 Generated by ibmap.</p></footer>\n</body>\n</html>\n", f);
    return !ferror(f);
}

typedef struct index_arg {
    plans *p;
    int64_t *town_first;   /* [n_towns + 1] */
    int n_towns;
} index_arg;

static int index_body(FILE *f, const void *arg)
{
    const index_arg *ia = arg;
    plans *p = ia->p;
    out_html_head(f, p->o->title && *p->o->title ? p->o->title : "工业区块“一区块一方案”");
    fprintf(f, "<p>%lld 个区块，按镇街成册。 %lld blocks, a file per town.</p>\n<table><thead><tr>"
               "<th>镇街 Town</th><th class=\"n\">区块 Blocks</th><th>PDF</th><th>HTML</th>"
               "</tr></thead><tbody>\n",
            (long long)p->n, (long long)p->n);
    for (int t = 0; t < ia->n_towns; t++) {
        const char *town = out_text(p->blocks, p->pb[ia->town_first[t]].row, "town");
        char *pdf = out_plan_file_name(".", town, "pdf"), *html = out_plan_file_name(".", town, "html");
        fputs("<tr><td>", f);
        out_html_esc(f, town ? town : "（无镇街）");
        fprintf(f, "</td><td class=\"n\">%lld</td><td><a href=\"", (long long)(ia->town_first[t + 1] - ia->town_first[t]));
        out_html_esc(f, pdf ? pdf + 2 : "");
        fputs("\">PDF</a></td><td><a href=\"", f);
        out_html_esc(f, html ? html + 2 : "");
        fputs("\">HTML</a></td></tr>\n", f);
        free(pdf);
        free(html);
    }
    fputs("</tbody></table>\n</main>\n</body>\n</html>\n", f);
    return !ferror(f);
}

/* ---------------------------------------------------------------------- */
/* The entry point                                                        */
/* ---------------------------------------------------------------------- */

static void plans_free(plans *p)
{
    for (int64_t i = 0; p->pb && i < p->n; i++) {
        free(p->pb[i].ents);
        free(p->pb[i].row_h);
        free(p->pb[i].page_first);
    }
    free(p->pb);
    out_block_parcels_free(&p->bparcels);
    free(p->date);
}

ibmap_status out_write_plans(ibmap_ctx *ctx, const out_model *m, const char *dir,
                             const out_plan_options *o, int64_t *n_blocks, int64_t *n_pages)
{
    plans P = {.ctx = ctx, .m = m, .o = o};
    plans *p = &P;
    if (n_blocks) *n_blocks = 0;
    if (n_pages) *n_pages = 0;
    p->blocks = out_model_table(m, "blocks");
    p->parcels = out_model_table(m, "parcels");
    const out_table *ents = out_model_table(m, "enterprises");
    if (!p->blocks || !p->parcels) return ibmap_fail(ctx, IBMAP_ERR_ARG, "plans: the model has no blocks or parcels");
    p->use_ents = ents && m->ent_block;
    p->et = p->use_ents ? ents : p->parcels;
    ibmap_status s = IBMAP_OK;
    out_block_parcels by_block = {0};
    if (!out_block_parcels_build(m, &p->bparcels) ||
        !(p->use_ents ? out_block_ents_build(m, &by_block) : out_block_parcels_build(m, &by_block)) ||
        !(p->pb = calloc((size_t)(p->blocks->n_rows > 0 ? p->blocks->n_rows : 1), sizeof *p->pb)))
        s = ibmap_nomem(ctx);
    p->date = ibmap_strdup(o->date && *o->date ? o->date : m->data_date ? m->data_date : "");
    /* The blocks asked for, with their enterprises, the largest first. */
    for (int64_t r = 0; !s && r < p->blocks->n_rows; r++) {
        if (!selected(p, r)) continue;
        plan_block *b = &p->pb[p->n++];
        b->row = r;
        int64_t k0 = by_block.first[r], k1 = by_block.first[r + 1];
        ent_sort *es = malloc((size_t)(k1 - k0 > 0 ? k1 - k0 : 1) * sizeof *es);
        b->ents = malloc((size_t)(k1 - k0 > 0 ? k1 - k0 : 1) * sizeof *b->ents);
        if (!es || !b->ents) {
            free(es);
            s = ibmap_nomem(ctx);
            break;
        }
        for (int64_t k = k0; k < k1; k++)
            es[k - k0] = (ent_sort){by_block.idx[k], out_number(p->et, by_block.idx[k], "land_mu")};
        qsort(es, (size_t)(k1 - k0), sizeof *es, ent_sort_cmp);
        for (int64_t k = 0; k < k1 - k0; k++) b->ents[k] = es[k].row;
        b->n_ents = k1 - k0;
        free(es);
    }
    out_block_parcels_free(&by_block);
    sort_plans = p;
    if (!s) qsort(p->pb, (size_t)p->n, sizeof *p->pb, plan_cmp);
    if (!s) {
        double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        draw_extent_add(p->blocks, e);
        draw_extent_add(out_model_table(m, "towns"), e);
        memcpy(p->city, e, sizeof e);
        s = measure(p);
    }
    /* The towns: runs of plan blocks with the same town. */
    int64_t *town_first = !s ? malloc((size_t)(p->n + 2) * sizeof *town_first) : NULL;
    int n_towns = 0;
    if (!s && !town_first) s = ibmap_nomem(ctx);
    for (int64_t i = 0; !s && i < p->n; i++) {
        const char *t = out_text(p->blocks, p->pb[i].row, "town");
        const char *prev = i ? out_text(p->blocks, p->pb[i - 1].row, "town") : NULL;
        if (i == 0 || !t != !prev || (t && prev && strcmp(t, prev) != 0)) town_first[n_towns++] = i;
    }
    if (town_first) town_first[n_towns] = p->n;
    char *tmp = ibmap_sprintf("%s.tmp-%ld", dir, (long)getpid());
    char *sub_blocks = tmp ? ibmap_sprintf("%s/blocks", tmp) : NULL;
    char *sub_png = tmp ? ibmap_sprintf("%s/png", tmp) : NULL;
    if (!s && (!tmp || !sub_blocks || !sub_png)) s = ibmap_nomem(ctx);
    if (!s) {
        out_remove_tree(sub_blocks);
        out_remove_tree(sub_png);
        out_remove_tree(tmp);
        if (mkdir(tmp, 0777) != 0 || (o->per_block && mkdir(sub_blocks, 0777) != 0) ||
            (o->png && mkdir(sub_png, 0777) != 0))
            s = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot create: %s", tmp, strerror(errno));
    }
    PangoFontMap *fm = s ? NULL : pango_cairo_font_map_new();
    for (int t = 0; !s && t < n_towns; t++) {
        const char *town = out_text(p->blocks, p->pb[town_first[t]].row, "town");
        char *pdf = out_plan_file_name(tmp, town, "pdf"), *html = out_plan_file_name(tmp, town, "html");
        if (!pdf || !html) s = ibmap_nomem(ctx);
        if (!s) s = write_doc(p, town_first[t], town_first[t + 1] - town_first[t], pdf,
                              o->png ? sub_png : NULL);
        if (!s) {
            html_arg h = {p, town_first[t], town_first[t + 1] - town_first[t], town, fm};
            s = ibmap_write_file(ctx, html, html_body, &h);
        }
        free(pdf);
        free(html);
    }
    for (int64_t i = 0; !s && o->per_block && i < p->n; i++) {
        char *safe = out_safe_file_name(out_text(p->blocks, p->pb[i].row, "block_id"));
        char *pdf = safe ? ibmap_sprintf("%s/%s.pdf", sub_blocks, safe) : NULL;
        s = pdf ? write_doc(p, i, 1, pdf, NULL) : ibmap_nomem(ctx);
        free(safe);
        free(pdf);
    }
    if (!s) {
        char *index = ibmap_sprintf("%s/index.html", tmp);
        index_arg ia = {p, town_first, n_towns};
        s = index ? ibmap_write_file(ctx, index, index_body, &ia)
                  : ibmap_nomem(ctx);
        free(index);
    }
    if (fm) g_object_unref(fm);
    if (!s) s = out_swap_dir(ctx, tmp, dir);
    if (tmp) {
        out_remove_tree(sub_blocks);
        out_remove_tree(sub_png);
        out_remove_tree(tmp);
    }
    if (!s) {
        int64_t pages = 0;
        for (int64_t i = 0; i < p->n; i++) pages += p->pb[i].n_pages;
        if (n_blocks) *n_blocks = p->n;
        if (n_pages) *n_pages = pages;
    }
    free(tmp);
    free(sub_blocks);
    free(sub_png);
    free(town_first);
    plans_free(p);
    return s;
}
