/*
** ibmap_crs.h — coordinate reference systems inside the library (crs.c).
*/
#ifndef IBMAP_CRS_H
#define IBMAP_CRS_H

#include "ibmap_int.h"

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

#endif
