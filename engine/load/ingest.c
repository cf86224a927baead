/*
** ingest.c — loading the input layers: open, pick the layer, map fields,
** decode text, read every feature, then put every geometry in the working
** CRS and repair it.
**
** Loading runs in two phases.  Phase one reads each layer as it is, in its
** own coordinates: the working CRS may depend on the blocks' position
** (crs: auto), and a layer without a CRS may only be identifiable once the
** working CRS is known (Gauss-Krüger eastings without a zone prefix).  Phase
** two transforms each layer once and repairs what is invalid, because
** validity is a property of the coordinates actually used for overlay.
**
** The rule throughout: a feature is never dropped.  A feature whose geometry
** or values cannot be used is kept, with what is wrong written to the
** data-quality log (dq.c).  Only what makes a whole layer unusable — it
** cannot be opened, a required field or the CRS is missing, the land-use
** codes are of another system — stops the load, with a message naming the
** source, the layer and the field.
*/
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ctype.h>
#include <gdal.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---------------------------------------------------------------------- */
/* The reader of one layer                                                */
/* ---------------------------------------------------------------------- */

typedef struct id_set {
    char **slots;
    size_t cap;
} id_set;

typedef struct layer_reader {
    ibmap_ctx *ctx;
    ibmap_data *data;
    ibmap_role role;
    const ibmap_role_source *rs;
    const ibmap_role_def *def;
    ibmap_layer *L;
    GDALDatasetH ds;
    OGRLayerH lyr;
    int *src_index;          /* per canonical field, -1 if absent */
    OGRFieldType *src_type;
    int shapefile;           /* text arrives as raw DBF bytes */
    char encoding[32];       /* what text is in; "UTF-8" needs no recoding */
    int id_field;            /* canonical index of "id", or -1 */
    id_set ids;
    int64_t n_zm;
    double minx, miny, maxx, maxy; /* extent of finite geometries */
    int64_t n_named, n_conflict;   /* landuse: code/name pairs checked */
    char where[4200];        /* "SOURCE, layer NAME" for messages */
} layer_reader;

static const char *role_name(ibmap_role role) { return ibmap_role_name(role); }

static ibmap_status dq(layer_reader *r, int64_t fid, const char *feature_id,
                       const char *field, const char *problem,
                       ibmap_severity sev, const char *value,
                       const char *action, const char *detail)
{
    ibmap_status st = ibmap_dq_add(&r->data->dq, r->role, fid, feature_id,
                                   field, problem, sev, value, action, "%s",
                                   detail);
    return st ? ibmap_fail(r->ctx, st, "out of memory") : IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Ids                                                                    */
/* ---------------------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int id_set_grow_if_needed(id_set *set, int64_t n)
{
    if ((size_t)n * 2 < set->cap) return 1;
    size_t cap = set->cap ? set->cap * 2 : 1024;
    while ((size_t)n * 2 >= cap) cap *= 2;
    char **slots = calloc(cap, sizeof(char *));
    if (!slots) return 0;
    for (size_t i = 0; i < set->cap; i++) {
        char *s = set->slots[i];
        if (!s) continue;
        for (size_t j = hash_str(s) & (cap - 1);; j = (j + 1) & (cap - 1))
            if (!slots[j]) {
                slots[j] = s;
                break;
            }
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 1;
}

/* Insert s (borrowed, must outlive the set); returns 0 if it was there. */
static int id_set_insert(id_set *set, char *s, int *nomem)
{
    if (set->cap == 0 && !id_set_grow_if_needed(set, 1)) {
        *nomem = 1;
        return 0;
    }
    size_t mask = set->cap - 1;
    for (size_t i = hash_str(s) & mask;; i = (i + 1) & mask) {
        if (!set->slots[i]) {
            set->slots[i] = s;
            return 1;
        }
        if (strcmp(set->slots[i], s) == 0) return 0;
    }
}

/* ---------------------------------------------------------------------- */
/* Layer storage                                                          */
/* ---------------------------------------------------------------------- */

static ibmap_layer *layer_new(ibmap_role role)
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
    for (int64_t i = 0; i < L->n; i++) {
        free(L->id[i]);
        if (L->geom[i]) GEOSGeom_destroy_r(geos, L->geom[i]);
    }
    for (int f = 0; f < L->n_columns; f++) {
        ibmap_column *c = &L->columns[f];
        free(c->source_name);
        free(c->num);
        if (c->text)
            for (int64_t i = 0; i < L->n; i++) free(c->text[i]);
        free(c->text);
    }
    free(L->columns);
    free(L->fid);
    free(L->id);
    free(L->geom);
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
    free(L);
}

#define GROW(ptr, cap)                                                      \
    do {                                                                    \
        void *p_ = realloc((ptr), (size_t)(cap) * sizeof *(ptr));           \
        if (!p_) return 0;                                                  \
        (ptr) = p_;                                                         \
    } while (0)

static int layer_reserve(ibmap_layer *L, int64_t n)
{
    if (n <= L->cap) return 1;
    int64_t cap = L->cap ? L->cap : 256;
    while (cap < n) cap *= 2;
    GROW(L->fid, cap);
    GROW(L->id, cap);
    GROW(L->geom, cap);
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
    L->cap = cap;
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                */
/* ---------------------------------------------------------------------- */

static const char *gdal_msg(void)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "no further detail from GDAL";
}

/* Pick the layer: the one named, else the only one, else the one named
** like the role ("parcels" in a GeoPackage of several layers). */
static ibmap_status pick_layer(layer_reader *r)
{
    const char *src = r->rs->source;
    int n = GDALDatasetGetLayerCount(r->ds);
    if (r->rs->layer) {
        r->lyr = GDALDatasetGetLayerByName(r->ds, r->rs->layer);
        if (r->lyr) return IBMAP_OK;
    } else if (n == 1) {
        r->lyr = GDALDatasetGetLayer(r->ds, 0);
        return IBMAP_OK;
    } else {
        for (int i = 0; i < n; i++) {
            OGRLayerH l = GDALDatasetGetLayer(r->ds, i);
            if (strcasecmp(OGR_L_GetName(l), role_name(r->role)) == 0) {
                r->lyr = l;
                return IBMAP_OK;
            }
        }
    }
    char names[1024] = "";
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                 OGR_L_GetName(GDALDatasetGetLayer(r->ds, i)));
    }
    if (r->rs->layer)
        return ibmap_fail(r->ctx, IBMAP_ERR_NO_LAYER,
                          "%s: %s: no layer '%s' (layers: %s)",
                          role_name(r->role), src, r->rs->layer,
                          n ? names : "none");
    return ibmap_fail(r->ctx, IBMAP_ERR_NO_LAYER,
                      "%s: %s has %d layers (%s); say which with "
                      "%s: SRC:LAYER or layer:",
                      role_name(r->role), src, n, n ? names : "none",
                      role_name(r->role));
}

