/*
** project.c — the project: where each input layer is, how to read it, and
** the options of a run.  Read from a YAML file (docs/project-file.md) and
** overridden setting by setting from the command line.
**
** Both routes end in project_set_role_key(), so a setting means the same
** whether it came from the file or from a flag, and is checked the same way.
** The file is parsed with libyaml's document loader, which keeps the line of
** every node: every error names the file, the line and the key.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "load/load.h"

/* ---------------------------------------------------------------------- */
/* Sources: path resolution and the SRC[:LAYER] short form                */
/* ---------------------------------------------------------------------- */

/* A GDAL connection string ("PG:…", "GPKG:…", "WFS:…") or virtual file
** ("/vsizip/…") is used as written; only plain relative paths are taken
** relative to the project file. */
static int is_connection_string(const char *s)
{
    if (strncmp(s, "/vsi", 4) == 0) return 1;
    size_t i = 0;
    while (isalpha((unsigned char)s[i]) || s[i] == '_') i++;
    return i >= 2 && s[i] == ':';
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Resolve `src` against `dir` (NULL: leave relative paths alone).  A .zip
** archive is opened through GDAL's /vsizip/ virtual file system. */
static char *resolve_source(const char *dir, const char *src)
{
    char *path;
    if (is_connection_string(src) || src[0] == '/' || !dir || !*dir)
        path = ibmap_strdup(src);
    else
        path = ibmap_sprintf("%s/%s", dir, src);
    if (path && ends_with_ci(path, ".zip") && strncmp(path, "/vsi", 4) != 0) {
        char *z = ibmap_sprintf("/vsizip/%s", path);
        free(path);
        path = z;
    }
    return path;
}

static int path_exists(const char *dir, const char *src)
{
    char *p = resolve_source(dir, src);
    if (!p) return 0;
    const char *fs = strncmp(p, "/vsizip/", 8) == 0 ? p + 8 : p;
    struct stat st;
    int ok = stat(fs, &st) == 0;
    free(p);
    return ok;
}

/* Split "SRC[:LAYER]".  The layer is what follows the last ':', but only
** where that cannot be part of the source itself: for a PostgreSQL
** connection string the suffix must not look like a connection option,
** and for a path the part before the ':' must exist. */
static void split_source_layer(const char *dir, const char *text,
                               char **src, char **layer)
{
    *src = NULL;
    *layer = NULL;
    const char *colon = strrchr(text, ':');
    int split = 0;
    if (colon && colon[1]) {
        if (strncasecmp(text, "PG:", 3) == 0) {
            split = colon > text + 2 && !strpbrk(colon + 1, "= '\"");
        } else if (colon - text > 1) {
            char *prefix = ibmap_strndup(text, (size_t)(colon - text));
            split = prefix && !path_exists(dir, text) &&
                    path_exists(dir, prefix);
            free(prefix);
        }
    }
    if (split) {
        *src = ibmap_strndup(text, (size_t)(colon - text));
        *layer = ibmap_strdup(colon + 1);
    } else {
        *src = ibmap_strdup(text);
    }
}

/* ---------------------------------------------------------------------- */
/* Creating and freeing                                                   */
/* ---------------------------------------------------------------------- */

ibmap_status ibmap_project_new(ibmap_ctx *ctx, ibmap_project **out)
{
    if (!out) return ibmap_fail(ctx, IBMAP_ERR_ARG, "no output pointer");
    ibmap_project *p = calloc(1, sizeof *p);
    if (!p) return ibmap_nomem(ctx);
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        int nf = ibmap_role_field_count((ibmap_role)r);
        p->roles[r].codes = -1;
        p->roles[r].field_map = calloc((size_t)(nf > 0 ? nf : 1),
                                       sizeof(char *));
        if (!p->roles[r].field_map) {
            ibmap_project_free(p);
            return ibmap_nomem(ctx);
        }
    }
    p->area = IBMAP_AREA_PLANAR;
    p->block_overlaps = IBMAP_OVERLAPS_KEEP;
    p->block_overlap_min_m2 = 1;
    ibmap_grade_options_init(&p->grades);
    p->defect_warn = 0.01;
    p->unknown_codes_max = 0.5;
    p->n_central_towns = -1;
    *out = p;
    return IBMAP_OK;
}

