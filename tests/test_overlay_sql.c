/*
** test_overlay_sql.c — ibmap overlay against an independent SQL oracle.
**
** The sample city is converted into a SpatiaLite database with ogr2ogr,
** scripts/sql/spatialite_metrics.sql computes the per-block metrics there
** (through the SQLite C API, with mod_spatialite loaded), and the metrics
** CSV that `ibmap overlay` writes must agree with it block by block: the
** areas within 1e-6 relative (1e-3 m² absolute near 0), n_parcels exactly,
** tax_sum within 1e-9 relative, park_distance_m within 1e-6 m, the
** largest-overlap zone ids exactly.  The SQL shares no code with the
** engine: GDAL reads the layers, SpatiaLite (GEOS) measures.
**
** ibmap overlays in floating point, as ST_Intersection does, and falls
** back to OverlayNG snapped to a fixed grid (--grid, default 1 mm) only on
** a block where GEOS throws; its metric_status then says "grid" or
** "coarse_grid".  Snapping moves the vertices of an intersection by up to
** half a grid cell, so the area of a part by at most about
** grid × its boundary: such blocks are held to grid × the block's
** perimeter (× 100 for coarse_grid) in the overlay metrics instead of
** 1e-6 relative.  (The sample has none; a 1 mm grid everywhere measured
** up to 0.6 m², 7e-6 of a block, off the SQL on the benchmark cities.)
**
** A second city variant adds to every red line two copies shifted by
** ~150 m either way, so that red-line polygons overlap inside blocks:
** union-once must count the overlap once in both implementations (a plain
** SUM would not), and the red-line area grows where a copy reaches further
** into a block than the original.
**
** Needs ogr2ogr (gdal-bin; scripts/setup installs it): without it the
** tests skip and say so.
*/
#include <sqlite3.h>
#include <spatialite.h>
#include <sys/stat.h>
#include <time.h>

#include "harness.h"

/* The numeric metrics the SQL computes, with the tolerance class of each:
** AREA (1e-6 relative, 1e-3 m² absolute; grid-bounded on a block measured
** on a grid when OVERLAY), COUNT exact, TAX 1e-9 relative, DIST 1e-6 m. */
enum { AREA, COUNT, TAX, DIST };
static const struct {
    const char *name;
    int kind;
    int overlay; /* from a partial intersection: moved by a grid */
} num_cols[] = {
    {"area_m2", AREA, 0},
    {"redline_m2", AREA, 1},
    {"basic_farmland_m2", AREA, 1},
    {"parks_m2", AREA, 1},
    {"central_m2", AREA, 1},
    {"transition_m2", AREA, 1},
    {"cu_priority_m2", AREA, 1},
    {"cu_key_industry_m2", AREA, 1},
    {"cu_key_urban_m2", AREA, 1},
    {"cu_key_other_m2", AREA, 1},
    {"cu_general_m2", AREA, 1},
    {"lu_industrial_m2", AREA, 0},
    {"lu_covered_m2", AREA, 0},
    {"n_parcels", COUNT, 0},
    {"tax_sum", TAX, 0},
    {"park_distance_m", DIST, 0},
};
#define NNUM (int)(sizeof num_cols / sizeof num_cols[0])

static const char *const id_cols[] = {
    "redline_id", "basic_farmland_id", "parks_id", "central_id",
    "transition_id"};
#define NID (int)(sizeof id_cols / sizeof id_cols[0])

typedef struct row {
    char *block_id;
    double v[NNUM];   /* NaN for NULL / an empty cell */
    char *id[NID];    /* "" for NULL / an empty cell */
    double perimeter; /* from SpatiaLite, for the grid bound */
    double grid;      /* ibmap: the grid the block was measured on, 0 if none */
} row;

typedef struct table {
    row *r;
    int n;
} table;

