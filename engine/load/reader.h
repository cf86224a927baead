/*
** load/reader.h — private to engine/load/: the reader of one layer and the
** helpers its steps share.  Not part of the load stage's interface (that is
** load/load.h): other stages never include it.
**
** Reading a layer is one pass (ingest.c) through steps that each live in
** their own file; every one of them takes the layer_reader and includes
** this header:
**   ingest.c           opening, reading every feature, ibmap_load()
**   shapefile_check.c  do the .shp, .shx and .dbf agree?
**   text_decode.c      the layer's encoding; decoding each value
**   fields.c           source field for each canonical one; reading values
**   feature_codes.c    control-unit types, land-use groups
**   geometry.c         a feature's geometry as read (OGR to GEOS)
**   working_crs.c      the source CRS of each layer, the working CRS
**   repair.c           into the working CRS, made valid
** layer.c (the life of a layer) does not include it: it needs no reader.
** The calls go one way: ingest.c calls the step files, which call the
** utilities of load.h, never ingest.c or each other, except that fields.c
** decodes text with text_decode.c.
**
** Log entries written while loading use dq() and the ACT_* strings below,
** so that the actions form one fixed vocabulary whichever file logs them.
*/
#ifndef IBMAP_LOAD_READER_H
#define IBMAP_LOAD_READER_H

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "load/load.h"

/* Actions written in the log: a fixed vocabulary, like the problem codes. */
#define ACT_KEPT_NO_GEOM "kept without geometry"
#define ACT_REPAIRED "repaired with GEOS make-valid (structure method)"
#define ACT_MISSING "treated as missing (not 0)"
#define ACT_USED "normalised value used"
#define ACT_FID_ID "FID used as id"
#define ACT_SUFFIXED "kept; id suffixed with #FID"
#define ACT_GB18030 "decoded as GB18030"
#define ACT_GROUP_UNKNOWN "land-use group unknown"
#define ACT_CODE_DECIDES "the code decides"
#define ACT_INFERRED "inferred type used"
#define ACT_TYPE_UNKNOWN "type unknown"
#define ACT_DROPPED_ZM "Z/M dropped"
#define ACT_CRS_ASSUMED "coordinates read in the identified CRS"
#define ACT_TRUNCATED_NAME "field used; check it is the one meant"
#define ACT_RING_CLOSED "ring closed by repeating its first point"

typedef struct layer_reader {
    ibmap_ctx *ctx;
    ibmap_data *data;
    ibmap_dq *log;           /* where this layer's entries go (ingest.c) */
    ibmap_role role;
    const ibmap_role_source *rs;
    const ibmap_role_def *def;
    ibmap_layer *L;
    GDALDatasetH ds;
    OGRLayerH lyr;
    int *src_index;          /* per canonical field, -1 if absent */
    int *src_canonical;      /* per kept source field: the TEXT canonical
                                field read from it, or -1 (fields.c) */
    OGRFieldType *src_type;
    int shapefile;           /* text arrives as raw DBF bytes */
    char encoding[32];       /* what text is in; "UTF-8" needs no recoding */
    int id_field;            /* canonical index of "id", or -1 */
    ibmap_text_set ids;      /* every id given out so far */
    int64_t n_zm;
    double minx, miny, maxx, maxy; /* extent of finite geometries */
    int64_t n_named, n_conflict;   /* landuse: code/name pairs checked */
    char where[4200];        /* "SOURCE, layer NAME" for messages */
} layer_reader;

static inline const char *role_name(ibmap_role role) { return ibmap_role_name(role); }

static inline ibmap_status dq(layer_reader *r, int64_t fid, const char *feature_id,
                       const char *field, const char *problem,
                       ibmap_severity sev, const char *value,
                       const char *action, const char *detail)
{
    ibmap_status st = ibmap_dq_add(r->log, r->role, fid, feature_id,
                                   field, problem, sev, value, action, "%s",
                                   detail);
    return st ? ibmap_fail(r->ctx, st, "out of memory") : IBMAP_OK;
}