static void role_source_clear(ibmap_role_source *rs, int n_fields)
{
    free(rs->source);
    free(rs->layer);
    free(rs->where);
    free(rs->encoding);
    free(rs->crs);
    if (rs->field_map)
        for (int f = 0; f < n_fields; f++) free(rs->field_map[f]);
    free(rs->field_map);
}

void ibmap_project_free(ibmap_project *p)
{
    if (!p) return;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        role_source_clear(&p->roles[r],
                          ibmap_role_field_count((ibmap_role)r));
    free(p->path);
    free(p->dir);
    free(p->crs);
    for (int i = 0; i < p->n_central_towns; i++) free(p->central_towns[i]);
    free(p->central_towns);
    free(p->plan_organization);
    free(p->plan_date);
    free(p->plan_title);
    free(p);
}

int ibmap_project_central_town_count(const ibmap_project *p)
{
    return p ? p->n_central_towns : -1;
}

const char *ibmap_project_central_town(const ibmap_project *p, int i)
{
    return p && i >= 0 && i < p->n_central_towns ? p->central_towns[i] : NULL;
}

/* Add one central town (trimmed; empty names are skipped). */
static ibmap_status add_central_town(ibmap_ctx *ctx, ibmap_project *p, const char *name,
                                     size_t n)
{
    while (n > 0 && (*name == ' ' || *name == '\t')) name++, n--;
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t')) n--;
    if (p->n_central_towns < 0) p->n_central_towns = 0;
    if (n == 0) return IBMAP_OK;
    char **grown = realloc(p->central_towns, (size_t)(p->n_central_towns + 1) * sizeof *grown);
    if (!grown) return ibmap_nomem(ctx);
    p->central_towns = grown;
    if (!(grown[p->n_central_towns] = ibmap_strndup(name, n)))
        return ibmap_nomem(ctx);
    p->n_central_towns++;
    return IBMAP_OK;
}

/* Replace the central towns by those of `value`: names separated by ','
** '，' or '、' ("" sets none: no town is central). */
static ibmap_status set_central_towns(ibmap_ctx *ctx, ibmap_project *p, const char *value)
{
    for (int i = 0; i < p->n_central_towns; i++) free(p->central_towns[i]);
    free(p->central_towns);
    p->central_towns = NULL;
    p->n_central_towns = 0;
    const char *start = value;
    for (const char *q = value;; ) {
        size_t sep = *q == ',' ? 1
                     : strncmp(q, "\xEF\xBC\x8C", 3) == 0 ? 3   /* ， */
                     : strncmp(q, "\xE3\x80\x81", 3) == 0 ? 3   /* 、 */
                                                          : 0;
        if (sep || !*q) {
            ibmap_status st = add_central_town(ctx, p, start, (size_t)(q - start));
            if (st) return st;
            if (!*q) break;
            q += sep;
            start = q;
        } else {
            q++;
        }
    }
    return IBMAP_OK;
}

