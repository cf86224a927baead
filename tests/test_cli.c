/*
** test_cli.c — a first run's friction (issue 11, item 8), through the real
** `ibmap` program: a missing file says "no such file" naming it; a wrong
** command line is one line pointing at --help, and every command has
** --help; check names every missing required role at once; classify
** without --rules takes the rules (and params) the workspace's scenario
** was made with; run takes a param whose value has a decimal point
** (--set tax_floor=6.5 is not ROLE.KEY); every CSV has a UTF-8 BOM, and
** --lang zh writes Chinese headers and class, mode and control-unit
** values; --stats counts the covers tests in overlay and in run.
*/
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ibmap.h"

static const char *dir;
static char sample[4096];

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* `ibmap ARGS` run in dir, stdout to dir/TAG.out and stderr to
** dir/TAG.err; the exit status. */
static int ibmap(const char *tag, const char *args)
{
    char line[16384];
    snprintf(line, sizeof line, "cd '%s' && '%s' %s > '%s/%s.out' 2> '%s/%s.err'", dir,
             getenv("IBMAP_EXE"), args, dir, tag, dir, tag);
    return run(line);
}

static char *slurp(const char *tag, const char *ext)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s.%s", dir, tag, ext);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* 1 when stream `ext` ("out", "err") of TAG holds `text`. */
static int said(const char *tag, const char *ext, const char *text)
{
    const char *s = slurp(tag, ext);
    int found = s && strstr(s, text);
    if (!found) printf("# %s.%s does not contain \"%s\": %.2000s\n", tag, ext, text, s ? s : "");
    return found;
}

static int lines_of(const char *tag, const char *ext)
{
    const char *s = slurp(tag, ext);
    int n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}

TEST(a_missing_file_says_no_such_file_naming_it)
{
    char args[8400];
    snprintf(args, sizeof args, "check '%s/project.yaml' --blocks nothere/blocks.shp", sample);
    CHECK_INT(ibmap("missing", args), 1);
    CHECK(said("missing", "err", "blocks: nothere/blocks.shp: no such file"));
    CHECK(!strstr(slurp("missing", "err"), "no GDAL vector driver"));
    snprintf(args, sizeof args, "check '%s/project.yaml' --towns /vsizip/gone.zip/towns.shp", sample);
    CHECK_INT(ibmap("missing_zip", args), 1);
    CHECK(said("missing_zip", "err", "towns: gone.zip: no such file"));
}

