/*
** out_report.c — report.html: the run on one page, for the people who
** decide (a county's planning office), readable in any browser, printed or
** mailed as one file.
**
** The page is self-contained and makes no network request at all: the CSS
** is inline, the map PNG is embedded as a data: URI (base64, encoded here),
** the sweep chart is inline SVG, there is no script and no web font (the
** CSS asks for "Noto Sans CJK SC" and falls back to the system's CJK
** fonts).  A Content-Security-Policy of default-src 'none' makes the
** browser enforce it: anything that would load from elsewhere is refused.
**
** Sections, in order: title, a box naming the layers the run went on
** with although their gates did not simply pass (accepted defects,
** warnings), and the run's facts (scenario, rules, CRS, data date); the map; blocks and 亩 per class; class × town, × park,
** × control-unit type and × mode (the figures of out_summary.c's CSVs,
** pivoted: one row per group, one column pair per class); the rules in
** force; the data-quality log counted by layer × problem × severity; the
** transition matrix against each other scenario; the sweep as a chart and
** a table; and the run table in the footer.  Headings are bilingual
** (中文 English).  Every text from the model is HTML-escaped.
**
** Decision: a map_png that cannot be read (or is not a PNG) does not fail
** the report.  The report holds everything else of value; it is written
** with a visible note in place of the map saying which file and why, so
** nothing is dropped silently.
**
** Writes go to a stdio stream whose error indicator is sticky: each
** section writes, and the body returns !ferror(f) at the end (which
** ibmap_write_file checks again after fflush and fsync).
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "output/output.h"

/* The class × group tables, in order. */
static const struct {
    const char *id, *zh, *en;
    const char *column;   /* of the blocks table; NULL: the mode */
    const char *corner, *none;
} groups[] = {
    {"by-town", "分类 × 镇街", "Class by town", "town", "镇街 Town", "（无镇街）none"},
    {"by-park", "分类 × 园区", "Class by park", "park_name", "园区 Park",
     "（园区外）outside parks"},
    {"by-cu", "分类 × 管控单元类型", "Class by control-unit type", "cu_type",
     "管控单元类型 Control-unit type", "（无）none"},
    {"by-mode", "分类 × 改造方式", "Class by renovation mode", NULL, "改造方式 Mode",
     "（无）none"},
};
#define N_GROUPS (sizeof groups / sizeof *groups)

/* ---------------------------------------------------------------------- */
/* Text                                                                   */
/* ---------------------------------------------------------------------- */

/* s HTML-escaped, for text and for attribute values alike; NULL writes
** nothing. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

void out_html_esc(FILE *f, const char *s)
{
    esc(f, s);
}

/* Two decimals, never "-0.00". */
static void put_fixed2(FILE *f, double v)
{
    fprintf(f, "%.2f", fabs(v) < 0.005 ? 0.0 : v);
}

/* A right-aligned numeric cell; zero shown dimmed. */
static void cell_count(FILE *f, int64_t n)
{
    fprintf(f, "<td class=\"n%s\">%lld</td>", n ? "" : " zero", (long long)n);
}

static void cell_mu(FILE *f, double mu, int zero)
{
    fprintf(f, "<td class=\"n%s\">", zero ? " zero" : "");
    put_fixed2(f, mu);
    fputs("</td>", f);
}

static void class_colour(FILE *f, int k)
{
    fprintf(f, "#%02x%02x%02x", out_class_rgb[k][0], out_class_rgb[k][1], out_class_rgb[k][2]);
}

/* The class's swatch, Chinese label and key. */
static void class_label(FILE *f, int k)
{
    if (k < 0 || k >= IBMAP_CLASS_COUNT) {
        fputs("?", f);
        return;
    }
    fputs("<span class=\"sw\" style=\"background:", f);
    class_colour(f, k);
    fputs("\"></span>", f);
    esc(f, ibmap_class_label_zh((ibmap_class)k));
    fputs(" <span class=\"key\">", f);
    esc(f, ibmap_class_name((ibmap_class)k));
    fputs("</span>", f);
}

void out_html_class_label(FILE *f, int k)
{
    class_label(f, k);
}

/* A heading: Chinese, then English in a lighter span. */
static void heading(FILE *f, int level, const char *id, const char *zh, const char *en)
{
    fprintf(f, "<h%d", level);
    if (id) fprintf(f, " id=\"%s\"", id);
    fprintf(f, ">%s <span class=\"en\">%s</span></h%d>\n", zh, en, level);
}

/* The two header rows of a table with one column pair (blocks, 亩) per
** class and a total pair; `corner` (HTML) heads the first column. */
static void class_pair_header(FILE *f, const char *corner)
{
    fprintf(f, "<thead><tr><th rowspan=\"2\">%s</th>", corner);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        fputs("<th colspan=\"2\">", f);
        class_label(f, k);
        fputs("</th>", f);
    }
    fputs("<th colspan=\"2\">合计 <span class=\"key\">total</span></th></tr>\n<tr>", f);
    for (int k = 0; k <= IBMAP_CLASS_COUNT; k++)
        fputs("<th class=\"n\">区块 blocks</th><th class=\"n\">亩 mu</th>", f);
    fputs("</tr></thead>\n", f);
}

typedef struct dq_key {
    const char *layer, *problem, *severity;
} dq_key;

static int dq_cmp(const void *a, const void *b)
{
    const dq_key *x = a, *y = b;
    int c = strcmp(x->layer, y->layer);
    if (!c) c = strcmp(x->problem, y->problem);
    return c ? c : strcmp(x->severity, y->severity);
}

/* Everything the page shows that takes memory to work out, worked out
** before the file is opened, so that the body can only fail to write. */
typedef struct report {
    const out_model *m;
    const out_table *blocks;
    out_grouping groups[N_GROUPS];
    dq_key *dq;                 /* the data-quality entries, sorted */
    int64_t n_dq;
    unsigned char *png;         /* the map's bytes, or NULL */
    size_t png_size;
    const char *png_path;       /* the path given, for the note */
    const char *png_problem;    /* why there is no map, or NULL */
    char problem[256];          /* its text, when from errno */
    /* The interactive map: the data, Leaflet and the page's script, and
    ** the hashes of the two scripts for the Content-Security-Policy. */
    out_webmap webmap;
    char *leaflet_js, *leaflet_css;
    char leaflet_problem[512];  /* why there is no interactive map, or "" */
    char hash_leaflet[64], hash_app[64];
} report;

