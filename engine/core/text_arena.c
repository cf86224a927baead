/*
** text_arena.c — many small texts that live and die together: copied one
** after another into 64 KiB chunks, freed all at once.
**
** Why: a layer of 1.5 million parcels holds some 26 million field values
** and ids of about ten bytes each.  As one malloc each, every one costs a
** 32-byte chunk of the heap; packed here, its bytes and a NUL.  At 100,000
** blocks that was over half a gigabyte of the overlay's peak.  The output
** model's tables pack their cells' texts the same way, and the layers
** their packed geometries (geo/shape.c), through ibmap_arena_alloc.
*/
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct ibmap_text_chunk {
    struct ibmap_text_chunk *next;
    size_t used, cap;
    _Alignas(8) char data[];
};

enum { TEXT_CHUNK_BYTES = 64 * 1024 };

void *ibmap_arena_alloc(ibmap_text_arena *a, size_t n, size_t align)
{
    ibmap_text_chunk *k = a->chunks;
    /* a chunk's data starts 8-aligned (after three size_t-sized fields) */
    size_t at = k ? (k->used + align - 1) / align * align : 0;
    if (!k || at > k->cap || k->cap - at < n) {
        size_t cap = n > TEXT_CHUNK_BYTES ? n : TEXT_CHUNK_BYTES;
        if (!(k = malloc(sizeof *k + cap))) return NULL;
        k->used = 0;
        k->cap = cap;
        /* A block larger than a chunk gets a chunk of its own, behind the
        ** current one, which goes on filling. */
        if (a->chunks && cap > TEXT_CHUNK_BYTES) {
            k->next = a->chunks->next;
            a->chunks->next = k;
        } else {
            k->next = a->chunks;
            a->chunks = k;
        }
        at = 0;
    }
    k->used = at + n;
    return k->data + at;
}

char *ibmap_arena_strndup(ibmap_text_arena *a, const char *s, size_t len)
{
    char *copy = ibmap_arena_alloc(a, len + 1, 1);
    if (!copy) return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *ibmap_arena_strdup(ibmap_text_arena *a, const char *s)
{
    return ibmap_arena_strndup(a, s, strlen(s));
}

void ibmap_arena_free(ibmap_text_arena *a)
{
    for (ibmap_text_chunk *k = a->chunks, *next; k; k = next) {
        next = k->next;
        free(k);
    }
    a->chunks = NULL;
}