TEST(an_argument_error_is_one_line_pointing_at_help)
{
    static const char *const cases[][3] = {
        {"bogus", "run --bogus", "ibmap run: unknown option --bogus (see 'ibmap run --help')"},
        {"novalue", "check --log", "ibmap check: --log needs a value (see 'ibmap check --help')"},
        {"noout", "run --formats gpkg", "ibmap run: run needs -o OUTDIR (see 'ibmap run --help')"},
        {"nocmd", "frobnicate", "ibmap: unknown command frobnicate (see 'ibmap --help')"},
        {"runonly", "check --rules r.yaml",
         "ibmap check: unknown option --rules (see 'ibmap check --help')"},
        {"classify", "classify", "ibmap classify: a WORKSPACE is needed"},
        {"extent", "run --extent 1,2,3 -o x",
         "ibmap run: --extent takes MINX,MINY,MAXX,MAXY (working CRS, min < max), not '1,2,3'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        CHECK_INT(ibmap(cases[k][0], cases[k][1]), 2);
        CHECK(said(cases[k][0], "err", cases[k][2]));
        CHECK_INT(lines_of(cases[k][0], "err"), 1);
    }
}

TEST(every_command_has_help)
{
    static const char *const cmds[] = {"init", "check", "overlay", "run", "classify",
                                       "compare", "sweep", "fields", "version"};
    for (size_t k = 0; k < sizeof cmds / sizeof *cmds; k++) {
        char args[128], tag[64], usage[128];
        snprintf(args, sizeof args, "%s --help", cmds[k]);
        snprintf(tag, sizeof tag, "help_%s", cmds[k]);
        snprintf(usage, sizeof usage, "usage: ibmap %s", cmds[k]);
        CHECK_INT(ibmap(tag, args), 0);
        CHECK(said(tag, "out", usage));
    }
    /* init --help prints, and writes no file called --help */
    char stray[4200];
    snprintf(stray, sizeof stray, "%s/--help", dir);
    CHECK(access(stray, F_OK) != 0);
    CHECK(said("help_run", "out", "layer options"));
    CHECK(!strstr(slurp("help_classify", "out"), "layer options"));
    CHECK_INT(ibmap("help_h", "check -h"), 0);
    CHECK(said("help_h", "out", "usage: ibmap check"));
}

TEST(check_names_every_missing_required_role)
{
    char args[8400];
    snprintf(args, sizeof args, "check --blocks '%s/blocks.shp' --landuse '%s/city.gpkg:DLTB'",
             sample, sample);
    CHECK_INT(ibmap("roles", args), 1);
    CHECK(said("roles", "err",
               "the required input layers 'parcels', 'redline', 'control_units', 'parks' were "
               "not given (layers: in the project file, or --parcels SRC --redline SRC "
               "--control-units SRC --parks SRC)"));
}

TEST(classify_defaults_to_the_rules_the_workspace_was_made_with)
{
    char args[8400];
    snprintf(args, sizeof args,
             "run '%s/project.yaml' -o out --formats summaries --set tax_floor=6.5 "
             "--progress none",
             sample);
    CHECK_INT(ibmap("ws_run", args), 0);
    CHECK_INT(ibmap("ws_classify", "classify out/workspace.sqlite -o out2 --formats gpkg"), 0);
    CHECK(said("ws_classify", "err", "cixi-2021.yaml (those the workspace's scenario was "
                                     "classified with"));
    CHECK(said("ws_classify", "out", "cixi-2021.yaml)"));
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "ogrinfo -q '%s/out2/industrial_map.gpkg' -sql \"SELECT value FROM run WHERE key = "
             "'param.tax_floor'\" > '%s/ws_param.out'",
             dir, dir);
    CHECK_INT(run(cmd), 0);
    CHECK(said("ws_param", "out", "value (String) = 6.5"));
    /* --set still wins over the stored params */
    CHECK_INT(ibmap("ws_set", "classify out/workspace.sqlite --set tax_floor=7 -o out3 "
                              "--formats gpkg"),
              0);
    snprintf(cmd, sizeof cmd,
             "ogrinfo -q '%s/out3/industrial_map.gpkg' -sql \"SELECT value FROM run WHERE key = "
             "'param.tax_floor'\" > '%s/ws_param7.out'",
             dir, dir);
    CHECK_INT(run(cmd), 0);
    CHECK(said("ws_param7", "out", "value (String) = 7"));
}

