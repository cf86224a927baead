/*
** test_project.c — the project file and the command-line settings.
*/
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static const char *dir;

static const char *write_file(const char *name, const char *text)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static void touch(const char *name)
{
    write_file(name, "");
}

TEST(full_file_is_read_with_paths_relative_to_it)
{
    touch("city.gpkg");
    const char *path = write_file(
        "p1.yaml",
        "crs: EPSG:4549\n"
        "area: ellipsoidal\n"
        "layers:\n"
        "  blocks: blocks.shp\n"
        "  parcels: city.gpkg:parcels\n"
        "  landuse:\n"
        "    source: city.gpkg\n"
        "    layer: DLTB\n"
        "    codes: ydyh\n"
        "    where: \"DLBM LIKE '10%'\"\n"
        "  redline:\n"
        "    source: /abs/red.geojson\n"
        "    coords: gcj02\n"
        "    encoding: gbk\n"
        "    crs: EPSG:4490\n"
        "  control_units: PG:dbname=gis host=127.0.0.1\n"
        "  parks:\n"
        "    source: parks.zip\n"
        "    fields:\n"
        "      name: YQMC2\n");
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    char expect[4300];
    CHECK_STR(p->crs, "EPSG:4549");
    CHECK_INT(p->area, IBMAP_AREA_ELLIPSOIDAL);
    snprintf(expect, sizeof expect, "%s/blocks.shp", dir);
    CHECK_STR(p->roles[IBMAP_ROLE_BLOCKS].source, expect);
    CHECK(p->roles[IBMAP_ROLE_BLOCKS].layer == NULL);
    /* city.gpkg exists, so ":parcels" is the layer */
    snprintf(expect, sizeof expect, "%s/city.gpkg", dir);
    CHECK_STR(p->roles[IBMAP_ROLE_PARCELS].source, expect);
    CHECK_STR(p->roles[IBMAP_ROLE_PARCELS].layer, "parcels");
    CHECK_STR(p->roles[IBMAP_ROLE_LANDUSE].layer, "DLTB");
    CHECK_INT(p->roles[IBMAP_ROLE_LANDUSE].codes, IBMAP_CODES_YDYH);
    CHECK_STR(p->roles[IBMAP_ROLE_LANDUSE].where, "DLBM LIKE '10%'");
    CHECK_STR(p->roles[IBMAP_ROLE_REDLINE].source, "/abs/red.geojson");
    CHECK_INT(p->roles[IBMAP_ROLE_REDLINE].coords, IBMAP_COORDS_GCJ02);
    CHECK_STR(p->roles[IBMAP_ROLE_REDLINE].encoding, "GB18030");
    CHECK_STR(p->roles[IBMAP_ROLE_REDLINE].crs, "EPSG:4490");
    /* A PostgreSQL connection string with no layer suffix is kept whole. */
    CHECK_STR(p->roles[IBMAP_ROLE_CONTROL_UNITS].source,
              "PG:dbname=gis host=127.0.0.1");
    CHECK(p->roles[IBMAP_ROLE_CONTROL_UNITS].layer == NULL);
    snprintf(expect, sizeof expect, "/vsizip/%s/parks.zip", dir);
    CHECK_STR(p->roles[IBMAP_ROLE_PARKS].source, expect);
    int f = ibmap_role_field_index(IBMAP_ROLE_PARKS, "name");
    CHECK_STR(p->roles[IBMAP_ROLE_PARKS].field_map[f], "YQMC2");
    CHECK(!p->roles[IBMAP_ROLE_TOWNS].given);
    ibmap_project_free(p);
}

TEST(pg_connection_string_with_layer_suffix)
{
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_new(ctx, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "blocks", "PG:dbname=gis host=127.0.0.1:public.blocks"), IBMAP_OK);
    CHECK_STR(p->roles[IBMAP_ROLE_BLOCKS].source, "PG:dbname=gis host=127.0.0.1");
    CHECK_STR(p->roles[IBMAP_ROLE_BLOCKS].layer, "public.blocks");
    /* a suffix that looks like a connection option is not a layer */
    CHECK_INT(ibmap_project_set(ctx, p, "blocks", "PG:dbname=gis:x user=me"), IBMAP_OK);
    CHECK_STR(p->roles[IBMAP_ROLE_BLOCKS].source, "PG:dbname=gis:x user=me");
    CHECK(p->roles[IBMAP_ROLE_BLOCKS].layer == NULL);
    ibmap_project_free(p);
}