static ibmap_status open_source(layer_reader *r)
{
    const char *src = r->rs->source;
    /* Shapefiles are opened without recoding (ENCODING="") so that ibmap,
    ** not the driver's defaults, decides the encoding: GDAL would read a
    ** DBF with neither .cpg nor LDID as ISO-8859-1 and turn GBK into
    ** mojibake that can no longer be repaired. */
    const char *const raw_opts[] = {"ENCODING=", NULL};
    CPLErrorReset();
    r->ds = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, raw_opts,
                       NULL);
    if (!r->ds) {
        /* GDAL says nothing when no driver recognises the file (a GeoJSON
        ** that is a bare array of features, say): say that much. */
        const char *why = CPLGetLastErrorMsg();
        return ibmap_fail(r->ctx, IBMAP_ERR_OPEN, "%s: cannot open %s: %s",
                          role_name(r->role), src,
                          why && *why ? why
                                      : "no GDAL vector driver recognises "
                                        "its format or contents");
    }
    GDALDriverH drv = GDALGetDatasetDriver(r->ds);
    const char *drv_name = drv ? GDALGetDriverShortName(drv) : "?";
    r->shapefile = strcmp(drv_name, "ESRI Shapefile") == 0;
    ibmap_status st = pick_layer(r);
    if (st) return st;
    r->L->source = ibmap_strdup(src);
    r->L->layer_name = ibmap_strdup(OGR_L_GetName(r->lyr));
    r->L->driver = ibmap_strdup(drv_name);
    if (!r->L->source || !r->L->layer_name || !r->L->driver)
        return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
    snprintf(r->where, sizeof r->where, "%s: %s, layer %s",
             role_name(r->role), src, r->L->layer_name);
    if (r->rs->where) {
        CPLErrorReset();
        int refused = OGR_L_SetAttributeFilter(r->lyr, r->rs->where) != OGRERR_NONE;
        if (!refused) {
            /* Some drivers (GeoPackage, PostgreSQL) only run the filter's
            ** SQL when reading starts: try the first feature now, so that a
            ** bad filter is reported as one and not as a read error. */
            OGRFeatureH f = OGR_L_GetNextFeature(r->lyr);
            refused = !f && CPLGetLastErrorType() >= CE_Failure;
            if (f) OGR_F_Destroy(f);
            OGR_L_ResetReading(r->lyr);
        }
        if (refused)
            return ibmap_fail(r->ctx, IBMAP_ERR_FILTER,
                              "%s: attribute filter \"%s\" refused: %s",
                              r->where, r->rs->where, gdal_msg());
    }
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Shapefiles: do the .shp, .shx and .dbf agree?                          */
/* ---------------------------------------------------------------------- */

/* GDAL trusts a shapefile's three files and, where they disagree, drops
** features or mixes them up without a word (it reports only a debug
** message):
**   - a .dbf header counting fewer records than there are shapes: the
**     shapes without a record are skipped as if deleted;
**   - a .dbf with more records than shapes, or an .shx header counting
**     fewer entries than it holds: the features past the count are never
**     read;
**   - an .shx entry pointing into another record: that feature silently
**     gets the other's geometry;
**   - a .dbf that cannot be read (zero bytes): the layer opens without
**     attributes, and the load fails later for a "missing field".
** So before reading, the files are checked against each other, and any
** disagreement stops the load with a message saying which file is wrong
** and where.  This reads the .shx and the .dbf header only; .shp record
** headers are read only for index entries that are not contiguous. */

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

#define SHX_FIX "; rebuild the index: delete the .shx and open the .shp once " \
                "with the GDAL option SHAPE_RESTORE_SHX=YES (e.g. ogrinfo " \
                "--config SHAPE_RESTORE_SHX YES FILE.shp)"

/* Check the .shx entries against the .shp; *n_shapes is the number of
** shapes GDAL will read (the count in the .shx header), -1 if unknown. */
static ibmap_status check_shx(layer_reader *r, const char *shp,
                              const char *shx, int64_t *n_shapes)
{
    *n_shapes = -1;
    VSIStatBufL ss, sx;
    if (VSIStatL(shp, &ss) != 0 || VSIStatL(shx, &sx) != 0) return IBMAP_OK;
    VSILFILE *fx = VSIFOpenL(shx, "rb");
    VSILFILE *fp = fx ? VSIFOpenL(shp, "rb") : NULL;
    unsigned char hdr[100];
    ibmap_status st = IBMAP_OK;
    if (!fx || !fp || VSIFReadL(hdr, 1, 100, fx) != 100) goto done; /* GDAL will say */
    int64_t n_hdr = ((int64_t)get_be32(hdr + 24) * 2 - 100) / 8;
    int64_t n_file = ((int64_t)sx.st_size - 100) / 8;
    if (n_hdr < 0) n_hdr = 0;
    if (n_file > n_hdr) {
        st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                        "%s: the .shx index %s holds %lld entries but its "
                        "header counts %lld: GDAL would read only the first "
                        "%lld features and lose the others" SHX_FIX,
                        r->where, shx, (long long)n_file, (long long)n_hdr,
                        (long long)n_hdr);
        goto done;
    }
    if (n_file < n_hdr) goto done; /* GDAL refuses to open it: not reached */
    *n_shapes = n_hdr;
    unsigned char buf[8 * 4096];
    uint64_t prev_end = 100, shp_size = (uint64_t)ss.st_size;
    for (int64_t first = 0; first < n_hdr; first += 4096) {
        int64_t k = n_hdr - first < 4096 ? n_hdr - first : 4096;
        if (VSIFReadL(buf, 8, (size_t)k, fx) != (size_t)k) goto done;
        for (int64_t j = 0; j < k; j++) {
            int64_t fid = first + j;
            uint64_t off = (uint64_t)get_be32(buf + 8 * j) * 2;
            uint64_t len = (uint64_t)get_be32(buf + 8 * j + 4) * 2;
            char found[160] = "";
            if (off + 8 + len > shp_size) {
                snprintf(found, sizeof found,
                         "a record of %llu bytes at byte %llu, past the end of "
                         "the .shp (%llu bytes)",
                         (unsigned long long)len, (unsigned long long)off,
                         (unsigned long long)shp_size);
            } else if (off != prev_end) {
                /* Not where the previous record ends: legal, but check
                ** that the record there is this one. */
                unsigned char rh[8];
                if (VSIFSeekL(fp, off, SEEK_SET) != 0 || VSIFReadL(rh, 1, 8, fp) != 8)
                    snprintf(found, sizeof found, "byte %llu, which cannot be read",
                             (unsigned long long)off);
                else if (get_be32(rh) != (uint64_t)fid + 1 ||
                         (uint64_t)get_be32(rh + 4) * 2 != len)
                    snprintf(found, sizeof found,
                             "byte %llu, where the .shp holds record %u of "
                             "%llu bytes (expected record %lld of %llu bytes)",
                             (unsigned long long)off, get_be32(rh),
                             (unsigned long long)get_be32(rh + 4) * 2,
                             (long long)fid + 1, (unsigned long long)len);
            }
            if (found[0]) {
                st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                                "%s: the .shx index %s disagrees with the .shp "
                                "at feature FID %lld: it points to %s; the "
                                "index is damaged or belongs to another "
                                "file" SHX_FIX,
                                r->where, shx, (long long)fid, found);
                goto done;
            }
            prev_end = off + 8 + len;
        }
    }
done:
    if (fx) VSIFCloseL(fx);
    if (fp) VSIFCloseL(fp);
    return st;
}

