/*
** output_model.c — the output model (ibmap_output.h): one set of tables,
** assembled from the workspace and a classification, from which every
** output file is written.  Building it reads the workspace only.
*/
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/output.h"
#include "classify/rules.h"

const out_table *out_model_table(const out_model *m, const char *name)
{
    for (int i = 0; m && i < m->n_tables; i++)
        if (strcmp(m->tables[i].name, name) == 0) return &m->tables[i];
    return NULL;
}

int out_column_index(const out_table *t, const char *name)
{
    for (int c = 0; t && c < t->n_columns; c++)
        if (strcmp(t->columns[c].name, name) == 0) return c;
    return -1;
}

void out_model_record_check(const out_model *m, int64_t blocks_out, double area_out_m2)
{
    /* The model is built once and read by every writer; the nothing-lost
    ** figures are the one thing measured later, by the database writers,
    ** for the writers after them (the report).  The tables are the
    ** model's own, allocated by out_model_add_table: not const objects. */
    out_table *t = (out_table *)out_model_table(m, "run");
    int key = out_column_index(t, "key"), value = out_column_index(t, "value");
    if (key < 0 || value < 0) return;
    char text[64];
    for (int64_t r = 0; r < t->n_rows; r++) {
        const char *k = out_text(t, r, "key");
        if (!k) continue;
        if (strcmp(k, "check.blocks_out") == 0)
            snprintf(text, sizeof text, "%lld", (long long)blocks_out);
        else if (strcmp(k, "check.area_out_m2") == 0)
            snprintf(text, sizeof text, "%.6f", area_out_m2);
        else
            continue;
        out_table_set_text(t, r, value, text);
    }
}

const char *out_text(const out_table *t, int64_t r, const char *name)
{
    int c = out_column_index(t, name);
    if (c < 0 || r < 0 || r >= t->n_rows) return NULL;
    return out_cell_null(t, r, c) || t->columns[c].type != OUT_TEXT
               ? NULL
               : out_table_cell(t, r, c)->v.text;
}

double out_number(const out_table *t, int64_t r, const char *name)
{
    int c = out_column_index(t, name);
    if (c < 0 || r < 0 || r >= t->n_rows) return NAN;
    if (out_cell_null(t, r, c)) return NAN;
    const out_cell *cell = out_table_cell(t, r, c);
    switch (t->columns[c].type) {
    case OUT_REAL: return cell->v.real;
    case OUT_INTEGER: return (double)cell->v.integer;
    default: return NAN;
    }
}

/* text's one copy in t's arena; NULL when out of memory.  Most of a
** table's texts repeat (see core/text_set.c): each distinct one is kept
** once, and the cells share it. */
static const char *table_text(out_table *t, const char *text)
{
    return ibmap_text_intern(&t->interned, &t->texts, text);
}

static void table_free(out_table *t)
{
    ibmap_text_set_free(&t->interned);
    ibmap_arena_free(&t->texts);
    for (int c = 0; c < t->n_columns; c++) {
        free(t->columns[c].name);
        free(t->columns[c].label_zh);
        free(t->columns[c].unit);
    }
    free(t->wkb);
    free(t->wkb_size);
    free(t->cells);
    free(t->nulls);
    free(t->columns);
    free(t->name);
    free(t->label_zh);
}

void out_model_free(out_model *m)
{
    if (!m || ibmap_exit_pending()) return;
    for (int i = 0; i < m->n_tables; i++) table_free(&m->tables[i]);
    free(m->tables);
    for (int i = 0; i < m->n_rules; i++) {
        free(m->rules[i].id);
        free(m->rules[i].source);
        free(m->rules[i].when);
    }
    free(m->rules);
    for (int i = 0; i < m->n_ent_rules; i++) {
        free(m->ent_rules[i].id);
        free(m->ent_rules[i].source);
        free(m->ent_rules[i].when);
    }
    free(m->ent_rules);
    free(m->parcel_ent);
    for (int i = 0; i < m->n_scenarios; i++) {
        free(m->scenarios[i].name);
        free(m->scenarios[i].klass);
        free(m->scenarios[i].mode);
        free(m->scenarios[i].ent_cat);
        free(m->scenarios[i].targets);
    }
    free(m->target_values);
    free(m->scenarios);
    free(m->sweep.param);
    free(m->sweep.values);
    free(m->sweep.blocks);
    free(m->sweep.mu);
    free(m->owned_klass);
    free(m->owned_mode);
    free(m->owned_area_mu);
    for (int i = 0; i < m->n_verdicts; i++) {
        free(m->verdicts[i].role);
        free(m->verdicts[i].message);
    }
    free(m->verdicts);
    free(m->parcel_block);
    free(m->ent_block);
    for (int i = 0; i < m->n_targets; i++) {
        free(m->targets[i].id);
        free(m->targets[i].label);
        free(m->targets[i].measure);
        free(m->targets[i].unit);
        free(m->targets[i].source);
    }
    free(m->targets);
    free(m->crs);
    free(m->scenario);
    free(m->rules_name);
    free(m->title);
    free(m->data_date);
    free(m);
}

/* ---------------------------------------------------------------------- */
/* Grouping blocks by a key: the summaries and the report show the same  */
/* groups, so they are made in one place.                                 */
/* ---------------------------------------------------------------------- */

typedef struct keyed_block {
    const char *key;
    const char *label;
    int64_t row;
} keyed_block;

