/*
** test_out_report.c — report.html (out_report.c), written from the
** hand-built model of out_fixture.h.  The page is checked as text: each
** figure at its place in the markup, worked out on paper from the fixture
**
**   B1 support 坎墩街道 60 亩, B2 consolidate 宗汉街道 rebuild 60 亩,
**   B3 exit 坎墩街道 60 亩, B4 unclassifiable 宗汉街道 60 亩,
**   B5 unclassifiable, no town, area unknown: 5 blocks, 240 亩;
**   rules redline, low_tax, efficient, default deciding 1, 1, 1, 0;
**   data quality: blocks/null_geometry/error, parcels/number_normalised/info;
**   scenario "strict": support→consolidate 1 (60), consolidate→consolidate
**   1 (60), exit→exit 1 (60), unclassifiable→unclassifiable 2 (60);
**   sweep tax_floor 1, 2, 3: support 1 1 0, consolidate 1 1 2, exit 1 1 1,
**   unclassifiable 2 2 2.
**
** and that the page loads nothing from elsewhere, escapes the model's text,
** embeds the map exactly (base64 checked against RFC 4648 vectors), and
** deals with a missing map, a failed write and a bad model.  That the page
** renders is tests/test_chromium.sh's business.
*/
#include <cairo.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "harness.h"
#include "classify/rules.h"
#include "output/output.h"
#include "out_fixture.h"

static ibmap_ctx *ctx;
static char dir[64];
static char png_path[128];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

static int file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)st.st_size : -1;
}

static int count(const char *doc, const char *needle)
{
    int n = 0;
    for (const char *p = doc; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* The text from `start` (included) to the next `end` (excluded) in doc,
** in one of four static buffers used in turn (so that a span of a span
** works); "" when start is absent. */
static const char *span(const char *doc, const char *start, const char *end)
{
    static char bufs[4][16384];
    static int next;
    char *buf = bufs[next++ % 4];
    const char *a = doc ? strstr(doc, start) : NULL;
    const char *b = a ? strstr(a, end) : NULL;
    size_t n = a ? (b ? (size_t)(b - a) : strlen(a)) : 0;
    if (n >= sizeof bufs[0]) n = sizeof bufs[0] - 1;
    memcpy(buf, a ? a : "", n);
    buf[n] = '\0';
    return buf;
}

/* Write the report of m to `name` in the scratch directory and read it
** back (NULL on failure, with the status in *s). */
static char *report_of(out_model *m, const char *name, const char *png, ibmap_status *s)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *s = out_write_report(ctx, m, path, png);
    if (*s) printf("# %s\n", ibmap_errmsg(ctx));
    return *s ? NULL : slurp(path);
}

/* The fixture's report, with the map, once for the tests that read it. */
static char *doc;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* A small PNG drawn with Cairo, as out_map.c would make. */
static int make_png(const char *path)
{
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 40, 30);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 0.18, 0.62, 0.31);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_status_t st = cairo_surface_write_to_png(sf, path);
    cairo_surface_destroy(sf);
    return st == CAIRO_STATUS_SUCCESS;
}

