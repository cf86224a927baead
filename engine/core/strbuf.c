/*
** strbuf.c — a growing string, the one every builder of text in the
** library uses (reasons, QML/SLD documents, lists of names).
**
** After a failed allocation every call is a no-op and ibmap_strbuf_take()
** returns NULL, so that a builder checks once, at the end, instead of after
** every piece.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static int strbuf_reserve(ibmap_strbuf *b, size_t more)
{
    if (b->failed) return 0;
    if (b->n + more + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + more + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void ibmap_strbuf_putn(ibmap_strbuf *b, const char *s, size_t n)
{
    if (!strbuf_reserve(b, n)) return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void ibmap_strbuf_put(ibmap_strbuf *b, const char *s)
{
    ibmap_strbuf_putn(b, s, strlen(s));
}

void ibmap_strbuf_printf(ibmap_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!strbuf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

char *ibmap_strbuf_take(ibmap_strbuf *b)
{
    if (!b->s && !b->failed) strbuf_reserve(b, 0);   /* "" when nothing was put */
    if (b->failed) {
        free(b->s);
        b->s = NULL;
        return NULL;
    }
    char *s = b->s;
    s[b->n] = '\0';
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}