/* Keys in byte order, the missing key last. */
static int keyed_cmp(const void *a, const void *b)
{
    const keyed_block *x = a, *y = b;
    if (!x->key || !y->key) return (x->key == NULL) - (y->key == NULL);
    int c = strcmp(x->key, y->key);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

int out_group_blocks(const out_model *m, int64_t n, const char *const *keys,
                     const char *const *labels, out_grouping *g)
{
    memset(g, 0, sizeof *g);
    if (n == 0) return 1;
    keyed_block *kb = malloc((size_t)n * sizeof *kb);
    g->rows = calloc((size_t)n, sizeof *g->rows);
    if (!kb || !g->rows) {
        free(kb);
        free(g->rows);
        g->rows = NULL;
        return 0;
    }
    for (int64_t r = 0; r < n; r++)
        kb[r] = (keyed_block){keys[r], labels ? labels[r] : NULL, r};
    qsort(kb, (size_t)n, sizeof *kb, keyed_cmp);
    out_group *cur = NULL;
    for (int64_t i = 0; i < n; i++) {
        if (!cur || (cur->key == NULL) != (kb[i].key == NULL) ||
            (cur->key && strcmp(cur->key, kb[i].key) != 0)) {
            cur = &g->rows[g->n++];
            cur->key = kb[i].key;
            cur->label = kb[i].label;
        }
        int k = m->klass[kb[i].row];
        double mu = m->area_mu ? m->area_mu[kb[i].row] : NAN;
        cur->blocks[k]++;
        if (isfinite(mu)) cur->mu[k] += mu;
    }
    free(kb);
    return 1;
}

const char **out_column_keys(const out_table *t, const char *name)
{
    const char **keys = calloc((size_t)(t->n_rows > 0 ? t->n_rows : 1), sizeof *keys);
    if (!keys) return NULL;
    int c = out_column_index(t, name);
    if (c < 0 || t->columns[c].type != OUT_TEXT) return keys;
    for (int64_t r = 0; r < t->n_rows; r++) {
        const out_cell *cell = out_table_cell(t, r, c);
        if (!out_cell_null(t, r, c) && cell->v.text[0]) keys[r] = cell->v.text;
    }
    return keys;
}

/* ---------------------------------------------------------------------- */
/* Building tables                                                        */
/* ---------------------------------------------------------------------- */

out_table *out_model_add_table(out_model *m, const char *name,
                               const char *label_zh, int spatial)
{
    /* The tables are filled one after another: a text set (table_text)
    ** serves the table being filled, and one begun drops the sets before
    ** it (kept to the end, they were 18 MB of the heap peak at 10,000
    ** blocks).  A text set in an earlier table after that is copied
    ** again, not shared: right, only not as small. */
    for (int i = 0; i < m->n_tables; i++) ibmap_text_set_free(&m->tables[i].interned);
    out_table *tables = realloc(m->tables, (size_t)(m->n_tables + 1) * sizeof *tables);
    if (!tables) return NULL;
    m->tables = tables;
    out_table *t = &tables[m->n_tables];
    memset(t, 0, sizeof *t);
    t->name = ibmap_strdup(name);
    t->label_zh = ibmap_strdup(label_zh ? label_zh : "");
    t->spatial = spatial;
    if (!t->name || !t->label_zh) {
        free(t->name);
        free(t->label_zh);
        return NULL;
    }
    m->n_tables++;
    return t;
}

int out_table_add_column(out_table *t, const char *name, const char *label_zh,
                         const char *unit, out_type type)
{
    if (t->cells) return -1; /* columns come before rows */
    out_column *cols = realloc(t->columns, (size_t)(t->n_columns + 1) * sizeof *cols);
    if (!cols) return -1;
    t->columns = cols;
    out_column *c = &cols[t->n_columns];
    c->name = ibmap_strdup(name);
    c->label_zh = ibmap_strdup(label_zh ? label_zh : "");
    c->unit = ibmap_strdup(unit ? unit : "");
    c->type = type;
    if (!c->name || !c->label_zh || !c->unit) {
        free(c->name);
        free(c->label_zh);
        free(c->unit);
        return -1;
    }
    return t->n_columns++;
}

int out_table_set_rows(out_table *t, int64_t n)
{
    if (t->cells || n < 0) return 0;
    size_t cells = (size_t)(n > 0 ? n : 1) * (size_t)(t->n_columns > 0 ? t->n_columns : 1);
    t->cells = calloc(cells, sizeof *t->cells);
    t->nulls = malloc((cells + 7) / 8);
    if (!t->cells || !t->nulls) return 0;
    memset(t->nulls, 0xFF, (cells + 7) / 8); /* every cell starts null */
    if (t->spatial) {
        t->wkb = calloc((size_t)(n > 0 ? n : 1), sizeof *t->wkb);
        t->wkb_size = calloc((size_t)(n > 0 ? n : 1), sizeof *t->wkb_size);
        if (!t->wkb || !t->wkb_size) return 0;
    }
    t->n_rows = n;
    return 1;
}

static out_cell *cell_at(out_table *t, int64_t r, int c)
{
    if (!t->cells || r < 0 || r >= t->n_rows || c < 0 || c >= t->n_columns) return NULL;
    return &t->cells[r * t->n_columns + c];
}

static void set_null(out_table *t, int64_t r, int c, int null)
{
    size_t i = (size_t)r * (size_t)t->n_columns + (size_t)c;
    unsigned char bit = (unsigned char)(1u << (i & 7));
    if (null) t->nulls[i >> 3] |= bit;
    else t->nulls[i >> 3] &= (unsigned char)~bit;
}

int out_table_set_text(out_table *t, int64_t r, int c, const char *text)
{
    out_cell *cell = cell_at(t, r, c);
    if (!cell || t->columns[c].type != OUT_TEXT) return 0;
    /* a text replaced stays in the arena until the table goes */
    cell->v.text = NULL;
    set_null(t, r, c, 1);
    if (!text) return 1;
    if (!(cell->v.text = table_text(t, text))) return 0;
    set_null(t, r, c, 0);
    return 1;
}

int out_table_set_real(out_table *t, int64_t r, int c, double v)
{
    out_cell *cell = cell_at(t, r, c);
    if (!cell || t->columns[c].type != OUT_REAL) return 0;
    set_null(t, r, c, !isfinite(v));
    cell->v.real = isfinite(v) ? v : 0;
    return 1;
}

int out_table_set_integer(out_table *t, int64_t r, int c, int64_t v)
{
    out_cell *cell = cell_at(t, r, c);
    if (!cell || t->columns[c].type != OUT_INTEGER) return 0;
    set_null(t, r, c, 0);
    cell->v.integer = v;
    return 1;
}

int out_table_set_wkb(out_table *t, int64_t r, const unsigned char *wkb,
                      size_t size)
{
    if (!t->spatial || !t->wkb || r < 0 || r >= t->n_rows) return 0;
    /* a geometry replaced stays in the arena until the table goes */
    t->wkb[r] = NULL;
    t->wkb_size[r] = 0;
    if (!wkb || !size) return 1;
    unsigned char *copy = ibmap_arena_alloc(&t->texts, size, 1);
    if (!copy) return 0;
    memcpy(copy, wkb, size);
    t->wkb[r] = copy;
    t->wkb_size[r] = size;
    return 1;
}

int out_table_share_wkb(out_table *t, int64_t r, const out_table *from, int64_t from_row)
{
    if (!t->spatial || !t->wkb || r < 0 || r >= t->n_rows || !from->wkb || from_row < 0 ||
        from_row >= from->n_rows)
        return 0;
    /* Both tables are the model's, freed together (out_model_free). */
    t->wkb[r] = from->wkb[from_row];
    t->wkb_size[r] = from->wkb_size[from_row];
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Building the model from a workspace                                    */
/* ---------------------------------------------------------------------- */

typedef struct builder {
    ibmap_ctx *ctx;
    sqlite3 *db;
    const char *path;
    out_model *m;
} builder;

static ibmap_status build_fail(builder *b, const char *what)
{
    return ibmap_fail(b->ctx, IBMAP_ERR_READ, "%s: %s: %s", b->path, what,
                      sqlite3_errmsg(b->db));
}

static ibmap_status nomem(builder *b)
{
    return ibmap_nomem(b->ctx);
}

static char *meta(builder *b, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(b->db, "SELECT value FROM ibmap_workspace WHERE key = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return ibmap_strdup("");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = ibmap_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v ? v : ibmap_strdup("");
}

static int table_exists(builder *b, const char *name)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(b->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return found;
}

static int64_t count_rows(builder *b, const char *table)
{
    char *sql = ibmap_sprintf("SELECT count(*) FROM \"%s\"", table);
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sql && sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    free(sql);
    return n;
}

/* Store column `col` of the current row of `st` in cell (r, c), as the
** model column's type. */
static int put_value(out_table *t, int64_t r, int c, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return 1;
    switch (t->columns[c].type) {
    case OUT_TEXT: return out_table_set_text(t, r, c, (const char *)sqlite3_column_text(st, col));
    case OUT_REAL: return out_table_set_real(t, r, c, sqlite3_column_double(st, col));
    default: return out_table_set_integer(t, r, c, sqlite3_column_int64(st, col));
    }
}

/* A column mapped from a workspace result column. */
typedef struct colmap {
    int sql_col;   /* column of the statement, -1: filled by the caller */
} colmap;

/* The source's own fields of a layer (layer_source_fields: the blocks'
** and the parcels'), as the workspace names them. */
typedef struct source_cols {
    int n;
    char **name;
    out_type *type;
    int first;            /* the first of them among the table's columns */
} source_cols;

static void source_cols_free(source_cols *sc)
{
    for (int i = 0; i < sc->n; i++) free(sc->name[i]);
    free(sc->name);
    free(sc->type);
    memset(sc, 0, sizeof *sc);
}

static ibmap_status read_source_cols(builder *b, ibmap_role role, source_cols *sc)
{
    memset(sc, 0, sizeof *sc);
    if (!table_exists(b, "layer_source_fields")) return IBMAP_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT column_name, type FROM layer_source_fields "
                                  "WHERE role = ? ORDER BY position", -1, &st, NULL) != SQLITE_OK)
        return build_fail(b, "cannot read the source fields");
    sqlite3_bind_text(st, 1, ibmap_role_name(role), -1, SQLITE_STATIC);
    ibmap_status s = IBMAP_OK;
    while (!s && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        char **names = realloc(sc->name, (size_t)(sc->n + 1) * sizeof *names);
        if (names) sc->name = names;
        out_type *types = realloc(sc->type, (size_t)(sc->n + 1) * sizeof *types);
        if (types) sc->type = types;
        if (!names || !types || !(names[sc->n] = ibmap_strdup(name ? name : ""))) {
            s = nomem(b);
            break;
        }
        types[sc->n++] = type && strcmp(type, "integer") == 0 ? OUT_INTEGER
                         : type && strcmp(type, "real") == 0  ? OUT_REAL
                                                              : OUT_TEXT;
    }
    sqlite3_finalize(st);
    if (s) source_cols_free(sc);
    return s;
}

/* ", L."NAME"…" selecting the source columns, then `rest`.  Caller frees. */
static char *source_select(const source_cols *sc, const char *rest)
{
    ibmap_strbuf q = {0};
    for (int i = 0; i < sc->n; i++) {
        ibmap_strbuf_put(&q, ", L.\"");
        for (const char *c = sc->name[i]; *c; c++)
            ibmap_strbuf_put(&q, *c == '"' ? "\"\"" : (char[2]){*c, 0});
        ibmap_strbuf_put(&q, "\"");
    }
    ibmap_strbuf_put(&q, rest);
    return ibmap_strbuf_take(&q);
}

/* A source column named like another column of t (one added since the
** workspace named it) becomes src_NAME (src_NAME_2, …): names compare
** without regard to case, as SQLite, GeoPackage and DBF do. */
static int rename_clashing_sources(out_table *t, const source_cols *sc)
{
    for (int i = 0; i < sc->n; i++) {
        out_column *col = &t->columns[sc->first + i];
        for (int k = 1; k < 100; k++) {
            int clash = 0;
            for (int c = 0; c < t->n_columns && !clash; c++)
                clash = c != sc->first + i && strcasecmp(t->columns[c].name, col->name) == 0;
            if (!clash) break;
            char *renamed = k == 1 ? ibmap_sprintf("src_%s", sc->name[i])
                                   : ibmap_sprintf("src_%s_%d", sc->name[i], k);
            if (!renamed) return 0;
            free(col->name);
            col->name = renamed;
        }
    }
    return 1;
}

/* The layer tables: id, fid, geom_state, the role's canonical fields (the
** id already shown), the source's own fields (sc, may be NULL), then
** `extra` columns.  Blocks skip canonical fields that a metric of the same
** name supersedes (town: the metric is the block's own town when given). */
static out_table *add_layer_table(builder *b, ibmap_role role, const char *id_name,
                                  int *first_field_col, int *n_field_cols,
                                  int field_used[64], source_cols *sc)
{
    const ibmap_role_def *def = ibmap_role_def_get(role);
    out_table *t = out_model_add_table(b->m, ibmap_role_name(role), def->label_zh, 1);
    if (!t) return NULL;
    int ok = out_table_add_column(t, id_name, "编号", "", OUT_TEXT) >= 0 &&
             out_table_add_column(t, "source_fid", "源要素号", "", OUT_INTEGER) >= 0 &&
             out_table_add_column(t, "geom_state", "几何状态", "", OUT_INTEGER) >= 0;
    *first_field_col = t->n_columns;
    *n_field_cols = 0;
    for (int k = 0; ok && k < def->n_fields && k < 64; k++) {
        const ibmap_field_info *f = &def->fields[k];
        field_used[k] = strcmp(f->name, "id") != 0 &&
                        !(role == IBMAP_ROLE_BLOCKS && ibmap_metric_index(f->name) >= 0);
        if (!field_used[k]) continue;
        ok = out_table_add_column(t, f->name, f->label_zh, f->unit,
                                  f->type == IBMAP_FIELD_TEXT ? OUT_TEXT : OUT_REAL) >= 0;
        (*n_field_cols)++;
    }
    if (sc) sc->first = t->n_columns;
    for (int i = 0; ok && sc && i < sc->n; i++)
        ok = out_table_add_column(t, sc->name[i], "", "", sc->type[i]) >= 0;
    return ok ? t : NULL;
}

/* Fill rows of a layer table from `SELECT id, fid, geom_state, f_…, geom,
** <extra>… FROM layer_ROLE …`.  Extra statement columns go to the table
** columns after the fields, in order. */
static ibmap_status fill_layer_rows(builder *b, out_table *t, ibmap_role role,
                                    sqlite3_stmt *st, int first_field_col,
                                    const int field_used[64], int n_extra)
{
    const ibmap_role_def *def = ibmap_role_def_get(role);
    int64_t r = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r >= t->n_rows) return ibmap_fail(b->ctx, IBMAP_ERR_READ,
                                              "%s: layer_%s changed while read", b->path,
                                              ibmap_role_name(role));
        int ok = put_value(t, r, 0, st, 0) && put_value(t, r, 1, st, 1) &&
                 put_value(t, r, 2, st, 2);
        int c = first_field_col;
        for (int k = 0; ok && k < def->n_fields && k < 64; k++)
            if (field_used[k]) ok = put_value(t, r, c++, st, 3 + k);
        int geom_col = 3 + def->n_fields;
        if (ok && sqlite3_column_type(st, geom_col) == SQLITE_BLOB)
            ok = out_table_set_wkb(t, r, sqlite3_column_blob(st, geom_col),
                                   (size_t)sqlite3_column_bytes(st, geom_col));
        for (int e = 0; ok && e < n_extra; e++) ok = put_value(t, r, c + e, st, geom_col + 1 + e);
        if (!ok) return nomem(b);
        r++;
    }
    if (rc != SQLITE_DONE) return build_fail(b, "cannot read a layer");
    return IBMAP_OK;
}