TEST(document_head)
{
    CHECK(doc != NULL);
    CHECK(strncmp(doc, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">",
                  strlen("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">")) ==
          0);
    CHECK_CONTAINS(doc, "<title>工业地图 Industrial map (test)</title>");
    CHECK_CONTAINS(doc, "<h1>工业地图 Industrial map (test)</h1>");
    CHECK_CONTAINS(doc, "<tr><th>情景 Scenario</th><td>default</td></tr>");
    CHECK_CONTAINS(doc, "<tr><th>规则 Rules</th><td>慈溪 2021 (test)</td></tr>");
    CHECK_CONTAINS(doc, "<tr><th>坐标系 CRS</th><td>EPSG:4549</td></tr>");
    CHECK_CONTAINS(doc, "<tr><th>数据日期 Data date</th><td>2026-11-29</td></tr>");
    const char *end = "</footer>\n</body>\n</html>\n";
    CHECK(strlen(doc) > strlen(end) && strcmp(doc + strlen(doc) - strlen(end), end) == 0);
}

/* Nothing loaded from elsewhere: no script, stylesheet link, import or
** url(); the only http in the page is the SVG namespace; and a CSP that
** forbids everything but inline style and data: images. */
TEST(no_network)
{
    CHECK(doc != NULL);
    CHECK_INT(count(doc, "<script"), 0);
    CHECK_INT(count(doc, "<link"), 0);
    CHECK_INT(count(doc, "@import"), 0);
    CHECK_INT(count(doc, "url("), 0);
    CHECK_INT(count(doc, "src=\"http"), 0);
    CHECK_INT(count(doc, "href="), 0);
    int http = count(doc, "http://") + count(doc, "https://");
    CHECK_INT(http, count(doc, "xmlns=\"http://www.w3.org/2000/svg\""));
    CHECK_INT(http, 1);
    CHECK_CONTAINS(doc, "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\"");
    CHECK_INT(count(doc, "src=\""), 1);   /* the map's data: URI */
}

/* The map embedded byte for byte: the PNG signature's base64 first, and
** 4 characters per 3 bytes, rounded up. */
TEST(map_embedded)
{
    CHECK(doc != NULL);
    const char *uri = span(doc, "data:image/png;base64,", "\"");
    CHECK(strncmp(uri, "data:image/png;base64,iVBORw0KGgo", 33) == 0);
    int size = file_size(png_path);
    CHECK(size > 8);
    CHECK_INT(strlen(uri) - strlen("data:image/png;base64,"), (size + 2) / 3 * 4);
    CHECK_CONTAINS(doc, "<figure><img alt=\"工业地图 Industrial map (test)\" src=\"data:image/png");
}

/* RFC 4648 §10-style vectors: the PNG signature followed by 0, 1, 2 and 3
** bytes covers every padding case ("=", none, "==", "="); expected values
** computed with Python's base64 module. */
TEST(base64_padding)
{
    static const struct { const char *tail, *b64; } v[] = {
        {"", "iVBORw0KGgo="},
        {"f", "iVBORw0KGgpm"},
        {"fo", "iVBORw0KGgpmbw=="},
        {"foo", "iVBORw0KGgpmb28="},
    };
    for (int i = 0; i < 4; i++) {
        char path[160], want[80];
        snprintf(path, sizeof path, "%s/vector%d.png", dir, i);
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
        fputs(v[i].tail, f);
        fclose(f);
        out_model *m = fx_output_model();
        ibmap_status s;
        char *d = report_of(m, "vector.html", path, &s);
        out_model_free(m);
        snprintf(want, sizeof want, "src=\"data:image/png;base64,%s\"", v[i].b64);
        int found = d && strstr(d, want) != NULL;
        free(d);
        if (!found) TEST_FAILF("vector %d: no %s", i, want);
    }
}

TEST(class_summary)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<section id=\"classes\">", "</section>");
    CHECK_CONTAINS(span(sec, "<tr data-class=\"support\">", "</tr>"),
                   "扶持发展 <span class=\"key\">support</span></td><td class=\"n\">1</td>"
                   "<td class=\"n\">60.00</td><td class=\"n\">25.0%</td>");
    CHECK_CONTAINS(span(sec, "<tr data-class=\"support\">", "</tr>"),
                   "<span class=\"sw\" style=\"background:#2e9e4f\"></span>");
    CHECK_CONTAINS(span(sec, "<tr data-class=\"unclassifiable\">", "</tr>"),
                   "<td class=\"n\">2</td><td class=\"n\">60.00</td><td class=\"n\">25.0%</td>");
    CHECK_CONTAINS(sec, "<tr class=\"total\"><td>合计 Total</td><td class=\"n\">5</td>"
                        "<td class=\"n\">240.00</td><td class=\"n\">100.0%</td></tr>");
}

