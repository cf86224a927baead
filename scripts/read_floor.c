/*
** read_floor.c — ibmap-read-floor: the "read floor" of a benchmark.
**
** It reads every feature of the given layers through GDAL and does nothing
** else: each feature is fetched (OGR_L_GetNextFeature, which parses its
** fields) and its geometry touched (OGR_G_WkbSize).  No reprojection, no
** index, no overlay.  The time it takes is the least any GDAL-based
** program can spend on the same files, so `ibmap overlay time / read floor
** time` says how much ibmap costs beyond reading its input.
**
**   ibmap-read-floor SRC[:LAYER]...     each source (every layer of it when
**                                       no LAYER is named)
**   ibmap-read-floor PROJECT.yaml       the layers an ibmap project names
**
** The project file is read minimally: under "layers:", either the short
** form "role: SRC[:LAYER]" or "role:" followed by indented "source:" and
** "layer:" lines; paths relative to the project file.  That is the form
** ibmap-make-sample writes (docs/project-file.md has the full format).
**
** Output: one line per layer (features, geometry bytes, seconds), then a
** total line with the wall time and peak RSS.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_api.h>

typedef struct source {
    char *path;
    char *layer; /* NULL: every layer */
} source;

static source *sources;
static int n_sources, cap_sources;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "ibmap-read-floor: %s%s%s\n", msg, arg ? ": " : "",
            arg ? arg : "");
    exit(1);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) die("out of memory", NULL);
    return d;
}

static void add_source(const char *path, const char *layer)
{
    if (n_sources == cap_sources) {
        cap_sources = cap_sources ? 2 * cap_sources : 16;
        source *s = realloc(sources, (size_t)cap_sources * sizeof *s);
        if (!s) die("out of memory", NULL);
        sources = s;
    }
    sources[n_sources].path = xstrdup(path);
    sources[n_sources].layer = layer && *layer ? xstrdup(layer) : NULL;
    n_sources++;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* "SRC:LAYER" or "SRC": the last colon splits only when what is before it
** is a file (so "PG:dbname=x" and "C:\..." stay whole). */
static void add_spec(const char *spec, const char *base)
{
    char path[8192];
    const char *colon = strrchr(spec, ':');
    char src[4096];
    const char *layer = NULL;
    snprintf(src, sizeof src, "%s", spec);
    if (colon) {
        char head[4096];
        snprintf(head, sizeof head, "%.*s", (int)(colon - spec), spec);
        char full[8192];
        if (base && head[0] != '/')
            snprintf(full, sizeof full, "%s/%s", base, head);
        else
            snprintf(full, sizeof full, "%s", head);
        if (exists(full)) {
            snprintf(src, sizeof src, "%s", head);
            layer = colon + 1;
        }
    }
    if (base && src[0] != '/' && strchr(src, ':') == NULL)
        snprintf(path, sizeof path, "%s/%s", base, src);
    else
        snprintf(path, sizeof path, "%s", src);
    add_source(path, layer);
}

/* Trim spaces and a trailing comment; strip matching quotes. */
static char *clean(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    char *hash = NULL;
    int q = 0;
    for (char *p = s; *p; p++) {
        if (*p == '"' || *p == '\'') q = !q;
        if (*p == '#' && !q && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
            hash = p;
            break;
        }
    }
    if (hash) *hash = '\0';
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                 s[n - 1] == '\n'))
        s[--n] = '\0';
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

static int indent_of(const char *line)
{
    int n = 0;
    while (line[n] == ' ') n++;
    return n;
}

