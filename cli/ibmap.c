/*
** ibmap — the command-line program.  A thin layer over libibmap: it parses
** arguments into a project, calls the library and prints what it returns.
** It uses include/ibmap.h only.
**
** Exit status: 0 success; 1 the job failed (the message says why);
** 2 the command line was wrong.
*/
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ibmap.h"

static const char usage_text[] =
    "usage: ibmap COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  init PROJECT.yaml            write a commented template project file\n"
    "  check [PROJECT.yaml] [LAYER OPTIONS] [--log FILE] [--json]\n"
    "                               load every layer, print a summary per layer\n"
    "                               and write the data-quality log as CSV\n"
    "                               (default data_quality.csv)\n"
    "  overlay [PROJECT.yaml] [LAYER OPTIONS] [--workspace FILE] [--csv FILE]\n"
    "          [--landuse-csv FILE]\n"
    "          [--threads N] [--grid METRES] [--parcel-mode majority|apportion]\n"
    "          [--log FILE] [--stats]\n"
    "                               compute every block's metrics (docs/metrics.md);\n"
    "                               --stats: how its covers tests and land-use\n"
    "                               overlap checks were decided (exact kernel or\n"
    "                               GEOS), on stderr\n"
    "  run [PROJECT.yaml] [LAYER OPTIONS] -o OUTDIR [--rules FILE]\n"
    "          [--set PARAM=VALUE ...] [--scenario NAME] [--threads N]\n"
    "          (the overlay's and the writers' threads; 1: one at a time)\n"
    "          [--overwrite] [--formats all|gpkg,qgs,sqlite,shp,geojson,fgb,\n"
    "          summaries,map,towns,report,plans,postgis] [--pg \"PG:…\"\n"
    "          [--pg-schema S]] [--plan-blocks SPEC] [--plan-town T]\n"
    "          [--compare-with OTHER_WORKSPACE]  (a section of report.html)\n"
    "          [--shp-encoding UTF-8|GBK] [--title TEXT] [--json] [--stats]\n"
    "          [--extent MINX,MINY,MAXX,MAXY]  (the map's frame, working CRS;\n"
    "                               default: the blocks, with a margin)\n"
    "          [--sweep PARAM=FROM:TO:STEP]  (charted in report.html)\n"
    "          [--progress bar|lines|none]  (lines: \"progress N STAGE\" on stderr,\n"
    "                               N 0..100, for programs driving ibmap)\n"
    "                               everything: load, overlay (or reuse the\n"
    "                               workspace in OUTDIR), classify (default rules:\n"
    "                               layers/rules/cixi-2021.yaml), write the\n"
    "                               industrial map (industrial_map.gpkg, .qgs,\n"
    "                               .sqlite, .png, .pdf, shp/, geojson/,\n"
    "                               summary_*.csv, report.html); an existing\n"
    "                               output needs --overwrite\n"
    "  classify WORKSPACE [--rules FILE] [--set PARAM=VALUE ...] [--scenario NAME]\n"
    "          [--csv FILE] [-o OUTDIR [--formats …] [--overwrite] [--shp-encoding E]\n"
    "          [--extent MINX,MINY,MAXX,MAXY]]\n"
    "          [--progress bar|lines|none]\n"
    "                               put every block in a class (docs/rules.md;\n"
    "                               default rules: those the scenario was made with),\n"
    "                               store the scenario (default \"default\") in\n"
    "                               the workspace, print blocks and 亩 per class;\n"
    "                               with -o, write that scenario's industrial map\n"
    "  compare WORKSPACE A B [--csv FILE] [--rules FILE]\n"
    "                               transition matrix between two scenarios; the\n"
    "                               CSV lists the blocks that changed class; both\n"
    "                               against the targets (the rules' or 31号's)\n"
    "  compare WS_A WS_B [--scenario-a S] [--scenario-b S] [--csv FILE]\n"
    "          [--report FILE.html] two workspaces (two survey years, two plan\n"
    "                               versions): blocks matched by id, else by\n"
    "                               largest overlap (renamed, split, merged,\n"
    "                               added, removed); class transitions, 亩均\n"
    "                               changes\n"
    "  plans WORKSPACE -o DIR [--scenario S] [--rules FILE]\n"
    "          [--blocks all|consolidate,exit|ID,...] [--town T] [--per-block]\n"
    "          [--png] [--project P.yaml] [--organization ORG] [--date D]\n"
    "          [--title T] [--overwrite]\n"
    "                               the block plan sheets (一区块一方案): an A4\n"
    "                               page per block, TOWN.pdf and TOWN.html per\n"
    "                               town (default blocks: consolidate,exit)\n"
    "  sweep WORKSPACE [--rules FILE] --param NAME --from X --to Y --step S\n"
    "          [--set PARAM=VALUE ...] [--csv FILE]\n"
    "                               blocks and 亩 per class for each value of a\n"
    "                               param (CSV on stdout without --csv)\n"
    "  fields [ROLE]                list the canonical fields of each role and\n"
    "                               the source names accepted for them\n"
    "  version                      print the versions of ibmap and its libraries\n"
    "\n"
    "layer options (ogr2ogr-style; they override the project file):\n"
    "  --blocks SRC[:LAYER]   --parcels ...   --landuse ...   --redline ...\n"
    "  --control-units ...    --parks ...     --central ...   --transition ...\n"
    "  --basic-farmland ...   --towns ...\n"
    "                         (a source given here replaces the project file's\n"
    "                         and starts from the role's defaults: coords:,\n"
    "                         crs:, fields: of the file's source are dropped)\n"
    "  --crs EPSG:4549|auto   --area planar|ellipsoidal\n"
    "  --accept-defects ROLE[,ROLE]    go on although a hard constraint\n"
    "                                  (redline, basic_farmland, control_units)\n"
    "                                  lost features; the results say so\n"
    "  --block-overlaps keep|split     where two blocks overlap: count the overlap\n"
    "                                  in both and flag them (overlap_m2), or give\n"
    "                                  it to the block with the lower id\n"
    "  --block-overlap-min-m2 AREA     ignore overlaps of AREA m² or less (1)\n"
    "  --field ROLE.CANONICAL=SOURCE   e.g. --field parcels.tax=SSHJ\n"
    "  --set ROLE.KEY=VALUE            e.g. --set blocks.encoding=GBK,\n"
    "                                  --set redline.coords=gcj02,\n"
    "                                  --set landuse.codes=ydyh\n"
    "\n"
    "every command:\n"
    "  --lang en|zh                    the CSV files' language: English column\n"
    "                                  names and keys (en, the default, for\n"
    "                                  scripts) or Chinese headers, classes,\n"
    "                                  modes and control-unit types (zh)\n"
    "  --help                          the command's usage\n";

/* The command being run ("run", …), for messages; NULL before one is. */
static const char *current_cmd;

/* A wrong command line: one line saying what, and where to look. */
static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "ibmap%s%s: ", current_cmd ? " " : "", current_cmd ? current_cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'ibmap %s%s--help')\n", current_cmd ? current_cmd : "",
            current_cmd ? " " : "");
    return 2;
}

/* `ibmap CMD --help`: the command's part of the usage (from its line in
** usage_text to the next command's), and the layer options for the
** commands that load layers.  0 when there is no such command. */
static int print_command_usage(FILE *f, const char *cmd)
{
    char key[64];
    snprintf(key, sizeof key, "\n  %s ", cmd);
    const char *start = strstr(usage_text, key);
    if (!start) return 0;
    start += 3;
    const char *end = start;
    for (;;) {
        end = strchr(end, '\n');
        if (!end || end[1] == '\n' || (end[1] == ' ' && end[2] == ' ' && end[3] >= 'a' &&
                                       end[3] <= 'z'))
            break;
        end++;
    }
    fprintf(f, "usage: ibmap %.*s\n", end ? (int)(end - start) : (int)strlen(start), start);
    const char *every = strstr(usage_text, "\nevery command");
    if (strcmp(cmd, "check") == 0 || strcmp(cmd, "overlay") == 0 || strcmp(cmd, "run") == 0) {
        const char *layers = strstr(usage_text, "\nlayer options");
        if (layers) fprintf(f, "%.*s", every ? (int)(every - layers) : (int)strlen(layers), layers);
    }
    if (every) fputs(every, f);
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Building a project from a file and flags                               */
/* ---------------------------------------------------------------------- */

typedef struct options {
    const char *project_path;
    const char *log_path;
    int json;
    int stats;                    /* overlay, run: --stats */
    const char *csv_path;         /* overlay: metrics CSV */
    const char *landuse_csv_path; /* overlay: the long land-use table */
    const char *workspace_path;   /* overlay: where metrics are kept */
    int run;                      /* accept run's own flags below */
    const char *rules_path;       /* run: the rules file */
    const char *out_dir;          /* run: -o OUTDIR */
    const char *scenario;         /* run: the scenario name */
    const char *param_sets[64];   /* run: --set PARAM=VALUE (no '.') */
    int n_param_sets;
    ibmap_overlay_options overlay;
    ibmap_output_options output;  /* run: --overwrite, --shp-encoding, … */
    int progress;                 /* run: --progress bar (0), lines (1), none (2) */
    double sweep_values[1001];    /* run: --sweep NAME=FROM:TO:STEP */
} options;

/* Where messages for people go: stdout, or stderr when --json keeps
** stdout for the machine-readable summary. */
static FILE *human;

/* The IBMAP_OUT_* bits of a --formats list such as "gpkg,shp,map". */
static int parse_formats(const char *list, unsigned *out)
{
    static const struct { const char *name; unsigned bits; } names[] = {
        {"all", IBMAP_OUT_ALL},         {"gpkg", IBMAP_OUT_GPKG},
        {"qgs", IBMAP_OUT_QGS},         {"sqlite", IBMAP_OUT_SPATIALITE},
        {"spatialite", IBMAP_OUT_SPATIALITE}, {"shp", IBMAP_OUT_SHAPEFILE},
        {"geojson", IBMAP_OUT_GEOJSON}, {"summaries", IBMAP_OUT_SUMMARIES},
        {"map", IBMAP_OUT_MAP},         {"report", IBMAP_OUT_REPORT | IBMAP_OUT_MAP},
        {"fgb", IBMAP_OUT_FGB},         {"flatgeobuf", IBMAP_OUT_FGB},
        {"postgis", IBMAP_OUT_POSTGIS}, {"towns", IBMAP_OUT_TOWN_MAPS},
        {"town_maps", IBMAP_OUT_TOWN_MAPS}, {"plans", IBMAP_OUT_PLANS}};
    unsigned bits = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (size_t k = 0; k < sizeof names / sizeof *names && !found; k++)
            if (strlen(names[k].name) == n && strncmp(p, names[k].name, n) == 0) {
                bits |= names[k].bits;
                found = 1;
            }
        if (!found) return 0;
        p += n;
        if (*p == ',') p++;
    }
    *out = bits;
    return bits != 0;
}

