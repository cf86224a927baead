/*
** fixtures.h — small real input files for the tests, written with GDAL's
** own drivers (GeoPackage, Shapefile, GeoJSON), so that every test reads
** through the same code paths as a planner's data.
**
**   fx_layer(path, driver, layer, epsg, layer_options, fields, rows)
**
** fields: "QKBH:s,SSHJ:r,CYRS:i" (s string, r real, i integer).
** rows:   NULL-terminated array of "WKT|value|value…"; an empty WKT is a
**         null geometry, the value "~" is NULL, "" is an empty string.
** epsg:   0 writes no CRS.
*/
#ifndef IBMAP_TEST_FIXTURES_H
#define IBMAP_TEST_FIXTURES_H

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibmap.h"

static inline int fx_layer(const char *path, const char *driver,
                           const char *layer, int epsg,
                           const char *const *layer_options,
                           const char *fields, const char *const *rows)
{
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL,
                                 NULL, NULL);
    if (!ds) {
        GDALDriverH drv = GDALGetDriverByName(driver);
        if (!drv) return 0;
        ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    }
    if (!ds) return 0;
    OGRSpatialReferenceH srs = NULL;
    if (epsg) {
        srs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(srs, epsg);
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    /* FileGDB tables need one geometry type; the others take any. */
    OGRwkbGeometryType gt =
        strcmp(driver, "OpenFileGDB") == 0 ? wkbMultiPolygon : wkbUnknown;
    OGRLayerH l = GDALDatasetCreateLayer(ds, layer, srs, gt,
                                         (char **)layer_options);
    if (srs) OSRDestroySpatialReference(srs);
    if (!l) {
        GDALClose(ds);
        return 0;
    }
    char **fl = CSLTokenizeString2(fields, ",", 0);
    int nf = CSLCount(fl);
    for (int i = 0; i < nf; i++) {
        char *colon = strrchr(fl[i], ':');
        OGRFieldType t = OFTString;
        if (colon) {
            t = colon[1] == 'r' ? OFTReal : colon[1] == 'i' ? OFTInteger : OFTString;
            *colon = '\0';
        }
        OGRFieldDefnH fd = OGR_Fld_Create(fl[i], t);
        if (t == OFTString) OGR_Fld_SetWidth(fd, 80);
        OGR_L_CreateField(l, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    CSLDestroy(fl);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l);
    int ok = 1;
    for (int r = 0; rows && rows[r]; r++) {
        char **v = CSLTokenizeString2(rows[r], "|", CSLT_ALLOWEMPTYTOKENS);
        OGRFeatureH f = OGR_F_Create(defn);
        if (v[0] && *v[0]) {
            OGRGeometryH g = NULL;
            char *wkt = v[0];
            if (OGR_G_CreateFromWkt(&wkt, NULL, &g) != OGRERR_NONE) ok = 0;
            else OGR_F_SetGeometryDirectly(f, g);
        }
        for (int i = 0; i < nf && v[i] && v[i + 1]; i++) {
            if (strcmp(v[i + 1], "~") == 0)
                OGR_F_SetFieldNull(f, i);
            else
                OGR_F_SetFieldString(f, i, v[i + 1]);
        }
        if (OGR_L_CreateFeature(l, f) != OGRERR_NONE) ok = 0;
        OGR_F_Destroy(f);
        CSLDestroy(v);
    }
    GDALClose(ds);
    return ok;
}

/* A square WKT polygon with its lower-left corner at (x, y). */
static inline const char *fx_square(char *buf, size_t n, double x, double y,
                                    double side)
{
    snprintf(buf, n, "POLYGON((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))",
             x, y, x + side, y, x + side, y + side, x, y + side, x, y);
    return buf;
}

/* The smallest complete city: dir/city.gpkg with the six required layers
** in EPSG:4549, one or two features each, near Cixi (x 620000, y 3340000).
** Returns a project that points at it; tests then override one role. */
static inline ibmap_project *fx_city(ibmap_ctx *ctx, const char *dir)
{
    char gpkg[4200];
    snprintf(gpkg, sizeof gpkg, "%s/city.gpkg", dir);
    remove(gpkg);
    const char *blocks[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340100,620000 3340000))|QK1|一号区块|周巷镇",
        "POLYGON((620200 3340000,620300 3340000,620300 3340050,620200 3340050,620200 3340000))|QK2|二号区块|周巷镇",
        NULL};
    const char *parcels[] = {
        "POLYGON((620000 3340000,620050 3340000,620050 3340100,620000 3340100,620000 3340000))|P1|120.5|7.5",
        "POLYGON((620050 3340000,620100 3340000,620100 3340100,620050 3340100,620050 3340000))|P2|30|7.5",
        NULL};
    const char *landuse[] = {
        "POLYGON((620000 3340000,620100 3340000,620100 3340100,620000 3340100,620000 3340000))|0601|工业用地",
        NULL};
    const char *redline[] = {
        "POLYGON((621000 3341000,621100 3341000,621100 3341100,621000 3341100,621000 3341000))|HX1|湿地红线",
        NULL};
    const char *cu[] = {
        "POLYGON((619000 3339000,622000 3339000,622000 3342000,619000 3342000,619000 3339000))|ZH33028220001|慈溪市产业集聚重点管控单元|2",
        NULL};
    const char *parks[] = {
        "POLYGON((619900 3339900,620150 3339900,620150 3340150,619900 3340150,619900 3339900))|YQ1|慈溪滨海经济开发区",
        NULL};
    int ok = fx_layer(gpkg, "GPKG", "blocks", 4549, NULL, "QKBH:s,QKMC:s,SSZJ:s", blocks) &&
             fx_layer(gpkg, "GPKG", "parcels", 4549, NULL, "ZDDM:s,SSHJ:r,YDMJ:r", parcels) &&
             fx_layer(gpkg, "GPKG", "DLTB", 4549, NULL, "DLBM:s,DLMC:s", landuse) &&
             fx_layer(gpkg, "GPKG", "redline", 4549, NULL, "HXBH:s,HXMC:s", redline) &&
             fx_layer(gpkg, "GPKG", "control_units", 4549, NULL, "HJGKDYBM:s,HJGKDYMC:s,ZHGKDYFL:s", cu) &&
             fx_layer(gpkg, "GPKG", "parks", 4549, NULL, "YQBH:s,YQMC:s", parks);
    if (!ok) return NULL;
    ibmap_project *p = NULL;
    if (ibmap_project_new(ctx, &p)) return NULL;
    ibmap_project_set(ctx, p, "crs", "EPSG:4549");
    static const char *roles[][2] = {{"blocks", "blocks"}, {"parcels", "parcels"},
                                     {"landuse", "DLTB"}, {"redline", "redline"},
                                     {"control_units", "control_units"},
                                     {"parks", "parks"}};
    for (int i = 0; i < 6; i++) {
        char key[64];
        ibmap_project_set(ctx, p, roles[i][0], gpkg);
        snprintf(key, sizeof key, "%s.layer", roles[i][0]);
        ibmap_project_set(ctx, p, key, roles[i][1]);
    }
    return p;
}

/* Number of log entries of one layer with one problem code. */
static inline int fx_count(const ibmap_data *d, ibmap_role role,
                           const char *problem)
{
    int n = 0;
    for (int64_t i = 0; i < ibmap_data_defect_count(d); i++) {
        ibmap_defect e;
        ibmap_data_defect(d, i, &e);
        if (e.role == role && strcmp(e.problem, problem) == 0) n++;
    }
    return n;
}

/* Index of the feature with this id in a layer, or -1. */
static inline int64_t fx_find(const ibmap_layer *L, const char *id)
{
    for (int64_t i = 0; i < ibmap_layer_count(L); i++)
        if (strcmp(ibmap_layer_id(L, i), id) == 0) return i;
    return -1;
}

#endif