TEST(command_line_overrides_the_file)
{
    const char *path = write_file("p2.yaml",
                                  "crs: EPSG:4549\n"
                                  "layers:\n"
                                  "  parcels: a.gpkg\n");
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "crs", "EPSG:4528"), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "parcels.field.tax", "SSHJ"), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "control-units", "cu.shp"), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "area", "planar"), IBMAP_OK);
    CHECK_STR(p->crs, "EPSG:4528");
    /* command-line paths are relative to the current directory */
    CHECK_STR(p->roles[IBMAP_ROLE_CONTROL_UNITS].source, "cu.shp");
    int f = ibmap_role_field_index(IBMAP_ROLE_PARCELS, "tax");
    CHECK_STR(p->roles[IBMAP_ROLE_PARCELS].field_map[f], "SSHJ");
    CHECK_INT(ibmap_project_set(ctx, p, "crs", "auto"), IBMAP_OK);
    CHECK(p->crs == NULL);
    ibmap_project_free(p);
}

TEST(unknown_key_is_an_error_with_file_and_line)
{
    const char *path = write_file("p3.yaml",
                                  "crs: EPSG:4549\n"
                                  "layers:\n"
                                  "  blocks:\n"
                                  "    source: b.shp\n"
                                  "    encodnig: GBK\n");
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_KEY);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "p3.yaml:5");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "encodnig");
    CHECK(p == NULL);
}

TEST(unknown_role_is_an_error)
{
    const char *path = write_file("p4.yaml", "layers:\n  factories: f.shp\n");
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_KEY);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "p4.yaml:2");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "factories");
}

