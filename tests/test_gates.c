/*
** test_gates.c — the layer gates and the other checks that stop a silent
** wrong answer (issue 11; docs/data-quality.md), each on a file made for
** it and run through the real `ibmap` program on the sample city with one
** role replaced, or through the load API where the numbers are needed:
**
**   a GeoJSON red line in EPSG:4549 metres without a crs member (read as
**   WGS 84 by definition) is identified from its coordinates, logged, and
**   the overlay sees it; points as parks or as the red line stop, naming
**   the file and the type; a red line with one broken feature stops
**   without --accept-defects and runs with it, the verdict saying so; a
**   land-use layer of OpenStreetMap-like tags stops naming the top codes;
**   a DataV-looking towns file warns naming coords: gcj02; a --towns
**   given on the command line does not inherit the project file's
**   coords: gcj02.
*/
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "harness.h"
#include "ibmap.h"

static ibmap_ctx *ctx;
static const char *dir;
static char sample[4096];
static char path[4200];

static const char *at(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* `ibmap CMD sample/project.yaml ARGS`, stdout and stderr to dir/TAG.txt;
** the exit status. */
static int ibmap(const char *tag, const char *cmd, const char *args)
{
    char line[16384];
    snprintf(line, sizeof line,
             "cd '%s' && '%s' %s '%s/project.yaml' --log '%s/%s_dq.csv' %s > '%s/%s.txt' 2>&1",
             dir, getenv("IBMAP_EXE"), cmd, sample, dir, tag, args, dir, tag);
    return run(line);
}

/* 1 when dir/TAG.txt contains `text`. */
static int said(const char *tag, const char *text)
{
    char name[4200];
    snprintf(name, sizeof name, "%s/%s.txt", dir, tag);
    FILE *f = fopen(name, "rb");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    int found = strstr(buf, text) != NULL;
    if (!found) printf("# %s.txt does not contain \"%s\"\n", tag, text);
    return found;
}

TEST(geojson_redline_in_metres_without_crs_is_identified_and_measured)
{
    /* what `ogr2ogr -t_srs EPSG:4549 red.geojson` gives, less the crs
    ** member that some tools (and hand edits) drop */
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f GeoJSON -t_srs EPSG:4549 '%s/red_crs.geojson' "
             "'%s/redline.geojson' && grep -v '\"crs\":' '%s/red_crs.geojson' > "
             "'%s/red_nocrs.geojson'",
             dir, sample, dir, dir);
    if (run(cmd) != 0) SKIP("ogr2ogr (gdal-bin) is needed");
    char args[4300];
    snprintf(args, sizeof args, "--redline '%s/red_nocrs.geojson'", dir);
    CHECK_INT(ibmap("crs", "check", args), 0);
    CHECK(said("crs", "the source declares WGS 84 (EPSG:4326), but its coordinates"));
    CHECK(said("crs", "lie outside that CRS's area of use"));
    CHECK(said("crs", "7 (7 with usable geometry)"));
    CHECK(said("crs", "crs_contradiction 1"));
    /* through the API: every feature has its geometry, and the overlay
    ** sees the red line */
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "%s/project.yaml", sample);
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, yaml, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "redline", at("red_nocrs.geojson")), IBMAP_OK);
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    if (!d) return;
    ibmap_layer_verdict v;
    ibmap_layer_get_verdict(ibmap_data_layer(d, IBMAP_ROLE_REDLINE), &v);
    CHECK_INT(v.n_usable, 7);
    CHECK_INT(v.verdict, IBMAP_VERDICT_WARNING);
    CHECK_CONTAINS(v.message, "contradicts its coordinates");
    ibmap_layer_info li;
    ibmap_layer_get_info(ibmap_data_layer(d, IBMAP_ROLE_REDLINE), &li);
    CHECK_CONTAINS(li.crs_note, "EPSG:4549");
    ibmap_overlay_options o;
    ibmap_overlay_options_init(&o);
    o.threads = 2;
    ibmap_metrics *m = NULL;
    CHECK_INT(ibmap_overlay(ctx, d, &o, &m), IBMAP_OK);
    double red = 0;
    int k = ibmap_metric_index("redline_m2");
    for (int64_t b = 0; m && b < ibmap_metrics_count(m); b++) {
        double x = ibmap_metrics_number(m, b, k);
        if (x > 0) red += x;
    }
    CHECK(red > 0);
    ibmap_metrics_free(m);
    ibmap_data_free(d);
}

