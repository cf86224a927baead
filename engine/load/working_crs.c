/*
** working_crs.c — which CRS coordinates are in: the CRS each layer's
** coordinates were read in (as the project says, as the source declares,
** or identified from the coordinate ranges), the working CRS of the whole
** project (crs:, or crs: auto from the blocks' position), and the layers
** whose CRS could only be known once the working CRS was (Gauss-Krüger
** eastings without a zone prefix).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* The source CRS                                                         */
/* ---------------------------------------------------------------------- */

static char *srs_display_name(OGRSpatialReferenceH srs)
{
    const char *auth = OSRGetAuthorityName(srs, NULL);
    const char *code = OSRGetAuthorityCode(srs, NULL);
    const char *name = OSRGetName(srs);
    if (auth && code)
        return ibmap_sprintf("%s (%s:%s)", name ? name : "?", auth, code);
    return ibmap_strdup(name ? name : "unnamed CRS");
}

/* Whether the reader's extent lies in the area of use of `crs` (with a
** tolerance of 1°): 1 yes, 0 no (and `why` says where the area is), -1
** when it cannot be told (no area of use, no coordinates).  For a
** geographic CRS the whole extent is compared; for a projected one its
** centre, transformed to lon/lat. */
static int extent_in_area_of_use(layer_reader *r, const char *crs, char *why,
                                 size_t why_size)
{
    if (r->maxx < r->minx) return -1;
    PJ_CONTEXT *pc = r->ctx->proj;
    PJ *pj = proj_create(pc, crs);
    if (!pj) return -1;
    double w, s, e, n;
    const char *area = NULL;
    int have = proj_get_area_of_use(pc, pj, &w, &s, &e, &n, &area) && w > -1000;
    PJ *db = NULL;
    if (!have && proj_get_id_auth_name(pj, 0) && proj_get_id_code(pj, 0)) {
        /* GDAL's WKT of a GeoJSON's implicit WGS 84 has an ID but no
        ** USAGE: the database knows the area */
        db = proj_create_from_database(pc, proj_get_id_auth_name(pj, 0),
                                       proj_get_id_code(pj, 0), PJ_CATEGORY_CRS,
                                       0, NULL);
        have = db && proj_get_area_of_use(pc, db, &w, &s, &e, &n, &area) && w > -1000;
    }
    if (!have && ibmap_crs_is_geographic(pj)) {
        w = -180, s = -90, e = 180, n = 90; /* degrees, at least */
        area = "the world";
        have = 1;
    }
    if (!have) {
        if (db) proj_destroy(db);
        proj_destroy(pj);
        return -1;
    }
    const double tol = 1.0;
    double x0 = r->minx, y0 = r->miny, x1 = r->maxx, y1 = r->maxy;
    int inside;
    if (w > e) e += 360; /* an area across the antimeridian */
    if (ibmap_crs_is_geographic(pj)) {
        inside = x0 >= w - tol && x1 <= e + tol && y0 >= s - tol && y1 <= n + tol;
    } else {
        PJ *to = proj_create_crs_to_crs(pc, crs, "EPSG:4326", NULL);
        PJ *norm = to ? proj_normalize_for_visualization(pc, to) : NULL;
        PJ_COORD c = proj_coord((x0 + x1) / 2, (y0 + y1) / 2, 0, 0);
        PJ_COORD ll = norm ? proj_trans(norm, PJ_FWD, c) : c;
        inside = norm && isfinite(ll.xy.x) && isfinite(ll.xy.y) &&
                 ll.xy.x >= w - tol && ll.xy.x <= e + tol &&
                 ll.xy.y >= s - tol && ll.xy.y <= n + tol;
        if (norm) proj_destroy(norm);
        if (to) proj_destroy(to);
    }
    snprintf(why, why_size, "%s: lon %.1f..%.1f, lat %.1f..%.1f",
             area && *area ? area : "its area of use", w, e, s, n);
    if (db) proj_destroy(db);
    proj_destroy(pj);
    return inside;
}