static void table_free(table *t)
{
    for (int i = 0; i < t->n; i++) {
        free(t->r[i].block_id);
        for (int k = 0; k < NID; k++) free(t->r[i].id[k]);
    }
    free(t->r);
    t->r = NULL;
    t->n = 0;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

/* ---------------------------------------------------------------------- */
/* Files and commands                                                     */
/* ---------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) return NULL;
    buf[len] = '\0';
    if (len_out) *len_out = len;
    return buf;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int have_ogr2ogr(void)
{
    return system("command -v ogr2ogr >/dev/null 2>&1") == 0;
}

/* Run a shell command, its output into `log`; on failure print the log's
** tail as TAP comments.  Returns the exit status (0 = success). */
static int run(const char *cmd, const char *log)
{
    char full[16384];
    snprintf(full, sizeof full, "( %s ) >'%s' 2>&1", cmd, log);
    int rc = system(full);
    if (rc != 0) {
        printf("# command failed (status %d): %s\n", rc, cmd);
        char *text = read_file(log, NULL);
        if (text) {
            size_t n = strlen(text);
            const char *p = n > 1500 ? text + n - 1500 : text;
            for (const char *line = p; *line;) {
                const char *end = strchr(line, '\n');
                int len = end ? (int)(end - line) : (int)strlen(line);
                printf("#   %.*s\n", len, line);
                line = end ? end + 1 : line + len;
            }
            free(text);
        }
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The SpatiaLite side                                                    */
/* ---------------------------------------------------------------------- */

static const char *scratch;
static char sample_dir[4096];
static const char *spatialite_how; /* how SpatiaLite was loaded */

#define OGR_COMMON \
    "-t_srs EPSG:4549 -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom -lco FID=fid"

/* The sample city (with `redline` instead of its red lines when given)
** into a new SpatiaLite database `db`.  0 on success. */
static int load_city(const char *db, const char *redline)
{
    static const char *const gpkg_layers[][2] = {
        {"parcels", "parcels"}, {"DLTB", "dltb"}, {"parks", "parks"},
        {"central", "central"}, {"transition", "transition"},
        {"basic_farmland", "basic_farmland"}};
    char cmd[8192], log[4200];
    snprintf(log, sizeof log, "%s/ogr2ogr.log", scratch);
    remove(db);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f SQLite -dsco SPATIALITE=YES '%s' '%s/blocks.shp' "
             "-nln blocks " OGR_COMMON " --config SHAPE_ENCODING CP936",
             db, sample_dir);
    if (run(cmd, log)) return -1;
    for (size_t i = 0; i < sizeof gpkg_layers / sizeof gpkg_layers[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "ogr2ogr -update '%s' '%s/city.gpkg' %s -nln %s " OGR_COMMON,
                 db, sample_dir, gpkg_layers[i][0], gpkg_layers[i][1]);
        if (run(cmd, log)) return -1;
    }
    char rl[4200];
    if (redline) snprintf(rl, sizeof rl, "%s", redline);
    else snprintf(rl, sizeof rl, "%s/redline.geojson", sample_dir);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -update '%s' '%s' -nln redline " OGR_COMMON, db, rl);
    if (run(cmd, log)) return -1;
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -update '%s' '%s/control_units.shp' -nln control_units "
             OGR_COMMON, db, sample_dir);
    if (run(cmd, log)) return -1;
    return 0;
}

/* Open db with SpatiaLite: mod_spatialite as an extension when it is
** installed (libsqlite3-mod-spatialite), else the libspatialite the test
** is linked with.  *cache is for spatialite_cleanup_ex (NULL if unused). */
static sqlite3 *open_spatialite(const char *path, void **cache)
{
    sqlite3 *db = NULL;
    *cache = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        printf("# cannot open %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    char *err = NULL;
    sqlite3_enable_load_extension(db, 1);
    if (sqlite3_load_extension(db, "mod_spatialite", NULL, &err) == SQLITE_OK) {
        spatialite_how = "mod_spatialite extension";
    } else {
        static int said;
        if (!said++)
            printf("# mod_spatialite not loadable (%s); using the linked "
                   "libspatialite\n", err ? err : "?");
        *cache = spatialite_alloc_connection();
        spatialite_init_ex(db, *cache, 0);
        spatialite_how = "linked libspatialite";
    }
    sqlite3_free(err);
    sqlite3_enable_load_extension(db, 0);
    return db;
}

/* Run scripts/sql/spatialite_metrics.sql on db and read block_metrics. */
static int spatialite_metrics(const char *path, table *out)
{
    char sql_path[4200];
    snprintf(sql_path, sizeof sql_path, "%s/scripts/sql/spatialite_metrics.sql",
             test_source_root());
    char *script = read_file(sql_path, NULL);
    if (!script) {
        printf("# cannot read %s\n", sql_path);
        return -1;
    }
    void *cache;
    sqlite3 *db = open_spatialite(path, &cache);
    if (!db) {
        free(script);
        return -1;
    }
    int rc = -1;
    char *err = NULL;
    sqlite3_stmt *st = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (sqlite3_exec(db, script, NULL, NULL, &err) != SQLITE_OK) {
        printf("# spatialite_metrics.sql: %s\n", err ? err : sqlite3_errmsg(db));
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# spatialite_metrics.sql ran in %.2f s (%s)\n",
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
           spatialite_how);
    char q[4096] = "SELECT m.block_id, ST_Perimeter(b.geom)";
    for (int k = 0; k < NNUM; k++)
        snprintf(q + strlen(q), sizeof q - strlen(q), ", m.%s", num_cols[k].name);
    for (int k = 0; k < NID; k++)
        snprintf(q + strlen(q), sizeof q - strlen(q), ", m.%s", id_cols[k]);
    snprintf(q + strlen(q), sizeof q - strlen(q),
             " FROM block_metrics m JOIN blocks b ON b.fid = m.ord ORDER BY m.ord");
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
        printf("# %s\n", sqlite3_errmsg(db));
        goto done;
    }
    int cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 256;
            row *r = realloc(out->r, (size_t)cap * sizeof *r);
            if (!r) abort();
            out->r = r;
        }
        row *r = &out->r[out->n++];
        r->block_id = xstrdup((const char *)sqlite3_column_text(st, 0));
        r->perimeter = sqlite3_column_type(st, 1) == SQLITE_NULL
                           ? NAN : sqlite3_column_double(st, 1);
        for (int k = 0; k < NNUM; k++)
            r->v[k] = sqlite3_column_type(st, 2 + k) == SQLITE_NULL
                          ? NAN : sqlite3_column_double(st, 2 + k);
        for (int k = 0; k < NID; k++)
            r->id[k] = xstrdup((const char *)sqlite3_column_text(st, 2 + NNUM + k));
    }
    rc = rc == SQLITE_DONE ? 0 : -1;
    if (rc) printf("# %s\n", sqlite3_errmsg(db));
