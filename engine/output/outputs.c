/*
** outputs.c — ibmap_write_outputs(): every output file of a run, from the
** workspace and a classification, into one directory.
**
** The order matters in a few places only: the QGIS project refers to the
** GeoPackage, the report embeds the map's PNG and links the plan sheets,
** and the run table the GeoPackage and SpatiaLite record their checks in
** (see "Writers at once" below).  Everything else is independent.  Each
** writer makes its file complete or not at all, so a failure part way
** leaves the files written so far complete and the rest as they were.  Whether any target exists is checked before anything is
** written: without `overwrite`, an existing output stops the call at
** once, naming the file.
*/
#include <math.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output/output.h"

/* Depth-limited: ibmap's own directories nest one level (plans/blocks). */
static void remove_tree_depth(const char *dir, int depth)
{
    struct stat st;
    if (lstat(dir, &st) != 0) return;
    if (!S_ISDIR(st.st_mode) || depth > 4) {
        unlink(dir);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *p = ibmap_sprintf("%s/%s", dir, e->d_name);
        if (p) remove_tree_depth(p, depth + 1);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

void out_remove_tree(const char *dir)
{
    remove_tree_depth(dir, 0);
}

char *out_safe_file_name(const char *s)
{
    char *safe = ibmap_strdup(s ? s : "");
    if (!safe) return NULL;
    for (char *c = safe; *c; c++)
        if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20 || *c == ':' || *c == '*' ||
            *c == '?' || *c == '"' || *c == '<' || *c == '>' || *c == '|' || *c == '#' ||
            *c == '%')
            *c = '_';
    if (safe[0] == '.') safe[0] = '_';
    return safe;
}

char *out_plan_file_name(const char *dir, const char *town, const char *ext)
{
    char *safe = out_safe_file_name(town && *town ? town : "无镇街");
    char *s = safe ? ibmap_sprintf("%s/%s.%s", dir, safe, ext) : NULL;
    free(safe);
    return s;
}

ibmap_status out_swap_dir(ibmap_ctx *ctx, const char *tmp, const char *dir)
{
    char *old = ibmap_sprintf("%s.old-%ld", dir, (long)getpid());
    if (!old) return ibmap_nomem(ctx);
    int had_old = rename(dir, old) == 0;
    if (rename(tmp, dir) != 0) {
        int err = errno;
        if (had_old) rename(old, dir);
        free(old);
        return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write: %s", dir, strerror(err));
    }
    if (had_old) out_remove_tree(old);
    free(old);
    return IBMAP_OK;
}

void ibmap_output_options_init(ibmap_output_options *o)
{
    memset(o, 0, sizeof *o);
    o->formats = IBMAP_OUT_ALL;
    o->shp_encoding = "UTF-8";
}

/* The names each format writes in the output directory. */
static const struct {
    unsigned format;
    const char *name;
} output_names[] = {
    {IBMAP_OUT_GPKG, OUT_NAME_GPKG},
    {IBMAP_OUT_QGS, OUT_NAME_QGS},
    {IBMAP_OUT_SPATIALITE, OUT_NAME_SPATIALITE},
    {IBMAP_OUT_SHAPEFILE, OUT_NAME_SHP_DIR},
    {IBMAP_OUT_GEOJSON, OUT_NAME_GEOJSON_DIR},
    {IBMAP_OUT_FGB, OUT_NAME_FGB_DIR},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_TOWN},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_PARK},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_CU},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_MODE},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_TOTALS},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_ENT_CATEGORY},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_ENT_CHAIN},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_BLOCK_ENTERPRISES},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_RANKING_ENTERPRISES},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_RANKING_INDUSTRIES},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_RANKING_TOWNS},
    {IBMAP_OUT_SUMMARIES, OUT_NAME_SUMMARY_TARGETS},
    {IBMAP_OUT_MAP, OUT_NAME_MAP_PNG},
    {IBMAP_OUT_MAP, OUT_NAME_MAP_PDF},
    {IBMAP_OUT_REPORT, OUT_NAME_REPORT},
    {IBMAP_OUT_TOWN_MAPS, OUT_NAME_TOWN_MAPS_PDF},
    {IBMAP_OUT_TOWN_MAPS, OUT_NAME_TOWN_MAPS_DIR},
    {IBMAP_OUT_PLANS, OUT_NAME_PLANS_DIR},
};

