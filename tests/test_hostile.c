/*
** test_hostile.c — hostile input files, made on the fly in a scratch
** directory (with GDAL's own writers, then patched byte by byte where a
** writer would not make the damage): inconsistent shapefile indexes, record
** counts that lie, non-finite coordinates, unclosed rings, triangles and
** TINs, a red line of two million vertices, an empty DBF, a truncated or
** partly zeroed GeoPackage, a GeoJSON that is a bare array, layers with
** only empty geometries or no features, duplicate ids.
**
** For each the engine must give either a clear error (a status other than
** IBMAP_OK and a message naming the file, and the layer or feature where it
** applies) or load, keep every feature and record what is wrong in the
** data-quality log: never a crash, an abort, a hang or a feature silently
** lost.  Each role under test replaces that role of the bundled sample city
** (layers/sample/project.yaml), so every case runs the whole load and, when
** it loads, the overlay.  Expected values are worked out in the comments.
*/
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

static ibmap_ctx *ctx;
static char dir[4096];        /* the mkdtemp scratch directory */
static char sample[4096];     /* layers/sample of the source tree */
static int metric_status, metric_n_parcels, metric_area, metric_redline_m2,
    metric_redline_share, metric_redline_id;

/* dir/name, in one of a few rotating buffers (so two can be used at once). */
static const char *at(const char *name)
{
    static char bufs[4][4400];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static const char *sample_file(const char *name)
{
    static char bufs[4][4400];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", sample, name);
    return b;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Copy the first `limit` bytes of src to dst (all of it when limit < 0). */
static int copy_file(const char *src, const char *dst, long limit)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    if (!in || !out) {
        if (in) fclose(in);
        return 0;
    }
    static char buf[1 << 16];
    long done = 0;
    size_t n;
    int ok = 1;
    while ((limit < 0 || done < limit) &&
           (n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (limit >= 0 && done + (long)n > limit) n = (size_t)(limit - done);
        ok = ok && fwrite(buf, 1, n, out) == n;
        done += (long)n;
    }
    fclose(in);
    return fclose(out) == 0 && ok;
}

/* Copy the sample's blocks shapefile (all five files) to dir/base.*. */
static int copy_sample_blocks(const char *base)
{
    static const char *ext[] = {"shp", "shx", "dbf", "prj", "cpg"};
    for (int e = 0; e < 5; e++) {
        char src[64], dst[256];
        snprintf(src, sizeof src, "blocks.%s", ext[e]);
        snprintf(dst, sizeof dst, "%s.%s", base, ext[e]);
        if (!copy_file(sample_file(src), at(dst), -1)) return 0;
    }
    return 1;
}

/* Overwrite 4 bytes at `offset` of a file, big- or little-endian. */
static int patch_u32(const char *path, long offset, uint32_t v, int big_endian)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (big_endian ? 24 - 8 * i : 8 * i));
    FILE *f = fopen(path, "r+b");
    if (!f) return 0;
    int ok = fseek(f, offset, SEEK_SET) == 0 && fwrite(b, 1, 4, f) == 4;
    return fclose(f) == 0 && ok;
}

static int read_bytes(const char *path, long offset, unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int ok = fseek(f, offset, SEEK_SET) == 0 && fread(b, 1, n, f) == n;
    fclose(f);
    return ok;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* The sample project with `role` (may be NULL) set to `src`. */
static ibmap_project *sample_project(const char *role, const char *src)
{
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "%s/project.yaml", sample);
    ibmap_project *p = NULL;
    if (ibmap_project_read(ctx, yaml, &p) != IBMAP_OK) return NULL;
    if (role && ibmap_project_set(ctx, p, role, src) != IBMAP_OK) {
        ibmap_project_free(p);
        return NULL;
    }
    return p;
}

/* accept_defects: for the next run_with (the layer gates otherwise stop a
** hard constraint that lost features before the overlay sees it). */
static const char *accept_defects;

/* Load the sample city with `role` replaced by `src`; when it loads, run
** the overlay on 2 threads.  Returns the status of the first step that
** failed; *d and *m are set only on success. */
static ibmap_status run_with(const char *role, const char *src,
                             ibmap_data **d, ibmap_metrics **m)
{
    *d = NULL;
    if (m) *m = NULL;
    ibmap_project *p = sample_project(role, src);
    if (!p) return IBMAP_ERR_INTERNAL;
    if (accept_defects && ibmap_project_set(ctx, p, "accept_defects", accept_defects)) {
        ibmap_project_free(p);
        return IBMAP_ERR_INTERNAL;
    }
    accept_defects = NULL;
    ibmap_status st = ibmap_load(ctx, p, d);
    ibmap_project_free(p);
    if (st || !m) return st;
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    o.threads = 2;
    st = ibmap_overlay(ctx, *d, &o, m);
    if (st) {
        ibmap_data_free(*d);
        *d = NULL;
    }
    return st;
}

/* Number of log entries of one role with one problem (NULL: any). */
static int count_defects(const ibmap_data *d, ibmap_role role,
                         const char *problem)
{
    int n = 0;
    for (int64_t i = 0; i < ibmap_data_defect_count(d); i++) {
        ibmap_defect e;
        ibmap_data_defect(d, i, &e);
        if (e.role == role && (!problem || strcmp(e.problem, problem) == 0))
            n++;
    }
    return n;
}

/* Number of log entries of one role written by the load (not those the
** overlay adds: block_without_parcels, parcel_outside_blocks). */
static int count_load_defects(const ibmap_data *d, ibmap_role role)
{
    return count_defects(d, role, NULL) -
           count_defects(d, role, "block_without_parcels") -
           count_defects(d, role, "parcel_outside_blocks");
}

/* The log entry of a role, problem and feature id, or NULL. */
static const ibmap_defect *find_defect(const ibmap_data *d, ibmap_role role,
                                       const char *problem,
                                       const char *feature_id)
{
    static ibmap_defect e;
    for (int64_t i = 0; i < ibmap_data_defect_count(d); i++) {
        ibmap_data_defect(d, i, &e);
        if (e.role == role && strcmp(e.problem, problem) == 0 &&
            (!feature_id || strcmp(e.feature_id, feature_id) == 0))
            return &e;
    }
    return NULL;
}

static int64_t find_block(const ibmap_metrics *m, const char *id)
{
    for (int64_t b = 0; b < ibmap_metrics_count(m); b++)
        if (strcmp(ibmap_metrics_block_id(m, b), id) == 0) return b;
    return -1;
}

