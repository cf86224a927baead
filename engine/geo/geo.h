/*
** geo/geo.h — coordinates: identifying a CRS from coordinate ranges,
** GCJ-02/BD-09, and transformations to the working CRS (crs.c).
*/
#ifndef IBMAP_GEO_H
#define IBMAP_GEO_H

#include "core/core.h"

/* How a source's coordinates were made, beyond its declared CRS. */
typedef enum ibmap_coords {
    IBMAP_COORDS_AUTO = 0,   /* as the source declares (CGCS2000 ≈ WGS84) */
    IBMAP_COORDS_CGCS2000,
    IBMAP_COORDS_WGS84,
    IBMAP_COORDS_GCJ02,
    IBMAP_COORDS_BD09
} ibmap_coords;

/* ---------------------------------------------------------------------- */
/* crs_guess.c: identifying a CRS from coordinate ranges                  */
/* ---------------------------------------------------------------------- */

typedef enum ibmap_crs_guess_kind {
    IBMAP_GUESS_NONE = 0,        /* nothing fits: refuse */
    IBMAP_GUESS_LONLAT,          /* geographic degrees */
    IBMAP_GUESS_GK3_PREFIXED,    /* 3-degree Gauss-Krüger with zone prefix */
    IBMAP_GUESS_GK6_PREFIXED,    /* 6-degree Gauss-Krüger with zone prefix */
    IBMAP_GUESS_GK_NO_PREFIX     /* Gauss-Krüger easting without zone: the
                                    central meridian must come from elsewhere */
} ibmap_crs_guess_kind;

typedef struct ibmap_crs_guess {
    ibmap_crs_guess_kind kind;
    int zone;          /* GK zone number for the prefixed kinds */
    int central_meridian; /* degrees east, for the prefixed kinds */
    int epsg;          /* CGCS2000 EPSG code: 4490 lon/lat; 4513..4533 GK3
                          prefixed; 4491..4501 GK6 prefixed; 0 otherwise */
    char reason[256];  /* a sentence saying why, for the report */
} ibmap_crs_guess;

/* Identify the CRS of coordinates whose bounding box is
** [minx,maxx] x [miny,maxy].  Only CGCS2000 (China's national CRS) is
** considered among projected systems. */
void ibmap_crs_guess_from_extent(double minx, double miny, double maxx,
                                 double maxy, ibmap_crs_guess *out);

/* EPSG code of the CGCS2000 3-degree Gauss-Krüger zone without prefix whose
** central meridian is nearest `lon` (EPSG:4534 = 75°E … 4554 = 135°E), or 0
** outside that range.  For Cixi (121.3°E) it is 4549 (120°E). */
int ibmap_gk3_epsg_for_lon(double lon);

/* ---------------------------------------------------------------------- */
/* gcj02.c: Chinese web-map coordinate obfuscation (GCJ-02, BD-09)        */
/* ---------------------------------------------------------------------- */

/* All take and give degrees, longitude first.  Outside China GCJ-02 equals
** WGS84 (the published rule), so the functions return the input there. */
void ibmap_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat);
void ibmap_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat);
void ibmap_gcj02_to_bd09(double lon, double lat, double *olon, double *olat);
void ibmap_bd09_to_gcj02(double lon, double lat, double *olon, double *olat);

/* ---------------------------------------------------------------------- */
/* crs.c: transformations to the working CRS                              */
/* ---------------------------------------------------------------------- */

/* A transformation from one layer's coordinates to the working CRS. */
typedef struct ibmap_crs_transform {
    PJ *pj;               /* NULL when identity */
    int identity;         /* source and working CRS are the same */
    ibmap_coords coords;  /* GCJ-02/BD-09 undone before pj */
} ibmap_crs_transform;

ibmap_status ibmap_crs_transform_new(ibmap_ctx *ctx, const char *src,
                                     const char *dst, ibmap_coords coords,
                                     ibmap_crs_transform **out);