/* Check the .dbf's record count against the number of shapes. */
static ibmap_status check_dbf(layer_reader *r, const char *dbf, int64_t n_shapes)
{
    VSIStatBufL sb;
    unsigned char h[32];
    VSILFILE *f = VSIStatL(dbf, &sb) == 0 ? VSIFOpenL(dbf, "rb") : NULL;
    int ok = f && VSIFReadL(h, 1, 32, f) == 32;
    if (f) VSIFCloseL(f);
    if (!ok || n_shapes < 0) return IBMAP_OK; /* GDAL read it: not reached */
    int64_t n_hdr = get_le32(h + 4);
    int64_t header = h[8] | h[9] << 8, rec = h[10] | h[11] << 8;
    int64_t present = rec > 0 && (int64_t)sb.st_size >= header
                          ? ((int64_t)sb.st_size - header) / rec
                          : 0;
    if (present > n_hdr) present = n_hdr; /* bytes past the count: not records */
    if (n_hdr < n_shapes)
        return ibmap_fail(r->ctx, IBMAP_ERR_READ,
                          "%s: the .dbf %s counts %lld records but the .shp "
                          "has %lld shapes: GDAL would skip the %lld features "
                          "without a record; the .dbf's header is wrong or "
                          "the files do not belong together",
                          r->where, dbf, (long long)n_hdr, (long long)n_shapes,
                          (long long)(n_shapes - n_hdr));
    if (present < n_shapes)
        return ibmap_fail(r->ctx, IBMAP_ERR_READ,
                          "%s: the .dbf %s is cut short: it holds %lld "
                          "complete records of the %lld its header counts, "
                          "for %lld shapes",
                          r->where, dbf, (long long)present, (long long)n_hdr,
                          (long long)n_shapes);
    if (present > n_shapes)
        return ibmap_fail(r->ctx, IBMAP_ERR_READ,
                          "%s: the .dbf %s has %lld records but the .shp only "
                          "%lld shapes: the %lld features of the last records "
                          "would be lost; the .shp and .shx are cut short or "
                          "the files do not belong together",
                          r->where, dbf, (long long)present, (long long)n_shapes,
                          (long long)(present - n_shapes));
    return IBMAP_OK;
}

static ibmap_status check_shapefile(layer_reader *r)
{
    char **files = GDALGetFileList(r->ds);
    const char *layer = OGR_L_GetName(r->lyr);
    char *shp = NULL, *shx = NULL, *dbf = NULL;
    for (int i = 0; files && files[i]; i++) {
        if (strcmp(CPLGetBasename(files[i]), layer) != 0) continue;
        const char *ext = CPLGetExtension(files[i]);
        char **slot = strcasecmp(ext, "shp") == 0   ? &shp
                      : strcasecmp(ext, "shx") == 0 ? &shx
                      : strcasecmp(ext, "dbf") == 0 ? &dbf
                                                    : NULL;
        if (slot && !*slot) *slot = ibmap_strdup(files[i]);
    }
    CSLDestroy(files);
    ibmap_status st = IBMAP_OK;
    if (!shp) goto done;
    if (!dbf) {
        /* GDAL did not take the .dbf: if there is one, it is unreadable. */
        static const char *const ext[] = {"dbf", "DBF"};
        for (int e = 0; e < 2 && !st; e++) {
            char *path = ibmap_strdup(CPLResetExtension(shp, ext[e]));
            VSIStatBufL sb;
            if (!path)
                st = ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
            else if (VSIStatL(path, &sb) == 0)
                st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                                "%s: its attribute table %s cannot be read "
                                "(%lld bytes: not a dBase table), so no "
                                "feature would have attributes; restore the "
                                ".dbf",
                                r->where, path, (long long)sb.st_size);
            free(path);
        }
        goto done;
    }
    int64_t n_shapes = -1;
    if (shx) st = check_shx(r, shp, shx, &n_shapes);
    if (!st) st = check_dbf(r, dbf, n_shapes);
done:
    free(shp);
    free(shx);
    free(dbf);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Encoding                                                               */
/* ---------------------------------------------------------------------- */

/* Decide the encoding of the layer's text.  For shapefiles: the project's
** override, else the .cpg, else the DBF's LDID, else a look at the bytes:
** all valid UTF-8 means UTF-8 (a real county file in ../shared is such a
** case), otherwise GB18030, the superset of GBK and GB2312 that Chinese
** desktop GIS writes, recorded as a guess.  Other drivers hand us UTF-8
** (GeoPackage, GeoJSON and PostgreSQL define it), unless overridden. */
/* The .dbf of the layer being read: the source may be a .shp, a folder of
** shapefiles or a .zip, so ask GDAL for the files behind the dataset. */
static int shapefile_declared_encoding(layer_reader *r, const char **from)
{
    char **files = GDALGetFileList(r->ds);
    const char *layer = OGR_L_GetName(r->lyr);
    int found = 0;
    for (int i = 0; files && files[i] && !found; i++) {
        const char *base = CPLGetBasename(files[i]);
        if (strcasecmp(CPLGetExtension(files[i]), "dbf") == 0 &&
            strcmp(base, layer) == 0)
            found = ibmap_shapefile_declared_encoding(
                files[i], r->encoding, sizeof r->encoding, from);
    }
    CSLDestroy(files);
    return found;
}

static ibmap_status decide_encoding(layer_reader *r)
{
    const char *from;
    if (r->rs->encoding) {
        snprintf(r->encoding, sizeof r->encoding, "%s", r->rs->encoding);
        from = "override";
    } else if (!r->shapefile) {
        snprintf(r->encoding, sizeof r->encoding, "UTF-8");
        from = "driver";
    } else if (shapefile_declared_encoding(r, &from)) {
        /* from is "cpg" or "ldid" */
    } else {
        int all_valid = 1;
        OGR_L_ResetReading(r->lyr);
        const char *ignore_geom[] = {"OGR_GEOMETRY", NULL};
        OGR_L_SetIgnoredFields(r->lyr, ignore_geom);
        OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
        int nf = OGR_FD_GetFieldCount(defn);
        for (int i = 0; i < nf && all_valid; i++) {
            const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
            all_valid = ibmap_utf8_valid(name, strlen(name));
        }
        OGRFeatureH f;
        while (all_valid && (f = OGR_L_GetNextFeature(r->lyr)) != NULL) {
            for (int i = 0; i < nf && all_valid; i++) {
                if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)) != OFTString ||
                    !OGR_F_IsFieldSetAndNotNull(f, i))
                    continue;
                const char *s = OGR_F_GetFieldAsString(f, i);
                all_valid = ibmap_utf8_valid(s, strlen(s));
            }
            OGR_F_Destroy(f);
        }
        OGR_L_SetIgnoredFields(r->lyr, NULL);
        OGR_L_ResetReading(r->lyr);
        if (all_valid) {
            snprintf(r->encoding, sizeof r->encoding, "UTF-8");
            from = "utf8-valid";
        } else {
            snprintf(r->encoding, sizeof r->encoding, "GB18030");
            from = "guessed";
            ibmap_status st = dq(
                r, -1, "", "", "encoding_guessed", IBMAP_SEV_WARNING, "",
                ACT_GB18030,
                "the shapefile declares no encoding (no .cpg, DBF language "
                "driver 0) and its text is not UTF-8; decoded as GB18030 "
                "(GBK). Set encoding: in the project if this is wrong");
            if (st) return st;
        }
    }
    r->L->encoding = ibmap_strdup(r->encoding);
    r->L->encoding_from = from;
    return r->L->encoding ? IBMAP_OK
                          : ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
}

