/*
** plan_rules.c — the two sections of a rules file that are about the plan
** rather than about a block's class (docs/rules.md):
**
**   sme_parks:  the params of the 小微企业园 candidate sites
**               (output/out_sites.c): which land may be grouped, how near
**               is contiguous, the smallest and largest site, and the
**               weights of the score;
**   targets:    the 2025 targets of 慈政办发〔2021〕31号 一、(三), each
**               a measure of the plan with its target value
**               (output/out_targets.c).
**
** Both are optional: without them the defaults below apply, the policy's
** own figures.  Keys are checked as strictly as the rest of the file:
** an unknown key or measure, or a value of the wrong kind, is an error that
** names the file and the line.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "classify/rules.h"

/* The measures a target may name, with their unit and what they count. */
static const struct {
    const char *name, *unit;
} measures[] = {
    {"low_eff_land_mu", "亩"},        /* 亩 of consolidate and exit blocks */
    {"blocks_renovated", "个"},       /* consolidate blocks */
    {"low_eff_enterprises_covered", "share"}, /* low-efficiency firms in a plan */
    {"lsl_small_enterprises", "家"},  /* 低散乱污 / 两小 firms in a plan */
    {"sme_park_sites", "个"},         /* candidate sites found */
};
#define N_MEASURES ((int)(sizeof measures / sizeof *measures))

int rules_measure_index(const char *name)
{
    for (int i = 0; name && i < N_MEASURES; i++)
        if (strcmp(name, measures[i].name) == 0) return i;
    return -1;
}

void rules_sme_defaults(rules_sme *s)
{
    s->link_distance = 50;
    s->min_mu = 30;
    s->max_mu = 300;
    s->small_parcel_mu = 10;
    s->low_tax_per_mu = 5;
    s->size_ref_mu = 150;
    s->mover_distance = 1000;
    s->movers_ref = 50;
    s->min_score = 0;
    s->w_size = 0.35;
    s->w_compactness = 0.2;
    s->w_parks = 0.25;
    s->w_movers = 0.2;
    s->modes = (1u << IBMAP_MODE_REBUILD) | (1u << IBMAP_MODE_CONSOLIDATION) |
               (1u << IBMAP_MODE_PARTIAL_RENEWAL);
}

/* The five targets of 一、(三) that a plan of blocks can be measured
** against. */
static const struct {
    const char *id, *label, *measure;
    double target;
} default_targets[] = {
    {"land_revitalised", "盘活低效工业用地", "low_eff_land_mu", 3000},
    {"blocks_renovated", "改造低效工业区块", "blocks_renovated", 15},
    {"low_eff_enterprises", "亩均税收5万元以下低效企业全部改造提升",
     "low_eff_enterprises_covered", 1},
    {"lsl_small", "整治淘汰提升“低散乱污”“两小”企业", "lsl_small_enterprises", 3000},
    {"sme_parks", "新增小微企业园", "sme_park_sites", 15},
};
#define DEFAULT_SOURCE "慈政办发〔2021〕31号 一、(三) 主要目标（到2025年）"

void rules_targets_free(ibmap_rules *r)
{
    for (int i = 0; i < r->n_targets; i++) {
        free(r->targets[i].id);
        free(r->targets[i].label);
        free(r->targets[i].measure);
        free(r->targets[i].unit);
        free(r->targets[i].source);
    }
    free(r->targets);
    r->targets = NULL;
    r->n_targets = 0;
}

static int add_target(ibmap_rules *r, const char *id, const char *label, const char *measure,
                      double target, const char *unit, const char *source)
{
    rules_target *t = realloc(r->targets, (size_t)(r->n_targets + 1) * sizeof *t);
    if (!t) return 0;
    r->targets = t;
    t = &r->targets[r->n_targets];
    int m = rules_measure_index(measure);
    t->id = ibmap_strdup(id);
    t->label = ibmap_strdup(label ? label : id);
    t->measure = ibmap_strdup(measure);
    t->unit = ibmap_strdup(unit ? unit : m >= 0 ? measures[m].unit : "");
    t->source = ibmap_strdup(source ? source : "");
    t->target = target;
    r->n_targets++;
    return t->id && t->label && t->measure && t->unit && t->source;
}