TEST(class_by_town)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<section id=\"by-town\">", "</section>");
    CHECK_CONTAINS(sec, "<th scope=\"row\">坎墩街道</th>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n\">2</td><td class=\"n\">120.00</td></tr>");
    CHECK_CONTAINS(sec, "<th scope=\"row\">（无镇街）none</th>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">0.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">0.00</td></tr>");
    CHECK_CONTAINS(sec, "<th scope=\"row\">合计 Total</th>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n\">2</td><td class=\"n\">60.00</td>"
                        "<td class=\"n\">5</td><td class=\"n\">240.00</td></tr>");
    /* Byte order, the blocks without a town last. */
    const char *a = strstr(sec, ">坎墩街道<"), *b = strstr(sec, ">宗汉街道<"),
               *c = strstr(sec, ">（无镇街）none<");
    CHECK(a && b && c && a < b && b < c);
}

TEST(class_by_mode)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<section id=\"by-mode\">", "</section>");
    CHECK_CONTAINS(sec, "<th scope=\"row\">（无）none</th>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>"
                        "<td class=\"n\">2</td><td class=\"n\">60.00</td>"
                        "<td class=\"n\">4</td><td class=\"n\">180.00</td></tr>");
    CHECK_CONTAINS(sec, "<th scope=\"row\">拆除重建 <span class=\"key\">rebuild</span></th>"
                        "<td class=\"n zero\">0</td><td class=\"n zero\">0.00</td>"
                        "<td class=\"n\">1</td><td class=\"n\">60.00</td>");
    CHECK(strstr(doc, "<section id=\"by-park\">") && strstr(doc, "<section id=\"by-cu\">"));
    CHECK_CONTAINS(span(doc, "<section id=\"by-park\">", "</section>"),
                   "<th scope=\"row\">（园区外）outside parks</th>");
}

/* The rules in file order, each with class, mode, source, condition (in
** <code>, escaped) and blocks decided. */
TEST(rules_in_order)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<section id=\"rules\">", "</section>");
    CHECK_CONTAINS(sec, "<tr><td class=\"n\">2</td><td><code class=\"id\">low_tax</code></td><td>"
                        "<span class=\"sw\" style=\"background:#f2a900\"></span>整合改造 "
                        "<span class=\"key\">consolidate</span></td>"
                        "<td>拆除重建 <span class=\"key\">rebuild</span></td>"
                        "<td>慈政办发〔2021〕31号 第三条</td>"
                        "<td><code>tax_per_mu &lt; tax_floor</code></td>"
                        "<td class=\"n\">1</td></tr>");
    CHECK_CONTAINS(sec, "<td><code>1</code></td><td class=\"n zero\">0</td></tr>");
    const char *r1 = strstr(sec, "<code class=\"id\">redline</code>"),
               *r2 = strstr(sec, "<code class=\"id\">low_tax</code>"),
               *r3 = strstr(sec, "<code class=\"id\">efficient</code>"),
               *r4 = strstr(sec, "<code class=\"id\">default</code>");
    CHECK(r1 && r2 && r3 && r4 && r1 < r2 && r2 < r3 && r3 < r4);
    CHECK_CONTAINS(span(sec, "<code class=\"id\">redline</code>", "</tr>"), "清理退出");
    CHECK_CONTAINS(span(sec, "<code class=\"id\">efficient</code>", "</tr>"), "<td>—</td>");
}

TEST(data_quality_counts)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<section id=\"quality\">", "</section>");
    CHECK_CONTAINS(sec, "<tr><td>blocks</td><td>null_geometry</td><td>error</td>"
                        "<td class=\"n\">1</td></tr>\n"
                        "<tr><td>parcels</td><td>number_normalised</td><td>info</td>"
                        "<td class=\"n\">1</td></tr>\n"
                        "<tr class=\"total\"><td colspan=\"3\">合计 Total</td>"
                        "<td class=\"n\">2</td></tr>");
}

