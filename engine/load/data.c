/*
** data.c — reading what ibmap_load() produced: layers, their features and
** values, and the data-quality log (and writing the log as CSV).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/load.h"

const char *ibmap_data_crs(const ibmap_data *data)
{
    return data && data->crs ? data->crs : "";
}

const ibmap_layer *ibmap_data_layer(const ibmap_data *data, ibmap_role role)
{
    if (!data || (int)role < 0 || role >= IBMAP_ROLE_COUNT) return NULL;
    return data->layers[role];
}

static const char *nz(const char *s) { return s ? s : ""; }

void ibmap_layer_get_info(const ibmap_layer *L, ibmap_layer_info *out)
{
    memset(out, 0, sizeof *out);
    if (!L) return;
    static const char *coords[] = {"auto", "cgcs2000", "wgs84", "gcj02", "bd09"};
    out->role = L->role;
    out->source = nz(L->source);
    out->layer_name = nz(L->layer_name);
    out->driver = nz(L->driver);
    out->encoding = nz(L->encoding);
    out->encoding_from = nz(L->encoding_from);
    out->crs_found = nz(L->crs_found);
    out->crs_used = nz(L->crs_used);
    out->crs_note = nz(L->crs_note);
    out->coords = coords[L->coords];
    out->n_features = L->n;
    for (int64_t i = 0; i < L->n; i++)
        if (L->shape[i]) out->n_with_geometry++;
    out->n_defects = L->log ? L->log->per_role[L->role] : 0;
}

void ibmap_layer_get_verdict(const ibmap_layer *L, ibmap_layer_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->message = "";
    if (!L) return;
    *out = L->verdict;
    out->message = nz(L->verdict_msg);
}

const char *ibmap_data_accepted_defects(const ibmap_data *data)
{
    return data && data->accepted ? data->accepted : "";
}

const char *ibmap_cu_type_label_zh(const char *type)
{
    static const char *const labels[][2] = {
        {"priority", "优先保护"},          {"key_industry", "重点管控（产业集聚）"},
        {"key_urban", "重点管控（城镇生活）"}, {"key", "重点管控"},
        {"general", "一般管控"}};
    for (size_t k = 0; type && k < sizeof labels / sizeof *labels; k++)
        if (strcmp(type, labels[k][0]) == 0) return labels[k][1];
    return type;
}

static const char *const verdict_names[] = {"ok", "warning", "defects accepted"};

const char *ibmap_verdict_name(ibmap_verdict v)
{
    return (int)v >= 0 && v <= IBMAP_VERDICT_ACCEPTED ? verdict_names[v] : NULL;
}

int ibmap_verdict_from_name(const char *name)
{
    for (int v = 0; name && v <= IBMAP_VERDICT_ACCEPTED; v++)
        if (strcmp(name, verdict_names[v]) == 0) return v;
    return IBMAP_VERDICT_OK;
}

int64_t ibmap_layer_count(const ibmap_layer *L) { return L ? L->n : 0; }

static int in_range(const ibmap_layer *L, int64_t i)
{
    return L && i >= 0 && i < L->n;
}

int64_t ibmap_layer_fid(const ibmap_layer *L, int64_t i)
{
    return in_range(L, i) ? L->fid[i] : -1;
}

const char *ibmap_layer_id(const ibmap_layer *L, int64_t i)
{
    return in_range(L, i) ? L->id[i] : NULL;
}

static const ibmap_column *column(const ibmap_layer *L, const char *name)
{
    if (!L || !name) return NULL;
    int f = ibmap_role_field_index(L->role, name);
    return f >= 0 ? &L->columns[f] : NULL;
}

const char *ibmap_layer_source_field(const ibmap_layer *L, const char *canonical)
{
    const ibmap_column *c = column(L, canonical);
    return c ? c->source_name : NULL;
}

double ibmap_layer_number(const ibmap_layer *L, int64_t i, const char *name)
{
    const ibmap_column *c = column(L, name);
    if (!c || !c->num || !in_range(L, i)) return NAN;
    return c->num[i];
}

const char *ibmap_layer_text(const ibmap_layer *L, int64_t i, const char *name)
{
    const ibmap_column *c = column(L, name);
    if (!c || !c->text || !in_range(L, i)) return NULL;
    return c->text[i];
}

const double *ibmap_layer_num_column(const ibmap_layer *L, const char *name)
{
    const ibmap_column *c = column(L, name);
    return c ? c->num : NULL;
}

char *const *ibmap_layer_text_column(const ibmap_layer *L, const char *name)
{
    const ibmap_column *c = column(L, name);
    return c ? c->text : NULL;
}

double ibmap_parcel_land_mu(const ibmap_layer *P, int64_t i)
{
    double mu = ibmap_layer_number(P, i, "land_mu");
    if (isfinite(mu) && mu > 0) return mu;
    return in_range(P, i) && P->area[i] > 0 ? P->area[i] / IBMAP_MU_M2 : NAN;
}

int ibmap_layer_grade_computed(const ibmap_layer *L, int64_t i)
{
    return in_range(L, i) && L->grade_computed ? L->grade_computed[i] : 0;
}

unsigned ibmap_layer_geom_state(const ibmap_layer *L, int64_t i)
{
    return in_range(L, i) ? L->geom_state[i] : 0;
}

double ibmap_layer_area(const ibmap_layer *L, int64_t i)
{
    return in_range(L, i) ? L->area[i] : 0;
}

ibmap_status ibmap_layer_wkb(ibmap_ctx *ctx, const ibmap_layer *L, int64_t i,
                             unsigned char **wkb, size_t *size)
{
    if (!wkb || !size || !in_range(L, i))
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_layer_wkb: bad argument");
    *wkb = NULL;
    *size = 0;
    if (!L->shape[i]) return IBMAP_OK;
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(ctx->geos);
    if (!w) return ibmap_nomem(ctx);
    GEOSWKBWriter_setByteOrder_r(ctx->geos, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(ctx->geos, w, GEOS_WKB_ISO);
    size_t n = 0;
    unsigned char *g = ibmap_shape_wkb(ctx->geos, w, L->shape[i], &n);
    GEOSWKBWriter_destroy_r(ctx->geos, w);
    if (!g)
        return ibmap_fail(ctx, IBMAP_ERR_GEOMETRY, "%s feature %s: %s",
                          ibmap_role_name(L->role), L->id[i], ctx->geos_msg);
    *wkb = malloc(n);
    if (*wkb) memcpy(*wkb, g, n);
    GEOSFree_r(ctx->geos, g);
    if (!*wkb) return ibmap_nomem(ctx);
    *size = n;
    return IBMAP_OK;
}

int64_t ibmap_data_defect_count(const ibmap_data *data)
{
    return data ? data->dq.n : 0;
}

ibmap_status ibmap_data_defect(const ibmap_data *data, int64_t i,
                               ibmap_defect *out)
{
    if (!data || !out || i < 0 || i >= data->dq.n) return IBMAP_ERR_ARG;
    const ibmap_dq_entry *e = &data->dq.entries[i];
    out->role = e->role;
    out->layer = ibmap_role_name(e->role);
    out->fid = e->fid;
    out->feature_id = e->feature_id;
    out->field = e->field;
    out->problem = e->problem;
    out->severity = e->severity;
    out->value = e->value;
    out->detail = e->detail;
    out->action = e->action;
    return IBMAP_OK;
}

static int defects_body(FILE *f, const void *arg)
{
    const ibmap_data *data = arg;
    int ok = fputs(ibmap_csv_pick("layer,fid,feature_id,field,problem,severity,value,detail,"
                                  "action\r\n",
                                  "图层,源要素号,要素编号,字段,问题,严重程度,原值,说明,处理\r\n"),
                   f) >= 0;
    for (int64_t i = 0; ok && i < data->dq.n; i++) {
        const ibmap_dq_entry *e = &data->dq.entries[i];
        ok = fprintf(f, "%s,%lld,", ibmap_role_name(e->role), (long long)e->fid) > 0 &&
             ibmap_csv_text(f, e->feature_id) && fputc(',', f) != EOF &&
             ibmap_csv_text(f, e->field) && fputc(',', f) != EOF &&
             ibmap_csv_text(f, e->problem) &&
             fprintf(f, ",%s,", ibmap_severity_str(e->severity)) > 0 &&
             ibmap_csv_text(f, e->value) && fputc(',', f) != EOF &&
             ibmap_csv_text(f, e->detail) && fputc(',', f) != EOF &&
             ibmap_csv_text(f, e->action) && fputs("\r\n", f) >= 0;
    }
    return ok;
}

ibmap_status ibmap_data_write_defects_csv(ibmap_ctx *ctx,
                                          const ibmap_data *data,
                                          const char *path)
{
    if (!data || !path)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "write_defects_csv: NULL argument");
    return ibmap_write_csv(ctx, path, defects_body, data);
}