static const char *status_of(const ibmap_metrics *m, int64_t b)
{
    const char *s = ibmap_metrics_text(m, b, metric_status);
    return s ? s : "";
}

/* Number of blocks whose metric_status is exactly `s`. */
static int64_t count_status(const ibmap_metrics *m, const char *s)
{
    int64_t n = 0;
    for (int64_t b = 0; b < ibmap_metrics_count(m); b++)
        n += strcmp(status_of(m, b), s) == 0;
    return n;
}

/* The message of a failed load names the file; print it for the record. */
static void note_error(const char *what, ibmap_status st)
{
    printf("# %s: %s (%d): %s\n", what, ibmap_status_str(st), (int)st,
           ibmap_errmsg(ctx));
}

/* Number of features of the sample's blocks, as the source says. */
#define SAMPLE_BLOCKS 300

/* ---------------------------------------------------------------------- */
/* 1. An .shx that disagrees with its .shp                                */
/* ---------------------------------------------------------------------- */

/* The .shx: a 100-byte header (file length in 16-bit words, big-endian, at
** 24), then per record its offset and content length in the .shp, both
** big-endian in 16-bit words.  A .shp record: its number (1-based) and
** content length, big-endian, then the shape.  The sample's 300 blocks
** were written in order, so record k starts where record k-1 ends. */

static uint32_t shx_offset(const char *shx, int record)
{
    unsigned char e[4] = {0};
    read_bytes(shx, 100 + 8L * record, e, 4);
    return (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
}

TEST(shx_offset_past_the_end_of_the_shp)
{
    CHECK(copy_sample_blocks("shx_past"));
    const char *shp = at("shx_past.shp"), *shx = at("shx_past.shx");
    /* Record 5's offset now points 1000 words past the end of the .shp.
    ** GDAL logs a read error and returns the feature without geometry. */
    long shp_words = file_size(shp) / 2;
    CHECK(shp_words > 50);
    CHECK(patch_u32(shx, 100 + 5 * 8, (uint32_t)(shp_words + 1000), 1));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", shp, &d, &m);
    note_error("offset past the end", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "blocks: ");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "shx_past.shx");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "FID 5");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "past the end of the .shp");
}

TEST(shx_truncated)
{
    CHECK(copy_sample_blocks("shx_cut"));
    /* The .shx keeps its header (which still says 300 records) and the
    ** entries of 150: GDAL refuses to open it. */
    CHECK(copy_file(sample_file("blocks.shx"), at("shx_cut.shx"), 100 + 150 * 8));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("shx_cut.shp"), &d, &m);
    note_error("truncated .shx", st);
    CHECK_INT(st, IBMAP_ERR_OPEN);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "shx_cut.shp");
    CHECK_CONTAINS(ibmap_errmsg(ctx), ".shx");
}

TEST(shx_header_counting_fewer_records_than_it_holds)
{
    CHECK(copy_sample_blocks("shx_few"));
    /* All 300 entries there, but the header's length says 290: GDAL
    ** would read 290 features and never see the last 10. */
    CHECK(patch_u32(at("shx_few.shx"), 24, (100 + 290 * 8) / 2, 1));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("shx_few.shp"), &d, &m);
    note_error(".shx header 290 of 300", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "shx_few.shx");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "300 entries");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "counts 290");
}

TEST(shx_offset_into_another_record)
{
    CHECK(copy_sample_blocks("shx_alias"));
    const char *shx = at("shx_alias.shx");
    /* Record 7's entry points at record 8's data (whose header says
    ** record number 9): GDAL would give block 7 block 8's geometry. */
    CHECK(patch_u32(shx, 100 + 7 * 8, shx_offset(shx, 8), 1));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("shx_alias.shp"), &d, &m);
    note_error("offset into another record", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "shx_alias.shx");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "FID 7");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "holds record 9");
}

/* ---------------------------------------------------------------------- */
/* 2. Record counts that lie                                              */
/* ---------------------------------------------------------------------- */

/* DBF header: record count (uint32 LE) at 4, header size (uint16 LE) at 8,
** record size at 10. */
static int dbf_layout(const char *dbf, long *n_rec, long *header, long *rec)
{
    unsigned char h[12];
    if (!read_bytes(dbf, 0, h, 12)) return 0;
    *n_rec = h[4] | h[5] << 8 | (long)h[6] << 16 | (long)h[7] << 24;
    *header = h[8] | h[9] << 8;
    *rec = h[10] | h[11] << 8;
    return 1;
}

TEST(dbf_header_counting_more_records_than_present)
{
    CHECK(copy_sample_blocks("dbf_more"));
    /* The header says 310 records; the file holds 300, one per shape.
    ** Nothing is missing (GDAL reads one record per shape): it loads. */
    CHECK(patch_u32(at("dbf_more.dbf"), 4, 310, 0));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("dbf_more.shp"), &d, &m);
    if (st) note_error("DBF header 310", st);
    CHECK_INT(st, IBMAP_OK);
    CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_BLOCKS)), SAMPLE_BLOCKS);
    CHECK_INT(count_status(m, "ok"), SAMPLE_BLOCKS);
    CHECK_INT(count_load_defects(d, IBMAP_ROLE_BLOCKS), 0);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

TEST(dbf_cut_short)
{
    CHECK(copy_sample_blocks("dbf_short"));
    const char *dbf = at("dbf_short.dbf");
    long n_rec, header, rec;
    CHECK(dbf_layout(dbf, &n_rec, &header, &rec));
    CHECK_INT(n_rec, SAMPLE_BLOCKS);
    /* The header still counts 300, but only 250 records are left, as if
    ** a copy had been cut short. */
    CHECK(copy_file(sample_file("blocks.dbf"), dbf, header + 250 * rec));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("dbf_short.shp"), &d, &m);
    note_error("short DBF", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "blocks: ");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "dbf_short.dbf");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "cut short");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "250");
}

TEST(dbf_header_counting_fewer_records_than_shapes)
{
    CHECK(copy_sample_blocks("dbf_fewer"));
    /* The header says 280; GDAL would skip shapes 280-299 as deleted. */
    CHECK(patch_u32(at("dbf_fewer.dbf"), 4, 280, 0));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("dbf_fewer.shp"), &d, &m);
    note_error("DBF header 280", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "dbf_fewer.dbf");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "280 records");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "300 shapes");
}

