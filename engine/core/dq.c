/*
** dq.c — the data-quality log: one entry per problem found in the inputs.
**
** The log is append-only while loading and read-only afterwards.  Problem
** codes and actions are static strings (the stable vocabulary listed in
** docs/data-quality.md); everything else is copied, because it comes from
** buffers that GDAL reuses feature after feature.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

ibmap_status ibmap_dq_add(ibmap_dq *dq, ibmap_role role, int64_t fid,
                          const char *feature_id, const char *field,
                          const char *problem, ibmap_severity sev,
                          const char *value, const char *action,
                          const char *detail_fmt, ...)
{
    if (dq->n == dq->cap) {
        int64_t cap = dq->cap ? dq->cap * 2 : 64;
        ibmap_dq_entry *e = realloc(dq->entries, (size_t)cap * sizeof *e);
        if (!e) return IBMAP_ERR_NOMEM;
        dq->entries = e;
        dq->cap = cap;
    }
    ibmap_dq_entry *e = &dq->entries[dq->n];
    memset(e, 0, sizeof *e);
    e->role = role;
    e->severity = sev;
    e->fid = fid;
    e->problem = problem;
    e->action = action ? action : "";
    e->feature_id = ibmap_strdup(feature_id ? feature_id : "");
    e->field = ibmap_strdup(field ? field : "");
    e->value = ibmap_strdup(value ? value : "");
    va_list ap;
    va_start(ap, detail_fmt);
    int n = vsnprintf(NULL, 0, detail_fmt, ap);
    va_end(ap);
    e->detail = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (e->detail) {
        va_start(ap, detail_fmt);
        vsnprintf(e->detail, (size_t)n + 1, detail_fmt, ap);
        va_end(ap);
    }
    if (!e->feature_id || !e->field || !e->value || !e->detail) {
        free(e->feature_id);
        free(e->field);
        free(e->value);
        free(e->detail);
        return IBMAP_ERR_NOMEM;
    }
    dq->n++;
    dq->per_role[role]++;
    return IBMAP_OK;
}

ibmap_status ibmap_dq_move(ibmap_dq *dst, ibmap_dq *src)
{
    if (src->n == 0) return IBMAP_OK;
    if (dst->n + src->n > dst->cap) {
        int64_t cap = dst->cap ? dst->cap : 64;
        while (cap < dst->n + src->n) cap *= 2;
        ibmap_dq_entry *e = realloc(dst->entries, (size_t)cap * sizeof *e);
        if (!e) return IBMAP_ERR_NOMEM;
        dst->entries = e;
        dst->cap = cap;
    }
    memcpy(dst->entries + dst->n, src->entries, (size_t)src->n * sizeof *src->entries);
    dst->n += src->n;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) dst->per_role[r] += src->per_role[r];
    free(src->entries);
    memset(src, 0, sizeof *src);
    return IBMAP_OK;
}

void ibmap_dq_clear(ibmap_dq *dq)
{
    for (int64_t i = 0; i < dq->n; i++) {
        free(dq->entries[i].feature_id);
        free(dq->entries[i].field);
        free(dq->entries[i].value);
        free(dq->entries[i].detail);
    }
    free(dq->entries);
    memset(dq, 0, sizeof *dq);
}
