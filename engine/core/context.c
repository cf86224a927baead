/*
** context.c — the ibmap context: one GEOS context, one PROJ context and the
** message of the last error, for one thread.
**
** GEOS reports errors through a callback, not a return value we can read
** a message from, so the context keeps the last GEOS message; callers that
** see a GEOS function fail put it in their own message with the file, layer
** and feature they were working on.
*/
#include <gdal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/core.h"

/* The one process-wide request to stop (ibmap_interrupt).  A lock-free
** atomic, so that a signal handler may set it; long loops read it and
** return IBMAP_ERR_INTERRUPTED, cleaning up as on any failure, so that an
** interrupted run leaves outputs complete or absent. */
static atomic_int interrupt_requested;

void ibmap_interrupt(void)
{
    atomic_store(&interrupt_requested, 1);
}

void ibmap_interrupt_clear(void)
{
    atomic_store(&interrupt_requested, 0);
}

int ibmap_interrupt_pending(void)
{
    return atomic_load_explicit(&interrupt_requested, memory_order_relaxed);
}

/* ibmap_exiting(): set once by a program about to end. */
static atomic_int exit_requested;

void ibmap_exiting(void)
{
    atomic_store(&exit_requested, 1);
}

int ibmap_exit_pending(void)
{
    return atomic_load_explicit(&exit_requested, memory_order_relaxed);
}

ibmap_status ibmap_fail_interrupted(ibmap_ctx *ctx)
{
    return ibmap_fail(ctx, IBMAP_ERR_INTERRUPTED,
                      "interrupted 已中断: nothing half-written was left behind");
}

static void geos_message(const char *message, void *userdata)
{
    ibmap_ctx *ctx = userdata;
    snprintf(ctx->geos_msg, sizeof ctx->geos_msg, "%s", message);
}

static void geos_notice(const char *message, void *userdata)
{
    (void)message;
    (void)userdata;
}

ibmap_ctx *ibmap_ctx_new(void)
{
    ibmap_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->geos = GEOS_init_r();
    ctx->proj = proj_context_create();
    if (!ctx->geos || !ctx->proj) {
        ibmap_ctx_free(ctx);
        return NULL;
    }
    GEOSContext_setErrorMessageHandler_r(ctx->geos, geos_message, ctx);
    GEOSContext_setNoticeMessageHandler_r(ctx->geos, geos_notice, ctx);
    proj_log_level(ctx->proj, PJ_LOG_NONE);
    /* GDAL drivers are registered once per process; doing it here keeps
    ** the API free of a separate global initialisation call. */
    GDALAllRegister();
    return ctx;
}

ibmap_status ibmap_ctx_set_language(ibmap_ctx *ctx, const char *lang)
{
    if (!ctx || !lang) return IBMAP_ERR_ARG;
    if (strcmp(lang, "en") == 0) ctx->zh = 0;
    else if (strcmp(lang, "zh") == 0) ctx->zh = 1;
    else return ibmap_fail(ctx, IBMAP_ERR_ARG, "language '%s': use en or zh", lang);
    return IBMAP_OK;
}

void ibmap_ctx_free(ibmap_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->geos) GEOS_finish_r(ctx->geos);
    if (ctx->proj) proj_context_destroy(ctx->proj);
    free(ctx);
}

const char *ibmap_errmsg(const ibmap_ctx *ctx)
{
    return ctx ? ctx->errmsg : "no context";
}

ibmap_status ibmap_nomem(ibmap_ctx *ctx)
{
    return ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory");
}

ibmap_status ibmap_fail(ibmap_ctx *ctx, ibmap_status status,
                        const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
        va_end(ap);
    }
    return status;
}

char *ibmap_strdup(const char *s)
{
    return s ? ibmap_strndup(s, strlen(s)) : NULL;
}

char *ibmap_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ibmap_sprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ibmap_free(void *p)
{
    free(p);
}

const char *ibmap_version(void)
{
    return IBMAP_VERSION_STRING;
}

static char dependency_text[256];

static void format_dependency_versions(void)
{
    PJ_INFO pi = proj_info();
    snprintf(dependency_text, sizeof dependency_text,
             "GDAL %s, GEOS %s, PROJ %s, SQLite %s, libyaml %s",
             GDALVersionInfo("RELEASE_NAME"), GEOSversion(), pi.version,
             sqlite3_libversion(), yaml_get_version_string());
}

const char *ibmap_dependency_versions(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, format_dependency_versions);
    return dependency_text;
}
