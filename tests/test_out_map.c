/*
** test_out_map.c — the industrial map (out_map.c), drawn from the hand-built
** model of out_fixture.h, whose geometry is known:
**
**   B1 support         (625000,3345000)-(625200,3345200)  in park 慈东工业园
**   B2 consolidate     (625300,3345000)-(625500,3345200)
**   B3 exit            (625000,3345300)-(625200,3345500)  red line over its
**                                                         east half
**   B4 unclassifiable  (625300,3345300)-(625500,3345500)
**   park     (624950,3344950)-(625250,3345250), outlined only
**   redline  (625100,3345350)-(625300,3345600), hatched
**   towns    坎墩街道 x 624900–625250, 宗汉街道 x 625250–625600,
**            both y 3344900–3345600
**
** The PNG is decoded with cairo and its pixels read where out_map_png_pixel()
** says a world point lands; points are chosen away from every outline and
** label, so that the colour there is the fill's exactly (a small tolerance
** covers rounding).  A second, hand-made model checks the WKB reader: holes,
** multipolygons, collections, big-endian and Z coordinates, and damaged
** records, which must be skipped whole.
*/
#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"
#include "output/output.h"
#include "out_fixture.h"

#define PNG_W 2480   /* A3 landscape at 150 dpi */
#define PNG_H 1754

static ibmap_ctx *ctx;
static char dir[64];

static const unsigned char town_fill[3] = {0xf4, 0xf1, 0xea};
static const unsigned char white[3] = {0xff, 0xff, 0xff};

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

static const char *out_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The whole file; *n its length.  NULL when it cannot be read. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    *n = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) &&
        fread(buf, 1, (size_t)size, f) == (size_t)size) {
        *n = (size_t)size;
        buf[size] = 0;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int contains(const unsigned char *buf, size_t n, const char *s)
{
    return memmem(buf, n, s, strlen(s)) != NULL;
}

/* Files in the scratch directory whose name holds ".tmp-". */
static int count_temporaries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) n += strstr(e->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

static int same_files(const char *a, const char *b)
{
    size_t na, nb;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* ---------------------------------------------------------------------- */
/* Pixels                                                                 */
/* ---------------------------------------------------------------------- */

/* The decoded PNG, or NULL (and a diagnostic) when it does not decode. */
static cairo_surface_t *load_png(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        printf("# %s: %s\n", path, cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_surface_flush(s);
    return s;
}

static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
    const unsigned char *row = cairo_image_surface_get_data(s) +
                               (size_t)y * (size_t)cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, row + 4 * (size_t)x, 4);
    rgb[0] = (int)(v >> 16 & 0xff);
    rgb[1] = (int)(v >> 8 & 0xff);
    rgb[2] = (int)(v & 0xff);
}

static int near(const int got[3], const unsigned char want[3], int tol)
{
    for (int i = 0; i < 3; i++)
        if (abs(got[i] - want[i]) > tol) return 0;
    return 1;
}

/* The pixel where world point (x, y) lands has colour `want`.  Says what
** it found when not. */
static int world_is(cairo_surface_t *s, const out_model *m, double x,
                    double y, const unsigned char want[3])
{
    int px, py, got[3];
    if (!out_map_png_pixel(m, x, y, &px, &py)) {
        printf("# (%.0f, %.0f) is outside the frame\n", x, y);
        return 0;
    }
    if (px < 0 || py < 0 || px >= cairo_image_surface_get_width(s) ||
        py >= cairo_image_surface_get_height(s)) {
        printf("# (%.0f, %.0f) lands off the image at (%d, %d)\n", x, y, px, py);
        return 0;
    }
    pixel(s, px, py, got);
    if (near(got, want, 4)) return 1;
    printf("# (%.0f, %.0f) at pixel (%d, %d) is #%02x%02x%02x, expected "
           "#%02x%02x%02x\n", x, y, px, py, got[0], got[1], got[2], want[0],
           want[1], want[2]);
    return 0;
}

typedef int (*pixel_test)(const int rgb[3], const void *arg);

/* Pixels of the rectangle [x0,x1) × [y0,y1) passing test. */
static int count_pixels(cairo_surface_t *s, int x0, int y0, int x1, int y1,
                        pixel_test test, const void *arg)
{
    int n = 0, rgb[3];
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            pixel(s, x, y, rgb);
            n += test(rgb, arg);
        }
    return n;
}