int rules_targets_defaults(ibmap_rules *r)
{
    rules_targets_free(r);
    for (size_t i = 0; i < sizeof default_targets / sizeof *default_targets; i++)
        if (!add_target(r, default_targets[i].id, default_targets[i].label,
                        default_targets[i].measure, default_targets[i].target, NULL,
                        DEFAULT_SOURCE))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

static yaml_node_t *node_of(yaml_document_t *doc, int i)
{
    return yaml_document_get_node(doc, i);
}

static const char *scalar_of(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static ibmap_status fail_at(ibmap_ctx *ctx, const char *path, const yaml_node_t *n,
                            const char *what, const char *detail)
{
    return ibmap_fail(ctx, IBMAP_ERR_RULES_SYNTAX, "%s:%lu: %s%s%s", path,
                      (unsigned long)n->start_mark.line + 1, what, detail ? ": " : "",
                      detail ? detail : "");
}

/* A finite number, or an error naming the key. */
static ibmap_status number_of(ibmap_ctx *ctx, const char *path, const yaml_node_t *n,
                              const char *key, double *out)
{
    const char *s = scalar_of(n);
    char *end = NULL;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || !isfinite(v)) {
        char what[160];
        snprintf(what, sizeof what, "'%s' must be a number", key);
        return fail_at(ctx, path, n, what, s);
    }
    *out = v;
    return IBMAP_OK;
}

ibmap_status rules_read_sme_parks(ibmap_ctx *ctx, const char *path, yaml_document_t *doc,
                                  yaml_node_t *map, ibmap_rules *r)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ctx, path, map, "'sme_parks' must be a mapping of params", NULL);
    rules_sme *s = &r->sme;
    static const struct {
        const char *key;
        size_t offset;
        int positive;       /* must be > 0, else >= 0 */
    } keys[] = {
        {"link_distance", offsetof(rules_sme, link_distance), 0},
        {"min_mu", offsetof(rules_sme, min_mu), 0},
        {"max_mu", offsetof(rules_sme, max_mu), 1},
        {"small_parcel_mu", offsetof(rules_sme, small_parcel_mu), 0},
        {"low_tax_per_mu", offsetof(rules_sme, low_tax_per_mu), 0},
        {"size_ref_mu", offsetof(rules_sme, size_ref_mu), 1},
        {"mover_distance", offsetof(rules_sme, mover_distance), 0},
        {"movers_ref", offsetof(rules_sme, movers_ref), 1},
        {"min_score", offsetof(rules_sme, min_score), 0},
    };
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_of(doc, p->key), *v = node_of(doc, p->value);
        const char *key = scalar_of(k);
        int done = 0;
        ibmap_status st = IBMAP_OK;
        for (size_t i = 0; key && !done && i < sizeof keys / sizeof *keys; i++) {
            if (strcmp(key, keys[i].key) != 0) continue;
            double x;
            if ((st = number_of(ctx, path, v, key, &x))) return st;
            if (keys[i].positive ? !(x > 0) : !(x >= 0))
                return fail_at(ctx, path, v, key,
                               keys[i].positive ? "must be more than 0" : "must not be negative");
            *(double *)((char *)s + keys[i].offset) = x;
            done = 1;
        }
        if (done) continue;
        if (key && strcmp(key, "weights") == 0 && v->type == YAML_MAPPING_NODE) {
            static const struct {
                const char *key;
                size_t offset;
            } w[] = {{"size", offsetof(rules_sme, w_size)},
                     {"compactness", offsetof(rules_sme, w_compactness)},
                     {"parks", offsetof(rules_sme, w_parks)},
                     {"movers", offsetof(rules_sme, w_movers)}};
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *wk = node_of(doc, q->key), *wv = node_of(doc, q->value);
                const char *name = scalar_of(wk);
                size_t i = 0;
                while (name && i < sizeof w / sizeof *w && strcmp(name, w[i].key) != 0) i++;
                if (!name || i == sizeof w / sizeof *w)
                    return fail_at(ctx, path, wk,
                                   "unknown weight (known: size, compactness, parks, movers)",
                                   name);
                double x;
                if ((st = number_of(ctx, path, wv, name, &x))) return st;
                if (x < 0) return fail_at(ctx, path, wv, name, "a weight must not be negative");
                *(double *)((char *)s + w[i].offset) = x;
            }
            if (s->w_size + s->w_compactness + s->w_parks + s->w_movers <= 0)
                return fail_at(ctx, path, v, "the weights add up to 0", NULL);
            continue;
        }
        if (key && strcmp(key, "modes") == 0 && v->type == YAML_SEQUENCE_NODE) {
            unsigned modes = 0;
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                yaml_node_t *mn = node_of(doc, *it);
                int m = ibmap_mode_from_name(scalar_of(mn));
                if (m < 0)
                    return fail_at(ctx, path, mn, "unknown mode in sme_parks.modes",
                                   scalar_of(mn));
                modes |= 1u << m;
            }
            s->modes = modes;
            continue;
        }
        return fail_at(ctx, path, k,
                       "unknown key in sme_parks (known: link_distance, min_mu, max_mu, "
                       "small_parcel_mu, low_tax_per_mu, size_ref_mu, mover_distance, "
                       "movers_ref, min_score, weights, modes)",
                       key);
    }
    if (s->min_mu > s->max_mu)
        return fail_at(ctx, path, map, "sme_parks: min_mu is more than max_mu", NULL);
    return IBMAP_OK;
}