TEST(points_as_parks_or_redline_stop_naming_file_and_type)
{
    const char *rows[] = {"POINT(620000 3340000)|P1", "POINT(621000 3341000)|P2", NULL};
    CHECK(fx_layer(at("park_points.gpkg"), "GPKG", "parks", 4549, NULL, "YQBH:s", rows));
    char args[4300];
    snprintf(args, sizeof args, "--parks '%s'", at("park_points.gpkg"));
    CHECK_INT(ibmap("pts_parks", "check", args), 1);
    CHECK(said("pts_parks", "parks: "));
    CHECK(said("pts_parks", "park_points.gpkg, layer parks"));
    CHECK(said("pts_parks", "a layer of Point geometries (2 of 2 features)"));
    CHECK(said("pts_parks", "parks needs polygons"));
    const char *lines[] = {"LINESTRING(620000 3340000,620500 3340500)|H1", NULL};
    CHECK(fx_layer(at("red_lines.gpkg"), "GPKG", "redline", 4549, NULL, "HXBH:s", lines));
    snprintf(args, sizeof args, "--redline '%s'", at("red_lines.gpkg"));
    CHECK_INT(ibmap("lines_red", "check", args), 1);
    CHECK(said("lines_red", "red_lines.gpkg, layer redline"));
    CHECK(said("lines_red", "a layer of Line String geometries"));
}

TEST(redline_with_a_broken_feature_stops_unless_accepted)
{
    /* two good squares and one whose ring has no area: repair leaves
    ** nothing of it */
    char a[256], b[256], ra[300], rb[300];
    fx_square(a, sizeof a, 620000, 3340000, 300);
    fx_square(b, sizeof b, 625000, 3345000, 300);
    snprintf(ra, sizeof ra, "%s|H1", a);
    snprintf(rb, sizeof rb, "%s|H2", b);
    const char *rows[] = {ra, rb,
                          "POLYGON((622000 3342000,622100 3342000,622200 3342000,"
                          "622000 3342000))|H3",
                          NULL};
    CHECK(fx_layer(at("red_broken.gpkg"), "GPKG", "redline", 4549, NULL, "HXBH:s", rows));
    char args[8600], out[4200];
    snprintf(out, sizeof out, "%s/run_out", dir);
    snprintf(args, sizeof args, "--redline '%s' -o '%s' --formats summaries",
             at("red_broken.gpkg"), out);
    CHECK_INT(ibmap("broken_run", "run", args), 1);
    CHECK(said("broken_run", "red_broken.gpkg, layer redline: 1 of its 3 features has no usable geometry"));
    CHECK(said("broken_run", "geometry_collapsed"));
    CHECK(said("broken_run", "--accept-defects redline"));
    snprintf(args, sizeof args, "--redline '%s' -o '%s' --formats summaries --accept-defects redline",
             at("red_broken.gpkg"), out);
    CHECK_INT(ibmap("broken_accepted", "run", args), 0);
    CHECK(said("broken_accepted", "accepted defects"));
    CHECK(said("broken_accepted", "redline: 1 of its 3 features has no usable geometry"));
    snprintf(args, sizeof args, "--redline '%s' --accept-defects redline", at("red_broken.gpkg"));
    CHECK_INT(ibmap("broken_check", "check", args), 0);
    CHECK(said("broken_check", "verdict       defects accepted: 1 of its 3 features"));
    /* and through the API */
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "%s/project.yaml", sample);
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, yaml, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "redline", at("red_broken.gpkg")), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "accept_defects", "redline"), IBMAP_OK);
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    if (!d) return;
    ibmap_layer_verdict v;
    ibmap_layer_get_verdict(ibmap_data_layer(d, IBMAP_ROLE_REDLINE), &v);
    CHECK_INT(v.verdict, IBMAP_VERDICT_ACCEPTED);
    CHECK_INT(v.n_features, 3);
    CHECK_INT(v.n_usable, 2);
    CHECK_INT(v.n_without_geometry, 1);
    CHECK_CONTAINS(ibmap_data_accepted_defects(d), "redline: 1 of its 3 features");
    ibmap_data_free(d);
}

TEST(landuse_of_osm_tags_stops_naming_the_top_codes)
{
    /* an OpenStreetMap extract renamed to look like a survey: every code
    ** a tag */
    static const char *tags[] = {"residential", "residential", "residential",
                                 "farmland", "farmland", "forest", "industrial",
                                 "grass", "residential", "farmland", "retail",
                                 "meadow"};
    char rows_buf[12][300];
    const char *rows[13];
    for (int k = 0; k < 12; k++) {
        char sq[256];
        fx_square(sq, sizeof sq, 610000 + 2000 * k, 3330000, 1500);
        snprintf(rows_buf[k], sizeof rows_buf[k], "%s|%s|%s", sq, tags[k], tags[k]);
        rows[k] = rows_buf[k];
    }
    rows[12] = NULL;
    CHECK(fx_layer(at("osm_landuse.gpkg"), "GPKG", "DLTB", 4549, NULL, "DLBM:s,DLMC:s", rows));
    char args[4300];
    snprintf(args, sizeof args, "--landuse '%s'", at("osm_landuse.gpkg"));
    CHECK_INT(ibmap("osm", "check", args), 1);
    CHECK(said("osm", "landuse: "));
    CHECK(said("osm", "osm_landuse.gpkg, layer DLTB"));
    CHECK(said("osm", "12 of 12 features (100.0 %"));
    CHECK(said("osm", "'residential' ×4, 'farmland' ×3"));
    CHECK(said("osm", "code systems tried: sandiao"));
    CHECK(said("osm", "ydyh (0 known)"));
    CHECK(said("osm", "gb50137 (0 known)"));
}