TEST(shp_and_shx_cut_short_consistently)
{
    CHECK(copy_sample_blocks("shp_cut"));
    const char *shp = at("shp_cut.shp"), *shx = at("shp_cut.shx");
    /* .shp and .shx both cut after record 289 and their headers made to
    ** agree: a valid shapefile of 290 shapes, beside a .dbf of 300
    ** records whose last 10 features would be lost. */
    uint32_t end = shx_offset(shx, 290); /* in words: where record 290 began */
    CHECK(end > 50);
    CHECK(copy_file(sample_file("blocks.shp"), shp, 2L * end));
    CHECK(copy_file(sample_file("blocks.shx"), shx, 100 + 290 * 8));
    CHECK(patch_u32(shp, 24, end, 1));
    CHECK(patch_u32(shx, 24, (100 + 290 * 8) / 2, 1));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", shp, &d, &m);
    note_error(".shp of 290, .dbf of 300", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "shp_cut.dbf");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "300 records");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "290 shapes");
}

TEST(shp_file_length_field_wrong)
{
    /* The .shp header's file length (bytes 24-27, big-endian, 16-bit
    ** words), once half the real length, once twice it: GDAL goes by the
    ** .shx and the real size, so every block is read and measured. */
    static const char *bases[] = {"shp_len_half", "shp_len_double"};
    for (int k = 0; k < 2; k++) {
        CHECK(copy_sample_blocks(bases[k]));
        char name[64];
        snprintf(name, sizeof name, "%s.shp", bases[k]);
        const char *shp = at(name);
        long words = file_size(shp) / 2;
        CHECK(patch_u32(shp, 24, (uint32_t)(k == 0 ? words / 2 : words * 2), 1));
        ibmap_data *d;
        ibmap_metrics *m;
        ibmap_status st = run_with("blocks", shp, &d, &m);
        if (st) note_error(bases[k], st);
        CHECK_INT(st, IBMAP_OK);
        CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_BLOCKS)), SAMPLE_BLOCKS);
        CHECK_INT(count_status(m, "ok"), SAMPLE_BLOCKS);
        ibmap_metrics_free(m);
        ibmap_data_free(d);
    }
}

/* ---------------------------------------------------------------------- */
/* 3. Coordinates of ±1e308, NaN and Inf                                  */
/* ---------------------------------------------------------------------- */

/* Append a 100 m square block at (x, y) with id `id`, its points given
** by corner: (x0, y0) the first and closing point, (bx, by) the third. */
static int add_block(OGRLayerH l, const char *id, double x, double y,
                     double x0, double bx, double by)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "QKBH"), id);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, x0, y);
    OGR_G_AddPoint_2D(ring, x + 100, y);
    OGR_G_AddPoint_2D(ring, bx, by);
    OGR_G_AddPoint_2D(ring, x, y + 100);
    OGR_G_AddPoint_2D(ring, x0, y);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGR_F_SetGeometryDirectly(f, poly);
    int ok = OGR_L_CreateFeature(l, f) == OGRERR_NONE;
    OGR_F_Destroy(f);
    return ok;
}

/* Replace every 8-byte little-endian double `from` in a file by `to`;
** returns how many were replaced. */
static int patch_double(const char *path, double from, double to)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    unsigned char *buf = malloc((size_t)size);
    rewind(f);
    int n = 0;
    if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size) {
        for (long i = 0; i + 8 <= size; i++) {
            if (memcmp(buf + i, &from, 8) != 0) continue;
            memcpy(buf + i, &to, 8);
            n++;
        }
        rewind(f);
        if (fwrite(buf, 1, (size_t)size, f) != (size_t)size) n = 0;
    }
    free(buf);
    fclose(f);
    return n;
}

TEST(non_finite_and_huge_coordinates_are_bad_coordinates_and_kept)
{
    /* The 300 sample blocks and six more, 100 m squares at (x, y) with
    ** one corner moved: BIG and NEGBIG have their third corner at
    ** (±1e308, y + 100).  GDAL refuses to write NaN or Inf, so NAN, INF
    ** and NEGINF are written with a placeholder ordinate that is then
    ** replaced in the .shp bytes by NaN, +Inf, -Inf; NANFIRST has NaN as
    ** the x of its first (and closing) point. */
    CHECK(copy_sample_blocks("coords"));
    GDALDatasetH ds = GDALOpenEx(at("coords.shp"), GDAL_OF_VECTOR | GDAL_OF_UPDATE,
                                 NULL, NULL, NULL);
    CHECK(ds != NULL);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    const double x = 620000, y = 3340000;
    const double ph_nan = 620100.125, ph_inf = 3340100.125,
                 ph_neginf = 3340100.375, ph_first = 619999.875;
    int ok = add_block(l, "BIG", x, y, x, 1e308, y + 100) &&
             add_block(l, "NEGBIG", x, y, x, -1e308, y + 100) &&
             add_block(l, "NAN", x, y, x, ph_nan, y + 100) &&
             add_block(l, "INF", x, y, x, x + 100, ph_inf) &&
             add_block(l, "NEGINF", x, y, x, x + 100, ph_neginf) &&
             add_block(l, "NANFIRST", x, y, ph_first, x + 100, y + 100);
    GDALClose(ds);
    CHECK(ok);
    /* in each record: its bounding box (for NAN the xmax) and the point */
    CHECK(patch_double(at("coords.shp"), ph_nan, NAN) >= 1);
    CHECK(patch_double(at("coords.shp"), ph_inf, INFINITY) >= 1);
    CHECK(patch_double(at("coords.shp"), ph_neginf, -INFINITY) >= 1);
    CHECK(patch_double(at("coords.shp"), ph_first, NAN) >= 2);
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("coords.shp"), &d, &m);
    if (st) note_error("bad coordinates", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *B = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(B), SAMPLE_BLOCKS + 6);
    static const char *bad[] = {"BIG", "NEGBIG", "NAN", "INF", "NEGINF", "NANFIRST"};
    for (int k = 0; k < 6; k++) {
        int64_t i = fx_find(B, bad[k]);
        CHECK(i >= SAMPLE_BLOCKS);
        if (!(ibmap_layer_geom_state(B, i) & IBMAP_GEOM_BAD_COORDS))
            TEST_FAILF("block %s: geometry state %#x, expected bad coordinates",
                       bad[k], ibmap_layer_geom_state(B, i));
        CHECK(find_defect(d, IBMAP_ROLE_BLOCKS, "bad_coordinates", bad[k]) != NULL);
        CHECK_NEAR(ibmap_layer_area(B, i), 0, 0);
        int64_t b = find_block(m, bad[k]);
        CHECK(b >= 0);
        CHECK_STR(status_of(m, b), "no_geometry");
    }
    CHECK_INT(count_defects(d, IBMAP_ROLE_BLOCKS, "bad_coordinates"), 6);
    CHECK_INT(count_load_defects(d, IBMAP_ROLE_BLOCKS), 6);
    /* Every other block is measured. */
    CHECK_INT(ibmap_metrics_count(m), SAMPLE_BLOCKS + 6);
    CHECK_INT(count_status(m, "ok"), SAMPLE_BLOCKS);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

