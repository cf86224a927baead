/*
** test_ingest.c — loading layers through real GDAL drivers: fields, text,
** numbers, ids, geometry repair, CRS identification and reprojection.
** Expected values are worked out by hand in the comments.
*/
#include <math.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static const char *dir;
static char path[4096];

static const char *scratch(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Load the mini city with one role overridden to SRC (and optional layer). */
static ibmap_status load_with(const char *role, const char *src,
                              const char *layer, ibmap_data **out)
{
    ibmap_project *p = fx_city(ctx, dir);
    if (!p) return IBMAP_ERR_INTERNAL;
    if (src) {
        /* Setting the source alone clears the fixture's layer name: a
        ** single-layer source needs none. */
        ibmap_project_set(ctx, p, role, src);
        if (layer) {
            char key[64];
            snprintf(key, sizeof key, "%s.layer", role);
            ibmap_project_set(ctx, p, key, layer);
        }
    }
    ibmap_status st = ibmap_load(ctx, p, out);
    ibmap_project_free(p);
    return st;
}

TEST(mini_city_loads_with_exact_areas)
{
    ibmap_data *d = NULL;
    CHECK_INT(load_with(NULL, NULL, NULL, &d), IBMAP_OK);
    const ibmap_layer *b = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(b), 2);
    CHECK_STR(ibmap_layer_id(b, 0), "QK1");
    CHECK_STR(ibmap_layer_text(b, 0, "name"), "一号区块");
    CHECK_STR(ibmap_layer_text(b, 1, "town"), "周巷镇");
    /* 100 m x 100 m and 100 m x 50 m */
    CHECK_NEAR(ibmap_layer_area(b, 0), 10000.0, 1e-6);
    CHECK_NEAR(ibmap_layer_area(b, 1), 5000.0, 1e-6);
    CHECK_STR(ibmap_data_crs(d), "EPSG:4549");
    CHECK_INT(ibmap_data_defect_count(d), 0);
    const ibmap_layer *p = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK_NEAR(ibmap_layer_number(p, 0, "tax"), 120.5, 0);
    CHECK(isnan(ibmap_layer_number(p, 0, "value_added")));
    CHECK_STR(ibmap_layer_source_field(p, "tax"), "SSHJ");
    CHECK(ibmap_layer_source_field(p, "energy") == NULL);
    const ibmap_layer *cu = ibmap_data_layer(d, IBMAP_ROLE_CONTROL_UNITS);
    /* type 2 + name 产业集聚 → key_industry, without a log entry */
    CHECK_STR(ibmap_layer_text(cu, 0, "type"), "key_industry");
    CHECK(ibmap_data_layer(d, IBMAP_ROLE_TOWNS) == NULL);
    ibmap_data_free(d);
}

TEST(auto_working_crs_is_the_gk3_zone_of_the_blocks)
{
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "crs", "auto");
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    /* x 620000 in EPSG:4549 is about 121.2°E: the zone of CM 120°E */
    CHECK_STR(ibmap_data_crs(d), "EPSG:4549");
    ibmap_data_free(d);
}

TEST(missing_required_role_is_named)
{
    ibmap_project *p = fx_city(ctx, dir);
    p->roles[IBMAP_ROLE_REDLINE].given = 0;
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_ERR_ROLE_MISSING);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "redline");
    ibmap_project_free(p);
}

TEST(missing_required_field_names_file_layer_field_and_found_fields)
{
    const char *rows[] = {"POLYGON((620000 3340000,620050 3340000,620050 3340100,620000 3340000))|P1|3", NULL};
    CHECK(fx_layer(scratch("notax.gpkg"), "GPKG", "zd", 4549, NULL, "ZDDM:s,QTZD:r", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("parcels", path, NULL, &d), IBMAP_ERR_FIELD_MISSING);
    const char *m = ibmap_errmsg(ctx);
    CHECK_CONTAINS(m, "notax.gpkg");
    CHECK_CONTAINS(m, "layer zd");
    CHECK_CONTAINS(m, "tax");
    CHECK_CONTAINS(m, "QTZD");
    CHECK_CONTAINS(m, "sshj"); /* an accepted name is suggested */
}

TEST(field_override_maps_an_unusual_name)
{
    const char *rows[] = {"POLYGON((620000 3340000,620050 3340000,620050 3340100,620000 3340000))|P1|3.25", NULL};
    CHECK(fx_layer(scratch("odd.gpkg"), "GPKG", "zd", 4549, NULL, "ZDDM:s,NSE2023:r", rows));
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "parcels", path);
    CHECK_INT(ibmap_project_set(ctx, p, "parcels.field.tax", "nse2023"), IBMAP_OK);
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK_NEAR(ibmap_layer_number(L, 0, "tax"), 3.25, 0);
    ibmap_data_free(d);
    /* A named field that is not there is an error, not a silent default. */
    ibmap_project_set(ctx, p, "parcels.field.tax", "NOPE");
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_ERR_FIELD_MISSING);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "NOPE");
    ibmap_project_free(p);
}

