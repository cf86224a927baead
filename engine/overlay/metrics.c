/*
** metrics.c — reading and writing the per-block metrics that ibmap_overlay()
** computed.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/overlay.h"

void ibmap_metrics_free(ibmap_metrics *m)
{
    if (!m || ibmap_exit_pending()) return;
    for (int64_t b = 0; b < m->n_blocks; b++) {
        free(m->ids[b]);
        for (int k = 0; k < M_COUNT; k++) free(m->text[METRIC_AT(b, k)]);
    }
    for (int64_t i = 0; i < m->n_lu; i++) free(m->lu[i].code);
    free(m->lu);
    free(m->ids);
    free(m->num);
    free(m->text);
    free(m->parcel_block);
    free(m);
}

/* Metrics for nb blocks and np parcels: numbers NaN, texts NULL, no
** land-use rows.  NULL when memory is exhausted. */
ibmap_metrics *ibmap_metrics_alloc(int64_t nb, int64_t np)
{
    ibmap_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->n_blocks = nb;
    m->n_parcels = np;
    size_t cells = (size_t)(nb ? nb : 1) * M_COUNT;
    m->ids = calloc((size_t)(nb ? nb : 1), sizeof *m->ids);
    m->num = malloc(cells * sizeof *m->num);
    m->text = calloc(cells, sizeof *m->text);
    m->parcel_block = malloc((size_t)(np ? np : 1) * sizeof *m->parcel_block);
    if (!m->ids || !m->num || !m->text || !m->parcel_block) {
        ibmap_metrics_free(m);
        return NULL;
    }
    for (size_t i = 0; i < cells; i++) m->num[i] = NAN;
    return m;
}

int ibmap_metrics_covers_stats(const ibmap_metrics *m, int kind,
                               int64_t *kernel, int64_t *geos)
{
    if (!m || kind < 0 || kind >= IBMAP_COVERS_KINDS) return 0;
    if (kernel) *kernel = m->covers_kernel[kind];
    if (geos) *geos = m->covers_geos[kind];
    return 1;
}

void ibmap_metrics_landuse_overlap_stats(const ibmap_metrics *m, int64_t *kernel,
                                         int64_t *geos)
{
    if (kernel) *kernel = m ? m->lu_checks_kernel : 0;
    if (geos) *geos = m ? m->lu_checks_geos : 0;
}

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

/* %.17g round-trips every double: the CSV holds exactly what was computed.
** ibmap_format_g17 writes the bytes printf would, in a tenth of the time. */
static void csv_number(FILE *f, double v)
{
    char buf[32];
    if (isfinite(v)) fwrite(buf, 1, (size_t)ibmap_format_g17(buf, v), f);
}

/* Block b's text metric k as the CSV shows it: the control-unit type in
** Chinese when the CSV is. */
static const char *block_text(const ibmap_metrics *m, int64_t b, int k, int zh)
{
    const char *t = m->text[METRIC_AT(b, k)];
    return k == M_CU_TYPE && zh ? ibmap_cu_type_label_zh(t) : t;
}

static int metrics_body(FILE *f, const void *arg)
{
    const ibmap_metrics *m = arg;
    int is_text[M_COUNT];
    int zh = ibmap_csv_zh();
    fputs(zh ? "区块编号" : "block_id", f);
    for (int k = 0; k < M_COUNT; k++) {
        fputc(',', f);
        ibmap_csv_text(f, zh ? ibmap_metric(k)->label_zh : ibmap_metric(k)->name);
        is_text[k] = ibmap_metric(k)->kind == IBMAP_METRIC_TEXT;
    }
    fputs("\r\n", f);
    /* A row at a time into a buffer, written once: ten million values at
    ** 100,000 blocks. */
    char *row = NULL;
    size_t cap = 0;
    for (int64_t b = 0; b < m->n_blocks; b++) {
        ibmap_csv_text(f, m->ids[b]);
        size_t need = (size_t)M_COUNT * 34 + 3, len = 0;
        for (int k = 0; k < M_COUNT; k++) {
            const char *t = is_text[k] ? block_text(m, b, k, zh) : NULL;
            if (t) need += 2 * strlen(t) + 2;
        }
        if (need > cap) {
            char *grown = realloc(row, need);
            if (!grown) {
                free(row);
                return 0;
            }
            row = grown;
            cap = need;
        }
        for (int k = 0; k < M_COUNT; k++) {
            row[len++] = ',';
            if (is_text[k]) {
                const char *t = block_text(m, b, k, zh);
                if (!t) continue;
                /* RFC 4180, as ibmap_csv_text */
                int quote = strpbrk(t, ",\"\r\n") != NULL;
                if (quote) row[len++] = '"';
                for (; *t; t++) {
                    if (*t == '"') row[len++] = '"';
                    row[len++] = *t;
                }
                if (quote) row[len++] = '"';
            } else {
                double v = m->num[METRIC_AT(b, k)];
                if (isfinite(v)) len += (size_t)ibmap_format_g17(row + len, v);
            }
        }
        row[len++] = '\r';
        row[len++] = '\n';
        fwrite(row, 1, len, f);
    }
    free(row);
    return !ferror(f);
}

static int landuse_body(FILE *f, const void *arg)
{
    const ibmap_metrics *m = arg;
    fputs(ibmap_csv_pick("block_id,code,area_m2,share\r\n",
                         "区块编号,地类编码,面积(m²),占区块比例\r\n"),
          f);
    for (int64_t i = 0; i < m->n_lu; i++) {
        ibmap_csv_text(f, m->ids[m->lu[i].block]);
        fputc(',', f);
        ibmap_csv_text(f, m->lu[i].code);
        fputc(',', f);
        csv_number(f, m->lu[i].area);
        fputc(',', f);
        csv_number(f, m->lu[i].share);
        fputs("\r\n", f);
    }
    return !ferror(f);
}

ibmap_status ibmap_metrics_write_csv(ibmap_ctx *ctx, const ibmap_metrics *m,
                                     const char *path)
{
    if (!m) return ibmap_fail(ctx, IBMAP_ERR_ARG, "no metrics");
    return ibmap_write_csv(ctx, path, metrics_body, m);
}

ibmap_status ibmap_metrics_write_landuse_csv(ibmap_ctx *ctx,
                                             const ibmap_metrics *m,
                                             const char *path)
{
    if (!m) return ibmap_fail(ctx, IBMAP_ERR_ARG, "no metrics");
    return ibmap_write_csv(ctx, path, landuse_body, m);
}