done:
    sqlite3_free(err);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (cache) spatialite_cleanup_ex(cache);
    free(script);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The ibmap side: its CSV                                                */
/* ---------------------------------------------------------------------- */

/* Split RFC 4180 CSV text into records of fields (in place). */
typedef struct csv {
    char *text;
    char ***rec; /* rec[i][j] */
    int *nf;
    int n;
} csv;

static void csv_free(csv *c)
{
    for (int i = 0; i < c->n; i++) free(c->rec[i]);
    free(c->rec);
    free(c->nf);
    free(c->text);
    memset(c, 0, sizeof *c);
}

static int csv_parse(char *text, csv *c)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    char *p = text;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    int cap = 0;
    while (*p) {
        int fcap = 16, nf = 0;
        char **f = malloc((size_t)fcap * sizeof *f);
        if (!f) abort();
        for (;;) {
            char *w = p, *start = p;
            if (*p == '"') {
                p++;
                for (;;) {
                    if (*p == '\0') return -1;
                    if (*p == '"' && p[1] == '"') { *w++ = '"'; p += 2; continue; }
                    if (*p == '"') { p++; break; }
                    *w++ = *p++;
                }
            } else {
                while (*p && *p != ',' && *p != '\n' && *p != '\r') w++, p++;
            }
            char sep = *p;
            if (nf == fcap) {
                char **nfp = realloc(f, (size_t)(fcap *= 2) * sizeof *f);
                if (!nfp) abort();
                f = nfp;
            }
            f[nf++] = start;
            if (sep == ',') { *w = '\0'; p++; continue; }
            if (sep == '\r') p++;
            if (*p == '\n') p++;
            *w = '\0';
            break;
        }
        if (c->n == cap) {
            cap = cap ? 2 * cap : 256;
            char ***r = realloc(c->rec, (size_t)cap * sizeof *r);
            int *n = realloc(c->nf, (size_t)cap * sizeof *n);
            if (!r || !n) abort();
            c->rec = r;
            c->nf = n;
        }
        c->rec[c->n] = f;
        c->nf[c->n++] = nf;
    }
    return 0;
}