TEST(numbers_as_text_are_parsed_or_recorded_never_zero)
{
    const char *sq = "POLYGON((620000 3340000,620010 3340000,620010 3340010,620000 3340000))";
    char rows_buf[6][256];
    const char *vals[] = {"1,234.5", "无", "待核实", "~", "１２．５", "7"};
    const char *rows[7];
    for (int i = 0; i < 6; i++) {
        snprintf(rows_buf[i], sizeof rows_buf[i], "%s|P%d|%s|是", sq, i, vals[i]);
        rows[i] = rows_buf[i];
    }
    rows[6] = NULL;
    CHECK(fx_layer(scratch("text_tax.gpkg"), "GPKG", "zd", 4549, NULL, "ZDDM:s,SSHJ:s,SFDSLW:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("parcels", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK_INT(ibmap_layer_count(L), 6);
    CHECK_NEAR(ibmap_layer_number(L, 0, "tax"), 1234.5, 0);
    CHECK(isnan(ibmap_layer_number(L, 1, "tax")));
    CHECK(isnan(ibmap_layer_number(L, 2, "tax")));
    CHECK(isnan(ibmap_layer_number(L, 3, "tax")));
    CHECK_NEAR(ibmap_layer_number(L, 4, "tax"), 12.5, 0);
    CHECK_NEAR(ibmap_layer_number(L, 5, "tax"), 7, 0);
    CHECK_NEAR(ibmap_layer_number(L, 5, "is_lsl"), 1, 0);
    CHECK_INT(fx_count(d, IBMAP_ROLE_PARCELS, "number_normalised"), 2);
    CHECK_INT(fx_count(d, IBMAP_ROLE_PARCELS, "number_missing"), 2);
    CHECK_INT(fx_count(d, IBMAP_ROLE_PARCELS, "number_invalid"), 1);
    /* the log names the feature, the field and the value */
    int found = 0;
    for (int64_t i = 0; i < ibmap_data_defect_count(d); i++) {
        ibmap_defect e;
        ibmap_data_defect(d, i, &e);
        if (strcmp(e.problem, "number_invalid") == 0) {
            CHECK_STR(e.feature_id, "P2");
            CHECK_STR(e.field, "tax");
            CHECK_STR(e.value, "待核实");
            CHECK_STR(e.layer, "parcels");
            found = 1;
        }
    }
    CHECK(found);
    ibmap_data_free(d);
}

TEST(ids_missing_and_duplicated_are_kept_and_recorded)
{
    const char *rows[] = {
        "POLYGON((620000 3340000,620010 3340000,620010 3340010,620000 3340000))|A",
        "POLYGON((620020 3340000,620030 3340000,620030 3340010,620020 3340000))|A",
        "POLYGON((620040 3340000,620050 3340000,620050 3340010,620040 3340000))|",
        "POLYGON((620060 3340000,620070 3340000,620070 3340010,620060 3340000))|A#5",
        "POLYGON((620080 3340000,620090 3340000,620090 3340010,620080 3340000))|A",
        NULL};
    CHECK(fx_layer(scratch("ids.gpkg"), "GPKG", "qk", 4549, NULL, "QKBH:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("blocks", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(L), 5);
    CHECK_STR(ibmap_layer_id(L, 0), "A");
    CHECK_STR(ibmap_layer_id(L, 1), "A#2"); /* GPKG FIDs start at 1 */
    CHECK_STR(ibmap_layer_id(L, 2), "3");
    CHECK_STR(ibmap_layer_id(L, 3), "A#5");
    /* "A#5" is taken by the feature before: suffixed once more */
    CHECK_STR(ibmap_layer_id(L, 4), "A#5#5");
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "id_duplicate"), 2);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "id_missing"), 1);
    ibmap_data_free(d);
}

/* The arena the layers keep their texts in (core/text_arena.c): every
** copy intact after many chunks were filled, a text larger than a chunk
** in one of its own, and the chunk being filled still used after it. */
TEST(text_arena_keeps_every_text)
{
    ibmap_text_arena a = {0};
    enum { N = 20000 };
    static char *kept[N];
    char want[32];
    char *big_src = malloc(200000);
    CHECK(big_src != NULL);
    if (!big_src) return;
    memset(big_src, 'x', 199999);
    big_src[199999] = '\0';
    char *big = NULL;
    for (int i = 0; i < N; i++) {
        snprintf(want, sizeof want, "value-%d", i);
        kept[i] = ibmap_arena_strdup(&a, want);
        if (i == N / 2) big = ibmap_arena_strdup(&a, big_src);
    }
    char *part = ibmap_arena_strndup(&a, "abcdef", 3);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        snprintf(want, sizeof want, "value-%d", i);
        bad += !kept[i] || strcmp(kept[i], want) != 0;
    }
    CHECK_INT(bad, 0);
    CHECK(big && strcmp(big, big_src) == 0);
    CHECK_STR(part, "abc");
    ibmap_arena_free(&a);
    CHECK(a.chunks == NULL);
    free(big_src);
}

