/* out_ogr.c — placeholder until written (issue 5). */
#include "ibmap_int.h"
#include "ibmap_output.h"
ibmap_status out_write_gpkg(ibmap_ctx *ctx, const out_model *m, const char *path) { (void)m; (void)path; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
ibmap_status out_write_spatialite(ibmap_ctx *ctx, const out_model *m, const char *path) { (void)m; (void)path; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
ibmap_status out_write_shapefiles(ibmap_ctx *ctx, const out_model *m, const char *dir, const char *enc) { (void)m; (void)dir; (void)enc; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
ibmap_status out_write_geojson(ibmap_ctx *ctx, const out_model *m, const char *dir) { (void)m; (void)dir; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
