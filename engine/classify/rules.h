/*
** ibmap_rules.h — what rules.c (reading and checking a rules file, the
** SQL guard) shares with classify.c (evaluating rules over a workspace).
** Not installed.
*/
#ifndef IBMAP_RULES_H
#define IBMAP_RULES_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"

/* The one-row-per-variant TEMP table the rules read their params from:
** temp.params(ibmap_variant INTEGER PRIMARY KEY, <one REAL per param>).
** A variant is one vector of param values (the base values, a param moved
** by ±10%, one step of a sweep); evaluating all variants is one scan. */
#define RULES_PARAMS_TABLE "params"
#define RULES_VARIANT_COLUMN "ibmap_variant"

/* Rules whose truths share one 64-bit integer column of the scan. */
#define RULES_PER_MASK 62

typedef struct rules_param {
    char *name;
    double value;
    char *unit;          /* "share" formats as a percentage; "" if none */
    char *description;
} rules_param;

/* One piece of a reason: literal text, or a placeholder {name} that is a
** metric (metric >= 0) or a param (param >= 0). */
typedef struct reason_part {
    char *text;          /* literal text (placeholders: NULL) */
    int metric;
    int param;
} reason_part;

typedef struct rules_rule {
    char *id;
    ibmap_class klass;
    ibmap_mode mode;
    char *when;
    char *reason;        /* as written */
    reason_part *parts;
    int n_parts;
    char *source;
    unsigned long line;  /* line of the rule in the file, 1-based */
    unsigned char *uses_param; /* [n_params]: 1 when `when` reads the param
                                  (SQLite tells the authorizer, rules.c) */
} rules_rule;

/* sme_parks: the params of the 小微企业园 candidate sites (plan_rules.c,
** output/out_sites.c, docs/rules.md). */
typedef struct rules_sme {
    double link_distance;  /* m: pieces this near are contiguous */
    double min_mu, max_mu; /* 亩: smallest and largest site */
    double small_parcel_mu;/* 亩: a parcel under this is small */
    double low_tax_per_mu; /* 万元/亩: a parcel under this is low-efficiency */
    double size_ref_mu;    /* 亩 at which the size score is full */
    double mover_distance; /* m: small firms this near could move in */
    double movers_ref;     /* movers at which that score is full */
    double min_score;      /* sites scoring less are not proposed */
    double w_size, w_compactness, w_parks, w_movers;
    unsigned modes;        /* bits (1 << ibmap_mode): consolidate blocks of
                              these modes are candidate land */
} rules_sme;

/* targets: one target of the plan (plan_rules.c, output/out_targets.c). */
typedef struct rules_target {
    char *id, *label, *measure, *unit, *source;
    double target;
} rules_target;

struct ibmap_rules {
    rules_sme sme;
    rules_target *targets;
    int n_targets;
    int targets_given;   /* the file has a targets: section */
    char *path;
    char *name;
    char *source;
    char hash[17];       /* FNV-1a 64 of the file's bytes, hex */
    rules_param *params;
    int n_params;
    rules_rule *rules;
    int n_rules;
};

/* Make `db` a connection that rule expressions can be compiled on safely:
** extension loading off, defensive mode on, untrusted schema, strings and
** blobs of at most 1 MB.  Then, while `guard` is installed
** (rules_guard_on), only one SELECT (no subquery), reads of
** main.block_metrics and temp.params and the functions on the safe list are
** authorised.  `denied` receives a sentence describing the first refusal. */
typedef struct rules_guard {
    char denied[256];
    /* SELECTs authorised since rules_guard_on(): the statement's own is
    ** the first; a second is a subquery of a rule, which is refused
    ** (rules.c, authorize).  So: rules_guard_on() before each prepare. */
    int selects;
    /* When not NULL: uses[i] is set when the statement reads param i of
    ** `rules`. */
    const ibmap_rules *rules;
    unsigned char *uses;
} rules_guard;

void rules_db_harden(sqlite3 *db);
void rules_guard_on(sqlite3 *db, rules_guard *guard);
void rules_guard_off(sqlite3 *db);

/* Create temp.params with one row per variant: values[v * n_params + i] is
** param i in variant v.  Returns SQLITE_OK or an SQLite error code. */
int rules_fill_params(sqlite3 *db, const ibmap_rules *rules,
                      const double *values, int n_variants);

/* The SQL of the scan over n_variants variants, variant 0 holding the
** params as they are and variant v > 0 differing from it in param
** variant_param[v] only.  With `base`, the rows of variant 0: block_index,
** variant, block_id, metric_status, area_mu, each metric that a reason
** mentions (in metric order, once; reason_metric_col[m] receives its
** column or -1), then the truths of all rules.  Without, the rows of the
** other variants: block_index, variant and the truths, where a rule is
** evaluated only in the variants whose param it reads (elsewhere its bit
** is 0: its truth there is that of variant 0).  Truths are bits: rule k
** is bit k % RULES_PER_MASK of column *first_rule_col + k / RULES_PER_MASK.
** Rows come variant by variant, blocks in order.  malloc'd. */
char *rules_scan_sql(const ibmap_rules *rules, int base, const int *variant_param,
                     int n_variants, int reason_metric_col[M_COUNT],
                     int *first_rule_col);

/* Format a value as a reason shows it: a share as a percentage with one
** decimal ("3.2%"), other numbers with 3 significant digits (no exponent
** from 0.001 up) followed by the unit if any ("4.3 万元/亩"); "—" for a
** missing value.  Writes into buf (NUL-terminated, truncated to n). */
void rules_format_value(char *buf, size_t n, double v, const char *unit);

/* plan_rules.c: the sme_parks: and targets: sections.  The defaults are
** the policy's (一、(三) for the targets); rules_targets_defaults() puts
** them in r (0: out of memory).  rules_measure_index() is the index of a
** target measure's name, -1 for none. */
void rules_sme_defaults(rules_sme *s);
int rules_targets_defaults(ibmap_rules *r);
void rules_targets_free(ibmap_rules *r);
int rules_measure_index(const char *name);
struct yaml_document_s;
struct yaml_node_s;
ibmap_status rules_read_sme_parks(ibmap_ctx *ctx, const char *path,
                                  struct yaml_document_s *doc, struct yaml_node_s *map,
                                  ibmap_rules *r);
ibmap_status rules_read_targets(ibmap_ctx *ctx, const char *path,
                                struct yaml_document_s *doc, struct yaml_node_s *list,
                                ibmap_rules *r);

/* Whether metric m is a share (its name ends in _share): it is 0..1 and
** reasons show it as a percentage. */
int rules_metric_is_share(int m);

#endif /* IBMAP_RULES_H */