/* The one string set (core/text_set.c): the loader's ids and the output
** tables' interned texts.  Adding tells new from present by the pointer
** handed back, through several growths; interning keeps one copy of each
** distinct text, equal to it, and a freed set is empty and usable. */
TEST(text_set_adds_and_interns_each_text_once)
{
    enum { N = 5000 };
    static char own[N][16];
    ibmap_text_set set = {0};
    int bad_new = 0, bad_again = 0;
    for (int i = 0; i < N; i++) {
        snprintf(own[i], sizeof own[i], "id-%d", i);
        bad_new += ibmap_text_set_add(&set, own[i]) != own[i];
    }
    char probe[16];
    for (int i = 0; i < N; i++) {
        snprintf(probe, sizeof probe, "id-%d", i);
        bad_again += ibmap_text_set_add(&set, probe) != own[i];
    }
    CHECK_INT(bad_new, 0);
    CHECK_INT(bad_again, 0);
    CHECK_INT((long long)set.n, N);
    CHECK(set.cap > 2 * (size_t)N);
    ibmap_text_set_free(&set);
    CHECK(set.slots == NULL && set.cap == 0 && set.n == 0);

    ibmap_text_arena a = {0};
    const char *first = ibmap_text_intern(&set, &a, "整合改造");
    const char *other = ibmap_text_intern(&set, &a, "扶持发展");
    snprintf(probe, sizeof probe, "%s", "整合改造");
    const char *again = ibmap_text_intern(&set, &a, probe);
    const char *empty = ibmap_text_intern(&set, &a, "");
    CHECK(first && other && again && empty);
    CHECK(first == again && first != probe && first != other);
    CHECK_STR(first, "整合改造");
    CHECK_STR(other, "扶持发展");
    CHECK_STR(empty, "");
    CHECK(ibmap_text_intern(&set, &a, "") == empty);
    CHECK_INT((long long)set.n, 3);
    ibmap_text_set_free(&set);
    ibmap_arena_free(&a);
}

/* A parcel's source fields that are canonical ones too share the kept
** text (layer.c's arena), and one whose canonical value was normalised
** keeps its own: the grade "a" is canonical "A", the source still "a". */
TEST(source_fields_share_canonical_texts_but_not_normalised_ones)
{
    const char *rows[] = {
        "POLYGON((620000 3340000,620010 3340000,620010 3340010,620000 3340000))|P1| 甲公司 |a|10",
        "POLYGON((620020 3340000,620030 3340000,620030 3340010,620020 3340000))|P2|乙公司|B|20",
        NULL};
    CHECK(fx_layer(scratch("shared.gpkg"), "GPKG", "zd", 4549, NULL, "ZDDM:s,QYMC:s,MJDJ:s,SSHJ:r", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("parcels", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK_INT(ibmap_layer_count(L), 2);
    int fe = ibmap_role_field_index(IBMAP_ROLE_PARCELS, "enterprise");
    int fg = ibmap_role_field_index(IBMAP_ROLE_PARCELS, "grade");
    const ibmap_source_field *qymc = NULL, *mjdj = NULL;
    for (int k = 0; k < L->n_source_fields; k++) {
        if (strcmp(L->source_fields[k].name, "QYMC") == 0) qymc = &L->source_fields[k];
        if (strcmp(L->source_fields[k].name, "MJDJ") == 0) mjdj = &L->source_fields[k];
    }
    CHECK(qymc && mjdj && fe >= 0 && fg >= 0);
    if (!qymc || !mjdj || fe < 0 || fg < 0) return;
    CHECK_STR(L->columns[fe].text[0], "甲公司");
    CHECK_STR(qymc->text[0], "甲公司");
    CHECK(qymc->text[0] == L->columns[fe].text[0]);
    CHECK_STR(L->columns[fg].text[0], "A");
    CHECK_STR(mjdj->text[0], "a");
    CHECK_STR(L->columns[fg].text[1], "B");
    CHECK_STR(mjdj->text[1], "B");
    ibmap_data_free(d);
}

TEST(bad_geometries_are_kept_repaired_or_recorded)
{
    const char *rows[] = {
        /* bow-tie: two triangles of 50 m x 50 m / 2... see below */
        "POLYGON((620000 3340000,620100 3340100,620100 3340000,620000 3340100,620000 3340000))|BOW",
        "|NULLG",
        "POLYGON((620000 3340000,620010 3340000,620020 3340000,620000 3340000))|FLAT",
        "POINT(620000 3340000)|PT",
        "POLYGON EMPTY|EMPTY",
        "POLYGON Z((620000 3340000 5,620010 3340000 5,620010 3340010 5,620000 3340010 5,620000 3340000 5))|ZED",
        NULL};
    CHECK(fx_layer(scratch("geoms.gpkg"), "GPKG", "qk", 4549, NULL, "QKBH:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("blocks", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(L), 6); /* nothing dropped */
    /* The bow-tie's halves are triangles meeting at (620050, 3340050):
    ** each has base 100 m and height 50 m, 2500 m², 5000 m² together. */
    int64_t i = fx_find(L, "BOW");
    CHECK(ibmap_layer_geom_state(L, i) & IBMAP_GEOM_REPAIRED);
    CHECK_NEAR(ibmap_layer_area(L, i), 5000.0, 1e-6);
    CHECK(ibmap_layer_geom_state(L, fx_find(L, "NULLG")) & IBMAP_GEOM_NULL);
    CHECK(ibmap_layer_geom_state(L, fx_find(L, "FLAT")) & IBMAP_GEOM_COLLAPSED);
    CHECK(ibmap_layer_geom_state(L, fx_find(L, "PT")) & IBMAP_GEOM_NOT_AREAL);
    CHECK(ibmap_layer_geom_state(L, fx_find(L, "EMPTY")) & IBMAP_GEOM_EMPTY);
    i = fx_find(L, "ZED");
    CHECK(ibmap_layer_geom_state(L, i) & IBMAP_GEOM_ZM_DROPPED);
    CHECK_NEAR(ibmap_layer_area(L, i), 100.0, 1e-9);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "invalid_geometry"), 1);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "null_geometry"), 1);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "geometry_collapsed"), 1);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "not_polygon"), 1);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "empty_geometry"), 1);
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "zm_dropped"), 1);
    ibmap_layer_info li;
    ibmap_layer_get_info(L, &li);
    CHECK_INT(li.n_defects, 6); /* the six entries above, and no others */
    CHECK_INT(li.n_with_geometry, 2);
    unsigned char *wkb;
    size_t n;
    CHECK_INT(ibmap_layer_wkb(ctx, L, fx_find(L, "NULLG"), &wkb, &n), IBMAP_OK);
    CHECK(wkb == NULL && n == 0);
    CHECK_INT(ibmap_layer_wkb(ctx, L, fx_find(L, "ZED"), &wkb, &n), IBMAP_OK);
    CHECK(wkb != NULL && n == 93); /* 2D polygon, 1 ring of 5 points */
    CHECK_INT(wkb[1], 3);          /* little-endian type 3 = Polygon */
    ibmap_free(wkb);
    ibmap_data_free(d);
}