int ibmap_output_file_count(void)
{
    return (int)(sizeof output_names / sizeof *output_names);
}

const char *ibmap_output_file_name(int i, unsigned *format)
{
    if (i < 0 || i >= ibmap_output_file_count()) return NULL;
    if (format) *format = output_names[i].format;
    return output_names[i].name;
}

static ibmap_status check_existing(ibmap_ctx *ctx, const char *dir, unsigned formats)
{
    for (int i = 0; i < ibmap_output_file_count(); i++) {
        if (!(formats & output_names[i].format)) continue;
        char *path = ibmap_sprintf("%s/%s", dir, output_names[i].name);
        if (!path) return ibmap_nomem(ctx);
        struct stat st;
        int exists = lstat(path, &st) == 0;
        ibmap_status s = exists ? ibmap_fail(ctx, IBMAP_ERR_EXISTS,
                                             "%s 已存在 exists: use --overwrite to replace it",
                                             path)
                                : IBMAP_OK;
        free(path);
        if (s) return s;
    }
    return IBMAP_OK;
}

ibmap_status ibmap_outputs_existing(ibmap_ctx *ctx, const char *out_dir,
                                    const ibmap_output_options *o)
{
    if (!out_dir || !o) return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_outputs_existing: NULL argument");
    unsigned formats = o->formats;
    if (formats & IBMAP_OUT_QGS) formats |= IBMAP_OUT_GPKG;
    ibmap_status s = check_existing(ctx, out_dir, formats);
    if (!s && (formats & IBMAP_OUT_POSTGIS))
        s = out_postgis_existing(ctx, o->pg, o->pg_schema ? o->pg_schema : "ibmap");
    return s;
}

/* Announce a stage; IBMAP_ERR_INTERRUPTED when an interruption was asked
** for meanwhile. */
static ibmap_status stage(ibmap_ctx *ctx, const ibmap_output_options *o, const char *name)
{
    if (ibmap_interrupt_pending()) return ibmap_fail_interrupted(ctx);
    if (o->progress) o->progress(o->progress_arg, name, 0, 0);
    return IBMAP_OK;
}

static ibmap_status write_plans(ibmap_ctx *ctx, const out_model *m, const char *dir,
                                const ibmap_output_options *o)
{
    out_plan_options po = {o->plan_blocks, o->plan_town, o->plan_per_block, o->plan_png,
                           o->plan_organization, o->plan_date, o->plan_title};
    int64_t nb = 0, np = 0;
    ibmap_status s = out_write_plans(ctx, m, dir, &po, &nb, &np);
    /* The counts go back through the caller's options when it gave them. */
    ((ibmap_output_options *)o)->plan_blocks_written = nb;
    ((ibmap_output_options *)o)->plan_pages_written = np;
    return s;
}

ibmap_status ibmap_write_plans(ibmap_ctx *ctx, const char *workspace,
                               const ibmap_classification *c, const ibmap_rules *rules,
                               const char *out_dir, ibmap_output_options *options)
{
    ibmap_output_options defaults;
    ibmap_output_options_init(&defaults);
    ibmap_output_options *o = options ? options : &defaults;
    if (!workspace || !c || !out_dir)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_write_plans: NULL argument");
    struct stat st;
    if (!o->overwrite && lstat(out_dir, &st) == 0)
        return ibmap_fail(ctx, IBMAP_ERR_EXISTS,
                          "%s 已存在 exists: use --overwrite to replace it", out_dir);
    out_model *m = NULL;
    ibmap_status s = stage(ctx, o, "model");
    if (!s) s = out_model_build_plan(ctx, workspace, c, rules, &m);
    if (!s) s = stage(ctx, o, "plans");
    if (!s) s = write_plans(ctx, m, out_dir, o);
    out_model_free(m);
    return s;
}