TEST(bad_values_are_errors)
{
    ibmap_project *p = NULL;
    const char *path = write_file("p5.yaml", "area: spherical\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "spherical");
    path = write_file("p6.yaml", "layers:\n  redline:\n    source: r.shp\n    coords: mars\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "p6.yaml:4");
    path = write_file("p7.yaml", "layers:\n  landuse:\n    source: l.shp\n    codes: cn2099\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    path = write_file("p8.yaml", "layers:\n  blocks:\n    source: b.shp\n    encoding: klingon\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    path = write_file("p9.yaml", "layers:\n  parcels:\n    source: p.shp\n    fields:\n      taxes: SSHJ\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_KEY);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "taxes");
    CHECK_CONTAINS(ibmap_errmsg(ctx), "value_added"); /* the known fields are listed */
    path = write_file("p10.yaml", "layers:\n  redline:\n    layer: x\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "no source");
    CHECK(p == NULL);
}

TEST(yaml_syntax_error_gives_line_and_column)
{
    ibmap_project *p = NULL;
    const char *path = write_file("bad.yaml", "layers:\n  blocks: [a, b\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_SYNTAX);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "bad.yaml:");
    path = write_file("list.yaml", "- a\n- b\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_SYNTAX);
    path = write_file("empty.yaml", "");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_SYNTAX);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "empty");
}

TEST(missing_project_file_is_named)
{
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, "/nonexistent/x.yaml", &p), IBMAP_ERR_OPEN);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "/nonexistent/x.yaml");
}

TEST(template_is_written_once_and_reads_back)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/template.yaml", dir);
    unlink(path);
    CHECK_INT(ibmap_project_write_template(ctx, path), IBMAP_OK);
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        CHECK(p->roles[r].given == ibmap_role_required((ibmap_role)r));
    CHECK(p->crs == NULL); /* auto */
    CHECK_INT(p->roles[IBMAP_ROLE_LANDUSE].codes, IBMAP_CODES_SANDIAO);
    ibmap_project_free(p);
    /* an existing file is not overwritten */
    CHECK_INT(ibmap_project_write_template(ctx, path), IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "already exists");
}

TEST(role_names_and_bad_settings_from_the_command_line)
{
    ibmap_project *p = NULL;
    CHECK_INT(ibmap_project_new(ctx, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_set(ctx, p, "basic-farmland", "f.shp"), IBMAP_OK);
    CHECK(p->roles[IBMAP_ROLE_BASIC_FARMLAND].given);
    CHECK_INT(ibmap_project_set(ctx, p, "factories", "x"), IBMAP_ERR_PROJECT_KEY);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "factories");
    CHECK_INT(ibmap_project_set(ctx, p, "blocks.codes", "sandiao"), IBMAP_ERR_PROJECT_KEY);
    CHECK_INT(ibmap_project_set(ctx, p, "blocks.colour", "red"), IBMAP_ERR_PROJECT_KEY);
    CHECK_INT(ibmap_project_set(ctx, p, "area", "flat"), IBMAP_ERR_PROJECT_VALUE);
    ibmap_project_free(p);
}

/* central_towns: a list in the file, a separated text from the command
** line; unset (-1) lets the rules file's stand, [] makes no town central,
** and ibmap run replaces the rules' list with the project's. */
TEST(central_towns_from_the_project)
{
    ibmap_project *p = NULL;
    const char *path = write_file("ct0.yaml", "layers:\n  blocks: b.shp\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_central_town_count(p), -1);
    ibmap_project_free(p);
    p = NULL;
    path = write_file("ct1.yaml", "central_towns: [白沙路街道, \" 古塘街道 \"]\n"
                                  "layers:\n  blocks: b.shp\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_central_town_count(p), 2);
    CHECK_STR(ibmap_project_central_town(p, 0), "白沙路街道");
    CHECK_STR(ibmap_project_central_town(p, 1), "古塘街道");
    CHECK(ibmap_project_central_town(p, 2) == NULL);
    /* the command line's form replaces the list */
    CHECK_INT(ibmap_project_set(ctx, p, "central_towns", "浒山街道、宗汉街道，坎墩街道,"),
              IBMAP_OK);
    CHECK_INT(ibmap_project_central_town_count(p), 3);
    CHECK_STR(ibmap_project_central_town(p, 2), "坎墩街道");
    ibmap_rules *r = NULL;
    char rules_path[4200];
    snprintf(rules_path, sizeof rules_path, "%s/layers/rules/cixi-2021.yaml",
             test_source_root());
    CHECK_INT(ibmap_rules_read(ctx, rules_path, &r), IBMAP_OK);
    CHECK_INT(ibmap_rules_central_town_count(r), 3);
    CHECK_STR(ibmap_rules_central_town(r, 0), "白沙路街道");
    const char *towns[3] = {ibmap_project_central_town(p, 0), ibmap_project_central_town(p, 1),
                            ibmap_project_central_town(p, 2)};
    CHECK_INT(ibmap_rules_set_central_towns(ctx, r, towns, 3), IBMAP_OK);
    CHECK_STR(ibmap_rules_central_town(r, 1), "宗汉街道");
    CHECK_INT(ibmap_rules_set_central_towns(ctx, r, NULL, 0), IBMAP_OK);
    CHECK_INT(ibmap_rules_central_town_count(r), 0);
    ibmap_rules_free(r);
    ibmap_project_free(p);
    p = NULL;
    path = write_file("ct2.yaml", "central_towns: []\nlayers:\n  blocks: b.shp\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_OK);
    CHECK_INT(ibmap_project_central_town_count(p), 0);
    ibmap_project_free(p);
    p = NULL;
    path = write_file("ct3.yaml", "central_towns: [[a]]\nlayers:\n  blocks: b.shp\n");
    CHECK_INT(ibmap_project_read(ctx, path, &p), IBMAP_ERR_PROJECT_VALUE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "central_towns lists town names");
}

int main(void)
{
    dir = test_scratch_dir("test_project");
    ctx = ibmap_ctx_new();
    RUN(full_file_is_read_with_paths_relative_to_it);
    RUN(pg_connection_string_with_layer_suffix);
    RUN(command_line_overrides_the_file);
    RUN(unknown_key_is_an_error_with_file_and_line);
    RUN(unknown_role_is_an_error);
    RUN(bad_values_are_errors);
    RUN(yaml_syntax_error_gives_line_and_column);
    RUN(missing_project_file_is_named);
    RUN(template_is_written_once_and_reads_back);
    RUN(role_names_and_bad_settings_from_the_command_line);
    RUN(central_towns_from_the_project);
    ibmap_ctx_free(ctx);
    return test_finish();
}