static int is_near(const int rgb[3], const void *want)
{
    return near(rgb, want, 4);
}

static int is_not_white(const int rgb[3], const void *arg)
{
    (void)arg;
    return !near(rgb, white, 8);
}

static int is_dark(const int rgb[3], const void *arg)
{
    (void)arg;
    return rgb[0] < 100 && rgb[1] < 100 && rgb[2] < 100;
}

/* Red and nothing else much: the hatch, or its antialiased edge over the
** town fill (which is nearly white). */
static int is_reddish(const int rgb[3], const void *arg)
{
    (void)arg;
    return rgb[0] > rgb[1] + 60 && rgb[0] > rgb[2] + 60;
}

/* A window of 2r × 2r pixels around world point (x, y). */
static int count_around(cairo_surface_t *s, const out_model *m, double x,
                        double y, int r, pixel_test test, const void *arg)
{
    int px, py;
    if (!out_map_png_pixel(m, x, y, &px, &py)) return -1;
    return count_pixels(s, px - r, py - r, px + r, py + r, test, arg);
}

/* Write m's PNG to `name` in the scratch directory and decode it. */
static cairo_surface_t *draw(const out_model *m, const char *name)
{
    char path[256];
    ibmap_status s = out_write_map(ctx, m, out_path(path, sizeof path, name), NULL);
    if (s != IBMAP_OK) {
        printf("# out_write_map: %d %s\n", s, ibmap_errmsg(ctx));
        return NULL;
    }
    return load_png(path);
}

/* ---------------------------------------------------------------------- */
/* WKB by hand, for the second model                                      */
/* ---------------------------------------------------------------------- */

typedef struct wkbuf {
    unsigned char b[2048];
    size_t n;
    int be;        /* big-endian */
} wkbuf;

static void put(wkbuf *w, const void *p, size_t n)
{
    unsigned char t[8];
    memcpy(t, p, n);
    if (w->be)
        for (size_t i = 0; i < n / 2; i++) {
            unsigned char c = t[i];
            t[i] = t[n - 1 - i];
            t[n - 1 - i] = c;
        }
    memcpy(w->b + w->n, t, n);
    w->n += n;
}

static void put_u32(wkbuf *w, uint32_t v) { put(w, &v, 4); }
static void put_f64(wkbuf *w, double v) { put(w, &v, 8); }

static void put_header(wkbuf *w, uint32_t type)
{
    w->b[w->n++] = w->be ? 0 : 1;
    put_u32(w, type);
}

