/*
** out_webmap.c — the report's interactive map: the data it shows, as
** JSON, the page's script, and Leaflet, read from where the set-up script
** installed it, to be embedded in report.html (out_report.c).
**
** Leaflet.  Debian's libjs-leaflet (scripts/setup installs it) puts
** leaflet.min.js, leaflet.css and images/ in /usr/share/javascript/leaflet;
** meson finds that directory at build time (IBMAP_LEAFLET_DIR) and
** $IBMAP_LEAFLET_DIR overrides it at run time.  The files are read when
** the report is written and copied into it: the script, stripped of its
** source-map comment; the CSS, its url(images/…) made data: URIs (the page
** may load nothing).  Without them the report says the interactive map is
** unavailable, and why, and is written all the same.
**
** The map has no tiles: the working CRS is projected in metres, so the
** blocks are drawn in Leaflet's CRS.Simple with one unit a metre (north up,
** the scale bar right), relative to the blocks' south-west corner.  No
** reprojection, and nothing to fetch.
**
** Geometry is simplified for display only: every figure the popup shows
** comes from the model, measured on the exact shapes.  Rings are
** simplified by Douglas–Peucker with a tolerance of 1% of a typical block's
** size (the square root of the median block area), scaled by √(n / 1000)
** above a thousand blocks and capped at 10%: the more blocks, the coarser
** each is drawn, so that the vertices grow about as √n rather than n.  A
** ring keeps at least four points, so no block vanishes.  Coordinates are
** whole multiples of a quantum (0.1 m, or 1 m from a tolerance of 2 m up),
** delta-encoded.  A popup lists at most OUT_WEBMAP_MAX_ENT enterprises of
** a block (the largest by land), fewer past a total of
** OUT_WEBMAP_ENT_BUDGET over the city, the rest counted with a pointer to
** the plan sheet.  Past OUT_WEBMAP_MAX_BLOCKS blocks the map is left out,
** with a note: a browser would not draw so many.
*/
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "output/out_draw.h"

#ifndef IBMAP_LEAFLET_DIR
#define IBMAP_LEAFLET_DIR "/usr/share/javascript/leaflet"
#endif

/* ---------------------------------------------------------------------- */
/* Leaflet                                                                */
/* ---------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    ibmap_strbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) ibmap_strbuf_putn(&b, buf, n);
    int err = ferror(f);
    fclose(f);
    size_t len = b.n;
    char *s = ibmap_strbuf_take(&b);
    if (err) {
        free(s);
        return NULL;
    }
    if (size) *size = len;
    return s;
}

static void put_base64(ibmap_strbuf *b, const unsigned char *p, size_t n)
{
    gchar *enc = g_base64_encode(p, n);
    if (enc) ibmap_strbuf_put(b, enc);
    else b->failed = 1;
    g_free(enc);
}

const char *out_leaflet_dir(void)
{
    const char *env = getenv("IBMAP_LEAFLET_DIR");
    return env && *env ? env : IBMAP_LEAFLET_DIR;
}

int out_leaflet_read(char **js, char **css, char *why, size_t why_size)
{
    const char *dir = out_leaflet_dir();
    *js = *css = NULL;
    char *path = ibmap_sprintf("%s/leaflet.min.js", dir);
    char *text = path ? slurp(path, NULL) : NULL;
    if (!text && path) {
        free(path);
        path = ibmap_sprintf("%s/leaflet.js", dir);
        text = path ? slurp(path, NULL) : NULL;
    }
    if (!text) {
        snprintf(why, why_size, "%s/leaflet.min.js: %s (apt-get install libjs-leaflet, or set "
                 "IBMAP_LEAFLET_DIR)", dir, strerror(errno ? errno : ENOENT));
        free(path);
        return 0;
    }
    free(path);
    /* The source map would be fetched by developer tools only; it is
    ** dropped all the same, so the page names no file at all. */
    char *map = strstr(text, "//# sourceMappingURL=");
    if (map) *map = '\0';
    path = ibmap_sprintf("%s/leaflet.css", dir);
    char *sheet = path ? slurp(path, NULL) : NULL;
    free(path);
    if (!sheet) {
        snprintf(why, why_size, "%s/leaflet.css: %s", dir, strerror(errno ? errno : ENOENT));
        free(text);
        return 0;
    }
    /* url(images/NAME) → data: URIs of the installed images (or nothing). */
    ibmap_strbuf b = {0};
    const char *p = sheet;
    for (const char *u; (u = strstr(p, "url(images/")); ) {
        const char *end = strchr(u, ')');
        if (!end) break;
        ibmap_strbuf_putn(&b, p, (size_t)(u - p));
        char *name = ibmap_strndup(u + 11, (size_t)(end - u - 11));
        char *img_path = name ? ibmap_sprintf("%s/images/%s", dir, name) : NULL;
        size_t n = 0;
        char *img = img_path ? slurp(img_path, &n) : NULL;
        if (img) {
            ibmap_strbuf_put(&b, "url(data:image/png;base64,");
            put_base64(&b, (const unsigned char *)img, n);
            ibmap_strbuf_put(&b, ")");
        } else {
            ibmap_strbuf_put(&b, "none");
        }
        free(img);
        free(img_path);
        free(name);
        p = end + 1;
    }
    ibmap_strbuf_put(&b, p);
    free(sheet);
    *css = ibmap_strbuf_take(&b);
    if (!*css) {
        free(text);
        snprintf(why, why_size, "out of memory");
        return 0;
    }
    *js = text;
    return 1;
}

