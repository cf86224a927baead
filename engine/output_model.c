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

#include "ibmap_int.h"
#include "ibmap_output.h"
#include "ibmap_rules.h"

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

const char *out_text(const out_table *t, int64_t r, const char *name)
{
    int c = out_column_index(t, name);
    if (c < 0 || r < 0 || r >= t->n_rows) return NULL;
    const out_cell *cell = out_table_cell(t, r, c);
    return cell->null || t->columns[c].type != OUT_TEXT ? NULL : cell->v.text;
}

double out_number(const out_table *t, int64_t r, const char *name)
{
    int c = out_column_index(t, name);
    if (c < 0 || r < 0 || r >= t->n_rows) return NAN;
    const out_cell *cell = out_table_cell(t, r, c);
    if (cell->null) return NAN;
    switch (t->columns[c].type) {
    case OUT_REAL: return cell->v.real;
    case OUT_INTEGER: return (double)cell->v.integer;
    default: return NAN;
    }
}

static void table_free(out_table *t)
{
    for (int64_t r = 0; t->cells && r < t->n_rows; r++)
        for (int c = 0; c < t->n_columns; c++) {
            out_cell *cell = &t->cells[r * t->n_columns + c];
            if (t->columns[c].type == OUT_TEXT && !cell->null) free(cell->v.text);
        }
    for (int c = 0; c < t->n_columns; c++) {
        free(t->columns[c].name);
        free(t->columns[c].label_zh);
        free(t->columns[c].unit);
    }
    for (int64_t r = 0; t->wkb && r < t->n_rows; r++) free(t->wkb[r]);
    free(t->wkb);
    free(t->wkb_size);
    free(t->cells);
    free(t->columns);
    free(t->name);
    free(t->label_zh);
}

void out_model_free(out_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_tables; i++) table_free(&m->tables[i]);
    free(m->tables);
    for (int i = 0; i < m->n_rules; i++) {
        free(m->rules[i].id);
        free(m->rules[i].source);
        free(m->rules[i].when);
    }
    free(m->rules);
    for (int i = 0; i < m->n_scenarios; i++) free(m->scenarios[i].name);
    free(m->scenarios);
    free(m->sweep.param);
    free(m->sweep.values);
    free(m->sweep.blocks);
    free(m->sweep.mu);
    free(m->owned_klass);
    free(m->owned_mode);
    free(m->owned_area_mu);
    free(m->crs);
    free(m->scenario);
    free(m->rules_name);
    free(m->title);
    free(m->data_date);
    free(m);
}

/* ---------------------------------------------------------------------- */
/* Building tables                                                        */
/* ---------------------------------------------------------------------- */

out_table *out_model_add_table(out_model *m, const char *name,
                               const char *label_zh, int spatial)
{
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
    if (!t->cells) return 0;
    for (size_t i = 0; i < cells; i++) t->cells[i].null = 1;
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

int out_table_set_text(out_table *t, int64_t r, int c, const char *text)
{
    out_cell *cell = cell_at(t, r, c);
    if (!cell || t->columns[c].type != OUT_TEXT) return 0;
    if (!cell->null) free(cell->v.text);
    cell->null = 1;
    if (!text) return 1;
    if (!(cell->v.text = ibmap_strdup(text))) return 0;
    cell->null = 0;
    return 1;
}

int out_table_set_real(out_table *t, int64_t r, int c, double v)
{
    out_cell *cell = cell_at(t, r, c);
    if (!cell || t->columns[c].type != OUT_REAL) return 0;
    cell->null = !isfinite(v);
    cell->v.real = cell->null ? 0 : v;
    return 1;
}

int out_table_set_integer(out_table *t, int64_t r, int c, int64_t v)
{
    out_cell *cell = cell_at(t, r, c);
    if (!cell || t->columns[c].type != OUT_INTEGER) return 0;
    cell->null = 0;
    cell->v.integer = v;
    return 1;
}

int out_table_set_wkb(out_table *t, int64_t r, const unsigned char *wkb,
                      size_t size)
{
    if (!t->spatial || !t->wkb || r < 0 || r >= t->n_rows) return 0;
    free(t->wkb[r]);
    t->wkb[r] = NULL;
    t->wkb_size[r] = 0;
    if (!wkb || !size) return 1;
    if (!(t->wkb[r] = malloc(size))) return 0;
    memcpy(t->wkb[r], wkb, size);
    t->wkb_size[r] = size;
    return 1;
}

ibmap_status out_model_build(ibmap_ctx *ctx, const char *workspace,
                             const ibmap_classification *c,
                             const ibmap_rules *rules,
                             const ibmap_output_options *options,
                             out_model **out)
{
    (void)workspace; (void)c; (void)rules; (void)options; (void)out;
    return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet");
}