TEST(datav_towns_warn_naming_coords_gcj02)
{
    /* DataV.GeoAtlas-style boundaries: adcode, name, center, parent,
    ** acroutes; lon/lat (GCJ-02, which nothing in the file says) */
    char rows_buf[2][600];
    const char *rows[3];
    for (int k = 0; k < 2; k++) {
        double x = 121.20 + 0.05 * k, y = 30.15;
        snprintf(rows_buf[k], sizeof rows_buf[k],
                 "POLYGON((%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f))|3302821%02d|镇%d|"
                 "[%.3f,%.3f]|{\"adcode\":330282}|[100000,330000,330200,330282]",
                 x, y, x + 0.04, y, x + 0.04, y + 0.04, x, y + 0.04, x, y, k, k,
                 x + 0.02, y + 0.02);
        rows[k] = rows_buf[k];
    }
    rows[2] = NULL;
    CHECK(fx_layer(at("datav_towns.geojson"), "GeoJSON", "datav_towns", 4326, NULL,
                   "adcode:s,name:s,center:s,parent:s,acroutes:s", rows));
    char args[4300];
    snprintf(args, sizeof args, "--towns '%s'", at("datav_towns.geojson"));
    CHECK_INT(ibmap("datav", "check", args), 0);
    CHECK(said("datav", "verdict       warning: its fields (adcode, parent, acroutes, center)"));
    CHECK(said("datav", "set coords: gcj02 for towns in the project file"));
    CHECK(said("datav", "web_map_export 1"));
}

TEST(cli_towns_does_not_inherit_the_project_files_gcj02)
{
    /* a project whose towns are a GCJ-02 export; the user gives another
    ** towns file, in CGCS2000, on the command line */
    char yaml[4200], text[40000];
    snprintf(yaml, sizeof yaml, "%s/gcj_project.yaml", dir);
    snprintf(text, sizeof text,
             "crs: EPSG:4549\n"
             "layers:\n"
             "  blocks: %s/blocks.shp\n"
             "  parcels: %s/city.gpkg:parcels\n"
             "  landuse: {source: %s/city.gpkg, layer: DLTB, codes: sandiao}\n"
             "  redline: %s/redline.geojson\n"
             "  control_units: %s/control_units.shp\n"
             "  parks: %s/city.gpkg:parks\n"
             "  towns: {source: %s/datav_towns.geojson, coords: gcj02}\n",
             sample, sample, sample, sample, sample, sample, dir);
    FILE *f = fopen(yaml, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "'%s' check '%s' --towns '%s/city.gpkg:towns' --log '%s/cli_dq.csv' "
             "> '%s/cli.txt' 2>&1",
             getenv("IBMAP_EXE"), yaml, sample, dir, dir);
    CHECK_INT(run(cmd), 0);
    /* the towns section shows no coordinates line (gcj02 would be shown) */
    snprintf(cmd, sizeof cmd,
             "sed -n '/^towns/,/^$/p' '%s/cli.txt' | grep -q 'coordinates   gcj02'", dir);
    CHECK(run(cmd) != 0);
    CHECK(said("cli", "towns           "));
    /* through the API: the role starts from its defaults */
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, yaml, &p), IBMAP_OK);
    char towns[4200];
    snprintf(towns, sizeof towns, "%s/city.gpkg:towns", sample);
    CHECK_INT(ibmap_project_set(ctx, p, "towns", towns), IBMAP_OK);
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    if (!d) return;
    ibmap_layer_info li;
    ibmap_layer_get_info(ibmap_data_layer(d, IBMAP_ROLE_TOWNS), &li);
    CHECK_STR(li.coords, "auto");
    CHECK_INT(li.n_with_geometry, 19);
    ibmap_data_free(d);
}

TEST(sample_city_passes_every_gate)
{
    CHECK_INT(ibmap("sample", "check", ""), 0);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "grep -c '^  verdict       ok$' '%s/sample.txt' | grep -qx 10", dir);
    CHECK_INT(run(cmd), 0);
}

int main(void)
{
    dir = test_scratch_dir("test_gates");
    snprintf(sample, sizeof sample, "%s/layers/sample", test_source_root());
    ctx = ibmap_ctx_new();
    RUN(geojson_redline_in_metres_without_crs_is_identified_and_measured);
    RUN(points_as_parks_or_redline_stop_naming_file_and_type);
    RUN(redline_with_a_broken_feature_stops_unless_accepted);
    RUN(landuse_of_osm_tags_stops_naming_the_top_codes);
    RUN(datav_towns_warn_naming_coords_gcj02);
    RUN(cli_towns_does_not_inherit_the_project_files_gcj02);
    RUN(sample_city_passes_every_gate);
    ibmap_ctx_free(ctx);
    return test_finish();
}