/* The first bytes of dir/NAME. */
static int starts_with(const char *name, const char *prefix)
{
    char path[4300], buf[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("# %s: missing\n", name);
        return 0;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    int ok = strncmp(buf, prefix, strlen(prefix)) == 0;
    if (!ok) printf("# %s starts \"%.80s\", not \"%s\"\n", name, buf, prefix);
    return ok;
}

#define BOM "\xEF\xBB\xBF"

TEST(every_csv_has_a_bom_and_zh_writes_chinese_headers_and_values)
{
    char args[8400];
    snprintf(args, sizeof args,
             "run '%s/project.yaml' -o csv --formats summaries,shp --progress none", sample);
    CHECK_INT(ibmap("csv_en", args), 0);
    CHECK_INT(ibmap("csv_cmp", "compare csv/workspace.sqlite default default --csv "
                               "csv/compare.csv"),
              0);
    CHECK_INT(ibmap("csv_sweep", "sweep csv/workspace.sqlite --param tax_floor --from 4 "
                                 "--to 6 --step 1 --csv csv/sweep.csv"),
              0);
    /* every CSV in the output directory, whoever wrote it, has the BOM */
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "cd '%s/csv' && n=0 && for f in *.csv shp/*.csv; do "
             "[ \"$(head -c 3 \"$f\" | od -An -tx1 | tr -d ' ')\" = efbbbf ] || "
             "{ echo \"# no BOM: $f\"; n=1; }; done; ls *.csv shp/*.csv | wc -l > "
             "'%s/csv_count.out'; exit $n",
             dir, dir);
    CHECK_INT(run(cmd), 0);
    /* 13 block and run CSVs, the 6 of the enterprises (summaries by
    ** category and chain, each block's list, the three 榜单) and the
    ** targets */
    CHECK(said("csv_count", "out", "20"));
    /* English by default: keys for scripts */
    CHECK(starts_with("csv/block_class.csv", BOM "block_id,class,class_zh,mode,"));
    CHECK(starts_with("csv/block_metrics.csv", BOM "block_id,area_m2,"));
    CHECK(starts_with("csv/landuse_by_block.csv", BOM "block_id,code,area_m2,share"));
    CHECK(starts_with("csv/data_quality.csv", BOM "layer,fid,feature_id,"));
    CHECK(starts_with("csv/summary_class_totals.csv", BOM "class,class_zh,blocks,"));
    CHECK(starts_with("csv/summary_class_totals.csv", BOM "class,class_zh,blocks,area_mu,tax_sum\r\nsupport,扶持发展,"));
    CHECK(starts_with("csv/sweep.csv", BOM "value,support_blocks,support_mu,"));
    /* --lang zh: Chinese headers, and classes, modes, control-unit types */
    snprintf(args, sizeof args,
             "run '%s/project.yaml' -o csv --formats summaries,shp --progress none --overwrite "
             "--lang zh",
             sample);
    CHECK_INT(ibmap("csv_zh", args), 0);
    CHECK(starts_with("csv/block_class.csv", BOM "区块编号,分类,分类名称,改造方式,"));
    CHECK(starts_with("csv/block_metrics.csv", BOM "区块编号,面积,面积(亩),"));
    CHECK(starts_with("csv/landuse_by_block.csv", BOM "区块编号,地类编码,"));
    CHECK(starts_with("csv/summary_class_totals.csv",
                      BOM "分类,分类名称,区块数,面积(亩),税收合计(万元)\r\n扶持发展,扶持发展,"));
    CHECK(starts_with("csv/summary_class_cu.csv", BOM "管控单元类型,分类,分类名称,区块数,面积(亩)\r\n"));
    CHECK(starts_with("csv/shp/FIELDS.csv", BOM "表,列,字段,中文名,单位"));
    snprintf(cmd, sizeof cmd,
             "grep -q '^QK0001,整合改造,整合改造,功能转换,' '%s/csv/block_class.csv' && "
             "grep -q '^一般管控,' '%s/csv/summary_class_cu.csv' && "
             "grep -q ',重点管控（城镇生活）,' '%s/csv/block_metrics.csv' && "
             "! grep -q 'consolidate\\|key_urban\\|function_change' '%s/csv/block_class.csv' "
             "'%s/csv/summary_class_cu.csv' '%s/csv/block_metrics.csv'",
             dir, dir, dir, dir, dir, dir);
    CHECK_INT(run(cmd), 0);
    snprintf(args, sizeof args, "check '%s/project.yaml' --log csv/dq_zh.csv --lang zh", sample);
    CHECK_INT(ibmap("csv_dq", args), 0);
    CHECK(starts_with("csv/dq_zh.csv", BOM "图层,源要素号,要素编号,字段,问题,"));
    CHECK_INT(ibmap("csv_badlang", "check --lang fr"), 2);
    CHECK(said("csv_badlang", "err", "--lang takes en or zh, not 'fr'"));
}

