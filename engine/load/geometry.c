/*
** geometry.c — a feature's geometry as read: from OGR to GEOS in the
** source's own coordinates.  Curves are linearised, TINs and triangles
** become polygons, unclosed rings are closed, Z and M dropped; what cannot
** be a polygon (no geometry, empty, points or lines, NaN coordinates) is
** kept without geometry and logged.  Reprojection and repair come later
** (repair.c), in the working CRS.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* Geometry as read                                                       */
/* ---------------------------------------------------------------------- */

static int is_areal_type(OGRwkbGeometryType t)
{
    t = wkbFlatten(t);
    return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon ||
           t == wkbMultiSurface || t == wkbGeometryCollection ||
           t == wkbPolyhedralSurface || t == wkbTIN || t == wkbTriangle;
}

/* Number of rings of g (a polygon, or a collection of them) whose last
** point is not their first.  A ring that ends on NaN or Inf is not
** counted: closing cannot mend it, and its coordinates are the problem. */
static int unclosed_rings(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int n = OGR_G_GetGeometryCount(g), count = 0;
    if (t == wkbPolygon) {
        for (int k = 0; k < n; k++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(g, k);
            int np = OGR_G_GetPointCount(ring);
            if (np <= 0) continue;
            double xa = OGR_G_GetX(ring, 0), ya = OGR_G_GetY(ring, 0);
            double xb = OGR_G_GetX(ring, np - 1), yb = OGR_G_GetY(ring, np - 1);
            if (isfinite(xa) && isfinite(ya) && isfinite(xb) && isfinite(yb) &&
                (xa != xb || ya != yb))
                count++;
        }
    } else if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int k = 0; k < n; k++)
            count += unclosed_rings(OGR_G_GetGeometryRef(g, k));
    }
    return count;
}

/* Whether every point of g is finite (for the rare geometry GEOS
** refused: was it for its coordinates or for its shape?). */
static int ogr_coords_finite(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLineString || t == wkbLinearRing || t == wkbPoint) {
        int np = OGR_G_GetPointCount(g);
        for (int k = 0; k < np; k++)
            if (!isfinite(OGR_G_GetX(g, k)) || !isfinite(OGR_G_GetY(g, k)))
                return 0;
        return 1;
    }
    int n = OGR_G_GetGeometryCount(g);
    for (int k = 0; k < n; k++)
        if (!ogr_coords_finite(OGR_G_GetGeometryRef(g, k))) return 0;
    return 1;
}

/* Check that every coordinate of g is finite and within ±1e9, and widen
** [*x0,*x1] x [*y0,*y1] to them.  GEOSGeom_getExtent cannot do this: GEOS
** envelopes skip NaN ordinates (every comparison with NaN is false), so a
** ring with a NaN vertex has a finite extent and would pass. */
int ibmap_coords_usable(GEOSContextHandle_t h, const GEOSGeometry *g,
                        double *x0, double *y0, double *x1, double *y1)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        if (!ibmap_coords_usable(h, GEOSGetExteriorRing_r(h, g), x0, y0, x1, y1))
            return 0;
        int nh = GEOSGetNumInteriorRings_r(h, g);
        for (int k = 0; k < nh; k++)
            if (!ibmap_coords_usable(h, GEOSGetInteriorRingN_r(h, g, k), x0, y0, x1, y1))
                return 0;
        return 1;
    }
    if (type == GEOS_LINEARRING || type == GEOS_LINESTRING || type == GEOS_POINT) {
        const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
        unsigned n = 0;
        if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n)) return 0;
        for (unsigned k = 0; k < n; k++) {
            double x, y;
            if (!GEOSCoordSeq_getXY_r(h, cs, k, &x, &y) || !(fabs(x) <= 1e9) ||
                !(fabs(y) <= 1e9))
                return 0; /* also false for NaN */
            if (x < *x0) *x0 = x;
            if (x > *x1) *x1 = x;
            if (y < *y0) *y0 = y;
            if (y > *y1) *y1 = y;
        }
        return 1;
    }
    int n = GEOSGetNumGeometries_r(h, g);
    for (int k = 0; k < n; k++)
        if (!ibmap_coords_usable(h, GEOSGetGeometryN_r(h, g, k), x0, y0, x1, y1))
            return 0;
    return 1;
}

/* A scratch buffer of x, y pairs, grown as needed. */
typedef struct xy_buf {
    double *xy;
    size_t cap; /* points */
} xy_buf;

/* The ring as a GEOS LinearRing, its coordinates copied straight from
** OGR's arrays; NULL when GEOS refuses it (fewer than 4 points, not
** closed: GEOS's message is in the context, as from its WKB reader, which
** builds rings the same way). */
static GEOSGeometry *ring_to_geos(GEOSContextHandle_t h, OGRGeometryH ring, xy_buf *b)
{
    int n = OGR_G_GetPointCount(ring);
    if (n < 0) return NULL;
    if ((size_t)n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < (size_t)n) cap *= 2;
        double *grown = realloc(b->xy, cap * 2 * sizeof *grown);
        if (!grown) return NULL;
        b->xy = grown;
        b->cap = cap;
    }
    if (n > 0)
        OGR_G_GetPoints(ring, b->xy, 2 * sizeof(double), b->xy + 1, 2 * sizeof(double),
                        NULL, 0);
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, b->xy, (unsigned)n, 0, 0);
    /* the ring owns cs, also when it throws */
    return cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
}