/* Two entries of one layer × problem × severity make one row of 2. */
TEST(data_quality_grouped)
{
    out_model *m = fx_output_model();
    out_table *t = (out_table *)out_model_table(m, "data_quality");
    CHECK(out_table_set_text(t, 1, 0, "blocks") && out_table_set_text(t, 1, 4, "null_geometry") &&
          out_table_set_text(t, 1, 5, "error"));
    ibmap_status s;
    char *d = report_of(m, "dq.html", NULL, &s);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    const char *sec = span(d, "<section id=\"quality\">", "</section>");
    int rows = count(sec, "<tr><td>");
    int ok = strstr(sec, "<tr><td>blocks</td><td>null_geometry</td><td>error</td>"
                         "<td class=\"n\">2</td></tr>") != NULL;
    free(d);
    CHECK(ok);
    CHECK_INT(rows, 1);
}

TEST(scenario_matrix)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<table data-scenario=\"strict\">", "</table>");
    CHECK_CONTAINS(sec, "<th>default ＼ strict</th>");
    CHECK_CONTAINS(sec, "data-from=\"support\" data-to=\"consolidate\">1 / 60.00</td>");
    CHECK_CONTAINS(sec, "data-from=\"support\" data-to=\"support\">0 / 0.00</td>");
    CHECK_CONTAINS(sec, "data-from=\"consolidate\" data-to=\"consolidate\">1 / 60.00</td>");
    CHECK_CONTAINS(sec, "data-from=\"exit\" data-to=\"exit\">1 / 60.00</td>");
    CHECK_CONTAINS(sec, "data-from=\"unclassifiable\" data-to=\"unclassifiable\">2 / 60.00</td>");
    CHECK_CONTAINS(sec, "<th scope=\"row\">合计 Total</th><td class=\"n\">0 / 0.00</td>"
                        "<td class=\"n\">2 / 120.00</td><td class=\"n\">1 / 60.00</td>"
                        "<td class=\"n\">2 / 60.00</td><td class=\"n\">5 / 240.00</td></tr>");
    CHECK_INT(count(sec, "data-from="), IBMAP_CLASS_COUNT * IBMAP_CLASS_COUNT);
}

/* The chart: one polyline per class in its colour.  Plot area x 64–580,
** y 20–324 (SVG 760 × 380, margins 64/180/20/56); values 1–3 on x, blocks
** 0–2 on y: x = 64 + (v - 1) × 258, y = 324 - b × 152. */
TEST(sweep_chart)
{
    CHECK(doc != NULL);
    const char *sec = span(doc, "<section id=\"sweep\">", "</section>");
    CHECK_INT(count(sec, "<svg"), 1);
    CHECK_INT(count(sec, "<polyline"), IBMAP_CLASS_COUNT);
    CHECK_CONTAINS(sec, "stroke=\"#2e9e4f\" data-class=\"support\" "
                        "points=\"64.0,172.0 322.0,172.0 580.0,324.0\"/>");
    CHECK_CONTAINS(sec, "stroke=\"#f2a900\" data-class=\"consolidate\" "
                        "points=\"64.0,172.0 322.0,172.0 580.0,20.0\"/>");
    CHECK_CONTAINS(sec, "stroke=\"#d73027\" data-class=\"exit\" "
                        "points=\"64.0,172.0 322.0,172.0 580.0,172.0\"/>");
    CHECK_CONTAINS(sec, "stroke=\"#9e9e9e\" data-class=\"unclassifiable\" "
                        "points=\"64.0,20.0 322.0,20.0 580.0,20.0\"/>");
    /* Axes: the param's name, y ticks 0, 1, 2, x ticks every 0.5. */
    CHECK_CONTAINS(sec, "text-anchor=\"middle\">tax_floor</text>");
    CHECK_CONTAINS(sec, "text-anchor=\"end\">2</text>");
    CHECK_CONTAINS(sec, "text-anchor=\"middle\">2.5</text>");
    CHECK_INT(count(sec, "<circle"), 3 * IBMAP_CLASS_COUNT);
    /* Legend: a label per class. */
    CHECK_CONTAINS(sec, ">扶持发展 support</text>");
    CHECK_CONTAINS(sec, ">未能分类 unclassifiable</text>");
    /* And the table of values. */
    CHECK_CONTAINS(sec, "<tr><td class=\"n\">3</td><td class=\"n zero\">0</td>"
                        "<td class=\"n zero\">0.00</td><td class=\"n\">2</td>"
                        "<td class=\"n\">120.00</td>");
}