TEST(huge_and_overflowing_coordinates_in_geojson)
{
    /* Strict JSON has no NaN or Inf, but 1e999 overflows to Inf when
    ** parsed, and GDAL's reader takes the NaN and Infinity literals of
    ** JavaScript.  A red line in the working CRS (declared with the old
    ** "crs" member): one good 100 m square and five broken ones. */
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
        "{\"name\":\"urn:ogc:def:crs:EPSG::4549\"}},\"features\":[\n"
        "{\"type\":\"Feature\",\"properties\":{\"HXBH\":\"OK\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[620100,3340000],[620100,3340100],"
        "[620000,3340100],[620000,3340000]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"HXBH\":\"BIG\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[1e308,3340000],[620100,3340100],"
        "[620000,3340000]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"HXBH\":\"NEGBIG\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[620100,-1e308],[620100,3340100],"
        "[620000,3340000]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"HXBH\":\"OVERFLOW\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[1e999,3340000],[620100,3340100],"
        "[620000,3340000]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"HXBH\":\"NAN\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[NaN,3340000],[620100,3340100],"
        "[620000,3340000]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"HXBH\":\"INF\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[620100,-Infinity],[620100,3340100],"
        "[620000,3340000]]]}}\n]}\n";
    CHECK(write_text(at("red_coords.geojson"), gj));
    ibmap_data *d;
    ibmap_metrics *m;
    /* five broken red-line features stop the load ... */
    CHECK_INT(run_with("redline", at("red_coords.geojson"), &d, &m),
              IBMAP_ERR_LAYER_REJECTED);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "red_coords.geojson");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "5 of its 6 features have no usable geometry");
    /* ... unless accepted: then each is kept, and recorded */
    accept_defects = "redline";
    ibmap_status st = run_with("redline", at("red_coords.geojson"), &d, &m);
    if (st) note_error("GeoJSON coordinates", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *R = ibmap_data_layer(d, IBMAP_ROLE_REDLINE);
    CHECK_INT(ibmap_layer_count(R), 6);
    CHECK_NEAR(ibmap_layer_area(R, fx_find(R, "OK")), 10000, 1e-6);
    CHECK_INT(ibmap_layer_geom_state(R, fx_find(R, "OK")), 0);
    CHECK_INT(count_defects(d, IBMAP_ROLE_REDLINE, "bad_coordinates"), 5);
    CHECK_INT(count_load_defects(d, IBMAP_ROLE_REDLINE), 5);
    static const char *bad[] = {"BIG", "NEGBIG", "OVERFLOW", "NAN", "INF"};
    for (int k = 0; k < 5; k++) {
        int64_t i = fx_find(R, bad[k]);
        CHECK(i >= 0);
        CHECK(ibmap_layer_geom_state(R, i) & IBMAP_GEOM_BAD_COORDS);
        CHECK(find_defect(d, IBMAP_ROLE_REDLINE, "bad_coordinates", bad[k]) != NULL);
    }
    CHECK_INT(count_status(m, "ok"), SAMPLE_BLOCKS);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* 4. Unclosed rings                                                      */
/* ---------------------------------------------------------------------- */

TEST(unclosed_ring_is_closed_and_recorded_and_kept)
{
    /* Blocks in the working CRS: U1 a 100 m square whose ring stops at
    ** its fourth corner (4 points, last != first); U2 a triangle given
    ** by its 3 corners only; U3 a "ring" of 2 points; C a closed 100 m
    ** square for comparison.  GDAL reads unclosed rings as they are (with
    ** a warning); GEOS refuses them. */
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
        "{\"name\":\"urn:ogc:def:crs:EPSG::4549\"}},\"features\":[\n"
        "{\"type\":\"Feature\",\"properties\":{\"QKBH\":\"U1\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620000,3340000],[620100,3340000],[620100,3340100],"
        "[620000,3340100]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"QKBH\":\"U2\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620200,3340000],[620300,3340000],[620300,3340100]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"QKBH\":\"U3\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620600,3340000],[620700,3340000]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"QKBH\":\"C\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[620400,3340000],[620500,3340000],[620500,3340100],"
        "[620400,3340100],[620400,3340000]]]}}\n]}\n";
    CHECK(write_text(at("unclosed.geojson"), gj));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("unclosed.geojson"), &d, &m);
    if (st) note_error("unclosed rings", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *B = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(B), 4);
    /* Closed, U1 is the 100 m square (10,000 m²) and U2 the right
    ** triangle of legs 100 m (5,000 m²); the closing is recorded. */
    CHECK_NEAR(ibmap_layer_area(B, fx_find(B, "U1")), 10000, 1e-6);
    CHECK_NEAR(ibmap_layer_area(B, fx_find(B, "U2")), 5000, 1e-6);
    CHECK_NEAR(ibmap_layer_area(B, fx_find(B, "C")), 10000, 1e-6);
    const ibmap_defect *e = find_defect(d, IBMAP_ROLE_BLOCKS, "invalid_geometry", "U1");
    CHECK(e != NULL);
    CHECK_CONTAINS(e->detail, "not closed");
    CHECK_STR(e->field, "geometry");
    CHECK_INT(e->severity, IBMAP_SEV_WARNING);
    CHECK(find_defect(d, IBMAP_ROLE_BLOCKS, "invalid_geometry", "U2") != NULL);
    CHECK(ibmap_layer_geom_state(B, fx_find(B, "U1")) & IBMAP_GEOM_REPAIRED);
    CHECK(ibmap_layer_geom_state(B, fx_find(B, "U2")) & IBMAP_GEOM_REPAIRED);
    CHECK_INT(ibmap_layer_geom_state(B, fx_find(B, "C")), 0);
    /* U3 closed is A-B-A: no area.  Kept without geometry, as collapsed,
    ** not as bad coordinates (its coordinates are fine). */
    int64_t u3 = fx_find(B, "U3");
    CHECK(u3 >= 0);
    CHECK(ibmap_layer_geom_state(B, u3) & IBMAP_GEOM_COLLAPSED);
    CHECK(find_defect(d, IBMAP_ROLE_BLOCKS, "invalid_geometry", "U3") != NULL);
    CHECK(find_defect(d, IBMAP_ROLE_BLOCKS, "geometry_collapsed", "U3") != NULL);
    CHECK_INT(count_defects(d, IBMAP_ROLE_BLOCKS, "bad_coordinates"), 0);
    CHECK_INT(count_load_defects(d, IBMAP_ROLE_BLOCKS), 4);
    CHECK_INT(count_status(m, "ok"), 3);
    CHECK_STR(status_of(m, find_block(m, "U3")), "no_geometry");
    CHECK_NEAR(ibmap_metrics_number(m, find_block(m, "U2"), metric_area), 5000, 1e-6);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* A GeometryCollection of two overlapping 100 m squares (offset by 50 m:
** 10,000 + 10,000 − 5,000 = 15,000 m² together) is valid to GEOS, but
** measured as it is the overlap would count twice (20,000 m²): its
** polygons are merged, and the merge is recorded.  (Found by
** fuzz_wkb_metrics.) */
TEST(geometry_collection_polygons_are_merged)
{
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
        "{\"name\":\"urn:ogc:def:crs:EPSG::4549\"}},\"features\":[\n"
        "{\"type\":\"Feature\",\"properties\":{\"QKBH\":\"GC\"},\"geometry\":{\"type\":"
        "\"GeometryCollection\",\"geometries\":["
        "{\"type\":\"Polygon\",\"coordinates\":[[[620000,3340000],[620100,3340000],"
        "[620100,3340100],[620000,3340100],[620000,3340000]]]},"
        "{\"type\":\"Polygon\",\"coordinates\":[[[620050,3340000],[620150,3340000],"
        "[620150,3340100],[620050,3340100],[620050,3340000]]]}]}}\n]}\n";
    CHECK(write_text(at("collection.geojson"), gj));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("collection.geojson"), &d, &m);
    if (st) note_error("geometry collection", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *B = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(B), 1);
    CHECK_NEAR(ibmap_layer_area(B, 0), 15000, 1e-6);
    CHECK_NEAR(ibmap_metrics_number(m, 0, metric_area), 15000, 1e-6);
    const ibmap_defect *e = find_defect(d, IBMAP_ROLE_BLOCKS, "invalid_geometry", "GC");
    CHECK(e != NULL);
    CHECK_CONTAINS(e->detail, "GeometryCollection");
    CHECK(ibmap_layer_geom_state(B, 0) & IBMAP_GEOM_REPAIRED);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* Surfaces GEOS cannot read (triangles, TINs, polyhedral surfaces) and
** curves: read as the polygons they are, not lost as unreadable. */
TEST(surfaces_and_curves_are_read_as_polygons)
{
    const char *rows[] = {
        /* right triangle, legs 100 m: 5,000 m² */
        "TRIANGLE((620000 3340000,620100 3340000,620100 3340100,620000 3340000))|T1",
        /* two triangles making a 100 m square: 10,000 m²; the two faces
        ** share an edge, so the multipolygon is repaired into one */
        "TIN(((620200 3340000,620300 3340000,620300 3340100,620200 3340000)),"
        "((620200 3340000,620300 3340100,620200 3340100,620200 3340000)))|T2",
        /* one face, a 100 m square */
        "POLYHEDRALSURFACE(((620400 3340000,620500 3340000,620500 3340100,"
        "620400 3340100,620400 3340000)))|T3",
        /* a full circle of diameter 100 m: π 50² = 7,853.98 m², less a
        ** little for the chords of its linear approximation */
        "CURVEPOLYGON(CIRCULARSTRING(620600 3340000,620700 3340000,620600 3340000))|T4",
        NULL};
    CPLPushErrorHandler(CPLQuietErrorHandler); /* "non-standard extension" */
    int written = fx_layer(at("surfaces.gpkg"), "GPKG", "blocks", 4549, NULL, "QKBH:s", rows);
    CPLPopErrorHandler();
    CHECK(written);
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("surfaces.gpkg"), &d, &m);
    if (st) note_error("surfaces", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *B = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(B), 4);
    CHECK_NEAR(ibmap_layer_area(B, fx_find(B, "T1")), 5000, 1e-6);
    CHECK_NEAR(ibmap_layer_area(B, fx_find(B, "T2")), 10000, 1e-6);
    CHECK_NEAR(ibmap_layer_area(B, fx_find(B, "T3")), 10000, 1e-6);
    double circle = ibmap_layer_area(B, fx_find(B, "T4"));
    CHECK(circle > 7800 && circle <= M_PI * 2500);
    CHECK_INT(count_defects(d, IBMAP_ROLE_BLOCKS, "bad_coordinates"), 0);
    CHECK_INT(count_defects(d, IBMAP_ROLE_BLOCKS, "not_polygon"), 0);
    CHECK(find_defect(d, IBMAP_ROLE_BLOCKS, "invalid_geometry", "T2") != NULL);
    CHECK_INT(count_load_defects(d, IBMAP_ROLE_BLOCKS), 1);
    CHECK_INT(count_status(m, "ok"), 4);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* 5. A red line of 2,000,000 vertices                                    */
/* ---------------------------------------------------------------------- */

TEST(redline_of_two_million_vertices)
{
    /* The centre and size of sample block 0, from a first load. */
    ibmap_data *d0;
    CHECK_INT(run_with(NULL, NULL, &d0, NULL), IBMAP_OK);
    const ibmap_layer *B0 = ibmap_data_layer(d0, IBMAP_ROLE_BLOCKS);
    char id0[64];
    snprintf(id0, sizeof id0, "%s", ibmap_layer_id(B0, 0));
    double area0 = ibmap_layer_area(B0, 0);
    unsigned char *wkb;
    size_t n_wkb;
    CHECK_INT(ibmap_layer_wkb(ctx, B0, 0, &wkb, &n_wkb), IBMAP_OK);
    ibmap_data_free(d0);
    OGRGeometryH g0 = NULL;
    CHECK(OGR_G_CreateFromWkb(wkb, NULL, &g0, (int)n_wkb) == OGRERR_NONE);
    ibmap_free(wkb);
    OGREnvelope env;
    OGR_G_GetEnvelope(g0, &env);
    OGR_G_DestroyGeometry(g0);
    double cx = (env.MinX + env.MaxX) / 2, cy = (env.MinY + env.MaxY) / 2;
    double half_diag = hypot(env.MaxX - env.MinX, env.MaxY - env.MinY) / 2;
    /* A regular 2,000,000-gon round the block's centre with a radius of
    ** the block's half diagonal + 200 m: the block is inside it, so its
    ** red-line area is its whole area and its share 1.  Under valgrind
    ** (meson test --setup valgrind), which is some 30 times slower, a
    ** 200,000-gon: the same code paths, memory-checked in minutes. */
    const int n = getenv("IBMAP_VALGRIND_ARGS") ? 200000 : 2000000;
    double r = half_diag + 200;
    double *xs = malloc((size_t)(n + 1) * sizeof *xs);
    double *ys = malloc((size_t)(n + 1) * sizeof *ys);
    CHECK(xs && ys);
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n;
        xs[i] = cx + r * cos(a);
        ys[i] = cy + r * sin(a);
    }
    xs[n] = xs[0];
    ys[n] = ys[0];
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_SetPoints(ring, n + 1, xs, sizeof *xs, ys, sizeof *ys, NULL, 0);
    free(xs);
    free(ys);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH ds = GDALCreate(drv, at("big_red.gpkg"), 0, 0, 0, GDT_Unknown, NULL);
    CHECK(ds != NULL);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4549);
    OGRLayerH l = GDALDatasetCreateLayer(ds, "redline", srs, wkbPolygon, NULL);
    OSRDestroySpatialReference(srs);
    OGRFieldDefnH fd = OGR_Fld_Create("HXBH", OFTString);
    OGR_L_CreateField(l, fd, TRUE);
    OGR_Fld_Destroy(fd);
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    OGR_F_SetFieldString(f, 0, "CIRCLE");
    OGR_F_SetGeometryDirectly(f, poly);
    int ok = OGR_L_CreateFeature(l, f) == OGRERR_NONE;
    OGR_F_Destroy(f);
    GDALClose(ds);
    CHECK(ok);

    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("redline", at("big_red.gpkg"), &d, &m);
    if (st) note_error("2M vertices", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *R = ibmap_data_layer(d, IBMAP_ROLE_REDLINE);
    CHECK_INT(ibmap_layer_count(R), 1);
    CHECK_INT(ibmap_layer_geom_state(R, 0), 0);
    /* The polygon's area: n/2 r² sin(2π/n), within 1e-9 of π r². */
    CHECK_REL(ibmap_layer_area(R, 0), M_PI * r * r, 1e-9);
    int64_t b = find_block(m, id0);
    CHECK(b >= 0);
    CHECK_STR(status_of(m, b), "ok");
    CHECK_REL(ibmap_metrics_number(m, b, metric_redline_m2), area0, 1e-9);
    CHECK_NEAR(ibmap_metrics_number(m, b, metric_redline_share), 1, 1e-9);
    CHECK_STR(ibmap_metrics_text(m, b, metric_redline_id), "CIRCLE");
    CHECK_INT(count_status(m, "ok"), SAMPLE_BLOCKS);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* 6. A zero-byte DBF                                                     */
/* ---------------------------------------------------------------------- */

TEST(zero_byte_dbf_is_a_clear_error)
{
    CHECK(copy_sample_blocks("dbf_empty"));
    CHECK(write_text(at("dbf_empty.dbf"), ""));
    /* GDAL opens the .shp without attributes; the load must say the .dbf
    ** is unreadable, not that a field is missing. */
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("dbf_empty.shp"), &d, &m);
    note_error("zero-byte DBF", st);
    CHECK_INT(st, IBMAP_ERR_READ);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "blocks: ");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "dbf_empty.dbf");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "0 bytes");
}