static int csv_col(const csv *c, const char *name)
{
    for (int j = 0; c->n > 0 && j < c->nf[0]; j++)
        if (strcmp(c->rec[0][j], name) == 0) return j;
    return -1;
}

/* Run `ibmap overlay` on the sample (extra options appended) and read the
** metrics CSV into out.  0 on success. */
static int ibmap_metrics(const char *tag, const char *extra, double grid,
                         table *out)
{
    int n_grid = 0;
    const char *exe = getenv("IBMAP_EXE");
    if (!exe || !*exe) {
        printf("# IBMAP_EXE is not set\n");
        return -1;
    }
    char csv_path[4200], log[4200], dq[4200], cmd[16384];
    snprintf(csv_path, sizeof csv_path, "%s/ibmap-%s.csv", scratch, tag);
    snprintf(log, sizeof log, "%s/ibmap-%s.log", scratch, tag);
    snprintf(dq, sizeof dq, "%s/ibmap-%s-dq.csv", scratch, tag);
    snprintf(cmd, sizeof cmd,
             "'%s' overlay '%s/project.yaml' %s --csv '%s' --log '%s'", exe,
             sample_dir, extra, csv_path, dq);
    if (run(cmd, log)) return -1;
    char *text = read_file(csv_path, NULL);
    if (!text) {
        printf("# no CSV at %s\n", csv_path);
        return -1;
    }
    csv c;
    if (csv_parse(text, &c) || c.n < 1) {
        printf("# %s: malformed CSV\n", csv_path);
        csv_free(&c);
        return -1;
    }
    int jid = csv_col(&c, "block_id"), jst = csv_col(&c, "metric_status");
    int jnum[NNUM], jtxt[NID];
    int missing = jid < 0 || jst < 0;
    for (int k = 0; k < NNUM; k++)
        if ((jnum[k] = csv_col(&c, num_cols[k].name)) < 0) {
            printf("# %s: no column %s\n", csv_path, num_cols[k].name);
            missing = 1;
        }
    for (int k = 0; k < NID; k++)
        if ((jtxt[k] = csv_col(&c, id_cols[k])) < 0) {
            printf("# %s: no column %s\n", csv_path, id_cols[k]);
            missing = 1;
        }
    if (missing) {
        csv_free(&c);
        return -1;
    }
    out->r = calloc((size_t)c.n, sizeof *out->r);
    if (!out->r) abort();
    for (int i = 1; i < c.n; i++) {
        if (c.nf[i] != c.nf[0]) {
            printf("# %s: record %d has %d fields, the header %d\n", csv_path,
                   i + 1, c.nf[i], c.nf[0]);
            csv_free(&c);
            return -1;
        }
        row *r = &out->r[out->n++];
        r->block_id = xstrdup(c.rec[i][jid]);
        r->perimeter = NAN;
        /* ok, no_geometry: exact; grid: the fixed grid; coarse_grid: up to
        ** 100 times coarser; failed: ... stays unmeasured (and mismatches) */
        const char *status = c.rec[i][jst];
        r->grid = strcmp(status, "grid") == 0          ? grid
                  : strcmp(status, "coarse_grid") == 0 ? 100 * grid
                                                       : 0;
        if (strncmp(status, "failed", 6) == 0)
            printf("# %s: block %s: %s\n", csv_path, r->block_id, status);
        n_grid += r->grid > 0;
        for (int k = 0; k < NNUM; k++) {
            const char *s = c.rec[i][jnum[k]];
            char *end;
            r->v[k] = *s ? strtod(s, &end) : NAN;
            if (*s && *end) {
                printf("# %s: %s of %s is not a number: %s\n", csv_path,
                       num_cols[k].name, r->block_id, s);
                csv_free(&c);
                return -1;
            }
        }
        for (int k = 0; k < NID; k++) r->id[k] = xstrdup(c.rec[i][jtxt[k]]);
    }
    csv_free(&c);
    if (n_grid) printf("# %s: %d blocks measured on a grid\n", tag, n_grid);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Comparing                                                              */
/* ---------------------------------------------------------------------- */

static double rel_diff(double a, double b)
{
    double m = fmax(fabs(a), fabs(b));
    return m > 0 ? fabs(a - b) / m : 0;
}

/* Compare ibmap's table with the SQL's.  On a block ibmap measured on a
** grid the overlap metrics are held to grid × perimeter instead of 1e-6
** relative.  The zone ids count only when check_ids.  Prints the largest
** relative difference per metric; returns the number of mismatches (the
** first few are printed). */
static int compare(const table *ib, const table *sql, int check_ids,
                   const char *what)
{
    int bad = 0;
    if (ib->n != sql->n) {
        printf("# %s: ibmap has %d blocks, SpatiaLite %d\n", what, ib->n, sql->n);
        return 1;
    }
    double worst[NNUM] = {0}, worst_abs[NNUM] = {0}, worst_bound[NNUM] = {0};
    int id_diff[NID] = {0};
    for (int i = 0; i < ib->n; i++) {
        const row *a = &ib->r[i], *b = &sql->r[i];
        if (strcmp(a->block_id, b->block_id) != 0) {
            if (bad++ < 10)
                printf("# %s: row %d is block %s in ibmap, %s in SpatiaLite\n",
                       what, i + 1, a->block_id, b->block_id);
            continue;
        }
        for (int k = 0; k < NNUM; k++) {
            double x = a->v[k], y = b->v[k];
            int ok;
            if (isnan(x) || isnan(y)) {
                ok = isnan(x) && isnan(y);
            } else {
                double d = fabs(x - y), r = rel_diff(x, y);
                if (r > worst[k]) worst[k] = r;
                if (d > worst_abs[k]) worst_abs[k] = d;
                switch (num_cols[k].kind) {
                case COUNT: ok = x == y; break;
                case TAX: ok = r <= 1e-9 || d <= 1e-9; break;
                case DIST: ok = d <= 1e-6; break;
                default:
                    if (a->grid > 0 && num_cols[k].overlay) {
                        double bound = a->grid * b->perimeter;
                        if (d / bound > worst_bound[k]) worst_bound[k] = d / bound;
                        ok = d <= bound;
                    } else {
                        ok = d <= 1e-3 || r <= 1e-6;
                    }
                }
            }
            if (!ok && bad++ < 10)
                printf("# %s: %s %s: ibmap %.17g, SpatiaLite %.17g\n", what,
                       a->block_id, num_cols[k].name, x, y);
        }
        for (int k = 0; k < NID; k++)
            if (strcmp(a->id[k], b->id[k]) != 0) {
                id_diff[k]++;
                if (check_ids && bad++ < 10)
                    printf("# %s: %s %s: ibmap \"%s\", SpatiaLite \"%s\"\n",
                           what, a->block_id, id_cols[k], a->id[k], b->id[k]);
            }
    }
    printf("# %s: largest differences, ibmap vs SpatiaLite, over %d blocks:\n",
           what, ib->n);
    for (int k = 0; k < NNUM; k++) {
        if (worst_bound[k] > 0)
            printf("#   %-20s rel %.3g  abs %.3g  (on grids: %.3g of the bound)\n",
                   num_cols[k].name, worst[k], worst_abs[k], worst_bound[k]);
        else
            printf("#   %-20s rel %.3g  abs %.3g\n", num_cols[k].name, worst[k],
                   worst_abs[k]);
    }
    for (int k = 0; k < NID; k++)
        printf("#   %-20s %d differ\n", id_cols[k], id_diff[k]);
    if (bad) printf("# %s: %d mismatches\n", what, bad);
    return bad;
}

/* ---------------------------------------------------------------------- */
/* Fixtures, made once                                                    */
/* ---------------------------------------------------------------------- */

static int setup_state; /* 0 not tried, 1 ready, -1 failed */
static table sql_sample, sql_dup;
static char dup_redline[4200];
static int n_parcels_in_layer, n_blocks_in_layer;

static int col_index(const char *name)
{
    for (int k = 0; k < NNUM; k++)
        if (strcmp(num_cols[k].name, name) == 0) return k;
    abort();
}

static int count_features(const char *db, const char *table_name)
{
    void *cache;
    sqlite3 *h = open_spatialite(db, &cache);
    if (!h) return -1;
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM %s", table_name);
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (cache) spatialite_cleanup_ex(cache);
    return n;
}

/* The two SpatiaLite oracles: the sample, and the sample with every red
** line doubled by a shifted copy.  1 ready, 0 skip (no ogr2ogr), -1 failed. */
static int setup(void)
{
    if (setup_state) return setup_state;
    setup_state = -1;
    if (!have_ogr2ogr()) return setup_state = 0;
    if (!(scratch = test_scratch_dir("test_overlay_sql"))) return -1;
    snprintf(sample_dir, sizeof sample_dir, "%s/layers/sample", test_source_root());
    char db[4200], project[4200];
    snprintf(project, sizeof project, "%s/project.yaml", sample_dir);
    if (!file_exists(project)) {
        printf("# no sample city at %s (scripts/make-sample makes it)\n", sample_dir);
        return -1;
    }
    char db2[4200], log[4200], cmd[16384];
    snprintf(db, sizeof db, "%s/sample.sqlite", scratch);
    snprintf(db2, sizeof db2, "%s/sample-dup.sqlite", scratch);
    snprintf(dup_redline, sizeof dup_redline, "%s/redline-dup.geojson", scratch);
    snprintf(log, sizeof log, "%s/ogr2ogr.log", scratch);
    if (load_city(db, NULL) || spatialite_metrics(db, &sql_sample)) return -1;
    n_parcels_in_layer = count_features(db, "parcels");
    n_blocks_in_layer = count_features(db, "blocks");
    /* Each red line, plus a copy shifted north-east and one shifted
    ** south-west.  ShiftCoords is SpatiaLite's, in GDAL's SQLite dialect;
    ** the shift is in degrees (the red lines are WGS84): about 145 m
    ** east-west and 111 m north-south. */
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f GeoJSON '%s' '%s/redline.geojson' -nln redline "
             "-dialect sqlite -sql \"SELECT HXBH, HXMC, geometry FROM redline "
             "UNION ALL SELECT HXBH || 'E', HXMC, "
             "ShiftCoords(geometry, 0.0015, 0.001) FROM redline "
             "UNION ALL SELECT HXBH || 'W', HXMC, "
             "ShiftCoords(geometry, -0.0015, -0.001) FROM redline\"",
             dup_redline, sample_dir);
    remove(dup_redline);
    if (run(cmd, log) || load_city(db2, dup_redline) ||
        spatialite_metrics(db2, &sql_dup))
        return -1;
    return setup_state = 1;
}