static GEOSGeometry *polygon_to_geos(GEOSContextHandle_t h, OGRGeometryH poly, xy_buf *b)
{
    int nr = OGR_G_GetGeometryCount(poly);
    if (nr == 0) return GEOSGeom_createEmptyPolygon_r(h);
    GEOSGeometry *shell = ring_to_geos(h, OGR_G_GetGeometryRef(poly, 0), b);
    if (!shell) return NULL;
    GEOSGeometry **holes = nr > 1 ? malloc((size_t)(nr - 1) * sizeof *holes) : NULL;
    if (nr > 1 && !holes) {
        GEOSGeom_destroy_r(h, shell);
        return NULL;
    }
    for (int k = 1; k < nr; k++) {
        holes[k - 1] = ring_to_geos(h, OGR_G_GetGeometryRef(poly, k), b);
        if (!holes[k - 1]) {
            for (int j = 0; j < k - 1; j++) GEOSGeom_destroy_r(h, holes[j]);
            GEOSGeom_destroy_r(h, shell);
            free(holes);
            return NULL;
        }
    }
    GEOSGeometry *g = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)(nr - 1));
    free(holes);
    return g;
}

/* A Polygon or MultiPolygon (of polygons) built in GEOS from OGR's
** coordinates, without the detour through WKB; what GEOS's WKB reader
** would build, or NULL as it would be.  Other types: *other set. */
static GEOSGeometry *ogr_to_geos(GEOSContextHandle_t h, OGRGeometryH g, xy_buf *b, int *other)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    *other = 0;
    if (t == wkbPolygon) return polygon_to_geos(h, g, b);
    int n = t == wkbMultiPolygon ? OGR_G_GetGeometryCount(g) : 0;
    for (int k = 0; k < n; k++)
        if (wkbFlatten(OGR_G_GetGeometryType(OGR_G_GetGeometryRef(g, k))) != wkbPolygon) n = -1;
    if (t != wkbMultiPolygon || n < 0) {
        *other = 1;
        return NULL;
    }
    GEOSGeometry **parts = n ? malloc((size_t)n * sizeof *parts) : NULL;
    if (n && !parts) return NULL;
    for (int k = 0; k < n; k++) {
        parts[k] = polygon_to_geos(h, OGR_G_GetGeometryRef(g, k), b);
        if (!parts[k]) {
            for (int j = 0; j < k; j++) GEOSGeom_destroy_r(h, parts[j]);
            free(parts);
            return NULL;
        }
    }
    GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)n);
    free(parts);
    return mp;
}

