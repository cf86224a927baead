/*
** test_cli.c — a first run's friction (issue 11, item 8), through the real
** `ibmap` program: a missing file says "no such file" naming it; a wrong
** command line is one line pointing at --help, and every command has
** --help; check names every missing required role at once; classify
** without --rules takes the rules (and params) the workspace's scenario
** was made with; run takes a param whose value has a decimal point
** (--set tax_floor=6.5 is not ROLE.KEY).
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

int main(void)
{
    dir = test_scratch_dir("test_cli");
    snprintf(sample, sizeof sample, "%s/layers/sample", test_source_root());
    RUN(a_missing_file_says_no_such_file_naming_it);
    RUN(an_argument_error_is_one_line_pointing_at_help);
    RUN(every_command_has_help);
    RUN(check_names_every_missing_required_role);
    RUN(classify_defaults_to_the_rules_the_workspace_was_made_with);
    return test_finish();
}