/* GDAL's last error message, or a phrase saying it gave none. */
static inline const char *gdal_msg(void)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "no further detail from GDAL";
}

/* ---------------------------------------------------------------------- */
/* The steps, in the order ingest.c runs them                             */
/* ---------------------------------------------------------------------- */

/* shapefile_check.c: stop if the layer's .shp, .shx and .dbf disagree. */
ibmap_status ibmap_reader_check_shapefile(layer_reader *r);

/* text_decode.c: decide r->encoding (and the layer's encoding, _from). */
ibmap_status ibmap_reader_decide_encoding(layer_reader *r);
/* A source string in UTF-8 (malloc'd), trimmed; NULL (and *nomem 0) for
** an empty value.  *bad is set when the bytes were not in the encoding
** they should be, and GB18030 was used. */
char *ibmap_reader_decode_text(layer_reader *r, const char *raw, int *bad,
                               int *nomem);
/* The same, copied into the layer's texts (r->L->texts), for a value the
** layer keeps: not to be freed.  same_as (may be NULL), a text already
** kept, is returned itself when the value equals it. */
char *ibmap_reader_decode_kept(layer_reader *r, const char *raw, char *same_as,
                               int *bad, int *nomem);

/* fields.c: map each canonical field to a source field (r->src_index);
** read the value of canonical field `field` of feature i. */
ibmap_status ibmap_reader_map_fields(layer_reader *r);
ibmap_status ibmap_reader_read_number(layer_reader *r, OGRFeatureH f,
                                      int field, int64_t i,
                                      const char *fid_text);
ibmap_status ibmap_reader_read_text(layer_reader *r, OGRFeatureH f,
                                    int field, int64_t i,
                                    const char *fid_text);

/* fields.c: keep every source field of the blocks and the parcels as it
** is (L->source_fields), set up before the first feature; feature i's
** values of them. */
ibmap_status ibmap_reader_keep_source_fields(layer_reader *r);
ibmap_status ibmap_reader_read_source_fields(layer_reader *r, OGRFeatureH f, int64_t i);

/* fields.c: note the fields of a DataV/Amap web-map export (GCJ-02). */
ibmap_status ibmap_reader_webmap_fields(layer_reader *r);

/* feature_codes.c: the control-unit type of feature i; the land-use group
** of feature i. */
ibmap_status ibmap_reader_resolve_cu_type(layer_reader *r, int64_t i,
                                          const char *fid_text);
ibmap_status ibmap_reader_classify_landuse(layer_reader *r, int64_t i,
                                           const char *fid_text);

/* geometry.c: feature i's geometry in source coordinates (L->shape[i]),
** widening the reader's extent; *wkb is a scratch buffer of *wkb_cap. */
ibmap_status ibmap_reader_read_geometry(layer_reader *r, OGRFeatureH f,
                                        int64_t i, const char *fid_text,
                                        unsigned char **wkb, size_t *wkb_cap);

/* working_crs.c: the CRS the layer's coordinates are in (*deferred when
** it can only be known from the working CRS); the working CRS; the
** deferred layers' CRS. */
ibmap_status ibmap_reader_decide_source_crs(layer_reader *r, int *deferred);
ibmap_status ibmap_choose_working_crs(ibmap_ctx *ctx, ibmap_data *data,
                                      const ibmap_project *p);
ibmap_status ibmap_resolve_deferred_crs(ibmap_ctx *ctx, ibmap_data *data,
                                        ibmap_layer *L);

/* repair.c: every geometry of L into the working CRS, made valid, with
** its area. */
ibmap_status ibmap_transform_and_repair(ibmap_ctx *ctx, ibmap_data *data,
                                        ibmap_layer *L);

#endif /* IBMAP_LOAD_READER_H */