/* Identify the layer's CRS from its coordinate ranges.  `declared` is NULL
** for a layer that declares no CRS, else the sentence saying how the CRS
** it declares contradicts its coordinates. */
static ibmap_status identify_from_coords(layer_reader *r, int *deferred,
                                         const char *declared)
{
    ibmap_layer *L = r->L;
    if (r->maxx < r->minx)
        return ibmap_fail(r->ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "%s: declares no CRS and has no usable "
                          "coordinates to identify one from; set crs: "
                          "for this layer",
                          r->where);
    ibmap_crs_guess g;
    ibmap_crs_guess_from_extent(r->minx, r->miny, r->maxx, r->maxy, &g);
    if (g.kind == IBMAP_GUESS_NONE && declared)
        return ibmap_fail(r->ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "%s: %s, and they fit no CRS ibmap can identify "
                          "(%s): the two candidates are the declared CRS "
                          "and none. Set crs: for this layer (e.g. --set "
                          "%s.crs=EPSG:4549)",
                          r->where, declared, g.reason, role_name(r->role));
    if (g.kind == IBMAP_GUESS_NONE)
        return ibmap_fail(r->ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "%s: declares no CRS and its coordinates "
                          "(x %.3f..%.3f, y %.3f..%.3f) fit no CRS ibmap "
                          "can identify: %s. Set crs: for this layer "
                          "(e.g. --set %s.crs=EPSG:4549)",
                          r->where, r->minx, r->maxx, r->miny, r->maxy,
                          g.reason, role_name(r->role));
    if (g.kind == IBMAP_GUESS_GK_NO_PREFIX) {
        *deferred = 1;
        free(L->crs_used);
        L->crs_used = NULL;
        free(L->crs_note);
        L->crs_note = declared ? ibmap_sprintf("%s; %s", declared, g.reason)
                               : ibmap_strdup(g.reason);
        if (!L->crs_note) return ibmap_nomem(r->ctx);
        return declared ? dq(r, -1, "", "geometry", "crs_contradiction",
                             IBMAP_SEV_WARNING, L->crs_found, ACT_CRS_ASSUMED,
                             L->crs_note)
                        : IBMAP_OK;
    }
    int epsg = g.epsg;
    /* Lon/lat labelled by the project as WGS84-based (incl. GCJ-02
    ** and BD-09, which distort WGS84) are read as WGS84. */
    if (g.kind == IBMAP_GUESS_LONLAT && r->rs->coords != IBMAP_COORDS_AUTO &&
        r->rs->coords != IBMAP_COORDS_CGCS2000)
        epsg = 4326;
    free(L->crs_used);
    free(L->crs_note);
    L->crs_used = ibmap_sprintf("EPSG:%d", epsg);
    L->crs_note = declared ? ibmap_sprintf("EPSG:%d, identified from coordinates: "
                                           "%s; %s",
                                           epsg, declared, g.reason)
                           : ibmap_sprintf("EPSG:%d, identified from coordinates: %s",
                                           epsg, g.reason);
    if (!L->crs_used || !L->crs_note)
        return ibmap_nomem(r->ctx);
    return dq(r, -1, "", "geometry", declared ? "crs_contradiction" : "crs_identified",
              IBMAP_SEV_WARNING, declared ? L->crs_found : "", ACT_CRS_ASSUMED,
              L->crs_note);
}

/* Record what CRS the layer declares, or identify one from its coordinate
** ranges.  Sets r->L->crs_used to a definition PROJ accepts, or leaves it
** NULL when it must wait for the working CRS (Gauss-Krüger eastings without
** a zone prefix).  A declared CRS whose area of use does not hold the
** coordinates (a GeoJSON without a crs member is WGS 84 by definition,
** and ogr2ogr writes one in projected metres all the same) is a
** contradiction: the coordinates decide when their ranges identify a CRS,
** else the load stops. */
ibmap_status ibmap_reader_decide_source_crs(layer_reader *r, int *deferred)
{
    ibmap_layer *L = r->L;
    *deferred = 0;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(r->lyr);
    L->crs_found = srs ? srs_display_name(srs) : ibmap_strdup("");
    if (!L->crs_found) return ibmap_nomem(r->ctx);
    if (r->rs->crs) {
        L->crs_used = ibmap_strdup(r->rs->crs);
        L->crs_note = ibmap_sprintf("%s, as the project says",
                                    r->rs->crs);
    } else if (srs) {
        const char *opts[] = {"FORMAT=WKT2_2019", NULL};
        char *wkt = NULL;
        if (OSRExportToWktEx(srs, &wkt, opts) != OGRERR_NONE || !wkt) {
            CPLFree(wkt);
            return ibmap_fail(r->ctx, IBMAP_ERR_CRS_INVALID,
                              "%s: its CRS (%s) cannot be exported: %s",
                              r->where, L->crs_found, gdal_msg());
        }
        L->crs_used = ibmap_strdup(wkt);
        CPLFree(wkt);
        L->crs_note = ibmap_sprintf("%s, as the source declares",
                                    L->crs_found);
        char area[512];
        if (L->crs_used &&
            extent_in_area_of_use(r, L->crs_used, area, sizeof area) == 0) {
            char declared[1200];
            snprintf(declared, sizeof declared,
                     "the source declares %s, but its coordinates (x "
                     "%.3f..%.3f, y %.3f..%.3f) lie outside that CRS's area "
                     "of use (%s)",
                     L->crs_found, r->minx, r->maxx, r->miny, r->maxy, area);
            return identify_from_coords(r, deferred, declared);
        }
    } else {
        return identify_from_coords(r, deferred, NULL);
    }
    return L->crs_used && L->crs_note
               ? IBMAP_OK
               : ibmap_nomem(r->ctx);
}

/* ---------------------------------------------------------------------- */
/* Phase two: the working CRS, reprojection and repair                    */
/* ---------------------------------------------------------------------- */