/* A rectangular ring, counter-clockwise; `dims` doubles a point (a Z of
** 7 for 3). */
static void put_ring(wkbuf *w, double x0, double y0, double x1, double y1,
                     int dims)
{
    const double xy[5][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
    put_u32(w, 5);
    for (int i = 0; i < 5; i++) {
        put_f64(w, xy[i][0]);
        put_f64(w, xy[i][1]);
        if (dims == 3) put_f64(w, 7);
    }
}

static void put_rect(wkbuf *w, double x0, double y0, double x1, double y1)
{
    put_header(w, 3);
    put_u32(w, 1);
    put_ring(w, x0, y0, x1, y1, 2);
}

/* A collection: a point, a line and the polygon (1600,0)-(1800,1000). */
static void put_collection(wkbuf *w)
{
    put_header(w, 7);
    put_u32(w, 3);
    put_header(w, 1);
    put_f64(w, 1300);
    put_f64(w, 500);
    put_header(w, 2);
    put_u32(w, 2);
    put_f64(w, 1250);
    put_f64(w, 450);
    put_f64(w, 1350);
    put_f64(w, 550);
    put_rect(w, 1600, 0, 1800, 1000);
}

/* A model of blocks only, one a row of wkbs (size 0: no geometry), of
** classes k. */
static out_model *blocks_model(const wkbuf *wkbs, const ibmap_class *k, int n)
{
    out_model *m = calloc(1, sizeof *m);
    m->title = ibmap_strdup("仅区块 Blocks only");
    m->crs = ibmap_strdup("EPSG:4549");
    out_table *t = out_model_add_table(m, "blocks", "工业区块", 1);
    out_table_add_column(t, "block_id", "区块编号", "", OUT_TEXT);
    out_table_set_rows(t, n);
    m->owned_klass = calloc((size_t)n, 1);
    for (int r = 0; r < n; r++) {
        char id[16];
        snprintf(id, sizeof id, "K%d", r + 1);
        out_table_set_text(t, r, 0, id);
        out_table_set_wkb(t, r, wkbs[r].n ? wkbs[r].b : NULL, wkbs[r].n);
        m->owned_klass[r] = (unsigned char)k[r];
    }
    m->klass = m->owned_klass;
    return m;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

TEST(png_written_and_decodes)
{
    char path[256];
    unsigned char head[8] = {0};
    out_model *m = fx_output_model();
    ibmap_status s = out_write_map(ctx, m, out_path(path, sizeof path, "a.png"), NULL);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    size_t got = fread(head, 1, 8, f);
    fclose(f);
    CHECK_INT(got, 8);
    CHECK(memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0);
    cairo_surface_t *img = load_png(path);
    CHECK(img != NULL);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    cairo_surface_destroy(img);
    CHECK_INT(w, PNG_W);
    CHECK_INT(h, PNG_H);
    CHECK_INT(count_temporaries(), 0);
}

TEST(blocks_filled_by_class)
{
    out_model *m = fx_output_model();
    cairo_surface_t *img = draw(m, "classes.png");
    int ok = img &&
             world_is(img, m, 625100, 3345100, out_class_rgb[IBMAP_CLASS_SUPPORT]) &&
             world_is(img, m, 625400, 3345100, out_class_rgb[IBMAP_CLASS_CONSOLIDATE]) &&
             /* B3 west of the red line */
             world_is(img, m, 625030, 3345320, out_class_rgb[IBMAP_CLASS_EXIT]) &&
             world_is(img, m, 625400, 3345400, out_class_rgb[IBMAP_CLASS_UNCLASSIFIABLE]);
    if (img) cairo_surface_destroy(img);
    out_model_free(m);
    CHECK(ok);
}

TEST(towns_filled_and_the_frame_is_the_blocks)
{
    out_model *m = fx_output_model();
    cairo_surface_t *img = draw(m, "towns.png");
    int ok = img &&
             world_is(img, m, 624930, 3345250, town_fill) &&    /* 坎墩 */
             world_is(img, m, 625560, 3345250, town_fill) &&    /* 宗汉 */
             world_is(img, m, 625270, 3345100, town_fill);      /* between B1, B2 */
    if (img) cairo_surface_destroy(img);
    CHECK(ok);
    /* The frame is the blocks' with a 4 % margin (20 m here), not the
    ** towns': their far parts lie outside it. */
    CHECK(out_map_png_pixel(m, 624985, 3345250, NULL, NULL));
    CHECK(out_map_png_pixel(m, 625250, 3345515, NULL, NULL));
    CHECK(!out_map_png_pixel(m, 625250, 3344900, NULL, NULL));
    CHECK(!out_map_png_pixel(m, 625250, 3345580, NULL, NULL));
    out_model_free(m);
}

/* --extent: the frame shows the rectangle asked for, whole, wherever the
** blocks are. */
TEST(extent_frames_what_is_asked)
{
    out_model *m = fx_output_model();
    m->has_view = 1;
    m->view[0] = 624900;
    m->view[1] = 3344900;
    m->view[2] = 625600;
    m->view[3] = 3345600;
    CHECK(out_map_png_pixel(m, 624905, 3344905, NULL, NULL));
    CHECK(out_map_png_pixel(m, 625595, 3345595, NULL, NULL));
    int x0, y0, x1, y1;
    out_map_png_pixel(m, 624900, 3345250, &x0, &y0);
    out_map_png_pixel(m, 625600, 3345250, &x1, &y1);
    /* and only that: the page's aspect adds width, not height */
    CHECK(!out_map_png_pixel(m, 625250, 3345610, NULL, NULL));
    CHECK(x1 - x0 > 1000);
    cairo_surface_t *img = draw(m, "extent.png");
    CHECK(img != NULL);
    int ok = world_is(img, m, 624920, 3345550, town_fill) &&
             world_is(img, m, 625400, 3345400, out_class_rgb[IBMAP_CLASS_UNCLASSIFIABLE]);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK(ok);
}

TEST(park_outlined_not_filled)
{
    out_model *m = fx_output_model();
    cairo_surface_t *img = draw(m, "park.png");
    CHECK(img != NULL);
    /* On the park's west edge (in the town, outside every block): its
    ** 1.8 pt line; 25 m inside it: the town's fill, not the park's. */
    int on_line = count_around(img, m, 624950, 3345100, 3, is_near, out_park_rgb);
    int inside = world_is(img, m, 624975, 3345100, town_fill);
    int in_b1 = world_is(img, m, 625100, 3345100, out_class_rgb[IBMAP_CLASS_SUPPORT]);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK(on_line >= 6);
    CHECK(inside);
    CHECK(in_b1);
}

TEST(redline_hatched_within_its_polygon)
{
    out_model *m = fx_output_model();
    cairo_surface_t *img = draw(m, "redline.png");
    CHECK(img != NULL);
    /* Inside the red line, between B3 and B4: hatch lines on the town's
    ** fill, both present. */
    int red_in = count_around(img, m, 625230, 3345420, 10, is_reddish, NULL);
    int fill_in = count_around(img, m, 625230, 3345420, 10, is_near, town_fill);
    /* South of it, between B1 and B2, clear of every outline: no hatch. */
    int red_out = count_around(img, m, 625280, 3345150, 6, is_reddish, NULL);
    /* Over B3's east half the hatch lies on the exit fill: the pixels
    ** there are not all the fill. */
    int b3_fill = count_around(img, m, 625150, 3345420, 10, is_near,
                               out_class_rgb[IBMAP_CLASS_EXIT]);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK(red_in >= 40);
    CHECK(fill_in >= 40);
    CHECK_INT(red_out, 0);
    CHECK(b3_fill > 0 && b3_fill < 400 - 40);
}

TEST(legend_and_title_drawn)
{
    out_model *m = fx_output_model();
    cairo_surface_t *img = draw(m, "legend.png");
    CHECK(img != NULL);
    /* The side panel: right of the frame, whose east edge (found by
    ** walking east until out_map_png_pixel says outside) is left of x0. */
    int x0 = PNG_W * 76 / 100, y0 = PNG_H * 12 / 100, y1 = PNG_H * 88 / 100;
    int px = 0, east = 0;
    for (double x = 625250; x < 627000; x += 1)
        if (out_map_png_pixel(m, x, 3345250, &px, NULL)) east = px;
    int swatch[IBMAP_CLASS_COUNT];
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
        swatch[k] = count_pixels(img, x0, y0, PNG_W, y1, is_near, out_class_rgb[k]);
    int legend_ink = count_pixels(img, x0, y0, PNG_W, y1, is_dark, NULL);
    int title_ink = count_pixels(img, PNG_W * 3 / 10, 0, PNG_W * 7 / 10,
                                 PNG_H * 6 / 100, is_dark, NULL);
    int title_left = count_pixels(img, 0, 0, PNG_W / 10, PNG_H * 5 / 100,
                                  is_not_white, NULL);
    /* The foot: the data date and CRS under the frame, left. */
    int foot_ink = count_pixels(img, 0, PNG_H * 96 / 100, PNG_W / 2, PNG_H,
                                is_not_white, NULL);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK(east > PNG_W / 2);
    CHECK(east < x0);
    /* A swatch is 28 × 16 pt, about 58 × 33 px, one per class. */
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) CHECK(swatch[k] >= 1000);
    CHECK(legend_ink >= 3000);
    CHECK(title_ink >= 1000);
    CHECK_INT(title_left, 0);      /* centred */
    CHECK(foot_ink >= 500);
}

TEST(pdf_written)
{
    char path[256], png[256];
    size_t n;
    out_model *m = fx_output_model();
    /* A date far from the clock's, which cairo would write without it. */
    free(m->data_date);
    m->data_date = ibmap_strdup("2021-03-15");
    ibmap_status s = out_write_map(ctx, m, NULL, out_path(path, sizeof path, "b.pdf"));
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK(!exists(out_path(png, sizeof png, "b.png")));
    unsigned char *pdf = slurp(path, &n);
    CHECK(pdf != NULL);
    int head = n > 5 && memcmp(pdf, "%PDF-", 5) == 0;
    int font = contains(pdf, n, "/Font");
    int noto = contains(pdf, n, "NotoSansCJK");
    /* cairo 1.16 writes the date without the optional "D:". */
    int date = contains(pdf, n, "/CreationDate (20210315000000") ||
               contains(pdf, n, "/CreationDate (D:20210315000000");
    int eof = contains(pdf, n, "%%EOF");
    free(pdf);
    CHECK(head);
    CHECK(n > 10000);
    CHECK(font);
    CHECK(noto);      /* the CJK font is embedded: Chinese as glyphs */
    CHECK(date);      /* the data date, not the clock */
    CHECK(eof);
    CHECK_INT(count_temporaries(), 0);
}

TEST(both_written_together)
{
    char png[256], pdf[256];
    out_model *m = fx_output_model();
    ibmap_status s = out_write_map(ctx, m, out_path(png, sizeof png, "c.png"),
                                   out_path(pdf, sizeof pdf, "c.pdf"));
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK(file_size(png) > 10000);
    CHECK(file_size(pdf) > 10000);
    CHECK_INT(count_temporaries(), 0);
}

TEST(same_model_same_bytes)
{
    char a[256], b[256], c[256], pa[256], pb[256];
    out_model *m = fx_output_model();
    ibmap_status s1 = out_write_map(ctx, m, out_path(a, sizeof a, "d1.png"),
                                    out_path(pa, sizeof pa, "d1.pdf"));
    ibmap_status s2 = out_write_map(ctx, m, out_path(b, sizeof b, "d2.png"),
                                    out_path(pb, sizeof pb, "d2.pdf"));
    /* The comparison can fail: B1 made exit changes the PNG. */
    m->owned_klass[0] = IBMAP_CLASS_EXIT;
    ibmap_status s3 = out_write_map(ctx, m, out_path(c, sizeof c, "d3.png"), NULL);
    out_model_free(m);
    CHECK_INT(s1, IBMAP_OK);
    CHECK_INT(s2, IBMAP_OK);
    CHECK_INT(s3, IBMAP_OK);
    CHECK(same_files(a, b));
    CHECK(same_files(pa, pb));
    CHECK(!same_files(a, c));
}

TEST(missing_directory_leaves_nothing)
{
    char png[256], pdf[256];
    out_model *m = fx_output_model();
    ibmap_status s1 = out_write_map(ctx, m, out_path(png, sizeof png, "no-such/e.png"), NULL);
    char msg1[512];
    snprintf(msg1, sizeof msg1, "%s", ibmap_errmsg(ctx));
    /* The PNG's directory exists, the PDF's not: neither is written. */
    ibmap_status s2 = out_write_map(ctx, m, out_path(png, sizeof png, "e.png"),
                                    out_path(pdf, sizeof pdf, "no-such/e.pdf"));
    out_model_free(m);
    CHECK_INT(s1, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(msg1, "no-such/e.png");
    CHECK_INT(s2, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), pdf);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "No such file or directory");
    CHECK(!exists(png));
    CHECK(!exists(pdf));
    CHECK_INT(count_temporaries(), 0);
}