#define NEED_SETUP()                                                        \
    do {                                                                    \
        int s_ = setup();                                                   \
        if (s_ == 0)                                                        \
            SKIP("ogr2ogr not found (gdal-bin; scripts/setup installs it)"); \
        if (s_ < 0) TEST_FAILF("could not build the SpatiaLite oracle");     \
    } while (0)

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

/* The SQL oracle on its own, against what the sample is known to be: the
** control units tile the county and the DLTB pieces tile each block, so
** the per-type areas and the land use each add up to the block's area; a
** zone never covers more than the block; every parcel but the few laid
** outside the blocks is counted once. */
TEST(spatialite_oracle_is_consistent)
{
    NEED_SETUP();
    const table *t = &sql_sample;
    CHECK(n_blocks_in_layer > 0);
    CHECK_INT(t->n, n_blocks_in_layer);
    int a = col_index("area_m2"), lc = col_index("lu_covered_m2"),
        np = col_index("n_parcels"), tax = col_index("tax_sum"),
        pd = col_index("park_distance_m"), pk = col_index("parks_m2");
    static const char *const cu[] = {"cu_priority_m2", "cu_key_industry_m2",
                                     "cu_key_urban_m2", "cu_key_other_m2",
                                     "cu_general_m2"};
    double total_area = 0, total_tax = 0, zone_total[NNUM] = {0};
    int parcels = 0, in_parks = 0;
    for (int i = 0; i < t->n; i++) {
        const row *r = &t->r[i];
        double area = r->v[a];
        CHECK(area > 0);
        double cu_sum = 0;
        for (size_t k = 0; k < sizeof cu / sizeof cu[0]; k++)
            cu_sum += r->v[col_index(cu[k])];
        CHECK_REL(cu_sum, area, 1e-9);
        CHECK_REL(r->v[lc], area, 1e-9);
        for (int k = 0; k < NNUM; k++) {
            if (num_cols[k].kind != AREA || k == a) continue;
            CHECK(r->v[k] >= 0 && r->v[k] <= area * (1 + 1e-12));
            zone_total[k] += r->v[k];
        }
        /* inside a park exactly when at distance 0 */
        CHECK((r->v[pk] > 0) == (r->v[pd] == 0));
        in_parks += r->v[pk] > 0;
        parcels += (int)r->v[np];
        total_area += area;
        if (isfinite(r->v[tax])) total_tax += r->v[tax]; /* NULL: no tax known */
    }
    CHECK(n_parcels_in_layer > 0);
    CHECK(parcels <= n_parcels_in_layer);
    CHECK(parcels >= n_parcels_in_layer * 0.97);
    CHECK(in_parks > 0 && in_parks < t->n);
    printf("# SpatiaLite totals: %d blocks, %.3f ha, %d of %d parcels "
           "assigned, tax %.2f 万元, %d blocks in parks\n",
           t->n, total_area / 1e4, parcels, n_parcels_in_layer, total_tax,
           in_parks);
    for (int k = 0; k < NNUM; k++)
        if (num_cols[k].kind == AREA && k != a)
            printf("#   %-20s %14.3f m²\n", num_cols[k].name, zone_total[k]);
}

