/*
** test_out_plans.c — the block plan sheets (out_plans.c) of the hand-built
** model of out_fixture.h:
**
**   B2 consolidate (625300,3345000)-(625500,3345200), here given 60
**      enterprises with long names (the list goes on continuation pages,
**      every name whole)
**   B3 exit        (625000,3345300)-(625200,3345500), the red line
**      (625100,3345350)-(625300,3345600) over its north-east
**
** The preview PNG of B3's sheet is decoded with cairo and read where
** out_plan_png_pixel() says a world point lands: inside B3 and outside the
** red line the pixels are the exit class's colour and nothing else; inside
** both, the red line's hatch is drawn over it.  The PDF's text is read back
** with pdftotext (poppler-utils; skipped without it).
*/
#include <cairo.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"
#include "output/output.h"
#include "out_fixture.h"

static ibmap_ctx *ctx;
static char dir[64];

#define N_ENTS 60

static void ent_name(char *buf, size_t n, int i)
{
    snprintf(buf, n, "慈溪市第%02d号超长名称精密机械制造股份有限公司杭州湾新区分公司", i + 1);
}

/* The fixture with 60 enterprises in B2 (row 1), in the category rotation. */
static out_model *plans_model(void)
{
    out_model *m = fx_output_model();
    static const char *const cols[][4] = {
        {"ent_id", "", "", "T"},   {"name", "", "", "T"},     {"block_id", "", "", "T"},
        {"land_mu", "", "亩", "R"}, {"tax_per_mu", "", "", "R"}, {"grade", "", "", "T"},
        {"category", "", "", "T"}, {"category_zh", "", "", "T"}, {"low_eff", "", "", "I"},
        {"rule_id", "", "", "T"}};
    out_table *t = fx_table(m, "enterprises", "企业", 0, cols, 10, N_ENTS);
    m->ent_block = calloc(N_ENTS, sizeof *m->ent_block);
    for (int i = 0; i < N_ENTS; i++) {
        char id[32], name[256];
        snprintf(id, sizeof id, "E%02d", i + 1);
        ent_name(name, sizeof name, i);
        ibmap_category k = (ibmap_category)(i % IBMAP_CATEGORY_COUNT);
        out_table_set_text(t, i, 0, id);
        out_table_set_text(t, i, 1, name);
        out_table_set_text(t, i, 2, "B2");
        out_table_set_real(t, i, 3, 100 - i);   /* the list's order: E01 first */
        out_table_set_real(t, i, 4, 3.5);
        out_table_set_text(t, i, 5, "C");
        out_table_set_text(t, i, 6, ibmap_category_name(k));
        out_table_set_text(t, i, 7, ibmap_category_label_zh(k));
        out_table_set_integer(t, i, 8, 1);
        out_table_set_text(t, i, 9, "ent_low_eff");
        m->ent_block[i] = 1;
    }
    return m;
}

static cairo_surface_t *load_png(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, d + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
    rgb[0] = (int)((v >> 16) & 0xff);
    rgb[1] = (int)((v >> 8) & 0xff);
    rgb[2] = (int)(v & 0xff);
}

static int near_rgb(const int got[3], const unsigned char want[3], int tol)
{
    for (int i = 0; i < 3; i++)
        if (abs(got[i] - want[i]) > tol) return 0;
    return 1;
}

/* Pixels within r of where (x, y) lands that are (want) or are not
** (!want) the colour c. */
static int count_near(cairo_surface_t *img, const out_model *m, int64_t block, double x,
                      double y, int r, const unsigned char c[3], int want)
{
    int px, py, n = 0, rgb[3];
    if (!out_plan_png_pixel(m, block, x, y, &px, &py)) return -1;
    for (int j = py - r; j <= py + r; j++)
        for (int i = px - r; i <= px + r; i++) {
            pixel(img, i, j, rgb);
            n += near_rgb(rgb, c, 14) == want;
        }
    return n;
}

static ibmap_status write_plans(out_model *m, const char *name, const char *blocks, int png,
                                int64_t *nb, int64_t *np)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    out_plan_options o = {.blocks = blocks, .png = png, .organization = "慈溪市经济和信息化局",
                          .date = "2025-06"};
    ibmap_status s = out_write_plans(ctx, m, path, &o, nb, np);
    if (s) printf("# out_write_plans: %s\n", ibmap_errmsg(ctx));
    return s;
}