TEST(run_footer)
{
    CHECK(doc != NULL);
    const char *foot = span(doc, "<footer>", "</footer>");
    CHECK_CONTAINS(foot, "<tr><th>crs</th><td>EPSG:4549</td></tr>");
    CHECK_CONTAINS(foot, "<tr><th>rules</th><td>慈溪 2021 (test)</td></tr>");
}

/* Every text of the model is escaped: the title, a rule's condition and
** source, a town, a scenario's name, a run value. */
TEST(text_escaped)
{
    out_model *m = fx_output_model();
    free(m->title);
    m->title = ibmap_strdup("<b>&\"'报告");
    free(m->rules[0].when);
    m->rules[0].when = ibmap_strdup("a <> 'x' & b > \"y\"");
    free(m->rules[0].source);
    m->rules[0].source = ibmap_strdup("<script>alert(1)</script>");
    free(m->scenarios[0].name);
    m->scenarios[0].name = ibmap_strdup("<s>");
    out_table *b = (out_table *)out_model_table(m, "blocks");
    CHECK(out_table_set_text(b, 0, out_column_index(b, "town"), "<i>坎墩</i>"));
    out_table *run = (out_table *)out_model_table(m, "run");
    CHECK(out_table_set_text(run, 0, 1, "<img src=x>"));
    ibmap_status s;
    char *d = report_of(m, "escaped.html", NULL, &s);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    int ok = strstr(d, "<title>&lt;b&gt;&amp;&quot;&#39;报告</title>") &&
             strstr(d, "<h1>&lt;b&gt;&amp;&quot;&#39;报告</h1>") &&
             strstr(d, "<code>a &lt;&gt; &#39;x&#39; &amp; b &gt; &quot;y&quot;</code>") &&
             strstr(d, "&lt;script&gt;alert(1)&lt;/script&gt;") &&
             strstr(d, "<th scope=\"row\">&lt;i&gt;坎墩&lt;/i&gt;</th>") &&
             strstr(d, "data-scenario=\"&lt;s&gt;\"") && strstr(d, "<td>&lt;img src=x&gt;</td>");
    int raw = count(d, "<b>") + count(d, "<script") + count(d, "<i>") + count(d, "<s>") +
              count(d, "<img");
    free(d);
    CHECK(ok);
    CHECK_INT(raw, 0);
}

/* Decision (out_report.c): a map that cannot be read does not fail the
** report; the page says so in place of the map. */
TEST(missing_map_noted)
{
    out_model *m = fx_output_model();
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-map.png", dir);
    ibmap_status s;
    char *d = report_of(m, "nomap.html", missing, &s);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    int note = d && strstr(d, "<p class=\"note\">地图图像不可用 Map image unavailable: ") &&
               strstr(d, "no-such-map.png: No such file or directory</p>");
    int img = d && strstr(d, "data:image") != NULL;
    int rest = d && strstr(d, "<section id=\"rules\">") != NULL;
    free(d);
    CHECK(note);
    CHECK(!img);
    CHECK(rest);
}

