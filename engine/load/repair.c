/*
** repair.c — every geometry into the working CRS, and made valid there:
** validity is a property of the coordinates actually used for overlay.
** Validity is checked on every core (the largest single cost of loading);
** the repairs are made in feature order on the caller's thread so that the
** log is the same for any number of cores.  The repair of one geometry,
** ibmap_repair_polygonal, is also what the fuzz harness measures.
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/reader.h"

/* Keep only the polygonal part of g (make-valid can return a collection
** of polygons and the lines that collapsed); NULL if there is none. */
GEOSGeometry *ibmap_polygonal_part(GEOSContextHandle_t h, GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) return g;
    int n = GEOSGetNumGeometries_r(h, g), total = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        int pt = GEOSGeomTypeId_r(h, part);
        if (pt == GEOS_POLYGON) total++;
        else if (pt == GEOS_MULTIPOLYGON) total += GEOSGetNumGeometries_r(h, part);
    }
    GEOSGeometry **parts = total ? malloc((size_t)total * sizeof *parts) : NULL;
    int k = 0;
    for (int i = 0; parts && i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
        int pt = GEOSGeomTypeId_r(h, part);
        if (pt == GEOS_POLYGON)
            parts[k++] = GEOSGeom_clone_r(h, part);
        else if (pt == GEOS_MULTIPOLYGON)
            for (int j = 0; j < GEOSGetNumGeometries_r(h, part); j++)
                parts[k++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, part, j));
    }
    GEOSGeom_destroy_r(h, g);
    GEOSGeometry *out = NULL;
    if (k == 1)
        out = parts[0];
    else if (k > 1)
        out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts,
                                          (unsigned)k);
    free(parts);
    return out;
}

/* One geometry made what the loader keeps: valid, polygons only, each
** area counted once.  A GeometryCollection is valid when each of its
** polygons is, even if they overlap; measured as it is, an overlap would
** count twice (two overlapping squares of 10,000 m² would make 20,000).
** So its polygons are merged into one (Multi)Polygon, and that counts as
** a repair. */
GEOSGeometry *ibmap_repair_polygonal(GEOSContextHandle_t h, GEOSGeometry *g,
                                     int valid, int *done, char *reason,
                                     size_t reason_size)
{
    *done = 0;
    if (reason && reason_size) reason[0] = '\0';
    if (valid < 0) valid = GEOSisValid_r(h, g);
    int collection = GEOSGeomTypeId_r(h, g) == GEOS_GEOMETRYCOLLECTION;
    if (valid == 1 && !collection) return g;
    if (valid != 1) {
        *done |= IBMAP_REPAIR_MADE_VALID;
        char *why = NULL;
        GEOSGeometry *loc = NULL;
        if (reason && reason_size) GEOSisValidDetail_r(h, g, 0, &why, &loc);
        if (loc) GEOSGeom_destroy_r(h, loc);
        if (why) {
            snprintf(reason, reason_size, "%s", why);
            GEOSFree_r(h, why);
        }
    }
    if (collection) *done |= IBMAP_REPAIR_MERGED;
    GEOSMakeValidParams *mv = GEOSMakeValidParams_create_r(h);
    GEOSGeometry *fixed = NULL;
    if (mv) {
        GEOSMakeValidParams_setMethod_r(h, mv, GEOS_MAKE_VALID_STRUCTURE);
        GEOSMakeValidParams_setKeepCollapsed_r(h, mv, 0);
        fixed = GEOSMakeValidWithParams_r(h, g, mv);
        GEOSMakeValidParams_destroy_r(h, mv);
    }
    GEOSGeom_destroy_r(h, g);
    g = fixed ? ibmap_polygonal_part(h, fixed) : NULL;
    if (g && collection) {
        GEOSGeometry *merged = GEOSUnaryUnion_r(h, g);
        GEOSGeom_destroy_r(h, g);
        g = merged ? ibmap_polygonal_part(h, merged) : NULL;
    }
    double area = 0;
    if (g && (GEOSArea_r(h, g, &area) != 1 || !(area > 0))) {
        GEOSGeom_destroy_r(h, g);
        g = NULL;
    }
    if (!g) *done |= IBMAP_REPAIR_NO_AREA;
    return g;
}

/* Validity of every geometry of L, checked on every core: IsValid is the
** largest single cost of loading (a topology analysis of each polygon),
** and each feature's check is independent of the others.  valid[i] is
** GEOSisValid's answer (1 valid, 0 invalid, 2 exception), or 1 for a
** feature without geometry; area[i] the geometry's area as it is.  Each
** thread has its own GEOS context and makes its own GEOS objects from
** the packed shapes, which are only read.  The repairs that follow are
** made in feature order on the caller's thread, so the log is the same
** for any number of cores. */
typedef struct validity_job {
    const ibmap_layer *L;
    char *valid;
    double *area;
    int64_t next;            /* next chunk to take */
    pthread_mutex_t lock;
} validity_job;

#define VALIDITY_CHUNK 256

static void *validity_worker(void *arg)
{
    validity_job *j = arg;
    GEOSContextHandle_t h = GEOS_init_r();
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int64_t first = j->next;
        j->next += VALIDITY_CHUNK;
        pthread_mutex_unlock(&j->lock);
        if (first >= j->L->n) break;
        int64_t last = first + VALIDITY_CHUNK < j->L->n ? first + VALIDITY_CHUNK : j->L->n;
        for (int64_t i = first; i < last; i++) {
            j->valid[i] = 1;
            j->area[i] = 0;
            if (!j->L->shape[i] || !h) continue;
            GEOSGeometry *g = ibmap_shape_geos(h, j->L->shape[i]);
            j->valid[i] = g ? GEOSisValid_r(h, g) : 2;
            if (g) GEOSArea_r(h, g, &j->area[i]);
            if (g) GEOSGeom_destroy_r(h, g);
        }
    }
    if (h) GEOS_finish_r(h);
    return NULL;
}