void out_sha256_base64(const char *s, char out[64])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 digest[32];
    gsize n = sizeof digest;
    g_checksum_update(c, (const guchar *)s, (gssize)strlen(s));
    g_checksum_get_digest(c, digest, &n);
    g_checksum_free(c);
    gchar *enc = g_base64_encode(digest, n);
    snprintf(out, 64, "%s", enc ? enc : "");
    g_free(enc);
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                   */
/* ---------------------------------------------------------------------- */

/* A JSON string, safe inside <script>: every '<' is written \u003c, so
** that neither "</script" nor "<!--" can occur in the data block. */
static void json_str(ibmap_strbuf *b, const char *s)
{
    ibmap_strbuf_putn(b, "\"", 1);
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            ibmap_strbuf_putn(b, e, 2);
        } else if (c == '<') {
            ibmap_strbuf_put(b, "\\u003c");
        } else if (c < 0x20) {
            ibmap_strbuf_printf(b, "\\u%04x", c);
        } else {
            ibmap_strbuf_putn(b, p, 1);
        }
    }
    ibmap_strbuf_putn(b, "\"", 1);
}

static void json_num(ibmap_strbuf *b, double v)
{
    if (isfinite(v)) ibmap_strbuf_printf(b, "%.4g", v);
    else ibmap_strbuf_put(b, "null");
}

/* Douglas–Peucker over pts[i0..i1] (keep[] marks the points kept). */
static void dp(const double *pts, uint32_t i0, uint32_t i1, double tol2, unsigned char *keep)
{
    while (i1 > i0 + 1) {
        double ax = pts[2 * i0], ay = pts[2 * i0 + 1], bx = pts[2 * i1], by = pts[2 * i1 + 1];
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, worst = -1;
        uint32_t wi = i0;
        for (uint32_t i = i0 + 1; i < i1; i++) {
            double px = pts[2 * i] - ax, py = pts[2 * i + 1] - ay, d2;
            if (len2 > 0) {
                double t = (px * dx + py * dy) / len2;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                double ex = px - t * dx, ey = py - t * dy;
                d2 = ex * ex + ey * ey;
            } else {
                d2 = px * px + py * py;
            }
            if (d2 > worst) {
                worst = d2;
                wi = i;
            }
        }
        if (worst <= tol2) return;
        keep[wi] = 1;
        dp(pts, i0, wi, tol2, keep);
        i0 = wi;
    }
}

typedef struct geom_writer {
    ibmap_strbuf *b;
    double ox, oy, q, tol;
    int64_t vertices;
    int polygon_open;      /* a polygon's "[" written */
    uint32_t polygon;
    int first_polygon;
    double *pts;
    unsigned char *keep;
    uint32_t cap;
} geom_writer;