/* ---------------------------------------------------------------------- */
/* 7. A GeoPackage cut in the middle                                      */
/* ---------------------------------------------------------------------- */

static const char *const gpkg_roles[][2] = {
    {"parcels", "parcels"}, {"landuse", "DLTB"}, {"parks", "parks"},
    {"central", "central"}, {"transition", "transition"},
    {"basic_farmland", "basic_farmland"}, {"towns", "towns"}};

TEST(truncated_geopackage_is_a_clear_error)
{
    long size = file_size(sample_file("city.gpkg"));
    CHECK(size > 0);
    CHECK(copy_file(sample_file("city.gpkg"), at("city_half.gpkg"), size / 2));
    /* Every layer of the sample's GeoPackage read from the cut copy:
    ** SQLite finds the file shorter than its header says, so GDAL cannot
    ** open it at all. */
    for (int k = 0; k < 7; k++) {
        char src[4300];
        snprintf(src, sizeof src, "%s:%s", at("city_half.gpkg"), gpkg_roles[k][1]);
        ibmap_data *d;
        ibmap_status st = run_with(gpkg_roles[k][0], src, &d, NULL);
        if (k == 0) note_error(gpkg_roles[k][0], st);
        CHECK_INT(st, IBMAP_ERR_OPEN);
        CHECK_CONTAINS(ibmap_errmsg(ctx), gpkg_roles[k][0]);
        CHECK_CONTAINS(ibmap_errmsg(ctx), "city_half.gpkg");
        CHECK_CONTAINS(ibmap_errmsg(ctx), "malformed");
    }
}