/* The value of --progress: "bar" (the default, and only on a terminal),
** "lines" or "none".  0 when it is none of them. */
static int progress_mode(const char *v, int *mode)
{
    if (strcmp(v, "bar") == 0) *mode = 0;
    else if (strcmp(v, "lines") == 0) *mode = 1;
    else if (strcmp(v, "none") == 0) *mode = 2;
    else return 0;
    return 1;
}

/* The output flags run and classify share (--shp-encoding, --formats,
** --title): -1 when `flag` is none of them, 0 when its value was taken,
** else the exit status of a bad value. */
static int output_flag(const char *flag, const char *v, ibmap_output_options *o)
{
    if (strcmp(flag, "--title") == 0) {
        o->title = v;
    } else if (strcmp(flag, "--shp-encoding") == 0) {
        if (strcasecmp(v, "UTF-8") != 0 && strcasecmp(v, "GBK") != 0)
            return usage_error("--shp-encoding takes UTF-8 or GBK, not '%s'", v);
        o->shp_encoding = v;
    } else if (strcmp(flag, "--formats") == 0) {
        if (!parse_formats(v, &o->formats))
            return usage_error("--formats takes a list of all, gpkg, qgs, sqlite, shp, "
                               "geojson, fgb, postgis, summaries, map, towns, report, "
                               "plans; "
                               "not '%s'", v);
    } else if (strcmp(flag, "--extent") == 0) {
        /* the map's frame, MINX,MINY,MAXX,MAXY in the working CRS */
        static double e[4];
        int used = 0;
        if (sscanf(v, "%lf,%lf,%lf,%lf%n", &e[0], &e[1], &e[2], &e[3], &used) != 4 || v[used] ||
            !(e[0] < e[2]) || !(e[1] < e[3]) || !isfinite(e[0] + e[1] + e[2] + e[3]))
            return usage_error("--extent takes MINX,MINY,MAXX,MAXY (working CRS, min < max), "
                               "not '%s'", v);
        o->extent = e;
    } else if (strcmp(flag, "--pg") == 0) {
        o->pg = v;
    } else if (strcmp(flag, "--pg-schema") == 0) {
        o->pg_schema = v;
    } else if (strcmp(flag, "--plan-blocks") == 0) {
        o->plan_blocks = v;
    } else if (strcmp(flag, "--plan-town") == 0) {
        o->plan_town = v;
    } else if (strcmp(flag, "--compare-with") == 0) {
        o->compare_workspace = v;
    } else {
        return -1;
    }
    return 0;
}

/* --formats …,postgis and --pg go together; 0 when they do. */
static int check_pg_flags(const ibmap_output_options *o)
{
    if ((o->formats & IBMAP_OUT_POSTGIS) && !o->pg)
        return usage_error("--formats postgis needs --pg \"PG:dbname=… host=…\"%s", "");
    if (o->pg && !(o->formats & IBMAP_OUT_POSTGIS))
        return usage_error("--pg is for --formats …,postgis%s", "");
    return 0;
}

/* 1 when `a` is a flag of check, overlay or run (run: their own too). */
static int is_known_flag(const char *a, int run)
{
    static const char *const common[] = {
        "--json", "--stats", "--log", "--csv", "--workspace", "--landuse-csv", "--threads",
        "--grid", "--parcel-mode", "--accept-defects", "--crs", "--area", "--block-overlaps",
        "--block-overlap-min-m2", "--field", "--set", NULL};
    static const char *const run_only[] = {
        "--overwrite", "--rules", "--out", "--scenario", "--progress", "--title",
        "--shp-encoding", "--formats", "--pg", "--pg-schema", "--sweep", "--extent",
        "--plan-blocks", "--plan-town", "--compare-with", NULL};
    for (int k = 0; common[k]; k++)
        if (strcmp(a, common[k]) == 0) return 1;
    for (int k = 0; run && run_only[k]; k++)
        if (strcmp(a, run_only[k]) == 0) return 1;
    return ibmap_role_from_name(a + 2) >= 0;
}

/* Parse the common arguments into *project.  Returns 0, or the exit
** status to stop with. */
static int build_project(ibmap_ctx *ctx, int argc, char **argv, options *o,
                         ibmap_project **project)
{
    /* The project file comes first (if any) so that flags override it. */
    for (int i = 0; i < argc; i++) {
        if ((argv[i][0] == '-' && argv[i][1] == '-') || strcmp(argv[i], "-o") == 0) {
            i++; /* every flag but --json, --overwrite, --stats takes a value */
            if (strcmp(argv[i - 1], "--json") == 0 || strcmp(argv[i - 1], "--overwrite") == 0 ||
                strcmp(argv[i - 1], "--stats") == 0)
                i--;
            continue;
        }
        if (o->project_path) return usage_error("more than one project file: %s", argv[i]);
        o->project_path = argv[i];
    }
    ibmap_status st = o->project_path
                          ? ibmap_project_read(ctx, o->project_path, project)
                          : ibmap_project_new(ctx, project);
    if (st) {
        fprintf(stderr, "ibmap: %s\n", ibmap_errmsg(ctx));
        return 1;
    }
    /* Two passes: the sources given as --ROLE SRC first, so that a source
    ** replacing the project file's starts from the role's defaults (not
    ** the file's coords:, crs:, fields: for another file) and every
    ** --set ROLE.KEY applies to it, whatever the order of the flags. */
    for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0) a = "--out";
        if (!(a[0] == '-' && a[1] == '-')) continue;
        int source_flag = ibmap_role_from_name(a + 2) >= 0;
        if (source_flag != (pass == 0)) {
            if (strcmp(a, "--json") != 0 && strcmp(a, "--overwrite") != 0 &&
                strcmp(a, "--stats") != 0)
                i++;
            continue;
        }
        if (!is_known_flag(a, o->run)) return usage_error("unknown option %s", argv[i]);
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(a, "--stats") == 0) {
            o->stats = 1;
            continue;
        }
        if (o->run && strcmp(a, "--overwrite") == 0) {
            o->output.overwrite = 1;
            continue;
        }
        if (i + 1 >= argc) return usage_error("%s needs a value", a);
        const char *v = argv[++i];
        char key[256];
        int taken;
        if (strcmp(a, "--log") == 0) {
            o->log_path = v;
            continue;
        } else if (o->run && strcmp(a, "--rules") == 0) {
            o->rules_path = v;
            continue;
        } else if (o->run && strcmp(a, "--out") == 0) {
            o->out_dir = v;
            continue;
        } else if (o->run && strcmp(a, "--scenario") == 0) {
            o->scenario = v;
            continue;
        } else if (o->run && strcmp(a, "--progress") == 0) {
            if (!progress_mode(v, &o->progress))
                return usage_error("--progress takes bar, lines or none, not '%s'", v);
            continue;
        } else if (o->run && (taken = output_flag(a, v, &o->output)) >= 0) {
            if (taken) return taken;
            continue;
        } else if (o->run && strcmp(a, "--sweep") == 0) {
            /* NAME=FROM:TO:STEP; values from + i·step, the end included
            ** when a whole number of steps away (as the sweep command). */
            static char name[128];
            double from, to, step;
            int used = 0;
            const char *eq = strchr(v, '=');
            if (!eq || eq - v >= (long)sizeof name ||
                sscanf(eq + 1, "%lf:%lf:%lf%n", &from, &to, &step, &used) != 3 ||
                eq[1 + used] || !isfinite(from) || !isfinite(to) || !(step != 0) ||
                (to - from) / step < 0 || (to - from) / step > 1000)
                return usage_error("--sweep takes NAME=FROM:TO:STEP (at most 1000 steps), "
                                   "not '%s'", v);
            snprintf(name, sizeof name, "%.*s", (int)(eq - v), v);
            int n = (int)((to - from) / step + 1e-9) + 1;
            for (int k = 0; k < n; k++) o->sweep_values[k] = from + k * step;
            o->output.sweep_param = name;
            o->output.sweep_values = o->sweep_values;
            o->output.n_sweep = n;
            continue;
        } else if (o->run && strcmp(a, "--set") == 0 &&
                   (!strchr(v, '.') || (strchr(v, '=') && strchr(v, '.') > strchr(v, '=')))) {
            /* run: a name without a dot is a rules param, not ROLE.KEY
            ** (the value may have one: tax_floor=6.5) */
            if (o->n_param_sets == 64) return usage_error("too many --set%s", "");
            o->param_sets[o->n_param_sets++] = v;
            continue;
        } else if (strcmp(a, "--csv") == 0) {
            o->csv_path = v;
            continue;
        } else if (strcmp(a, "--workspace") == 0) {
            o->workspace_path = v;
            continue;
        } else if (strcmp(a, "--landuse-csv") == 0) {
            o->landuse_csv_path = v;
            continue;
        } else if (strcmp(a, "--threads") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 0 || n > 64)
                return usage_error("--threads takes 0 (every core) to 64, not '%s'", v);
            o->overlay.threads = (int)n;
            o->output.threads = (int)n;
            continue;
        } else if (strcmp(a, "--grid") == 0) {
            char *end;
            double g = strtod(v, &end);
            if (*end || !(g >= 0) || g > 10)
                return usage_error("--grid takes a size in metres (0 to 10), not '%s'", v);
            o->overlay.grid = g;
            continue;
        } else if (strcmp(a, "--parcel-mode") == 0) {
            if (strcmp(v, "majority") == 0)
                o->overlay.parcels = IBMAP_PARCELS_MAJORITY;
            else if (strcmp(v, "apportion") == 0)
                o->overlay.parcels = IBMAP_PARCELS_APPORTION;
            else
                return usage_error("--parcel-mode takes majority or apportion, not '%s'", v);
            continue;
        } else if (strcmp(a, "--accept-defects") == 0) {
            snprintf(key, sizeof key, "accept_defects");
        } else if (strcmp(a, "--crs") == 0 || strcmp(a, "--area") == 0) {
            snprintf(key, sizeof key, "%s", a + 2);
        } else if (strcmp(a, "--block-overlaps") == 0) {
            snprintf(key, sizeof key, "block_overlaps");
        } else if (strcmp(a, "--block-overlap-min-m2") == 0) {
            snprintf(key, sizeof key, "block_overlap_min_m2");
        } else if (strcmp(a, "--field") == 0 || strcmp(a, "--set") == 0) {
            const char *eq = strchr(v, '=');
            const char *dot = strchr(v, '.');
            if (!eq || !dot || dot > eq)
                return usage_error("expected ROLE.NAME=VALUE, got '%s'", v);
            snprintf(key, sizeof key, "%.*s%s%.*s", (int)(dot - v + 1), v,
                     strcmp(a, "--field") == 0 ? "field." : "",
                     (int)(eq - dot - 1), dot + 1);
            v = eq + 1;
        } else if (ibmap_role_from_name(a + 2) >= 0) {
            snprintf(key, sizeof key, "%s", a + 2);
        } else {
            return usage_error("unknown option %s", a);
        }
        if (ibmap_project_set(ctx, *project, key, v)) {
            fprintf(stderr, "ibmap: %s\n", ibmap_errmsg(ctx));
            return 2;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* check                                                                  */
/* ---------------------------------------------------------------------- */

/* Count of each problem code in one layer, in order of first appearance. */
typedef struct problem_count {
    const char *problem;
    long long n;
} problem_count;

static int count_problems(const ibmap_data *data, ibmap_role role,
                          problem_count *pc, int max)
{
    int k = 0;
    for (int64_t i = 0; i < ibmap_data_defect_count(data); i++) {
        ibmap_defect d;
        ibmap_data_defect(data, i, &d);
        if (d.role != role) continue;
        int j = 0;
        while (j < k && strcmp(pc[j].problem, d.problem) != 0) j++;
        if (j == k) {
            if (k == max) continue;
            pc[k].problem = d.problem;
            pc[k++].n = 0;
        }
        pc[j].n++;
    }
    return k;
}

static void json_string(const char *s);

/* What the plan sheets print, from the project's plan: section. */
static int set_plan_texts(ibmap_output_options *o, const ibmap_project *project)
{
    if (!o->plan_organization) o->plan_organization = ibmap_project_get(project, "plan.organization");
    if (!o->plan_date) o->plan_date = ibmap_project_get(project, "plan.date");
    if (!o->plan_title) o->plan_title = ibmap_project_get(project, "plan.title");
    return 0;
}


/* The targets, one a line: "目标 label: value / target unit (p%) — note";
** with `other`, that scenario's value beside (compare). */
static void print_targets(FILE *f, const ibmap_targets *t, const ibmap_targets *other)
{
    if (!t || ibmap_targets_count(t) == 0) return;
    fprintf(f, "目标 targets%s:\n", other ? " (A | B)" : "");
    for (int i = 0; i < ibmap_targets_count(t); i++) {
        char a[200], b[200];
        fprintf(f, "  %-10s %s: %s", ibmap_targets_id(t, i), ibmap_targets_label(t, i),
                ibmap_targets_text(t, i, a, sizeof a));
        if (other && i < ibmap_targets_count(other))
            fprintf(f, " | %s", ibmap_targets_text(other, i, b, sizeof b));
        const char *note = ibmap_targets_note(t, i);
        if (!other && note && *note) fprintf(f, " — %s", note);
        fprintf(f, "\n");
    }
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *verdict_name(ibmap_verdict v)
{
    return v == IBMAP_VERDICT_ACCEPTED  ? "defects accepted"
           : v == IBMAP_VERDICT_WARNING ? "warning"
                                        : "ok";
}

/* The layers' warnings and accepted defects, to `f`; the number printed. */
static int print_verdicts(FILE *f, const ibmap_data *data)
{
    int n = 0;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        ibmap_layer_verdict v;
        ibmap_layer_get_verdict(ibmap_data_layer(data, (ibmap_role)r), &v);
        if (v.verdict == IBMAP_VERDICT_OK) continue;
        fprintf(f, "%s %s: %s\n", verdict_name(v.verdict),
                ibmap_role_name((ibmap_role)r), v.message);
        n++;
    }
    return n;
}

/* The layers' verdicts as recorded in the workspace `ws` (a run that
** reused it loaded nothing, and classify loads nothing): the layers not
** simply ok to `f`, accepted defects first; the number printed, or -1
** when the workspace could not say (the message printed). */
static int print_workspace_verdicts(ibmap_ctx *ctx, FILE *f, const char *ws)
{
    int n = 0;
    for (int pass = IBMAP_VERDICT_ACCEPTED; pass >= IBMAP_VERDICT_WARNING; pass--)
        for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
            ibmap_layer_verdict v;
            char *msg = NULL;
            if (ibmap_workspace_layer_verdict(ctx, ws, (ibmap_role)r, &v, &msg)) {
                fprintf(stderr, "ibmap: %s\n", ibmap_errmsg(ctx));
                return -1;
            }
            if ((int)v.verdict == pass) {
                if (n == 0)
                    fprintf(f, "%s\n", pass == IBMAP_VERDICT_ACCEPTED
                                           ? "数据缺陷已接受 accepted defects (accept_defects / "
                                             "--accept-defects): the results are built on them:"
                                           : "图层警告 layer warnings: read the results with them:");
                fprintf(f, "  %s %s: %s\n", ibmap_verdict_name(v.verdict),
                        ibmap_role_name((ibmap_role)r), msg);
                n++;
            }
            ibmap_free(msg);
        }
    return n;
}