TEST(gbk_shapefile_without_cpg_is_decoded_and_the_guess_recorded)
{
    const char *opts[] = {"ENCODING=CP936", NULL};
    const char *rows[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340000))|QK1|掌起镇工业区块|掌起镇",
        NULL};
    const char *shp = scratch("gbk_blocks.shp");
    char dbf[4200], cpg[4200];
    snprintf(dbf, sizeof dbf, "%s/gbk_blocks.dbf", dir);
    snprintf(cpg, sizeof cpg, "%s/gbk_blocks.cpg", dir);
    CHECK(fx_layer(shp, "ESRI Shapefile", "gbk_blocks", 4549, opts, "QKBH:s,区块名称:s,所属镇街:s", rows));
    /* Make it look like a file from an old desktop tool: no .cpg, LDID 0. */
    unlink(cpg);
    FILE *f = fopen(dbf, "r+b");
    CHECK(f != NULL);
    fseek(f, 29, SEEK_SET);
    fputc(0, f);
    fclose(f);
    ibmap_data *d = NULL;
    CHECK_INT(load_with("blocks", shp, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_STR(ibmap_layer_text(L, 0, "name"), "掌起镇工业区块");
    CHECK_STR(ibmap_layer_text(L, 0, "town"), "掌起镇");
    CHECK_STR(ibmap_layer_source_field(L, "town"), "所属镇街");
    ibmap_layer_info li;
    ibmap_layer_get_info(L, &li);
    CHECK_STR(li.encoding, "GB18030");
    CHECK_STR(li.encoding_from, "guessed");
    CHECK_INT(fx_count(d, IBMAP_ROLE_BLOCKS, "encoding_guessed"), 1);
    ibmap_data_free(d);
}

TEST(dbf_field_name_cut_at_10_bytes_still_maps)
{
    /* 统一社会信用代码 is 16 bytes in GBK: the DBF keeps 统一社会信 (10). */
    const char *opts[] = {"ENCODING=CP936", NULL};
    const char *rows[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340000))|P1|9|91330282MA2AAAAA1X",
        NULL};
    CHECK(fx_layer(scratch("cut.shp"), "ESRI Shapefile", "cut", 4549, opts, "ZDDM:s,SSHJ:r,统一社会信用代码:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("parcels", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK_STR(ibmap_layer_source_field(L, "credit_code"), "统一社会信");
    CHECK_STR(ibmap_layer_text(L, 0, "credit_code"), "91330282MA2AAAAA1X");
    CHECK_INT(fx_count(d, IBMAP_ROLE_PARCELS, "field_name_truncated"), 1);
    ibmap_layer_info li;
    ibmap_layer_get_info(L, &li);
    CHECK_STR(li.encoding_from, "cpg");
    ibmap_data_free(d);
}

TEST(lonlat_geojson_is_reprojected_to_the_working_crs)
{
    /* A 0.001° square at 121.25°E 30.2°N.  Its corner in EPSG:4549, by
    ** `echo 30.2 121.25 | cs2cs EPSG:4490 EPSG:4549` (which prints northing
    ** first): E 620370.03, N 3342944.77 (1 cm tolerance). */
    const char *rows[] = {
        "POLYGON((121.25 30.2,121.251 30.2,121.251 30.201,121.25 30.201,121.25 30.2))|HX9|测试红线",
        NULL};
    CHECK(fx_layer(scratch("red.geojson"), "GeoJSON", "red", 4326, NULL, "HXBH:s,HXMC:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("redline", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_REDLINE);
    unsigned char *wkb;
    size_t n;
    CHECK_INT(ibmap_layer_wkb(ctx, L, 0, &wkb, &n), IBMAP_OK);
    double x, y;
    memcpy(&x, wkb + 13, 8); /* first point of the exterior ring */
    memcpy(&y, wkb + 21, 8);
    ibmap_free(wkb);
    CHECK_NEAR(x, 620370.03, 0.01);
    CHECK_NEAR(y, 3342944.77, 0.01);
    /* about 96 m x 111 m */
    CHECK(ibmap_layer_area(L, 0) > 10000 && ibmap_layer_area(L, 0) < 11000);
    ibmap_data_free(d);
}

TEST(gk_with_zone_prefix_and_no_prj_is_identified)
{
    /* EPSG:4528 is CM 120°E with false easting 40,500,000: the same
    ** projection as EPSG:4549 shifted by exactly 40,000,000 m. */
    const char *rows[] = {
        "POLYGON((40620000 3340000,40620100 3340000,40620100 3340100,40620000 3340100,40620000 3340000))|0601|工业用地",
        NULL};
    CHECK(fx_layer(scratch("dltb_noprj.shp"), "ESRI Shapefile", "dltb_noprj", 0, NULL, "DLBM:s,DLMC:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("landuse", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_LANDUSE);
    ibmap_layer_info li;
    ibmap_layer_get_info(L, &li);
    CHECK_STR(li.crs_found, "");
    CHECK_CONTAINS(li.crs_note, "EPSG:4528");
    CHECK_INT(fx_count(d, IBMAP_ROLE_LANDUSE, "crs_identified"), 1);
    unsigned char *wkb;
    size_t n;
    CHECK_INT(ibmap_layer_wkb(ctx, L, 0, &wkb, &n), IBMAP_OK);
    double x, y;
    memcpy(&x, wkb + 13, 8);
    memcpy(&y, wkb + 21, 8);
    ibmap_free(wkb);
    CHECK_NEAR(x, 620000.0, 1e-6);
    CHECK_NEAR(y, 3340000.0, 1e-6);
    CHECK_NEAR(ibmap_layer_area(L, 0), 10000.0, 1e-6);
    ibmap_data_free(d);
}

TEST(gk_without_prefix_takes_the_working_crs_or_is_refused)
{
    const char *rows[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340100,620000 3340000))|0601|工业用地",
        NULL};
    CHECK(fx_layer(scratch("dltb_noprefix.shp"), "ESRI Shapefile", "dltb_noprefix", 0, NULL, "DLBM:s,DLMC:s", rows));
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "landuse", path);
    ibmap_project_set(ctx, p, "crs", "EPSG:4549");
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_layer_info li;
    ibmap_layer_get_info(ibmap_data_layer(d, IBMAP_ROLE_LANDUSE), &li);
    CHECK_CONTAINS(li.crs_note, "EPSG:4549");
    CHECK_INT(fx_count(d, IBMAP_ROLE_LANDUSE, "crs_identified"), 1);
    ibmap_data_free(d);
    /* With a working CRS that says nothing of the zone: refused, clearly. */
    ibmap_project_set(ctx, p, "crs", "EPSG:3857");
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_ERR_CRS_UNKNOWN);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "dltb_noprefix");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "crs");
    ibmap_project_free(p);
}