TEST(target_is_a_directory)
{
    char png[256];
    out_model *m = fx_output_model();
    mkdir(out_path(png, sizeof png, "f.png"), 0755);
    ibmap_status s = out_write_map(ctx, m, png, NULL);
    out_model_free(m);
    struct stat st;
    CHECK_INT(s, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), png);
    CHECK(stat(png, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_INT(count_temporaries(), 0);
}

TEST(bad_arguments)
{
    char png[256];
    out_model *m = fx_output_model();
    ibmap_status s1 = out_write_map(ctx, m, NULL, NULL);
    ibmap_status s2 = out_write_map(ctx, NULL, out_path(png, sizeof png, "g.png"), NULL);
    out_model_free(m);
    /* A model without a blocks table. */
    m = calloc(1, sizeof *m);
    out_table *t = out_model_add_table(m, "towns", "镇街", 1);
    out_table_add_column(t, "name", "名称", "", OUT_TEXT);
    ibmap_status s3 = out_write_map(ctx, m, png, NULL);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", ibmap_errmsg(ctx));
    out_model_free(m);
    CHECK_INT(s1, IBMAP_ERR_ARG);
    CHECK_INT(s2, IBMAP_ERR_ARG);
    CHECK_INT(s3, IBMAP_ERR_ARG);
    CHECK_CONTAINS(msg, "blocks");
    CHECK(!exists(png));
}

TEST(interrupted_leaves_nothing)
{
    char png[256], pdf[256];
    out_model *m = fx_output_model();
    ibmap_interrupt();
    ibmap_status s = out_write_map(ctx, m, out_path(png, sizeof png, "h.png"),
                                   out_path(pdf, sizeof pdf, "h.pdf"));
    ibmap_interrupt_clear();
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_INTERRUPTED);
    CHECK(!exists(png));
    CHECK(!exists(pdf));
    CHECK_INT(count_temporaries(), 0);
}