TEST(geopackage_zeroed_in_the_middle_is_an_error_or_complete)
{
    /* The same size, but bytes 50-60% overwritten with zeros (a bad
    ** sector, a botched copy): GDAL opens it, and SQLite finds the damage
    ** when a damaged page is read.  Each layer either fails with a
    ** message naming the file, or loads every one of its features. */
    long size = file_size(sample_file("city.gpkg"));
    CHECK(copy_file(sample_file("city.gpkg"), at("city_zeroed.gpkg"), -1));
    FILE *f = fopen(at("city_zeroed.gpkg"), "r+b");
    CHECK(f != NULL);
    fseek(f, size / 2, SEEK_SET);
    for (long i = size / 2; i < size * 6 / 10; i++) fputc(0, f);
    fclose(f);
    ibmap_data *full;
    CHECK_INT(run_with(NULL, NULL, &full, NULL), IBMAP_OK);
    int failed = 0;
    for (int k = 0; k < 7; k++) {
        char src[4300];
        snprintf(src, sizeof src, "%s:%s", at("city_zeroed.gpkg"), gpkg_roles[k][1]);
        ibmap_data *d;
        ibmap_status st = run_with(gpkg_roles[k][0], src, &d, NULL);
        ibmap_role role = (ibmap_role)ibmap_role_from_name(gpkg_roles[k][0]);
        if (st) {
            note_error(gpkg_roles[k][0], st);
            CHECK(st == IBMAP_ERR_READ || st == IBMAP_ERR_OPEN);
            CHECK_CONTAINS(ibmap_errmsg(ctx), "city_zeroed.gpkg");
            CHECK_CONTAINS(ibmap_errmsg(ctx), gpkg_roles[k][1]);
            failed++;
            continue;
        }
        CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, role)),
                  ibmap_layer_count(ibmap_data_layer(full, role)));
        ibmap_data_free(d);
    }
    ibmap_data_free(full);
    /* the parcels' table runs through the zeroed pages */
    CHECK(failed > 0);
}