/* Text of a source string in UTF-8 (malloc'd), with surrounding spaces
** trimmed; NULL (and *nomem 0) for an empty value.  *bad is set when the
** bytes were not in the encoding they should be, and GB18030 was used. */
static char *decode_text(layer_reader *r, const char *raw, int *bad,
                         int *nomem)
{
    char *s = NULL;
    *bad = 0;
    *nomem = 0;
    if (strcmp(r->encoding, "UTF-8") == 0) {
        if (ibmap_utf8_valid(raw, strlen(raw)))
            s = ibmap_strdup(raw);
        else {
            *bad = 1;
            s = ibmap_to_utf8(raw, "GB18030");
        }
    } else {
        s = ibmap_to_utf8(raw, r->encoding);
        if (!s) {
            *bad = 1;
            s = ibmap_to_utf8(raw, "GB18030");
        }
    }
    if (!s) {
        /* Bytes valid in no encoding we know: keep them visible but safe. */
        s = ibmap_strdup(raw);
        if (!s) return *nomem = 1, NULL;
        for (char *p = s; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
    }
    char *start = s;
    while (*start == ' ' || *start == '\t') start++;
    char *end = start + strlen(start);
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' ||
                           end[-1] == '\r' || end[-1] == '\n'))
        end--;
    if (end == start) {
        free(s);
        return NULL;
    }
    memmove(s, start, (size_t)(end - start));
    s[end - start] = '\0';
    return s;
}

/* ---------------------------------------------------------------------- */
/* Fields                                                                 */
/* ---------------------------------------------------------------------- */

/* Position of the first alias of fi equal to name (case-insensitive). */
static int alias_rank(const ibmap_field_info *fi, const char *name)
{
    for (int a = 0; fi->aliases && fi->aliases[a]; a++)
        if (strcasecmp(fi->aliases[a], name) == 0) return a;
    return 1 << 20;
}

static ibmap_status map_fields(layer_reader *r)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    int nsrc = OGR_FD_GetFieldCount(defn);
    int nf = r->def->n_fields;
    r->src_index = malloc((size_t)nf * sizeof *r->src_index);
    r->src_type = malloc((size_t)nf * sizeof *r->src_type);
    char **names = calloc((size_t)(nsrc ? nsrc : 1), sizeof(char *));
    if (!r->src_index || !r->src_type || !names) {
        free(names);
        return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
    }
    ibmap_status st = IBMAP_OK;
    char found[2048] = "";
    for (int i = 0; i < nsrc; i++) {
        int bad, nomem;
        const char *raw = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        names[i] = decode_text(r, raw, &bad, &nomem);
        if (nomem) {
            st = ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
            goto done;
        }
        size_t len = strlen(found);
        snprintf(found + len, sizeof found - len, "%s%s", i ? ", " : "",
                 names[i] ? names[i] : "");
    }
    r->id_field = -1;
    for (int f = 0; f < nf; f++) {
        const ibmap_field_info *fi = &r->def->fields[f];
        const char *wanted = r->rs->field_map ? r->rs->field_map[f] : NULL;
        /* The best source field: an exact name beats a DBF-truncated one,
        ** and between exact ones the alias listed first in layers/ wins
        ** (a layer with both QYMC and QLR: QYMC is the enterprise). */
        int best = -1, best_score = 0, best_rank = 0;
        for (int i = 0; i < nsrc; i++) {
            if (!names[i]) continue;
            int score;
            if (wanted)
                score = strcasecmp(names[i], wanted) == 0 ? 3 : 0;
            else
                score = ibmap_field_name_matches(fi, names[i]);
            int rank = score == 2 ? alias_rank(fi, names[i]) : 0;
            if (score > best_score || (score == best_score && score > 0 &&
                                       rank < best_rank)) {
                best = i;
                best_score = score;
                best_rank = rank;
            }
        }
        if (wanted && best < 0) {
            st = ibmap_fail(r->ctx, IBMAP_ERR_FIELD_MISSING,
                            "%s: field '%s' given for %s.%s is not in the "
                            "layer (fields found: %s)",
                            r->where, wanted, role_name(r->role), fi->name,
                            nsrc ? found : "none");
            goto done;
        }
        if (best < 0 && fi->required) {
            char accepted[1024] = "";
            for (int a = 0; fi->aliases && fi->aliases[a]; a++) {
                size_t len = strlen(accepted);
                snprintf(accepted + len, sizeof accepted - len, "%s%s",
                         a ? ", " : "", fi->aliases[a]);
            }
            st = ibmap_fail(r->ctx, IBMAP_ERR_FIELD_MISSING,
                            "%s: required field %s (%s) not found; accepted "
                            "names: %s; fields found: %s. Name the field "
                            "with --field %s.%s=NAME or fields: in the "
                            "project",
                            r->where, fi->name, fi->label_zh, accepted,
                            nsrc ? found : "none", role_name(r->role),
                            fi->name);
            goto done;
        }
        if (best_score == 1) {
            char detail[512];
            snprintf(detail, sizeof detail,
                     "source field '%s' read as %s (%s): taken for a name "
                     "cut to 10 bytes by the DBF format",
                     names[best], fi->name, fi->label_zh);
            st = dq(r, -1, "", fi->name, "field_name_truncated",
                    IBMAP_SEV_INFO, names[best], ACT_TRUNCATED_NAME, detail);
            if (st) goto done;
        }
        r->src_index[f] = best;
        r->src_type[f] =
            best >= 0 ? OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, best))
                      : OFTString;
        if (best >= 0) {
            r->L->columns[f].source_name = ibmap_strdup(names[best]);
            if (!r->L->columns[f].source_name) {
                st = ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
        if (strcmp(fi->name, "id") == 0) r->id_field = f;
    }
done:
    for (int i = 0; i < nsrc; i++) free(names[i]);
    free(names);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

static int is_numeric_type(OGRFieldType t)
{
    return t == OFTInteger || t == OFTInteger64 || t == OFTReal;
}

/* The 亩均 grade as A, B, C or D: accepts full-width letters, lower case,
** and the usual suffixes (A类, A级, A档).  NULL if it is none of those. */
static const char *normalise_grade(const char *s)
{
    static const char *grades[] = {"A", "B", "C", "D"};
    int g = -1;
    const unsigned char *p = (const unsigned char *)s;
    if (*p >= 'a' && *p <= 'd') g = *p - 'a', p++;
    else if (*p >= 'A' && *p <= 'D') g = *p - 'A', p++;
    else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0xA1 && p[2] <= 0xA4)
        g = p[2] - 0xA1, p += 3; /* Ａ..Ｄ U+FF21..FF24 */
    if (g < 0) return NULL;
    if (*p == '\0' || strcmp((const char *)p, "类") == 0 ||
        strcmp((const char *)p, "级") == 0 || strcmp((const char *)p, "档") == 0)
        return grades[g];
    return NULL;
}