/* One ring: simplified, quantised, delta-encoded, at least 4 points (the
** extremes when the simplification leaves fewer). */
static int write_ring(void *arg, uint32_t polygon, uint32_t ring, const wkb_ring *r)
{
    geom_writer *w = arg;
    if (r->n < 4) return 1;
    if (r->n > w->cap) {
        uint32_t cap = r->n + 64;
        double *pts = realloc(w->pts, (size_t)cap * 2 * sizeof *pts);
        if (!pts) return 0;
        w->pts = pts;
        unsigned char *keep = realloc(w->keep, cap);
        if (!keep) return 0;
        w->keep = keep;
        w->cap = cap;
    }
    uint32_t n = r->n;
    for (uint32_t i = 0; i < n; i++) draw_ring_point(r, i, &w->pts[2 * i], &w->pts[2 * i + 1]);
    memset(w->keep, 0, n);
    /* A closed ring: split at the point farthest from the first. */
    uint32_t far = 0;
    double best = -1;
    for (uint32_t i = 1; i < n; i++) {
        double dx = w->pts[2 * i] - w->pts[0], dy = w->pts[2 * i + 1] - w->pts[1];
        if (dx * dx + dy * dy > best) {
            best = dx * dx + dy * dy;
            far = i;
        }
    }
    w->keep[0] = w->keep[n - 1] = w->keep[far] = 1;
    double tol2 = w->tol * w->tol;
    dp(w->pts, 0, far, tol2, w->keep);
    dp(w->pts, far, n - 1, tol2, w->keep);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) kept += w->keep[i];
    if (kept < 4) {
        /* Too small for the tolerance: a hole is dropped, an exterior
        ** keeps its extreme points. */
        if (ring > 0) return 1;
        uint32_t ext[4] = {0, 0, 0, 0};
        for (uint32_t i = 0; i < n; i++) {
            if (w->pts[2 * i] < w->pts[2 * ext[0]]) ext[0] = i;
            if (w->pts[2 * i] > w->pts[2 * ext[1]]) ext[1] = i;
            if (w->pts[2 * i + 1] < w->pts[2 * ext[2] + 1]) ext[2] = i;
            if (w->pts[2 * i + 1] > w->pts[2 * ext[3] + 1]) ext[3] = i;
        }
        for (int k = 0; k < 4; k++) w->keep[ext[k]] = 1;
    }
    if (polygon != w->polygon || !w->polygon_open) {
        if (w->polygon_open) ibmap_strbuf_put(w->b, "]");
        ibmap_strbuf_put(w->b, w->first_polygon ? "[" : ",[");
        w->first_polygon = 0;
        w->polygon_open = 1;
        w->polygon = polygon;
    } else {
        ibmap_strbuf_put(w->b, ",");
    }
    ibmap_strbuf_put(w->b, "[");
    long long px = 0, py = 0;
    int first = 1;
    for (uint32_t i = 0; i + 1 < n; i++) {   /* the closing point is implied */
        if (!w->keep[i]) continue;
        long long x = llround((w->pts[2 * i] - w->ox) / w->q);
        long long y = llround((w->pts[2 * i + 1] - w->oy) / w->q);
        if (!first && x == px && y == py) continue;
        ibmap_strbuf_printf(w->b, first ? "%lld,%lld" : ",%lld,%lld", x - px, y - py);
        px = x;
        py = y;
        first = 0;
        w->vertices++;
    }
    ibmap_strbuf_put(w->b, "]");
    return 1;
}

/* "g":[[ring,…],…] of row r (without the key when bare); 0 when it has
** no polygon. */
static int write_geom_as(geom_writer *w, const out_table *t, int64_t r, int bare)
{
    if (!t->wkb || !t->wkb[r] || !draw_wkb_rings(t->wkb[r], t->wkb_size[r], NULL, NULL))
        return 0;
    ibmap_strbuf_put(w->b, bare ? "[" : "\"g\":[");
    w->polygon_open = 0;
    w->first_polygon = 1;
    draw_wkb_rings(t->wkb[r], t->wkb_size[r], write_ring, w);
    if (w->polygon_open) ibmap_strbuf_put(w->b, "]");
    ibmap_strbuf_put(w->b, "]");
    return 1;
}