/* With overlapping red lines the SQL counts the overlap once: where
** several polygons hit a block the red-line area is less than the sum of
** their overlaps, and at least the original's; somewhere it grows. */
TEST(spatialite_oracle_counts_overlapping_zones_once)
{
    NEED_SETUP();
    CHECK_INT(sql_dup.n, sql_sample.n);
    int rl = col_index("redline_m2");
    int grown = 0;
    for (int i = 0; i < sql_dup.n; i++) {
        double before = sql_sample.r[i].v[rl], after = sql_dup.r[i].v[rl];
        CHECK(after >= before - 1e-6);
        CHECK(after <= sql_dup.r[i].v[col_index("area_m2")] * (1 + 1e-12));
        grown += after > before + 1;
    }
    CHECK(grown > 0);
    /* A block hit by an original and its copies: union < sum. */
    char db2[4200];
    snprintf(db2, sizeof db2, "%s/sample-dup.sqlite", scratch);
    void *cache;
    sqlite3 *h = open_spatialite(db2, &cache);
    CHECK(h != NULL);
    const char *q =
        "SELECT count(*) FROM ("
        " SELECT b.fid, sum(ST_Area(ST_Intersection(b.geom, r.geom))) AS s"
        " FROM blocks b JOIN redline r ON ST_Intersects(b.geom, r.geom)"
        " GROUP BY b.fid HAVING count(*) > 1) x"
        " JOIN block_metrics m ON m.ord = x.fid WHERE m.redline_m2 < x.s - 1";
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    else
        printf("# %s\n", sqlite3_errmsg(h));
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (cache) spatialite_cleanup_ex(cache);
    printf("# %d blocks meet overlapping red lines; red-line area grew in %d\n",
           n, grown);
    CHECK(n > 0);
}