TEST(not_a_png_noted)
{
    char path[160];
    snprintf(path, sizeof path, "%s/fake.png", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fputs("GIF89a not a png", f);
    fclose(f);
    out_model *m = fx_output_model();
    ibmap_status s;
    char *d = report_of(m, "fake.html", path, &s);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    int note = d && strstr(d, "fake.png: not a PNG file</p>");
    int img = d && strstr(d, "data:image") != NULL;
    free(d);
    CHECK(note);
    CHECK(!img);
}

/* No map asked for, no scenario, no sweep: those sections are absent. */
TEST(optional_sections_absent)
{
    out_model *m = fx_output_model();
    free(m->scenarios[0].name);   /* out_model_free frees n_scenarios names */
    m->n_scenarios = 0;
    m->sweep.n_values = 0;
    ibmap_status s;
    char *d = report_of(m, "plain.html", NULL, &s);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    int present = count(d, "id=\"map\"") + count(d, "id=\"scenarios\"") +
                  count(d, "id=\"sweep\"") + count(d, "<svg");
    int rest = count(d, "<section id=\"classes\">") + count(d, "<section id=\"quality\">");
    free(d);
    CHECK_INT(present, 0);
    CHECK_INT(rest, 2);
}

TEST(unwritable_path_fails)
{
    out_model *m = fx_output_model();
    char path[160];
    snprintf(path, sizeof path, "%s/no/such/report.html", dir);
    ibmap_status s = out_write_report(ctx, m, path, NULL);
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "report.html");
    CHECK_INT(file_size(path), -1);
}

TEST(invalid_mode_refused)
{
    out_model *m = fx_output_model();
    m->owned_mode[4] = IBMAP_MODE_COUNT;
    char path[160];
    snprintf(path, sizeof path, "%s/invalid.html", dir);
    ibmap_status s = out_write_report(ctx, m, path, NULL);
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_INTERNAL);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "row 4");
    CHECK_INT(file_size(path), -1);
}

/* ---------------------------------------------------------------------- */
/* The interactive map (out_webmap.c)                                     */
/* ---------------------------------------------------------------------- */

/* The report written with Leaflet where the build found it (skipped when
** it is not installed). */
static char *imap_doc(const char *name)
{
    const char *real = getenv("IBMAP_TEST_LEAFLET_DIR");
    setenv("IBMAP_LEAFLET_DIR", real ? real : "", 1);
    out_model *m = fx_output_model();
    ibmap_status s;
    char *d = report_of(m, name, NULL, &s);
    out_model_free(m);
    setenv("IBMAP_LEAFLET_DIR", "/nonexistent-leaflet", 1);
    return d;
}

static int leaflet_installed(void)
{
    unsetenv("IBMAP_LEAFLET_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/leaflet.css", out_leaflet_dir());
    setenv("IBMAP_LEAFLET_DIR", "/nonexistent-leaflet", 1);
    return access(path, R_OK) == 0;
}