/* ---------------------------------------------------------------------- */
/* 8. A GeoJSON that is a bare array of features                          */
/* ---------------------------------------------------------------------- */

TEST(geojson_bare_array_of_features)
{
    const char *gj =
        "[ {\"type\":\"Feature\",\"properties\":{\"QKBH\":\"A1\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[121.25,30.2],[121.251,30.2],[121.251,30.201],"
        "[121.25,30.201],[121.25,30.2]]]}},\n"
        "  {\"type\":\"Feature\",\"properties\":{\"QKBH\":\"A2\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[121.26,30.2],[121.261,30.2],[121.261,30.201],"
        "[121.26,30.201],[121.26,30.2]]]}} ]\n";
    CHECK(write_text(at("bare_array.geojson"), gj));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("bare_array.geojson"), &d, &m);
    if (st) {
        /* GDAL 3.6: no driver takes it, and GDAL says nothing; the
        ** message says so instead of "no further detail". */
        note_error("bare array", st);
        CHECK_INT(st, IBMAP_ERR_OPEN);
        CHECK_CONTAINS(ibmap_errmsg(ctx), "blocks: ");
        CHECK_CONTAINS(ibmap_errmsg(ctx), "bare_array.geojson");
        CHECK_CONTAINS(ibmap_errmsg(ctx), "no GDAL vector driver");
        return;
    }
    /* A GDAL that reads it: then both features, measured. */
    const ibmap_layer *B = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(B), 2);
    CHECK(fx_find(B, "A1") >= 0 && fx_find(B, "A2") >= 0);
    CHECK_INT(count_status(m, "ok"), 2);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* 9. A layer whose every geometry is empty                               */
/* ---------------------------------------------------------------------- */

TEST(blocks_with_only_empty_geometries)
{
    const char *rows[] = {"POLYGON EMPTY|E1", "MULTIPOLYGON EMPTY|E2",
                          "POLYGON EMPTY|E3", NULL};
    CHECK(fx_layer(at("empty_blocks.gpkg"), "GPKG", "blocks", 4549, NULL, "QKBH:s", rows));
    ibmap_data *d;
    ibmap_metrics *m;
    /* No block to measure: the layer gates stop the load, naming the
    ** file, the count and the cause (it used to run and measure nothing). */
    ibmap_status st = run_with("blocks", at("empty_blocks.gpkg"), &d, &m);
    CHECK_INT(st, IBMAP_ERR_LAYER_REJECTED);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "blocks: ");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "empty_blocks.gpkg, layer blocks");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "none of its 3 features has a usable geometry");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "empty_geometry");
    CHECK(d == NULL);
    (void)m;
    ibmap_data_free(d);
}

TEST(redline_with_only_empty_geometries)
{
    const char *rows[] = {"POLYGON EMPTY|R1", "POLYGON EMPTY|R2", NULL};
    CHECK(fx_layer(at("empty_red.gpkg"), "GPKG", "redline", 4549, NULL, "HXBH:s", rows));
    ibmap_data *d;
    ibmap_metrics *m;
    /* A red line with nothing in it would make every block "outside the
    ** red line": the gates stop the load, naming file, count and cause. */
    ibmap_status st = run_with("redline", at("empty_red.gpkg"), &d, &m);
    CHECK_INT(st, IBMAP_ERR_LAYER_REJECTED);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "empty_red.gpkg, layer redline");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "none of its 2 features has a usable geometry");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "empty_geometry");
    (void)m;
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* 10. Duplicate block ids                                                */
/* ---------------------------------------------------------------------- */

TEST(duplicate_block_ids_are_recorded_and_both_measured)
{
    /* Five 100 m squares, 200 m apart; GeoPackage FIDs 1 to 5, ids
    **   D1, D1, D1#2, (none), 4.
    ** The second D1 becomes D1#2 — which the third block has as its own
    ** id, so that one becomes D1#2#3; the fourth has no id and takes its
    ** FID, 4 — which the fifth has as its own id: 4#5.  Every id is
    ** distinct, every block kept and measured. */
    char sq[5][256], rows_buf[5][300];
    const char *ids[] = {"D1", "D1", "D1#2", "", "4"};
    const char *rows[6];
    for (int k = 0; k < 5; k++) {
        fx_square(sq[k], sizeof sq[k], 620000 + 200 * k, 3340000, 100);
        snprintf(rows_buf[k], sizeof rows_buf[k], "%s|%s", sq[k], ids[k]);
        rows[k] = rows_buf[k];
    }
    rows[5] = NULL;
    CHECK(fx_layer(at("dup_blocks.gpkg"), "GPKG", "blocks", 4549, NULL, "QKBH:s", rows));
    ibmap_data *d;
    ibmap_metrics *m;
    ibmap_status st = run_with("blocks", at("dup_blocks.gpkg"), &d, &m);
    if (st) note_error("duplicate ids", st);
    CHECK_INT(st, IBMAP_OK);
    const ibmap_layer *B = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(B), 5);
    static const char *want[] = {"D1", "D1#2", "D1#2#3", "4", "4#5"};
    for (int k = 0; k < 5; k++) CHECK_STR(ibmap_layer_id(B, k), want[k]);
    const ibmap_defect *e = find_defect(d, IBMAP_ROLE_BLOCKS, "id_duplicate", "D1#2");
    CHECK(e != NULL);
    CHECK_INT(e->fid, 2);
    CHECK_STR(e->value, "D1");
    CHECK_STR(e->field, "id");
    CHECK_INT(e->severity, IBMAP_SEV_ERROR);
    e = find_defect(d, IBMAP_ROLE_BLOCKS, "id_duplicate", "D1#2#3");
    CHECK(e != NULL);
    CHECK_STR(e->value, "D1#2");
    e = find_defect(d, IBMAP_ROLE_BLOCKS, "id_duplicate", "4#5");
    CHECK(e != NULL);
    CHECK_STR(e->value, "4");
    CHECK_INT(count_defects(d, IBMAP_ROLE_BLOCKS, "id_duplicate"), 3);
    CHECK_INT(count_defects(d, IBMAP_ROLE_BLOCKS, "id_missing"), 1);
    CHECK_INT(count_load_defects(d, IBMAP_ROLE_BLOCKS), 4);
    CHECK_INT(ibmap_metrics_count(m), 5);
    for (int64_t b = 0; b < 5; b++) {
        CHECK_STR(ibmap_metrics_block_id(m, b), want[b]);
        CHECK_STR(status_of(m, b), "ok");
        CHECK_NEAR(ibmap_metrics_number(m, b, metric_area), 10000, 1e-6);
    }
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

