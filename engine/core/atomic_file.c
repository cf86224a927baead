/*
** output_file.c — writing an output file so that it is either complete or
** absent: written under a temporary name beside the target, flushed to
** disk, then renamed over it (rename is atomic within a file system).
** A failure or an interruption never leaves a half-written file under the
** real name.  Also the one CSV quoting rule every CSV output uses, and
** the one way a CSV is written (with its BOM, in the context's language).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

ibmap_status ibmap_write_file(ibmap_ctx *ctx, const char *path,
                              int (*body)(FILE *f, const void *arg),
                              const void *arg)
{
    if (!path) return ibmap_fail(ctx, IBMAP_ERR_ARG, "no output path");
    char *tmp = ibmap_sprintf("%s.tmp-%ld", path, (long)getpid());
    if (!tmp) return ibmap_nomem(ctx);
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (ok) {
        ok = body(f, arg) && !ferror(f) && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
        if (fclose(f) != 0) ok = 0;
    }
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        int err = errno;
        unlink(tmp);
        free(tmp);
        return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write: %s", path,
                          err ? strerror(err) : "write failed");
    }
    free(tmp);
    return IBMAP_OK;
}

int ibmap_csv_text(FILE *f, const char *s)
{
    if (!s) return 1;
    /* RFC 4180: a field holding a comma, quote or line break is quoted,
    ** and quotes inside it are doubled. */
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, f);
        return !ferror(f);
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
    return !ferror(f);
}

/* The language of the CSV being written by this thread (ibmap_write_csv). */
static _Thread_local int csv_zh;

int ibmap_csv_zh(void)
{
    return csv_zh;
}

typedef struct csv_call {
    int (*body)(FILE *f, const void *arg);
    const void *arg;
} csv_call;

static int csv_body(FILE *f, const void *arg)
{
    const csv_call *c = arg;
    return fputs("\xEF\xBB\xBF", f) >= 0 && c->body(f, c->arg);
}

ibmap_status ibmap_write_csv(ibmap_ctx *ctx, const char *path,
                             int (*body)(FILE *f, const void *arg), const void *arg)
{
    csv_call c = {body, arg};
    csv_zh = ctx ? ctx->zh : 0;
    ibmap_status s = ibmap_write_file(ctx, path, csv_body, &c);
    csv_zh = 0;
    return s;
}