const char *ibmap_project_get(const ibmap_project *p, const char *key)
{
    if (!p || !key) return NULL;
    if (strcmp(key, "plan.organization") == 0) return p->plan_organization;
    if (strcmp(key, "plan.date") == 0) return p->plan_date;
    if (strcmp(key, "plan.title") == 0) return p->plan_title;
    if (strcmp(key, "crs") == 0) return p->crs;
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Settings                                                               */
/* ---------------------------------------------------------------------- */

static int replace_string(char **slot, const char *value)
{
    char *copy = ibmap_strdup(value);
    if (!copy) return 0;
    free(*slot);
    *slot = copy;
    return 1;
}

static const char *coords_names[] = {"auto", "cgcs2000", "wgs84", "gcj02",
                                     "bd09"};

/* `where` says where the setting came from ("file.yaml:12" or "command
** line"), for messages. `dir` resolves relative source paths. */
static ibmap_status project_set_role_key(ibmap_ctx *ctx, ibmap_project *p,
                                         ibmap_role role, const char *key,
                                         const char *value, const char *dir,
                                         const char *where)
{
    ibmap_role_source *rs = &p->roles[role];
    const char *rname = ibmap_role_name(role);
    int ok = 1;
    if (strcmp(key, "") == 0) {
        char *src, *layer;
        split_source_layer(dir, value, &src, &layer);
        if (!src) return ibmap_nomem(ctx);
        char *resolved = resolve_source(dir, src);
        free(src);
        if (!resolved) {
            free(layer);
            return ibmap_nomem(ctx);
        }
        free(rs->source);
        rs->source = resolved;
        free(rs->layer);
        rs->layer = layer;
        rs->given = 1;
    } else if (strcmp(key, "source") == 0) {
        char *resolved = resolve_source(dir, value);
        if (!resolved) return ibmap_nomem(ctx);
        free(rs->source);
        rs->source = resolved;
        rs->given = 1;
    } else if (strcmp(key, "layer") == 0) {
        ok = replace_string(&rs->layer, value);
    } else if (strcmp(key, "where") == 0) {
        ok = replace_string(&rs->where, value);
    } else if (strcmp(key, "encoding") == 0) {
        char norm[32];
        if (!ibmap_encoding_normalise(value, norm, sizeof norm))
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: %s.encoding: unknown encoding '%s' "
                              "(known: UTF-8, GBK, GB2312, GB18030, BIG5, "
                              "CP1252, ISO-8859-1)",
                              where, rname, value);
        ok = replace_string(&rs->encoding, norm);
    } else if (strcmp(key, "coords") == 0) {
        int c = -1;
        for (int i = 1; i < 5; i++)
            if (strcasecmp(value, coords_names[i]) == 0) c = i;
        if (c < 0)
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: %s.coords: '%s' is not one of cgcs2000, "
                              "wgs84, gcj02, bd09",
                              where, rname, value);
        rs->coords = (ibmap_coords)c;
    } else if (strcmp(key, "crs") == 0) {
        ok = replace_string(&rs->crs, value);
    } else if (strcmp(key, "codes") == 0) {
        if (role != IBMAP_ROLE_LANDUSE)
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                              "%s: %s.codes: only the landuse layer has a "
                              "code system",
                              where, rname);
        int sys = ibmap_code_system_from_name(value);
        if (sys < 0)
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: landuse.codes: '%s' is not one of "
                              "sandiao, ydyh, gb50137",
                              where, value);
        rs->codes = sys;
    } else if (strncmp(key, "field.", 6) == 0 ||
               strncmp(key, "fields.", 7) == 0) {
        const char *canon = strchr(key, '.') + 1;
        int f = ibmap_role_field_index(role, canon);
        if (f < 0) {
            char known[1024] = "";
            for (int i = 0; i < ibmap_role_field_count(role); i++) {
                const ibmap_field_info *fi = ibmap_role_field(role, i);
                size_t len = strlen(known);
                snprintf(known + len, sizeof known - len, "%s%s",
                         i ? ", " : "", fi->name);
            }
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                              "%s: %s has no canonical field '%s' (its "
                              "fields: %s)",
                              where, rname, canon, known);
        }
        ok = replace_string(&rs->field_map[f], value);
    } else {
        return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                          "%s: unknown setting '%s.%s' (known: source, "
                          "layer, where, encoding, coords, crs, codes, "
                          "fields)",
                          where, rname, key);
    }
    return ok ? IBMAP_OK : ibmap_nomem(ctx);
}

static int parse_double(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* grades.fallback, grades.cuts, grades.weights.IND, grades.benchmarks.IND */
static ibmap_status project_set_grades(ibmap_ctx *ctx, ibmap_project *p,
                                       const char *key, const char *value,
                                       const char *where)
{
    ibmap_grade_options *g = &p->grades;
    if (strcmp(key, "fallback") == 0) {
        if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
            strcmp(value, "1") == 0)
            g->fallback = 1;
        else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
                 strcmp(value, "0") == 0)
            g->fallback = 0;
        else
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: grades.fallback: '%s' is not yes or no", where, value);
        return IBMAP_OK;
    }
    if (strcmp(key, "cuts") == 0) {
        double c[4];
        char buf[128];
        snprintf(buf, sizeof buf, "%s", value);
        int n = 0;
        for (char *tok = strtok(buf, ", "); tok && n < 5; tok = strtok(NULL, ", "))
            if (n < 4 && parse_double(tok, &c[n]) && c[n] >= 0) n++;
            else n = 5;
        if (n != 4 || c[0] + c[1] + c[2] + c[3] <= 0)
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: grades.cuts: '%s' is not four percentages "
                              "for A, B, C, D (e.g. 20,40,35,5)",
                              where, value);
        memcpy(g->cuts, c, sizeof c);
        return IBMAP_OK;
    }
    int weights = strncmp(key, "weights.", 8) == 0;
    int benchmarks = strncmp(key, "benchmarks.", 11) == 0;
    if (weights || benchmarks) {
        const char *name = key + (weights ? 8 : 11);
        for (int k = 0; k < IBMAP_GRADE_INDICATORS; k++) {
            if (strcmp(name, ibmap_grade_indicator_names[k]) != 0) continue;
            double v;
            if (!parse_double(value, &v) || v < 0)
                return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                                  "%s: grades.%s: '%s' is not a number ≥ 0",
                                  where, key, value);
            if (weights) g->weights[k] = v;
            else g->benchmarks[k] = v;
            return IBMAP_OK;
        }
        return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                          "%s: grades.%s: unknown indicator '%s' (known: "
                          "tax_per_mu, va_per_mu, va_per_energy, "
                          "va_per_emissions, labour_productivity, rnd_share)",
                          where, key, name);
    }
    return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                      "%s: unknown setting 'grades.%s' (known: fallback, cuts, "
                      "weights.IND, benchmarks.IND)",
                      where, key);
}

