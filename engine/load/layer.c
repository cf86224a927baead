/*
** layer.c — the life of the loaded data: a layer is made, grown as its
** features are read, and freed here, and so is the ibmap_data that holds
** the layers.  One file owns it so that no two load files call each other
** in a loop: the reader (ingest.c) calls into this file, the accessors
** (data.c) only read what it made, and this file calls no other file of
** load/.
*/
#include <stdlib.h>

#include "load/load.h"

/* ---------------------------------------------------------------------- */
/* Layer storage                                                          */
/* ---------------------------------------------------------------------- */

ibmap_layer *ibmap_layer_new(ibmap_role role)
{
    ibmap_layer *L = calloc(1, sizeof *L);
    if (!L) return NULL;
    L->role = role;
    const ibmap_role_def *def = ibmap_role_def_get(role);
    L->n_columns = def->n_fields;
    L->columns = calloc((size_t)def->n_fields, sizeof *L->columns);
    if (!L->columns) {
        free(L);
        return NULL;
    }
    for (int f = 0; f < def->n_fields; f++)
        L->columns[f].type = def->fields[f].type;
    return L;
}

void ibmap_layer_free(ibmap_layer *L, GEOSContextHandle_t geos)
{
    if (!L) return;
    ibmap_shape_store_free(geos, &L->shapes);
    ibmap_arena_free(&L->texts);
    for (int f = 0; f < L->n_columns; f++) {
        ibmap_column *c = &L->columns[f];
        free(c->source_name);
        free(c->num);
        free(c->text);
    }
    free(L->columns);
    for (int f = 0; f < L->n_source_fields; f++) {
        ibmap_source_field *c = &L->source_fields[f];
        free(c->name);
        free(c->num);
        free(c->text);
    }
    free(L->source_fields);
    free(L->fid);
    free(L->id);
    free(L->shape);
    free(L->geom_state);
    free(L->area);
    free(L->lu_group);
    free(L->grade_computed);
    free(L->source);
    free(L->layer_name);
    free(L->driver);
    free(L->encoding);
    free(L->crs_found);
    free(L->crs_used);
    free(L->crs_note);
    free(L->geom_type);
    free(L->not_areal_type);
    free(L->webmap_fields);
    free(L->verdict_msg);
    free(L);
}

#define GROW(ptr, cap)                                                      \
    do {                                                                    \
        void *p_ = realloc((ptr), (size_t)(cap) * sizeof *(ptr));           \
        if (!p_) return 0;                                                  \
        (ptr) = p_;                                                         \
    } while (0)

/* Every per-feature array of L resized to cap features. */
static int layer_grow(ibmap_layer *L, int64_t cap)
{
    GROW(L->fid, cap);
    GROW(L->id, cap);
    GROW(L->shape, cap);
    GROW(L->geom_state, cap);
    GROW(L->area, cap);
    if (L->role == IBMAP_ROLE_LANDUSE) GROW(L->lu_group, cap);
    for (int f = 0; f < L->n_columns; f++) {
        ibmap_column *c = &L->columns[f];
        if (c->type == IBMAP_FIELD_TEXT)
            GROW(c->text, cap);
        else
            GROW(c->num, cap);
    }
    for (int f = 0; f < L->n_source_fields; f++) {
        ibmap_source_field *c = &L->source_fields[f];
        if (c->type == IBMAP_SOURCE_REAL)
            GROW(c->num, cap);
        else
            GROW(c->text, cap);
    }
    L->cap = cap;
    return 1;
}

int ibmap_layer_reserve(ibmap_layer *L, int64_t n)
{
    if (n <= L->cap) return 1;
    int64_t cap = L->cap ? L->cap : 256;
    while (cap < n) cap *= 2;
    return layer_grow(L, cap);
}

int ibmap_layer_reserve_exact(ibmap_layer *L, int64_t n)
{
    return n <= L->cap || layer_grow(L, n);
}

/* The loaded data: its layers, its log, its working CRS. */
void ibmap_data_free(ibmap_data *data)
{
    if (!data || ibmap_exit_pending()) return;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        ibmap_layer_free(data->layers[r], data->geos);
    ibmap_dq_clear(&data->dq);
    free(data->crs);
    free(data->accepted);
    free(data);
}