/* ---------------------------------------------------------------------- */
/* The writers                                                            */
/* ---------------------------------------------------------------------- */

/* The writers, in the order they run one after another (threads 1), which
** is also the order whose first failure is reported. */
typedef enum writer_id {
    W_GPKG, W_POSTGIS, W_QGS, W_SPATIALITE, W_SHAPEFILE, W_GEOJSON, W_FGB,
    W_SUMMARIES, W_MAP, W_TOWN_MAPS, W_PLANS, W_REPORT, W_COUNT
} writer_id;

static const struct {
    unsigned format;
    const char *stage;
} writers[W_COUNT] = {
    [W_GPKG] = {IBMAP_OUT_GPKG, "geopackage"},
    [W_POSTGIS] = {IBMAP_OUT_POSTGIS, "postgis"},
    [W_QGS] = {IBMAP_OUT_QGS, "qgis project"},
    [W_SPATIALITE] = {IBMAP_OUT_SPATIALITE, "spatialite"},
    [W_SHAPEFILE] = {IBMAP_OUT_SHAPEFILE, "shapefile"},
    [W_GEOJSON] = {IBMAP_OUT_GEOJSON, "geojson"},
    [W_FGB] = {IBMAP_OUT_FGB, "flatgeobuf"},
    [W_SUMMARIES] = {IBMAP_OUT_SUMMARIES, "summaries"},
    [W_MAP] = {IBMAP_OUT_MAP, "map"},
    [W_TOWN_MAPS] = {IBMAP_OUT_TOWN_MAPS, "town maps"},
    /* before the report, which links each block to its sheet */
    [W_PLANS] = {IBMAP_OUT_PLANS, "plans"},
    [W_REPORT] = {IBMAP_OUT_REPORT, "report"},
};

/* What every writer reads: the model, and what the report's comparison
** reads besides. */
typedef struct write_inputs {
    const out_model *m;
    const char *workspace;
    const ibmap_classification *c;
    const char *out_dir;
    unsigned formats;
} write_inputs;

/* The report, with the comparison with another workspace when one was
** asked for.  It runs after every other writer, the model being no longer
** read by any other thread, so it may lend the comparison to the model. */
static ibmap_status write_report(ibmap_ctx *ctx, const write_inputs *in, const char *path,
                                 const char *png, const ibmap_output_options *o)
{
    const out_model *m = in->m;
    ibmap_ws_compare *cmp = NULL;
    ibmap_status s = IBMAP_OK;
    if (o->compare_workspace && !(s = stage(ctx, o, "compare"))) {
        const char *scenario = ibmap_classification_scenario(in->c);
        s = ibmap_compare_workspaces(ctx, o->compare_workspace, NULL, in->workspace,
                                     scenario[0] ? scenario : NULL, &cmp);
    }
    if (!s) {
        ((out_model *)m)->ws_compare = cmp;
        s = out_write_report(ctx, m, path, png);
        ((out_model *)m)->ws_compare = NULL;
    }
    ibmap_ws_compare_free(cmp);
    return s;
}

