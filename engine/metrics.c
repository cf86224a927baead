/*
** metrics.c — reading and writing the per-block metrics that ibmap_overlay()
** computed.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibmap_int.h"

int64_t ibmap_metrics_count(const ibmap_metrics *m)
{
    return m ? m->n_blocks : 0;
}

static int valid(const ibmap_metrics *m, int64_t b, int metric)
{
    return m && b >= 0 && b < m->n_blocks && metric >= 0 && metric < M_COUNT;
}

const char *ibmap_metrics_block_id(const ibmap_metrics *m, int64_t b)
{
    return m && b >= 0 && b < m->n_blocks ? m->ids[b] : NULL;
}

double ibmap_metrics_number(const ibmap_metrics *m, int64_t b, int metric)
{
    return valid(m, b, metric) ? m->num[METRIC_AT(b, metric)] : NAN;
}

const char *ibmap_metrics_text(const ibmap_metrics *m, int64_t b, int metric)
{
    return valid(m, b, metric) ? m->text[METRIC_AT(b, metric)] : NULL;
}

int64_t ibmap_metrics_parcel_block(const ibmap_metrics *m, int64_t p)
{
    return m && p >= 0 && p < m->n_parcels ? m->parcel_block[p] : -1;
}

int64_t ibmap_metrics_landuse_count(const ibmap_metrics *m)
{
    return m ? m->n_lu : 0;
}

ibmap_status ibmap_metrics_landuse_row(const ibmap_metrics *m, int64_t row,
                                       int64_t *block, const char **code,
                                       double *area_m2, double *share)
{
    if (!m || row < 0 || row >= m->n_lu) return IBMAP_ERR_ARG;
    const ibmap_lu_row *r = &m->lu[row];
    if (block) *block = r->block;
    if (code) *code = r->code;
    if (area_m2) *area_m2 = r->area;
    if (share) *share = r->share;
    return IBMAP_OK;
}

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void csv_text(FILE *f, const char *s)
{
    if (!s) return;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote) fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    if (quote) fputc('"', f);
}

/* %.17g round-trips every double: the CSV holds exactly what was computed. */
static void csv_number(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.17g", v);
}

typedef void (*csv_body)(FILE *f, const ibmap_metrics *m);

static ibmap_status write_atomically(ibmap_ctx *ctx, const ibmap_metrics *m,
                                     const char *path, csv_body body)
{
    if (!m || !path) return ibmap_fail(ctx, IBMAP_ERR_ARG, "NULL argument");
    char *tmp = ibmap_sprintf("%s.tmp-%ld", path, (long)getpid());
    if (!tmp) return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (ok) {
        body(f, m);
        ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
        if (fclose(f) != 0) ok = 0;
    }
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        ibmap_status st = ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write: %s",
                                     path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return IBMAP_OK;
}

static void metrics_body(FILE *f, const ibmap_metrics *m)
{
    fputs("block_id", f);
    for (int k = 0; k < M_COUNT; k++) fprintf(f, ",%s", ibmap_metric(k)->name);
    fputs("\r\n", f);
    for (int64_t b = 0; b < m->n_blocks; b++) {
        csv_text(f, m->ids[b]);
        for (int k = 0; k < M_COUNT; k++) {
            fputc(',', f);
            if (ibmap_metric(k)->kind == IBMAP_METRIC_TEXT)
                csv_text(f, m->text[METRIC_AT(b, k)]);
            else
                csv_number(f, m->num[METRIC_AT(b, k)]);
        }
        fputs("\r\n", f);
    }
}

static void landuse_body(FILE *f, const ibmap_metrics *m)
{
    fputs("block_id,code,area_m2,share\r\n", f);
    for (int64_t i = 0; i < m->n_lu; i++) {
        csv_text(f, m->ids[m->lu[i].block]);
        fputc(',', f);
        csv_text(f, m->lu[i].code);
        fputc(',', f);
        csv_number(f, m->lu[i].area);
        fputc(',', f);
        csv_number(f, m->lu[i].share);
        fputs("\r\n", f);
    }
}

ibmap_status ibmap_metrics_write_csv(ibmap_ctx *ctx, const ibmap_metrics *m,
                                     const char *path)
{
    return write_atomically(ctx, m, path, metrics_body);
}

ibmap_status ibmap_metrics_write_landuse_csv(ibmap_ctx *ctx,
                                             const ibmap_metrics *m,
                                             const char *path)
{
    return write_atomically(ctx, m, path, landuse_body);
}