static char *check_validity(const ibmap_layer *L, double *area)
{
    validity_job j = {.L = L, .valid = malloc((size_t)(L->n > 0 ? L->n : 1)),
                      .area = area};
    if (!j.valid) return NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
    if (L->n < 4 * VALIDITY_CHUNK) n = 1;
    pthread_t threads[16];
    int started = 0;
    pthread_mutex_init(&j.lock, NULL);
    for (int k = 1; k < n; k++)
        if (pthread_create(&threads[started], NULL, validity_worker, &j) == 0) started++;
    validity_worker(&j); /* this thread works too */
    for (int k = 0; k < started; k++) pthread_join(threads[k], NULL);
    pthread_mutex_destroy(&j.lock);
    return j.valid;
}

static int transform_point(double *x, double *y, void *userdata)
{
    return ibmap_crs_transform_point(userdata, x, y);
}

ibmap_status ibmap_transform_and_repair(ibmap_ctx *ctx, ibmap_data *data,
                                        ibmap_layer *L)
{
    GEOSContextHandle_t h = ctx->geos;
    ibmap_crs_transform *t;
    ibmap_status st = ibmap_crs_transform_new(ctx, L->crs_used, data->crs,
                                              L->coords, &t);
    if (st) {
        char why[sizeof ctx->errmsg];
        snprintf(why, sizeof why, "%s", ctx->errmsg);
        return ibmap_fail(ctx, st, "%s: %s, layer %s: %s",
                          ibmap_role_name(L->role), L->source, L->layer_name,
                          why);
    }
    /* First every geometry into the working CRS (PROJ is used from this
    ** thread only), then the validity of all of them at once. */
    int moves = !t->identity || t->coords == IBMAP_COORDS_GCJ02 ||
                t->coords == IBMAP_COORDS_BD09;
    for (int64_t i = 0; i < L->n && !st && moves; i++) {
        if (!L->shape[i]) continue;
        /* In place on the packed coordinates (a kept GEOS object through
        ** GEOS), as GEOSGeom_transformXY would: point by point. */
        int mapped = ibmap_shape_map_xy(L->shape[i], transform_point, t);
        GEOSGeometry *moved = NULL;
        if (mapped < 0) {
            GEOSGeometry *g = ibmap_shape_geos(h, L->shape[i]);
            moved = g ? ibmap_crs_transform_geom(ctx, t, g) : NULL;
            if (g) GEOSGeom_destroy_r(h, g);
            mapped = moved != NULL;
        }
        if (!mapped) {
            L->shape[i] = NULL;
            L->geom_state[i] |= IBMAP_GEOM_BAD_COORDS;
            if (ibmap_dq_add(&data->dq, L->role, L->fid[i], L->id[i],
                             "geometry", "bad_coordinates",
                             IBMAP_SEV_ERROR, "", ACT_KEPT_NO_GEOM,
                             "coordinates could not be transformed to "
                             "%s (outside the CRS's area?)",
                             data->crs))
                st = ibmap_nomem(ctx);
            continue;
        }
        if (moved && !(L->shape[i] = ibmap_shape_pack(h, &L->shapes, moved)))
            st = ibmap_nomem(ctx);
    }
    char *validity = st ? NULL : check_validity(L, L->area);
    if (!st && !validity) st = ibmap_nomem(ctx);
    for (int64_t i = 0; i < L->n && !st; i++) {
        if (!L->shape[i]) continue;
        /* valid, and a polygon or multipolygon: nothing to repair, and
        ** its area was measured with its validity */
        if (validity[i] == 1 && L->shape[i]->type != IBMAP_SHAPE_OTHER) continue;
        GEOSGeometry *g = ibmap_shape_geos(h, L->shape[i]);
        if (!g) {
            st = ibmap_nomem(ctx);
            break;
        }
        int done = 0;
        char reason[512];
        /* the area before, to tell what the repair took away (the gates) */
        double before = validity[i] != 1 ? L->area[i] : 0, after = 0;
        g = ibmap_repair_polygonal(h, g, validity[i], &done, reason,
                                   sizeof reason);
        if (done & IBMAP_REPAIR_MADE_VALID) {
            if (g) GEOSArea_r(h, g, &after);
            if (isfinite(before) && before > after) L->area_lost += before - after;
        }
        if (done) {
            L->geom_state[i] |= g ? IBMAP_GEOM_REPAIRED : IBMAP_GEOM_COLLAPSED;
                    if (ibmap_dq_add(&data->dq, L->role, L->fid[i], L->id[i],
                             "geometry",
                             g ? "invalid_geometry" : "geometry_collapsed",
                             g ? IBMAP_SEV_WARNING : IBMAP_SEV_ERROR, "",
                             g ? ACT_REPAIRED : ACT_KEPT_NO_GEOM, "%s%s",
                             reason[0] ? reason
                             : done & IBMAP_REPAIR_MERGED
                                 ? "a GeometryCollection: its polygons were "
                                   "merged, overlaps counted once"
                                 : "invalid geometry",
                             g ? "" : "; the repair left no area"))
                st = ibmap_nomem(ctx);
        }
        L->area[i] = 0;
        if (g) GEOSArea_r(h, g, &L->area[i]);
        L->shape[i] = g ? ibmap_shape_pack(h, &L->shapes, g) : NULL;
        if (g && !L->shape[i]) st = ibmap_nomem(ctx);
    }
    free(validity);
    ibmap_crs_transform_free(t);
    return st;
}