TEST(unidentifiable_coordinates_are_refused_not_guessed)
{
    /* web-mercator metres: 13,497,000 E is no CGCS2000 zone */
    const char *rows[] = {
        "POLYGON((13497000 3530000,13497100 3530000,13497100 3530100,13497000 3530000))|HX1|x",
        NULL};
    CHECK(fx_layer(scratch("merc.shp"), "ESRI Shapefile", "merc", 0, NULL, "HXBH:s,HXMC:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("redline", path, NULL, &d), IBMAP_ERR_CRS_UNKNOWN);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "merc.shp");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "redline.crs");
}

TEST(gcj02_source_is_undone_before_reprojection)
{
    /* The point (121.25, 30.2) given in GCJ-02 must land where its WGS84
    ** equivalent (from gcj02.c's inverse) lands. */
    double wlon, wlat;
    ibmap_gcj02_to_wgs84(121.25, 30.2, &wlon, &wlat);
    CHECK(fabs(wlon - 121.25) > 0.003); /* the shift is real: ~0.0044° */
    const char *rows[] = {
        "POLYGON((121.25 30.2,121.251 30.2,121.251 30.201,121.25 30.201,121.25 30.2))|HX9|测试红线",
        NULL};
    CHECK(fx_layer(scratch("red_gcj.geojson"), "GeoJSON", "red", 4326, NULL, "HXBH:s,HXMC:s", rows));
    char wkt[512];
    snprintf(wkt, sizeof wkt, "POLYGON((%.12f %.12f,121.251 30.2,121.251 30.201,121.25 30.201,%.12f %.12f))|HX9|x",
             wlon, wlat, wlon, wlat);
    const char *rows2[] = {wkt, NULL};
    char wgs_path[4200];
    snprintf(wgs_path, sizeof wgs_path, "%s/red_wgs.geojson", dir);
    CHECK(fx_layer(wgs_path, "GeoJSON", "red", 4326, NULL, "HXBH:s,HXMC:s", rows2));

    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "redline", scratch("red_gcj.geojson"));
    CHECK_INT(ibmap_project_set(ctx, p, "redline.coords", "gcj02"), IBMAP_OK);
    ibmap_data *d1 = NULL, *d2 = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d1), IBMAP_OK);
    ibmap_project_set(ctx, p, "redline", wgs_path);
    ibmap_project_set(ctx, p, "redline.coords", "wgs84");
    CHECK_INT(ibmap_load(ctx, p, &d2), IBMAP_OK);
    ibmap_project_free(p);
    unsigned char *w1, *w2;
    size_t n1, n2;
    ibmap_layer_wkb(ctx, ibmap_data_layer(d1, IBMAP_ROLE_REDLINE), 0, &w1, &n1);
    ibmap_layer_wkb(ctx, ibmap_data_layer(d2, IBMAP_ROLE_REDLINE), 0, &w2, &n2);
    double x1, y1, x2, y2;
    memcpy(&x1, w1 + 13, 8);
    memcpy(&y1, w1 + 21, 8);
    memcpy(&x2, w2 + 13, 8);
    memcpy(&y2, w2 + 21, 8);
    ibmap_free(w1);
    ibmap_free(w2);
    CHECK_NEAR(x1, x2, 0.001);
    CHECK_NEAR(y1, y2, 0.001);
    ibmap_data_free(d1);
    ibmap_data_free(d2);
}