static ibmap_status project_set_global(ibmap_ctx *ctx, ibmap_project *p,
                                       const char *key, const char *value,
                                       const char *where)
{
    if (strcmp(key, "crs") == 0) {
        if (strcasecmp(value, "auto") == 0) {
            free(p->crs);
            p->crs = NULL;
            return IBMAP_OK;
        }
        return replace_string(&p->crs, value)
                   ? IBMAP_OK
                   : ibmap_nomem(ctx);
    }
    if (strcmp(key, "area") == 0) {
        if (strcasecmp(value, "planar") == 0)
            p->area = IBMAP_AREA_PLANAR;
        else if (strcasecmp(value, "ellipsoidal") == 0)
            p->area = IBMAP_AREA_ELLIPSOIDAL;
        else
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: area: '%s' is not planar or ellipsoidal",
                              where, value);
        return IBMAP_OK;
    }
    if (strcmp(key, "block_overlaps") == 0) {
        if (strcasecmp(value, "keep") == 0)
            p->block_overlaps = IBMAP_OVERLAPS_KEEP;
        else if (strcasecmp(value, "split") == 0)
            p->block_overlaps = IBMAP_OVERLAPS_SPLIT;
        else
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: block_overlaps: '%s' is not keep or split",
                              where, value);
        return IBMAP_OK;
    }
    if (strcmp(key, "block_overlap_min_m2") == 0) {
        char *end;
        double v = strtod(value, &end);
        if (end == value || *end || !(v >= 0) || !isfinite(v))
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: block_overlap_min_m2: '%s' is not an area "
                              "in m² (0 or more)",
                              where, value);
        p->block_overlap_min_m2 = v;
        return IBMAP_OK;
    }
    if (strncmp(key, "grades.", 7) == 0) return project_set_grades(ctx, p, key + 7, value, where);
    if (strcmp(key, "central_towns") == 0) return set_central_towns(ctx, p, value);
    if (strncmp(key, "plan.", 5) == 0) {
        char **slot = strcmp(key + 5, "organization") == 0 ? &p->plan_organization
                      : strcmp(key + 5, "date") == 0       ? &p->plan_date
                      : strcmp(key + 5, "title") == 0      ? &p->plan_title
                                                           : NULL;
        if (!slot)
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                              "%s: unknown setting '%s' (known: plan.organization, "
                              "plan.date, plan.title)",
                              where, key);
        return replace_string(slot, value) ? IBMAP_OK
                                           : ibmap_nomem(ctx);
    }
    if (strcmp(key, "accept_defects") == 0 || strcmp(key, "accept-defects") == 0) {
        /* a role or a comma list of them; each setting adds to the others */
        char buf[512];
        snprintf(buf, sizeof buf, "%s", value);
        for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
             tok = strtok_r(NULL, ", ", &save)) {
            int r = ibmap_role_from_name(tok);
            if (r < 0)
                return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                                  "%s: accept_defects: '%s' is not a layer role "
                                  "(roles: blocks, parcels, landuse, redline, "
                                  "control_units, parks, central, transition, "
                                  "basic_farmland, towns)",
                                  where, tok);
            p->accept_defects |= 1u << r;
        }
        return IBMAP_OK;
    }
    if (strcmp(key, "defect_warn_percent") == 0 ||
        strcmp(key, "unknown_codes_max_percent") == 0) {
        double v;
        if (!parse_double(value, &v) || v < 0 || v > 100)
            return ibmap_fail(ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: %s: '%s' is not a percentage (0 to 100)",
                              where, key, value);
        if (key[0] == 'd') p->defect_warn = v / 100;
        else p->unknown_codes_max = v / 100;
        return IBMAP_OK;
    }
    return ibmap_fail(ctx, IBMAP_ERR_PROJECT_KEY,
                      "%s: unknown setting '%s' (known: crs, area, grades.*, "
                      "accept_defects, central_towns, defect_warn_percent, "
                      "unknown_codes_max_percent, block_overlaps, "
                      "block_overlap_min_m2, and ROLE.KEY for the input "
                      "layers)",
                      where, key);
}

