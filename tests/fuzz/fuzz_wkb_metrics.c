/*
** fuzz_wkb_metrics.c — the overlay (engine/overlay/overlay.c, zone_index.c,
** metrics.c) on one block against one zone polygon, both from WKB.
**
** Input: a 4-byte little-endian word, then the block's WKB, then the
** zone's WKB (the rest).  The word's low 24 bits are the length of the
** block's WKB; its high 8 bits choose, besides the red line (always),
** the other layers the zone polygon is also put in:
**
**   bit 0 parks          bit 1 control_units   bit 2 landuse
**   bit 3 parcels        bit 4 central, transition and basic_farmland
**   bit 5 towns (and the block without a town)
**   bit 6 area: ellipsoidal                  bit 7 zone pieces of at most 8 vertices
**
** Each WKB is parsed by GEOS; if either fails to parse the input is
** dropped.  Then each is made what ibmap_load() would make of it (the
** checks of engine/load/geometry.c's read_geometry, then repair.c's
** ibmap_repair_polygonal itself): empty, non-areal and out-of-range (a NaN, infinite or beyond
** 1e9 ordinate) geometries become "no geometry", Z/M are dropped, invalid
** polygons are repaired with make-valid (structure) and reduced to their
** polygonal part, and what has no area left is dropped.  The data is built
** in memory (layers made by load/layer.c, filled as ingest.c fills them) and ibmap_overlay() runs on
** one thread.  Checked: every block gets a metric_status, and where it is
** "ok" no zone overlap exceeds the block's area.
*/
#include <math.h>
#include <sanitizer/lsan_interface.h>

#include "fuzz_util.h"
#include "overlay/overlay.h"

/* Keep one run fast: the overlay is quadratic in vertices at worst. */
#define MAX_VERTICES 2000

static ibmap_ctx *ctx;
static GEOSWKBReader *reader;
static GEOSWKBWriter *writer2d;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ctx = ibmap_ctx_new();
    if (!ctx) abort();
    GEOSContextHandle_t h = ctx->geos;
    reader = GEOSWKBReader_create_r(h);
    writer2d = GEOSWKBWriter_create_r(h);
    if (!reader || !writer2d) abort();
    GEOSWKBWriter_setOutputDimension_r(h, writer2d, 2);
    return 0;
}

