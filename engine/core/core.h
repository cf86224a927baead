/*
** core/core.h — what every stage of the library shares: the context and
** its errors, strings, writing a file all at once, the data-quality log.
** Not installed, not public: programs use include/ibmap.h only.
**
** The stages of engine/ and their headers, each including the one before
** (docs/architecture.md): core → geo → load → overlay → store →
** classify → output.  A file includes its own stage's header; nothing
** includes a later stage's.
*/
#ifndef IBMAP_CORE_H
#define IBMAP_CORE_H

#ifndef GEOS_USE_ONLY_R_API
#define GEOS_USE_ONLY_R_API
#endif
#include <geos_c.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>

#include "ibmap.h"

#if defined(__GNUC__)
#define IBMAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IBMAP_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------- */
/* context.c                                                              */
/* ---------------------------------------------------------------------- */

struct ibmap_ctx {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    char errmsg[4096];
    char geos_msg[1024];   /* last message from GEOS's error handler */
    int zh;                /* ibmap_ctx_set_language(ctx, "zh"): Chinese CSVs */
};

/* Record an error message in ctx (printf-style) and return `status`, so
** that callers can write `return ibmap_fail(ctx, IBMAP_ERR_OPEN, ...)`. */
ibmap_status ibmap_fail(ibmap_ctx *ctx, ibmap_status status,
                        const char *fmt, ...) IBMAP_PRINTF(3, 4);

/* ibmap_fail(ctx, IBMAP_ERR_NOMEM, "out of memory"): the one way every
** allocation failure is reported. */
ibmap_status ibmap_nomem(ibmap_ctx *ctx);

/* Whether ibmap_interrupt() was called (and not cleared); and the failure
** to return when it was. */
int ibmap_interrupt_pending(void);

/* Whether ibmap_exiting() was called: the large structures' free
** functions then return at once. */
int ibmap_exit_pending(void);
ibmap_status ibmap_fail_interrupted(ibmap_ctx *ctx);

/* Allocation helpers: NULL on exhaustion, as malloc. */
char *ibmap_strdup(const char *s);
char *ibmap_strndup(const char *s, size_t n);
char *ibmap_sprintf(const char *fmt, ...) IBMAP_PRINTF(1, 2);

/* ---------------------------------------------------------------------- */
/* strbuf.c: a growing string                                             */
/* ---------------------------------------------------------------------- */

/* Start as {0}.  After a failed allocation the calls do nothing and take
** returns NULL; take hands the string over ("" when nothing was put). */
typedef struct ibmap_strbuf {
    char *s;
    size_t n, cap;
    int failed;
} ibmap_strbuf;

void ibmap_strbuf_putn(ibmap_strbuf *b, const char *s, size_t n);
void ibmap_strbuf_put(ibmap_strbuf *b, const char *s);
void ibmap_strbuf_printf(ibmap_strbuf *b, const char *fmt, ...) IBMAP_PRINTF(2, 3);
char *ibmap_strbuf_take(ibmap_strbuf *b);

/* ---------------------------------------------------------------------- */
/* text_arena.c: small texts freed together                               */
/* ---------------------------------------------------------------------- */

/* Start as {0}.  The copies are NUL-terminated, belong to the arena, and
** are freed only by ibmap_arena_free (which leaves it {0} again, ready
** for use); NULL when out of memory.  One thread at a time per arena. */
typedef struct ibmap_text_chunk ibmap_text_chunk;
typedef struct ibmap_text_arena {
    ibmap_text_chunk *chunks;
} ibmap_text_arena;

char *ibmap_arena_strdup(ibmap_text_arena *a, const char *s);
char *ibmap_arena_strndup(ibmap_text_arena *a, const char *s, size_t len);
/* n bytes aligned to align (a power of two, at most 8), or NULL. */
void *ibmap_arena_alloc(ibmap_text_arena *a, size_t n, size_t align);
void ibmap_arena_free(ibmap_text_arena *a);

/* ---------------------------------------------------------------------- */
/* text_set.c: a set of texts (open addressing on hash.c)                 */
/* ---------------------------------------------------------------------- */

/* Start as {0}.  The members are borrowed: each must outlive the set.
** One thread at a time per set. */
typedef struct ibmap_text_set {
    const char **slots;
    size_t cap, n;    /* slots (a power of two, or 0); members */
} ibmap_text_set;