/* Split "ROLE.rest" or "ROLE"; the role name may use '-' for '_'. */
static int split_role_key(const char *key, ibmap_role *role,
                          const char **rest)
{
    char name[64];
    const char *dot = strchr(key, '.');
    size_t n = dot ? (size_t)(dot - key) : strlen(key);
    if (n >= sizeof name) return 0;
    memcpy(name, key, n);
    name[n] = '\0';
    int r = ibmap_role_from_name(name);
    if (r < 0) return 0;
    *role = (ibmap_role)r;
    *rest = dot ? dot + 1 : "";
    return 1;
}

ibmap_status ibmap_project_set(ibmap_ctx *ctx, ibmap_project *p,
                               const char *key, const char *value)
{
    if (!p || !key || !value)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_project_set: NULL argument");
    ibmap_role role;
    const char *rest;
    if (split_role_key(key, &role, &rest)) {
        /* A source given here replaces the project file's: what the file
        ** said about how to read its source (coords: gcj02, crs:, fields:,
        ** encoding:, …) is not about this one, so the role starts again
        ** from its defaults.  (The CLI gives sources before --set.) */
        ibmap_role_source *rs = &p->roles[role];
        if (rs->from_file && (!*rest || strcmp(rest, "source") == 0)) {
            int nf = ibmap_role_field_count(role);
            char **field_map = calloc((size_t)(nf > 0 ? nf : 1), sizeof(char *));
            if (!field_map) return ibmap_nomem(ctx);
            role_source_clear(rs, nf);
            memset(rs, 0, sizeof *rs);
            rs->codes = -1;
            rs->field_map = field_map;
        }
        return project_set_role_key(ctx, p, role, rest, value, NULL,
                                    "command line");
    }
    return project_set_global(ctx, p, key, value, "command line");
}

/* ---------------------------------------------------------------------- */
/* The YAML file                                                          */
/* ---------------------------------------------------------------------- */

typedef struct yaml_reader {
    ibmap_ctx *ctx;
    ibmap_project *p;
    yaml_document_t *doc;
    const char *path;
    char where[4200];
} yaml_reader;

static const char *at(yaml_reader *y, yaml_node_t *node)
{
    snprintf(y->where, sizeof y->where, "%s:%lu", y->path,
             (unsigned long)node->start_mark.line + 1);
    return y->where;
}

static const char *scalar(yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE
               ? (const char *)node->data.scalar.value
               : NULL;
}

/* The key and value nodes of one pair of a mapping; returns the key's
** text, NULL when the key is not a plain scalar.  Every walk over a
** mapping of the project file goes through here. */
static const char *pair_nodes(const yaml_reader *y, const yaml_node_pair_t *pair,
                              yaml_node_t **k, yaml_node_t **v)
{
    *k = yaml_document_get_node(y->doc, pair->key);
    *v = yaml_document_get_node(y->doc, pair->value);
    return scalar(*k);
}