TEST(landuse_of_another_code_system_fails_the_load)
{
    /* 用地用海 data (0601 = 乡村道路用地) declared as 三调. */
    const char *rows[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340000))|0601|乡村道路用地",
        "POLYGON((620200 3340000,620300 3340000,620300 3340100,620200 3340000))|1001|工业用地",
        NULL};
    CHECK(fx_layer(scratch("ydyh.gpkg"), "GPKG", "dltb", 4549, NULL, "DLBM:s,DLMC:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("landuse", path, NULL, &d), IBMAP_ERR_CODE_SYSTEM);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "ydyh.gpkg");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "sandiao");
    /* Declared right, the same file loads, and 1001 is industrial. */
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "landuse", path);
    CHECK_INT(ibmap_project_set(ctx, p, "landuse.codes", "ydyh"), IBMAP_OK);
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_LANDUSE);
    CHECK_INT(L->lu_group[1], IBMAP_LU_INDUSTRIAL);
    CHECK_INT(L->lu_group[0], IBMAP_LU_TRANSPORT);
    CHECK_INT(ibmap_data_defect_count(d), 0);
    ibmap_data_free(d);
}

TEST(control_unit_type_from_code_digit_or_name)
{
    const char *sq = "POLYGON((619000 3339000,622000 3339000,622000 3342000,619000 3339000))";
    char r[4][256];
    snprintf(r[0], 256, "%s|ZH33028210001|某优先保护单元|", sq);
    snprintf(r[1], 256, "%s|ZH33028230002|某一般管控单元|~", sq);
    snprintf(r[2], 256, "%s|X1|慈溪市城镇生活重点管控单元|", sq);
    snprintf(r[3], 256, "%s|X2|无名单元|", sq);
    const char *rows[] = {r[0], r[1], r[2], r[3], NULL};
    CHECK(fx_layer(scratch("cu.gpkg"), "GPKG", "cu", 4549, NULL, "HJGKDYBM:s,HJGKDYMC:s,ZHGKDYFL:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("control_units", path, NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_CONTROL_UNITS);
    CHECK_STR(ibmap_layer_text(L, 0, "type"), "priority");
    CHECK_STR(ibmap_layer_text(L, 1, "type"), "general");
    CHECK_STR(ibmap_layer_text(L, 2, "type"), "key_urban");
    CHECK(ibmap_layer_text(L, 3, "type") == NULL);
    CHECK_INT(fx_count(d, IBMAP_ROLE_CONTROL_UNITS, "cu_type_inferred"), 3);
    CHECK_INT(fx_count(d, IBMAP_ROLE_CONTROL_UNITS, "cu_type_unknown"), 1);
    ibmap_data_free(d);
}

TEST(attribute_filter_and_layer_choice)
{
    ibmap_project *p = fx_city(ctx, dir);
    CHECK_INT(ibmap_project_set(ctx, p, "blocks.where", "QKBH = 'QK2'"), IBMAP_OK);
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_BLOCKS)), 1);
    ibmap_data_free(d);
    ibmap_project_set(ctx, p, "blocks.where", "NO_SUCH_FIELD = 1");
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_ERR_FILTER);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "NO_SUCH_FIELD");
    ibmap_project_set(ctx, p, "blocks.where", "1 = 1");
    ibmap_project_set(ctx, p, "blocks.layer", "nope");
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_ERR_NO_LAYER);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "DLTB"); /* the layers are listed */
    /* No layer named: the GeoPackage's layer named like the role is used. */
    free(p->roles[IBMAP_ROLE_BLOCKS].layer);
    p->roles[IBMAP_ROLE_BLOCKS].layer = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_BLOCKS)), 2);
    ibmap_data_free(d);
    ibmap_project_free(p);
}

TEST(unopenable_source_is_named)
{
    ibmap_data *d = NULL;
    CHECK_INT(load_with("parks", scratch("no_such_file.gpkg"), NULL, &d), IBMAP_ERR_OPEN);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "parks");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "no_such_file.gpkg");
}