/* Room for n members without growing; 0 when out of memory. */
int ibmap_text_set_reserve(ibmap_text_set *set, size_t n);
/* The member equal to s: s itself, added, when none was; NULL when out
** of memory.  So `ibmap_text_set_add(set, s) == s` says s was new. */
const char *ibmap_text_set_add(ibmap_text_set *set, const char *s);
/* The member equal to s; when none was, a copy of s made in `a` and
** added.  One copy of each distinct text, shared: never write through
** it.  NULL when out of memory. */
const char *ibmap_text_intern(ibmap_text_set *set, ibmap_text_arena *a, const char *s);
/* Frees the slots (not the members) and leaves the set {0}. */
void ibmap_text_set_free(ibmap_text_set *set);

/* ---------------------------------------------------------------------- */
/* hash.c: FNV-1a 64                                                      */
/* ---------------------------------------------------------------------- */

#define IBMAP_HASH_INIT 1469598103934665603ULL

/* h extended by n bytes; by a NUL-terminated string; by a string as one
** field of a record (NULL as "", then a separator, so that ("ab","c") and
** ("a","bc") differ).  Start from IBMAP_HASH_INIT. */
uint64_t ibmap_hash_bytes(uint64_t h, const void *data, size_t n);
uint64_t ibmap_hash_str(uint64_t h, const char *s);
uint64_t ibmap_hash_field(uint64_t h, const char *s);

/* ---------------------------------------------------------------------- */
/* atomic_file.c                                                          */
/* ---------------------------------------------------------------------- */

/* Write `path` all at once: body() writes the content (returning 0 on
** failure) to a temporary file beside it, which is flushed, synced and
** renamed over `path`.  On failure nothing is left under either name. */
ibmap_status ibmap_write_file(ibmap_ctx *ctx, const char *path,
                              int (*body)(FILE *f, const void *arg),
                              const void *arg);

/* Write one CSV field (RFC 4180 quoting); NULL writes nothing.  Returns 0
** on a write error. */
int ibmap_csv_text(FILE *f, const char *s);

/* Write the CSV file `path` as ibmap_write_file does, beginning with the
** UTF-8 BOM (without it Excel and WPS read UTF-8 as the local code page
** and garble the Chinese): the one way every CSV of ibmap is written.
** While body() runs, ibmap_csv_zh() tells it the context's language. */
ibmap_status ibmap_write_csv(ibmap_ctx *ctx, const char *path,
                             int (*body)(FILE *f, const void *arg), const void *arg);

/* Inside a body() of ibmap_write_csv: 1 when the CSV is to be written in
** Chinese (ibmap_ctx_set_language "zh": Chinese column headers, and
** class, mode, category and control-unit values), else 0.  And the
** text of the two for that language. */
int ibmap_csv_zh(void);
static inline const char *ibmap_csv_pick(const char *en, const char *zh)
{
    return ibmap_csv_zh() ? zh : en;
}

/* fmt.c: v as printf("%.17g", v) writes it (the same bytes), into buf of
** at least 32 bytes; returns the length. */
int ibmap_format_g17(char *buf, double v);

/* ---------------------------------------------------------------------- */
/* dq.c: the data-quality log                                             */
/* ---------------------------------------------------------------------- */

typedef struct ibmap_dq_entry {
    ibmap_role role;
    ibmap_severity severity;
    int64_t fid;
    const char *problem;     /* static string */
    char *feature_id;
    char *field;
    char *value;
    char *detail;
    const char *action;      /* static string */
} ibmap_dq_entry;

typedef struct ibmap_dq {
    ibmap_dq_entry *entries;
    int64_t n, cap;
    int64_t per_role[IBMAP_ROLE_COUNT];  /* entries of each role */
} ibmap_dq;

/* Append an entry; strings are copied.  Returns IBMAP_ERR_NOMEM or OK. */
ibmap_status ibmap_dq_add(ibmap_dq *dq, ibmap_role role, int64_t fid,
                          const char *feature_id, const char *field,
                          const char *problem, ibmap_severity sev,
                          const char *value, const char *action,
                          const char *detail_fmt, ...) IBMAP_PRINTF(10, 11);
void ibmap_dq_clear(ibmap_dq *dq);
/* Move every entry of src to the end of dst, in order; src is left empty.
** Returns IBMAP_ERR_NOMEM (both unchanged) or OK. */
ibmap_status ibmap_dq_move(ibmap_dq *dst, ibmap_dq *src);

/* 1 亩 in m². */
#define IBMAP_MU_M2 (10000.0 / 15.0)

#endif /* IBMAP_CORE_H */