/* The "covers tests" lines of TAG's stderr, parsed: per kind (parcels,
** land use, zones, all) n, kernel and GEOS; the number of lines found,
** each checked to add up (n = kernel + GEOS). */
static int covers_stats(const char *tag, long long v[4][3])
{
    const char *s = slurp(tag, "err");
    int found = 0;
    for (const char *p = s; p && (p = strstr(p, "covers tests, ")); p++) {
        static const char *kinds[4] = {"parcels", "land use", "zones", "all"};
        for (int k = 0; k < 4; k++) {
            size_t len = strlen(kinds[k]);
            if (strncmp(p + 14, kinds[k], len) != 0 || p[14 + len] != ' ') continue;
            if (sscanf(p + 14 + len, " %lld: exact kernel %lld (%*f %%), GEOS %lld", &v[k][0],
                       &v[k][1], &v[k][2]) == 3 &&
                v[k][0] == v[k][1] + v[k][2])
                found++;
        }
    }
    return found;
}

/* The "land-use overlap checks" line of TAG's stderr: n, kernel, GEOS;
** 1 when found and adding up. */
static int landuse_checks(const char *tag, long long v[3])
{
    const char *p = strstr(slurp(tag, "err"), "land-use overlap checks ");
    return p &&
           sscanf(p, "land-use overlap checks %lld: exact kernel %lld (%*f %%), GEOS union %lld",
                  &v[0], &v[1], &v[2]) == 3 &&
           v[0] == v[1] + v[2];
}

TEST(stats_reports_the_covers_tests_of_overlay_and_run)
{
    char args[8400];
    long long ov[4][3] = {{0}}, rn[4][3] = {{0}};
    snprintf(args, sizeof args, "overlay '%s/project.yaml' --csv st.csv --stats", sample);
    CHECK_INT(ibmap("st_overlay", args), 0);
    CHECK_INT(covers_stats("st_overlay", ov), 4);
    /* every kind has tests on the sample, and "all" is their sum */
    for (int k = 0; k < 3; k++) CHECK(ov[k][0] > 0);
    for (int j = 0; j < 3; j++) CHECK(ov[3][j] == ov[0][j] + ov[1][j] + ov[2][j]);
    /* the sample's land use is a partition (三调): every block meeting
    ** several features is proven free of overlaps without a union */
    long long lo[3] = {0}, lr[3] = {0};
    CHECK(landuse_checks("st_overlay", lo));
    CHECK(lo[0] > 20);
    CHECK(lo[1] == lo[0]);
    /* run --stats (once silently ignored) prints the same counts */
    snprintf(args, sizeof args,
             "run '%s/project.yaml' -o st_run --formats summaries --progress none --stats",
             sample);
    CHECK_INT(ibmap("st_run", args), 0);
    CHECK_INT(covers_stats("st_run", rn), 4);
    CHECK(memcmp(ov, rn, sizeof ov) == 0);
    CHECK(landuse_checks("st_run", lr));
    CHECK(memcmp(lo, lr, sizeof lo) == 0);
    /* a run that reuses the workspace's metrics made no test, and says so */
    snprintf(args, sizeof args,
             "run '%s/project.yaml' -o st_run --overwrite --formats summaries --progress none "
             "--stats",
             sample);
    CHECK_INT(ibmap("st_reuse", args), 0);
    CHECK(said("st_reuse", "err", "covers tests: none (metrics reused)"));
}

int main(void)
{
    dir = test_scratch_dir("test_cli");
    snprintf(sample, sizeof sample, "%s/layers/sample", test_source_root());
    RUN(a_missing_file_says_no_such_file_naming_it);
    RUN(an_argument_error_is_one_line_pointing_at_help);
    RUN(every_command_has_help);
    RUN(check_names_every_missing_required_role);
    RUN(classify_defaults_to_the_rules_the_workspace_was_made_with);
    RUN(every_csv_has_a_bom_and_zh_writes_chinese_headers_and_values);
    RUN(stats_reports_the_covers_tests_of_overlay_and_run);
    return test_finish();
}