static char *layer_select(ibmap_role role, const char *extra, const char *join)
{
    const ibmap_role_def *def = ibmap_role_def_get(role);
    size_t cap = 512 + (size_t)def->n_fields * 40 + strlen(extra) + strlen(join), len = 0;
    char *sql = malloc(cap);
    if (!sql) return NULL;
    len += (size_t)snprintf(sql + len, cap - len, "SELECT L.id, L.fid, L.geom_state");
    for (int k = 0; k < def->n_fields; k++)
        len += (size_t)snprintf(sql + len, cap - len, ", L.\"f_%s\"", def->fields[k].name);
    snprintf(sql + len, cap - len, ", L.geom%s FROM layer_%s L %s ORDER BY L.feature_index",
             extra, ibmap_role_name(role), join);
    return sql;
}

static ibmap_status build_blocks_with(builder *b, const ibmap_classification *c,
                                      source_cols *sc)
{
    int first, nf, used[64];
    out_table *t = add_layer_table(b, IBMAP_ROLE_BLOCKS, "block_id", &first, &nf, used, sc);
    if (!t) return nomem(b);
    int ok = 1;
    for (int k = 0; ok && k < ibmap_metric_count(); k++) {
        const ibmap_metric_info *mi = ibmap_metric(k);
        ok = out_table_add_column(t, mi->name, mi->label_zh, mi->unit,
                                  mi->kind == IBMAP_METRIC_TEXT ? OUT_TEXT : OUT_REAL) >= 0;
    }
    static const char *const cls_cols[][3] = {
        {"class", "分类", "T"}, {"class_zh", "分类名称", "T"}, {"mode", "改造方式", "T"},
        {"mode_zh", "改造方式名称", "T"}, {"rule_id", "决定规则", "T"}, {"reason", "分类理由", "T"},
        {"matched", "命中规则", "T"}, {"stable", "阈值±10%稳定", "I"},
        {"flipped_by", "改变分类的参数", "T"}};
    int first_class = t->n_columns;
    for (int k = 0; ok && k < 9; k++)
        ok = out_table_add_column(t, cls_cols[k][0], cls_cols[k][1], "",
                                  cls_cols[k][2][0] == 'I' ? OUT_INTEGER : OUT_TEXT) >= 0;
    if (!ok || !rename_clashing_sources(t, sc)) return nomem(b);
    int64_t n = count_rows(b, "layer_blocks");
    if (n != ibmap_classification_count(c) || n != count_rows(b, "block_metrics"))
        return ibmap_fail(b->ctx, IBMAP_ERR_ARG,
                          "%s: the classification holds %lld blocks, the workspace %lld: "
                          "classify this workspace again", b->path,
                          (long long)ibmap_classification_count(c), (long long)n);
    if (!out_table_set_rows(t, n)) return nomem(b);
    /* block_metrics columns after the geometry, in metric order */
    size_t cap = 64 + (size_t)ibmap_metric_count() * 40, len = 0;
    char *extra = malloc(cap);
    if (!extra) return nomem(b);
    for (int k = 0; k < ibmap_metric_count(); k++)
        len += (size_t)snprintf(extra + len, cap - len, ", M.\"%s\"", ibmap_metric(k)->name);
    /* the source's own fields first: they come before the metrics */
    char *all = source_select(sc, extra);
    free(extra);
    if (!all) return nomem(b);
    char *sql = layer_select(IBMAP_ROLE_BLOCKS, all,
                             "JOIN block_metrics M ON M.block_index = L.feature_index");
    free(all);
    sqlite3_stmt *st = NULL;
    if (!sql) return nomem(b);
    int prc = sqlite3_prepare_v2(b->db, sql, -1, &st, NULL);
    free(sql);
    if (prc != SQLITE_OK) return build_fail(b, "cannot read the blocks");
    ibmap_status s = fill_layer_rows(b, t, IBMAP_ROLE_BLOCKS, st, first, used,
                                     sc->n + ibmap_metric_count());
    sqlite3_finalize(st);
    if (s) return s;
    /* the classification, checked block by block against the workspace */
    for (int64_t r = 0; r < n; r++) {
        const char *ws_id = out_cell_null(t, r, 0) ? "" : out_table_cell(t, r, 0)->v.text;
        if (strcmp(ws_id, ibmap_classification_block_id(c, r)) != 0)
            return ibmap_fail(b->ctx, IBMAP_ERR_ARG,
                              "%s: block %lld is '%s' in the workspace but '%s' in the "
                              "classification: classify this workspace again",
                              b->path, (long long)r, ws_id, ibmap_classification_block_id(c, r));
        ibmap_class k = ibmap_classification_class(c, r);
        ibmap_mode md = ibmap_classification_mode(c, r);
        int col = first_class;
        ok = out_table_set_text(t, r, col++, ibmap_class_name(k)) &&
             out_table_set_text(t, r, col++, ibmap_class_label_zh(k)) &&
             out_table_set_text(t, r, col++, ibmap_mode_name(md)) &&
             out_table_set_text(t, r, col++, ibmap_mode_label_zh(md)) &&
             out_table_set_text(t, r, col++, ibmap_classification_rule(c, r)) &&
             out_table_set_text(t, r, col++, ibmap_classification_reason(c, r)) &&
             out_table_set_text(t, r, col++, ibmap_classification_matched(c, r)) &&
             out_table_set_integer(t, r, col++, ibmap_classification_stable(c, r)) &&
             out_table_set_text(t, r, col++, ibmap_classification_flipped_by(c, r));
        if (!ok) return nomem(b);
    }
    return IBMAP_OK;
}