/* ibmap as run by default (all cores) agrees with the SQL. */
TEST(ibmap_matches_spatialite)
{
    NEED_SETUP();
    table ib = {0};
    int rc = ibmap_metrics("default", "", 0.001, &ib);
    if (rc) {
        table_free(&ib);
        TEST_FAILF("ibmap overlay failed");
    }
    int bad = compare(&ib, &sql_sample, 1, "ibmap overlay");
    table_free(&ib);
    CHECK_INT(bad, 0);
}

/* The same on one thread (the blocks are then measured in order). */
TEST(ibmap_matches_spatialite_on_one_thread)
{
    NEED_SETUP();
    table ib = {0};
    int rc = ibmap_metrics("threads1", "--threads 1", 0.001, &ib);
    if (rc) {
        table_free(&ib);
        TEST_FAILF("ibmap overlay --threads 1 failed");
    }
    int bad = compare(&ib, &sql_sample, 1, "ibmap overlay --threads 1");
    table_free(&ib);
    CHECK_INT(bad, 0);
}

/* The overlay of the city with overlapping red lines, by ibmap, made once
** for the two tests below. */
static table ib_dup;
static int ib_dup_state;

static int ibmap_dup(void)
{
    if (!ib_dup_state) {
        char extra[4300];
        snprintf(extra, sizeof extra, "--redline '%s'", dup_redline);
        ib_dup_state = ibmap_metrics("redline-dup", extra, 0.001, &ib_dup) ? -1 : 1;
    }
    return ib_dup_state;
}