/* Write one output: announce its stage, then the file(s). */
static ibmap_status run_writer(ibmap_ctx *ctx, writer_id w, const write_inputs *in,
                               const ibmap_output_options *o)
{
    const out_model *m = in->m;
    const char *out_dir = in->out_dir;
    unsigned formats = in->formats;
    ibmap_status s = stage(ctx, o, writers[w].stage);
    if (s) return s;
    const char *name = w == W_GPKG         ? OUT_NAME_GPKG
                       : w == W_QGS        ? OUT_NAME_QGS
                       : w == W_SPATIALITE ? OUT_NAME_SPATIALITE
                       : w == W_SHAPEFILE  ? OUT_NAME_SHP_DIR
                       : w == W_GEOJSON    ? OUT_NAME_GEOJSON_DIR
                       : w == W_FGB        ? OUT_NAME_FGB_DIR
                       : w == W_MAP        ? OUT_NAME_MAP_PDF
                       : w == W_TOWN_MAPS  ? OUT_NAME_TOWN_MAPS_PDF
                       : w == W_PLANS      ? OUT_NAME_PLANS_DIR
                       : w == W_REPORT     ? OUT_NAME_REPORT
                                           : "";
    char *path = ibmap_sprintf("%s/%s", out_dir, name);
    /* the report embeds the map's PNG when the map is written */
    char *png = (w == W_MAP || (w == W_REPORT && (formats & IBMAP_OUT_MAP)))
                    ? ibmap_sprintf("%s/" OUT_NAME_MAP_PNG, out_dir)
                    : NULL;
    int need_png = w == W_MAP || (w == W_REPORT && (formats & IBMAP_OUT_MAP));
    if (!path || (need_png && !png)) {
        free(path);
        free(png);
        return ibmap_nomem(ctx);
    }
    switch (w) {
    case W_GPKG: s = out_write_gpkg(ctx, m, path, o); break;
    case W_POSTGIS: s = out_write_postgis(ctx, m, o->pg, o->pg_schema, o->overwrite, o); break;
    case W_QGS: s = out_write_qgs(ctx, m, path, OUT_NAME_GPKG); break;
    case W_SPATIALITE: s = out_write_spatialite(ctx, m, path, o); break;
    case W_SHAPEFILE: s = out_write_shapefiles(ctx, m, path, o->shp_encoding, o); break;
    case W_GEOJSON: s = out_write_geojson(ctx, m, path, o); break;
    case W_FGB: s = out_write_fgb(ctx, m, path, o); break;
    case W_SUMMARIES: s = out_write_summaries(ctx, m, out_dir); break;
    case W_MAP: s = out_write_map(ctx, m, png, path); break;
    case W_TOWN_MAPS: {
        char *dir = ibmap_sprintf("%s/" OUT_NAME_TOWN_MAPS_DIR, out_dir);
        s = dir ? out_write_town_maps(ctx, m, path, dir) : ibmap_nomem(ctx);
        free(dir);
        break;
    }
    case W_PLANS: s = write_plans(ctx, m, path, o); break;
    case W_REPORT: s = write_report(ctx, in, path, png, o); break;
    default: break;
    }
    free(path);
    free(png);
    return s;
}

/* ---------------------------------------------------------------------- */
/* Writers at once                                                        */
/* ---------------------------------------------------------------------- */

/* Each writer has its own GDAL dataset(s) and runs on a thread of its own
** with its own context (errors, GEOS, PROJ); they share the model, which
** they only read, with one exception: the GeoPackage and SpatiaLite
** writers put the nothing-lost figures they measured into the run table
** (out_model_record_check), and the writers after them in the serial
** order write the table as it then is.  So a writer that reads the run
** table waits for those before it that change it or read it: SpatiaLite,
** before writing its run table, for the GeoPackage and PostGIS; the report
** for every other writer.  Every file is then the file the serial order
** writes, byte for byte.
**
** Jobs are taken in a fixed order by as many threads as asked for; a job
** waits only for jobs before it, which have all been taken, so none waits
** forever.  A writer whose predecessor failed is skipped, as it would not
** have run after a failure (the QGIS project without its GeoPackage,
** SpatiaLite, the report); the others finish, each file complete or not
** there.  The failure reported is the first in the serial order. */

static const writer_id jobs[][5] = {
    /* the longest first: GeoJSON reprojects every coordinate */
    {W_GEOJSON, W_COUNT},
    {W_GPKG, W_POSTGIS, W_QGS, W_COUNT},
    {W_SPATIALITE, W_COUNT},
    {W_SHAPEFILE, W_COUNT},
    {W_FGB, W_COUNT},
    {W_SUMMARIES, W_COUNT},
    /* Cairo and Pango: the drawings one after another, on one thread */
    {W_MAP, W_TOWN_MAPS, W_PLANS, W_REPORT, W_COUNT},
};
#define N_JOBS ((int)(sizeof jobs / sizeof *jobs))

enum { ST_PENDING = 0, ST_OK, ST_FAILED, ST_SKIPPED };