/* The blocks-only model: no towns, parks or red lines, and every kind of
** WKB the reader meets: a hole, a multipolygon, a collection with a point
** and a line, big-endian, no geometry, truncated, a NaN, ISO Z, EWKB. */
enum { K_HOLE, K_MULTI, K_COLLECTION, K_BIG_ENDIAN, K_NULL, K_TRUNCATED,
       K_NAN, K_Z, K_EWKB, K_COUNT };

static out_model *varied_model(void)
{
    static wkbuf w[K_COUNT];
    static const ibmap_class k[K_COUNT] = {
        IBMAP_CLASS_SUPPORT, IBMAP_CLASS_CONSOLIDATE, IBMAP_CLASS_EXIT,
        IBMAP_CLASS_UNCLASSIFIABLE, IBMAP_CLASS_SUPPORT, IBMAP_CLASS_SUPPORT,
        IBMAP_CLASS_SUPPORT, IBMAP_CLASS_EXIT, IBMAP_CLASS_CONSOLIDATE};
    memset(w, 0, sizeof w);
    /* (0,0)-(1000,1000) less (400,400)-(600,600) */
    put_header(&w[K_HOLE], 3);
    put_u32(&w[K_HOLE], 2);
    put_ring(&w[K_HOLE], 0, 0, 1000, 1000, 2);
    put_ring(&w[K_HOLE], 400, 400, 600, 600, 2);
    put_header(&w[K_MULTI], 6);
    put_u32(&w[K_MULTI], 2);
    put_rect(&w[K_MULTI], 1200, 0, 1400, 200);
    put_rect(&w[K_MULTI], 1200, 800, 1400, 1000);
    put_collection(&w[K_COLLECTION]);
    w[K_BIG_ENDIAN].be = 1;
    put_rect(&w[K_BIG_ENDIAN], 2000, 0, 2200, 1000);
    /* K_NULL: none.  The damaged two lie over the hole, which stays
    ** white only if they are skipped whole. */
    put_rect(&w[K_TRUNCATED], 420, 420, 580, 580);
    w[K_TRUNCATED].n -= 9;
    put_header(&w[K_NAN], 3);
    put_u32(&w[K_NAN], 1);
    put_u32(&w[K_NAN], 4);
    const double nan_ring[8] = {420, 420, 580, 420, 580, NAN, 420, 420};
    for (int i = 0; i < 8; i++) put_f64(&w[K_NAN], nan_ring[i]);
    put_header(&w[K_Z], 1003);   /* ISO Polygon Z */
    put_u32(&w[K_Z], 1);
    put_ring(&w[K_Z], 2400, 0, 2600, 1000, 3);
    put_header(&w[K_EWKB], 0x20000003u);   /* PostGIS EWKB: an SRID follows */
    put_u32(&w[K_EWKB], 4549);
    put_u32(&w[K_EWKB], 1);
    put_ring(&w[K_EWKB], 2800, 0, 3000, 1000, 2);
    return blocks_model(w, k, K_COUNT);
}