/* crs: auto — the CGCS2000 3-degree Gauss-Krüger zone (without prefix)
** whose central meridian is nearest the centre of the blocks. */
static ibmap_status auto_working_crs(ibmap_ctx *ctx, ibmap_data *data)
{
    ibmap_layer *B = data->layers[IBMAP_ROLE_BLOCKS];
    if (!B->crs_used)
        return ibmap_fail(ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "blocks: %s, layer %s: the coordinates look like "
                          "Gauss-Krüger eastings without a zone prefix, so "
                          "the zone cannot be known; set the working CRS "
                          "(crs: EPSG:4549, or --crs) or the layer's crs:",
                          B->source, B->layer_name);
    double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
    for (int64_t i = 0; i < B->n; i++) {
        double a, b, c, d;
        if (!ibmap_shape_extent(ctx->geos, B->shape[i], &a, &b, &c, &d))
            continue;
        if (a < x0) x0 = a;
        if (b < y0) y0 = b;
        if (c > x1) x1 = c;
        if (d > y1) y1 = d;
    }
    if (x1 < x0)
        return ibmap_fail(ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "blocks: %s: no block has a geometry, so crs: auto "
                          "cannot find the zone; set crs:",
                          B->source);
    ibmap_crs_transform *t;
    ibmap_status st = ibmap_crs_transform_new(ctx, B->crs_used, "EPSG:4490",
                                              B->coords, &t);
    if (st) return st;
    double x = (x0 + x1) / 2, y = (y0 + y1) / 2;
    int ok = ibmap_crs_transform_point(t, &x, &y);
    ibmap_crs_transform_free(t);
    int epsg = ok ? ibmap_gk3_epsg_for_lon(x) : 0;
    if (!epsg)
        return ibmap_fail(ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "blocks: %s: the centre of the blocks (%.4f, %.4f) "
                          "is outside China's Gauss-Krüger zones; set crs:",
                          B->source, x, y);
    data->epsg = epsg;
    data->crs = ibmap_sprintf("EPSG:%d", epsg);
    return data->crs ? IBMAP_OK : ibmap_nomem(ctx);
}

/* A layer of Gauss-Krüger eastings without zone prefix is taken to be in
** the working CRS when that is itself a CGCS2000 Gauss-Krüger CRS without
** prefix: the only central meridian the project tells us. */
ibmap_status ibmap_resolve_deferred_crs(ibmap_ctx *ctx, ibmap_data *data,
                                        ibmap_layer *L)
{
    int e = data->epsg;
    int gk_no_prefix = (e >= 4534 && e <= 4554) || (e >= 4502 && e <= 4512);
    if (!gk_no_prefix)
        return ibmap_fail(ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "%s: %s, layer %s: %s%s; the working CRS %s does "
                          "not tell the zone either%s. Set crs: for this "
                          "layer (e.g. --set %s.crs=EPSG:4549)",
                          ibmap_role_name(L->role), L->source, L->layer_name,
                          *L->crs_found ? "" : "declares no CRS and ",
                          L->crs_note, data->crs,
                          *L->crs_found ? " (the candidates: the declared "
                                          "CRS, which the coordinates "
                                          "contradict, and Gauss-Krüger "
                                          "without zone prefix, whose zone "
                                          "is unknown)"
                                        : "",
                          ibmap_role_name(L->role));
    char *note = ibmap_sprintf("%s, identified from coordinates: %s%sGauss-Krüger "
                               "eastings without zone prefix, taken to be in "
                               "the working CRS",
                               data->crs, *L->crs_found ? L->crs_note : "",
                               *L->crs_found ? "; " : "");
    if (!note) return ibmap_nomem(ctx);
    free(L->crs_note);
    L->crs_note = note;
    L->crs_used = ibmap_strdup(data->crs);
    if (!L->crs_used) return ibmap_nomem(ctx);
    ibmap_status st = ibmap_dq_add(&data->dq, L->role, -1, "", "geometry",
                                   "crs_identified", IBMAP_SEV_WARNING, "",
                                   ACT_CRS_ASSUMED, "%s", note);
    return st ? ibmap_fail(ctx, st, "out of memory") : IBMAP_OK;
}

/* The working CRS: the project's crs: (a projected CRS), else crs: auto. */
ibmap_status ibmap_choose_working_crs(ibmap_ctx *ctx, ibmap_data *data,
                                      const ibmap_project *p)
{
    ibmap_status st = IBMAP_OK;
    if (p->crs) {
        PJ *w = proj_create(ctx->proj, p->crs);
        if (!w || ibmap_crs_is_geographic(w))
            st = ibmap_fail(ctx, IBMAP_ERR_CRS_INVALID,
                            "the working CRS '%s' is %s; give a projected "
                            "CRS such as EPSG:4549",
                            p->crs, w ? "geographic (degrees, not metres)"
                                      : "not understood by PROJ");
        else {
            data->epsg = ibmap_crs_epsg(ctx->proj, w);
            data->crs = ibmap_strdup(p->crs);
            if (!data->crs) st = ibmap_nomem(ctx);
        }
        if (w) proj_destroy(w);
    } else {
        st = auto_working_crs(ctx, data);
    }
    return st;
}
