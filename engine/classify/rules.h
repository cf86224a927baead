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
/* temp.params also has, per group of RULES_PER_MASK block rules, a column
** ibmap_reads<G> (G = 0, 1, …): bit k - G * RULES_PER_MASK set when block
** rule k reads the param the variant moves (0 in variant 0). */
#define RULES_READS_COLUMN "ibmap_reads"

/* The enterprise-summary block metrics (block_ent_list.h), read by block
** rules from temp.block_ent(ibmap_evariant, block_index, <metrics>), and
** the columns of main.enterprises (overlay/enterprise_list.h) that
** enterprise rules read.  temp.params has a column ibmap_evariant naming
** the row of block_ent each variant joins. */
#define RULES_BLOCK_ENT_TABLE "block_ent"
#define RULES_EVARIANT_COLUMN "ibmap_evariant"
enum rules_block_ent_id {
#define BENT(name, kind, unit, zh, desc) BE_##name,
#include "classify/block_ent_list.h"
#undef BENT
    BE_COUNT
};
enum rules_ent_id {
#define ENT(name, kind, unit, zh, expr, desc) EC_##name,
#include "overlay/enterprise_list.h"
#undef ENT
    EC_COUNT
};
/* Placeholders and reason columns: block metrics 0..M_COUNT-1, then the
** block_ent metrics. */
#define RULES_N_METRICS (M_COUNT + BE_COUNT)

typedef struct rules_column {
    const char *name, *unit, *zh;
    int text;
} rules_column;
extern const rules_column rules_block_ent_columns[BE_COUNT];

/* "CREATE TEMP TABLE block_ent(…)": the per-block enterprise summary the
** block rules join, defined once for the classification and the rules'
** compile check.  Caller frees; NULL when memory is exhausted. */
char *rules_block_ent_ddl(void);
extern const rules_column rules_ent_columns[EC_COUNT];

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
    ibmap_category category;  /* enterprise rules */
    unsigned char reads_ent;  /* a block rule reading block_ent */
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
    /* enterprises: — ordered rules over main.enterprises (reason
    ** placeholders: metric = enterprise column) */
    rules_rule *ent_rules;
    int n_ent_rules;
    /* central_towns: — towns that count as 中心城区 (in_central_town) */
    char **central_towns;
    int n_central_towns;
    /* [n_params]: 1 for the params the enterprise stage reads (the
    ** enterprise rules' and tax_floor, which defines 低效) */
    unsigned char *ent_param;
    int tax_floor;            /* index of param tax_floor, or -1 (then 5) */
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
    /* When not NULL: set when the statement reads temp.block_ent. */
    unsigned char *reads_ent;
} rules_guard;

void rules_db_harden(sqlite3 *db);
void rules_guard_on(sqlite3 *db, rules_guard *guard);
void rules_guard_off(sqlite3 *db);

/* Create temp.params with one row per variant: values[v * n_params + i] is
** param i in variant v, and variant_param[v] the param variant v moves
** (-1: none; NULL: no variant moves one), which sets its ibmap_reads<G>.
** Returns SQLITE_OK or an SQLite error code. */
int rules_fill_params(sqlite3 *db, const ibmap_rules *rules,
                      const double *values, const int *variant_param, int n_variants);

/* Set temp.params.ibmap_evariant of each variant (evariant[v]; all 0 when
** NULL). */
int rules_set_evariants(sqlite3 *db, const int *evariant, int n_variants);

/* The SQL of the enterprise scan over the variants listed in `which`
** (n_which of them): rows ent_index, variant, low_eff (1, 0 or NULL), the
** enterprise columns reasons mention (col[c] receives each one's column or
** -1), then the truths of the enterprise rules packed as in
** rules_scan_sql.  malloc'd. */
char *rules_ent_scan_sql(const ibmap_rules *rules, const int *which, int n_which,
                         int col[EC_COUNT], int *first_rule_col);

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
                     int n_variants, int reason_metric_col[RULES_N_METRICS],
                     int *first_rule_col);

/* Format a value as a reason shows it: a share as a percentage with one
** decimal ("3.2%"), other numbers with 3 significant digits (no exponent
** from 0.001 up) followed by the unit if any ("4.3 万元/亩"); "—" for a
** missing value.  Writes into buf (NUL-terminated, truncated to n). */
void rules_format_value(char *buf, size_t n, double v, const char *unit);

/* The values of one reason, v[i] with unit[i], formatted as
** rules_format_value does into out[i] (each `size` bytes), but with
** digits added where two different values would print the same: a value
** and its threshold never read "30.0% 超过 30.0%". */
void rules_format_values(int n, const double *v, const char *const *unit, char *const *out,
                         size_t size);
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
int rules_name_is_share(const char *name);

/* enterprises.c: the enterprise stage of classify.  The enterprises as
** the rules classified them in variant 0 (the params as given). */
typedef struct ent_result {
    int64_t n;
    unsigned char *category;  /* ibmap_category */
    signed char *low_eff;     /* 1, 0, -1 when its 亩均税收 is unknown */
    char **rule, **reason;    /* "" when no rule applied */
    char **id, **name, **block_id, **town, **division, **chain; /* NULL: none */
    /* the texts above: eight per enterprise, 1.5 million enterprises at
    ** 100,000 blocks; one malloc each cost a 32-byte chunk at least, and
    ** each reason a 256-byte buffer */
    ibmap_text_arena texts;
    double *land_mu, *tax_per_mu, *va_per_mu;                    /* NaN: none */
} ent_result;

/* Classify the enterprises of the workspace open in db under every
** variant that moves a param the enterprise stage reads (temp.params must
** hold the variants: rules_fill_params), set temp.params.ibmap_evariant
** and fill temp.block_ent for the block scan.  With want_text, reasons. */
ibmap_status ent_stage(ibmap_ctx *ctx, sqlite3 *db, const char *path, const ibmap_rules *r,
                       const int *variant_param, int n_variants, int want_text,
                       ent_result *out);
void ent_result_clear(ent_result *e);

#endif /* IBMAP_RULES_H */