TEST(blocks_only_every_kind_of_wkb)
{
    out_model *m = varied_model();
    cairo_surface_t *img = draw(m, "varied.png");
    CHECK(img != NULL);
    int w = cairo_image_surface_get_width(img);
    int ok =
        world_is(img, m, 200, 200, out_class_rgb[IBMAP_CLASS_SUPPORT]) &&
        world_is(img, m, 500, 500, white) &&    /* the hole, under the damaged */
        world_is(img, m, 1300, 100, out_class_rgb[IBMAP_CLASS_CONSOLIDATE]) &&
        world_is(img, m, 1300, 900, out_class_rgb[IBMAP_CLASS_CONSOLIDATE]) &&
        world_is(img, m, 1300, 500, white) &&                    /* a point: not drawn */
        world_is(img, m, 1700, 500, out_class_rgb[IBMAP_CLASS_EXIT]) &&
        world_is(img, m, 2100, 500, out_class_rgb[IBMAP_CLASS_UNCLASSIFIABLE]) &&
        world_is(img, m, 2500, 500, out_class_rgb[IBMAP_CLASS_EXIT]) &&
        world_is(img, m, 2900, 500, out_class_rgb[IBMAP_CLASS_CONSOLIDATE]);
    /* Between and around the blocks: white, nothing drawn (no towns). */
    int gaps = world_is(img, m, 1500, 500, white) &&
               world_is(img, m, 2300, 500, white) &&
               world_is(img, m, -50, 500, white) &&
               world_is(img, m, 1300, 1300, white);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK_INT(w, PNG_W);
    CHECK(ok);
    CHECK(gaps);
}