static ibmap_status read_role(yaml_reader *y, ibmap_role role,
                              yaml_node_t *value)
{
    const char *dir = y->p->dir;
    if (value->type == YAML_SCALAR_NODE) {
        y->p->roles[role].from_file = 1;
        return project_set_role_key(y->ctx, y->p, role, "", scalar(value),
                                    dir, at(y, value));
    }
    if (value->type != YAML_MAPPING_NODE)
        return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                          "%s: layers.%s must be a source (SRC or SRC:LAYER) "
                          "or a mapping with source, layer, …",
                          at(y, value), ibmap_role_name(role));
    for (yaml_node_pair_t *pair = value->data.mapping.pairs.start;
         pair < value->data.mapping.pairs.top; pair++) {
        yaml_node_t *k, *v;
        const char *key = pair_nodes(y, pair, &k, &v);
        if (!key)
            return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_SYNTAX,
                              "%s: keys must be plain names", at(y, k));
        if (strcmp(key, "fields") == 0) {
            if (v->type != YAML_MAPPING_NODE)
                return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                                  "%s: %s.fields must map canonical field "
                                  "names to source field names",
                                  at(y, v), ibmap_role_name(role));
            for (yaml_node_pair_t *fp = v->data.mapping.pairs.start;
                 fp < v->data.mapping.pairs.top; fp++) {
                yaml_node_t *fk, *fv;
                pair_nodes(y, fp, &fk, &fv);
                if (!scalar(fk) || !scalar(fv))
                    return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                                      "%s: %s.fields: expected "
                                      "'canonical: SOURCE_FIELD'",
                                      at(y, fk), ibmap_role_name(role));
                char fkey[256];
                snprintf(fkey, sizeof fkey, "field.%s", scalar(fk));
                ibmap_status st = project_set_role_key(
                    y->ctx, y->p, role, fkey, scalar(fv), dir, at(y, fk));
                if (st) return st;
            }
            continue;
        }
        if (!scalar(v))
            return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                              "%s: %s.%s must be a single value", at(y, v),
                              ibmap_role_name(role), key);
        ibmap_status st = project_set_role_key(y->ctx, y->p, role, key,
                                               scalar(v), dir, at(y, k));
        if (st) return st;
    }
    if (!y->p->roles[role].source)
        return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                          "%s: layers.%s has no source", at(y, value),
                          ibmap_role_name(role));
    y->p->roles[role].from_file = 1;
    return IBMAP_OK;
}

/* grades: {fallback: yes, cuts: [20, 40, 35, 5], weights: {IND: W},
**          benchmarks: {IND: B}} */
static ibmap_status read_grades(yaml_reader *y, yaml_node_t *node)
{
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *k, *v;
        const char *key = pair_nodes(y, pair, &k, &v);
        char full[256];
        ibmap_status st = IBMAP_OK;
        if (key && v->type == YAML_SEQUENCE_NODE) {
            /* a list of numbers, joined as "a,b,c,d" */
            char list[128] = "";
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                const char *item = scalar(yaml_document_get_node(y->doc, *it));
                size_t len = strlen(list);
                snprintf(list + len, sizeof list - len, "%s%s",
                         len ? "," : "", item ? item : "?");
            }
            snprintf(full, sizeof full, "grades.%s", key);
            st = project_set_global(y->ctx, y->p, full, list, at(y, k));
        } else if (key && v->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *ip = v->data.mapping.pairs.start;
                 !st && ip < v->data.mapping.pairs.top; ip++) {
                yaml_node_t *ik, *iv;
                pair_nodes(y, ip, &ik, &iv);
                snprintf(full, sizeof full, "grades.%s.%s", key,
                         scalar(ik) ? scalar(ik) : "?");
                st = project_set_global(y->ctx, y->p, full,
                                        scalar(iv) ? scalar(iv) : "", at(y, ik));
            }
        } else if (key && scalar(v)) {
            snprintf(full, sizeof full, "grades.%s", key);
            st = project_set_global(y->ctx, y->p, full, scalar(v), at(y, k));
        } else {
            st = ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                            "%s: grades: expected fallback, cuts, weights, "
                            "benchmarks", at(y, k));
        }
        if (st) return st;
    }
    return IBMAP_OK;
}