TEST(class_colour_in_block_hatch_in_redline_only)
{
    out_model *m = fx_output_model();
    int64_t nb = 0, np = 0;
    CHECK_INT(write_plans(m, "pix", "B3", 1, &nb, &np), IBMAP_OK);
    CHECK_INT(nb, 1);
    char path[256];
    snprintf(path, sizeof path, "%s/pix/png/B3.png", dir);
    cairo_surface_t *img = load_png(path);
    CHECK(img != NULL);
    CHECK_INT(cairo_image_surface_get_width(img), 1240);   /* A4 at 150 dpi */
    const unsigned char *exit_rgb = out_class_rgb[IBMAP_CLASS_EXIT];
    /* B3's west, outside the red line (and clear of the scale bar in the
    ** frame's corner): the exit colour, all of it. */
    int other_sw = count_near(img, m, 2, 625040, 3345400, 6, exit_rgb, 0);
    int exit_sw = count_near(img, m, 2, 625040, 3345400, 6, exit_rgb, 1);
    /* B3's north-east, inside the red line: the hatch over the exit fill. */
    int other_ne = count_near(img, m, 2, 625160, 3345450, 10, exit_rgb, 0);
    int exit_ne = count_near(img, m, 2, 625160, 3345450, 10, exit_rgb, 1);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK_INT(other_sw, 0);
    CHECK_INT(exit_sw, 13 * 13);
    CHECK(other_ne >= 40);   /* hatch lines 5 pt apart cross a 21 px square */
    CHECK(exit_ne >= 100);
}

/* pdftotext's text of a PDF, whitespace removed (names wrap); NULL when
** poppler-utils is missing. */
static char *pdf_text(const char *pdf)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", pdf);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int c;
    while (buf && (c = fgetc(p)) != EOF) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (n + 2 > cap) {
            char *more = realloc(buf, cap *= 2);
            if (!more) break;
            buf = more;
        }
        buf[n++] = (char)c;
    }
    int rc = pclose(p);
    if (!buf || rc != 0 || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int have_pdftotext(void)
{
    return system("pdftotext -v > /dev/null 2>&1") == 0;
}

TEST(sixty_enterprises_continue_whole)
{
    if (!have_pdftotext()) {
        test_skip_reason = "no pdftotext (apt-get install poppler-utils)";
        return;
    }
    out_model *m = plans_model();
    int64_t nb = 0, np = 0;
    CHECK_INT(write_plans(m, "sixty", "B2", 0, &nb, &np), IBMAP_OK);
    out_model_free(m);
    CHECK_INT(nb, 1);
    CHECK(np >= 2);   /* the list goes on */
    char path[256];
    snprintf(path, sizeof path, "%s/sixty/宗汉街道.pdf", dir);
    char *text = pdf_text(path);
    CHECK(text != NULL);
    int missing = 0;
    for (int i = 0; i < N_ENTS; i++) {
        char name[256];
        ent_name(name, sizeof name, i);
        if (!strstr(text, name)) {
            if (!missing) printf("# not found: %s\n", name);
            missing++;
        }
    }
    int head = strstr(text, "B2宗汉二号区块") != NULL && strstr(text, "（续continued）") != NULL;
    int org = strstr(text, "慈溪市经济和信息化局") != NULL && strstr(text, "2025-06") != NULL;
    free(text);
    CHECK_INT(missing, 0);
    CHECK(head);
    CHECK(org);
}

/* "all", class names, ids, and the town filter. */
TEST(selection)
{
    out_model *m = fx_output_model();
    int64_t a = 0, b = 0, c = 0, d = 0, np;
    CHECK_INT(write_plans(m, "sel-default", NULL, 0, &a, &np), IBMAP_OK);
    CHECK_INT(write_plans(m, "sel-all", "all", 0, &b, &np), IBMAP_OK);
    CHECK_INT(write_plans(m, "sel-ids", "B1,B4", 0, &c, &np), IBMAP_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/sel-town", dir);
    out_plan_options o = {.blocks = "all", .town = "坎墩街道"};
    CHECK_INT(out_write_plans(ctx, m, path, &o, &d, &np), IBMAP_OK);
    out_model_free(m);
    CHECK_INT(a, 2);   /* B2 consolidate, B3 exit */
    CHECK_INT(b, 5);
    CHECK_INT(c, 2);
    CHECK_INT(d, 2);   /* B1, B3 */
    struct stat st;
    snprintf(path, sizeof path, "%s/sel-default/index.html", dir);
    CHECK(stat(path, &st) == 0);
    snprintf(path, sizeof path, "%s/sel-default/宗汉街道.html", dir);
    CHECK(stat(path, &st) == 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    ctx = ibmap_ctx_new();
    snprintf(dir, sizeof dir, "/tmp/ibmap-plans-XXXXXX");
    if (!ctx || !mkdtemp(dir)) {
        puts("Bail out! no context or scratch directory");
        return 1;
    }
    RUN(class_colour_in_block_hatch_in_redline_only);
    RUN(sixty_enterprises_continue_whole);
    RUN(selection);
    if (!getenv("IBMAP_KEEP_SCRATCH")) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    ibmap_ctx_free(ctx);
    return test_finish();
}