/* The same as JSON members: "verdicts": {ROLE: {"verdict": …, "message":
** …}, …} for every layer of the workspace, and "accepted_defects". */
static void json_workspace_verdicts(ibmap_ctx *ctx, const char *ws)
{
    printf("\"verdicts\": {");
    int first = 1;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        ibmap_layer_verdict v;
        char *msg = NULL;
        if (ibmap_workspace_layer_verdict(ctx, ws, (ibmap_role)r, &v, &msg)) continue;
        if (v.verdict != IBMAP_VERDICT_OK || v.n_features > 0) {
            printf("%s", first ? "" : ", ");
            first = 0;
            json_string(ibmap_role_name((ibmap_role)r));
            printf(": {\"verdict\": ");
            json_string(ibmap_verdict_name(v.verdict));
            printf(", \"message\": ");
            json_string(msg);
            printf("}");
        }
        ibmap_free(msg);
    }
    char *accepted = NULL;
    printf("}, \"accepted_defects\": ");
    json_string(ibmap_workspace_accepted_defects(ctx, ws, &accepted) == IBMAP_OK ? accepted : "");
    ibmap_free(accepted);
}

/* Blocks that overlap each other: found by ibmap_block_overlaps(). */
typedef struct overlap_summary {
    int64_t pairs;
    double area_m2;
} overlap_summary;

static void print_text_summary(const ibmap_data *data, const options *o,
                               const overlap_summary *ov)
{
    printf("working CRS: %s\n", ibmap_data_crs(data));
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        const ibmap_layer *L = ibmap_data_layer(data, (ibmap_role)r);
        if (!L) {
            printf("\n%-15s not given%s\n", ibmap_role_name((ibmap_role)r),
                   ibmap_role_required((ibmap_role)r) ? " (required!)" : "");
            continue;
        }
        ibmap_layer_info li;
        ibmap_layer_get_info(L, &li);
        printf("\n%-15s %s (%s), layer %s\n", ibmap_role_name((ibmap_role)r),
               li.source, li.driver, li.layer_name);
        printf("  features      %lld (%lld with usable geometry)\n",
               (long long)li.n_features, (long long)li.n_with_geometry);
        printf("  CRS found     %s\n", *li.crs_found ? li.crs_found : "none");
        printf("  CRS used      %s\n", li.crs_note);
        printf("  encoding      %s (%s)\n", li.encoding, li.encoding_from);
        if (strcmp(li.coords, "auto") != 0)
            printf("  coordinates   %s\n", li.coords);
        printf("  fields       ");
        int missing = 0;
        for (int f = 0; f < ibmap_role_field_count((ibmap_role)r); f++) {
            const ibmap_field_info *fi = ibmap_role_field((ibmap_role)r, f);
            const char *src = ibmap_layer_source_field(L, fi->name);
            if (src)
                printf(" %s=%s", fi->name, src);
            else
                missing++;
        }
        printf("\n");
        if (missing) {
            printf("  not found    ");
            for (int f = 0; f < ibmap_role_field_count((ibmap_role)r); f++) {
                const ibmap_field_info *fi = ibmap_role_field((ibmap_role)r, f);
                if (!ibmap_layer_source_field(L, fi->name)) printf(" %s", fi->name);
            }
            printf("\n");
        }
        if (r == IBMAP_ROLE_PARCELS) {
            long long official = 0, computed = 0, none = 0;
            for (int64_t i = 0; i < li.n_features; i++) {
                if (!ibmap_layer_text(L, i, "grade")) none++;
                else if (ibmap_layer_grade_computed(L, i)) computed++;
                else official++;
            }
            printf("  亩均 grades   %lld official, %lld computed (no official "
                   "grade), %lld none\n", official, computed, none);
        }
        ibmap_layer_verdict v;
        ibmap_layer_get_verdict(L, &v);
        if (r == IBMAP_ROLE_LANDUSE)
            printf("  unknown codes %lld features, %.1f %% of the area\n",
                   (long long)v.n_unknown_codes,
                   v.area_m2 > 0 ? 100 * v.unknown_code_area_m2 / v.area_m2 : 0.0);
        printf("  verdict       %s%s%s\n", verdict_name(v.verdict),
               *v.message ? ": " : "", v.message);
        problem_count pc[64];
        int k = count_problems(data, (ibmap_role)r, pc, 64);
        printf("  defects      ");
        if (k == 0) printf(" none");
        for (int j = 0; j < k; j++) printf(" %s %lld", pc[j].problem, pc[j].n);
        printf("\n");
    }
    const char *accepted = ibmap_data_accepted_defects(data);
    if (*accepted) printf("\naccepted defects:\n%s\n", accepted);
    printf("\nblock overlaps: %lld pair%s of blocks overlap, %.1f m² (%.2f 亩) in all%s\n",
           (long long)ov->pairs, ov->pairs == 1 ? "" : "s", ov->area_m2, ov->area_m2 * 15 / 10000,
           ov->pairs ? " (each pair: block_overlap in the log)" : "");
    printf("\ndata-quality log: %lld entries written to %s\n",
           (long long)ibmap_data_defect_count(data), o->log_path);
}