static ibmap_status read_number(layer_reader *r, OGRFeatureH f, int field,
                                int64_t i, const char *fid_text)
{
    const ibmap_field_info *fi = &r->def->fields[field];
    ibmap_column *c = &r->L->columns[field];
    int idx = r->src_index[field];
    c->num[i] = NAN;
    if (idx < 0) return IBMAP_OK;
    int64_t fid = r->L->fid[i];
    if (!OGR_F_IsFieldSetAndNotNull(f, idx)) {
        if (fi->type == IBMAP_FIELD_FLAG) return IBMAP_OK;
        return dq(r, fid, fid_text, fi->name, "number_missing",
                  IBMAP_SEV_WARNING, "", ACT_MISSING, "no value (NULL)");
    }
    if (is_numeric_type(r->src_type[field])) {
        double v = OGR_F_GetFieldAsDouble(f, idx);
        if (fi->type == IBMAP_FIELD_FLAG && v != 0 && v != 1) {
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", v);
            return dq(r, fid, fid_text, fi->name, "flag_invalid",
                      IBMAP_SEV_ERROR, buf, ACT_MISSING,
                      "a yes/no field holds a number other than 0 or 1");
        }
        if (!isfinite(v))
            return dq(r, fid, fid_text, fi->name, "number_invalid",
                      IBMAP_SEV_ERROR, "", ACT_MISSING, "not a finite number");
        c->num[i] = v;
        return IBMAP_OK;
    }
    int bad, nomem;
    char *text = decode_text(r, OGR_F_GetFieldAsString(f, idx), &bad, &nomem);
    if (nomem) return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
    double v;
    ibmap_numtext_result res = fi->type == IBMAP_FIELD_FLAG
                                   ? ibmap_flagtext_parse(text, &v)
                                   : ibmap_numtext_parse(text, &v);
    ibmap_status st = IBMAP_OK;
    const char *shown = text ? text : "";
    switch (res) {
    case IBMAP_NUMTEXT_OK:
        c->num[i] = v;
        break;
    case IBMAP_NUMTEXT_NORMALISED:
        c->num[i] = v;
        st = dq(r, fid, fid_text, fi->name, "number_normalised",
                IBMAP_SEV_INFO, shown, ACT_USED,
                "number written with separators, full-width digits or spaces");
        break;
    case IBMAP_NUMTEXT_MISSING:
        if (fi->type != IBMAP_FIELD_FLAG)
            st = dq(r, fid, fid_text, fi->name, "number_missing",
                    IBMAP_SEV_WARNING, shown, ACT_MISSING,
                    "a recognised no-value");
        break;
    case IBMAP_NUMTEXT_INVALID:
        st = dq(r, fid, fid_text, fi->name,
                fi->type == IBMAP_FIELD_FLAG ? "flag_invalid" : "number_invalid",
                IBMAP_SEV_ERROR, shown, ACT_MISSING,
                fi->type == IBMAP_FIELD_FLAG ? "not a yes/no value"
                                             : "not a number");
        break;
    }
    free(text);
    return st;
}

static ibmap_status read_text(layer_reader *r, OGRFeatureH f, int field,
                              int64_t i, const char *fid_text)
{
    const ibmap_field_info *fi = &r->def->fields[field];
    ibmap_column *c = &r->L->columns[field];
    int idx = r->src_index[field];
    c->text[i] = NULL;
    if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx)) return IBMAP_OK;
    int bad, nomem;
    const char *raw = OGR_F_GetFieldAsString(f, idx);
    char *text = decode_text(r, raw, &bad, &nomem);
    if (nomem) return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
    ibmap_status st = IBMAP_OK;
    if (bad)
        st = dq(r, r->L->fid[i], fid_text, fi->name, "text_not_utf8",
                IBMAP_SEV_WARNING, text ? text : "", ACT_GB18030,
                "text was not valid in the layer's encoding");
    if (!st && text && r->role == IBMAP_ROLE_PARCELS &&
        strcmp(fi->name, "grade") == 0) {
        const char *g = normalise_grade(text);
        if (!g) {
            st = dq(r, r->L->fid[i], fid_text, fi->name, "grade_invalid",
                    IBMAP_SEV_ERROR, text, ACT_MISSING,
                    "the 亩均 grade is not A, B, C or D");
            free(text);
            text = NULL;
        } else if (strcmp(g, text) != 0) {
            free(text);
            text = ibmap_strdup(g);
            if (!text) return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        }
    }
    c->text[i] = text;
    return st;
}

/* ---------------------------------------------------------------------- */
/* Control-unit types                                                     */
/* ---------------------------------------------------------------------- */

/* Canonical control-unit types, as stored in the "type" column. */
static const char *cu_type_from_text(const char *s, const char *name)
{
    if (!s) return NULL;
    int cat = 0;
    if (strcmp(s, "1") == 0 || strstr(s, "优先保护")) cat = 1;
    else if (strcmp(s, "2") == 0 || strstr(s, "重点管控")) cat = 2;
    else if (strcmp(s, "3") == 0 || strstr(s, "一般管控")) cat = 3;
    if (cat == 1) return "priority";
    if (cat == 3) return "general";
    if (cat == 2) {
        /* 重点管控 has two kinds; the type text or the unit's name says which. */
        const char *texts[] = {s, name};
        for (int k = 0; k < 2; k++) {
            if (!texts[k]) continue;
            if (strstr(texts[k], "产业集聚") || strstr(texts[k], "工业"))
                return "key_industry";
            if (strstr(texts[k], "城镇生活")) return "key_urban";
        }
        return "key";
    }
    return NULL;
}

/* The category digit of a ZH code: ZH + 6-digit county code + 1/2/3 + serial. */
static const char *cu_type_from_code(const char *code, const char *name)
{
    if (!code || strncasecmp(code, "ZH", 2) != 0 || strlen(code) < 10) return NULL;
    for (int k = 2; k < 8; k++)
        if (!isdigit((unsigned char)code[k])) return NULL;
    char digit[2] = {code[8], '\0'};
    return cu_type_from_text(digit, name);
}

static const char *cu_type_from_name(const char *name)
{
    if (!name) return NULL;
    if (strstr(name, "优先保护")) return "priority";
    if (strstr(name, "一般管控")) return "general";
    if (strstr(name, "产业集聚")) return "key_industry";
    if (strstr(name, "城镇生活")) return "key_urban";
    if (strstr(name, "重点管控")) return "key";
    return NULL;
}

