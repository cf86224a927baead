/*
** text_set.c — a set of texts: the one open-addressing string set of the
** library, on its one hash (hash.c).
**
** Two jobs use it.  The loader keeps every id it has given out in a layer,
** to make ids unique (load/ingest.c).  The output model's tables intern
** their cells' texts (output/output_model.c): at 100,000 blocks the
** enterprises, parcels and block-enterprise tables hold some 50 million
** texts, most of them repeats (a category, a town, a rule id, a reason, an
** enterprise's name once per parcel and once per column that copies it).
** One copy each took the model's texts from 101 MB to 35 MB at 10,000
** blocks (heaptrack), and a run's peak at 100,000 down by 590 MB.
**
** The set holds pointers it does not own: a member must outlive the set.
** Linear probing at a load factor under one half; the slots are freed by
** ibmap_text_set_free, which leaves the set {0} again.
*/
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static uint64_t text_hash(const char *s)
{
    return ibmap_hash_str(IBMAP_HASH_INIT, s);
}

int ibmap_text_set_reserve(ibmap_text_set *set, size_t n)
{
    if (n * 2 < set->cap) return 1;
    size_t cap = set->cap ? set->cap * 2 : 1024;
    while (n * 2 >= cap) cap *= 2;
    const char **slots = calloc(cap, sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; i < set->cap; i++) {
        const char *s = set->slots[i];
        if (!s) continue;
        size_t j = text_hash(s) & (cap - 1);
        while (slots[j]) j = (j + 1) & (cap - 1);
        slots[j] = s;
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 1;
}

/* The slot of the member equal to s, else the free slot where s belongs.
** The set has room (cap > 0, and a free slot). */
static size_t slot_of(const ibmap_text_set *set, const char *s)
{
    size_t mask = set->cap - 1;
    size_t i = text_hash(s) & mask;
    while (set->slots[i] && strcmp(set->slots[i], s) != 0) i = (i + 1) & mask;
    return i;
}

const char *ibmap_text_set_add(ibmap_text_set *set, const char *s)
{
    if (!ibmap_text_set_reserve(set, set->n + 1)) return NULL;
    size_t i = slot_of(set, s);
    if (!set->slots[i]) {
        set->slots[i] = s;
        set->n++;
    }
    return set->slots[i];
}

const char *ibmap_text_intern(ibmap_text_set *set, ibmap_text_arena *a, const char *s)
{
    if (!ibmap_text_set_reserve(set, set->n + 1)) return NULL;
    size_t i = slot_of(set, s);
    if (!set->slots[i]) {
        const char *copy = ibmap_arena_strdup(a, s);
        if (!copy) return NULL;
        set->slots[i] = copy;
        set->n++;
    }
    return set->slots[i];
}

void ibmap_text_set_free(ibmap_text_set *set)
{
    free(set->slots);
    memset(set, 0, sizeof *set);
}