/* What the loader keeps of a parsed geometry (takes g); NULL: none. */
static GEOSGeometry *as_loaded(GEOSGeometry *g)
{
    GEOSContextHandle_t h = ctx->geos;
    int type = GEOSGeomTypeId_r(h, g);
    if (GEOSisEmpty_r(h, g) != 0 ||
        (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON &&
         type != GEOS_GEOMETRYCOLLECTION) ||
        GEOSGetNumCoordinates_r(h, g) > MAX_VERTICES) {
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    /* Z and M dropped: through 2D WKB, as geometry.c flattens with OGR. */
    size_t n = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(h, writer2d, g, &n);
    GEOSGeom_destroy_r(h, g);
    g = wkb ? GEOSWKBReader_read_r(h, reader, wkb, n) : NULL;
    if (wkb) GEOSFree_r(h, wkb);
    if (!g) return NULL;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    if (!ibmap_coords_usable(h, g, &x0, &y0, &x1, &y1)) {
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    /* The loader's own repair (engine/load/repair.c).  GEOS 3.11's
    ** make-valid leaks when the buffer(0) inside its GeometryFixer throws
    ** and retries (BufferBuilder::createSubgraphs): not ibmap's leak, and
    ** its stacks end in libstdc++ (no frame pointers), where no
    ** suppression can tell it from ours.  So only this call is exempt from
    ** the leak check (with the union and polygonal part that the repair
    ** also does); the overlay is not. */
    int done = 0;
    __lsan_disable();
    g = ibmap_repair_polygonal(h, g, -1, &done, NULL, 0);
    __lsan_enable();
    return g;
}

/* A layer of one feature, made by the loader's own layer.c, taking g (may
** be NULL). */
static ibmap_layer *one_feature(ibmap_role role, const char *id, GEOSGeometry *g)
{
    ibmap_layer *L = ibmap_layer_new(role);
    if (!L || !ibmap_layer_reserve(L, 1)) abort();
    L->n = 1;
    for (int f = 0; f < L->n_columns; f++) {
        ibmap_column *c = &L->columns[f];
        if (c->type == IBMAP_FIELD_TEXT)
            c->text[0] = NULL;
        else
            c->num[0] = NAN;
    }
    if (L->lu_group) L->lu_group[0] = IBMAP_LU_INDUSTRIAL;
    L->fid[0] = 1;
    L->id[0] = ibmap_arena_strdup(&L->texts, id);
    if (!L->id[0]) abort();
    L->geom_state[0] = g ? 0 : IBMAP_GEOM_NULL;
    L->area[0] = 0;
    if (g) GEOSArea_r(ctx->geos, g, &L->area[0]);
    /* packed as the loader packs (geo/shape.c), which takes g */
    L->shape[0] = g ? ibmap_shape_pack(ctx->geos, &L->shapes, g) : NULL;
    if (g && !L->shape[0]) abort();
    return L;
}

/* An empty layer (a required role with no features). */
static ibmap_layer *empty_layer(ibmap_role role)
{
    ibmap_layer *L = one_feature(role, "", NULL);
    L->n = 0;
    return L;
}

static void set_text(ibmap_layer *L, const char *field, const char *value)
{
    int f = ibmap_role_field_index(L->role, field);
    if (f < 0 || !L->columns[f].text) abort();
    L->columns[f].text[0] = ibmap_arena_strdup(&L->texts, value);
    if (!L->columns[f].text[0]) abort();
}

static void set_num(ibmap_layer *L, const char *field, double value)
{
    int f = ibmap_role_field_index(L->role, field);
    if (f < 0 || !L->columns[f].num) abort();
    L->columns[f].num[0] = value;
}

static GEOSGeometry *clone(const GEOSGeometry *g)
{
    return g ? GEOSGeom_clone_r(ctx->geos, g) : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    uint32_t word = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
                    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    size_t len1 = word & 0xFFFFFF;
    unsigned flags = word >> 24;
    if (len1 > size - 4) return 0;
    const uint8_t *wkb1 = data + 4, *wkb2 = data + 4 + len1;
    size_t len2 = size - 4 - len1;

    GEOSContextHandle_t h = ctx->geos;
    GEOSGeometry *block = GEOSWKBReader_read_r(h, reader, wkb1, len1);
    GEOSGeometry *zone = block ? GEOSWKBReader_read_r(h, reader, wkb2, len2) : NULL;
    if (!block || !zone) {
        if (block) GEOSGeom_destroy_r(h, block);
        return 0;
    }
    block = as_loaded(block);
    zone = as_loaded(zone);

    ibmap_data *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->crs = strdup("EPSG:4549");
    d->epsg = 4549;
    d->area = flags & 64 ? IBMAP_AREA_ELLIPSOIDAL : IBMAP_AREA_PLANAR;
    d->geos = h;
    ibmap_layer *B = one_feature(IBMAP_ROLE_BLOCKS, "QK1", block);
    set_text(B, "id", "QK1");
    if (!(flags & 32)) set_text(B, "town", "周巷镇");
    d->layers[IBMAP_ROLE_BLOCKS] = B;
    d->layers[IBMAP_ROLE_REDLINE] = one_feature(IBMAP_ROLE_REDLINE, "HX1", clone(zone));
    if (flags & 1) {
        ibmap_layer *L = one_feature(IBMAP_ROLE_PARKS, "YQ1", clone(zone));
        set_text(L, "name", "慈溪滨海经济开发区");
        d->layers[IBMAP_ROLE_PARKS] = L;
    }
    if (flags & 2) {
        static const char *const types[] = {"priority", "key_industry", "key_urban",
                                            "key", "general", "?"};
        ibmap_layer *L = one_feature(IBMAP_ROLE_CONTROL_UNITS, "ZH1", clone(zone));
        set_text(L, "code", "ZH33028220001");
        set_text(L, "type", types[len2 % 6]);
        d->layers[IBMAP_ROLE_CONTROL_UNITS] = L;
    } else {
        d->layers[IBMAP_ROLE_CONTROL_UNITS] = empty_layer(IBMAP_ROLE_CONTROL_UNITS);
    }
    if (flags & 4) {
        ibmap_layer *L = one_feature(IBMAP_ROLE_LANDUSE, "DL1", clone(zone));
        set_text(L, "code", "0601");
        d->layers[IBMAP_ROLE_LANDUSE] = L;
    } else {
        d->layers[IBMAP_ROLE_LANDUSE] = empty_layer(IBMAP_ROLE_LANDUSE);
    }
    if (flags & 8) {
        ibmap_layer *L = one_feature(IBMAP_ROLE_PARCELS, "P1", clone(zone));
        set_num(L, "tax", 120.5);
        set_num(L, "land_mu", len1 % 3 ? 7.5 : NAN);
        set_text(L, "grade", "B");
        set_num(L, "is_lsl", 1);
        d->layers[IBMAP_ROLE_PARCELS] = L;
    } else {
        d->layers[IBMAP_ROLE_PARCELS] = empty_layer(IBMAP_ROLE_PARCELS);
    }
    if (flags & 16) {
        d->layers[IBMAP_ROLE_CENTRAL] = one_feature(IBMAP_ROLE_CENTRAL, "C1", clone(zone));
        d->layers[IBMAP_ROLE_TRANSITION] =
            one_feature(IBMAP_ROLE_TRANSITION, "T1", clone(zone));
        d->layers[IBMAP_ROLE_BASIC_FARMLAND] =
            one_feature(IBMAP_ROLE_BASIC_FARMLAND, "J1", clone(zone));
    }
    if (flags & 32) {
        ibmap_layer *L = one_feature(IBMAP_ROLE_TOWNS, "Z1", clone(zone));
        set_text(L, "name", "周巷镇");
        d->layers[IBMAP_ROLE_TOWNS] = L;
    }
    if (zone) GEOSGeom_destroy_r(h, zone);

    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    o.threads = 1;
    if (flags & 128) o.max_piece_vertices = 8;
    ibmap_metrics *m = NULL;
    ibmap_status st = ibmap_overlay(ctx, d, &o, &m);
    if (st != IBMAP_OK) {
        fprintf(stderr, "overlay failed (%s): %s\n", ibmap_status_str(st), ibmap_errmsg(ctx));
        FUZZ_ASSERT(!"the overlay fails only for a missing role or memory");
    }
    FUZZ_ASSERT(ibmap_metrics_count(m) == 1);
    const char *status = ibmap_metrics_text(m, 0, ibmap_metric_index("metric_status"));
    FUZZ_ASSERT(status != NULL);
    if (getenv("IBMAP_FUZZ_VERBOSE")) /* for reading a reproducer */
        fprintf(stderr, "flags %#x: block %s, zone %s: metric_status %s, area_m2 %.17g, "
                "redline_m2 %.17g\n", flags, block ? GEOSGeomType_r(h, block) : "none",
                !d->layers[IBMAP_ROLE_REDLINE]->shape[0] ? "none"
                : d->layers[IBMAP_ROLE_REDLINE]->shape[0]->type == GEOS_POLYGON ? "Polygon"
                                                                               : "MultiPolygon",
                status, ibmap_metrics_number(m, 0, ibmap_metric_index("area_m2")),
                ibmap_metrics_number(m, 0, ibmap_metric_index("redline_m2")));
    if (strcmp(status, "ok") == 0) {
        double area = ibmap_metrics_number(m, 0, ibmap_metric_index("area_m2"));
        static const char *const overlaps[] = {"redline_m2", "parks_m2", "central_m2",
                                               "lu_covered_m2", "cu_general_m2"};
        for (size_t k = 0; k < sizeof overlaps / sizeof overlaps[0]; k++) {
            double a = ibmap_metrics_number(m, 0, ibmap_metric_index(overlaps[k]));
            if (!isnan(a) && d->area == IBMAP_AREA_PLANAR) {
                if (!(a >= 0 && a <= area * (1 + 1e-9) + 1e-9))
                    fprintf(stderr, "%s = %.17g, block area %.17g\n", overlaps[k], a, area);
                FUZZ_ASSERT(a >= 0 && a <= area * (1 + 1e-9) + 1e-9);
            }
        }
    }
    for (int64_t i = 0; i < ibmap_metrics_landuse_count(m); i++) {
        int64_t b;
        const char *code;
        double a, share;
        FUZZ_ASSERT(ibmap_metrics_landuse_row(m, i, &b, &code, &a, &share) == IBMAP_OK);
        FUZZ_ASSERT(b == 0 && code != NULL);
    }
    ibmap_metrics_free(m);
    ibmap_data_free(d);
    return 0;
}