static ibmap_status build_parcels_with(builder *b, source_cols *sc)
{
    int first, nf, used[64];
    out_table *t = add_layer_table(b, IBMAP_ROLE_PARCELS, "parcel_id", &first, &nf, used, sc);
    if (!t || out_table_add_column(t, "grade_computed", "等级为推算", "", OUT_INTEGER) < 0 ||
        out_table_add_column(t, "block_id", "所在区块", "", OUT_TEXT) < 0 ||
        !rename_clashing_sources(t, sc) ||
        !out_table_set_rows(t, count_rows(b, "layer_parcels")))
        return nomem(b);
    char *extra = source_select(sc, ", L.grade_computed, BM.block_id");
    char *sql = extra ? layer_select(IBMAP_ROLE_PARCELS, extra,
                                     "LEFT JOIN parcel_block PB ON PB.parcel_index = "
                                     "L.feature_index LEFT JOIN block_metrics BM ON "
                                     "BM.block_index = PB.block_index")
                      : NULL;
    free(extra);
    sqlite3_stmt *st = NULL;
    if (!sql) return nomem(b);
    int prc = sqlite3_prepare_v2(b->db, sql, -1, &st, NULL);
    free(sql);
    if (prc != SQLITE_OK) return build_fail(b, "cannot read the parcels");
    ibmap_status s = fill_layer_rows(b, t, IBMAP_ROLE_PARCELS, st, first, used, sc->n + 2);
    sqlite3_finalize(st);
    /* Each parcel's block row, for the pages that list a block's parcels. */
    int64_t n = t->n_rows;
    if (!s && !(b->m->parcel_block = malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t))))
        s = nomem(b);
    for (int64_t r = 0; !s && r < n; r++) b->m->parcel_block[r] = -1;
    if (!s && sqlite3_prepare_v2(b->db, "SELECT parcel_index, block_index FROM parcel_block",
                                 -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t p = sqlite3_column_int64(st, 0);
            if (p >= 0 && p < n && sqlite3_column_type(st, 1) != SQLITE_NULL)
                b->m->parcel_block[p] = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    return s;
}

/* The blocks and the parcels, with the source's own fields. */
static ibmap_status build_blocks(builder *b, const ibmap_classification *c)
{
    source_cols sc;
    ibmap_status s = read_source_cols(b, IBMAP_ROLE_BLOCKS, &sc);
    if (!s) s = build_blocks_with(b, c, &sc);
    source_cols_free(&sc);
    return s;
}

static ibmap_status build_parcels(builder *b)
{
    source_cols sc;
    ibmap_status s = read_source_cols(b, IBMAP_ROLE_PARCELS, &sc);
    if (!s) s = build_parcels_with(b, &sc);
    source_cols_free(&sc);
    return s;
}

typedef struct id_row {
    const char *id;
    int64_t row;
} id_row;

static int id_row_cmp(const void *a, const void *b)
{
    const id_row *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* Counting sort of rows 0..n-1 by their block of[row] (-1: none). */
static void index_rows(const int64_t *of, int64_t n, int64_t nb, out_block_parcels *bp)
{
    for (int64_t p = 0; p < n; p++)
        if (of[p] >= 0) bp->first[of[p] + 2]++;
    for (int64_t b = 0; b < nb; b++) bp->first[b + 2] += bp->first[b + 1];
    for (int64_t p = 0; p < n; p++)
        if (of[p] >= 0) bp->idx[bp->first[of[p] + 1]++] = p;
}

int out_block_parcels_build(const out_model *m, out_block_parcels *bp)
{
    memset(bp, 0, sizeof *bp);
    const out_table *blocks = out_model_table(m, "blocks");
    const out_table *parcels = out_model_table(m, "parcels");
    int64_t nb = blocks ? blocks->n_rows : 0, np = parcels ? parcels->n_rows : 0;
    int64_t *of = malloc((size_t)(np > 0 ? np : 1) * sizeof *of);
    bp->first = calloc((size_t)nb + 2, sizeof *bp->first);
    bp->idx = malloc((size_t)(np > 0 ? np : 1) * sizeof *bp->idx);
    id_row *ix = m->parcel_block ? NULL : malloc((size_t)(nb > 0 ? nb : 1) * sizeof *ix);
    if (!of || !bp->first || !bp->idx || (!m->parcel_block && !ix)) {
        free(of);
        free(ix);
        out_block_parcels_free(bp);
        return 0;
    }
    int64_t n_ix = 0;
    for (int64_t r = 0; ix && r < nb; r++) {
        const char *id = out_text(blocks, r, "block_id");
        if (id) ix[n_ix++] = (id_row){id, r};
    }
    if (ix) qsort(ix, (size_t)n_ix, sizeof *ix, id_row_cmp);
    for (int64_t p = 0; p < np; p++) {
        of[p] = -1;
        if (m->parcel_block) {
            if (m->parcel_block[p] >= 0 && m->parcel_block[p] < nb) of[p] = m->parcel_block[p];
            continue;
        }
        const char *id = out_text(parcels, p, "block_id");
        int64_t lo = 0, hi = n_ix;
        while (id && lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (strcmp(ix[mid].id, id) < 0) lo = mid + 1;
            else hi = mid;
        }
        if (id && lo < n_ix && strcmp(ix[lo].id, id) == 0) of[p] = ix[lo].row;
    }
    index_rows(of, np, nb, bp);
    free(of);
    free(ix);
    return 1;
}

int out_block_ents_build(const out_model *m, out_block_parcels *bp)
{
    memset(bp, 0, sizeof *bp);
    const out_table *blocks = out_model_table(m, "blocks");
    const out_table *ents = out_model_table(m, "enterprises");
    int64_t nb = blocks ? blocks->n_rows : 0, ne = ents && m->ent_block ? ents->n_rows : 0;
    int64_t *of = malloc((size_t)(ne > 0 ? ne : 1) * sizeof *of);
    bp->first = calloc((size_t)nb + 2, sizeof *bp->first);
    bp->idx = malloc((size_t)(ne > 0 ? ne : 1) * sizeof *bp->idx);
    if (!of || !bp->first || !bp->idx) {
        free(of);
        out_block_parcels_free(bp);
        return 0;
    }
    for (int64_t e = 0; e < ne; e++)
        of[e] = m->ent_block[e] >= 0 && m->ent_block[e] < nb ? m->ent_block[e] : -1;
    index_rows(of, ne, nb, bp);
    free(of);
    return 1;
}

void out_block_parcels_free(out_block_parcels *bp)
{
    free(bp->first);
    free(bp->idx);
    bp->first = NULL;
    bp->idx = NULL;
}

/* Where each enterprise of the model's `enterprises` table (out_enterprises.c)
** has its main block, as a row of the blocks table (-1: none), and each
** parcel its enterprise: the plan sheets colour parcels by their
** enterprise's 项目清单 category and list each block's enterprises.  No
** table (a workspace made before enterprises were): nothing, and the pages
** fall back on the parcels. */
static ibmap_status index_enterprises(builder *b)
{
    const out_table *t = out_model_table(b->m, "enterprises");
    if (!t) return IBMAP_OK;
    int64_t n = t->n_rows;
    const out_table *blocks = out_model_table(b->m, "blocks");
    int64_t nb = blocks ? blocks->n_rows : 0;
    if (!(b->m->ent_block = malloc((size_t)(n > 0 ? n : 1) * sizeof *b->m->ent_block)))
        return nomem(b);
    /* the model's blocks are the workspace's, in block_index order */
    for (int64_t e = 0; e < n; e++) {
        double bi = out_number(t, e, "block_index");
        b->m->ent_block[e] = isfinite(bi) && bi >= 0 && bi < (double)nb ? (int64_t)bi : -1;
    }
    const out_table *parcels = out_model_table(b->m, "parcels");
    int64_t np = parcels ? parcels->n_rows : 0;
    if (!(b->m->parcel_ent = malloc((size_t)(np > 0 ? np : 1) * sizeof *b->m->parcel_ent)))
        return nomem(b);
    for (int64_t q = 0; q < np; q++) b->m->parcel_ent[q] = -1;
    sqlite3_stmt *st = NULL;
    if (table_exists(b, "enterprise_parcels") &&
        sqlite3_prepare_v2(b->db, "SELECT parcel_index, ent_index FROM enterprise_parcels", -1,
                           &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t q = sqlite3_column_int64(st, 0), e = sqlite3_column_int64(st, 1);
            if (q >= 0 && q < np && e >= 0 && e < n) b->m->parcel_ent[q] = e;
        }
        sqlite3_finalize(st);
    }
    return IBMAP_OK;
}

static ibmap_status build_zone(builder *b, ibmap_role role)
{
    char name[64];
    snprintf(name, sizeof name, "layer_%s", ibmap_role_name(role));
    if (!table_exists(b, name)) return IBMAP_OK;
    int first, nf, used[64];
    out_table *t = add_layer_table(b, role, "id", &first, &nf, used, NULL);
    if (!t || !out_table_set_rows(t, count_rows(b, name))) return nomem(b);
    char *sql = layer_select(role, "", "");
    sqlite3_stmt *st = NULL;
    if (!sql) return nomem(b);
    int prc = sqlite3_prepare_v2(b->db, sql, -1, &st, NULL);
    free(sql);
    if (prc != SQLITE_OK) return build_fail(b, "cannot read a zone layer");
    ibmap_status s = fill_layer_rows(b, t, role, st, first, used, 0);
    sqlite3_finalize(st);
    return s;
}

/* A non-spatial table copied from a workspace query, the columns given as
** {name, label, type} triples in the order of the query. */
static ibmap_status build_plain(builder *b, const char *name, const char *label,
                                const char *const cols[][3], int ncols, const char *count_table,
                                const char *sql)
{
    out_table *t = out_model_add_table(b->m, name, label, 0);
    int ok = t != NULL;
    for (int k = 0; ok && k < ncols; k++)
        ok = out_table_add_column(t, cols[k][0], cols[k][1], "",
                                  cols[k][2][0] == 'T'   ? OUT_TEXT
                                  : cols[k][2][0] == 'R' ? OUT_REAL
                                                         : OUT_INTEGER) >= 0;
    if (!ok || !out_table_set_rows(t, count_rows(b, count_table))) return nomem(b);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
        return build_fail(b, "cannot read a table");
    int64_t r = 0;
    int rc;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW && r < t->n_rows) {
        for (int k = 0; ok && k < ncols; k++) ok = put_value(t, r, k, st, k);
        r++;
    }
    sqlite3_finalize(st);
    return ok ? IBMAP_OK : nomem(b);
}

/* The run table: what produced these outputs, one key and value a row. */
typedef struct kv {
    char **key, **value;
    int n, cap;
    int failed;
} kv;

static void kv_add(kv *k, const char *key, char *value /* owned, may be NULL */)
{
    if (k->failed || !value) {
        k->failed = 1;
        free(value);
        return;
    }
    if (k->n == k->cap) {
        int cap = k->cap ? 2 * k->cap : 32;
        char **nk = realloc(k->key, (size_t)cap * sizeof *nk);
        if (nk) k->key = nk;
        char **nv = realloc(k->value, (size_t)cap * sizeof *nv);
        if (nv) k->value = nv;
        if (!nk || !nv) {
            k->failed = 1;
            free(value);
            return;
        }
        k->cap = cap;
    }
    k->key[k->n] = ibmap_strdup(key);
    k->value[k->n++] = value;
    if (!k->key[k->n - 1]) k->failed = 1;
}

/* A CRS as people read it: "name (AUTH:CODE)" from WKT2's name and last
** ID, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549)"; text
** that is not WKT as it is.  The full WKT stays in the workspace. */
static char *crs_label(const char *wkt)
{
    if (!wkt) return ibmap_strdup("");
    const char *open = strstr(wkt, "[\"");
    if (!open) return ibmap_strdup(wkt);
    const char *name = open + 2, *end = strchr(name, '"');
    if (!end) return ibmap_strdup(wkt);
    const char *id = NULL;
    for (const char *p = strstr(wkt, "ID[\""); p; p = strstr(p + 1, "ID[\"")) id = p;
    char auth[32] = "";
    long code = 0;
    if (id && sscanf(id, "ID[\"%31[^\"]\",%ld", auth, &code) == 2)
        return ibmap_sprintf("%.*s (%s:%ld)", (int)(end - name), name, auth, code);
    return ibmap_sprintf("%.*s", (int)(end - name), name);
}

static char *iso_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32] = "";
    if (gmtime_r(&tt, &tm)) strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return ibmap_strdup(buf);
}