/* The text of row r, column c; "" when null, not text or no column. */
static const char *cell_text(const out_table *t, int64_t r, int c)
{
    if (c < 0 || t->columns[c].type != OUT_TEXT) return "";
    const out_cell *cell = out_table_cell(t, r, c);
    return out_cell_null(t, r, c) ? "" : cell->v.text;
}

/* ---------------------------------------------------------------------- */
/* The map: base64 (RFC 4648, no line breaks: a data: URI takes none)     */
/* ---------------------------------------------------------------------- */

static void put_base64(FILE *f, const unsigned char *p, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4096];
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
        if (o > sizeof out - 4) {
            fwrite(out, 1, o, f);
            o = 0;
        }
    }
    fwrite(out, 1, o, f);
}

static void section_map(FILE *f, const report *r)
{
    if (!r->png && !r->png_problem) return;
    fputs("<section id=\"map\">\n", f);
    heading(f, 2, NULL, "分布图", "Map");
    if (r->png) {
        fputs("<figure><img alt=\"", f);
        esc(f, r->m->title);
        fputs("\" src=\"data:image/png;base64,", f);
        put_base64(f, r->png, r->png_size);
        fputs("\"></figure>\n", f);
    } else {
        fputs("<p class=\"note\">地图图像不可用 Map image unavailable: ", f);
        esc(f, r->png_path);
        fputs(": ", f);
        esc(f, r->png_problem);
        fputs("</p>\n", f);
    }
    fputs("</section>\n", f);
}

/* Read the map into r->png, or set r->png_problem to why it cannot be
** used.  Returns 0 only when out of memory. */
static int read_png(const char *path, report *r)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(r->problem, sizeof r->problem, "%s", strerror(errno));
        r->png_problem = r->problem;
        return 1;
    }
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = realloc(b, cap *= 2);
            if (!bigger) free(b);
            b = bigger;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!b) return 0;
    if (err || n < sizeof signature || memcmp(b, signature, sizeof signature) != 0) {
        free(b);
        r->png_problem = err ? "read error" : "not a PNG file";
        return 1;
    }
    r->png = b;
    r->png_size = n;
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Sections                                                               */
/* ---------------------------------------------------------------------- */

static const char css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",\"WenQuanYi Micro Hei\",system-ui,-apple-system,\"Segoe UI\","
    "sans-serif;color:#222;background:#fff;line-height:1.5;max-width:1180px;"
    "margin:0 auto;padding:24px 32px 48px}\n"
    "h1{font-size:1.8em;margin:0 0 .4em}\n"
    "h2{font-size:1.3em;margin:2em 0 .6em;padding-bottom:.2em;border-bottom:2px solid #d8dce3}\n"
    "h3{font-size:1.05em;margin:1.4em 0 .4em}\n"
    ".en{color:#667;font-weight:normal;font-size:.8em;margin-left:.4em}\n"
    ".key{color:#778;font-size:.85em}\n"
    "table{border-collapse:collapse;margin:.4em 0 1.2em;font-size:.9em}\n"
    "th,td{border:1px solid #b9bec8;padding:3px 8px;vertical-align:top}\n"
    "thead th,tbody th{background:#f1f3f6;text-align:left;font-weight:600}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.zero{color:#b0b4bb}\n"
    "tr.total td,tr.total th{font-weight:700;background:#e9ecf1}\n"
    "td.same{background:#f4f8ee}\n"
    ".sw{display:inline-block;width:.9em;height:.9em;border:1px solid #555;"
    "vertical-align:-.1em;margin-right:.35em}\n"
    "code{font-family:\"Noto Sans Mono CJK SC\",ui-monospace,\"DejaVu Sans Mono\",monospace;"
    "font-size:.9em;background:#f5f6f8;padding:0 3px;border-radius:3px;"
    "white-space:pre-wrap;word-break:break-word}\n"
    "code.id{white-space:nowrap}\n"
    "table.meta th{width:9em}\n"
    "figure{margin:0}\n"
    "figure img{max-width:100%;height:auto;border:1px solid #ccc}\n"
    ".note{color:#7a4b00;background:#fff6dc;border:1px solid #eccd7c;padding:6px 10px}\n"
    ".defects{color:#7a0000;background:#fdecea;border:2px solid #d73027;padding:6px 14px;"
    "margin:0 0 1em}\n"
    ".defects ul{margin:.2em 0 .4em;padding-left:1.4em}\n"
    "svg{max-width:100%;height:auto}\n"
    ".bar{display:inline-block;width:80px;height:.7em;background:#e9ecf1;margin-left:.5em;"
    "vertical-align:middle}.bar span{display:block;height:100%}\n"
    "td.unknown{color:#7a4b00;background:#fff6dc}\n"
    "svg text{font-family:inherit;font-size:12px;fill:#333}\n"
    "footer{margin-top:3em;font-size:.85em;color:#444}\n"
    "footer td{word-break:break-all}\n"
    "@media print{body{max-width:none;padding:0}h2{break-after:avoid}"
    "table,figure,svg{break-inside:avoid}}\n";