/* Turn the OGR geometry of feature i into a GEOS geometry in source
** coordinates, or record why it cannot be one. */
ibmap_status ibmap_reader_read_geometry(layer_reader *r, OGRFeatureH f, int64_t i,
                                        const char *fid_text, unsigned char **wkb,
                                        size_t *wkb_cap)
{
    ibmap_layer *L = r->L;
    int64_t fid = L->fid[i];
    L->shape[i] = NULL;
    L->geom_state[i] = 0;
    L->area[i] = 0;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g) {
        L->geom_state[i] = IBMAP_GEOM_NULL;
        return dq(r, fid, fid_text, "geometry", "null_geometry",
                  IBMAP_SEV_WARNING, "", ACT_KEPT_NO_GEOM,
                  "the feature has no geometry");
    }
    if (OGR_G_IsEmpty(g)) {
        L->geom_state[i] = IBMAP_GEOM_EMPTY;
        return dq(r, fid, fid_text, "geometry", "empty_geometry",
                  IBMAP_SEV_WARNING, "", ACT_KEPT_NO_GEOM,
                  "the geometry is empty");
    }
    OGRwkbGeometryType type = OGR_G_GetGeometryType(g);
    if (!is_areal_type(type)) {
        L->geom_state[i] = IBMAP_GEOM_NOT_AREAL;
        if (!L->not_areal_type &&
            !(L->not_areal_type = ibmap_strdup(OGRGeometryTypeToName(type))))
            return ibmap_nomem(r->ctx);
        char detail[128];
        snprintf(detail, sizeof detail, "a %s where polygons belong",
                 OGRGeometryTypeToName(type));
        return dq(r, fid, fid_text, "geometry", "not_polygon",
                  IBMAP_SEV_ERROR, "", ACT_KEPT_NO_GEOM, detail);
    }
    OGRGeometryH owned = NULL;
    if (OGR_G_HasCurveGeometry(g, TRUE)) {
        owned = OGR_G_GetLinearGeometry(g, 0, NULL);
        if (owned) g = owned;
    }
    /* GEOS reads no triangles, TINs or polyhedral surfaces: as polygons
    ** they are read (each face a polygon), not refused as unreadable. */
    OGRwkbGeometryType flat = wkbFlatten(OGR_G_GetGeometryType(g));
    if (flat == wkbTriangle || flat == wkbTIN || flat == wkbPolyhedralSurface) {
        OGRGeometryH copy = OGR_G_Clone(g);
        if (owned) OGR_G_DestroyGeometry(owned);
        if (!copy) return ibmap_nomem(r->ctx);
        g = owned = OGR_G_ForceToMultiPolygon(copy);
    }
    /* GDAL accepts rings whose last point is not their first (GeoJSON and
    ** KML written by hand or by careless tools); GEOS refuses them and the
    ** whole geometry would be lost as unreadable.  Close them: what the
    ** ring evidently means.  The repair is logged. */
    int n_open = unclosed_rings(g);
    if (n_open) {
        OGR_G_CloseRings(g);
        L->geom_state[i] |= IBMAP_GEOM_REPAIRED;
        char detail[128];
        snprintf(detail, sizeof detail,
                 "%d ring%s not closed (the last point is not the first)",
                 n_open, n_open > 1 ? "s were" : " was");
        ibmap_status st = dq(r, fid, fid_text, "geometry", "invalid_geometry",
                             IBMAP_SEV_WARNING, "", ACT_RING_CLOSED, detail);
        if (st) {
            if (owned) OGR_G_DestroyGeometry(owned);
            return st;
        }
    }
    if (OGR_G_Is3D(g) || OGR_G_IsMeasured(g)) {
        L->geom_state[i] |= IBMAP_GEOM_ZM_DROPPED;
        r->n_zm++;
        OGR_G_FlattenTo2D(g);
        OGR_G_SetMeasured(g, FALSE);
    }
    GEOSContextHandle_t h = r->ctx->geos;
    /* Polygons and multipolygons (nearly every feature) straight from
    ** OGR's coordinates; anything else (a GeometryCollection) through WKB,
    ** which GEOS reads whatever it holds. */
    int other = 0;
    xy_buf xyb = {(double *)*wkb, *wkb_cap / (2 * sizeof(double))};
    GEOSGeometry *gg = ogr_to_geos(h, g, &xyb, &other);
    *wkb = (unsigned char *)xyb.xy;
    *wkb_cap = xyb.cap * 2 * sizeof(double);
    if (other) {
        size_t size = (size_t)OGR_G_WkbSize(g);
        if (size > *wkb_cap) {
            unsigned char *nb = realloc(*wkb, size);
            if (!nb) {
                if (owned) OGR_G_DestroyGeometry(owned);
                return ibmap_nomem(r->ctx);
            }
            *wkb = nb;
            *wkb_cap = size;
        }
        OGR_G_ExportToIsoWkb(g, wkbNDR, *wkb);
        GEOSWKBReader *reader = GEOSWKBReader_create_r(h);
        gg = reader ? GEOSWKBReader_read_r(h, reader, *wkb, size) : NULL;
        if (reader) GEOSWKBReader_destroy_r(h, reader);
    }
    int finite = gg || ogr_coords_finite(g);
    if (owned) OGR_G_DestroyGeometry(owned);
    if (!gg && !finite) {
        /* e.g. a ring whose first and last points are NaN: never equal,
        ** so GEOS finds it unclosed */
        L->geom_state[i] = IBMAP_GEOM_BAD_COORDS;
        return dq(r, fid, fid_text, "geometry", "bad_coordinates",
                  IBMAP_SEV_ERROR, "", ACT_KEPT_NO_GEOM,
                  "coordinates are NaN or infinite");
    }
    if (!gg) {
        /* Rings are closed and every type is one GEOS reads: what GEOS
        ** still refuses is a ring of fewer than 4 points, which has no
        ** area. */
        L->geom_state[i] |= IBMAP_GEOM_COLLAPSED;
        return dq(r, fid, fid_text, "geometry", "geometry_collapsed",
                  IBMAP_SEV_ERROR, "", ACT_KEPT_NO_GEOM, r->ctx->geos_msg);
    }
    double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
    if (!ibmap_coords_usable(h, gg, &x0, &y0, &x1, &y1) || x1 < x0 || y1 < y0) {
        GEOSGeom_destroy_r(h, gg);
        L->geom_state[i] = IBMAP_GEOM_BAD_COORDS;
        return dq(r, fid, fid_text, "geometry", "bad_coordinates",
                  IBMAP_SEV_ERROR, "", ACT_KEPT_NO_GEOM,
                  "coordinates are NaN, infinite or beyond 1e9");
    }
    if (x0 < r->minx) r->minx = x0;
    if (y0 < r->miny) r->miny = y0;
    if (x1 > r->maxx) r->maxx = x1;
    if (y1 > r->maxy) r->maxy = y1;
    /* Packed at once: the GEOS object would sit idle until its block is
    ** measured (geo/shape.c). */
    if (!(L->shape[i] = ibmap_shape_pack(h, &L->shapes, gg))) return ibmap_nomem(r->ctx);
    return IBMAP_OK;
}
