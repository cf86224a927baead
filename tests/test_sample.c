/*
** test_sample.c — the `ibmap` program end to end on the bundled sample city
** and on the messy variant that scripts/make-sample generates: `ibmap
** check` must report exactly the defects the generator injected (its
** manifest.csv counts them per layer and problem), no more, no fewer.
*/
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ibmap.h"

static const char *dir;

/* Counts per (layer, problem). */
typedef struct tally {
    char key[64][96];
    long n[64];
    int k;
} tally;

static void tally_add(tally *t, const char *layer, const char *problem, long n)
{
    char key[96];
    snprintf(key, sizeof key, "%s/%s", layer, problem);
    for (int i = 0; i < t->k; i++)
        if (strcmp(t->key[i], key) == 0) {
            t->n[i] += n;
            return;
        }
    if (t->k == 64) return;
    snprintf(t->key[t->k], sizeof t->key[0], "%s", key);
    t->n[t->k++] = n;
}

static long tally_get(const tally *t, const char *key)
{
    for (int i = 0; i < t->k; i++)
        if (strcmp(t->key[i], key) == 0) return t->n[i];
    return 0;
}

/* Split one CSV line (RFC 4180 quoting) into at most max fields, in place. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line, *out = line;
    while (n < max) {
        fields[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') *out++ = '"', p += 2;
                else if (*p == '"') { p++; break; }
                else if (!*p) break;
                else *out++ = *p++;
            }
        } else {
            while (*p && *p != ',' && *p != '\r' && *p != '\n') *out++ = *p++;
        }
        if (*p != ',') {
            *out = '\0';
            break;
        }
        *out++ = '\0';
        p++;
    }
    return n;
}

static int read_manifest(const char *path, tally *t)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        char *fl[3];
        if (first) { first = 0; continue; }
        if (csv_split(line, fl, 3) == 3) tally_add(t, fl[0], fl[1], atol(fl[2]));
    }
    fclose(f);
    return 1;
}

static int read_log(const char *path, tally *t, long *rows)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    static char line[65536];
    int first = 1;
    *rows = 0;
    while (fgets(line, sizeof line, f)) {
        char *fl[9];
        if (first) { first = 0; continue; }
        if (csv_split(line, fl, 9) == 9) {
            tally_add(t, fl[0], fl[4], 1);
            (*rows)++;
        }
    }
    fclose(f);
    return 1;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Run `ibmap check` on a project and compare its log with the manifest. */
static int check_against_manifest(const char *project, const char *manifest,
                                  const char *tag, long *rows_out)
{
    char cmd[65536], log[4200];
    snprintf(log, sizeof log, "%s/%s_dq.csv", dir, tag);
    snprintf(cmd, sizeof cmd, "'%s' check '%s' --log '%s' > '%s/%s_out.txt' 2>&1",
             getenv("IBMAP_EXE"), project, log, dir, tag);
    int rc = run(cmd);
    if (rc != 0) {
        printf("# ibmap check exited %d; see %s/%s_out.txt\n", rc, dir, tag);
        return 0;
    }
    tally want = {0}, got = {0};
    long rows = 0;
    if (!read_manifest(manifest, &want) || !read_log(log, &got, &rows)) {
        printf("# cannot read %s or %s\n", manifest, log);
        return 0;
    }
    int ok = 1;
    for (int i = 0; i < want.k; i++)
        if (tally_get(&got, want.key[i]) != want.n[i]) {
            printf("# %s: injected %ld, reported %ld\n", want.key[i], want.n[i],
                   tally_get(&got, want.key[i]));
            ok = 0;
        }
    for (int i = 0; i < got.k; i++)
        if (tally_get(&want, got.key[i]) == 0) {
            printf("# %s: reported %ld, never injected\n", got.key[i], got.n[i]);
            ok = 0;
        }
    *rows_out = rows;
    return ok;
}

TEST(bundled_sample_has_exactly_the_manifest_defects)
{
    char project[4200], manifest[4200];
    snprintf(project, sizeof project, "%s/layers/sample/project.yaml", test_source_root());
    snprintf(manifest, sizeof manifest, "%s/layers/sample/manifest.csv", test_source_root());
    long rows;
    CHECK(check_against_manifest(project, manifest, "sample", &rows));
}