/* The layers the run went on with although their gates did not simply
** pass (accepted defects first, then warnings): a box under the title,
** before anything a reader could take for a trusted result. */
static void section_defects(FILE *f, const report *r)
{
    const out_model *m = r->m;
    if (m->n_verdicts == 0) return;
    int accepted = 0;
    for (int i = 0; i < m->n_verdicts; i++)
        accepted += m->verdicts[i].verdict == IBMAP_VERDICT_ACCEPTED;
    fprintf(f, "<div class=\"defects\" id=\"defects\" role=\"alert\">\n<p><strong>%s</strong></p>\n<ul>\n",
            accepted ? "⚠ 本次运行接受了数据缺陷，结果须结合下列缺陷解读。 "
                       "This run went on with accepted data defects: read its results "
                       "with them."
                     : "⚠ 本次运行有图层警告，结果须结合下列警告解读。 "
                       "This run went on with layer warnings: read its results with them.");
    for (int pass = IBMAP_VERDICT_ACCEPTED; pass >= IBMAP_VERDICT_WARNING; pass--)
        for (int i = 0; i < m->n_verdicts; i++) {
            const out_verdict *v = &m->verdicts[i];
            if ((int)v->verdict != pass) continue;
            fprintf(f, "<li><strong>%s</strong> <code class=\"id\">",
                    pass == IBMAP_VERDICT_ACCEPTED ? "数据缺陷已接受 defects accepted"
                                                   : "警告 warning");
            esc(f, v->role);
            fputs("</code>: ", f);
            esc(f, v->message);
            fputs("</li>\n", f);
        }
    fputs("</ul>\n</div>\n", f);
}

void out_html_head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "img-src data:; style-src 'unsafe-inline'\">\n"
          "<meta name=\"generator\" content=\"ibmap\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
    esc(f, title);
    fputs("</h1>\n</header>\n<main>\n", f);
}

static const char imap_css[] =
    "#imap{height:640px;border:1px solid #b9bec8;background:#fff;margin:.4em 0 1em}\n"
    ".leaflet-container{font-family:inherit;font-size:12px}\n"
    ".leaflet-tooltip.town-label{background:transparent;border:0;box-shadow:none;color:#555;"
    "font-size:13px;text-shadow:0 0 2px #fff,0 0 2px #fff}\n"
    ".leaflet-tooltip.town-label:before{display:none}\n"
    ".pop h4{margin:0 0 .3em;font-size:1.1em}.pop p{margin:.3em 0}\n"
    ".pop table{margin:.3em 0;font-size:.95em}.pop th,.pop td{padding:1px 5px}\n"
    ".pop .reason{max-width:400px}\n"
    ".leaflet-control-layers label{font-size:12px}\n";

static void section_head(FILE *f, const report *r)
{
    const out_model *m = r->m;
    const char *title = m->title && *m->title ? m->title : "工业区块分析报告 Industrial block report";
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "img-src data:; style-src 'unsafe-inline'", f);
    /* The two inline scripts, by hash: nothing else may run, and nothing
    ** may be fetched (default-src 'none': no connect, no script source). */
    if (r->webmap.json && r->leaflet_js)
        fprintf(f, "; script-src 'sha256-%s' 'sha256-%s'", r->hash_leaflet, r->hash_app);
    fputs("\">\n<meta name=\"generator\" content=\"ibmap\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>\n%s%s</style>\n", css, r->webmap.json && r->leaflet_js ? imap_css : "");
    if (r->webmap.json && r->leaflet_js) fprintf(f, "<style>\n%s</style>\n", r->leaflet_css);
    fputs("</head>\n<body>\n<header>\n<h1>", f);
    esc(f, title);
    fputs("</h1>\n", f);
    section_defects(f, r);
    fputs("<table class=\"meta\">\n", f);
    static const char *const labels[] = {"情景 Scenario", "规则 Rules", "坐标系 CRS",
                                         "数据日期 Data date"};
    const char *values[] = {m->scenario, m->rules_name, m->crs, m->data_date};
    for (int i = 0; i < 4; i++) {
        fprintf(f, "<tr><th>%s</th><td>", labels[i]);
        esc(f, values[i]);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n</header>\n<main>\n", f);
}

/* One target's value cell: the measure, a bar of its progress, or
** "unknown" — never a 0 for missing data. */
static void target_cells(FILE *f, const rules_target *t, const out_target_value *v)
{
    char buf[200];
    out_target_format(t, v, buf, sizeof buf);
    int met = isfinite(v->progress) && v->progress >= 1 - 1e-9;
    fprintf(f, "<td class=\"n%s\" data-value=\"", isfinite(v->value) ? "" : " unknown");
    if (isfinite(v->value)) fprintf(f, "%.10g", v->value);
    fputs("\">", f);
    esc(f, buf);
    if (isfinite(v->progress)) {
        double w = v->progress > 1 ? 100 : v->progress < 0 ? 0 : 100 * v->progress;
        fprintf(f, "<span class=\"bar\"><span style=\"width:%.0f%%;background:%s\"></span></span>",
                w, met ? "#2e9e4f" : "#f2a900");
    }
    fprintf(f, "</td><td>%s</td>", !isfinite(v->value) ? "数据不足 unknown"
                                   : met                ? "已达到 met"
                                                        : "未达到 not yet");
}