static ibmap_status resolve_cu_type(layer_reader *r, int64_t i,
                                    const char *fid_text)
{
    int ft = ibmap_role_field_index(r->role, "type");
    int fc = ibmap_role_field_index(r->role, "code");
    int fn = ibmap_role_field_index(r->role, "name");
    char **type = &r->L->columns[ft].text[i];
    const char *code = r->L->columns[fc].text[i];
    const char *name = r->L->columns[fn].text[i];
    const char *t = cu_type_from_text(*type, name);
    if (t) {
        char *copy = ibmap_strdup(t);
        if (!copy) return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        free(*type);
        *type = copy;
        return IBMAP_OK;
    }
    char *given = *type;
    *type = NULL;
    const char *how = "the category digit of its ZH code";
    t = cu_type_from_code(code, name);
    if (!t) {
        t = cu_type_from_name(name);
        how = "its name";
    }
    ibmap_status st;
    if (t) {
        *type = ibmap_strdup(t);
        if (!*type) {
            free(given);
            return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        }
        char detail[256];
        snprintf(detail, sizeof detail, "type %s taken from %s", t, how);
        st = dq(r, r->L->fid[i], fid_text, "type", "cu_type_inferred",
                IBMAP_SEV_INFO, given ? given : "", ACT_INFERRED, detail);
    } else {
        st = dq(r, r->L->fid[i], fid_text, "type", "cu_type_unknown",
                IBMAP_SEV_WARNING, given ? given : "", ACT_TYPE_UNKNOWN,
                "neither a type field, the ZH code nor the name tells the "
                "control-unit type");
    }
    free(given);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Land-use codes                                                         */
/* ---------------------------------------------------------------------- */

static ibmap_status classify_landuse(layer_reader *r, int64_t i,
                                     const char *fid_text)
{
    int fc = ibmap_role_field_index(r->role, "code");
    int fn = ibmap_role_field_index(r->role, "name");
    const char *code = r->L->columns[fc].text[i];
    const char *name = r->L->columns[fn].text[i];
    int sys = r->rs->codes >= 0 ? r->rs->codes : IBMAP_CODES_SANDIAO;
    ibmap_lu_group group = IBMAP_LU_UNKNOWN;
    const char *official = NULL;
    int other = -1;
    r->L->lu_group[i] = IBMAP_LU_UNKNOWN;
    if (!code)
        return dq(r, r->L->fid[i], fid_text, "code", "landuse_code_unknown",
                  IBMAP_SEV_ERROR, "", ACT_GROUP_UNKNOWN, "no land-use code");
    ibmap_code_check res = ibmap_landuse_classify(
        (ibmap_code_system)sys, code, name, &group, &official, &other);
    if (name && *name) r->n_named++;
    char detail[512];
    char value[256];
    snprintf(value, sizeof value, "%s %s", code, name ? name : "");
    switch (res) {
    case IBMAP_CODE_OK:
        r->L->lu_group[i] = (signed char)group;
        return IBMAP_OK;
    case IBMAP_CODE_NAME_VARIANT:
        r->L->lu_group[i] = (signed char)group;
        snprintf(detail, sizeof detail, "%s calls code %s '%s'",
                 ibmap_code_system_name((ibmap_code_system)sys), code,
                 official ? official : "?");
        return dq(r, r->L->fid[i], fid_text, "name", "landuse_name_variant",
                  IBMAP_SEV_INFO, value, ACT_CODE_DECIDES, detail);
    case IBMAP_CODE_UNKNOWN:
        snprintf(detail, sizeof detail, "code %s is not in %s", code,
                 ibmap_code_system_name((ibmap_code_system)sys));
        return dq(r, r->L->fid[i], fid_text, "code", "landuse_code_unknown",
                  IBMAP_SEV_ERROR, value, ACT_GROUP_UNKNOWN, detail);
    case IBMAP_CODE_CONFLICT:
        /* Only a pair that belongs to another system counts towards
        ** "this layer is in another system"; a code and name of two
        ** different kinds of land in the same system is a feature-level
        ** error that no choice of system would fix. */
        if (other != sys) {
            r->n_conflict++;
            snprintf(detail, sizeof detail,
                     "code %s is '%s' in %s, the declared system, but the "
                     "name '%s' is its meaning in %s",
                     code, official ? official : "?",
                     ibmap_code_system_name((ibmap_code_system)sys), name,
                     other >= 0
                         ? ibmap_code_system_name((ibmap_code_system)other)
                         : "another system");
        } else {
            snprintf(detail, sizeof detail,
                     "code %s is '%s' in %s, but the name '%s' is another "
                     "kind of land in the same system: code and name disagree",
                     code, official ? official : "?",
                     ibmap_code_system_name((ibmap_code_system)sys), name);
        }
        return dq(r, r->L->fid[i], fid_text, "code", "landuse_code_conflict",
                  IBMAP_SEV_ERROR, value, ACT_GROUP_UNKNOWN, detail);
    }
    return IBMAP_OK;
}

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

/* Turn the OGR geometry of feature i into a GEOS geometry in source
** coordinates, or record why it cannot be one. */
static ibmap_status read_geometry(layer_reader *r, OGRFeatureH f, int64_t i,
                                  const char *fid_text, unsigned char **wkb,
                                  size_t *wkb_cap)
{
    ibmap_layer *L = r->L;
    int64_t fid = L->fid[i];
    L->geom[i] = NULL;
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
        if (!copy) return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
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
    size_t size = (size_t)OGR_G_WkbSize(g);
    if (size > *wkb_cap) {
        unsigned char *nb = realloc(*wkb, size);
        if (!nb) {
            if (owned) OGR_G_DestroyGeometry(owned);
            return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        }
        *wkb = nb;
        *wkb_cap = size;
    }
    OGR_G_ExportToIsoWkb(g, wkbNDR, *wkb);
    GEOSContextHandle_t h = r->ctx->geos;
    GEOSWKBReader *reader = GEOSWKBReader_create_r(h);
    GEOSGeometry *gg = reader ? GEOSWKBReader_read_r(h, reader, *wkb, size) : NULL;
    if (reader) GEOSWKBReader_destroy_r(h, reader);
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
    L->geom[i] = gg;
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Reading every feature                                                  */
/* ---------------------------------------------------------------------- */

static ibmap_status read_features(layer_reader *r)
{
    ibmap_layer *L = r->L;
    unsigned char *wkb = NULL;
    size_t wkb_cap = 0;
    ibmap_status st = IBMAP_OK;
    r->minx = r->miny = HUGE_VAL;
    r->maxx = r->maxy = -HUGE_VAL;
    OGR_L_ResetReading(r->lyr);
    OGRFeatureH f;
    CPLErrorReset();
    while ((f = OGR_L_GetNextFeature(r->lyr)) != NULL) {
        if (ibmap_interrupt_pending()) {
            OGR_F_Destroy(f);
            st = ibmap_fail_interrupted(r->ctx);
            break;
        }
        int64_t i = L->n;
        /* A read error (a damaged record: GDAL logs it and goes on, with
        ** the geometry or values of that feature missing) stops the load
        ** here, naming the feature, rather than after the last one. */
        if (CPLGetLastErrorType() >= CE_Failure) {
            st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                            "%s: reading failed at feature FID %lld (after "
                            "%lld features): %s",
                            r->where, (long long)OGR_F_GetFID(f),
                            (long long)L->n, gdal_msg());
            OGR_F_Destroy(f);
            break;
        }
        if (!layer_reserve(L, i + 1) || !id_set_grow_if_needed(&r->ids, i + 1)) {
            OGR_F_Destroy(f);
            st = ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
            break;
        }
        L->n++;
        L->fid[i] = OGR_F_GetFID(f);
        L->id[i] = NULL;
        L->geom[i] = NULL;
        for (int c = 0; c < L->n_columns; c++) {
            if (L->columns[c].type == IBMAP_FIELD_TEXT)
                L->columns[c].text[i] = NULL;
        }
        char fid_text[32];
        snprintf(fid_text, sizeof fid_text, "%lld", (long long)L->fid[i]);

        /* The id first, so every later log entry can name the feature. */
        if (r->id_field >= 0) {
            st = read_text(r, f, r->id_field, i, fid_text);
            if (st) goto next;
        }
        const char *id_text = r->id_field >= 0
                                  ? L->columns[r->id_field].text[i]
                                  : NULL;
        L->id[i] = ibmap_strdup(id_text ? id_text : fid_text);
        if (!L->id[i]) st = ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        if (st) goto next;
        /* Ids are unique within the layer: every id given out goes into
        ** the set, the FIDs used for missing ids and the suffixed ids too.
        ** Only the source's own ids used to: a third feature whose id was
        ** "A#2" then shared it with the second "A" (made "A#2"), and an id
        ** "3" with the id-less feature of FID 3. */
        {
            int nomem = 0;
            if (!id_set_insert(&r->ids, L->id[i], &nomem)) {
                char *suffixed = nomem ? NULL
                                       : ibmap_sprintf("%s#%s", L->id[i], fid_text);
                /* Rarely even that is taken: suffix again until free. */
                while (suffixed && !id_set_insert(&r->ids, suffixed, &nomem)) {
                    char *longer = nomem ? NULL
                                         : ibmap_sprintf("%s#%s", suffixed, fid_text);
                    free(suffixed);
                    suffixed = longer;
                }
                if (!suffixed) {
                    st = ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
                    goto next;
                }
                st = dq(r, L->fid[i], suffixed, "id", "id_duplicate",
                        IBMAP_SEV_ERROR, L->id[i], ACT_SUFFIXED,
                        "an earlier feature has the same id");
                free(L->id[i]);
                L->id[i] = suffixed;
                if (st) goto next;
            }
        }
        /* logged once the id is final, so that the entry names it */
        if (!id_text && r->id_field >= 0 && r->src_index[r->id_field] >= 0)
            st = dq(r, L->fid[i], L->id[i], "id", "id_missing",
                    IBMAP_SEV_WARNING, "", ACT_FID_ID, "the id is empty");
        if (st) goto next;
        const char *feature_id = L->id[i];

        st = read_geometry(r, f, i, feature_id, &wkb, &wkb_cap);
        for (int c = 0; !st && c < L->n_columns; c++) {
            if (c == r->id_field) continue;
            if (L->columns[c].type == IBMAP_FIELD_TEXT)
                st = read_text(r, f, c, i, feature_id);
            else
                st = read_number(r, f, c, i, feature_id);
        }
        if (!st && r->role == IBMAP_ROLE_CONTROL_UNITS)
            st = resolve_cu_type(r, i, feature_id);
        if (!st && r->role == IBMAP_ROLE_LANDUSE)
            st = classify_landuse(r, i, feature_id);
    next:
        OGR_F_Destroy(f);
        if (!st && CPLGetLastErrorType() >= CE_Failure)
            st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                            "%s: feature FID %lld: %s", r->where,
                            (long long)L->fid[i], gdal_msg());
        if (st) break;
    }
    free(wkb);
    if (!st && CPLGetLastErrorType() >= CE_Failure)
        st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                        "%s: reading stopped after %lld features: %s",
                        r->where, (long long)L->n, gdal_msg());
    if (!st && r->n_zm > 0) {
        char detail[128];
        snprintf(detail, sizeof detail,
                 "%lld features had Z or M coordinates", (long long)r->n_zm);
        st = dq(r, -1, "", "geometry", "zm_dropped", IBMAP_SEV_INFO, "",
                ACT_DROPPED_ZM, detail);
    }
    if (!st && r->role == IBMAP_ROLE_LANDUSE && r->n_conflict > 0 &&
        r->n_conflict * 2 > r->n_named) {
        int sys = r->rs->codes >= 0 ? r->rs->codes : IBMAP_CODES_SANDIAO;
        st = ibmap_fail(r->ctx, IBMAP_ERR_CODE_SYSTEM,
                        "%s: %lld of %lld named land-use features have a "
                        "code/name pair of another code system than the "
                        "declared '%s': set codes: (sandiao, ydyh, gb50137) "
                        "for this layer",
                        r->where, (long long)r->n_conflict,
                        (long long)r->n_named,
                        ibmap_code_system_name((ibmap_code_system)sys));
    }
    return st;
}

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