/* ibmap counts overlapping red lines once, as the SQL does. */
TEST(ibmap_counts_overlapping_zones_once)
{
    NEED_SETUP();
    if (ibmap_dup() < 0)
        TEST_FAILF("ibmap overlay --redline (overlapping copies) failed");
    CHECK_INT(compare(&ib_dup, &sql_dup, 0, "overlapping red lines"), 0);
}

/* Where a block lies wholly inside two red-line polygons (an original and
** its copy), their overlaps are equal and the id is the first polygon's,
** as documented ("ties: the lowest index"). */
TEST(ibmap_breaks_largest_overlap_ties_by_feature_order)
{
    NEED_SETUP();
    if (ibmap_dup() < 0)
        TEST_FAILF("ibmap overlay --redline (overlapping copies) failed");
    int rl = -1;
    for (int k = 0; k < NID; k++)
        if (strcmp(id_cols[k], "redline_id") == 0) rl = k;
    CHECK_INT(ib_dup.n, sql_dup.n);
    int bad = 0, hit = 0;
    for (int i = 0; i < ib_dup.n; i++) {
        const char *a = ib_dup.r[i].id[rl], *b = sql_dup.r[i].id[rl];
        hit += *b != '\0';
        if (strcmp(a, b) != 0 && bad++ < 10)
            printf("# %s redline_id: ibmap \"%s\", SpatiaLite \"%s\"\n",
                   ib_dup.r[i].block_id, a, b);
    }
    CHECK(hit > 0);
    CHECK_INT(bad, 0);
}

int main(void)
{
    RUN(spatialite_oracle_is_consistent);
    RUN(spatialite_oracle_counts_overlapping_zones_once);
    RUN(ibmap_matches_spatialite);
    RUN(ibmap_matches_spatialite_on_one_thread);
    RUN(ibmap_counts_overlapping_zones_once);
    RUN(ibmap_breaks_largest_overlap_ties_by_feature_order);
    table_free(&sql_sample);
    table_free(&sql_dup);
    table_free(&ib_dup);
    return test_finish();
}