/* A record cut anywhere short of its end, or with a count larger than its
** bytes, places nothing: the model has no geometry to frame. */
TEST(damaged_wkb_refused)
{
    wkbuf full = {{0}, 0, 0}, cut;
    static const ibmap_class k[1] = {IBMAP_CLASS_EXIT};
    put_collection(&full);
    for (size_t n = 0; n <= full.n; n++) {
        cut = full;
        cut.n = n;
        out_model *m = blocks_model(&cut, k, 1);
        int placed = out_map_png_pixel(m, 1700, 500, NULL, NULL);
        out_model_free(m);
        if (placed != (n == full.n)) TEST_FAILF("length %zu of %zu: %d", n, full.n, placed);
    }
    /* The polygon's ring count (after the point and the line) made huge. */
    cut = full;
    size_t ring_count = 1 + 4 + 4 + (1 + 4 + 16) + (1 + 4 + 4 + 32) + 1 + 4;
    memset(cut.b + ring_count, 0xff, 4);
    out_model *m = blocks_model(&cut, k, 1);
    int placed = out_map_png_pixel(m, 1700, 500, NULL, NULL);
    out_model_free(m);
    CHECK_INT(placed, 0);
    /* Collections nested 9 deep are refused, 3 deep accepted. */
    for (int depth = 3; depth <= 9; depth += 6) {
        wkbuf nest = {{0}, 0, 0};
        for (int i = 0; i < depth; i++) {
            put_header(&nest, 7);
            put_u32(&nest, 1);
        }
        put_rect(&nest, 0, 0, 10, 10);
        m = blocks_model(&nest, k, 1);
        placed = out_map_png_pixel(m, 5, 5, NULL, NULL);
        out_model_free(m);
        CHECK_INT(placed, depth == 3);
    }
}

static int is_not_support(const int rgb[3], const void *arg)
{
    (void)arg;
    return !near(rgb, out_class_rgb[IBMAP_CLASS_SUPPORT], 4);
}

/* A block over a town's centre: the town's name goes beside it, not over
** it, and is drawn. */
TEST(town_name_clear_of_blocks)
{
    wkbuf w = {{0}, 0, 0};
    static const ibmap_class k[1] = {IBMAP_CLASS_SUPPORT};
    put_rect(&w, 400, 400, 600, 600);
    out_model *m = blocks_model(&w, k, 1);
    out_table *t = out_model_add_table(m, "towns", "镇街", 1);
    out_table_add_column(t, "name", "名称", "", OUT_TEXT);
    out_table_set_rows(t, 1);
    out_table_set_text(t, 0, 0, "测试镇");
    w.n = 0;
    put_rect(&w, 0, 0, 1000, 1000);
    out_table_set_wkb(t, 0, w.b, w.n);
    /* the frame shows the whole town (--extent): by default it would
    ** show the block and its margin only */
    m->has_view = 1;
    m->view[0] = m->view[1] = 0;
    m->view[2] = m->view[3] = 1000;
    cairo_surface_t *img = draw(m, "label.png");
    CHECK(img != NULL);
    int x0, y0, x1, y1, tx0, ty0, tx1, ty1;
    out_map_png_pixel(m, 400, 600, &x0, &y0);
    out_map_png_pixel(m, 600, 400, &x1, &y1);
    out_map_png_pixel(m, 0, 1000, &tx0, &ty0);
    out_map_png_pixel(m, 1000, 0, &tx1, &ty1);
    /* The block's inside, less its outline: all its fill. */
    int over = count_pixels(img, x0 + 4, y0 + 4, x1 - 4, y1 - 4, is_not_support, NULL);
    /* The name's grey glyphs: in the town, and not in the block. */
    int name = count_pixels(img, tx0 + 4, ty0 + 4, tx1 - 4, ty1 - 4, is_dark, NULL);
    cairo_surface_destroy(img);
    out_model_free(m);
    CHECK(x1 - x0 > 100);
    CHECK_INT(over, 0);
    CHECK(name >= 100);
}