static ibmap_status read_document(yaml_reader *y)
{
    yaml_node_t *root = yaml_document_get_root_node(y->doc);
    if (!root)
        return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_SYNTAX,
                          "%s: the project file is empty", y->path);
    if (root->type != YAML_MAPPING_NODE)
        return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_SYNTAX,
                          "%s: the project file must be a mapping "
                          "(crs:, area:, layers:)",
                          at(y, root));
    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
         pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *k, *v;
        const char *key = pair_nodes(y, pair, &k, &v);
        if (!key)
            return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_SYNTAX,
                              "%s: keys must be plain names", at(y, k));
        if (strcmp(key, "layers") == 0) {
            if (v->type != YAML_MAPPING_NODE)
                return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                                  "%s: layers must map role names to "
                                  "sources",
                                  at(y, v));
            for (yaml_node_pair_t *lp = v->data.mapping.pairs.start;
                 lp < v->data.mapping.pairs.top; lp++) {
                yaml_node_t *lk, *lv;
                pair_nodes(y, lp, &lk, &lv);
                int role = scalar(lk) ? ibmap_role_from_name(scalar(lk)) : -1;
                if (role < 0)
                    return ibmap_fail(
                        y->ctx, IBMAP_ERR_PROJECT_KEY,
                        "%s: unknown layer role '%s' (roles: blocks, "
                        "parcels, landuse, redline, control_units, parks, "
                        "central, transition, basic_farmland, towns)",
                        at(y, lk), scalar(lk) ? scalar(lk) : "?");
                ibmap_status st = read_role(y, (ibmap_role)role, lv);
                if (st) return st;
            }
        } else if (strcmp(key, "grades") == 0 && v->type == YAML_MAPPING_NODE) {
            ibmap_status st = read_grades(y, v);
            if (st) return st;
        } else if (strcmp(key, "central_towns") == 0 && v->type == YAML_SEQUENCE_NODE) {
            /* 中心城区 by town (二、(二)); [] sets none */
            ibmap_status st = set_central_towns(y->ctx, y->p, "");
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 !st && it < v->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(y->doc, *it);
                if (!scalar(item))
                    return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                                      "%s: central_towns lists town names",
                                      at(y, item));
                st = add_central_town(y->ctx, y->p, scalar(item), strlen(scalar(item)));
            }
            if (st) return st;
        } else if (strcmp(key, "plan") == 0 && v->type == YAML_MAPPING_NODE) {
            /* plan: {organization: …, date: …, title: …} */
            for (yaml_node_pair_t *pp = v->data.mapping.pairs.start;
                 pp < v->data.mapping.pairs.top; pp++) {
                yaml_node_t *pk, *pv;
                const char *name = pair_nodes(y, pp, &pk, &pv);
                char full[128];
                snprintf(full, sizeof full, "plan.%s", name ? name : "?");
                if (!scalar(pv))
                    return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE, "%s: %s must be text",
                                      at(y, pv), full);
                ibmap_status st = project_set_global(y->ctx, y->p, full, scalar(pv), at(y, pk));
                if (st) return st;
            }
        } else if (strcmp(key, "accept_defects") == 0 &&
                   v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(y->doc, *it);
                if (!scalar(item))
                    return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_VALUE,
                                      "%s: accept_defects lists layer roles",
                                      at(y, item));
                ibmap_status st = project_set_global(y->ctx, y->p, key,
                                                     scalar(item), at(y, item));
                if (st) return st;
            }
        } else if (scalar(v)) {
            ibmap_status st =
                project_set_global(y->ctx, y->p, key, scalar(v), at(y, k));
            if (st) return st;
        } else {
            return ibmap_fail(y->ctx, IBMAP_ERR_PROJECT_KEY,
                              "%s: unknown key '%s' (known: crs, area, block_overlaps, "
                              "central_towns, layers, grades, plan)",
                              at(y, k), key);
        }
    }
    return IBMAP_OK;
}