/* The targets (一、(三) by default) on the first screen. */
static void section_targets(FILE *f, const report *r)
{
    const out_model *m = r->m;
    if (m->n_targets <= 0 || !m->target_values) return;
    fputs("<section id=\"targets\">\n", f);
    heading(f, 2, NULL, "目标进度", "Targets");
    fputs("<p>本情景的区块分类、企业清单与小微企业园候选地块对照规则文件中的目标（默认：慈政办发〔2021〕31号 "
          "一、(三) 2025年目标）。数据不足的指标注明原因，不按 0 计。 This scenario's plan against "
          "the targets; where the data cannot tell, the page says so instead of counting 0.</p>\n"
          "<table data-table=\"targets\">\n<thead><tr><th>目标 Target</th><th class=\"n\">"
          "进度 Value / target</th><th>状态 Status</th><th>说明 Note</th><th>依据 Source</th></tr>"
          "</thead>\n<tbody>\n",
          f);
    for (int i = 0; i < m->n_targets; i++) {
        const rules_target *t = &m->targets[i];
        fprintf(f, "<tr data-target=\"%s\"><th scope=\"row\">", t->id);
        esc(f, t->label);
        fputs(" <span class=\"key\">", f);
        esc(f, t->measure);
        fputs("</span></th>", f);
        target_cells(f, t, &m->target_values[i]);
        fputs("<td>", f);
        esc(f, m->target_values[i].note);
        fputs("</td><td>", f);
        esc(f, t->source);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

/* The interactive map: the data block (not run: type application/json),
** Leaflet and the page's script, both allowed by their hashes. */
static void section_imap(FILE *f, const report *r)
{
    fputs("<section id=\"imap-section\">\n", f);
    heading(f, 2, NULL, "交互地图", "Interactive map");
    if (r->webmap.skipped) {
        fprintf(f, "<p class=\"note\">交互地图未生成：区块过多（%lld 个，上限 %d）。"
                   "Interactive map left out: %lld blocks, more than a browser draws "
                   "(limit %d); the map image below and the plan sheets show them.</p>\n"
                   "</section>\n",
                (long long)r->webmap.n_blocks, OUT_WEBMAP_MAX_BLOCKS,
                (long long)r->webmap.n_blocks, OUT_WEBMAP_MAX_BLOCKS);
        return;
    }
    if (!r->leaflet_js || !r->webmap.json) {
        fputs("<p class=\"note\">交互地图不可用 Interactive map unavailable: ", f);
        esc(f, r->leaflet_problem[0] ? r->leaflet_problem : "no data");
        fputs("</p>\n</section>\n", f);
        return;
    }
    fprintf(f, "<p>点击区块查看指标、分类理由与企业；右上角切换图层。 Click a block for its "
               "metrics, reason and enterprises; switch layers top right. "
               "<span class=\"key\">图形已简化（容差 %.1f 米），仅供显示，数字均按原始图形计算。"
               "Shapes simplified for display (tolerance %.1f m); every figure is measured "
               "on the exact shapes.</span></p>\n",
            r->webmap.tolerance, r->webmap.tolerance);
    fputs("<div id=\"imap\"></div>\n<script type=\"application/json\" id=\"ibmap-data\">", f);
    fputs(r->webmap.json, f);
    fputs("</script>\n<script>", f);
    fputs(r->leaflet_js, f);
    fputs("</script>\n<script>", f);
    fputs(out_webmap_app_js(), f);
    fputs("</script>\n</section>\n", f);
}

static void section_classes(FILE *f, const report *r)
{
    int64_t blocks[IBMAP_CLASS_COUNT + 1] = {0};
    double mu[IBMAP_CLASS_COUNT + 1] = {0};
    for (int64_t i = 0; i < r->blocks->n_rows; i++) {
        int k = r->m->klass[i];
        double a = r->m->area_mu ? r->m->area_mu[i] : NAN;
        blocks[k]++;
        blocks[IBMAP_CLASS_COUNT]++;
        if (isfinite(a)) {
            mu[k] += a;
            mu[IBMAP_CLASS_COUNT] += a;
        }
    }
    fputs("<section id=\"classes\">\n", f);
    heading(f, 2, NULL, "分类汇总", "Blocks and area by class");
    fputs("<table>\n<thead><tr><th>分类 Class</th><th class=\"n\">区块 Blocks</th>"
          "<th class=\"n\">面积（亩） Area (mu)</th><th class=\"n\">面积占比 Share of area</th>"
          "</tr></thead>\n<tbody>\n",
          f);
    for (int k = 0; k <= IBMAP_CLASS_COUNT; k++) {
        if (k < IBMAP_CLASS_COUNT) {
            fprintf(f, "<tr data-class=\"%s\"><td>", ibmap_class_name((ibmap_class)k));
            class_label(f, k);
            fputs("</td>", f);
        } else {
            fputs("<tr class=\"total\"><td>合计 Total</td>", f);
        }
        cell_count(f, blocks[k]);
        cell_mu(f, mu[k], blocks[k] == 0);
        if (mu[IBMAP_CLASS_COUNT] > 0)
            fprintf(f, "<td class=\"n\">%.1f%%</td></tr>\n", 100 * mu[k] / mu[IBMAP_CLASS_COUNT]);
        else
            fputs("<td class=\"n\">–</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

/* The 小微企业园 candidate sites, ranked, with what their score is made of. */
static void section_sites(FILE *f, const report *r)
{
    const out_table *t = out_model_table(r->m, OUT_SITES_TABLE);
    if (!t) return;
    const rules_sme *p = &r->m->sme;
    fputs("<section id=\"sites\">\n", f);
    heading(f, 2, NULL, "小微企业园候选地块", "SME park candidate sites");
    fputs("<p>整合改造区块（改造方式：", f);
    int first = 1;
    for (int k = 1; k < IBMAP_MODE_COUNT; k++)
        if (p->modes & (1u << k)) {
            fprintf(f, "%s%s", first ? "" : "、", ibmap_mode_label_zh((ibmap_mode)k));
            first = 0;
        }
    fprintf(f, "）与区块外的小宗地（&lt;%g 亩）或低效宗地（亩均税收 &lt;%g 万元/亩），扣除生态保护红线、"
               "永久基本农田与优先保护单元后，相距 %g 米以内的连成一片，%g–%g 亩。评分 0–100："
               "规模 %g、紧凑度 %g、规划园区内占比 %g、%g 米内可入园小微企业 %g（权重）。"
               "Consolidate blocks of the modes above and small or low-efficiency parcels "
               "outside every block, less the red line, basic farmland and 优先保护 units, "
               "grouped when within %g m, %g–%g mu; score by size, compactness, share in "
               "planned parks and small firms nearby that could move in "
               "(docs/rules.md).</p>\n",
            p->small_parcel_mu, p->low_tax_per_mu, p->link_distance, p->min_mu, p->max_mu,
            p->w_size, p->w_compactness, p->w_parks, p->mover_distance, p->w_movers,
            p->link_distance, p->min_mu, p->max_mu);
    if (t->n_rows == 0) {
        fputs("<p class=\"note\">没有符合条件的候选地块。 No candidate site.</p>\n</section>\n", f);
        return;
    }
    fputs("<table data-table=\"sites\">\n<thead><tr><th>编号 Site</th><th>镇街 Town</th>"
          "<th class=\"n\">面积（亩）</th><th class=\"n\">评分 Score</th>"
          "<th class=\"n\">规模</th><th class=\"n\">紧凑</th><th class=\"n\">园区</th>"
          "<th class=\"n\">入园</th><th class=\"n\">可入园企业</th><th>组成 Members</th></tr>"
          "</thead>\n<tbody>\n",
          f);
    for (int64_t i = 0; i < t->n_rows; i++) {
        fputs("<tr><td><code class=\"id\">", f);
        esc(f, out_text(t, i, "site_id"));
        fputs("</code></td><td>", f);
        esc(f, out_text(t, i, "town"));
        fputs("</td>", f);
        fprintf(f, "<td class=\"n\">%.1f</td><td class=\"n\">%.1f</td>", out_number(t, i, "area_mu"),
                out_number(t, i, "score"));
        static const char *const parts[] = {"score_size", "score_compactness", "score_parks",
                                            "score_movers"};
        for (int k = 0; k < 4; k++) fprintf(f, "<td class=\"n\">%.2f</td>", out_number(t, i, parts[k]));
        fprintf(f, "<td class=\"n\">%.0f</td><td><code>", out_number(t, i, "n_movers"));
        esc(f, out_text(t, i, "members"));
        fputs("</code></td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

/* One pivot table: a row per group, the class pairs, the row total; and
** a total row. */
static void pivot_table(FILE *f, const out_grouping *p, const char *corner, const char *none_label)
{
    fputs("<table>\n", f);
    class_pair_header(f, corner);
    fputs("<tbody>\n", f);
    int64_t col_blocks[IBMAP_CLASS_COUNT + 1] = {0};
    double col_mu[IBMAP_CLASS_COUNT + 1] = {0};
    for (int64_t i = 0; i < p->n; i++) {
        const out_group *row = &p->rows[i];
        fputs("<tr><th scope=\"row\">", f);
        if (row->label && *row->label) {
            esc(f, row->label);
            fputs(" <span class=\"key\">", f);
            esc(f, row->key);
            fputs("</span>", f);
        } else {
            esc(f, row->key && *row->key ? row->key : none_label);
        }
        fputs("</th>", f);
        int64_t tb = 0;
        double tm = 0;
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
            cell_count(f, row->blocks[k]);
            cell_mu(f, row->mu[k], row->blocks[k] == 0);
            tb += row->blocks[k];
            tm += row->mu[k];
            col_blocks[k] += row->blocks[k];
            col_mu[k] += row->mu[k];
        }
        cell_count(f, tb);
        cell_mu(f, tm, tb == 0);
        fputs("</tr>\n", f);
        col_blocks[IBMAP_CLASS_COUNT] += tb;
        col_mu[IBMAP_CLASS_COUNT] += tm;
    }
    fputs("<tr class=\"total\"><th scope=\"row\">合计 Total</th>", f);
    for (int k = 0; k <= IBMAP_CLASS_COUNT; k++) {
        cell_count(f, col_blocks[k]);
        cell_mu(f, col_mu[k], col_blocks[k] == 0);
    }
    fputs("</tr>\n</tbody>\n</table>\n", f);
}

static void section_groups(FILE *f, const report *r)
{
    for (size_t g = 0; g < N_GROUPS; g++) {
        fprintf(f, "<section id=\"%s\">\n", groups[g].id);
        heading(f, 2, NULL, groups[g].zh, groups[g].en);
        pivot_table(f, &r->groups[g], groups[g].corner, groups[g].none);
        fputs("</section>\n", f);
    }
}

static void section_rules(FILE *f, const report *r)
{
    const out_model *m = r->m;
    fputs("<section id=\"rules\">\n", f);
    heading(f, 2, NULL, "适用规则", "Rules in force");
    if (m->n_rules == 0) {
        fputs("<p>未提供规则。 No rules given.</p>\n</section>\n", f);
        return;
    }
    fputs("<p>规则按顺序判断，第一条满足条件的规则决定区块的分类。 "
          "Rules are tried in order; the first whose condition holds decides.</p>\n"
          "<table>\n<thead><tr><th class=\"n\">#</th><th>规则 Rule</th><th>分类 Class</th>"
          "<th>改造方式 Mode</th><th>依据 Source</th><th>条件 Condition</th>"
          "<th class=\"n\">决定区块 Blocks decided</th></tr></thead>\n<tbody>\n",
          f);
    for (int i = 0; i < m->n_rules; i++) {
        const out_rule *rule = &m->rules[i];
        fprintf(f, "<tr><td class=\"n\">%d</td><td><code class=\"id\">", i + 1);
        esc(f, rule->id);
        fputs("</code></td><td>", f);
        class_label(f, rule->klass);
        fputs("</td><td>", f);
        const char *mode_zh = ibmap_mode_label_zh(rule->mode);
        if (mode_zh && *mode_zh) {
            esc(f, mode_zh);
            fputs(" <span class=\"key\">", f);
            esc(f, ibmap_mode_name(rule->mode));
            fputs("</span>", f);
        } else {
            fputs("—", f);
        }
        fputs("</td><td>", f);
        esc(f, rule->source);
        fputs("</td><td><code>", f);
        esc(f, rule->when);
        fputs("</code></td>", f);
        cell_count(f, rule->n_decided);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

static void section_quality(FILE *f, const report *r)
{
    fputs("<section id=\"quality\">\n", f);
    heading(f, 2, NULL, "数据质量", "Data quality");
    if (r->n_dq == 0) {
        fputs("<p>数据质量日志为空。 The data-quality log is empty.</p>\n</section>\n", f);
        return;
    }
    fputs("<p>按图层、问题和严重程度计数；逐条记录见 data_quality 表。 "
          "Entries counted by layer, problem and severity; each entry is in the "
          "data_quality table.</p>\n"
          "<table>\n<thead><tr><th>图层 Layer</th><th>问题 Problem</th><th>严重程度 Severity</th>"
          "<th class=\"n\">条数 Entries</th></tr></thead>\n<tbody>\n",
          f);
    const dq_key *keys = r->dq;
    for (int64_t i = 0; i < r->n_dq;) {
        int64_t j = i + 1;
        while (j < r->n_dq && dq_cmp(&keys[i], &keys[j]) == 0) j++;
        fputs("<tr><td>", f);
        esc(f, keys[i].layer);
        fputs("</td><td>", f);
        esc(f, keys[i].problem);
        fputs("</td><td>", f);
        esc(f, keys[i].severity);
        fputs("</td>", f);
        cell_count(f, j - i);
        fputs("</tr>\n", f);
        i = j;
    }
    fprintf(f, "<tr class=\"total\"><td colspan=\"3\">合计 Total</td><td class=\"n\">%lld</td>"
               "</tr>\n</tbody>\n</table>\n</section>\n",
            (long long)r->n_dq);
}

static void scenario_matrix(FILE *f, const report *r, const out_scenario *sc)
{
    fputs("<h3>", f);
    esc(f, r->m->scenario);
    fputs(" → ", f);
    esc(f, sc->name);
    fputs(" <span class=\"en\">this scenario (rows) against “", f);
    esc(f, sc->name);
    fputs("” (columns): blocks / 亩</span></h3>\n<table data-scenario=\"", f);
    esc(f, sc->name);
    fputs("\">\n<thead><tr><th>", f);
    esc(f, r->m->scenario);
    fputs(" ＼ ", f);
    esc(f, sc->name);
    fputs("</th>", f);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        fputs("<th>", f);
        class_label(f, k);
        fputs("</th>", f);
    }
    fputs("<th>合计 Total</th></tr></thead>\n<tbody>\n", f);
    int64_t cb[IBMAP_CLASS_COUNT + 1] = {0};
    double cm[IBMAP_CLASS_COUNT + 1] = {0};
    for (int i = 0; i < IBMAP_CLASS_COUNT; i++) {
        fputs("<tr><th scope=\"row\">", f);
        class_label(f, i);
        fputs("</th>", f);
        int64_t rb = 0;
        double rm = 0;
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++) {
            int64_t b = sc->blocks[i][j];
            double mu = isfinite(sc->mu[i][j]) ? sc->mu[i][j] : 0;
            fprintf(f, "<td class=\"n%s%s\" data-from=\"%s\" data-to=\"%s\">%lld / ",
                    i == j ? " same" : "", b ? "" : " zero", ibmap_class_name((ibmap_class)i),
                    ibmap_class_name((ibmap_class)j), (long long)b);
            put_fixed2(f, mu);
            fputs("</td>", f);
            rb += b;
            rm += mu;
            cb[j] += b;
            cm[j] += mu;
        }
        fprintf(f, "<td class=\"n\">%lld / ", (long long)rb);
        put_fixed2(f, rm);
        fputs("</td></tr>\n", f);
        cb[IBMAP_CLASS_COUNT] += rb;
        cm[IBMAP_CLASS_COUNT] += rm;
    }
    fputs("<tr class=\"total\"><th scope=\"row\">合计 Total</th>", f);
    for (int j = 0; j <= IBMAP_CLASS_COUNT; j++) {
        fprintf(f, "<td class=\"n\">%lld / ", (long long)cb[j]);
        put_fixed2(f, cm[j]);
        fputs("</td>", f);
    }
    fputs("</tr>\n</tbody>\n</table>\n", f);
}

static void section_scenarios(FILE *f, const report *r)
{
    if (r->m->n_scenarios <= 0) return;
    fputs("<section id=\"scenarios\">\n", f);
    heading(f, 2, NULL, "情景对比", "Scenarios compared");
    fputs("<p>行为本情景的分类，列为另一情景的分类；对角线上的区块两者相同。 "
          "Rows: this scenario's class; columns: the other's. Blocks on the diagonal "
          "keep their class.</p>\n",
          f);
    for (int i = 0; i < r->m->n_scenarios; i++) scenario_matrix(f, r, &r->m->scenarios[i]);
    const out_model *m = r->m;
    if (m->n_targets > 0 && m->target_values) {
        fputs("<h3>目标对照 <span class=\"en\">Targets, scenario by scenario</span></h3>\n"
              "<table data-table=\"targets-by-scenario\">\n<thead><tr><th>目标 Target</th><th>",
              f);
        esc(f, m->scenario);
        fputs(" <span class=\"key\">本情景 this</span></th>", f);
        for (int i = 0; i < m->n_scenarios; i++) {
            fputs("<th>", f);
            esc(f, m->scenarios[i].name);
            fputs("</th>", f);
        }
        fputs("</tr></thead>\n<tbody>\n", f);
        for (int t = 0; t < m->n_targets; t++) {
            char buf[200];
            fputs("<tr><th scope=\"row\">", f);
            esc(f, m->targets[t].label);
            fputs("</th>", f);
            out_target_format(&m->targets[t], &m->target_values[t], buf, sizeof buf);
            fputs("<td class=\"n\">", f);
            esc(f, buf);
            fputs("</td>", f);
            for (int i = 0; i < m->n_scenarios; i++) {
                fputs("<td class=\"n\">", f);
                if (m->scenarios[i].targets) {
                    out_target_format(&m->targets[t], &m->scenarios[i].targets[t], buf, sizeof buf);
                    esc(f, buf);
                }
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
    }
    fputs("</section>\n", f);
}

/* ---------------------------------------------------------------------- */
/* The sweep chart (inline SVG)                                           */
/* ---------------------------------------------------------------------- */

/* 1, 2 or 5 × 10^k, the nearest above x / 5: about five ticks. */
static double nice_step(double range)
{
    double raw = range / 5;
    if (!(raw > 0)) return 1;
    double p = pow(10, floor(log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* Decimals enough to tell ticks `step` apart. */
static int step_decimals(double step)
{
    int d = (int)-floor(log10(step) + 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

enum { SVG_W = 760, SVG_H = 380, SVG_L = 64, SVG_R = 180, SVG_T = 20, SVG_B = 56 };

typedef struct chart {
    double x0, x1, y1;   /* x from x0 to x1, y from 0 to y1 */
} chart;

static double chart_x(const chart *c, double v)
{
    return SVG_L + (v - c->x0) / (c->x1 - c->x0) * (SVG_W - SVG_L - SVG_R);
}

static double chart_y(const chart *c, double v)
{
    return SVG_T + (1 - v / c->y1) * (SVG_H - SVG_T - SVG_B);
}

static void chart_axes(FILE *f, const chart *c, const out_sweep *sw, double xstep, double ystep)
{
    double bottom = SVG_H - SVG_B, right = SVG_W - SVG_R;
    int yd = step_decimals(ystep), xd = step_decimals(xstep);
    for (double v = 0; v <= c->y1 + ystep * 1e-6; v += ystep) {
        double y = chart_y(c, v);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e6ea\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
                SVG_L, y, right, y, SVG_L - 6, y + 4, yd, v);
    }
    /* Ticks by index, not by adding steps: 0.1 added ten times is not 1. */
    double first = ceil(c->x0 / xstep - 1e-9);
    for (int i = 0; (first + i) * xstep <= c->x1 + xstep * 1e-6; i++) {
        double v = (first + i) * xstep, x = chart_x(c, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n",
                x, bottom, x, bottom + 5, x, bottom + 18, xd, fabs(v) < xstep * 1e-9 ? 0 : v);
    }
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>"
               "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
            SVG_L, SVG_T, SVG_L, bottom, SVG_L, bottom, right, bottom);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", (SVG_L + right) / 2,
            SVG_H - 14);
    esc(f, sw->param);
    fprintf(f, "</text>\n<text transform=\"translate(16 %.1f) rotate(-90)\" "
               "text-anchor=\"middle\">区块数 Blocks</text>\n",
            (SVG_T + bottom) / 2);
}

static void chart_series(FILE *f, const chart *c, const out_sweep *sw, int k)
{
    fputs("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"", f);
    class_colour(f, k);
    fprintf(f, "\" data-class=\"%s\" points=\"", ibmap_class_name((ibmap_class)k));
    int first = 1;
    for (int v = 0; v < sw->n_values; v++) {
        if (!isfinite(sw->values[v])) continue;
        double b = (double)sw->blocks[v * IBMAP_CLASS_COUNT + k];
        fprintf(f, "%s%.1f,%.1f", first ? "" : " ", chart_x(c, sw->values[v]), chart_y(c, b));
        first = 0;
    }
    fputs("\"/>\n", f);
    /* Points with a tooltip, while few enough to tell apart. */
    for (int v = 0; sw->n_values <= 60 && v < sw->n_values; v++) {
        if (!isfinite(sw->values[v])) continue;
        int64_t b = sw->blocks[v * IBMAP_CLASS_COUNT + k];
        fprintf(f, "<circle r=\"3\" cx=\"%.1f\" cy=\"%.1f\" fill=\"", chart_x(c, sw->values[v]),
                chart_y(c, (double)b));
        class_colour(f, k);
        fputs("\"><title>", f);
        esc(f, ibmap_class_label_zh((ibmap_class)k));
        fputs(" ", f);
        esc(f, sw->param);
        fprintf(f, " = %g: %lld</title></circle>\n", sw->values[v], (long long)b);
    }
}

static void chart_legend(FILE *f)
{
    int x = SVG_W - SVG_R + 20;
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        int y = SVG_T + 12 + k * 22;
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke-width=\"3\" stroke=\"",
                x, y, x + 22, y);
        class_colour(f, k);
        fprintf(f, "\"/><text x=\"%d\" y=\"%d\">", x + 28, y + 4);
        esc(f, ibmap_class_label_zh((ibmap_class)k));
        fputs(" ", f);
        esc(f, ibmap_class_name((ibmap_class)k));
        fputs("</text>\n", f);
    }
}

static void sweep_chart(FILE *f, const out_sweep *sw)
{
    chart c = {INFINITY, -INFINITY, 0};
    for (int v = 0; v < sw->n_values; v++) {
        if (isfinite(sw->values[v])) {
            c.x0 = fmin(c.x0, sw->values[v]);
            c.x1 = fmax(c.x1, sw->values[v]);
        }
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
            c.y1 = fmax(c.y1, (double)sw->blocks[v * IBMAP_CLASS_COUNT + k]);
    }
    if (!(c.x0 <= c.x1)) c.x0 = 0, c.x1 = 1;              /* no finite value */
    if (c.x0 == c.x1) {                                    /* one value: centre it */
        double pad = fabs(c.x0) > 0 ? fabs(c.x0) * 0.5 : 1;
        c.x0 -= pad;
        c.x1 += pad;
    }
    /* Counts: whole-number ticks, the top on a tick. */
    double ystep = nice_step(c.y1 > 0 ? c.y1 : 1);
    if (ystep < 1) ystep = 1;
    c.y1 = ceil((c.y1 > 0 ? c.y1 : 1) / ystep) * ystep;
    double xstep = nice_step(c.x1 - c.x0);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
               "height=\"%d\" role=\"img\" aria-label=\"",
            SVG_W, SVG_H, SVG_W, SVG_H);
    esc(f, sw->param);
    fputs("\">\n", f);
    chart_axes(f, &c, sw, xstep, ystep);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) chart_series(f, &c, sw, k);
    chart_legend(f);
    fputs("</svg>\n", f);
}

static void section_sweep(FILE *f, const report *r)
{
    const out_sweep *sw = &r->m->sweep;
    if (sw->n_values <= 0 || !sw->values || !sw->blocks) return;
    fputs("<section id=\"sweep\">\n<h2>参数扫描 <span class=\"en\">Sweep of <code>", f);
    esc(f, sw->param);
    fputs("</code></span></h2>\n<p>其他参数不变，逐个取值重新分类。 "
          "Every block classified again for each value, the other params unchanged.</p>\n",
          f);
    sweep_chart(f, sw);
    fputs("<table>\n", f);
    fputs("<thead><tr><th rowspan=\"2\"><code>", f);
    esc(f, sw->param);
    fputs("</code></th>", f);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        fputs("<th colspan=\"2\">", f);
        class_label(f, k);
        fputs("</th>", f);
    }
    fputs("</tr>\n<tr>", f);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
        fputs("<th class=\"n\">区块 blocks</th><th class=\"n\">亩 mu</th>", f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int v = 0; v < sw->n_values; v++) {
        fprintf(f, "<tr><td class=\"n\">%g</td>", sw->values[v]);
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
            int64_t b = sw->blocks[v * IBMAP_CLASS_COUNT + k];
            double mu = sw->mu ? sw->mu[v * IBMAP_CLASS_COUNT + k] : NAN;
            cell_count(f, b);
            cell_mu(f, isfinite(mu) ? mu : 0, b == 0);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

static void section_footer(FILE *f, const report *r)
{
    fputs("</main>\n<footer>\n", f);
    heading(f, 2, "run", "运行信息", "Run");
    const out_table *t = out_model_table(r->m, "run");
    if (t && t->n_rows > 0) {
        fputs("<table class=\"kv\">\n<tbody>\n", f);
        for (int64_t i = 0; i < t->n_rows; i++) {
            fputs("<tr><th>", f);
            esc(f, out_text(t, i, "key"));
            fputs("</th><td>", f);
            esc(f, out_text(t, i, "value"));
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
    }
    fputs("<p>由 ibmap 生成。 Generated by ibmap.</p>\n</footer>\n</body>\n</html>\n", f);
}

static int write_report(FILE *f, const void *arg)
{
    const report *r = arg;
    section_head(f, r);
    section_targets(f, r);
    section_imap(f, r);
    section_map(f, r);
    section_classes(f, r);
    out_report_enterprises(f, r->m);
    section_sites(f, r);
    section_groups(f, r);
    section_rules(f, r);
    section_quality(f, r);
    section_scenarios(f, r);
    if (r->m->ws_compare) out_compare_section(f, r->m->ws_compare);
    section_sweep(f, r);
    section_footer(f, r);
    return !ferror(f);
}

/* ---------------------------------------------------------------------- */
/* Preparing and writing                                                  */
/* ---------------------------------------------------------------------- */

/* Group the blocks for each class × group table.  0: out of memory. */
static int prepare_groups(report *r)
{
    int64_t n = r->blocks->n_rows;
    size_t alloc = (size_t)(n > 0 ? n : 1);
    for (size_t g = 0; g < N_GROUPS; g++) {
        const char **keys, **labels = NULL;
        if (groups[g].column) {
            keys = out_column_keys(r->blocks, groups[g].column);
        } else {
            keys = calloc(alloc, sizeof *keys);
            labels = calloc(alloc, sizeof *labels);
            for (int64_t i = 0; keys && labels && i < n; i++) {
                keys[i] = ibmap_mode_name((ibmap_mode)r->m->mode[i]);
                labels[i] = ibmap_mode_label_zh((ibmap_mode)r->m->mode[i]);
            }
        }
        int ok = keys && (groups[g].column || labels) &&
                 out_group_blocks(r->m, n, keys, labels, &r->groups[g]);
        free(keys);
        free(labels);
        if (!ok) return 0;
    }
    return 1;
}

/* The data-quality entries' (layer, problem, severity), sorted.  0: out of
** memory. */
static int prepare_quality(report *r)
{
    const out_table *t = out_model_table(r->m, "data_quality");
    int64_t n = t ? t->n_rows : 0;
    if (n == 0) return 1;
    if (!(r->dq = malloc((size_t)n * sizeof *r->dq))) return 0;
    int layer = out_column_index(t, "layer"), problem = out_column_index(t, "problem"),
        severity = out_column_index(t, "severity");
    for (int64_t i = 0; i < n; i++)
        r->dq[i] = (dq_key){cell_text(t, i, layer), cell_text(t, i, problem),
                            cell_text(t, i, severity)};
    qsort(r->dq, (size_t)n, sizeof *r->dq, dq_cmp);
    r->n_dq = n;
    return 1;
}

/* The interactive map's data, Leaflet, and the scripts' hashes.  Leaflet
** missing is not a failure: the section says so.  The plan sheets are
** linked when a plans/ directory stands beside the report. */
static ibmap_status prepare_imap(ibmap_ctx *ctx, report *r, const char *path)
{
    if (!out_leaflet_read(&r->leaflet_js, &r->leaflet_css, r->leaflet_problem,
                          sizeof r->leaflet_problem))
        return IBMAP_OK;
    char *dir = ibmap_strdup(path);
    if (!dir) return ibmap_nomem(ctx);
    char *slash = strrchr(dir, '/');
    char *plans = slash ? (*slash = '\0', ibmap_sprintf("%s/" OUT_NAME_PLANS_DIR, dir))
                        : ibmap_strdup(OUT_NAME_PLANS_DIR);
    free(dir);
    struct stat st;
    int has_plans = plans && stat(plans, &st) == 0 && S_ISDIR(st.st_mode);
    free(plans);
    ibmap_status s = out_webmap_build(ctx, r->m, has_plans ? OUT_NAME_PLANS_DIR : NULL,
                                      &r->webmap);
    if (s) return s;
    out_sha256_base64(r->leaflet_js, r->hash_leaflet);
    out_sha256_base64(out_webmap_app_js(), r->hash_app);
    return IBMAP_OK;
}

static void report_free(report *r)
{
    out_webmap_free(&r->webmap);
    free(r->leaflet_js);
    free(r->leaflet_css);
    for (size_t g = 0; g < N_GROUPS; g++) free(r->groups[g].rows);
    free(r->dq);
    free(r->png);
}

ibmap_status out_write_report(ibmap_ctx *ctx, const out_model *m, const char *path,
                              const char *map_png)
{
    if (!m || !path) return ibmap_fail(ctx, IBMAP_ERR_ARG, "out_write_report: NULL argument");
    const out_table *blocks = out_model_table(m, "blocks");
    if (!blocks) return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "the output model has no blocks");
    /* Class and mode index arrays below: a value out of range is a bug
    ** upstream, reported rather than read past. */
    for (int64_t i = 0; i < blocks->n_rows; i++)
        if (!m->klass || !m->mode || m->klass[i] >= IBMAP_CLASS_COUNT ||
            m->mode[i] >= IBMAP_MODE_COUNT)
            return ibmap_fail(ctx, IBMAP_ERR_INTERNAL,
                              "block row %lld has no valid class or mode", (long long)i);
    report r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.blocks = blocks;
    r.png_path = map_png;
    int ok = prepare_groups(&r) && prepare_quality(&r) &&
             (!map_png || read_png(map_png, &r));
    ibmap_status s = ok ? prepare_imap(ctx, &r, path)
                        : ibmap_nomem(ctx);
    if (!s) s = ibmap_write_file(ctx, path, write_report, &r);
    report_free(&r);
    return s;
}