/* ---------------------------------------------------------------------- */
/* 11. A parcel layer without parcels                                     */
/* ---------------------------------------------------------------------- */

TEST(parcels_layer_with_no_features)
{
    CHECK(fx_layer(at("no_parcels.gpkg"), "GPKG", "parcels", 4549, NULL,
                   "ZDDM:s,SSHJ:r,YDMJ:r", NULL));
    ibmap_data *d;
    ibmap_metrics *m;
    /* No parcel: every block would be measured as empty; the gates stop. */
    ibmap_status st = run_with("parcels", at("no_parcels.gpkg"), &d, &m);
    CHECK_INT(st, IBMAP_ERR_LAYER_REJECTED);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "no_parcels.gpkg, layer parcels: it has no features");
    (void)m;
    ibmap_data_free(d);
}

/* The loader makes room for as many features as the driver counts
** cheaply: for a GeoPackage, gpkg_ogr_contents.feature_count, which a
** careless tool can leave wrong.  Too few, too many, or absurdly many: the
** same parcels are read, every one, with the same ids. */
TEST(geopackage_feature_count_that_lies_is_only_a_hint)
{
    char src[4300];
    ibmap_data *d;
    snprintf(src, sizeof src, "%s:parcels", sample_file("city.gpkg"));
    CHECK_INT(run_with("parcels", src, &d, NULL), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    int64_t n = ibmap_layer_count(L);
    char last_id[256];
    snprintf(last_id, sizeof last_id, "%s", n > 0 ? ibmap_layer_id(L, n - 1) : "");
    ibmap_data_free(d);
    CHECK(n > 100);
    const long long counts[] = {1, 16000000, 2000000000000LL};
    for (int k = 0; k < 3; k++) {
        CHECK(copy_file(sample_file("city.gpkg"), at("lying_count.gpkg"), -1));
        GDALDatasetH ds = GDALOpenEx(at("lying_count.gpkg"), GDAL_OF_VECTOR | GDAL_OF_UPDATE,
                                     NULL, NULL, NULL);
        CHECK(ds != NULL);
        if (!ds) return;
        char sql[200];
        snprintf(sql, sizeof sql,
                 "UPDATE gpkg_ogr_contents SET feature_count = %lld "
                 "WHERE table_name = 'parcels'", counts[k]);
        GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
        GDALClose(ds);
        /* the driver believes it, as the loader will */
        ds = GDALOpenEx(at("lying_count.gpkg"), GDAL_OF_VECTOR, NULL, NULL, NULL);
        OGRLayerH lyr = ds ? GDALDatasetGetLayerByName(ds, "parcels") : NULL;
        CHECK(lyr && OGR_L_GetFeatureCount(lyr, FALSE) == counts[k]);
        if (ds) GDALClose(ds);
        snprintf(src, sizeof src, "%s:parcels", at("lying_count.gpkg"));
        CHECK_INT(run_with("parcels", src, &d, NULL), IBMAP_OK);
        L = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
        CHECK_INT(ibmap_layer_count(L), n);
        CHECK_STR(ibmap_layer_count(L) == n ? ibmap_layer_id(L, n - 1) : "", last_id);
        ibmap_data_free(d);
    }
}

int main(void)
{
    snprintf(sample, sizeof sample, "%s/layers/sample", test_source_root());
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ibmap-hostile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    GDALAllRegister();
    ctx = ibmap_ctx_new();
    metric_status = ibmap_metric_index("metric_status");
    metric_n_parcels = ibmap_metric_index("n_parcels");
    metric_area = ibmap_metric_index("area_m2");
    metric_redline_m2 = ibmap_metric_index("redline_m2");
    metric_redline_share = ibmap_metric_index("redline_share");
    metric_redline_id = ibmap_metric_index("redline_id");
    RUN(shx_offset_past_the_end_of_the_shp);
    RUN(shx_truncated);
    RUN(shx_header_counting_fewer_records_than_it_holds);
    RUN(shx_offset_into_another_record);
    RUN(dbf_header_counting_more_records_than_present);
    RUN(dbf_cut_short);
    RUN(dbf_header_counting_fewer_records_than_shapes);
    RUN(shp_and_shx_cut_short_consistently);
    RUN(shp_file_length_field_wrong);
    RUN(non_finite_and_huge_coordinates_are_bad_coordinates_and_kept);
    RUN(huge_and_overflowing_coordinates_in_geojson);
    RUN(unclosed_ring_is_closed_and_recorded_and_kept);
    RUN(geometry_collection_polygons_are_merged);
    RUN(surfaces_and_curves_are_read_as_polygons);
    RUN(redline_of_two_million_vertices);
    RUN(zero_byte_dbf_is_a_clear_error);
    RUN(truncated_geopackage_is_a_clear_error);
    RUN(geopackage_zeroed_in_the_middle_is_an_error_or_complete);
    RUN(geojson_bare_array_of_features);
    RUN(blocks_with_only_empty_geometries);
    RUN(redline_with_only_empty_geometries);
    RUN(duplicate_block_ids_are_recorded_and_both_measured);
    RUN(parcels_layer_with_no_features);
    RUN(geopackage_feature_count_that_lies_is_only_a_hint);
    ibmap_ctx_free(ctx);
    int rc = test_finish();
    /* Keep the inputs of a failed run for a look; remove them otherwise. */
    if (rc == 0) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) printf("# could not remove %s\n", dir);
    } else {
        printf("# inputs kept in %s\n", dir);
    }
    return rc;
}