TEST(bundled_sample_loads_every_layer_with_real_values)
{
    char project[4200];
    snprintf(project, sizeof project, "%s/layers/sample/project.yaml", test_source_root());
    ibmap_ctx *ctx = ibmap_ctx_new();
    ibmap_project *p = NULL;
    ibmap_data *d = NULL;
    CHECK_INT(ibmap_project_read(ctx, project, &p), IBMAP_OK);
    CHECK_INT(ibmap_load(ctx, p, &d), IBMAP_OK);
    ibmap_project_free(p);
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        CHECK(ibmap_data_layer(d, (ibmap_role)r) != NULL);
    const ibmap_layer *b = ibmap_data_layer(d, IBMAP_ROLE_BLOCKS);
    CHECK_INT(ibmap_layer_count(b), 300);
    ibmap_layer_info li;
    ibmap_layer_get_info(b, &li);
    CHECK_INT(li.n_with_geometry, 300);
    CHECK_STR(li.encoding, "GB18030"); /* a GBK shapefile */
    /* every block has a town among the 19 real ones, read from GBK */
    const char *towns = "浒山街道古塘街道白沙路街道宗汉街道坎墩街道观海卫镇掌起镇附海镇逍林镇"
                        "周巷镇长河镇新浦镇桥头镇匡堰镇横河镇龙山镇崇寿镇庵东镇胜山镇";
    for (int64_t i = 0; i < ibmap_layer_count(b); i++) {
        const char *t = ibmap_layer_text(b, i, "town");
        CHECK(t && strstr(towns, t));
    }
    const ibmap_layer *pa = ibmap_data_layer(d, IBMAP_ROLE_PARCELS);
    CHECK(ibmap_layer_count(pa) > 4000 && ibmap_layer_count(pa) < 6000);
    /* tax per 亩 between 0.1 and 500 万元/亩 for every parcel whose tax
    ** was collected; the others (a few blocks' worth, and one parcel in a
    ** hundred elsewhere: docs/sample-city.md) are the manifest's
    ** number_missing, and several parcels share one enterprise */
    int64_t untaxed = 0, shared = 0;
    for (int64_t i = 0; i < ibmap_layer_count(pa); i++) {
        double tax = ibmap_layer_number(pa, i, "tax");
        double mu = ibmap_layer_number(pa, i, "land_mu");
        CHECK(mu > 0);
        if (isnan(tax)) untaxed++;
        else CHECK(tax >= 0 && tax / mu < 500);
        const char *code = ibmap_layer_text(pa, i, "credit_code");
        CHECK(code != NULL);
        shared += i > 0 && strcmp(code, ibmap_layer_text(pa, i - 1, "credit_code")) == 0;
    }
    tally manifest = {0};
    char manifest_path[4200];
    snprintf(manifest_path, sizeof manifest_path, "%s/layers/sample/manifest.csv",
             test_source_root());
    CHECK(read_manifest(manifest_path, &manifest));
    CHECK_INT(untaxed, tally_get(&manifest, "parcels/number_missing"));
    CHECK(untaxed > 0 && shared > 0);
    const ibmap_layer *red = ibmap_data_layer(d, IBMAP_ROLE_REDLINE);
    ibmap_layer_get_info(red, &li);
    CHECK_STR(li.driver, "GeoJSON"); /* the lon/lat layer, reprojected */
    const ibmap_layer *cu = ibmap_data_layer(d, IBMAP_ROLE_CONTROL_UNITS);
    int kinds[3] = {0};
    for (int64_t i = 0; i < ibmap_layer_count(cu); i++) {
        const char *t = ibmap_layer_text(cu, i, "type");
        CHECK(t != NULL);
        kinds[0] += strcmp(t, "priority") == 0;
        kinds[1] += strncmp(t, "key", 3) == 0;
        kinds[2] += strcmp(t, "general") == 0;
    }
    CHECK(kinds[0] > 0 && kinds[1] > 0 && kinds[2] > 0);
    CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_TOWNS)), 19);
    CHECK_INT(ibmap_layer_count(ibmap_data_layer(d, IBMAP_ROLE_PARKS)), 4);
    ibmap_data_free(d);
    ibmap_ctx_free(ctx);
}

TEST(messy_sample_reports_exactly_what_was_injected)
{
    char cmd[65536], out[4200], project[4300], manifest[4300];
    snprintf(out, sizeof out, "%s/messy", dir);
    snprintf(cmd, sizeof cmd, "'%s' --out '%s' --messy --seed 7 --quiet > /dev/null",
             getenv("IBMAP_MAKE_SAMPLE"), out);
    CHECK_INT(run(cmd), 0);
    snprintf(project, sizeof project, "%s/project.yaml", out);
    snprintf(manifest, sizeof manifest, "%s/manifest.csv", out);
    tally want = {0};
    CHECK(read_manifest(manifest, &want));
    CHECK(want.k >= 10); /* the generator really injected many kinds */
    long rows;
    CHECK(check_against_manifest(project, manifest, "messy", &rows));
    CHECK(rows > 100);
}