static void read_project(const char *yaml)
{
    FILE *f = fopen(yaml, "r");
    if (!f) die("cannot open", yaml);
    char base[4096];
    snprintf(base, sizeof base, "%s", yaml);
    char *slash = strrchr(base, '/');
    if (slash) *slash = '\0';
    else snprintf(base, sizeof base, ".");
    char line[8192];
    int in_layers = 0, layers_indent = -1, role_indent = -1;
    char src[4096] = "", layer[4096] = "";
    int have_role = 0;
#define FLUSH()                                                            \
    do {                                                                   \
        if (have_role && src[0]) {                                         \
            if (layer[0]) {                                                \
                char spec_[8300];                                          \
                snprintf(spec_, sizeof spec_, "%s:%s", src, layer);        \
                add_spec(spec_, base);                                     \
            } else {                                                       \
                add_spec(src, base);                                       \
            }                                                              \
        }                                                                  \
        have_role = 0;                                                     \
        src[0] = layer[0] = '\0';                                          \
    } while (0)
    while (fgets(line, sizeof line, f)) {
        int ind = indent_of(line);
        char *text = clean(line);
        if (!*text) continue;
        if (!in_layers) {
            if (ind == 0 && strcmp(text, "layers:") == 0) {
                in_layers = 1;
                layers_indent = 0;
            }
            continue;
        }
        if (ind <= layers_indent) { /* the end of the layers block */
            FLUSH();
            in_layers = 0;
            continue;
        }
        char *colon = strchr(text, ':');
        if (!colon) continue;
        *colon = '\0';
        char *key = clean(text), *value = clean(colon + 1);
        if (role_indent < 0) role_indent = ind;
        if (ind == role_indent) { /* a role */
            FLUSH();
            have_role = 1;
            /* the short form: "role: SRC[:LAYER]" (split at the first
            ** colon, so the value keeps its own) */
            if (*value) snprintf(src, sizeof src, "%s", value);
        } else if (strcmp(key, "source") == 0) {
            snprintf(src, sizeof src, "%s", value);
        } else if (strcmp(key, "layer") == 0) {
            snprintf(layer, sizeof layer, "%s", value);
        }
    }
    FLUSH();
#undef FLUSH
    fclose(f);
    if (n_sources == 0) die("no layers found in", yaml);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void read_layer(OGRLayerH L, const char *what, long long *features,
                       long long *bytes)
{
    double t0 = now();
    long long n = 0, b = 0;
    OGR_L_ResetReading(L);
    OGRFeatureH F;
    while ((F = OGR_L_GetNextFeature(L)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(F);
        if (g) b += OGR_G_WkbSize(g);
        n++;
        OGR_F_Destroy(F);
    }
    printf("%-40s %10lld features %14lld geometry bytes %8.3f s\n", what, n,
           b, now() - t0);
    *features += n;
    *bytes += b;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(stderr,
                "usage: ibmap-read-floor SRC[:LAYER]... | PROJECT.yaml\n"
                "read every feature of the layers through GDAL, print counts "
                "and time\n");
        return argc < 2 ? 2 : 0;
    }
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if ((n > 5 && strcmp(argv[i] + n - 5, ".yaml") == 0) ||
            (n > 4 && strcmp(argv[i] + n - 4, ".yml") == 0))
            read_project(argv[i]);
        else
            add_spec(argv[i], NULL);
    }
    GDALAllRegister();
    double t0 = now();
    long long features = 0, bytes = 0;
    int layers = 0;
    for (int i = 0; i < n_sources; i++) {
        GDALDatasetH ds = GDALOpenEx(sources[i].path,
                                     GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                                     NULL, NULL);
        if (!ds) die("cannot open", sources[i].path);
        char what[8300];
        if (sources[i].layer) {
            OGRLayerH L = GDALDatasetGetLayerByName(ds, sources[i].layer);
            if (!L) die("no such layer", sources[i].layer);
            snprintf(what, sizeof what, "%s:%s", sources[i].path, sources[i].layer);
            read_layer(L, what, &features, &bytes);
            layers++;
        } else {
            for (int k = 0; k < GDALDatasetGetLayerCount(ds); k++) {
                OGRLayerH L = GDALDatasetGetLayer(ds, k);
                snprintf(what, sizeof what, "%s:%s", sources[i].path,
                         OGR_L_GetName(L));
                read_layer(L, what, &features, &bytes);
                layers++;
            }
        }
        GDALClose(ds);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("total: %d layers, %lld features, %lld geometry bytes, %.3f s, "
           "peak RSS %.1f MB\n",
           layers, features, bytes, now() - t0, ru.ru_maxrss / 1024.0);
    for (int i = 0; i < n_sources; i++) {
        free(sources[i].path);
        free(sources[i].layer);
    }
    free(sources);
    return 0;
}