/* Record what CRS the layer declares, or identify one from its coordinate
** ranges.  Sets r->L->crs_used to a definition PROJ accepts, or leaves it
** NULL when it must wait for the working CRS (Gauss-Krüger eastings without
** a zone prefix). */
static ibmap_status decide_source_crs(layer_reader *r, int *deferred)
{
    ibmap_layer *L = r->L;
    *deferred = 0;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(r->lyr);
    L->crs_found = srs ? srs_display_name(srs) : ibmap_strdup("");
    if (!L->crs_found) return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
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
    } else {
        if (r->maxx < r->minx)
            return ibmap_fail(r->ctx, IBMAP_ERR_CRS_UNKNOWN,
                              "%s: declares no CRS and has no usable "
                              "coordinates to identify one from; set crs: "
                              "for this layer",
                              r->where);
        ibmap_crs_guess g;
        ibmap_crs_guess_from_extent(r->minx, r->miny, r->maxx, r->maxy, &g);
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
            L->crs_note = ibmap_strdup(g.reason);
            return L->crs_note ? IBMAP_OK
                               : ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        }
        int epsg = g.epsg;
        /* Lon/lat labelled by the project as WGS84-based (incl. GCJ-02
        ** and BD-09, which distort WGS84) are read as WGS84. */
        if (g.kind == IBMAP_GUESS_LONLAT && r->rs->coords != IBMAP_COORDS_AUTO &&
            r->rs->coords != IBMAP_COORDS_CGCS2000)
            epsg = 4326;
        L->crs_used = ibmap_sprintf("EPSG:%d", epsg);
        L->crs_note = ibmap_sprintf("EPSG:%d, identified from coordinates: %s",
                                    epsg, g.reason);
        if (!L->crs_used || !L->crs_note)
            return ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
        return dq(r, -1, "", "geometry", "crs_identified", IBMAP_SEV_WARNING,
                  "", ACT_CRS_ASSUMED, L->crs_note);
    }
    return L->crs_used && L->crs_note
               ? IBMAP_OK
               : ibmap_fail(r->ctx, IBMAP_ERR_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------------- */
/* Phase one: read one layer                                              */
/* ---------------------------------------------------------------------- */

static ibmap_status read_layer(ibmap_ctx *ctx, ibmap_data *data,
                               const ibmap_project *p, ibmap_role role,
                               int *deferred)
{
    layer_reader r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.data = data;
    r.role = role;
    r.rs = &p->roles[role];
    r.def = ibmap_role_def_get(role);
    r.L = layer_new(role);
    if (!r.L) return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
    data->layers[role] = r.L;
    r.L->log = &data->dq;
    r.L->coords = r.rs->coords;
    ibmap_status st = open_source(&r);
    if (!st && r.shapefile) st = check_shapefile(&r);
    if (!st) st = decide_encoding(&r);
    if (!st) st = map_fields(&r);
    if (!st) st = read_features(&r);
    if (!st) st = decide_source_crs(&r, deferred);
    free(r.src_index);
    free(r.src_type);
    free(r.ids.slots);
    if (r.ds) GDALClose(r.ds);
    return st;
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
        if (!B->geom[i] || !GEOSGeom_getExtent_r(ctx->geos, B->geom[i], &a, &b, &c, &d))
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
    return data->crs ? IBMAP_OK : ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
}

/* A layer of Gauss-Krüger eastings without zone prefix is taken to be in
** the working CRS when that is itself a CGCS2000 Gauss-Krüger CRS without
** prefix: the only central meridian the project tells us. */
static ibmap_status resolve_deferred_crs(ibmap_ctx *ctx, ibmap_data *data,
                                         ibmap_layer *L)
{
    int e = data->epsg;
    int gk_no_prefix = (e >= 4534 && e <= 4554) || (e >= 4502 && e <= 4512);
    if (!gk_no_prefix)
        return ibmap_fail(ctx, IBMAP_ERR_CRS_UNKNOWN,
                          "%s: %s, layer %s: declares no CRS and %s; the "
                          "working CRS %s does not tell the zone either. Set "
                          "crs: for this layer (e.g. --set %s.crs=EPSG:4549)",
                          ibmap_role_name(L->role), L->source, L->layer_name,
                          L->crs_note, data->crs, ibmap_role_name(L->role));
    char *note = ibmap_sprintf("%s, identified from coordinates: Gauss-Krüger "
                               "eastings without zone prefix, taken to be in "
                               "the working CRS",
                               data->crs);
    if (!note) return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
    free(L->crs_note);
    L->crs_note = note;
    L->crs_used = ibmap_strdup(data->crs);
    if (!L->crs_used) return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
    ibmap_status st = ibmap_dq_add(&data->dq, L->role, -1, "", "geometry",
                                   "crs_identified", IBMAP_SEV_WARNING, "",
                                   ACT_CRS_ASSUMED, "%s", note);
    return st ? ibmap_fail(ctx, st, "out of memory") : IBMAP_OK;
}

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

/* Validity of every geometry of L, checked on every core: IsValid is the
** largest single cost of loading (a topology analysis of each polygon),
** and each feature's check is independent of the others.  valid[i] is
** GEOSisValid's answer (1 valid, 0 invalid, 2 exception), or 1 for a
** feature without geometry.  Each thread has its own GEOS context;
** geometries are only read.  The repairs that follow are made in feature
** order on the caller's thread, so the log is the same for any number of
** cores. */
typedef struct validity_job {
    const ibmap_layer *L;
    char *valid;
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
        for (int64_t i = first; i < last; i++)
            j->valid[i] = j->L->geom[i] && h ? GEOSisValid_r(h, j->L->geom[i]) : 1;
    }
    if (h) GEOS_finish_r(h);
    return NULL;
}