static void print_json_summary(const ibmap_data *data, const options *o,
                               const overlap_summary *ov)
{
    printf("{\"crs\":");
    json_string(ibmap_data_crs(data));
    printf(",\"log\":");
    json_string(o->log_path);
    printf(",\"defects\":%lld,\"block_overlaps\":{\"pairs\":%lld,\"area_m2\":%.3f}"
           ",\"layers\":{",
           (long long)ibmap_data_defect_count(data), (long long)ov->pairs, ov->area_m2);
    int first = 1;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        const ibmap_layer *L = ibmap_data_layer(data, (ibmap_role)r);
        if (!L) continue;
        ibmap_layer_info li;
        ibmap_layer_get_info(L, &li);
        printf("%s", first ? "" : ",");
        first = 0;
        json_string(ibmap_role_name((ibmap_role)r));
        printf(":{\"source\":");
        json_string(li.source);
        printf(",\"layer\":");
        json_string(li.layer_name);
        printf(",\"driver\":");
        json_string(li.driver);
        printf(",\"features\":%lld,\"with_geometry\":%lld,\"crs_found\":",
               (long long)li.n_features, (long long)li.n_with_geometry);
        json_string(li.crs_found);
        printf(",\"crs_used\":");
        json_string(li.crs_note);
        printf(",\"encoding\":");
        json_string(li.encoding);
        printf(",\"encoding_from\":");
        json_string(li.encoding_from);
        ibmap_layer_verdict v;
        ibmap_layer_get_verdict(L, &v);
        printf(",\"verdict\":");
        json_string(verdict_name(v.verdict));
        printf(",\"verdict_message\":");
        json_string(v.message);
        printf(",\"area_lost_m2\":%.1f,\"unknown_codes\":%lld",
               v.area_lost_m2, (long long)v.n_unknown_codes);
        printf(",\"problems\":{");
        problem_count pc[64];
        int k = count_problems(data, (ibmap_role)r, pc, 64);
        for (int j = 0; j < k; j++) {
            printf("%s", j ? "," : "");
            json_string(pc[j].problem);
            printf(":%lld", pc[j].n);
        }
        printf("}}");
    }
    printf("}}\n");
}

static void options_init(options *o)
{
    memset(o, 0, sizeof *o);
    o->log_path = "data_quality.csv";
    ibmap_overlay_options_init(&o->overlay);
    ibmap_output_options_init(&o->output);
}

/* What is freed after this is freed at the end of the process: the
** library leaves its large structures (millions of geometries and strings
** in a large city) to the process's end, which releases them at once.
** IBMAP_FREE_AT_EXIT=1 keeps every free, so that valgrind and ASan see
** them (the tests set it). */
static void exiting(void)
{
    const char *keep = getenv("IBMAP_FREE_AT_EXIT");
    if (!keep || !*keep || strcmp(keep, "0") == 0) ibmap_exiting();
}