/* The layers' verdicts (layer_verdicts, workspace format 4): those not
** simply ok into m->verdicts, every one into the run table. */
static ibmap_status build_verdicts(builder *b, kv *k)
{
    sqlite3_stmt *st;
    char *accepted = meta(b, "accepted_defects");
    kv_add(k, "defects.accepted", accepted && *accepted ? accepted : ibmap_strdup("none"));
    if (accepted && !*accepted) free(accepted);
    if (!table_exists(b, "layer_verdicts")) {
        kv_add(k, "verdicts", ibmap_strdup("not recorded (a workspace made by an older ibmap)"));
        return IBMAP_OK;
    }
    if (sqlite3_prepare_v2(b->db, "SELECT role, verdict, message FROM layer_verdicts "
                                  "ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
        return build_fail(b, "cannot read the layer verdicts");
    ibmap_status s = IBMAP_OK;
    while (!s && sqlite3_step(st) == SQLITE_ROW) {
        const char *role = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *msg = (const char *)sqlite3_column_text(st, 2);
        int v = ibmap_verdict_from_name(name);
        char *key = ibmap_sprintf("verdict.%s", role ? role : "");
        kv_add(k, key ? key : "",
               v == IBMAP_VERDICT_OK ? ibmap_strdup("ok")
                                     : ibmap_sprintf("%s: %s", ibmap_verdict_name(v),
                                                     msg ? msg : ""));
        free(key);
        if (v == IBMAP_VERDICT_OK) continue;
        out_verdict *grown = realloc(b->m->verdicts,
                                     (size_t)(b->m->n_verdicts + 1) * sizeof *grown);
        if (!grown) {
            s = nomem(b);
            break;
        }
        b->m->verdicts = grown;
        out_verdict *o = &grown[b->m->n_verdicts];
        o->role = ibmap_strdup(role ? role : "");
        o->verdict = (ibmap_verdict)v;
        o->message = ibmap_strdup(msg ? msg : "");
        if (!o->role || !o->message) {
            free(o->role);
            free(o->message);
            s = nomem(b);
            break;
        }
        b->m->n_verdicts++;
    }
    sqlite3_finalize(st);
    if (!s && k->failed) s = nomem(b);
    return s;
}

char *out_model_defects_line(const out_model *m)
{
    if (!m || m->n_verdicts == 0) return NULL;
    ibmap_strbuf b = {0};
    static const char *const heads[] = {"", "图层警告 layer warnings: ",
                                        "数据缺陷已接受 accepted defects: "};
    for (int pass = IBMAP_VERDICT_ACCEPTED; pass >= IBMAP_VERDICT_WARNING; pass--) {
        int n = 0;
        for (int i = 0; i < m->n_verdicts; i++) {
            if ((int)m->verdicts[i].verdict != pass) continue;
            if (n == 0) {
                if (b.n) ibmap_strbuf_put(&b, "　");
                ibmap_strbuf_put(&b, heads[pass]);
            } else {
                ibmap_strbuf_put(&b, ", ");
            }
            ibmap_strbuf_put(&b, m->verdicts[i].role);
            n++;
        }
    }
    ibmap_strbuf_put(&b, "（见报告 see the report）");
    return ibmap_strbuf_take(&b);
}

static ibmap_status build_run(builder *b, const ibmap_rules *rules,
                              const ibmap_output_options *o)
{
    kv k = {0};
    kv_add(&k, "ibmap_version", ibmap_strdup(ibmap_version()));
    kv_add(&k, "libraries", ibmap_strdup(ibmap_dependency_versions()));
    kv_add(&k, "workspace", ibmap_strdup(b->path));
    static const char *const keys[] = {"ibmap_version", "dependencies", "fingerprint", "crs",
                                       "area_mode", "options", "data_date"};
    for (int i = 0; i < 7; i++) {
        char *key = ibmap_sprintf("workspace.%s", keys[i]);
        kv_add(&k, key ? key : "", meta(b, keys[i]));
        free(key);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT role, source, layer, fingerprint, driver, encoding,"
                                  " crs_used, n_features FROM ibmap_inputs ORDER BY rowid",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            char *key = ibmap_sprintf("input.%s", (const char *)sqlite3_column_text(st, 0));
            char *crs = crs_label((const char *)sqlite3_column_text(st, 6));
            kv_add(&k, key ? key : "",
                   ibmap_sprintf("%s | layer %s | %s | %s | %s | %lld features | "
                                 "fingerprint %s",
                                 (const char *)sqlite3_column_text(st, 1),
                                 (const char *)sqlite3_column_text(st, 2),
                                 (const char *)sqlite3_column_text(st, 4),
                                 (const char *)sqlite3_column_text(st, 5), crs ? crs : "",
                                 (long long)sqlite3_column_int64(st, 7),
                                 (const char *)sqlite3_column_text(st, 3)));
            free(crs);
            free(key);
        }
        sqlite3_finalize(st);
    }
    /* Nothing lost: the blocks read and their total area, against which
    ** out_ogr.c checks each database it writes (and fills in the _out
    ** figures it measured there). */
    const out_table *blocks = out_model_table(b->m, "blocks");
    double area_in = out_blocks_area(b->ctx, blocks);
    kv_add(&k, "check.blocks_in", ibmap_sprintf("%lld", (long long)blocks->n_rows));
    kv_add(&k, "check.blocks_out", ibmap_strdup(CHECK_NOT_MEASURED));
    kv_add(&k, "check.area_in_m2", ibmap_sprintf("%.6f", area_in));
    kv_add(&k, "check.area_out_m2", ibmap_strdup(CHECK_NOT_MEASURED));
    /* Blocks that overlap each other (block_overlap in the log, one entry
    ** a pair, its area the value). */
    const out_table *dq = out_model_table(b->m, "data_quality");
    long long pairs = 0;
    double overlap = 0;
    for (int64_t r = 0; dq && r < dq->n_rows; r++) {
        const char *problem = out_text(dq, r, "problem"), *value = out_text(dq, r, "value");
        if (!problem || strcmp(problem, "block_overlap") != 0) continue;
        pairs++;
        overlap += value ? strtod(value, NULL) : 0;
    }
    kv_add(&k, "check.block_overlap_pairs", ibmap_sprintf("%lld", pairs));
    kv_add(&k, "check.block_overlap_m2", ibmap_sprintf("%.3f", overlap));
    ibmap_status vs = build_verdicts(b, &k);
    if (vs) {
        for (int i = 0; i < k.n; i++) {
            free(k.key[i]);
            free(k.value[i]);
        }
        free(k.key);
        free(k.value);
        return vs;
    }
    kv_add(&k, "scenario", ibmap_strdup(b->m->scenario));
    for (int i = 0; b->m->target_values && i < b->m->n_targets; i++) {
        char buf[200], *key = ibmap_sprintf("target.%s", b->m->targets[i].id);
        out_target_format(&b->m->targets[i], &b->m->target_values[i], buf, sizeof buf);
        kv_add(&k, key ? key : "",
               ibmap_sprintf("%s: %s%s%s", b->m->targets[i].label, buf,
                             b->m->target_values[i].note[0] ? "; " : "",
                             b->m->target_values[i].note));
        free(key);
    }
    if (rules) {
        kv_add(&k, "rules.file", ibmap_strdup(rules->path ? rules->path : ""));
        kv_add(&k, "rules.name", ibmap_strdup(rules->name ? rules->name : ""));
        kv_add(&k, "rules.hash", ibmap_strdup(rules->hash));
        ibmap_strbuf towns = {0};   /* 中心城区 by town: the rules', or the project's */
        for (int i = 0; i < rules->n_central_towns; i++) {
            if (i) ibmap_strbuf_put(&towns, "、");
            ibmap_strbuf_put(&towns, rules->central_towns[i]);
        }
        kv_add(&k, "rules.central_towns", towns.failed ? NULL : ibmap_strdup(towns.s ? towns.s : ""));
        free(towns.s);
        for (int i = 0; i < rules->n_params; i++) {
            char *key = ibmap_sprintf("param.%s", rules->params[i].name);
            kv_add(&k, key ? key : "",
                   ibmap_sprintf("%.10g%s%s", rules->params[i].value,
                                 rules->params[i].unit[0] ? " " : "", rules->params[i].unit));
            free(key);
        }
    }
    int64_t now = (int64_t)time(NULL);
    kv_add(&k, "started", iso_time(o->started ? o->started : now));
    kv_add(&k, "finished", iso_time(now));
    out_table *t = k.failed ? NULL : out_model_add_table(b->m, "run", "运行信息", 0);
    int ok = t && out_table_add_column(t, "key", "项目", "", OUT_TEXT) >= 0 &&
             out_table_add_column(t, "value", "值", "", OUT_TEXT) >= 0 &&
             out_table_set_rows(t, k.n);
    for (int i = 0; ok && i < k.n; i++)
        ok = out_table_set_text(t, i, 0, k.key[i]) && out_table_set_text(t, i, 1, k.value[i]);
    for (int i = 0; i < k.n; i++) {
        free(k.key[i]);
        free(k.value[i]);
    }
    free(k.key);
    free(k.value);
    return ok ? IBMAP_OK : nomem(b);
}

static ibmap_status build_rules(builder *b, const ibmap_rules *rules,
                                const ibmap_classification *c)
{
    if (!rules) return IBMAP_OK;
    out_model *m = b->m;
    m->rules = calloc((size_t)(rules->n_rules > 0 ? rules->n_rules : 1), sizeof *m->rules);
    if (!m->rules) return nomem(b);
    m->n_rules = rules->n_rules;
    for (int i = 0; i < rules->n_rules; i++) {
        const rules_rule *r = &rules->rules[i];
        out_rule *o = &m->rules[i];
        o->id = ibmap_strdup(r->id);
        o->klass = r->klass;
        o->mode = r->mode;
        o->source = ibmap_strdup(r->source ? r->source : "");
        o->when = ibmap_strdup(r->when ? r->when : "");
        if (!o->id || !o->source || !o->when) return nomem(b);
        for (int64_t k = 0; k < ibmap_classification_count(c); k++)
            o->n_decided += strcmp(ibmap_classification_rule(c, k), r->id) == 0;
    }
    /* The enterprise rules, for the policy clauses of the plan sheets. */
    m->ent_rules = calloc((size_t)(rules->n_ent_rules > 0 ? rules->n_ent_rules : 1),
                          sizeof *m->ent_rules);
    if (!m->ent_rules) return nomem(b);
    m->n_ent_rules = rules->n_ent_rules;
    for (int i = 0; i < rules->n_ent_rules; i++) {
        const rules_rule *r = &rules->ent_rules[i];
        out_rule *o = &m->ent_rules[i];
        o->id = ibmap_strdup(r->id);
        o->source = ibmap_strdup(r->source ? r->source : "");
        o->when = ibmap_strdup(r->when ? r->when : "");
        if (!o->id || !o->source || !o->when) return nomem(b);
    }
    return IBMAP_OK;
}

/* The targets measured for classes klass and enterprise categories
** ent_cat (NULL: the model's), into a new array *out. */
static ibmap_status eval_targets(builder *b, const unsigned char *klass,
                                 const unsigned char *ent_cat, out_target_value **out)
{
    out_model *m = b->m;
    int64_t n_sites = 0;
    if (klass == m->klass) {
        const out_table *t = out_model_table(m, OUT_SITES_TABLE);
        n_sites = t ? t->n_rows : 0;
    }
    *out = calloc((size_t)(m->n_targets > 0 ? m->n_targets : 1), sizeof **out);
    if (!*out) return nomem(b);
    out_targets_eval(m, klass, ent_cat, n_sites, *out);
    return IBMAP_OK;
}

/* Another scenario's enterprise categories, from its stored rows (255
** where none is stored); NULL when the model has no enterprises. */
static unsigned char *scenario_categories(builder *b, const char *name)
{
    const out_table *ents = out_model_table(b->m, "enterprises");
    if (!ents || !table_exists(b, "enterprise_class")) return NULL;
    int64_t n = ents->n_rows;
    unsigned char *cat = malloc((size_t)(n > 0 ? n : 1));
    if (!cat) return NULL;
    memset(cat, 255, (size_t)(n > 0 ? n : 1));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT ent_index, category FROM enterprise_class"
                                  " WHERE scenario = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t e = sqlite3_column_int64(st, 0);
            int k = ibmap_category_from_name((const char *)sqlite3_column_text(st, 1));
            if (e >= 0 && e < n && k >= 0) cat[e] = (unsigned char)k;
        }
        sqlite3_finalize(st);
    }
    return cat;
}