static char *check_validity(const ibmap_layer *L)
{
    validity_job j = {.L = L, .valid = malloc((size_t)(L->n > 0 ? L->n : 1))};
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

static ibmap_status transform_and_repair(ibmap_ctx *ctx, ibmap_data *data,
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
    for (int64_t i = 0; i < L->n && !st; i++) {
        if (!L->geom[i]) continue;
        GEOSGeometry *g = L->geom[i];
        if (!t->identity || t->coords == IBMAP_COORDS_GCJ02 ||
            t->coords == IBMAP_COORDS_BD09) {
            GEOSGeometry *moved = ibmap_crs_transform_geom(ctx, t, g);
            GEOSGeom_destroy_r(h, g);
            L->geom[i] = NULL;
            if (!moved) {
                L->geom_state[i] |= IBMAP_GEOM_BAD_COORDS;
                            if (ibmap_dq_add(&data->dq, L->role, L->fid[i], L->id[i],
                                 "geometry", "bad_coordinates",
                                 IBMAP_SEV_ERROR, "", ACT_KEPT_NO_GEOM,
                                 "coordinates could not be transformed to "
                                 "%s (outside the CRS's area?)",
                                 data->crs))
                    st = ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
                continue;
            }
            L->geom[i] = moved;
        }
    }
    char *validity = st ? NULL : check_validity(L);
    if (!st && !validity) st = ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
    GEOSMakeValidParams *mv = GEOSMakeValidParams_create_r(h);
    GEOSMakeValidParams_setMethod_r(h, mv, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(h, mv, 0);
    for (int64_t i = 0; i < L->n && !st; i++) {
        GEOSGeometry *g = L->geom[i];
        if (!g) continue;
        /* A GeometryCollection is valid when each of its polygons is, even
        ** if they overlap; measured as it is, an overlap would count twice
        ** (two overlapping squares of 10,000 m² would make 20,000).  So its
        ** polygons are merged into one (Multi)Polygon, and that is logged
        ** as a repair. */
        int collection = GEOSGeomTypeId_r(h, g) == GEOS_GEOMETRYCOLLECTION;
        if (validity[i] != 1 || collection) {
            char *reason = NULL;
            GEOSGeometry *loc = NULL;
            if (validity[i] != 1) GEOSisValidDetail_r(h, g, 0, &reason, &loc);
            if (loc) GEOSGeom_destroy_r(h, loc);
            GEOSGeometry *fixed = GEOSMakeValidWithParams_r(h, g, mv);
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
            L->geom_state[i] |= g ? IBMAP_GEOM_REPAIRED : IBMAP_GEOM_COLLAPSED;
                    if (ibmap_dq_add(&data->dq, L->role, L->fid[i], L->id[i],
                             "geometry",
                             g ? "invalid_geometry" : "geometry_collapsed",
                             g ? IBMAP_SEV_WARNING : IBMAP_SEV_ERROR, "",
                             g ? ACT_REPAIRED : ACT_KEPT_NO_GEOM, "%s%s",
                             reason       ? reason
                             : collection ? "a GeometryCollection: its polygons were "
                                            "merged, overlaps counted once"
                                          : "invalid geometry",
                             g ? "" : "; the repair left no area"))
                st = ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
            if (reason) GEOSFree_r(h, reason);
        }
        L->geom[i] = g;
        if (g) GEOSArea_r(h, g, &L->area[i]);
    }
    GEOSMakeValidParams_destroy_r(h, mv);
    free(validity);
    ibmap_crs_transform_free(t);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

ibmap_status ibmap_load(ibmap_ctx *ctx, const ibmap_project *p,
                        ibmap_data **out)
{
    if (!ctx || !p || !out)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_load: NULL argument");
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        if (ibmap_role_required((ibmap_role)r) && !p->roles[r].given)
            return ibmap_fail(ctx, IBMAP_ERR_ROLE_MISSING,
                              "the required input layer '%s' was not given "
                              "(layers: %s: in the project file, or --%s)",
                              ibmap_role_name((ibmap_role)r),
                              ibmap_role_name((ibmap_role)r),
                              ibmap_role_name((ibmap_role)r));
    ibmap_data *data = calloc(1, sizeof *data);
    if (!data) return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
    data->geos = ctx->geos;
    data->area = p->area;
    data->block_overlaps = p->block_overlaps;
    data->block_overlap_min_m2 = p->block_overlap_min_m2;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status st = IBMAP_OK;
    int deferred[IBMAP_ROLE_COUNT] = {0};
    for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++)
        if (p->roles[r].given)
            st = read_layer(ctx, data, p, (ibmap_role)r, &deferred[r]);
    if (!st) {
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
                if (!data->crs) st = ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
            }
            if (w) proj_destroy(w);
        } else {
            st = auto_working_crs(ctx, data);
        }
    }
    for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++)
        if (deferred[r]) st = resolve_deferred_crs(ctx, data, data->layers[r]);
    for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++)
        if (data->layers[r])
            st = transform_and_repair(ctx, data, data->layers[r]);
    if (!st) st = ibmap_grades_fill(ctx, data->layers[IBMAP_ROLE_PARCELS], &p->grades);
    CPLPopErrorHandler();
    if (st) {
        ibmap_data_free(data);
        return st;
    }
    *out = data;
    return IBMAP_OK;
}