/* The town maps: a PDF page and a PNG per town of the fixture (坎墩街道,
** 宗汉街道), each named by its page and town, and no temporary left.  Under
** valgrind this is the one unit test of out_write_town_maps (a leak of
** its temporary directory's name reached CI through a whole run only). */
TEST(town_maps_a_page_and_png_per_town)
{
    char pdf[256], pngs[256], path[512];
    out_model *m = fx_output_model();
    ibmap_status s = out_write_town_maps(ctx, m, out_path(pdf, sizeof pdf, "towns.pdf"),
                                         out_path(pngs, sizeof pngs, "town_pngs"));
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK(file_size(pdf) > 10000);
    DIR *d = opendir(pngs);
    int n = 0, named = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        n++;
        /* pages in the byte order of the names: 坎 E5 9D 8E before 宗 E5 AE 97 */
        named += strcmp(e->d_name, "01-坎墩街道.png") == 0 ||
                 strcmp(e->d_name, "02-宗汉街道.png") == 0;
        snprintf(path, sizeof path, "%s/%s", pngs, e->d_name);
        cairo_surface_t *img = load_png(path);
        CHECK(img != NULL);
        if (img) cairo_surface_destroy(img);
    }
    if (d) closedir(d);
    CHECK_INT(n, 2);
    CHECK_INT(named, 2);
    CHECK_INT(count_temporaries(), 0);
}

TEST(pixel_mapping)
{
    int x0, y0, x1, y1, x2, y2;
    out_model *m = fx_output_model();
    int in0 = out_map_png_pixel(m, 625000, 3345000, &x0, &y0);
    int in1 = out_map_png_pixel(m, 625500, 3345000, &x1, &y1);
    int in2 = out_map_png_pixel(m, 625000, 3345500, &x2, &y2);
    int far = out_map_png_pixel(m, 0, 0, NULL, NULL);
    int nan = out_map_png_pixel(m, NAN, 3345000, NULL, NULL);
    out_model_free(m);
    CHECK(in0 && in1 && in2);
    CHECK_INT(far, 0);
    CHECK_INT(nan, 0);
    CHECK_INT(y1, y0);             /* east is to the right */
    CHECK(x1 > x0);
    CHECK_INT(x2, x0);             /* north is up */
    CHECK(y2 < y0);
    CHECK(abs((x1 - x0) - (y0 - y2)) <= 1);   /* one scale for x and y */
    /* The frame is the blocks' 500 m and a 4 % margin each side: 540 m
    ** fill the frame's 690 pt height, about 1.28 pt/m (2.66 px/m). */
    CHECK(x1 - x0 > 1250 && x1 - x0 < 1400);
    CHECK_INT(out_map_png_pixel(NULL, 0, 0, NULL, NULL), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    ctx = ibmap_ctx_new();
    snprintf(dir, sizeof dir, "/tmp/ibmap-map-XXXXXX");
    if (!ctx || !mkdtemp(dir)) {
        puts("Bail out! no context or scratch directory");
        return 1;
    }
    RUN(png_written_and_decodes);
    RUN(blocks_filled_by_class);
    RUN(towns_filled_and_the_frame_is_the_blocks);
    RUN(extent_frames_what_is_asked);
    RUN(park_outlined_not_filled);
    RUN(redline_hatched_within_its_polygon);
    RUN(legend_and_title_drawn);
    RUN(pdf_written);
    RUN(both_written_together);
    RUN(same_model_same_bytes);
    RUN(missing_directory_leaves_nothing);
    RUN(target_is_a_directory);
    RUN(bad_arguments);
    RUN(interrupted_leaves_nothing);
    RUN(blocks_only_every_kind_of_wkb);
    RUN(damaged_wkb_refused);
    RUN(town_name_clear_of_blocks);
    RUN(pixel_mapping);
    RUN(town_maps_a_page_and_png_per_town);
    if (!getenv("IBMAP_KEEP_MAP")) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else printf("# kept %s\n", dir);
    ibmap_ctx_free(ctx);
    return test_finish();
}