TEST(check_is_deterministic)
{
    char cmd[65536];
    char project[4200];
    snprintf(project, sizeof project, "%s/messy/project.yaml", dir);
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "'%s' check '%s' --log '%s/det%d.csv' --json > '%s/det%d.json'",
                 getenv("IBMAP_EXE"), project, dir, i, dir, i);
        CHECK_INT(run(cmd), 0);
    }
    snprintf(cmd, sizeof cmd, "cmp -s '%s/det0.csv' '%s/det1.csv'", dir, dir);
    CHECK_INT(run(cmd), 0);
}

TEST(command_line_errors_and_exit_codes)
{
    char cmd[65536];
    snprintf(cmd, sizeof cmd, "'%s' check --bogus x > /dev/null 2>&1", getenv("IBMAP_EXE"));
    CHECK_INT(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' frobnicate > /dev/null 2>&1", getenv("IBMAP_EXE"));
    CHECK_INT(run(cmd), 2);
    /* a missing required layer is a fatal problem: exit 1, message names it */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' check --blocks nowhere.shp > err.txt 2>&1",
             dir, getenv("IBMAP_EXE"));
    CHECK_INT(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "grep -q parcels '%s/err.txt'", dir);
    CHECK_INT(run(cmd), 0);
    /* everything from flags alone, ogr2ogr-style, no project file */
    char s[4200];
    snprintf(s, sizeof s, "%s/layers/sample", test_source_root());
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' check --blocks '%s/blocks.shp' --parcels '%s/city.gpkg:parcels' "
             "--landuse '%s/city.gpkg:DLTB' --redline '%s/redline.geojson' "
             "--control-units '%s/control_units.shp' --parks '%s/city.gpkg:parks' "
             "--crs EPSG:4549 --field parcels.tax=SSHJ --log flags.csv > flags.txt 2>&1",
             dir, getenv("IBMAP_EXE"), s, s, s, s, s, s);
    CHECK_INT(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "grep -q 'tax=SSHJ' '%s/flags.txt'", dir);
    CHECK_INT(run(cmd), 0);
    /* init writes a template that check then reads (and fails on the
    ** missing data files, naming one) */
    snprintf(cmd, sizeof cmd, "cd '%s' && rm -f t.yaml && '%s' init t.yaml > /dev/null && "
             "test -s t.yaml && '%s' init t.yaml > /dev/null 2>&1",
             dir, getenv("IBMAP_EXE"), getenv("IBMAP_EXE"));
    CHECK_INT(run(cmd), 1);
}