static int write_geom(geom_writer *w, const out_table *t, int64_t r)
{
    return write_geom_as(w, t, r, 0);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rows of a zone table, each {"name":…,"g":…}. */
static void write_zone(ibmap_strbuf *b, geom_writer *w, const out_model *m, const char *table,
                       const char *key)
{
    const out_table *t = out_model_table(m, table);
    ibmap_strbuf_printf(b, ",\"%s\":[", key);
    int first = 1;
    for (int64_t r = 0; t && t->spatial && r < t->n_rows; r++) {
        double e[4];
        if (!draw_feature_bbox(t, r, e)) continue;
        ibmap_strbuf_put(b, first ? "{" : ",{");
        first = 0;
        const char *name = out_text(t, r, "name");
        if (!name) name = out_text(t, r, "site_id");
        if (!name) name = out_text(t, r, "id");
        ibmap_strbuf_put(b, "\"name\":");
        json_str(b, name);
        const char *members = out_text(t, r, "members");
        if (members) {
            ibmap_strbuf_put(b, ",\"info\":");
            char *info = ibmap_sprintf("%.1f 亩 · score %.1f · %s", out_number(t, r, "area_mu"),
                                       out_number(t, r, "score"), members);
            json_str(b, info);
            free(info);
        }
        ibmap_strbuf_put(b, ",");
        write_geom(w, t, r);
        ibmap_strbuf_put(b, "}");
    }
    ibmap_strbuf_put(b, "]");
}

/* The figures a block's popup shows, in the order of its row. */
static const char *const block_nums[] = {"area_mu", "tax_per_mu", "va_per_mu", "far",
                                         "n_parcels", "parks_share", "redline_share",
                                         "basic_farmland_share", "grade_c_share",
                                         "grade_d_share"};

typedef struct ent_order {
    int64_t row;
    double land;
} ent_order;

static int ent_cmp(const void *a, const void *b)
{
    const ent_order *x = a, *y = b;
    double lx = isfinite(x->land) ? x->land : -1, ly = isfinite(y->land) ? y->land : -1;
    if (lx != ly) return lx < ly ? 1 : -1;
    return (x->row > y->row) - (x->row < y->row);
}

ibmap_status out_webmap_build(ibmap_ctx *ctx, const out_model *m, const char *plans_dir,
                              out_webmap *w)
{
    memset(w, 0, sizeof *w);
    const out_table *blocks = out_model_table(m, "blocks");
    const out_table *parcels = out_model_table(m, "parcels");
    int64_t n = blocks ? blocks->n_rows : 0;
    w->n_blocks = n;
    if (n > OUT_WEBMAP_MAX_BLOCKS) {
        w->skipped = 1;
        return IBMAP_OK;
    }
    /* The typical block size: √ of the median area. */
    double *areas = malloc((size_t)(n > 0 ? n : 1) * sizeof *areas);
    if (!areas) return ibmap_nomem(ctx);
    int64_t na = 0;
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int64_t r = 0; r < n; r++) {
        double f[4], a = out_number(blocks, r, "area_m2");
        if (isfinite(a) && a > 0) areas[na++] = a;
        if (draw_feature_bbox(blocks, r, f)) {
            e[0] = fmin(e[0], f[0]);
            e[1] = fmin(e[1], f[1]);
            e[2] = fmax(e[2], f[2]);
            e[3] = fmax(e[3], f[3]);
        }
    }
    if (na > 1) qsort(areas, (size_t)na, sizeof *areas, cmp_dbl);
    double typical = na ? sqrt(areas[na / 2]) : 100;
    free(areas);
    double k = 0.01 * (n > 1000 ? sqrt((double)n / 1000.0) : 1.0);
    if (k > 0.1) k = 0.1;
    w->tolerance = fmax(0.1, k * typical);
    w->quantum = w->tolerance >= 2 ? 1.0 : 0.1;
    if (!(e[0] <= e[2])) e[0] = e[1] = e[2] = e[3] = 0;
    /* The enterprises with their categories when the workspace has them,
    ** else the parcels with their enterprise data. */
    const out_table *ents = out_model_table(m, "enterprises");
    int use_ents = ents && m->ent_block;
    const out_table *et = use_ents ? ents : parcels;
    out_block_parcels bp;
    if (!(use_ents ? out_block_ents_build(m, &bp) : out_block_parcels_build(m, &bp)))
        return ibmap_nomem(ctx);
    int64_t np = et ? et->n_rows : 0;
    int per_block = OUT_WEBMAP_MAX_ENT;
    if (np > OUT_WEBMAP_ENT_BUDGET && n > 0) {
        per_block = (int)(OUT_WEBMAP_ENT_BUDGET / n);
        if (per_block > OUT_WEBMAP_MAX_ENT) per_block = OUT_WEBMAP_MAX_ENT;
    }
    w->ent_per_block = per_block;
    ibmap_strbuf b = {0};
    geom_writer gw = {.b = &b, .ox = floor(e[0]), .oy = floor(e[1]), .q = w->quantum,
                      .tol = w->tolerance};
    ibmap_strbuf_printf(&b, "{\"origin\":[%.0f,%.0f],\"q\":%g,\"tol\":%.3g,\"crs\":", gw.ox,
                        gw.oy, gw.q, w->tolerance);
    json_str(&b, m->crs);
    ibmap_strbuf_put(&b, ",\"classes\":[");
    for (int c = 0; c < IBMAP_CLASS_COUNT; c++) {
        ibmap_strbuf_printf(&b, "%s{\"key\":\"%s\",\"zh\":", c ? "," : "",
                            ibmap_class_name((ibmap_class)c));
        json_str(&b, ibmap_class_label_zh((ibmap_class)c));
        ibmap_strbuf_printf(&b, ",\"color\":\"#%02x%02x%02x\"}", out_class_rgb[c][0],
                            out_class_rgb[c][1], out_class_rgb[c][2]);
    }
    ibmap_strbuf_put(&b, "],\"bf\":[\"id\",\"name\",\"town\",\"k\",\"mode\"");
    for (size_t i = 0; i < sizeof block_nums / sizeof *block_nums; i++)
        ibmap_strbuf_printf(&b, ",\"%s\"", block_nums[i]);
    ibmap_strbuf_put(&b, ",\"rule\",\"reason\",\"plan\",\"p\",\"n_ent\",\"ents\",\"g\"],\"blocks\":[");
    ent_order *order = malloc((size_t)(np > 0 ? np : 1) * sizeof *order);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx->geos);
    int first = 1;
    ibmap_status s = order && rd ? IBMAP_OK : ibmap_nomem(ctx);
    for (int64_t r = 0; !s && r < n; r++) {
        if ((r & 1023) == 0 && ibmap_interrupt_pending()) s = ibmap_fail_interrupted(ctx);
        double f[4];
        if (!draw_feature_bbox(blocks, r, f)) continue;
        /* A row of the fields D.bf names, in that order (an array, not an
        ** object: the keys of 100,000 objects were half the page). */
        ibmap_strbuf_put(&b, first ? "[" : ",\n[");
        first = 0;
        json_str(&b, out_text(blocks, r, "block_id"));
        ibmap_strbuf_put(&b, ",");
        json_str(&b, out_text(blocks, r, "name"));
        ibmap_strbuf_put(&b, ",");
        json_str(&b, out_text(blocks, r, "town"));
        ibmap_strbuf_printf(&b, ",%d,", (int)draw_block_class(m, r));
        json_str(&b, m->mode ? ibmap_mode_label_zh((ibmap_mode)m->mode[r]) : "");
        for (size_t i = 0; i < sizeof block_nums / sizeof *block_nums; i++) {
            ibmap_strbuf_put(&b, ",");
            json_num(&b, out_number(blocks, r, block_nums[i]));
        }
        ibmap_strbuf_put(&b, ",");
        json_str(&b, out_text(blocks, r, "rule_id"));
        ibmap_strbuf_put(&b, ",");
        json_str(&b, out_text(blocks, r, "reason"));
        ibmap_strbuf_put(&b, ",");
        if (plans_dir) {
            char *file = out_plan_file_name(plans_dir, out_text(blocks, r, "town"), "html");
            char *href = file ? ibmap_sprintf("%s#block-%s", file,
                                              out_text(blocks, r, "block_id") ? out_text(blocks, r, "block_id") : "")
                              : NULL;
            json_str(&b, href);
            free(href);
            free(file);
        } else {
            ibmap_strbuf_put(&b, "null");
        }
        /* A point inside the block, for its label and for a click. */
        GEOSGeometry *g = GEOSWKBReader_read_r(ctx->geos, rd, blocks->wkb[r], blocks->wkb_size[r]);
        GEOSGeometry *pt = g ? GEOSPointOnSurface_r(ctx->geos, g) : NULL;
        double px, py;
        if (pt && GEOSGeomGetX_r(ctx->geos, pt, &px) == 1 && GEOSGeomGetY_r(ctx->geos, pt, &py) == 1)
            ibmap_strbuf_printf(&b, ",[%.1f,%.1f]", px - gw.ox, py - gw.oy);
        else
            ibmap_strbuf_put(&b, ",null");
        if (pt) GEOSGeom_destroy_r(ctx->geos, pt);
        if (g) GEOSGeom_destroy_r(ctx->geos, g);
        /* Its enterprises, the largest first. */
        int64_t k0 = bp.first[r], k1 = bp.first[r + 1], ne = k1 - k0;
        for (int64_t k = k0; k < k1; k++)
            order[k - k0] = (ent_order){bp.idx[k], out_number(et, bp.idx[k], "land_mu")};
        if (ne > 1) qsort(order, (size_t)ne, sizeof *order, ent_cmp);
        ibmap_strbuf_printf(&b, ",%lld,[", (long long)ne);
        for (int64_t k = 0; k < ne && k < per_block; k++) {
            int64_t p = order[k].row;
            double land = out_number(et, p, "land_mu");
            double tpm = use_ents ? out_number(et, p, "tax_per_mu")
                         : land > 0 ? out_number(et, p, "tax") / land
                                    : NAN;
            ibmap_strbuf_put(&b, k ? ",[" : "[");
            const char *name = out_text(et, p, use_ents ? "name" : "enterprise");
            json_str(&b, name ? name : out_text(et, p, use_ents ? "ent_id" : "parcel_id"));
            ibmap_strbuf_put(&b, ",");
            json_num(&b, land);
            ibmap_strbuf_put(&b, ",");
            json_num(&b, tpm);
            ibmap_strbuf_put(&b, ",");
            json_str(&b, out_text(et, p, "grade"));
            ibmap_strbuf_put(&b, ",");
            const char *cat = out_text(et, p, "category");
            json_str(&b, cat && strcmp(cat, "none") != 0 ? out_text(et, p, "category_zh") : "");
            ibmap_strbuf_put(&b, "]");
        }
        ibmap_strbuf_put(&b, "],");
        write_geom_as(&gw, blocks, r, 1);
        ibmap_strbuf_put(&b, "]");
    }
    if (rd) GEOSWKBReader_destroy_r(ctx->geos, rd);
    free(order);
    out_block_parcels_free(&bp);
    ibmap_strbuf_put(&b, "]");
    if (!s) {
        write_zone(&b, &gw, m, "towns", "towns");
        write_zone(&b, &gw, m, "parks", "parks");
        write_zone(&b, &gw, m, "redline", "redline");
        write_zone(&b, &gw, m, OUT_SITES_TABLE, "sites");
        ibmap_strbuf_put(&b, "}");
    }
    free(gw.pts);
    free(gw.keep);
    w->n_vertices = gw.vertices;
    char *json = ibmap_strbuf_take(&b);
    if (s) {
        free(json);
        return s;
    }
    if (!json) return ibmap_nomem(ctx);
    w->json = json;
    return IBMAP_OK;
}