/* Put the files of a shapefile into a new .zip with GDAL's own zip writer. */
static int zip_shapefile(const char *zip, const char *dir_, const char *base)
{
    void *z = CPLCreateZip(zip, NULL);
    if (!z) return 0;
    static const char *ext[] = {"shp", "shx", "dbf", "prj", "cpg"};
    int ok = 1;
    for (int e = 0; e < 5; e++) {
        char src[4300], name[256];
        snprintf(src, sizeof src, "%s/%s.%s", dir_, base, ext[e]);
        snprintf(name, sizeof name, "%s.%s", base, ext[e]);
        FILE *f = fopen(src, "rb");
        if (!f) continue;
        static char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        ok = ok && CPLCreateFileInZip(z, name, NULL) == CE_None &&
             CPLWriteFileInZip(z, buf, (int)n) == CE_None &&
             CPLCloseFileInZip(z) == CE_None;
    }
    return CPLCloseZip(z) == CE_None && ok;
}

TEST(zipped_shapefile_is_read_through_vsizip)
{
    const char *rows[] = {
        "POLYGON((619900 3339900,620150 3339900,620150 3340150,619900 3339900))|YQ1|慈溪滨海经济开发区",
        NULL};
    /* GBK text: only the .cpg inside the zip can say so */
    const char *gbk[] = {"ENCODING=CP936", NULL};
    CHECK(fx_layer(scratch("zparks.shp"), "ESRI Shapefile", "zparks", 4549, gbk, "YQBH:s,YQMC:s", rows));
    CHECK(zip_shapefile(scratch("parks.zip"), dir, "zparks"));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("parks", scratch("parks.zip"), NULL, &d), IBMAP_OK);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARKS);
    CHECK_STR(ibmap_layer_text(L, 0, "name"), "慈溪滨海经济开发区");
    ibmap_layer_info li;
    ibmap_layer_get_info(L, &li);
    CHECK_CONTAINS(li.source, "/vsizip/");
    CHECK_STR(li.encoding_from, "cpg");
    CHECK_STR(li.encoding, "GB18030");
    ibmap_data_free(d);
}

/* The same parks layer from a FileGDB (GDAL's own OpenFileGDB writer) and
** from a SpatiaLite database: the drivers planners' data arrives in. */
TEST(filegdb_and_spatialite_sources)
{
    const char *rows[] = {
        "MULTIPOLYGON(((619900 3339900,620150 3339900,620150 3340150,619900 3339900)))|YQ1|慈溪滨海经济开发区",
        NULL};
    char gdb[4200], sqlite[4200];
    snprintf(gdb, sizeof gdb, "%s/parks.gdb", dir);
    snprintf(sqlite, sizeof sqlite, "%s/parks.sqlite", dir);
    char cmd[8500];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", gdb, sqlite);
    CHECK_INT(system(cmd), 0);
    CHECK(fx_layer(gdb, "OpenFileGDB", "yq", 4549, NULL, "YQBH:s,YQMC:s", rows));
    GDALDriverH drv = GDALGetDriverByName("SQLite");
    const char *dsco[] = {"SPATIALITE=YES", NULL};
    GDALDatasetH ds = GDALCreate(drv, sqlite, 0, 0, 0, GDT_Unknown, (char **)dsco);
    CHECK(ds != NULL);
    GDALClose(ds);
    CHECK(fx_layer(sqlite, "SQLite", "yq", 4549, NULL, "YQBH:s,YQMC:s", rows));
    const char *sources[] = {gdb, sqlite};
    const char *drivers[] = {"OpenFileGDB", "SQLite"};
    for (int k = 0; k < 2; k++) {
        ibmap_data *d = NULL;
        CHECK_INT(load_with("parks", sources[k], NULL, &d), IBMAP_OK);
        const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_PARKS);
        ibmap_layer_info li;
        ibmap_layer_get_info(L, &li);
        CHECK_STR(li.driver, drivers[k]);
        CHECK_INT(ibmap_layer_count(L), 1);
        CHECK_STR(ibmap_layer_text(L, 0, "name"), "慈溪滨海经济开发区");
        CHECK_STR(ibmap_layer_id(L, 0), "YQ1");
        CHECK_NEAR(ibmap_layer_area(L, 0), 250.0 * 250.0 / 2, 1e-6);
        ibmap_data_free(d);
    }
}

TEST(real_county_shapefile_utf8_without_cpg_or_prj)
{
    const char *shared = test_shared_data();
    if (!shared) SKIP("../shared/data/real is absent (a user's clone has none)");
    char shp[4200];
    snprintf(shp, sizeof shp, "%s/zhejiang/garybikini2020_zhejiang_districts.shp", shared);
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "towns", shp);
    /* GaryBikini's boundaries are GCJ-02 (its README says so) */
    ibmap_project_set(ctx, p, "towns.coords", "gcj02");
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    const ibmap_layer *L = ibmap_data_layer(d, IBMAP_ROLE_TOWNS);
    CHECK_INT(ibmap_layer_count(L), 90);
    ibmap_layer_info li;
    ibmap_layer_get_info(L, &li);
    CHECK_STR(li.encoding, "UTF-8");
    CHECK_STR(li.encoding_from, "utf8-valid");
    CHECK_CONTAINS(li.crs_note, "EPSG:4326"); /* lon/lat, read as WGS84 (gcj02) */
    int64_t cixi = -1;
    for (int64_t i = 0; i < ibmap_layer_count(L); i++) {
        const char *name = ibmap_layer_text(L, i, "name");
        if (name && strcmp(name, "慈溪市") == 0) cixi = i;
    }
    CHECK(cixi >= 0);
    CHECK_STR(ibmap_layer_text(L, cixi, "code"), "330282");
    /* Cixi is about 1,361 km² of land (county statistics); the GCJ-02
    ** boundary drawn from Amap includes tidal flats: accept 1,300-1,800. */
    double km2 = ibmap_layer_area(L, cixi) / 1e6;
    CHECK(km2 > 1300 && km2 < 1800);
    ibmap_data_free(d);
}

