/*
** ingest.c — loading the input layers: ibmap_load(), and the reader of one
** layer: open the source, pick the layer, then read every feature (its id,
** values, codes and geometry) through the steps in the other files of
** load/ (load/reader.h lists them).
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
** source, the layer and the field; and once every layer is loaded, the
** layer gates (gates.c) decide whether what is left can carry the run.
*/
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* Ids                                                                    */
/* ---------------------------------------------------------------------- */

/* Add s (borrowed, must outlive the set) to the ids given out so far in
** the layer; returns 0 if it was there already, or on running out of
** memory (then *nomem is set). */
static int id_set_insert(ibmap_text_set *set, const char *s, int *nomem)
{
    const char *member = ibmap_text_set_add(set, s);
    if (!member) *nomem = 1;
    return member == s;
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                */
/* ---------------------------------------------------------------------- */

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

/* A source that names a file which is not there: "no such file", naming
** it, rather than GDAL's silence (which read as "no driver recognises
** it").  A connection string (PG:…) or another /vsi path is left to GDAL;
** a /vsizip/ path is checked for its .zip. */
static ibmap_status check_source_exists(layer_reader *r)
{
    const char *src = r->rs->source;
    const char *path = src;
    size_t n = strlen(src);
    if (strncmp(src, "/vsizip/", 8) == 0) {
        path = src + 8;
        const char *zip = strstr(path, ".zip");
        if (!zip) zip = strstr(path, ".ZIP");
        n = zip ? (size_t)(zip + 4 - path) : strlen(path);
    } else if (strncmp(src, "/vsi", 4) == 0) {
        return IBMAP_OK;
    } else {
        size_t k = strspn(src, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
        if (k > 0 && src[k] == ':') return IBMAP_OK; /* PG:, MSSQL:, … */
    }
    char *file = ibmap_sprintf("%.*s", (int)n, path);
    if (!file) return ibmap_nomem(r->ctx);
    struct stat st;
    ibmap_status s = IBMAP_OK;
    if (stat(file, &st) != 0)
        s = ibmap_fail(r->ctx, IBMAP_ERR_OPEN, "%s: %s: %s", role_name(r->role), file,
                       errno == ENOENT || errno == ENOTDIR ? "no such file" : strerror(errno));
    else if (access(file, R_OK) != 0)
        s = ibmap_fail(r->ctx, IBMAP_ERR_OPEN, "%s: %s: cannot be read: %s",
                       role_name(r->role), file, strerror(errno));
    free(file);
    return s;
}

static ibmap_status open_source(layer_reader *r)
{
    const char *src = r->rs->source;
    ibmap_status exists = check_source_exists(r);
    if (exists) return exists;
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
    r->L->geom_type = ibmap_strdup(OGRGeometryTypeToName(OGR_L_GetGeomType(r->lyr)));
    if (!r->L->source || !r->L->layer_name || !r->L->driver || !r->L->geom_type)
        return ibmap_nomem(r->ctx);
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
    /* Room for every feature at once when the driver knows the count
    ** cheaply (GeoPackage, Shapefile): doubling would leave up to half of
    ** each per-feature array unused (a parcels layer has some thirty
    ** arrays).  Only a hint: a damaged header may claim any count, so when
    ** the room cannot be had the arrays grow as features are actually
    ** read. */
    GIntBig expected = OGR_L_GetFeatureCount(r->lyr, FALSE);
    if (expected > 0 && expected <= ((GIntBig)1 << 24) &&
        ibmap_layer_reserve_exact(L, expected))
        (void)ibmap_text_set_reserve(&r->ids, (size_t)expected);
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
        if (!ibmap_layer_reserve(L, i + 1)) {
            OGR_F_Destroy(f);
            st = ibmap_nomem(r->ctx);
            break;
        }
        L->n++;
        L->fid[i] = OGR_F_GetFID(f);
        L->id[i] = NULL;
        L->shape[i] = NULL;
        for (int c = 0; c < L->n_columns; c++) {
            if (L->columns[c].type == IBMAP_FIELD_TEXT)
                L->columns[c].text[i] = NULL;
        }
        for (int c = 0; c < L->n_source_fields; c++)
            if (L->source_fields[c].text) L->source_fields[c].text[i] = NULL;
        char fid_text[32];
        snprintf(fid_text, sizeof fid_text, "%lld", (long long)L->fid[i]);

        /* The id first, so every later log entry can name the feature. */
        if (r->id_field >= 0) {
            st = ibmap_reader_read_text(r, f, r->id_field, i, fid_text);
            if (st) goto next;
        }
        char *id_text = r->id_field >= 0
                                  ? L->columns[r->id_field].text[i]
                                  : NULL;
        /* the id column's text itself: both live in the layer's texts */
        L->id[i] = id_text ? id_text : ibmap_arena_strdup(&L->texts, fid_text);
        if (!L->id[i]) st = ibmap_nomem(r->ctx);
        if (st) goto next;
        /* Ids are unique within the layer: every id given out goes into
        ** the set, the FIDs used for missing ids and the suffixed ids too.
        ** Only the source's own ids used to: a third feature whose id was
        ** "A#2" then shared it with the second "A" (made "A#2"), and an id
        ** "3" with the id-less feature of FID 3. */
        {
            int nomem = 0;
            if (!id_set_insert(&r->ids, L->id[i], &nomem)) {
                /* Suffixed with the FID until free: rarely even "A#2" is
                ** taken.  Each candidate goes into the layer's texts first,
                ** since the set keeps the pointer it was given; a taken
                ** one stays there unused. */
                char *suffixed = L->id[i];
                do {
                    char *longer = nomem ? NULL
                                         : ibmap_sprintf("%s#%s", suffixed, fid_text);
                    suffixed = longer ? ibmap_arena_strdup(&L->texts, longer) : NULL;
                    free(longer);
                } while (suffixed && !id_set_insert(&r->ids, suffixed, &nomem));
                if (!suffixed) {
                    st = ibmap_nomem(r->ctx);
                    goto next;
                }
                st = dq(r, L->fid[i], suffixed, "id", "id_duplicate",
                        IBMAP_SEV_ERROR, L->id[i], ACT_SUFFIXED,
                        "an earlier feature has the same id");
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

        st = ibmap_reader_read_geometry(r, f, i, feature_id, &wkb, &wkb_cap);
        for (int c = 0; !st && c < L->n_columns; c++) {
            if (c == r->id_field) continue;
            if (L->columns[c].type == IBMAP_FIELD_TEXT)
                st = ibmap_reader_read_text(r, f, c, i, feature_id);
            else
                st = ibmap_reader_read_number(r, f, c, i, feature_id);
        }
        if (!st) st = ibmap_reader_read_source_fields(r, f, i);
        if (!st && r->role == IBMAP_ROLE_CONTROL_UNITS)
            st = ibmap_reader_resolve_cu_type(r, i, feature_id);
        if (!st && r->role == IBMAP_ROLE_LANDUSE)
            st = ibmap_reader_classify_landuse(r, i, feature_id);
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
/* Phase one: read one layer                                              */
/* ---------------------------------------------------------------------- */

static ibmap_status read_layer(ibmap_ctx *ctx, ibmap_data *data,
                               const ibmap_project *p, ibmap_role role,
                               int *deferred, ibmap_dq *log)
{
    layer_reader r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.data = data;
    r.log = log;
    r.role = role;
    r.rs = &p->roles[role];
    r.def = ibmap_role_def_get(role);
    r.L = ibmap_layer_new(role);
    if (!r.L) return ibmap_nomem(ctx);
    data->layers[role] = r.L;
    r.L->log = &data->dq;
    r.L->coords = r.rs->coords;
    ibmap_status st = open_source(&r);
    if (!st && r.shapefile) st = ibmap_reader_check_shapefile(&r);
    if (!st) st = ibmap_reader_decide_encoding(&r);
    if (!st) st = ibmap_reader_map_fields(&r);
    if (!st) st = ibmap_reader_webmap_fields(&r);
    if (!st) st = ibmap_reader_keep_source_fields(&r);
    if (!st) st = read_features(&r);
    if (!st) st = ibmap_reader_decide_source_crs(&r, deferred);
    free(r.src_index);
    free(r.src_canonical);
    free(r.src_type);
    ibmap_text_set_free(&r.ids);
    if (r.ds) GDALClose(r.ds);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Phase one on every core                                                */
/* ---------------------------------------------------------------------- */

/* The layers are read at once, each by a thread with its own GDAL dataset
** and its own context (GEOS, PROJ, errors), into its own slot of data and
** its own log; the logs are then appended in role order, so the load is
** the serial one's: the same layers, ids and log.  A failure reported is
** the first in role order, as reading one after another stops there. */
typedef struct read_job {
    ibmap_data *data;
    const ibmap_project *p;
    ibmap_role roles[IBMAP_ROLE_COUNT];
    int n_roles, next;
    ibmap_ctx *ctx[IBMAP_ROLE_COUNT];
    ibmap_dq log[IBMAP_ROLE_COUNT];
    ibmap_status st[IBMAP_ROLE_COUNT];
    int *deferred;
    pthread_mutex_t lock;
} read_job;

static void *read_thread(void *arg)
{
    read_job *j = arg;
    /* GDAL's error handler stack is per thread */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int k = j->next < j->n_roles ? j->next++ : -1;
        pthread_mutex_unlock(&j->lock);
        if (k < 0) break;
        ibmap_role r = j->roles[k];
        j->st[r] = read_layer(j->ctx[r], j->data, j->p, r, &j->deferred[r], &j->log[r]);
    }
    CPLPopErrorHandler();
    return NULL;
}

static ibmap_status read_layers(ibmap_ctx *ctx, ibmap_data *data, const ibmap_project *p,
                                int *deferred)
{
    read_job j;
    memset(&j, 0, sizeof j);
    j.data = data;
    j.p = p;
    j.deferred = deferred;
    /* the largest layers first: parcels and land use, then the rest */
    static const ibmap_role order[] = {IBMAP_ROLE_PARCELS, IBMAP_ROLE_LANDUSE};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (p->roles[order[i]].given) j.roles[j.n_roles++] = order[i];
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        if (p->roles[r].given && r != IBMAP_ROLE_PARCELS && r != IBMAP_ROLE_LANDUSE)
            j.roles[j.n_roles++] = (ibmap_role)r;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
    if (n > j.n_roles) n = j.n_roles;
    ibmap_status st = IBMAP_OK;
    if (n <= 1) {
        for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++)
            if (p->roles[r].given)
                st = read_layer(ctx, data, p, (ibmap_role)r, &deferred[r], &data->dq);
        return st;
    }
    for (int k = 0; k < j.n_roles && !st; k++)
        if (!(j.ctx[j.roles[k]] = ibmap_ctx_new()))
            st = ibmap_nomem(ctx);
    pthread_t threads[16];
    int started = 0;
    pthread_mutex_init(&j.lock, NULL);
    for (int k = 1; !st && k < n; k++)
        if (pthread_create(&threads[started], NULL, read_thread, &j) == 0) started++;
    if (!st) read_thread(&j);
    for (int k = 0; k < started; k++) pthread_join(threads[k], NULL);
    pthread_mutex_destroy(&j.lock);
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        if (!st && j.ctx[r] && j.st[r])
            st = ibmap_fail(ctx, j.st[r], "%s", ibmap_errmsg(j.ctx[r]));
        if (!st && ibmap_dq_move(&data->dq, &j.log[r]))
            st = ibmap_nomem(ctx);
        ibmap_dq_clear(&j.log[r]);
        ibmap_ctx_free(j.ctx[r]);
    }
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
    /* Every missing role at once: a first run should not find them one
    ** by one. */
    char missing[512] = "", flags[512] = "";
    int n_missing = 0;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        if (ibmap_role_required((ibmap_role)r) && !p->roles[r].given) {
            char flag[64];
            snprintf(flag, sizeof flag, "--%s", ibmap_role_name((ibmap_role)r));
            for (char *c = flag + 2; *c; c++)
                if (*c == '_') *c = '-';
            size_t lm = strlen(missing), lf = strlen(flags);
            snprintf(missing + lm, sizeof missing - lm, "%s'%s'", n_missing ? ", " : "",
                     ibmap_role_name((ibmap_role)r));
            snprintf(flags + lf, sizeof flags - lf, "%s%s SRC", n_missing ? " " : "", flag);
            n_missing++;
        }
    if (n_missing)
        return ibmap_fail(ctx, IBMAP_ERR_ROLE_MISSING,
                          "the required input layer%s %s %s not given (layers: in the "
                          "project file, or %s)",
                          n_missing > 1 ? "s" : "", missing, n_missing > 1 ? "were" : "was",
                          flags);
    ibmap_data *data = calloc(1, sizeof *data);
    if (!data) return ibmap_nomem(ctx);
    data->geos = ctx->geos;
    data->area = p->area;
    data->block_overlaps = p->block_overlaps;
    data->block_overlap_min_m2 = p->block_overlap_min_m2;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    ibmap_status st = IBMAP_OK;
    int deferred[IBMAP_ROLE_COUNT] = {0};
    st = read_layers(ctx, data, p, deferred);
    if (!st) st = ibmap_choose_working_crs(ctx, data, p);
    for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++)
        if (deferred[r]) st = ibmap_resolve_deferred_crs(ctx, data, data->layers[r]);
    for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++)
        if (data->layers[r])
            st = ibmap_transform_and_repair(ctx, data, data->layers[r]);
    if (!st) st = ibmap_gates_run(ctx, data, p);
    if (!st) st = ibmap_grades_fill(ctx, data->layers[IBMAP_ROLE_PARCELS], &p->grades);
    CPLPopErrorHandler();
    if (st) {
        ibmap_data_free(data);
        return st;
    }
    *out = data;
    return IBMAP_OK;
}