ibmap_status ibmap_project_read(ibmap_ctx *ctx, const char *path,
                                ibmap_project **out)
{
    if (!path || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_project_read: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f)
        return ibmap_fail(ctx, IBMAP_ERR_OPEN, "%s: cannot open project file: %s",
                          path, strerror(errno));
    ibmap_project *p;
    ibmap_status st = ibmap_project_new(ctx, &p);
    if (st) {
        fclose(f);
        return st;
    }
    p->path = ibmap_strdup(path);
    const char *slash = strrchr(path, '/');
    p->dir = slash ? ibmap_strndup(path, (size_t)(slash - path + (slash == path)))
                   : ibmap_strdup(".");
    if (!p->path || !p->dir) {
        fclose(f);
        ibmap_project_free(p);
        return ibmap_nomem(ctx);
    }

    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        st = ibmap_fail(ctx, IBMAP_ERR_PROJECT_SYNTAX,
                        "%s:%lu:%lu: %s%s%s", path,
                        (unsigned long)parser.problem_mark.line + 1,
                        (unsigned long)parser.problem_mark.column + 1,
                        parser.problem ? parser.problem : "syntax error",
                        parser.context ? " " : "",
                        parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        fclose(f);
        ibmap_project_free(p);
        return st;
    }
    yaml_reader y = {ctx, p, &doc, path, {0}};
    st = read_document(&y);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (st) {
        ibmap_project_free(p);
        return st;
    }
    *out = p;
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* The template                                                           */
/* ---------------------------------------------------------------------- */

static const char template_text[] =
    "# ibmap project file.  See docs/project-file.md.\n"
    "# Relative paths are relative to this file.  Every setting can also be\n"
    "# given on the command line (--blocks SRC[:LAYER], --crs, --area,\n"
    "# --field ROLE.CANONICAL=SOURCE, --set ROLE.KEY=VALUE), which wins.\n"
    "\n"
    "# Working CRS.  auto: the CGCS2000 3-degree Gauss-Krüger zone holding\n"
    "# the centre of the blocks (for Cixi, EPSG:4549).\n"
    "crs: auto\n"
    "\n"
    "# planar: areas in the working CRS.  ellipsoidal: on the CGCS2000\n"
    "# ellipsoid (geodesic polygon area).\n"
    "area: planar\n"
    "\n"
    "# 亩均 grades for parcels without an official one (official grades win).\n"
    "# grades:\n"
    "#   fallback: yes\n"
    "#   cuts: [20, 40, 35, 5]           # % of parcels A, B, C, D\n"
    "#   weights: {tax_per_mu: 30, va_per_mu: 20, va_per_energy: 20,\n"
    "#             va_per_emissions: 10, labour_productivity: 10, rnd_share: 10}\n"
    "#   benchmarks: {tax_per_mu: 25}    # default: the county mean\n"
    "\n"
    "# 中心城区 by town (二、(二)): replaces the rules file's central_towns.\n"
    "# central_towns: [白沙路街道, 古塘街道, 浒山街道]\n"
    "# What the block plan sheets (一区块一方案, ibmap plans) print:\n"
    "# plan:\n"
    "#   organization: 慈溪市经济和信息化局   # 编制单位\n"
    "#   date: 2025-06                       # 编制日期\n"
    "#   title: 工业区块有机更新“一区块一方案”\n"
    "\n"
    "layers:\n"
    "  # Required roles --------------------------------------------------\n"
    "  blocks: blocks.shp                 # industrial blocks 工业区块\n"
    "  parcels:                           # parcels 宗地 with 亩均 data\n"
    "    source: city.gpkg                # any GDAL source: path, .zip, PG:...\n"
    "    layer: parcels                   # needed when there are several layers\n"
    "    # where: \"SSHJ IS NOT NULL\"      # optional attribute filter (OGR SQL)\n"
    "    # fields:                        # canonical name: your field name\n"
    "    #   tax: SSHJ\n"
    "    #   land_mu: YDMJ\n"
    "  landuse:                           # 三调 DLTB\n"
    "    source: city.gpkg\n"
    "    layer: DLTB\n"
    "    codes: sandiao                   # sandiao | ydyh | gb50137\n"
    "  redline: redline.geojson           # 生态保护红线\n"
    "  control_units:                     # 环境管控单元\n"
    "    source: control_units.shp\n"
    "    # encoding: GBK                  # wins over .cpg and the DBF LDID\n"
    "  parks: city.gpkg:parks             # planned parks\n"
    "  # Optional roles --------------------------------------------------\n"
    "  # central: city.gpkg:central       # central districts\n"
    "  # transition: city.gpkg:transition # 过渡控制区\n"
    "  # basic_farmland: city.gpkg:basic_farmland  # 永久基本农田\n"
    "  # towns:                           # 镇街 boundaries\n"
    "  #   source: towns.shp\n"
    "  #   crs: EPSG:4528                 # for a source that declares no CRS\n"
    "  #   coords: gcj02                  # cgcs2000 | wgs84 | gcj02 | bd09\n";

static int template_body(FILE *f, const void *arg)
{
    (void)arg;
    return fwrite(template_text, 1, sizeof template_text - 1, f) ==
           sizeof template_text - 1;
}

ibmap_status ibmap_project_write_template(ibmap_ctx *ctx, const char *path)
{
    if (!path) return ibmap_fail(ctx, IBMAP_ERR_ARG, "no path");
    if (access(path, F_OK) == 0)
        return ibmap_fail(ctx, IBMAP_ERR_WRITE,
                          "%s: already exists; not overwritten", path);
    return ibmap_write_file(ctx, path, template_body, NULL);
}