/* run: everything into OUTDIR; a second run reuses the workspace and only
** reclassifies, and a rules param from the command line changes classes. */
TEST(run_writes_every_result_and_reuses_the_workspace)
{
    char cmd[65536], out[4200];
    snprintf(out, sizeof out, "%s/run", dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' run '%s/layers/sample/project.yaml' -o '%s' > '%s.txt' 2>&1",
             out, getenv("IBMAP_EXE"), test_source_root(), out, out);
    CHECK_INT(run(cmd), 0);
    static const char *files[] = {
        "block_metrics.csv", "landuse_by_block.csv", "block_class.csv",
        "data_quality.csv", "workspace.sqlite", "industrial_map.gpkg",
        "industrial_map.qgs", "industrial_map.sqlite", "industrial_map.png",
        "industrial_map.pdf", "report.html", "summary_class_town.csv",
        "summary_class_park.csv", "summary_class_cu.csv", "summary_class_mode.csv",
        "summary_class_totals.csv", "shp/blocks.shp", "shp/blocks.qml", "shp/FIELDS.csv",
        "geojson/blocks.geojson", "enterprise_class.csv", "block_enterprises.csv",
        "summary_enterprise_category.csv", "summary_enterprise_chain.csv",
        "ranking_enterprises.csv", "ranking_industries.csv", "ranking_towns.csv",
        "shp/enterprises.shp", "geojson/enterprises.geojson"};
    for (int i = 0; i < (int)(sizeof files / sizeof *files); i++) {
        snprintf(cmd, sizeof cmd, "test -s '%s/%s'", out, files[i]);
        CHECK_INT(run(cmd), 0);
    }
    /* the enterprises under the 5 万元/亩 line of 一、(三), their 亩 and
    ** categories, in the summary and the report (docs/rules.md) */
    snprintf(cmd, sizeof cmd, "grep -q '低效 (亩均税收 under 5 万元/亩): 855 on 10647.4 亩' '%s.txt' && "
             "grep -q '低效 by category: 整治淘汰类 202 (2653.1 亩), 改造提升类 415 (5863.1 亩), "
             "园区集聚类 183 (1359.3 亩), 搬迁拆除类 55 (771.9 亩), 不列入 0 (0.0 亩)' '%s.txt' && "
             "grep -q '低效企业 <strong>855</strong> 家，用地 <strong>10647.4</strong> 亩' "
             "'%s/report.html'", out, out, out);
    CHECK_INT(run(cmd), 0);
    /* 300 blocks, each with one of the classes */
    snprintf(cmd, sizeof cmd, "test \"$(grep -cE '^QK[0-9]+,(support|consolidate|exit|unclassifiable),' '%s/block_class.csv')\" = 300", out);
    CHECK_INT(run(cmd), 0);
    /* the outputs are there: a second run without --overwrite refuses,
    ** naming one, and leaves them as they were */
    snprintf(cmd, sizeof cmd, "'%s' run '%s/layers/sample/project.yaml' -o '%s' > '%s1.txt' 2>&1",
             getenv("IBMAP_EXE"), test_source_root(), out, out);
    CHECK_INT(run(cmd), 1);
    snprintf(cmd, sizeof cmd, "grep -q 'block_metrics.csv.*exists: use --overwrite' '%s1.txt'", out);
    CHECK_INT(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' run '%s/layers/sample/project.yaml' -o '%s' --overwrite --set tax_support=25 --scenario s25 > '%s2.txt' 2>&1 && grep -q 'metrics reused' '%s2.txt'",
             getenv("IBMAP_EXE"), test_source_root(), out, out, out);
    CHECK_INT(run(cmd), 0);
    /* a higher support line cannot add supported blocks */
    snprintf(cmd, sizeof cmd, "test $(grep -c ',support,' '%s/block_class.csv') -le $(grep -o 'support [0-9]*' '%s.txt' | awk '{print $2}')",
             out, out);
    CHECK_INT(run(cmd), 0);
    /* a higher 低效 line changes the enterprises and the blocks */
    snprintf(cmd, sizeof cmd, "'%s' run '%s/layers/sample/project.yaml' -o '%s' --overwrite --set tax_floor=6 --scenario t6 --formats summaries > '%s4.txt' 2>&1 && "
             "grep -q '低效 (亩均税收 under 6 万元/亩): 1051 on 13098.3 亩' '%s4.txt' && "
             "grep -q 'support 27 整合改造 consolidate 246 清理退出 exit 20' '%s4.txt'",
             getenv("IBMAP_EXE"), test_source_root(), out, out, out, out);
    CHECK_INT(run(cmd), 0);
    /* --json: the summary on stdout is JSON (people's lines go to stderr) */
    snprintf(cmd, sizeof cmd, "'%s' run '%s/layers/sample/project.yaml' -o '%s' --overwrite --formats gpkg --json > '%s3.json' 2> /dev/null && head -c 1 '%s3.json' | grep -q '{' && grep -q '\"blocks\": 300' '%s3.json' && grep -q '\"metrics_reused\": true' '%s3.json' && test $(wc -l < '%s3.json') -eq 1",
             getenv("IBMAP_EXE"), test_source_root(), out, out, out, out, out, out);
    CHECK_INT(run(cmd), 0);
    /* an unknown rules param is refused before any work */
    snprintf(cmd, sizeof cmd, "'%s' run '%s/layers/sample/project.yaml' -o '%s' --set no_such_param=1 > /dev/null 2>&1",
             getenv("IBMAP_EXE"), test_source_root(), out);
    CHECK_INT(run(cmd), 2);
}

int main(void)
{
    dir = test_scratch_dir("test_sample");
    RUN(bundled_sample_has_exactly_the_manifest_defects);
    RUN(bundled_sample_loads_every_layer_with_real_values);
    RUN(messy_sample_reports_exactly_what_was_injected);
    RUN(check_is_deterministic);
    RUN(command_line_errors_and_exit_codes);
    RUN(run_writes_every_result_and_reuses_the_workspace);
    return test_finish();
}
