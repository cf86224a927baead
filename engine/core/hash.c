/*
** hash.c — FNV-1a 64, the one hash of the library: fingerprints of the
** workspace's inputs, the rules file's identity, the loader's id sets.
**
** FNV-1a is not cryptographic; nothing here needs it to be.  It is kept
** because its values are stored (workspace fingerprints, rules hashes in
** scenarios): changing the function would make every stored workspace
** look stale.
*/
#include "core/core.h"

#define FNV_PRIME 1099511628211ULL

uint64_t ibmap_hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

uint64_t ibmap_hash_str(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * FNV_PRIME;
    return h;
}

uint64_t ibmap_hash_field(uint64_t h, const char *s)
{
    h = ibmap_hash_str(h, s ? s : "");
    return (h ^ 0xFF) * FNV_PRIME;   /* 0xFF never occurs in UTF-8 */
}