static int cmd_check(ibmap_ctx *ctx, int argc, char **argv)
{
    options o;
    options_init(&o);
    ibmap_project *project = NULL;
    int rc = build_project(ctx, argc, argv, &o, &project);
    if (rc) {
        ibmap_project_free(project);
        return rc;
    }
    ibmap_data *data = NULL;
    if (ibmap_load(ctx, project, &data)) {
        fprintf(stderr, "ibmap check: %s\n", ibmap_errmsg(ctx));
        ibmap_project_free(project);
        return 1;
    }
    rc = 0;
    /* the blocks overlapping each other: logged like any other defect */
    overlap_summary ov = {0, 0};
    if (ibmap_block_overlaps(ctx, data, &ov.pairs, &ov.area_m2) ||
        ibmap_data_write_defects_csv(ctx, data, o.log_path)) {
        fprintf(stderr, "ibmap check: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    } else if (o.json) {
        print_json_summary(data, &o, &ov);
    } else {
        if (o.project_path) printf("ibmap check %s\n", o.project_path);
        print_text_summary(data, &o, &ov);
    }
    exiting();
    ibmap_data_free(data);
    ibmap_project_free(project);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* overlay                                                                */
/* ---------------------------------------------------------------------- */

/* The metrics of the project: read back from the workspace when it is
** current (no input is opened), else loaded and computed, with the
** data-quality log and the workspace written.  Returns 0, or 1 with the
** message printed. */
static int overlay_or_reuse(ibmap_ctx *ctx, const char *cmd, options *o,
                            ibmap_project *project, ibmap_data **data,
                            ibmap_metrics **m, int *reused)
{
    *reused = o->workspace_path &&
              ibmap_workspace_is_current(o->workspace_path, project, &o->overlay);
    int failed_step;
    if (*reused)
        failed_step = ibmap_workspace_read(ctx, o->workspace_path, m) != IBMAP_OK;
    else
        failed_step = ibmap_load(ctx, project, data) ||
             ibmap_overlay(ctx, *data, &o->overlay, m) ||
             ibmap_data_write_defects_csv(ctx, *data, o->log_path) ||
             (o->workspace_path &&
              ibmap_workspace_write(ctx, o->workspace_path, project, &o->overlay,
                                    *data, *m));
    if (failed_step) {
        fprintf(stderr, "ibmap %s: %s\n", cmd, ibmap_errmsg(ctx));
        return 1;
    }
    long long failed = 0;
    int status = ibmap_metric_index("metric_status");
    for (int64_t b = 0; b < ibmap_metrics_count(*m); b++) {
        const char *s = ibmap_metrics_text(*m, b, status);
        failed += s && strncmp(s, "failed", 6) == 0;
    }
    if (*reused) {
        fprintf(human, "%lld blocks: metrics reused from %s (inputs and options "
               "unchanged)\n",
               (long long)ibmap_metrics_count(*m), o->workspace_path);
        if (strcmp(cmd, "run") != 0 && print_workspace_verdicts(ctx, stderr, o->workspace_path) < 0)
            return 1;
    }
    else {
        if (strcmp(cmd, "run") != 0) print_verdicts(stderr, *data); /* run: in its summary */
        fprintf(human, "%lld blocks measured (%lld failed); data-quality log %s "
               "(%lld entries)%s%s\n",
               (long long)ibmap_metrics_count(*m), failed, o->log_path,
               (long long)ibmap_data_defect_count(*data),
               o->workspace_path ? "; workspace " : "",
               o->workspace_path ? o->workspace_path : "");
    }
    return 0;
}

/* --stats: the overlay's covers tests by kind, and the share the exact
** kernel decided (the rest went to GEOS); then its land-use overlap checks
** the same way. */
static void print_covers_stats(const ibmap_metrics *m, int reused)
{
    static const char *kinds[IBMAP_COVERS_KINDS] = {"parcels", "land use", "zones"};
    if (reused) {
        fprintf(stderr, "covers tests: none (metrics reused)\n");
        return;
    }
    int64_t all_kernel = 0, all_geos = 0;
    for (int k = 0; k <= IBMAP_COVERS_KINDS; k++) {
        int64_t kernel = all_kernel, geos = all_geos;
        if (k < IBMAP_COVERS_KINDS) {
            ibmap_metrics_covers_stats(m, k, &kernel, &geos);
            all_kernel += kernel;
            all_geos += geos;
        }
        int64_t n = kernel + geos;
        fprintf(stderr, "covers tests, %-9s %10lld: exact kernel %10lld (%.2f %%), GEOS %lld\n",
                k < IBMAP_COVERS_KINDS ? kinds[k] : "all", (long long)n,
                (long long)kernel, n ? 100.0 * (double)kernel / (double)n : 0.0,
                (long long)geos);
    }
    int64_t lu_kernel = 0, lu_geos = 0, n;
    ibmap_metrics_landuse_overlap_stats(m, &lu_kernel, &lu_geos);
    n = lu_kernel + lu_geos;
    fprintf(stderr, "land-use overlap checks %8lld: exact kernel %10lld (%.2f %%), GEOS union %lld\n",
            (long long)n, (long long)lu_kernel,
            n ? 100.0 * (double)lu_kernel / (double)n : 0.0, (long long)lu_geos);
}

static int cmd_overlay(ibmap_ctx *ctx, int argc, char **argv)
{
    options o;
    options_init(&o);
    ibmap_project *project = NULL;
    int rc = build_project(ctx, argc, argv, &o, &project);
    if (rc) {
        ibmap_project_free(project);
        return rc;
    }
    if (!o.csv_path && !o.workspace_path) {
        ibmap_project_free(project);
        return usage_error("overlay needs --csv FILE or --workspace FILE%s", "");
    }
    ibmap_data *data = NULL;
    ibmap_metrics *m = NULL;
    int reused;
    rc = overlay_or_reuse(ctx, "overlay", &o, project, &data, &m, &reused);
    if (!rc && o.stats) print_covers_stats(m, reused);
    if (!rc && ((o.csv_path && ibmap_metrics_write_csv(ctx, m, o.csv_path)) ||
                (o.landuse_csv_path &&
                 ibmap_metrics_write_landuse_csv(ctx, m, o.landuse_csv_path)))) {
        fprintf(stderr, "ibmap overlay: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    exiting();
    ibmap_metrics_free(m);
    ibmap_data_free(data);
    ibmap_project_free(project);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* classify, compare, sweep                                               */
/* ---------------------------------------------------------------------- */

/* A whole argument as a finite number. */
static int parse_number(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* A progress bar on stderr, drawn only when stderr is a terminal: in a
** pipe or a log file it would be noise. */
static void progress_bar(void *arg, const char *stage, int64_t done, int64_t total)
{
    (void)arg;
    if (total > 0) {
        int width = 30, filled = (int)(width * done / total);
        fprintf(stderr, "\r\033[K%-14s [%.*s%*s] %3d%%", stage, filled,
                "##############################", width - filled, "",
                (int)(100 * done / total));
    } else {
        fprintf(stderr, "\r\033[K%s …", stage);
    }
    fflush(stderr);
}

/* --progress lines: one line "progress N STAGE" on stderr per step, N a
** whole percentage that never goes down, for a program driving ibmap (the
** QGIS plugin's progress bar).  The overlay has no steps of its own: it is
** 0 to 40; classifying is 40; the outputs share 45 to 100, one equal part
** per output stage, rows of a layer moving within their stage's part. */
typedef struct line_progress {
    int n_stages;      /* output stages to come: the model and each format */
    int stage;         /* output stages begun so far */
    int last;          /* the last percentage printed */
} line_progress;

static const char *const output_stage_names[] = {
    "model", "geopackage", "postgis", "qgis project", "spatialite", "shapefile",
    "geojson", "flatgeobuf", "summaries", "map", "report", NULL};

static void line_progress_init(line_progress *p, unsigned formats)
{
    if (formats & IBMAP_OUT_QGS) formats |= IBMAP_OUT_GPKG;
    if (formats & IBMAP_OUT_REPORT) formats |= IBMAP_OUT_MAP;
    p->n_stages = 1;
    for (unsigned bit = 1; bit; bit <<= 1) p->n_stages += (formats & bit) != 0;
    p->stage = 0;
    p->last = -1;
}

static void progress_lines(void *arg, const char *stage, int64_t done, int64_t total)
{
    line_progress *p = arg;
    int pct = p->last < 0 ? 0 : p->last, is_stage = 0;
    for (int i = 0; output_stage_names[i]; i++) is_stage |= strcmp(stage, output_stage_names[i]) == 0;
    if (strcmp(stage, "overlay") == 0) {
        pct = 0;
    } else if (strcmp(stage, "classify") == 0) {
        pct = 40;
    } else if (strcmp(stage, "done") == 0) {
        pct = 100;
        is_stage = 1;
    } else if (is_stage) {
        pct = 45 + 55 * p->stage / p->n_stages;
        if (p->stage < p->n_stages) p->stage++;
    } else if (total > 0 && p->stage > 0) {
        pct = 45 + (int)(55.0 * (p->stage - 1 + (double)done / (double)total) / p->n_stages);
    }
    if (pct > 100) pct = 100;
    if (pct < p->last) pct = p->last;
    if (pct == p->last && !is_stage) return;
    p->last = pct;
    fprintf(stderr, "progress %d %s\n", pct, stage);
    fflush(stderr);
}

/* Tell the progress reporter (if any) that `stage` begins; always 0, to
** sit in a chain of calls that stops at the first failure. */
static int announce(const ibmap_output_options *out, const char *stage)
{
    if (out->progress) out->progress(out->progress_arg, stage, 0, 0);
    return 0;
}

/* Choose the progress reporter of --progress (the bar only on a
** terminal). */
static void choose_progress(int mode, int quiet_bar, ibmap_output_options *out,
                            line_progress *lines)
{
    out->progress = NULL;
    if (mode == 0 && !quiet_bar && isatty(2)) {
        out->progress = progress_bar;
    } else if (mode == 1) {
        line_progress_init(lines, out->formats);
        out->progress = progress_lines;
        out->progress_arg = lines;
    }
}

typedef struct rules_options {
    const char *workspace;
    const char *rules_path;
    const char *scenario;
    const char *csv_path;
    const char *param;              /* sweep */
    const char *from, *to, *step;   /* sweep */
    const char **sets;              /* "name=value", argv pointers */
    int n_sets;
    const char *out_dir;            /* classify: -o OUTDIR, the outputs */
    ibmap_output_options output;    /* classify: --formats, --overwrite, … */
    int progress;                   /* classify: --progress bar|lines|none */
} rules_options;

/* Parse WORKSPACE and the flags of classify and sweep.  `flags` lists the
** flags this command accepts.  Returns 0 or the exit status to stop with. */
static int parse_rules_args(int argc, char **argv, const char *const *flags,
                            rules_options *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = strcmp(argv[i], "-o") == 0 ? "--out" : argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (o->workspace) return usage_error("unexpected argument %s", a);
            o->workspace = a;
            continue;
        }
        int known = 0;
        for (int f = 0; flags[f]; f++) known |= strcmp(a, flags[f]) == 0;
        if (!known) return usage_error("unknown option %s", a);
        if (strcmp(a, "--overwrite") == 0) {
            o->output.overwrite = 1;
            continue;
        }
        if (i + 1 >= argc) return usage_error("%s needs a value", a);
        const char *v = argv[++i];
        int taken = output_flag(a, v, &o->output);
        if (taken > 0) return taken;
        if (strcmp(a, "--progress") == 0 && !progress_mode(v, &o->progress))
            return usage_error("--progress takes bar, lines or none, not '%s'", v);
        if (strcmp(a, "--out") == 0) o->out_dir = v;
        else if (strcmp(a, "--rules") == 0) o->rules_path = v;
        else if (strcmp(a, "--scenario") == 0) o->scenario = v;
        else if (strcmp(a, "--csv") == 0) o->csv_path = v;
        else if (strcmp(a, "--param") == 0) o->param = v;
        else if (strcmp(a, "--from") == 0) o->from = v;
        else if (strcmp(a, "--to") == 0) o->to = v;
        else if (strcmp(a, "--step") == 0) o->step = v;
        else if (strcmp(a, "--set") == 0) o->sets[o->n_sets++] = v;
    }
    if (!o->workspace) return usage_error("a WORKSPACE is needed%s", "");
    return 0;
}

static const char *default_rules_path(void);

/* Apply "name=value;…" (a scenario's stored params) to rules. */
static int apply_stored_params(ibmap_ctx *ctx, ibmap_rules *rules, const char *params)
{
    const char *p = params;
    while (p && *p) {
        size_t n = strcspn(p, ";");
        char item[256];
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), p);
        char *eq = strchr(item, '=');
        double v;
        if (eq && (*eq = '\0', parse_number(eq + 1, &v)) &&
            ibmap_rules_set_param(ctx, rules, item, v))
            return 1;
        p += n;
        if (*p == ';') p++;
    }
    return 0;
}

/* Read the rules and apply every --set name=value.  Without --rules, the
** rules the workspace's scenario was classified with (and its params,
** when the file is unchanged), else the bundled default rules. */
static int load_rules(ibmap_ctx *ctx, const char *cmd, rules_options *o,
                      ibmap_rules **rules)
{
    static char stored[4096];
    char *path = NULL, *hash = NULL, *params = NULL;
    if (!o->rules_path && o->workspace) {
        if (ibmap_workspace_rules(ctx, o->workspace, o->scenario, &path, &hash, &params)) {
            fprintf(stderr, "ibmap %s: %s\n", cmd, ibmap_errmsg(ctx));
            return 1;
        }
        if (path) snprintf(stored, sizeof stored, "%s", path);
        o->rules_path = path ? stored : default_rules_path();
        fprintf(stderr, "ibmap %s: rules %s (%s)\n", cmd, o->rules_path,
                path ? "those the workspace's scenario was classified with; --rules FILE "
                       "for others"
                     : "the default rules: the workspace holds no scenario");
    }
    int rc = 0;
    if (ibmap_rules_read(ctx, o->rules_path, rules)) {
        fprintf(stderr, "ibmap %s: %s\n", cmd, ibmap_errmsg(ctx));
        rc = 1;
    } else if (path && strcmp(hash, ibmap_rules_hash(*rules)) != 0) {
        fprintf(stderr, "ibmap %s: note: %s has changed since the scenario was classified "
                        "(hash %s then, %s now): its current params are used\n",
                cmd, o->rules_path, hash, ibmap_rules_hash(*rules));
    } else if (path && apply_stored_params(ctx, *rules, params)) {
        fprintf(stderr, "ibmap %s: %s\n", cmd, ibmap_errmsg(ctx));
        rc = 1;
    }
    ibmap_free(path);
    ibmap_free(hash);
    ibmap_free(params);
    if (rc) return rc;
    for (int i = 0; i < o->n_sets; i++) {
        const char *eq = strchr(o->sets[i], '=');
        double v;
        char name[128];
        if (!eq || eq == o->sets[i] || (size_t)(eq - o->sets[i]) >= sizeof name ||
            !parse_number(eq + 1, &v))
            return usage_error("expected --set PARAM=NUMBER, got '%s'", o->sets[i]);
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
        if (ibmap_rules_set_param(ctx, *rules, name, v)) {
            fprintf(stderr, "ibmap %s: %s\n", cmd, ibmap_errmsg(ctx));
            return 2;
        }
    }
    return 0;
}

/* The enterprises under the 低效 line and the 项目清单 categories. */
static void print_enterprises(FILE *out, const ibmap_classification *c,
                              const ibmap_rules *rules)
{
    int64_t n = ibmap_classification_enterprise_count(c);
    if (n == 0) return;
    long long low = 0, unknown = 0, cat[IBMAP_CATEGORY_COUNT] = {0},
              low_cat[IBMAP_CATEGORY_COUNT] = {0};
    double low_mu = 0, cat_mu[IBMAP_CATEGORY_COUNT] = {0}, low_cat_mu[IBMAP_CATEGORY_COUNT] = {0};
    double floor = 5;
    for (int i = 0; i < ibmap_rules_param_count(rules); i++)
        if (strcmp(ibmap_rules_param_name(rules, i), "tax_floor") == 0)
            floor = ibmap_rules_param_value(rules, i);
    for (int64_t i = 0; i < n; i++) {
        double mu = ibmap_classification_enterprise_land_mu(c, i);
        int le = ibmap_classification_enterprise_low_eff(c, i);
        ibmap_category k = ibmap_classification_enterprise_category(c, i);
        if (le == 1) {
            low++;
            low_cat[k]++;
            if (isfinite(mu)) {
                low_mu += mu;
                low_cat_mu[k] += mu;
            }
        }
        unknown += le < 0;
        cat[k]++;
        if (isfinite(mu)) cat_mu[k] += mu;
    }
    fprintf(out, "enterprises 企业: %lld; 低效 (亩均税收 under %g 万元/亩): %lld on %.1f 亩; "
                 "亩均税收 unknown: %lld\n",
            (long long)n, floor, low, low_mu, unknown);
    fprintf(out, "  %-16s %-10s %8s %12s\n", "category", "项目清单", "firms", "亩");
    for (int k = 1; k <= IBMAP_CATEGORY_COUNT; k++) {
        int j = k % IBMAP_CATEGORY_COUNT; /* none last */
        fprintf(out, "  %-16s %-10s %8lld %12.1f\n", ibmap_category_name((ibmap_category)j),
                ibmap_category_label_zh((ibmap_category)j), cat[j], cat_mu[j]);
    }
    /* what the enterprise rules made of the 低效 ones */
    fprintf(out, "  低效 by category:");
    for (int k = 1; k <= IBMAP_CATEGORY_COUNT; k++) {
        int j = k % IBMAP_CATEGORY_COUNT;
        fprintf(out, "%s %s %lld (%.1f 亩)", k > 1 ? "," : "",
                ibmap_category_label_zh((ibmap_category)j), low_cat[j], low_cat_mu[j]);
    }
    fprintf(out, "\n");
}

static int cmd_classify(ibmap_ctx *ctx, int argc, char **argv)
{
    static const char *const flags[] = {"--rules", "--set", "--scenario", "--csv", "--out",
                                        "--formats", "--overwrite", "--shp-encoding",
                                        "--title", "--progress", "--pg", "--pg-schema",
                                        "--extent", "--plan-blocks", "--plan-town",
                                        "--compare-with", NULL};
    const char *sets[64];
    rules_options o = {.scenario = "default", .sets = sets};
    ibmap_output_options_init(&o.output);
    o.output.started = (int64_t)time(NULL);
    if (argc > 2 * 64) return usage_error("too many arguments%s", "");
    int rc = parse_rules_args(argc, argv, flags, &o);
    if (!rc) rc = check_pg_flags(&o.output);
    if (rc) return rc;
    line_progress lines;
    choose_progress(o.progress, 0, &o.output, &lines);
    if (!rc) announce(&o.output, "classify");
    ibmap_rules *rules = NULL;
    ibmap_classification *c = NULL;
    if (!rc) rc = load_rules(ctx, "classify", &o, &rules);
    if (!rc && (ibmap_classify(ctx, o.workspace, rules, o.scenario, &c) ||
                (o.csv_path && ibmap_classification_write_csv(ctx, c, o.csv_path)) ||
                (exiting(), 0) ||
                (o.out_dir && ibmap_write_outputs(ctx, o.workspace, c, rules, o.out_dir,
                                                  &o.output)))) {
        if (o.output.progress == progress_bar) fprintf(stderr, "\r\033[K");
        fprintf(stderr, "ibmap classify: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    if (o.out_dir && o.output.progress == progress_bar) fprintf(stderr, "\r\033[K");
    if (!rc) announce(&o.output, "done");
    if (!rc) {
        long long n[IBMAP_CLASS_COUNT] = {0}, unstable = 0;
        double mu[IBMAP_CLASS_COUNT] = {0}, total_mu = 0;
        for (int64_t b = 0; b < ibmap_classification_count(c); b++) {
            ibmap_class k = ibmap_classification_class(c, b);
            double a = ibmap_classification_area_mu(c, b);
            n[k]++;
            if (isfinite(a)) {
                mu[k] += a;
                total_mu += a;
            }
            unstable += !ibmap_classification_stable(c, b);
        }
        printf("scenario %s: %lld blocks classified with %s (%s)\n", o.scenario,
               (long long)ibmap_classification_count(c), ibmap_rules_name(rules),
               o.rules_path);
        printf("  %-16s %-8s %8s %12s\n", "class", "", "blocks", "亩");
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
            printf("  %-16s %-8s %8lld %12.1f\n", ibmap_class_name((ibmap_class)k),
                   ibmap_class_label_zh((ibmap_class)k), n[k], mu[k]);
        printf("  %-16s %-8s %8lld %12.1f\n", "total", "",
               (long long)ibmap_classification_count(c), total_mu);
        printf("unstable (a param moved by ±10%% changes the class): %lld blocks\n",
               unstable);
        print_enterprises(stdout, c, rules);
        if (print_workspace_verdicts(ctx, stdout, o.workspace) < 0) rc = 1;
        if (o.csv_path) printf("blocks written to %s\n", o.csv_path);
        if (o.out_dir) printf("输出 the industrial map of scenario %s written to %s\n", o.scenario,
                              o.out_dir);
    }
    ibmap_classification_free(c);
    ibmap_rules_free(rules);
    return rc;
}

/* The bundled default rules: installed beside the program, else (when run
** from a build directory) in the source tree. */
static const char *default_rules_path(void)
{
    static const char *candidates[] = {IBMAP_INSTALLED_RULES, IBMAP_SOURCE_RULES};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(candidates[i], "rb");
        if (f) {
            fclose(f);
            return candidates[i];
        }
    }
    return IBMAP_SOURCE_RULES;
}

/* Clear the progress bar's line, if one was drawn. */
static void progress_done(const options *o)
{
    if (o->output.progress == progress_bar) fprintf(stderr, "\r\033[K");
}

/* Whether any file that `run` would write into OUTDIR is there already. */
static int find_existing_output(const options *o, char *path, size_t n)
{
    static const char *const csvs[] = {"block_metrics.csv", "landuse_by_block.csv",
                                       "block_class.csv"};
    struct stat st;
    for (size_t i = 0; i < sizeof csvs / sizeof *csvs; i++) {
        snprintf(path, n, "%s/%s", o->out_dir, csvs[i]);
        if (lstat(path, &st) == 0) return 1;
    }
    unsigned format;
    for (int i = 0; i < ibmap_output_file_count(); i++) {
        const char *name = ibmap_output_file_name(i, &format);
        if (!(format & o->output.formats)) continue;
        snprintf(path, n, "%s/%s", o->out_dir, name);
        if (lstat(path, &st) == 0) return 1;
    }
    return 0;
}

/* The project file's central_towns (中心城区 by town) replace the rules
** file's: the project describes the place, the rules the policy
** (docs/project-file.md).  0, or 2 after a message. */
static int apply_project_central_towns(ibmap_ctx *ctx, const ibmap_project *project,
                                       ibmap_rules *rules)
{
    int n = ibmap_project_central_town_count(project);
    if (n < 0) return 0;
    const char **towns = calloc((size_t)(n > 0 ? n : 1), sizeof *towns);
    if (!towns) {
        fprintf(stderr, "ibmap run: out of memory\n");
        return 2;
    }
    for (int i = 0; i < n; i++) towns[i] = ibmap_project_central_town(project, i);
    int rc = ibmap_rules_set_central_towns(ctx, rules, towns, n) ? 2 : 0;
    free(towns);
    if (rc) fprintf(stderr, "ibmap run: %s\n", ibmap_errmsg(ctx));
    return rc;
}

/* run: everything — load and overlay (or reuse the workspace), classify,
** and write the results into OUTDIR. */
static int cmd_run(ibmap_ctx *ctx, int argc, char **argv)
{
    options o;
    options_init(&o);
    o.run = 1;
    o.scenario = "default";
    o.output.started = (int64_t)time(NULL);
    ibmap_project *project = NULL;
    int rc = build_project(ctx, argc, argv, &o, &project);
    if (rc) {
        ibmap_project_free(project);
        return rc;
    }
    if (!o.out_dir) {
        ibmap_project_free(project);
        return usage_error("run needs -o OUTDIR%s", "");
    }
    if ((rc = check_pg_flags(&o.output))) {
        ibmap_project_free(project);
        return rc;
    }
    if (o.json) human = stderr;
    line_progress lines;
    choose_progress(o.progress, o.json, &o.output, &lines);
    if (!o.rules_path) o.rules_path = default_rules_path();
    char ws[4096], log[4096], metrics_csv[4096], lu_csv[4096], class_csv[4096], existing[4200],
        ent_csv[4096];
    snprintf(ws, sizeof ws, "%s/workspace.sqlite", o.out_dir);
    snprintf(log, sizeof log, "%s/data_quality.csv", o.out_dir);
    snprintf(metrics_csv, sizeof metrics_csv, "%s/block_metrics.csv", o.out_dir);
    snprintf(lu_csv, sizeof lu_csv, "%s/landuse_by_block.csv", o.out_dir);
    snprintf(class_csv, sizeof class_csv, "%s/block_class.csv", o.out_dir);
    snprintf(ent_csv, sizeof ent_csv, "%s/enterprise_class.csv", o.out_dir);
    if (!o.workspace_path) o.workspace_path = ws;
    if (strcmp(o.log_path, "data_quality.csv") == 0) o.log_path = log;
    /* Read the rules first: a mistake in them should not cost an overlay. */
    rules_options ro = {.rules_path = o.rules_path, .sets = o.param_sets,
                        .n_sets = o.n_param_sets};
    ibmap_rules *rules = NULL;
    rc = load_rules(ctx, "run", &ro, &rules);
    if (!rc) rc = apply_project_central_towns(ctx, project, rules);
    /* Refuse before any work, not after an overlay of many minutes. */
    if (!rc && !o.output.overwrite && find_existing_output(&o, existing, sizeof existing)) {
        fprintf(stderr, "ibmap run: %s 已存在 exists: use --overwrite to replace the "
                        "outputs in %s\n", existing, o.out_dir);
        rc = 1;
    }
    if (!rc && !o.output.overwrite && ibmap_outputs_existing(ctx, o.out_dir, &o.output)) {
        fprintf(stderr, "ibmap run: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    if (!rc && mkdir(o.out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ibmap run: %s: cannot create: %s\n", o.out_dir, strerror(errno));
        rc = 1;
    }
    ibmap_data *data = NULL;
    ibmap_metrics *m = NULL;
    ibmap_classification *c = NULL;
    ibmap_targets *targets = NULL;
    int reused = 0;
    if (!rc) announce(&o.output, "overlay");
    if (!rc) rc = overlay_or_reuse(ctx, "run", &o, project, &data, &m, &reused);
    if (!rc && o.stats) print_covers_stats(m, reused);
    if (!rc && (ibmap_metrics_write_csv(ctx, m, metrics_csv) ||
                ibmap_metrics_write_landuse_csv(ctx, m, lu_csv))) {
        fprintf(stderr, "ibmap run: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    /* What follows reads the workspace: the loaded layers and the metrics
    ** are freed now, not held through the outputs (the largest part of
    ** the memory at 100,000 blocks). */
    ibmap_data_free(data);
    data = NULL;
    ibmap_metrics_free(m);
    m = NULL;
#ifdef __GLIBC__
    /* The freed layers were allocated by the loader's and the overlay's
    ** threads, in glibc arenas of their own, which the outputs' threads may
    ** never reuse: hand those pages back rather than hold them. */
    malloc_trim(0);
#endif
    if (!rc && (announce(&o.output, "classify") ||
                ibmap_classify(ctx, o.workspace_path, rules, o.scenario, &c) ||
                ibmap_classification_write_csv(ctx, c, class_csv) ||
                ibmap_classification_write_enterprises_csv(ctx, c, ent_csv) ||
                (exiting(), 0) ||
                /* the targets from the outputs' model, not from a second one */
                (o.output.targets_out = &targets, 0) ||
                (set_plan_texts(&o.output, project),
                 ibmap_write_outputs(ctx, o.workspace_path, c, rules, o.out_dir, &o.output)))) {
        progress_done(&o);
        fprintf(stderr, "ibmap run: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    progress_done(&o);
    if (!rc) announce(&o.output, "done");
    if (!rc) {
        long long n[IBMAP_CLASS_COUNT] = {0};
        double mu[IBMAP_CLASS_COUNT] = {0};
        for (int64_t b = 0; b < ibmap_classification_count(c); b++) {
            ibmap_class k = ibmap_classification_class(c, b);
            n[k]++;
            if (isfinite(ibmap_classification_area_mu(c, b)))
                mu[k] += ibmap_classification_area_mu(c, b);
        }
        fprintf(human, "分类 classified with %s (scenario %s):", o.rules_path, o.scenario);
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
            fprintf(human, " %s %s %lld", ibmap_class_label_zh((ibmap_class)k),
                    ibmap_class_name((ibmap_class)k), n[k]);
        fprintf(human, "\n");
        if (ibmap_project_central_town_count(project) >= 0) {
            fprintf(human, "中心城区镇街 central towns (from the project file):");
            for (int i = 0; i < ibmap_rules_central_town_count(rules); i++)
                fprintf(human, "%s%s", i ? "、" : " ", ibmap_rules_central_town(rules, i));
            fprintf(human, "%s\n", ibmap_rules_central_town_count(rules) ? "" : " none");
        }
        print_enterprises(human, c, rules);
        fprintf(human, "输出 written to %s: block_metrics.csv, landuse_by_block.csv, "
                       "block_class.csv, enterprise_class.csv%s",
                o.out_dir, reused ? "" : ", data_quality.csv");
        unsigned format;
        for (int i = 0; i < ibmap_output_file_count(); i++) {
            const char *name = ibmap_output_file_name(i, &format);
            if (format & o.output.formats) fprintf(human, ", %s", name);
        }
        fprintf(human, "; workspace %s\n", o.workspace_path);
        if (o.output.formats & IBMAP_OUT_PLANS)
            fprintf(human, "一区块一方案 plan sheets: %lld blocks, %lld pages (A4) in %s/plans\n",
                    (long long)o.output.plan_blocks_written,
                    (long long)o.output.plan_pages_written, o.out_dir);
        /* The plan against its targets (the rules' targets:, by default
        ** 一、(三) of 31号). */
        print_targets(human, targets, NULL);
        /* Results built on layers that lost features, or that warned, say
        ** so every time: from the workspace, so a run that reused it does
        ** too. */
        if (print_workspace_verdicts(ctx, human, o.workspace_path) < 0) rc = 1;
        if (o.json) {
            printf("{\"out_dir\": ");
            json_string(o.out_dir);
            printf(", \"workspace\": ");
            json_string(o.workspace_path);
            printf(", \"metrics_reused\": %s, \"rules\": ", reused ? "true" : "false");
            json_string(o.rules_path);
            printf(", \"scenario\": ");
            json_string(o.scenario);
            printf(", ");
            json_workspace_verdicts(ctx, o.workspace_path);
            printf(", \"blocks\": %lld, \"classes\": {", (long long)ibmap_classification_count(c));
            for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
                printf("%s\"%s\": {\"blocks\": %lld, \"mu\": %.4f}", k ? ", " : "",
                       ibmap_class_name((ibmap_class)k), n[k], mu[k]);
            printf("}, \"outputs\": [\"block_metrics.csv\", \"landuse_by_block.csv\", "
                   "\"block_class.csv\"");
            for (int i = 0; i < ibmap_output_file_count(); i++) {
                const char *name = ibmap_output_file_name(i, &format);
                if (format & o.output.formats) printf(", \"%s\"", name);
            }
            printf("], \"targets\": [");
            for (int i = 0; i < ibmap_targets_count(targets); i++) {
                double v = ibmap_targets_value(targets, i);
                printf("%s{\"id\": ", i ? ", " : "");
                json_string(ibmap_targets_id(targets, i));
                printf(", \"label\": ");
                json_string(ibmap_targets_label(targets, i));
                printf(", \"unit\": ");
                json_string(ibmap_targets_unit(targets, i));
                printf(", \"target\": %.10g, \"value\": ", ibmap_targets_goal(targets, i));
                if (isfinite(v)) printf("%.10g", v);
                else printf("null");
                printf(", \"note\": ");
                json_string(ibmap_targets_note(targets, i));
                printf("}");
            }
            printf("]}\n");
        }
    }
    ibmap_targets_free(targets);
    exiting();
    ibmap_classification_free(c);
    ibmap_rules_free(rules);
    ibmap_project_free(project);
    return rc;
}

/* plans WORKSPACE -o DIR: the block plan sheets (一区块一方案) of a stored
** scenario. */
static int cmd_plans(ibmap_ctx *ctx, int argc, char **argv)
{
    const char *ws = NULL, *out = NULL, *scenario = "default", *rules_path = NULL,
               *project_path = NULL;
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    for (int i = 0; i < argc; i++) {
        const char *a = strcmp(argv[i], "-o") == 0 ? "--out" : argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (ws) return usage_error("unexpected argument %s", a);
            ws = a;
            continue;
        }
        if (strcmp(a, "--per-block") == 0) {
            o.plan_per_block = 1;
            continue;
        }
        if (strcmp(a, "--png") == 0) {
            o.plan_png = 1;
            continue;
        }
        if (strcmp(a, "--overwrite") == 0) {
            o.overwrite = 1;
            continue;
        }
        if (i + 1 >= argc) return usage_error("%s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--out") == 0) out = v;
        else if (strcmp(a, "--scenario") == 0) scenario = v;
        else if (strcmp(a, "--rules") == 0) rules_path = v;
        else if (strcmp(a, "--blocks") == 0) o.plan_blocks = v;
        else if (strcmp(a, "--town") == 0) o.plan_town = v;
        else if (strcmp(a, "--project") == 0) project_path = v;
        else if (strcmp(a, "--organization") == 0) o.plan_organization = v;
        else if (strcmp(a, "--date") == 0) o.plan_date = v;
        else if (strcmp(a, "--title") == 0) o.plan_title = v;
        else return usage_error("unknown option %s", a);
    }
    if (!ws || !out) return usage_error("plans needs WORKSPACE and -o DIR%s", "");
    if (!rules_path) rules_path = default_rules_path();
    ibmap_project *project = NULL;
    ibmap_rules *rules = NULL;
    ibmap_classification *c = NULL;
    int rc = 0;
    if ((project_path && ibmap_project_read(ctx, project_path, &project)) ||
        ibmap_rules_read(ctx, rules_path, &rules) ||
        ibmap_classification_load(ctx, ws, scenario, &c)) {
        fprintf(stderr, "ibmap plans: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    /* The flags win over the project file's plan: section. */
    if (!rc && project) {
        if (!o.plan_organization) o.plan_organization = ibmap_project_get(project, "plan.organization");
        if (!o.plan_date) o.plan_date = ibmap_project_get(project, "plan.date");
        if (!o.plan_title) o.plan_title = ibmap_project_get(project, "plan.title");
    }
    if (!rc && ibmap_write_plans(ctx, ws, c, rules, out, &o)) {
        fprintf(stderr, "ibmap plans: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    if (!rc)
        printf("一区块一方案 plan sheets: %lld blocks, %lld pages (A4) in %s (scenario %s)\n",
               (long long)o.plan_blocks_written, (long long)o.plan_pages_written, out, scenario);
    ibmap_classification_free(c);
    ibmap_rules_free(rules);
    ibmap_project_free(project);
    return rc;
}

/* compare WS_A WS_B: two workspaces (two survey years, two plan versions). */
static int compare_workspaces(ibmap_ctx *ctx, const char *ws_a, const char *ws_b,
                              const char *scen_a, const char *scen_b, const char *csv,
                              const char *report)
{
    ibmap_ws_compare *c = NULL;
    int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    if (ibmap_compare_workspaces(ctx, ws_a, scen_a, ws_b, scen_b, &c) ||
        (csv && ibmap_ws_compare_write_csv(ctx, c, csv)) ||
        (report && ibmap_ws_compare_write_html(ctx, c, report, NULL))) {
        fprintf(stderr, "ibmap compare: %s\n", ibmap_errmsg(ctx));
        ibmap_ws_compare_free(c);
        return 1;
    }
    ibmap_ws_compare_matrix(c, blocks, mu);
    printf("rows: %s; columns: %s; blocks / 亩 (B's), the B blocks with a partner in A\n",
           ws_a, ws_b);
    printf("  %-16s", "");
    for (int j = 0; j < IBMAP_CLASS_COUNT; j++) printf(" %22s", ibmap_class_name((ibmap_class)j));
    printf("\n");
    for (int i = 0; i < IBMAP_CLASS_COUNT; i++) {
        printf("  %-16s", ibmap_class_name((ibmap_class)i));
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++)
            printf(" %8lld / %11.1f", (long long)blocks[i][j], mu[i][j]);
        printf("\n");
    }
    static const char *const kinds[] = {"id", "renamed", "split", "merged", "added", "removed"};
    printf("matched:");
    for (int k = 0; k < 6; k++)
        printf(" %s %lld", kinds[k], (long long)ibmap_ws_compare_count(c, kinds[k]));
    double ta = ibmap_ws_compare_tax_per_mu(c, 0), tb = ibmap_ws_compare_tax_per_mu(c, 1);
    printf("\n亩均税收 tax per mu (city): ");
    if (isfinite(ta)) printf("%.2f", ta); else printf("unknown");
    printf(" -> ");
    if (isfinite(tb)) printf("%.2f", tb); else printf("unknown");
    printf(" 万元/亩%s%s%s%s\n", csv ? "; blocks listed in " : "", csv ? csv : "",
           report ? "; report " : "", report ? report : "");
    ibmap_ws_compare_free(c);
    return 0;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmd_compare(ibmap_ctx *ctx, int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL}, *csv = NULL, *report = NULL;
    const char *scen_a = NULL, *scen_b = NULL, *rules_path = NULL;
    int npos = 0;
    for (int i = 0; i < argc; i++) {
        const char **flag = strcmp(argv[i], "--csv") == 0          ? &csv
                            : strcmp(argv[i], "--report") == 0     ? &report
                            : strcmp(argv[i], "--scenario-a") == 0 ? &scen_a
                            : strcmp(argv[i], "--scenario-b") == 0 ? &scen_b
                            : strcmp(argv[i], "--rules") == 0      ? &rules_path
                                                                   : NULL;
        if (flag) {
            if (i + 1 >= argc) return usage_error("%s needs a value", argv[i]);
            *flag = argv[++i];
        } else if (strncmp(argv[i], "--", 2) == 0) {
            return usage_error("unknown option %s", argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return usage_error("unexpected argument %s", argv[i]);
        }
    }
    /* Two workspaces when the second argument is a file: a scenario name
    ** that happens to name a file in the current directory is not likely,
    ** and the three-argument form stays as it was. */
    if (npos == 2 && is_file(pos[1]))
        return compare_workspaces(ctx, pos[0], pos[1], scen_a, scen_b, csv, report);
    if (npos == 2)
        return usage_error("compare WS_A WS_B: %s is not a workspace file", pos[1]);
    if (scen_a || scen_b || report || (npos == 2 && rules_path))
        return usage_error("--scenario-a, --scenario-b and --report are for compare WS_A WS_B%s",
                           "");
    if (npos != 3) return usage_error("compare needs WORKSPACE A B, or WS_A WS_B%s", "");
    ibmap_classification *a = NULL, *b = NULL;
    int64_t blocks[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    double mu[IBMAP_CLASS_COUNT][IBMAP_CLASS_COUNT];
    int rc = 0;
    if (ibmap_classification_load(ctx, pos[0], pos[1], &a) ||
        ibmap_classification_load(ctx, pos[0], pos[2], &b) ||
        ibmap_compare(ctx, a, b, blocks, mu) ||
        (csv && ibmap_compare_write_csv(ctx, a, b, csv))) {
        fprintf(stderr, "ibmap compare: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    if (!rc) {
        long long changed = 0;
        printf("rows: scenario %s; columns: scenario %s; blocks / 亩\n", pos[1], pos[2]);
        printf("  %-16s", "");
        for (int j = 0; j < IBMAP_CLASS_COUNT; j++)
            printf(" %22s", ibmap_class_name((ibmap_class)j));
        printf("\n");
        for (int i = 0; i < IBMAP_CLASS_COUNT; i++) {
            printf("  %-16s", ibmap_class_name((ibmap_class)i));
            for (int j = 0; j < IBMAP_CLASS_COUNT; j++) {
                printf(" %8lld / %11.1f", (long long)blocks[i][j], mu[i][j]);
                if (i != j) changed += blocks[i][j];
            }
            printf("\n");
        }
        printf("%lld of %lld blocks changed class%s%s\n", changed,
               (long long)ibmap_classification_count(a), csv ? "; listed in " : "",
               csv ? csv : "");
        /* Both scenarios against the targets: the rules file's (--rules),
        ** else the default ones (a scenario does not store its rules). */
        ibmap_targets *ta = NULL, *tb = NULL;
        ibmap_rules *rules = NULL;
        if ((rules_path && ibmap_rules_read(ctx, rules_path, &rules)) ||
            ibmap_targets_evaluate(ctx, pos[0], a, rules, &ta) ||
            ibmap_targets_evaluate(ctx, pos[0], b, rules, &tb)) {
            fprintf(stderr, "ibmap compare: targets: %s\n", ibmap_errmsg(ctx));
            rc = 1;
        } else {
            print_targets(stdout, ta, tb);
        }
        ibmap_targets_free(ta);
        ibmap_targets_free(tb);
        ibmap_rules_free(rules);
    }
    ibmap_classification_free(a);
    ibmap_classification_free(b);
    return rc;
}

static int cmd_sweep(ibmap_ctx *ctx, int argc, char **argv)
{
    static const char *const flags[] = {"--rules", "--set", "--param", "--from", "--to",
                                        "--step", "--csv", NULL};
    const char *sets[64];
    rules_options o = {.sets = sets};
    if (argc > 2 * 64) return usage_error("too many arguments%s", "");
    int rc = parse_rules_args(argc, argv, flags, &o);
    if (rc) return rc;
    double from, to, step;
    if (!o.param || !o.from || !o.to || !o.step)
        return usage_error("sweep needs --param NAME --from X --to Y --step S%s", "");
    if (!parse_number(o.from, &from) || !parse_number(o.to, &to) ||
        !parse_number(o.step, &step) || step == 0 || (to - from) / step < 0)
        return usage_error("--from, --to and --step must be numbers with the step "
                           "going from X towards Y%s", "");
    /* Values are from + i*step (not a running sum, which drifts); the end is
    ** included when it is a whole number of steps away, to rounding. */
    double span = (to - from) / step;
    if (span > 100000) return usage_error("more than 100000 steps%s", "");
    int n = (int)(span + 1e-9) + 1; /* span >= 0: truncation is floor */
    double *values = malloc((size_t)n * sizeof *values);
    int64_t *blocks = malloc((size_t)n * IBMAP_CLASS_COUNT * sizeof *blocks);
    double *mu = malloc((size_t)n * IBMAP_CLASS_COUNT * sizeof *mu);
    ibmap_rules *rules = NULL;
    if (!values || !blocks || !mu) {
        fprintf(stderr, "ibmap sweep: out of memory\n");
        rc = 1;
    }
    for (int i = 0; !rc && i < n; i++) values[i] = from + i * step;
    if (!rc) rc = load_rules(ctx, "sweep", &o, &rules);
    if (!rc && ibmap_sweep(ctx, o.workspace, rules, o.param, values, n, blocks, mu)) {
        fprintf(stderr, "ibmap sweep: %s\n", ibmap_errmsg(ctx));
        rc = 1;
    }
    /* A file through the library (its BOM, its language, written under a
    ** temporary name and renamed); stdout as plain CSV, for scripts. */
    FILE *f = stdout;
    if (!rc && o.csv_path) {
        if (ibmap_sweep_write_csv(ctx, o.csv_path, values, n, blocks, mu)) {
            fprintf(stderr, "ibmap sweep: %s\n", ibmap_errmsg(ctx));
            rc = 1;
        } else {
            printf("%d values of %s written to %s\n", n, o.param, o.csv_path);
        }
    } else if (!rc) {
        fprintf(f, "value");
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
            fprintf(f, ",%s_blocks,%s_mu", ibmap_class_name((ibmap_class)k),
                    ibmap_class_name((ibmap_class)k));
        fprintf(f, "\n");
        for (int i = 0; i < n; i++) {
            fprintf(f, "%.10g", values[i]);
            for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
                fprintf(f, ",%lld,%.4f", (long long)blocks[i * IBMAP_CLASS_COUNT + k],
                        mu[i * IBMAP_CLASS_COUNT + k]);
            fprintf(f, "\n");
        }
    }
    ibmap_rules_free(rules);
    free(values);
    free(blocks);
    free(mu);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* init, fields, version                                                  */
/* ---------------------------------------------------------------------- */

static int cmd_init(ibmap_ctx *ctx, int argc, char **argv)
{
    if (argc != 1) return usage_error("init takes one argument, the file to write%s", "");
    if (ibmap_project_write_template(ctx, argv[0])) {
        fprintf(stderr, "ibmap init: %s\n", ibmap_errmsg(ctx));
        return 1;
    }
    printf("wrote %s\n", argv[0]);
    return 0;
}

static int cmd_fields(int argc, char **argv)
{
    int only = -1;
    if (argc == 1 && (only = ibmap_role_from_name(argv[0])) < 0)
        return usage_error("unknown role %s", argv[0]);
    static const char *types[] = {"text", "number", "flag"};
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        if (only >= 0 && r != only) continue;
        printf("%s%s\n", ibmap_role_name((ibmap_role)r),
               ibmap_role_required((ibmap_role)r) ? " (required)" : "");
        for (int f = 0; f < ibmap_role_field_count((ibmap_role)r); f++) {
            const ibmap_field_info *fi = ibmap_role_field((ibmap_role)r, f);
            printf("  %-12s %-6s %-5s %s%s — %s\n     accepted:", fi->name,
                   types[fi->type], fi->unit, fi->label_zh,
                   fi->required ? " (required)" : "", fi->description);
            for (int a = 0; fi->aliases && fi->aliases[a]; a++)
                printf(" %s", fi->aliases[a]);
            printf("\n");
        }
    }
    return 0;
}

/* Ctrl-C and SIGTERM: the first asks the library to stop at its next
** check (it then removes what it had half-written and returns); a second
** ends the process at once, for a user who cannot wait.  Either way no
** output is left half-written under its real name: every file is renamed
** into place only when complete. */
static volatile sig_atomic_t signal_received;

static void on_signal(int sig)
{
    if (signal_received) _exit(128 + sig);
    signal_received = sig;
    ibmap_interrupt();
    static const char msg[] = "\nibmap: stopping 正在停止 (again to quit at once)\n";
    ssize_t unused = write(2, msg, sizeof msg - 1);
    (void)unused;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Past a file-size limit (ulimit -f) a write should fail with EFBIG,
    ** which ibmap reports and cleans up after, not kill the process with
    ** the file half-written. */
    signal(SIGXFSZ, SIG_IGN);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    human = stdout;
    /* --progress=lines is also accepted written as one word. */
    char **args = calloc((size_t)argc * 2 + 1, sizeof *args);
    if (!args) {
        fprintf(stderr, "ibmap: out of memory\n");
        return 1;
    }
    int n_args = 0;
    const char *lang = NULL;
    for (int i = 0; i < argc; i++) {
        /* --lang en|zh: the language of every CSV written, for any command */
        if (i >= 2 && strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
            lang = argv[++i];
            continue;
        }
        if (i >= 2 && strncmp(argv[i], "--lang=", 7) == 0) {
            lang = argv[i] + 7;
            continue;
        }
        if (strncmp(argv[i], "--progress=", 11) == 0) {
            args[n_args++] = "--progress";
            args[n_args++] = argv[i] + 11;
        } else {
            args[n_args++] = argv[i];
        }
    }
    argc = n_args;
    argv = args;
    const char *cmd = argv[1];
    /* `ibmap CMD --help` (or -h): that command's usage, on stdout. */
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            int known = print_command_usage(stdout, cmd);
            if (!known && (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0)) {
                printf("usage: ibmap version\n");
                known = 1;
            }
            free(args);
            if (known) return 0;
            return usage_error("unknown command %s", cmd);
        }
    if (strcmp(cmd, "help") == 0 && argc == 3) {
        int rc = print_command_usage(stdout, argv[2]) ? 0
                                                      : usage_error("unknown command %s", argv[2]);
        free(args);
        return rc;
    }
    current_cmd = cmd;
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("ibmap %s (%s)\n", ibmap_version(), ibmap_dependency_versions());
        free(args);
        return 0;
    }
    if (strcmp(cmd, "fields") == 0) {
        int rc = cmd_fields(argc - 2, argv + 2);
        free(args);
        return rc;
    }
    catch_signals();
    ibmap_ctx *ctx = ibmap_ctx_new();
    if (!ctx) {
        fprintf(stderr, "ibmap: out of memory\n");
        free(args);
        return 1;
    }
    int rc;
    if (lang && ibmap_ctx_set_language(ctx, lang)) {
        rc = usage_error("--lang takes en or zh, not '%s'", lang);
        ibmap_ctx_free(ctx);
        free(args);
        return rc;
    }
    if (strcmp(cmd, "init") == 0)
        rc = cmd_init(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "check") == 0)
        rc = cmd_check(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "overlay") == 0)
        rc = cmd_overlay(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "run") == 0)
        rc = cmd_run(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "classify") == 0)
        rc = cmd_classify(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "compare") == 0)
        rc = cmd_compare(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "plans") == 0)
        rc = cmd_plans(ctx, argc - 2, argv + 2);
    else if (strcmp(cmd, "sweep") == 0)
        rc = cmd_sweep(ctx, argc - 2, argv + 2);
    else {
        current_cmd = NULL;
        rc = usage_error("unknown command %s", cmd);
    }
    ibmap_ctx_free(ctx);
    free(args);
    /* The shell's convention: killed by signal N is status 128 + N. */
    return signal_received ? 128 + signal_received : rc;
}