typedef struct sched {
    const write_inputs *in;
    const ibmap_output_options *o;  /* the caller's: its progress function */
    ibmap_output_options job_o;     /* what the writers get: progress locked */
    ibmap_ctx *ctx[W_COUNT];
    ibmap_status status[W_COUNT];
    int state[W_COUNT];
    int next_job;
    pthread_mutex_t lock;
    pthread_cond_t changed;
} sched;

/* Progress from several threads: one at a time to the caller's function. */
static void locked_progress(void *arg, const char *stage_name, int64_t done, int64_t total)
{
    sched *S = arg;
    pthread_mutex_lock(&S->lock);
    S->o->progress(S->o->progress_arg, stage_name, done, total);
    pthread_mutex_unlock(&S->lock);
}

/* Wait until every writer of `which` (W_COUNT-terminated) that is asked
** for has finished; 1 when all of them succeeded. */
static int wait_for(sched *S, const writer_id *which)
{
    int ok = 1;
    pthread_mutex_lock(&S->lock);
    for (const writer_id *w = which; *w != W_COUNT; w++) {
        if (!(S->in->formats & writers[*w].format)) continue;
        while (S->state[*w] == ST_PENDING) pthread_cond_wait(&S->changed, &S->lock);
        ok &= S->state[*w] == ST_OK;
    }
    pthread_mutex_unlock(&S->lock);
    return ok;
}

static void finish(sched *S, writer_id w, int state, ibmap_status st)
{
    pthread_mutex_lock(&S->lock);
    S->state[w] = state;
    S->status[w] = st;
    pthread_cond_broadcast(&S->changed);
    pthread_mutex_unlock(&S->lock);
}

/* out_ogr.c's run gate for SpatiaLite: the GeoPackage and PostGIS first. */
static int spatialite_gate(void *arg)
{
    static const writer_id before[] = {W_GPKG, W_POSTGIS, W_COUNT};
    return wait_for(arg, before);
}

static void *job_thread(void *arg)
{
    sched *S = arg;
    for (;;) {
        pthread_mutex_lock(&S->lock);
        int j = S->next_job < N_JOBS ? S->next_job++ : -1;
        pthread_mutex_unlock(&S->lock);
        if (j < 0) break;
        int failed = 0;
        for (const writer_id *w = jobs[j]; *w != W_COUNT; w++) {
            if (!(S->in->formats & writers[*w].format)) continue;
            if (failed) {
                finish(S, *w, ST_SKIPPED, IBMAP_OK);
                continue;
            }
            if (*w == W_REPORT) {
                /* the report shows the run table as the serial order
                ** leaves it, and is written only after all else was */
                writer_id others[W_COUNT + 1];
                int n = 0;
                for (int k = 0; k < W_COUNT; k++)
                    if (k != W_REPORT && k != W_MAP && k != W_TOWN_MAPS && k != W_PLANS)
                        others[n++] = (writer_id)k;
                others[n] = W_COUNT;
                if (!wait_for(S, others)) {
                    finish(S, *w, ST_SKIPPED, IBMAP_OK);
                    continue;
                }
            }
            int gated = 0;
            if (*w == W_SPATIALITE) out_set_run_gate(spatialite_gate, S, &gated);
            ibmap_status st = run_writer(S->ctx[*w], *w, S->in, &S->job_o);
            if (*w == W_SPATIALITE) out_set_run_gate(NULL, NULL, NULL);
            failed = st != IBMAP_OK;
            finish(S, *w, !failed ? ST_OK : gated < 0 ? ST_SKIPPED : ST_FAILED, st);
        }
    }
    return NULL;
}