/* The CSP allows exactly the two inline scripts, by their SHA-256 (hashed
** again here with GLib over the text between the tags); the data block is
** there, with every '<' of the model's text escaped. */
TEST(imap_embedded)
{
    if (!leaflet_installed()) {
        test_skip_reason = "Leaflet not installed (apt-get install libjs-leaflet)";
        return;
    }
    char *d = imap_doc("imap.html");
    CHECK(d != NULL);
    const char *csp = strstr(d, "script-src 'sha256-");
    const char *data = strstr(d, "<script type=\"application/json\" id=\"ibmap-data\">");
    CHECK(csp && data);
    int ok = 1;
    /* The scripts after the data block: Leaflet, then the page's. */
    const char *p = strstr(data, "</script>\n<script>");
    for (int i = 0; ok && i < 2; i++) {
        if (!p) { ok = 0; break; }
        const char *start = p + strlen("</script>\n<script>");
        const char *end = strstr(start, "</script>");
        if (!end) { ok = 0; break; }
        char *text = ibmap_strndup(start, (size_t)(end - start));
        gchar *hex = NULL;
        GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
        guint8 dg[32];
        gsize n = sizeof dg;
        g_checksum_update(c, (const guchar *)text, (gssize)strlen(text));
        g_checksum_get_digest(c, dg, &n);
        g_checksum_free(c);
        hex = g_base64_encode(dg, n);
        char want[128];
        snprintf(want, sizeof want, "'sha256-%s'", hex);
        const char *csp_end = strchr(csp, '"');
        const char *found = strstr(csp, want);
        ok = found && found < csp_end;
        if (!ok) printf("# script %d's hash %s not in the CSP\n", i, want);
        g_free(hex);
        free(text);
        p = end;
    }
    /* The fixture's town "坎墩街道" and a block id in the data; no raw '<'
    ** from the model inside it. */
    const char *data_end = strstr(data + 10, "</script>");
    char *json = data_end ? ibmap_strndup(data, (size_t)(data_end - data)) : NULL;
    int has = json && strstr(json, "[\"B1\",\"坎墩一号区块\",\"坎墩街道\",0,") &&
              strstr(json, ",\"亩均税收 2.0 万元/亩 达到 1 万元/亩\",");
    int raw_lt = json ? count(json + 1, "<") : -1;
    free(json);
    free(d);
    CHECK(ok);
    CHECK(has);
    CHECK_INT(raw_lt, 0);
}

/* No Leaflet: the section says so, the report is written, no script. */
TEST(imap_unavailable_noted)
{
    out_model *m = fx_output_model();
    ibmap_status s;
    char *d = report_of(m, "noleaflet.html", NULL, &s);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    int note = d && strstr(d, "<p class=\"note\">交互地图不可用 Interactive map unavailable: "
                              "/nonexistent-leaflet/leaflet.min.js");
    int script = d && strstr(d, "<script") != NULL;
    free(d);
    CHECK(note);
    CHECK(!script);
}

int main(void)
{
    /* The report's other tests read it without the interactive map (no
    ** script, no data: image but the map's); imap_* put it back. */
    setenv("IBMAP_LEAFLET_DIR", "/nonexistent-leaflet", 1);
    ctx = ibmap_ctx_new();
    snprintf(dir, sizeof dir, "/tmp/ibmap-out-XXXXXX");
    if (!ctx || !mkdtemp(dir)) {
        puts("Bail out! no context or scratch directory");
        return 1;
    }
    snprintf(png_path, sizeof png_path, "%s/map.png", dir);
    if (make_png(png_path)) {
        out_model *m = fx_output_model();
        ibmap_status s;
        doc = report_of(m, "report.html", png_path, &s);
        out_model_free(m);
    }
    RUN(document_head);
    RUN(no_network);
    RUN(map_embedded);
    RUN(base64_padding);
    RUN(class_summary);
    RUN(class_by_town);
    RUN(class_by_mode);
    RUN(rules_in_order);
    RUN(data_quality_counts);
    RUN(data_quality_grouped);
    RUN(scenario_matrix);
    RUN(sweep_chart);
    RUN(run_footer);
    RUN(text_escaped);
    RUN(missing_map_noted);
    RUN(not_a_png_noted);
    RUN(imap_embedded);
    RUN(imap_unavailable_noted);
    RUN(optional_sections_absent);
    RUN(unwritable_path_fails);
    RUN(invalid_mode_refused);
    /* A copy for a person (and tests/test_chromium.sh) to look at. */
    const char *keep = getenv("IBMAP_REPORT_FIXTURE_OUT");
    if (doc && keep && *keep) {
        FILE *f = fopen(keep, "wb");
        if (f) {
            fputs(doc, f);
            fclose(f);
        }
    }
    free(doc);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    ibmap_ctx_free(ctx);
    return test_finish();
}
