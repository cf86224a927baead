/*
** crs.c — coordinate reference systems: what a layer's coordinates are in,
** the working CRS, and the one reprojection every geometry goes through.
**
** All transformations are built with PROJ from the ibmap context's PROJ
** context and normalised for visualisation, so coordinates are always in
** the traditional GIS order (easting/longitude first), whatever axis order
** the EPSG definition has (EPSG:4490 is latitude first).
**
** GCJ-02 and BD-09 are not CRSs PROJ knows: they are deliberate distortions
** of WGS84 longitude/latitude.  A source declared as such is first undone to
** WGS84 (gcj02.c) and then reprojected as WGS84.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

void ibmap_crs_transform_free(ibmap_crs_transform *t)
{
    if (!t) return;
    if (t->pj) proj_destroy(t->pj);
    free(t);
}

/* EPSG code of a PROJ CRS object, or 0. */
int ibmap_crs_epsg(PJ_CONTEXT *proj, PJ *crs)
{
    const char *auth = proj_get_id_auth_name(crs, 0);
    const char *code = proj_get_id_code(crs, 0);
    if (auth && code && strcmp(auth, "EPSG") == 0) return atoi(code);
    /* A CRS read from WKT without an identifier (a .prj file, say) may
    ** still be exactly an EPSG one: ask PROJ's database, and take its
    ** answer only when PROJ is sure (confidence 100 = same definition). */
    int epsg = 0;
    int *confidence = NULL;
    PJ_OBJ_LIST *matches = proj_identify(proj, crs, "EPSG", NULL, &confidence);
    if (matches && proj_list_get_count(matches) > 0 && confidence &&
        confidence[0] >= 100) {
        PJ *m = proj_list_get(proj, matches, 0);
        const char *c = m ? proj_get_id_code(m, 0) : NULL;
        if (c) epsg = atoi(c);
        if (m) proj_destroy(m);
    }
    if (confidence) proj_int_list_destroy(confidence);
    if (matches) proj_list_destroy(matches);
    return epsg;
}

int ibmap_crs_is_geographic(PJ *crs)
{
    PJ_TYPE t = proj_get_type(crs);
    return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
           t == PJ_TYPE_GEOGRAPHIC_CRS;
}

/* Make the transformation from `src` to `dst` (both CRS definitions PROJ
** accepts: "EPSG:4549", WKT, PROJJSON).  `obfuscation` undoes GCJ-02 or
** BD-09 first.  *out is NULL-free on success. */
ibmap_status ibmap_crs_transform_new(ibmap_ctx *ctx, const char *src,
                                     const char *dst, ibmap_coords coords,
                                     ibmap_crs_transform **out)
{
    ibmap_crs_transform *t = calloc(1, sizeof *t);
    if (!t) return ibmap_nomem(ctx);
    t->coords = coords;
    PJ *s = proj_create(ctx->proj, src);
    PJ *d = proj_create(ctx->proj, dst);
    ibmap_status st = IBMAP_OK;
    if (!s || !d) {
        st = ibmap_fail(ctx, IBMAP_ERR_CRS_INVALID, "CRS not understood: %s",
                        !s ? src : dst);
        goto done;
    }
    if ((coords == IBMAP_COORDS_GCJ02 || coords == IBMAP_COORDS_BD09) &&
        !ibmap_crs_is_geographic(s)) {
        st = ibmap_fail(ctx, IBMAP_ERR_CRS_INVALID,
                        "coords %s applies only to longitude/latitude "
                        "sources, and this one is in a projected CRS",
                        coords == IBMAP_COORDS_GCJ02 ? "gcj02" : "bd09");
        goto done;
    }
    t->identity = proj_is_equivalent_to_with_ctx(ctx->proj, s, d,
                                                 PJ_COMP_EQUIVALENT);
    if (!t->identity) {
        PJ *raw = proj_create_crs_to_crs_from_pj(ctx->proj, s, d, NULL, NULL);
        if (raw) {
            t->pj = proj_normalize_for_visualization(ctx->proj, raw);
            proj_destroy(raw);
        }
        if (!t->pj) {
            st = ibmap_fail(ctx, IBMAP_ERR_CRS_TRANSFORM,
                            "no transformation from %s to %s: %s", src, dst,
                            proj_context_errno_string(
                                ctx->proj, proj_context_errno(ctx->proj)));
            goto done;
        }
    }
done:
    if (s) proj_destroy(s);
    if (d) proj_destroy(d);
    if (st) {
        ibmap_crs_transform_free(t);
        return st;
    }
    *out = t;
    return IBMAP_OK;
}

int ibmap_crs_transform_point(const ibmap_crs_transform *t, double *x,
                              double *y)
{
    if (!isfinite(*x) || !isfinite(*y)) return 0;
    if (t->coords == IBMAP_COORDS_BD09)
        ibmap_bd09_to_gcj02(*x, *y, x, y);
    if (t->coords == IBMAP_COORDS_GCJ02 || t->coords == IBMAP_COORDS_BD09)
        ibmap_gcj02_to_wgs84(*x, *y, x, y);
    if (!t->identity) {
        PJ_COORD c = proj_coord(*x, *y, 0, 0);
        c = proj_trans(t->pj, PJ_FWD, c);
        *x = c.xy.x;
        *y = c.xy.y;
    }
    return isfinite(*x) && isfinite(*y);
}

typedef struct transform_state {
    const ibmap_crs_transform *t;
    int failed;
} transform_state;

static int transform_callback(double *x, double *y, void *userdata)
{
    transform_state *s = userdata;
    if (!ibmap_crs_transform_point(s->t, x, y)) {
        s->failed = 1;
        return 0;
    }
    return 1;
}

GEOSGeometry *ibmap_crs_transform_geom(ibmap_ctx *ctx,
                                       const ibmap_crs_transform *t,
                                       const GEOSGeometry *g)
{
    transform_state s = {t, 0};
    GEOSGeometry *out =
        GEOSGeom_transformXY_r(ctx->geos, g, transform_callback, &s);
    if (out && s.failed) {
        GEOSGeom_destroy_r(ctx->geos, out);
        return NULL;
    }
    return out;
}