/* Every other scenario stored in the workspace, compared with this one. */
static ibmap_status build_scenarios(builder *b, const ibmap_classification *c)
{
    if (!table_exists(b, "scenarios")) return IBMAP_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT name FROM scenarios ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return build_fail(b, "cannot read the scenarios");
    ibmap_status s = IBMAP_OK;
    while (!s && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (!name || strcmp(name, b->m->scenario) == 0) continue;
        ibmap_classification *other = NULL;
        /* A scenario of other blocks (made before the overlay was redone)
        ** cannot be compared: it is left out, not an error. */
        if (ibmap_classification_load(b->ctx, b->path, name, &other) != IBMAP_OK) continue;
        out_scenario *sc = realloc(b->m->scenarios,
                                   (size_t)(b->m->n_scenarios + 1) * sizeof *sc);
        if (!sc) s = nomem(b);
        if (!s) {
            b->m->scenarios = sc;
            out_scenario *o = &sc[b->m->n_scenarios];
            memset(o, 0, sizeof *o);
            if (ibmap_compare(b->ctx, c, other, o->blocks, o->mu) == IBMAP_OK) {
                int64_t n = ibmap_classification_count(other);
                o->klass = malloc((size_t)(n > 0 ? n : 1));
                o->mode = malloc((size_t)(n > 0 ? n : 1));
                for (int64_t r = 0; o->klass && o->mode && r < n; r++) {
                    o->klass[r] = (unsigned char)ibmap_classification_class(other, r);
                    o->mode[r] = (unsigned char)ibmap_classification_mode(other, r);
                }
                o->ent_cat = scenario_categories(b, name);
                if (!(o->name = ibmap_strdup(name)) || !o->klass || !o->mode) s = nomem(b);
                if (!s) s = out_sites_count(b->ctx, b->m, o->klass, o->mode, &b->m->sme,
                                            &o->n_sites);
                if (!s) {
                    s = eval_targets(b, o->klass, o->ent_cat, &o->targets);
                    /* eval_targets counts the sites of the model's classes
                    ** only: this scenario's are its own. */
                    if (!s) out_targets_eval(b->m, o->klass, o->ent_cat, o->n_sites, o->targets);
                }
                b->m->n_scenarios++;
            }
        }
        ibmap_classification_free(other);
    }
    sqlite3_finalize(st);
    return s;
}

