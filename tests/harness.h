/*
** harness.h — the test harness of ibmap: a few macros over TAP output.
**
** Each test program holds many small tests (one per behaviour, as Uber's
** H3 does) and prints TAP ("ok 3 - name"), which meson reads.  When the
** environment names a tally file (IBMAP_TEST_TALLY, set by scripts/test),
** the program appends one line "PASS FAIL SKIP" to it, from which the test
** script prints the closing "N passed, N failed" line.
**
**   TEST(name) { CHECK(x == 1); CHECK_NEAR(a, b, 1e-9); }
**   int main(void) { RUN(name); return test_finish(); }
**
** A failed CHECK prints where and why and ends that test; the others go on.
*/
#ifndef IBMAP_TEST_HARNESS_H
#define IBMAP_TEST_HARNESS_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_n, test_passed, test_failed, test_skipped;
static int test_current_failed;
static const char *test_skip_reason;

#define TEST(name) static void name(void)

#define RUN(name) test_run(#name, name)

#define TEST_FAILF(...)                                                     \
    do {                                                                    \
        printf("# %s:%d: ", __FILE__, __LINE__);                            \
        printf(__VA_ARGS__);                                                \
        printf("\n");                                                       \
        test_current_failed = 1;                                            \
        return;                                                             \
    } while (0)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) TEST_FAILF("CHECK(%s) failed", #cond);                 \
    } while (0)

#define CHECK_INT(a, b)                                                     \
    do {                                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b);                 \
        if (a_ != b_)                                                       \
            TEST_FAILF("%s == %lld, expected %s == %lld", #a, a_, #b, b_);  \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                               \
    do {                                                                    \
        double a_ = (double)(a), b_ = (double)(b);                          \
        if (!(fabs(a_ - b_) <= (tol)))                                      \
            TEST_FAILF("%s == %.12g, expected %.12g (tolerance %g)", #a,    \
                       a_, b_, (double)(tol));                              \
    } while (0)

/* Relative comparison, for areas. */
#define CHECK_REL(a, b, rel)                                                \
    do {                                                                    \
        double a_ = (double)(a), b_ = (double)(b);                          \
        double s_ = fabs(b_) > 1 ? fabs(b_) : 1;                            \
        if (!(fabs(a_ - b_) / s_ <= (rel)))                                 \
            TEST_FAILF("%s == %.15g, expected %.15g (relative %g)", #a,     \
                       a_, b_, (double)(rel));                              \
    } while (0)

#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *a_ = (a), *b_ = (b);                                    \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                              \
            TEST_FAILF("%s == \"%s\", expected \"%s\"", #a,                 \
                       a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
    } while (0)

/* The string a contains b. */
#define CHECK_CONTAINS(a, b)                                                \
    do {                                                                    \
        const char *a_ = (a), *b_ = (b);                                    \
        if (!a_ || !strstr(a_, b_))                                         \
            TEST_FAILF("%s == \"%s\" does not contain \"%s\"", #a,          \
                       a_ ? a_ : "(null)", b_);                             \
    } while (0)

/* Skip the rest of this test, saying why (e.g. ../shared is absent). */
#define SKIP(reason)                                                        \
    do {                                                                    \
        test_skip_reason = (reason);                                        \
        return;                                                             \
    } while (0)

static inline void test_run(const char *name, void (*fn)(void))
{
    test_current_failed = 0;
    test_skip_reason = NULL;
    fflush(stdout);
    fn();
    test_n++;
    if (test_current_failed) {
        test_failed++;
        printf("not ok %d - %s\n", test_n, name);
    } else if (test_skip_reason) {
        test_skipped++;
        printf("ok %d - %s # SKIP %s\n", test_n, name, test_skip_reason);
    } else {
        test_passed++;
        printf("ok %d - %s\n", test_n, name);
    }
    fflush(stdout);
}

static inline int test_finish(void)
{
    printf("1..%d\n", test_n);
    const char *tally = getenv("IBMAP_TEST_TALLY");
    if (tally && *tally) {
        FILE *f = fopen(tally, "a");
        if (f) {
            fprintf(f, "%d %d %d\n", test_passed, test_failed, test_skipped);
            fclose(f);
        }
    }
    return test_failed ? 1 : 0;
}

/* Paths the tests need, from the environment meson gives them. */
static inline const char *test_source_root(void)
{
    const char *s = getenv("IBMAP_SOURCE_ROOT");
    return s ? s : ".";
}

static inline const char *test_build_root(void)
{
    const char *s = getenv("IBMAP_BUILD_ROOT");
    return s ? s : ".";
}

/* ../shared/data/real beside the project root, or NULL when absent (a
** user's clone has none: tests that need it skip and say so). */
static inline const char *test_shared_data(void)
{
    static char path[4096];
    const char *s = getenv("IBMAP_SHARED_DATA");
    if (s && *s)
        snprintf(path, sizeof path, "%s", s);
    else
        snprintf(path, sizeof path, "%s/../shared/data/real",
                 test_source_root());
    FILE *f;
    char readme[4200];
    snprintf(readme, sizeof readme, "%s/README.md", path);
    if ((f = fopen(readme, "r")) == NULL) return NULL;
    fclose(f);
    return path;
}

/* A fresh scratch directory under the build tree for this test program. */
static inline const char *test_scratch_dir(const char *program)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/scratch/%s", test_build_root(),
             program);
    char cmd[2 * sizeof path + 64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", path, path);
    if (system(cmd) != 0) return NULL;
    return path;
}

#endif /* IBMAP_TEST_HARNESS_H */