ibmap_status rules_read_targets(ibmap_ctx *ctx, const char *path, yaml_document_t *doc,
                                yaml_node_t *list, ibmap_rules *r)
{
    if (list->type != YAML_SEQUENCE_NODE)
        return fail_at(ctx, path, list, "'targets' must be a list of targets", NULL);
    rules_targets_free(r);
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        yaml_node_t *t = node_of(doc, *it);
        if (t->type != YAML_MAPPING_NODE)
            return fail_at(ctx, path, t, "a target must be a mapping (id, measure, target, …)",
                           NULL);
        const char *id = NULL, *label = NULL, *measure = NULL, *unit = NULL, *source = NULL;
        double target = NAN;
        for (yaml_node_pair_t *p = t->data.mapping.pairs.start; p < t->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = node_of(doc, p->key), *v = node_of(doc, p->value);
            const char *key = scalar_of(k);
            const char **text = !key                        ? NULL
                                : strcmp(key, "id") == 0      ? &id
                                : strcmp(key, "label") == 0   ? &label
                                : strcmp(key, "measure") == 0 ? &measure
                                : strcmp(key, "unit") == 0    ? &unit
                                : strcmp(key, "source") == 0  ? &source
                                                              : NULL;
            if (text) {
                if (!scalar_of(v)) return fail_at(ctx, path, v, key, "must be text");
                *text = scalar_of(v);
            } else if (key && strcmp(key, "target") == 0) {
                ibmap_status st = number_of(ctx, path, v, key, &target);
                if (st) return st;
            } else {
                return fail_at(ctx, path, k,
                               "unknown key in a target (known: id, label, measure, target, "
                               "unit, source)",
                               key);
            }
        }
        if (!id || !measure || !isfinite(target))
            return fail_at(ctx, path, t, "a target needs id, measure and target", NULL);
        if (rules_measure_index(measure) < 0) {
            char known[256] = "";
            for (int i = 0; i < N_MEASURES; i++) {
                size_t len = strlen(known);
                snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", measures[i].name);
            }
            char what[400];
            snprintf(what, sizeof what, "target '%s': unknown measure (known: %s)", id, known);
            return ibmap_fail(ctx, IBMAP_ERR_RULES_NAME, "%s:%lu: %s: %s", path,
                              (unsigned long)t->start_mark.line + 1, what, measure);
        }
        for (int i = 0; i < r->n_targets; i++)
            if (strcmp(r->targets[i].id, id) == 0)
                return fail_at(ctx, path, t, "a second target with the id", id);
        if (!add_target(r, id, label, measure, target, unit, source))
            return ibmap_nomem(ctx);
    }
    r->targets_given = 1;
    return IBMAP_OK;
}