static ibmap_status build_sweep(builder *b, const ibmap_rules *rules,
                                const ibmap_output_options *o)
{
    if (!o->sweep_param || o->n_sweep <= 0 || !rules) return IBMAP_OK;
    out_sweep *sw = &b->m->sweep;
    size_t n = (size_t)o->n_sweep;
    sw->param = ibmap_strdup(o->sweep_param);
    sw->values = malloc(n * sizeof *sw->values);
    sw->blocks = malloc(n * IBMAP_CLASS_COUNT * sizeof *sw->blocks);
    sw->mu = malloc(n * IBMAP_CLASS_COUNT * sizeof *sw->mu);
    if (!sw->param || !sw->values || !sw->blocks || !sw->mu) return nomem(b);
    memcpy(sw->values, o->sweep_values, n * sizeof *sw->values);
    ibmap_status s = ibmap_sweep(b->ctx, b->path, rules, o->sweep_param, sw->values,
                                 o->n_sweep, sw->blocks, sw->mu);
    if (!s) sw->n_values = o->n_sweep;
    return s;
}

ibmap_status out_model_set_plan(ibmap_ctx *ctx, out_model *m, const ibmap_rules *rules)
{
    ibmap_rules defaults;
    memset(&defaults, 0, sizeof defaults);
    if (!rules) {
        rules_sme_defaults(&defaults.sme);
        if (!rules_targets_defaults(&defaults)) {
            rules_targets_free(&defaults);
            return ibmap_nomem(ctx);
        }
        rules = &defaults;
    }
    m->sme = rules->sme;
    int ok = (m->targets = calloc((size_t)(rules->n_targets > 0 ? rules->n_targets : 1),
                                  sizeof *m->targets)) != NULL;
    for (int i = 0; ok && i < rules->n_targets; i++) {
        const rules_target *t = &rules->targets[i];
        rules_target *o = &m->targets[m->n_targets++];
        o->id = ibmap_strdup(t->id);
        o->label = ibmap_strdup(t->label);
        o->measure = ibmap_strdup(t->measure);
        o->unit = ibmap_strdup(t->unit);
        o->source = ibmap_strdup(t->source);
        o->target = t->target;
        ok = o->id && o->label && o->measure && o->unit && o->source;
    }
    rules_targets_free(&defaults);
    return ok ? IBMAP_OK : ibmap_nomem(ctx);
}

double out_blocks_area(ibmap_ctx *ctx, const out_table *t)
{
    double sum = 0;
    GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx->geos);
    for (int64_t r = 0; rd && t && r < t->n_rows; r++) {
        if (!t->wkb[r]) continue;
        GEOSGeometry *g = GEOSWKBReader_read_r(ctx->geos, rd, t->wkb[r], t->wkb_size[r]);
        double a = 0;
        if (g && GEOSArea_r(ctx->geos, g, &a) == 1) sum += a;
        if (g) GEOSGeom_destroy_r(ctx->geos, g);
    }
    if (rd) GEOSWKBReader_destroy_r(ctx->geos, rd);
    return sum;
}

