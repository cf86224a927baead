/*
** fuzz_util.h — what the libFuzzer targets of tests/fuzz/ share: a private
** scratch directory per process (removed at exit) and writing the input
** bytes to a file in it, for the parsers that take a path.
**
** Every target fails loudly with FUZZ_ASSERT: a broken invariant is a
** crash to libFuzzer, which saves the input (scripts/fuzz prints where).
*/
#ifndef IBMAP_FUZZ_UTIL_H
#define IBMAP_FUZZ_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_ASSERT(cond)                                                   \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,      \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

static char fuzz_dir[4096];

static inline void fuzz_dir_remove(void)
{
    if (!fuzz_dir[0]) return;
    DIR *d = opendir(fuzz_dir);
    if (d) {
        struct dirent *e;
        char path[8192];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(path, sizeof path, "%s/%s", fuzz_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(fuzz_dir);
}

/* Make the scratch directory (under $TMPDIR, else /tmp) once. */
static inline const char *fuzz_scratch(void)
{
    if (fuzz_dir[0]) return fuzz_dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/ibmap-fuzz-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fuzz_dir_remove);
    return fuzz_dir;
}

/* The path of `name` in the scratch directory (a static buffer per call
** site is the caller's business: this one is overwritten). */
static inline const char *fuzz_path(const char *name)
{
    static char path[8192];
    snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name);
    return path;
}

/* Write the bytes to `path`, replacing it; aborts on failure (the disk is
** full: not the input's fault, but nothing can be tested). */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* A NUL-terminated copy of the bytes (malloc'd; never NULL). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