static ibmap_status write_concurrently(ibmap_ctx *ctx, const write_inputs *in,
                                       const ibmap_output_options *o, int n_threads)
{
    unsigned formats = in->formats;
    sched S;
    memset(&S, 0, sizeof S);
    S.in = in;
    S.o = o;
    S.job_o = *o;
    if (o->progress) {
        S.job_o.progress = locked_progress;
        S.job_o.progress_arg = &S;
    }
    ibmap_status s = IBMAP_OK;
    for (int w = 0; w < W_COUNT && !s; w++) {
        if (!(formats & writers[w].format)) continue;
        if (!(S.ctx[w] = ibmap_ctx_new())) s = ibmap_nomem(ctx);
        else S.ctx[w]->zh = ctx->zh; /* the CSVs' language */
    }
    pthread_mutex_init(&S.lock, NULL);
    pthread_cond_init(&S.changed, NULL);
    pthread_t threads[N_JOBS];
    int started = 0;
    if (n_threads > N_JOBS) n_threads = N_JOBS;
    for (int k = 1; !s && k < n_threads; k++)
        if (pthread_create(&threads[started], NULL, job_thread, &S) == 0) started++;
    if (!s) job_thread(&S); /* this thread takes jobs too */
    for (int k = 0; k < started; k++) pthread_join(threads[k], NULL);
    for (int w = 0; w < W_COUNT && !s; w++)
        if (S.state[w] == ST_FAILED)
            s = ibmap_fail(ctx, S.status[w], "%s", ibmap_errmsg(S.ctx[w]));
    /* The plan sheets' counts go back through the caller's options. */
    ((ibmap_output_options *)o)->plan_blocks_written = S.job_o.plan_blocks_written;
    ((ibmap_output_options *)o)->plan_pages_written = S.job_o.plan_pages_written;
    for (int w = 0; w < W_COUNT; w++) ibmap_ctx_free(S.ctx[w]);
    pthread_cond_destroy(&S.changed);
    pthread_mutex_destroy(&S.lock);
    return s;
}

ibmap_status ibmap_write_outputs(ibmap_ctx *ctx, const char *workspace,
                                 const ibmap_classification *c,
                                 const ibmap_rules *rules,
                                 const char *out_dir,
                                 const ibmap_output_options *options)
{
    ibmap_output_options defaults;
    ibmap_output_options_init(&defaults);
    const ibmap_output_options *o = options ? options : &defaults;
    if (!workspace || !c || !out_dir)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_write_outputs: NULL argument");
    if (o->extent && !(isfinite(o->extent[0]) && isfinite(o->extent[1]) &&
                       isfinite(o->extent[2]) && isfinite(o->extent[3]) &&
                       o->extent[0] < o->extent[2] && o->extent[1] < o->extent[3]))
        return ibmap_fail(ctx, IBMAP_ERR_ARG,
                          "the map's extent must be minx,miny,maxx,maxy with minx < maxx "
                          "and miny < maxy (working CRS)");
    unsigned formats = o->formats & (IBMAP_OUT_ALL | IBMAP_OUT_FGB | IBMAP_OUT_POSTGIS |
                                     IBMAP_OUT_PLANS);
    /* The project file is of no use without the GeoPackage it opens. */
    if (formats & IBMAP_OUT_QGS) formats |= IBMAP_OUT_GPKG;
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot create: %s", out_dir,
                          strerror(errno));
    ibmap_status s = o->overwrite ? IBMAP_OK : check_existing(ctx, out_dir, formats);
    /* The database too, before anything is written anywhere (the write
    ** itself checks again, inside its transaction). */
    if (!s && !o->overwrite && (formats & IBMAP_OUT_POSTGIS))
        s = out_postgis_existing(ctx, o->pg, o->pg_schema ? o->pg_schema : "ibmap");
    if (s) return s;
    out_model *m = NULL;
    s = stage(ctx, o, "model");
    if (!s) s = out_model_build(ctx, workspace, c, rules, o, &m);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n_threads = o->threads > 0 ? o->threads : cores > 1 ? (int)cores : 1;
    write_inputs in = {m, workspace, c, out_dir, formats};
    if (!s && n_threads > 1) {
        s = write_concurrently(ctx, &in, o, n_threads);
    } else {
        /* one after another, stopping at the first failure */
        for (int w = 0; !s && w < W_COUNT; w++)
            if (formats & writers[w].format) s = run_writer(ctx, (writer_id)w, &in, o);
    }
    if (o->targets_out) *o->targets_out = NULL;
    if (!s && o->targets_out) s = out_targets_take(ctx, m, o->targets_out);
    out_model_free(m);
    return s;
}