/* The blocks' extent, from their WKB (envelope of every coordinate). */
static void blocks_extent(out_model *m, ibmap_ctx *ctx)
{
    const out_table *t = out_model_table(m, "blocks");
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx->geos);
    for (int64_t r = 0; rd && t && r < t->n_rows; r++) {
        if (!t->wkb[r]) continue;
        GEOSGeometry *g = GEOSWKBReader_read_r(ctx->geos, rd, t->wkb[r], t->wkb_size[r]);
        double x0, y0, x1, y1;
        if (g && GEOSGeom_getXMin_r(ctx->geos, g, &x0) && GEOSGeom_getYMin_r(ctx->geos, g, &y0) &&
            GEOSGeom_getXMax_r(ctx->geos, g, &x1) && GEOSGeom_getYMax_r(ctx->geos, g, &y1)) {
            if (x0 < e[0]) e[0] = x0;
            if (y0 < e[1]) e[1] = y0;
            if (x1 > e[2]) e[2] = x1;
            if (y1 > e[3]) e[3] = y1;
        }
        if (g) GEOSGeom_destroy_r(ctx->geos, g);
    }
    if (rd) GEOSWKBReader_destroy_r(ctx->geos, rd);
    if (!(e[0] <= e[2])) e[0] = e[1] = e[2] = e[3] = 0;
    memcpy(m->extent, e, sizeof e);
}

static ibmap_status model_build(ibmap_ctx *ctx, const char *workspace,
                                const ibmap_classification *c, const ibmap_rules *rules,
                                const ibmap_output_options *options, int light,
                                out_model **out);

ibmap_status out_model_build(ibmap_ctx *ctx, const char *workspace,
                             const ibmap_classification *c,
                             const ibmap_rules *rules,
                             const ibmap_output_options *options,
                             out_model **out)
{
    return model_build(ctx, workspace, c, rules, options, 0, out);
}

ibmap_status out_model_build_plan(ibmap_ctx *ctx, const char *workspace,
                                  const ibmap_classification *c, const ibmap_rules *rules,
                                  out_model **out)
{
    ibmap_output_options o;
    ibmap_output_options_init(&o);
    return model_build(ctx, workspace, c, rules, &o, 1, out);
}

static ibmap_status model_build(ibmap_ctx *ctx, const char *workspace,
                                const ibmap_classification *c, const ibmap_rules *rules,
                                const ibmap_output_options *options, int light,
                                out_model **out)
{
    if (!workspace || !c || !options || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "out_model_build: NULL argument");
    builder b = {.ctx = ctx, .path = workspace};
    if (sqlite3_open_v2(workspace, &b.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ibmap_status s = ibmap_fail(ctx, IBMAP_ERR_OPEN, "%s: cannot open workspace: %s",
                                    workspace, b.db ? sqlite3_errmsg(b.db) : "out of memory");
        sqlite3_close(b.db);
        return s;
    }
    sqlite3_busy_timeout(b.db, 10000);
    ibmap_status s = IBMAP_OK;
    if (!table_exists(&b, "layer_blocks"))
        s = ibmap_fail(ctx, IBMAP_ERR_READ,
                       "%s: the workspace holds no geometry (made by an older ibmap): run "
                       "the overlay again", workspace);
    out_model *m = s ? NULL : calloc(1, sizeof *m);
    if (!s && !m) s = nomem(&b);
    b.m = m;
    if (!s) {
        m->crs = meta(&b, "crs");
        m->data_date = meta(&b, "data_date");
        m->scenario = ibmap_strdup(ibmap_classification_scenario(c));
        m->rules_name = ibmap_strdup(rules && rules->name ? rules->name : "");
        m->title = ibmap_strdup(options->title ? options->title : "工业地图 Industrial map");
        /* the enterprise params the rankings read, else their defaults */
        m->tax_floor = 5;
        m->ranking_min_mu = 10;
        m->ranking_tier_share = 0.1;
        for (int i = 0; rules && i < rules->n_params; i++) {
            const char *pn = rules->params[i].name;
            double *slot = strcmp(pn, "tax_floor") == 0            ? &m->tax_floor
                           : strcmp(pn, "ranking_min_mu") == 0     ? &m->ranking_min_mu
                           : strcmp(pn, "ranking_tier_share") == 0 ? &m->ranking_tier_share
                                                                   : NULL;
            if (slot) *slot = rules->params[i].value;
        }
        if (options->extent) {
            memcpy(m->view, options->extent, sizeof m->view);
            m->has_view = 1;
        }
        if (!m->crs || !m->data_date || !m->scenario || !m->rules_name || !m->title)
            s = nomem(&b);
    }
    /* The BEGIN makes every read below see one snapshot of the workspace,
    ** even if a classify run writes a scenario meanwhile. */
    if (!s && sqlite3_exec(b.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        s = build_fail(&b, "cannot read");
    if (!s) s = build_blocks(&b, c);
    if (!s) s = build_parcels(&b);
    if (!s) s = out_model_add_enterprises(ctx, b.db, workspace, m, c);
    if (!s) s = index_enterprises(&b);
    static const ibmap_role zones[] = {IBMAP_ROLE_REDLINE, IBMAP_ROLE_BASIC_FARMLAND,
                                       IBMAP_ROLE_PARKS, IBMAP_ROLE_CENTRAL,
                                       IBMAP_ROLE_TRANSITION, IBMAP_ROLE_CONTROL_UNITS,
                                       IBMAP_ROLE_TOWNS};
    for (size_t i = 0; !s && i < sizeof zones / sizeof *zones; i++) s = build_zone(&b, zones[i]);
    static const char *const lu_cols[][3] = {{"block_id", "区块编号", "T"},
                                             {"code", "地类编码", "T"},
                                             {"area_m2", "面积", "R"},
                                             {"share", "占区块比例", "R"}};
    if (!s && !light)
        s = build_plain(&b, "landuse_by_block", "区块地类构成", lu_cols, 4, "landuse_by_block",
                        "SELECT block_id, code, area_m2, share FROM landuse_by_block "
                        "ORDER BY rowid");
    static const char *const dq_cols[][3] = {
        {"layer", "图层", "T"},       {"source_fid", "源要素号", "I"},  {"feature_id", "要素编号", "T"},
        {"field", "字段", "T"},       {"problem", "问题", "T"},  {"severity", "严重程度", "T"},
        {"value", "原值", "T"},       {"detail", "说明", "T"},   {"action", "处理", "T"}};
    if (!s && !light)
        s = build_plain(&b, "data_quality", "数据质量", dq_cols, 9, "data_quality",
                        "SELECT layer, fid, feature_id, field, problem, severity, value, detail,"
                        " action FROM data_quality ORDER BY rowid");
    /* The classes, modes and areas of the blocks, then the plan: the
    ** sme_parks and targets of the rules (else the defaults), the
    ** candidate sites, the targets measured; the run table records them. */
    if (!s) {
        const out_table *blocks = out_model_table(m, "blocks");
        size_t n = (size_t)(blocks->n_rows > 0 ? blocks->n_rows : 1);
        m->owned_klass = malloc(n);
        m->owned_mode = malloc(n);
        m->owned_area_mu = malloc(n * sizeof *m->owned_area_mu);
        if (!m->owned_klass || !m->owned_mode || !m->owned_area_mu) s = nomem(&b);
        for (int64_t r = 0; !s && r < blocks->n_rows; r++) {
            m->owned_klass[r] = (unsigned char)ibmap_classification_class(c, r);
            m->owned_mode[r] = (unsigned char)ibmap_classification_mode(c, r);
            m->owned_area_mu[r] = ibmap_classification_area_mu(c, r);
        }
        m->klass = m->owned_klass;
        m->mode = m->owned_mode;
        m->area_mu = m->owned_area_mu;
        blocks_extent(m, ctx);
    }
    if (!s) s = out_model_set_plan(ctx, m, rules);
    if (!s) s = out_sites_build(ctx, m, &m->sme);
    if (!s) s = eval_targets(&b, m->klass, NULL, &m->target_values);
    if (!s && !light) s = build_run(&b, rules, options);
    if (!s) s = build_rules(&b, rules, c);
    if (!s && !light) s = build_scenarios(&b, c);
    sqlite3_exec(b.db, "COMMIT", NULL, NULL, NULL);
    if (!s && !light) s = build_sweep(&b, rules, options);
    sqlite3_close(b.db);

    if (s) {
        out_model_free(m);
        return s;
    }
    /* the last table's text set (see out_model_add_table) */
    for (int i = 0; i < m->n_tables; i++) ibmap_text_set_free(&m->tables[i].interned);
    *out = m;
    return IBMAP_OK;
}