TEST(ldid_936_point_layer_decodes_and_is_not_polygon)
{
    char shp[4200];
    snprintf(shp, sizeof shp, "%s/tests/data/cjk_dbf/ldid/chinese.shp", test_source_root());
    if (access(shp, R_OK) != 0) SKIP("fixture tests/data/cjk_dbf/ldid missing");
    ibmap_project *p = fx_city(ctx, dir);
    ibmap_project_set(ctx, p, "towns", shp);
    ibmap_data *d = NULL;
    /* A layer of points where town polygons belong is the wrong file: the
    ** layer gates stop the load, naming the file, the layer and the type
    ** (its text, decoded by the LDID, is tested in test_encoding). */
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_ERR_LAYER_REJECTED);
    ibmap_project_free(p);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "towns: ");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "chinese.shp, layer chinese");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "a layer of Point geometries");
    CHECK(d == NULL);
}

TEST(defect_log_csv_has_bom_header_and_one_row_per_entry)
{
    /* two features without geometry (one usable block: a layer of none
    ** would stop at the layer gates) */
    char sq[256], row[300];
    fx_square(sq, sizeof sq, 620000, 3340000, 100);
    snprintf(row, sizeof row, "%s|G1", sq);
    const char *rows[] = {"|NULLG", "|NULLH", row, NULL};
    CHECK(fx_layer(scratch("nulls.gpkg"), "GPKG", "qk", 4549, NULL, "QKBH:s", rows));
    ibmap_data *d = NULL;
    CHECK_INT(load_with("blocks", path, NULL, &d), IBMAP_OK);
    char csv[4200];
    snprintf(csv, sizeof csv, "%s/dq.csv", dir);
    CHECK_INT(ibmap_data_write_defects_csv(ctx, d, csv), IBMAP_OK);
    FILE *f = fopen(csv, "rb");
    CHECK(f != NULL);
    char line[1024];
    int lines = 0;
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK(memcmp(line, "\xEF\xBB\xBFlayer,fid,", 13) == 0);
    while (fgets(line, sizeof line, f)) {
        lines++;
        CHECK(strncmp(line, "blocks,", 7) == 0);
        CHECK_CONTAINS(line, "null_geometry");
    }
    fclose(f);
    CHECK_INT(lines, 2);
    CHECK_INT(ibmap_data_defect_count(d), 2);
    /* no temporary file left behind */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c tmp- >/dev/null", dir);
    CHECK(system(cmd) != 0);
    ibmap_data_free(d);
}

int main(void)
{
    dir = test_scratch_dir("test_ingest");
    ctx = ibmap_ctx_new();
    RUN(mini_city_loads_with_exact_areas);
    RUN(auto_working_crs_is_the_gk3_zone_of_the_blocks);
    RUN(missing_required_role_is_named);
    RUN(missing_required_field_names_file_layer_field_and_found_fields);
    RUN(field_override_maps_an_unusual_name);
    RUN(numbers_as_text_are_parsed_or_recorded_never_zero);
    RUN(ids_missing_and_duplicated_are_kept_and_recorded);
    RUN(text_arena_keeps_every_text);
    RUN(text_set_adds_and_interns_each_text_once);
    RUN(source_fields_share_canonical_texts_but_not_normalised_ones);
    RUN(bad_geometries_are_kept_repaired_or_recorded);
    RUN(gbk_shapefile_without_cpg_is_decoded_and_the_guess_recorded);
    RUN(dbf_field_name_cut_at_10_bytes_still_maps);
    RUN(lonlat_geojson_is_reprojected_to_the_working_crs);
    RUN(gk_with_zone_prefix_and_no_prj_is_identified);
    RUN(gk_without_prefix_takes_the_working_crs_or_is_refused);
    RUN(unidentifiable_coordinates_are_refused_not_guessed);
    RUN(gcj02_source_is_undone_before_reprojection);
    RUN(landuse_of_another_code_system_fails_the_load);
    RUN(control_unit_type_from_code_digit_or_name);
    RUN(attribute_filter_and_layer_choice);
    RUN(unopenable_source_is_named);
    RUN(zipped_shapefile_is_read_through_vsizip);
    RUN(filegdb_and_spatialite_sources);
    RUN(real_county_shapefile_utf8_without_cpg_or_prj);
    RUN(ldid_936_point_layer_decodes_and_is_not_polygon);
    RUN(defect_log_csv_has_bom_header_and_one_row_per_entry);
    ibmap_ctx_free(ctx);
    return test_finish();
}