void ibmap_crs_transform_free(ibmap_crs_transform *t);

/* Transform one point in place; 0 if the result is not finite. */
int ibmap_crs_transform_point(const ibmap_crs_transform *t, double *x,
                              double *y);

/* A transformed copy of g, or NULL when a coordinate failed. */
GEOSGeometry *ibmap_crs_transform_geom(ibmap_ctx *ctx,
                                       const ibmap_crs_transform *t,
                                       const GEOSGeometry *g);

/* EPSG code of a CRS, identified through PROJ's database if it carries
** none (confidence 100 only), or 0. */
int ibmap_crs_epsg(PJ_CONTEXT *proj, PJ *crs);

int ibmap_crs_is_geographic(PJ *crs);

/* ---------------------------------------------------------------------- */
/* shape.c: polygonal geometries packed for keeping                       */
/* ---------------------------------------------------------------------- */

/* A polygon or multipolygon packed in a store's arena (its counts and
** coordinates follow this header), or a GEOS object kept as it is
** (type IBMAP_SHAPE_OTHER).  Shapes belong to their store and live until
** it is freed; they are only read once made, from any thread. */
enum { IBMAP_SHAPE_OTHER = -1 };
typedef struct ibmap_shape {
    int type;                /* GEOS_POLYGON, GEOS_MULTIPOLYGON or OTHER */
    uint32_t n_polygons, n_rings, n_points;
} ibmap_shape;

/* Start as {0}.  One thread at a time makes shapes in a store. */
typedef struct ibmap_shape_store {
    ibmap_text_arena arena;
    GEOSGeometry **other;    /* the kept GEOS objects, freed with the store */
    int64_t n_other, cap_other;
} ibmap_shape_store;

/* Pack g, which is taken (destroyed, or kept by the store when it is not
** polygonal).  NULL when out of memory (g is destroyed then too). */
const ibmap_shape *ibmap_shape_pack(GEOSContextHandle_t h, ibmap_shape_store *st,
                                    GEOSGeometry *g);
/* A new GEOS geometry equal to the one packed (same type, rings and
** coordinates), owned by the caller; NULL when GEOS failed. */
GEOSGeometry *ibmap_shape_geos(GEOSContextHandle_t h, const ibmap_shape *s);
/* s as WKB, written by w (GEOS's bytes are the reference: the workspace
** and ibmap_layer_wkb keep what GEOS wrote before shapes existed); freed
** with GEOSFree_r; NULL when GEOS failed. */
unsigned char *ibmap_shape_wkb(GEOSContextHandle_t h, GEOSWKBWriter *w,
                              const ibmap_shape *s, size_t *size);
/* The envelope of s; 0 when it has none (empty). */
int ibmap_shape_extent(GEOSContextHandle_t h, const ibmap_shape *s, double *x0,
                       double *y0, double *x1, double *y1);
/* The packed rings of s, for readers that walk coordinates without GEOS:
** *counts is the rings of each polygon [n_polygons] followed by the points
** of each ring [n_rings]; *xy the rings' x,y pairs one ring after another,
** each ring closed (its last point repeats its first), shell first.
** Borrowed from s.  0 (nothing set) for a kept GEOS object. */
int ibmap_shape_rings(const ibmap_shape *s, const uint32_t **counts,
                      const double **xy);
/* Apply fn to every point of s, in place, in order (as
** GEOSGeom_transformXY does); 1 done, 0 when fn failed (s is then
** half-mapped: drop it), -1 when s is a kept GEOS object (map that).
** Only while s is not yet read by anyone else. */
int ibmap_shape_map_xy(const ibmap_shape *s,
                       int (*fn)(double *x, double *y, void *userdata),
                       void *userdata);
/* Free every shape of st (leaving it {0}). */
void ibmap_shape_store_free(GEOSContextHandle_t h, ibmap_shape_store *st);

#endif /* IBMAP_GEO_H */
