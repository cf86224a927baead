/*
** outputs.c — ibmap_write_outputs(): every output file of a run, from the
** workspace and a classification, into one directory.
**
** The order matters in two places only: the QGIS project refers to the
** GeoPackage, and the report embeds the map's PNG.  Everything else is
** independent.  Each writer makes its file complete or not at all, so a
** failure part way leaves the files written so far complete and the rest
** as they were.  Whether any target exists is checked before anything is
** written: without `overwrite`, an existing output stops the call at
** once, naming the file.
*/
#include <math.h>
#include <dirent.h>
#include <errno.h>
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
    char *path = NULL, *png = NULL;
#define OUT_PATH(name) (free(path), path = ibmap_sprintf("%s/%s", out_dir, (name)))
    if (!s && (formats & IBMAP_OUT_GPKG) && !(s = stage(ctx, o, "geopackage"))) {
        s = OUT_PATH(OUT_NAME_GPKG) ? out_write_gpkg(ctx, m, path, o) : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_POSTGIS) && !(s = stage(ctx, o, "postgis"))) {
        s = out_write_postgis(ctx, m, o->pg, o->pg_schema, o->overwrite, o);
    }
    if (!s && (formats & IBMAP_OUT_QGS) && !(s = stage(ctx, o, "qgis project"))) {
        s = OUT_PATH(OUT_NAME_QGS) ? out_write_qgs(ctx, m, path, OUT_NAME_GPKG)
                                           : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_SPATIALITE) && !(s = stage(ctx, o, "spatialite"))) {
        s = OUT_PATH(OUT_NAME_SPATIALITE) ? out_write_spatialite(ctx, m, path, o)
                                              : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_SHAPEFILE) && !(s = stage(ctx, o, "shapefile"))) {
        s = OUT_PATH(OUT_NAME_SHP_DIR) ? out_write_shapefiles(ctx, m, path, o->shp_encoding, o)
                            : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_GEOJSON) && !(s = stage(ctx, o, "geojson"))) {
        s = OUT_PATH(OUT_NAME_GEOJSON_DIR) ? out_write_geojson(ctx, m, path, o) : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_FGB) && !(s = stage(ctx, o, "flatgeobuf"))) {
        s = OUT_PATH(OUT_NAME_FGB_DIR) ? out_write_fgb(ctx, m, path, o) : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_SUMMARIES) && !(s = stage(ctx, o, "summaries"))) {
        s = out_write_summaries(ctx, m, out_dir);
    }
    if (!s && (formats & IBMAP_OUT_MAP) && !(s = stage(ctx, o, "map"))) {
        png = ibmap_sprintf("%s/" OUT_NAME_MAP_PNG, out_dir);
        s = png && OUT_PATH(OUT_NAME_MAP_PDF) ? out_write_map(ctx, m, png, path)
                                                  : ibmap_nomem(ctx);
    }
    if (!s && (formats & IBMAP_OUT_TOWN_MAPS) && !(s = stage(ctx, o, "town maps"))) {
        char *dir = ibmap_sprintf("%s/" OUT_NAME_TOWN_MAPS_DIR, out_dir);
        s = dir && OUT_PATH(OUT_NAME_TOWN_MAPS_PDF) ? out_write_town_maps(ctx, m, path, dir)
                                                    : ibmap_nomem(ctx);
        free(dir);
    }
    /* Before the report, which links each block to its sheet. */
    if (!s && (formats & IBMAP_OUT_PLANS) && !(s = stage(ctx, o, "plans"))) {
        s = OUT_PATH(OUT_NAME_PLANS_DIR) ? write_plans(ctx, m, path, o) : ibmap_nomem(ctx);
    }
    ibmap_ws_compare *cmp = NULL;
    if (!s && (formats & IBMAP_OUT_REPORT) && o->compare_workspace &&
        !(s = stage(ctx, o, "compare")))
        s = ibmap_compare_workspaces(ctx, o->compare_workspace, NULL, workspace,
                                     ibmap_classification_scenario(c)[0]
                                         ? ibmap_classification_scenario(c)
                                         : NULL,
                                     &cmp);
    if (!s && (formats & IBMAP_OUT_REPORT) && !(s = stage(ctx, o, "report"))) {
        m->ws_compare = cmp;
        s = OUT_PATH(OUT_NAME_REPORT) ? out_write_report(ctx, m, path, png) : ibmap_nomem(ctx);
        m->ws_compare = NULL;
    }
    ibmap_ws_compare_free(cmp);
#undef OUT_PATH
    free(path);
    free(png);
    out_model_free(m);
    return s;
}