void out_webmap_free(out_webmap *w)
{
    free(w->json);
    w->json = NULL;
}

/* ---------------------------------------------------------------------- */
/* The page's script                                                      */
/* ---------------------------------------------------------------------- */

/* Plain ES5, no library but Leaflet.  It reads the data block, draws the
** towns, the blocks by class (one layer per class, so each can be switched
** off), the parks, the red lines and the candidate sites, and opens a
** popup on a click.  The sites are lines (their rings), not polygons, so
** that a click inside one reaches the block under it; their own popup
** opens on the line.  window.ibmap exposes the map and each block's layer
** by id, for scripts and the browser test. */
static const char app_js[] =
    "(function () {\n"
    "'use strict';\n"
    "var D = JSON.parse(document.getElementById('ibmap-data').textContent);\n"
    "D.blocks = D.blocks.map(function (a) { var o = {};\n"
    "  for (var i = 0; i < D.bf.length; i++) o[D.bf[i]] = a[i];\n"
    "  return o; });\n"
    "var q = D.q;\n"
    "function esc(s) { return String(s == null ? '' : s).replace(/[&<>\"']/g, function (c) {\n"
    "  return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '\"': '&quot;', \"'\": '&#39;'}[c]; }); }\n"
    "function num(v, d) { return v == null ? '\\u2014' : Number(v).toFixed(d); }\n"
    "function pct(v) { return v == null ? '\\u2014' : (100 * v).toFixed(1) + '%'; }\n"
    "function ring(a) { var p = [], x = 0, y = 0;\n"
    "  for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; p.push([y * q, x * q]); }\n"
    "  return p; }\n"
    "function shape(g) { return g.map(function (poly) { return poly.map(ring); }); }\n"
    "var canvas = L.canvas({padding: 0.5});\n"
    "var map = L.map('imap', {crs: L.CRS.Simple, renderer: canvas, preferCanvas: true,\n"
    "  minZoom: -14, maxZoom: 6, zoomSnap: 0.25, attributionControl: false});\n"
    "var overlays = {}, all = L.featureGroup(), byId = {};\n"
    "function outline(g) { var lines = [];\n"
    "  shape(g).forEach(function (poly) { poly.forEach(function (r) { lines.push(r.concat([r[0]])); }); });\n"
    "  return lines; }\n"
    "function zone(list, style, label, lines) {\n"
    "  var g = L.featureGroup();\n"
    "  list.forEach(function (z) { var p = lines ? L.polyline(outline(z.g), style) : L.polygon(shape(z.g), style);\n"
    "    if (z.info) p.bindPopup('<b>' + esc(z.name) + '</b><br>' + esc(z.info));\n"
    "    else if (label) p.bindTooltip(esc(z.name), {permanent: true, direction: 'center',\n"
    "      className: 'town-label', interactive: false});\n"
    "    p.addTo(g); });\n"
    "  return g; }\n"
    "var towns = zone(D.towns, {color: '#606060', weight: 1, dashArray: '6 3 1 3',\n"
    "  fillColor: '#f4f1ea', fillOpacity: 1, interactive: false}, true);\n"
    "towns.addTo(map);\n"
    "if (D.towns.length) overlays['\\u9547\\u8857 towns'] = towns;\n"
    "function popup(b) {\n"
    "  var c = D.classes[b.k], h = '<div class=\"pop\"><h4>' + esc(b.id) + ' ' + esc(b.name) + '</h4>';\n"
    "  h += '<p><span class=\"sw\" style=\"background:' + c.color + '\"></span>' + esc(c.zh) + ' ' +\n"
    "    esc(c.key) + (b.mode ? ' \\u00b7 ' + esc(b.mode) : '') + (b.town ? ' \\u00b7 ' + esc(b.town) : '') + '</p>';\n"
    "  h += '<table><tr><th>\\u9762\\u79ef</th><td>' + num(b.area_mu, 1) + ' \\u4ea9</td>' +\n"
    "    '<th>\\u4ea9\\u5747\\u7a0e\\u6536</th><td>' + num(b.tax_per_mu, 2) + ' \\u4e07\\u5143/\\u4ea9</td></tr>' +\n"
    "    '<tr><th>\\u5bb9\\u79ef\\u7387</th><td>' + num(b.far, 2) + '</td><th>\\u5b97\\u5730\\u6570</th><td>' +\n"
    "    num(b.n_parcels, 0) + '</td></tr>' +\n"
    "    '<tr><th>\\u56ed\\u533a\\u5185</th><td>' + pct(b.parks_share) + '</td><th>\\u751f\\u6001\\u7ea2\\u7ebf</th><td>' +\n"
    "    pct(b.redline_share) + '</td></tr>' +\n"
    "    '<tr><th>C/D\\u7c7b\\u7528\\u5730</th><td>' + pct(b.grade_c_share == null ? null : b.grade_c_share + (b.grade_d_share || 0)) +\n"
    "    '</td><th>\\u6c38\\u4e45\\u57fa\\u672c\\u519c\\u7530</th><td>' + pct(b.basic_farmland_share) + '</td></tr></table>';\n"
    "  h += '<p class=\"reason\"><b>\\u7406\\u7531 Reason</b> (' + esc(b.rule) + '): ' + esc(b.reason) + '</p>';\n"
    "  if (b.ents.length) {\n"
    "    h += '<table class=\"ents\"><tr><th>\\u4f01\\u4e1a Enterprise</th><th>\\u4ea9</th>' +\n"
    "      '<th>\\u4ea9\\u5747\\u7a0e\\u6536</th><th>\\u7b49\\u7ea7</th><th>\\u5206\\u7c7b</th></tr>';\n"
    "    b.ents.forEach(function (e) { h += '<tr><td>' + esc(e[0]) + '</td><td>' + num(e[1], 1) +\n"
    "      '</td><td>' + num(e[2], 2) + '</td><td>' + esc(e[3]) + '</td><td>' + esc(e[4]) + '</td></tr>'; });\n"
    "    h += '</table>';\n"
    "  }\n"
    "  if (b.n_ent > b.ents.length) h += '<p>\\u53e6\\u6709 ' + (b.n_ent - b.ents.length) +\n"
    "    ' \\u5bb6 (' + (b.n_ent - b.ents.length) + ' more): see the plan sheet</p>';\n"
    "  if (b.plan) h += '<p><a href=\"' + esc(b.plan) + '\">\\u4e00\\u533a\\u5757\\u4e00\\u65b9\\u6848 plan sheet \\u2192</a></p>';\n"
    "  return h + '</div>'; }\n"
    "var groups = D.classes.map(function () { return L.featureGroup(); });\n"
    "D.blocks.forEach(function (b) {\n"
    "  var c = D.classes[b.k];\n"
    "  var p = L.polygon(shape(b.g), {color: '#333', weight: 0.6, fillColor: c.color, fillOpacity: 0.9});\n"
    "  p.bindPopup(function () { return popup(b); }, {maxWidth: 440, maxHeight: 420});\n"
    "  p.addTo(groups[b.k]); p.addTo(all); byId[b.id] = {layer: p, block: b}; });\n"
    "groups.forEach(function (g, k) { var c = D.classes[k], n = g.getLayers().length;\n"
    "  g.addTo(map); overlays['<span class=\"sw\" style=\"background:' + c.color + '\"></span>' +\n"
    "    esc(c.zh) + ' ' + c.key + ' (' + n + ')'] = g; });\n"
    "if (D.parks.length) overlays['\\u5de5\\u4e1a\\u56ed\\u533a parks'] = zone(D.parks,\n"
    "  {color: '#1f4e9c', weight: 2, fill: false, interactive: false}).addTo(map);\n"
    "if (D.redline.length) overlays['\\u751f\\u6001\\u4fdd\\u62a4\\u7ea2\\u7ebf red line'] = zone(D.redline,\n"
    "  {color: '#c00000', weight: 1, fillColor: '#c00000', fillOpacity: 0.18, interactive: false}).addTo(map);\n"
    "if (D.sites.length) overlays['\\u5c0f\\u5fae\\u4f01\\u4e1a\\u56ed\\u5019\\u9009 SME park sites'] = zone(D.sites,\n"
    "  {color: '#c51b7d', weight: 1.5, dashArray: '5 3'}, false, true).addTo(map);\n"
    "L.control.layers(null, overlays, {collapsed: false}).addTo(map);\n"
    "L.control.scale({imperial: false, maxWidth: 160}).addTo(map);\n"
    "var bounds = all.getLayers().length ? all.getBounds() : towns.getBounds();\n"
    "if (bounds.isValid()) map.fitBounds(bounds, {padding: [12, 12]}); else map.setView([0, 0], 0);\n"
    "window.ibmap = {map: map, blocks: byId, data: D,\n"
    "  /* the container point of a block's inside point, for scripts and tests */\n"
    "  point: function (id) { var b = byId[id]; if (!b || !b.block.p) return null;\n"
    "    var c = map.latLngToContainerPoint([b.block.p[1], b.block.p[0]]);\n"
    "    var r = document.getElementById('imap').getBoundingClientRect();\n"
    "    return {x: r.left + c.x, y: r.top + c.y}; }};\n"
    "document.getElementById('imap').setAttribute('data-ready', '1');\n"
    "})();\n";

const char *out_webmap_app_js(void)
{
    return app_js;
}
