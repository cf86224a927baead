/*
** workspace.c — the workspace: a SQLite file holding the metrics of every
** block with a fingerprint of what produced them, so that reclassification
** never redoes the overlay, and a rerun with unchanged inputs reads no
** input at all.
**
** The fingerprint is taken from the file system, not the data: for each
** role the project's settings for it, and for each file behind its source
** the path, size and modification time (for a shapefile, every sibling of
** the .shp).  That is what make and ccache's direct mode trust; it costs a
** stat per file where hashing would read gigabytes.  A source that is not
** a file (a PostgreSQL connection) cannot be fingerprinted this way, so a
** project with one is never current: its metrics are always recomputed.
**
** Tables (format 2):
**   ibmap_workspace(key, value)     format, ibmap version, fingerprint,
**                                    CRS, options
**   ibmap_inputs(role, source, layer, fingerprint, driver, encoding,
**                crs_used, n_features)
**   layer_ROLE(feature_index, fid, id, geom_state, <canonical fields>,
**              geom, <source fields>)   every role but landuse: the features as
**                            loaded, geometry as WKB in the working CRS,
**                            so that outputs are written from the
**                            workspace alone (output_model.c); the
**                            blocks' and parcels' source fields as given
**   layer_source_fields(role, position, source_name, column_name, type)
**                            which those are (src_NAME where the name is
**                            one of ours)
**   block_metrics(block_index, block_id, <one column per metric>)
**   landuse_by_block(block_index, block_id, code, area_m2, share)
**   parcel_block(parcel_index, block_index)
**   enterprise_parcels, enterprises   (format 3: store/enterprises.c)
**   data_quality(layer, fid, feature_id, field, problem, severity, value,
**                detail, action)
**   layer_verdicts(role, verdict, message, n_features, n_usable,
**                  n_without_geometry, n_repaired, area_m2, area_lost_m2,
**                  n_unknown_codes, unknown_code_area_m2)   (format 4)
**                            each layer's gates (load/gates.c), so that
**                            outputs written from the workspace alone say
**                            what the run went on with; the accepted
**                            defects are ibmap_workspace's accepted_defects
** The file is written under a temporary name and renamed when complete, so
** a reader never sees a half-written workspace.
*/
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define WORKSPACE_FORMAT "4"

/* ---------------------------------------------------------------------- */
/* Fingerprints                                                           */
/* ---------------------------------------------------------------------- */

typedef struct fnv {
    uint64_t h;
} fnv;

static void fnv_add(fnv *f, const char *s)
{
    f->h = ibmap_hash_field(f->h, s);
}

static int add_file(fnv *f, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    char line[64];
    snprintf(line, sizeof line, "%lld:%lld.%09ld", (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    fnv_add(f, path);
    fnv_add(f, line);
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file behind a source: the file itself, and for a shapefile its
** siblings (same name, any extension), in sorted order.  0 when the
** source is not a file on disk. */
static int add_source_files(fnv *f, const char *source)
{
    const char *path = source;
    if (strncmp(path, "/vsizip/", 8) == 0) path += 8;
    else if (strncmp(path, "/vsi", 4) == 0) return 0;
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (S_ISDIR(st.st_mode)) {
        /* A folder of shapefiles: every file in it. */
        DIR *d = opendir(path);
        if (!d) return 0;
        char **names = NULL;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            char **grown = realloc(names, (n + 1) * sizeof *names);
            if (!grown) break;
            names = grown;
            if ((names[n] = ibmap_sprintf("%s/%s", path, e->d_name)) != NULL) n++;
        }
        closedir(d);
        /* An empty directory has no names at all (qsort wants an array). */
        if (n) qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            add_file(f, names[i]);
            free(names[i]);
        }
        free(names);
        return 1;
    }
    add_file(f, path);
    size_t len = strlen(path);
    if (len > 4 && strcasecmp(path + len - 4, ".shp") == 0) {
        static const char *ext[] = {".shx", ".dbf", ".prj", ".cpg", ".SHX",
                                    ".DBF", ".PRJ", ".CPG"};
        char *sib = malloc(len + 1);
        if (!sib) return 0;
        memcpy(sib, path, len + 1);
        for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
            memcpy(sib + len - 4, ext[i], 5);
            add_file(f, sib);
        }
        free(sib);
    }
    return 1;
}

/* The fingerprint of one role: its settings and its files, as 16 hex
** digits; "" when the role cannot be fingerprinted (not a file). */
static void role_fingerprint(const ibmap_project *p, ibmap_role r, char out[17])
{
    const ibmap_role_source *rs = &p->roles[r];
    fnv f = {IBMAP_HASH_INIT};
    fnv_add(&f, ibmap_role_name(r));
    fnv_add(&f, rs->source);
    fnv_add(&f, rs->layer);
    fnv_add(&f, rs->where);
    fnv_add(&f, rs->encoding);
    fnv_add(&f, rs->crs);
    char num[32];
    snprintf(num, sizeof num, "%d/%d", (int)rs->coords, rs->codes);
    fnv_add(&f, num);
    for (int k = 0; k < ibmap_role_field_count(r); k++) fnv_add(&f, rs->field_map[k]);
    if (!add_source_files(&f, rs->source)) {
        out[0] = '\0';
        return;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)f.h);
}

/* The fingerprint of everything that decides the metrics: the inputs, the
** working CRS, the area mode and the overlay options (threads excepted:
** they do not change the result). */
static int project_fingerprint(const ibmap_project *p,
                               const ibmap_overlay_options *o, char out[17])
{
    fnv f = {IBMAP_HASH_INIT};
    fnv_add(&f, "ibmap workspace " WORKSPACE_FORMAT " " IBMAP_VERSION_STRING);
    fnv_add(&f, p->crs);
    char buf[128];
    snprintf(buf, sizeof buf, "area %d grid %.17g parcels %d pieces %d overlaps %d %.17g",
             (int)p->area, o->grid, (int)o->parcels, o->max_piece_vertices,
             (int)p->block_overlaps, p->block_overlap_min_m2);
    fnv_add(&f, buf);
    /* The gates' settings: metrics made with a defect accepted are not
    ** those of a run that does not accept it (that run must stop). */
    snprintf(buf, sizeof buf, "gates %u %.17g %.17g", p->accept_defects, p->defect_warn,
             p->unknown_codes_max);
    fnv_add(&f, buf);
    const ibmap_grade_options *g = &p->grades;
    snprintf(buf, sizeof buf, "grades %d %.17g %.17g %.17g %.17g", g->fallback,
             g->cuts[0], g->cuts[1], g->cuts[2], g->cuts[3]);
    fnv_add(&f, buf);
    for (int k = 0; k < IBMAP_GRADE_INDICATORS; k++) {
        snprintf(buf, sizeof buf, "%.17g %.17g", g->weights[k], g->benchmarks[k]);
        fnv_add(&f, buf);
    }
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        if (!p->roles[r].given) continue;
        char rf[17];
        role_fingerprint(p, (ibmap_role)r, rf);
        if (!rf[0]) return 0;
        fnv_add(&f, rf);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)f.h);
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

static ibmap_status sql_fail(ibmap_ctx *ctx, sqlite3 *db, const char *path,
                             const char *what)
{
    return ibmap_fail(ctx, IBMAP_ERR_READ, "%s: %s: %s", path, what,
                      db ? sqlite3_errmsg(db) : "cannot open");
}

static char *meta_value(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM ibmap_workspace WHERE key = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = ibmap_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

int ibmap_workspace_is_current(const char *path, const ibmap_project *p,
                               const ibmap_overlay_options *o)
{
    char want[17];
    if (!path || !p || !o || !project_fingerprint(p, o, want)) return 0;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return 0;
    }
    char *have = meta_value(db, "fingerprint");
    char *format = meta_value(db, "format");
    int current = have && format && strcmp(have, want) == 0 &&
                  strcmp(format, WORKSPACE_FORMAT) == 0;
    free(have);
    free(format);
    sqlite3_close(db);
    return current;
}

ibmap_status ibmap_workspace_read(ibmap_ctx *ctx, const char *path,
                                  ibmap_metrics **out)
{
    if (!path || !out) return ibmap_fail(ctx, IBMAP_ERR_ARG, "NULL argument");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ibmap_status st = sql_fail(ctx, db, path, "cannot open workspace");
        sqlite3_close(db);
        return st;
    }
    ibmap_status st = IBMAP_OK;
    ibmap_metrics *m = NULL;
    sqlite3_stmt *q = NULL;
    int64_t nb = 0, np = 0, nl = 0;
    if (sqlite3_prepare_v2(db,
            "SELECT (SELECT count(*) FROM block_metrics),"
            " (SELECT count(*) FROM parcel_block),"
            " (SELECT count(*) FROM landuse_by_block)", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        nb = sqlite3_column_int64(q, 0);
        np = sqlite3_column_int64(q, 1);
        nl = sqlite3_column_int64(q, 2);
    } else {
        st = sql_fail(ctx, db, path, "not an ibmap workspace");
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st) {
        m = ibmap_metrics_alloc(nb, np);
        if (m) m->lu = calloc((size_t)(nl ? nl : 1), sizeof *m->lu);
        if (!m || !m->lu) st = ibmap_nomem(ctx);
    }
    /* Columns are selected by name, so the order in the file is free. */
    char *sql = NULL;
    if (!st) {
        size_t cap = 64 + (size_t)M_COUNT * 40, len = 0;
        sql = malloc(cap);
        if (!sql) st = ibmap_nomem(ctx);
        else {
            len += (size_t)snprintf(sql + len, cap - len, "SELECT block_index, block_id");
            for (int k = 0; k < M_COUNT; k++)
                len += (size_t)snprintf(sql + len, cap - len, ", \"%s\"", ibmap_metric(k)->name);
            snprintf(sql + len, cap - len, " FROM block_metrics ORDER BY block_index");
        }
    }
    if (!st && sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        st = sql_fail(ctx, db, path, "block_metrics does not have every metric");
    free(sql);
    for (int64_t b = 0; !st && sqlite3_step(q) == SQLITE_ROW; b++) {
        if (b >= nb || sqlite3_column_int64(q, 0) != b) {
            st = ibmap_fail(ctx, IBMAP_ERR_READ, "%s: block_metrics rows are not 0..%lld",
                            path, (long long)nb - 1);
            break;
        }
        m->ids[b] = ibmap_strdup((const char *)sqlite3_column_text(q, 1));
        for (int k = 0; k < M_COUNT; k++) {
            int col = k + 2;
            if (sqlite3_column_type(q, col) == SQLITE_NULL) continue;
            if (ibmap_metric(k)->kind == IBMAP_METRIC_TEXT)
                m->text[METRIC_AT(b, k)] =
                    ibmap_strdup((const char *)sqlite3_column_text(q, col));
            else
                m->num[METRIC_AT(b, k)] = sqlite3_column_double(q, col);
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st && sqlite3_prepare_v2(db, "SELECT block_index FROM parcel_block "
                                      "ORDER BY parcel_index", -1, &q, NULL) == SQLITE_OK) {
        for (int64_t p = 0; p < np && sqlite3_step(q) == SQLITE_ROW; p++)
            m->parcel_block[p] = sqlite3_column_type(q, 0) == SQLITE_NULL
                                     ? -1 : sqlite3_column_int64(q, 0);
    } else if (!st) {
        st = sql_fail(ctx, db, path, "parcel_block");
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st && sqlite3_prepare_v2(db, "SELECT block_index, code, area_m2, share "
                                      "FROM landuse_by_block ORDER BY rowid", -1, &q,
                                  NULL) == SQLITE_OK) {
        while (m->n_lu < nl && sqlite3_step(q) == SQLITE_ROW) {
            ibmap_lu_row *r = &m->lu[m->n_lu++];
            r->block = sqlite3_column_int64(q, 0);
            r->code = ibmap_strdup((const char *)sqlite3_column_text(q, 1));
            r->area = sqlite3_column_double(q, 2);
            r->share = sqlite3_column_type(q, 3) == SQLITE_NULL
                           ? NAN : sqlite3_column_double(q, 3);
        }
    } else if (!st) {
        st = sql_fail(ctx, db, path, "landuse_by_block");
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (st) {
        ibmap_metrics_free(m);
        return st;
    }
    *out = m;
    return IBMAP_OK;
}

ibmap_status ibmap_workspace_layer_verdict(ibmap_ctx *ctx, const char *path, ibmap_role role,
                                           ibmap_layer_verdict *out, char **message)
{
    if (!path || !out || !message || (int)role < 0 || role >= IBMAP_ROLE_COUNT)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_workspace_layer_verdict: bad argument");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ibmap_status st = sql_fail(ctx, db, path, "cannot open workspace");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *q = NULL;
    ibmap_layer_verdict v;
    memset(&v, 0, sizeof v);
    char *msg = NULL;
    ibmap_status st = IBMAP_OK;
    if (sqlite3_prepare_v2(db, "SELECT verdict, message, n_features, n_usable,"
                               " n_without_geometry, n_repaired, area_m2, area_lost_m2,"
                               " n_unknown_codes, unknown_code_area_m2 FROM layer_verdicts"
                               " WHERE role = ?", -1, &q, NULL) != SQLITE_OK) {
        st = sql_fail(ctx, db, path, "no layer verdicts (made by an older ibmap: run the "
                                     "overlay again)");
    } else {
        sqlite3_bind_text(q, 1, ibmap_role_name(role), -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) {
            v.verdict = (ibmap_verdict)ibmap_verdict_from_name(
                (const char *)sqlite3_column_text(q, 0));
            msg = ibmap_strdup(sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1)
                                                         : "");
            v.n_features = sqlite3_column_int64(q, 2);
            v.n_usable = sqlite3_column_int64(q, 3);
            v.n_without_geometry = sqlite3_column_int64(q, 4);
            v.n_repaired = sqlite3_column_int64(q, 5);
            v.area_m2 = sqlite3_column_double(q, 6);
            v.area_lost_m2 = sqlite3_column_double(q, 7);
            v.n_unknown_codes = sqlite3_column_int64(q, 8);
            v.unknown_code_area_m2 = sqlite3_column_double(q, 9);
        } else {
            msg = ibmap_strdup("");
        }
        if (!msg) st = ibmap_nomem(ctx);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (st) return st;
    v.message = msg;
    *out = v;
    *message = msg;
    return IBMAP_OK;
}

ibmap_status ibmap_workspace_accepted_defects(ibmap_ctx *ctx, const char *path, char **text)
{
    if (!path || !text) return ibmap_fail(ctx, IBMAP_ERR_ARG, "NULL argument");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ibmap_status st = sql_fail(ctx, db, path, "cannot open workspace");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, 10000);
    char *v = meta_value(db, "accepted_defects");
    sqlite3_close(db);
    *text = v ? v : ibmap_strdup("");
    return *text ? IBMAP_OK : ibmap_nomem(ctx);
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                */
/* ---------------------------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static int put_meta(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO ibmap_workspace VALUES (?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

/* The names the workspace and the outputs use for columns of their own:
** a source field named like one of them is stored as src_NAME. */
static const char *const reserved_names[] = {
    "feature_index", "fid", "id", "geom_state", "grade_computed", "geom", "geometry",
    "ogc_fid", "source_fid", "block_id", "parcel_id", "class", "class_zh", "mode",
    "mode_zh", "rule_id", "reason", "matched", "stable", "flipped_by", NULL};

static int name_taken(const ibmap_layer *L, char *const *names, int n, const char *name)
{
    if (strncasecmp(name, "f_", 2) == 0) return 1; /* the canonical columns' prefix */
    for (int k = 0; reserved_names[k]; k++)
        if (strcasecmp(reserved_names[k], name) == 0) return 1;
    for (int k = 0; k < ibmap_role_field_count(L->role); k++)
        if (strcasecmp(ibmap_role_field(L->role, k)->name, name) == 0) return 1;
    for (int k = 0; k < ibmap_metric_count(); k++)
        if (strcasecmp(ibmap_metric(k)->name, name) == 0) return 1;
    for (int k = 0; k < n; k++)
        if (strcasecmp(names[k], name) == 0) return 1;
    return 0;
}

/* The column of each source field of L (layer_source_fields): its own
** name, or src_NAME where that is taken, without regard to case (SQLite
** and every output compare so), by a column of ours, a canonical field, a
** metric or an earlier source field; then src_NAME_2, _3, ….  NULL when
** out of memory; free each and the array. */
static char **source_column_names(const ibmap_layer *L)
{
    char **names = calloc((size_t)L->n_source_fields + 1, sizeof *names);
    for (int i = 0; names && i < L->n_source_fields; i++) {
        const char *own = L->source_fields[i].name;
        char *name = ibmap_strdup(own);
        for (int k = 1; name && name_taken(L, names, i, name); k++) {
            free(name);
            name = k == 1 ? ibmap_sprintf("src_%s", own) : ibmap_sprintf("src_%s_%d", own, k);
        }
        if (!name) {
            for (int k = 0; k < i; k++) free(names[k]);
            free(names);
            return NULL;
        }
        names[i] = name;
    }
    return names;
}

/* layer_source_fields: which columns of layer_ROLE are the source's own
** fields, under what name and of what type. */
static int write_source_fields(sqlite3 *db, const ibmap_layer *L, char *const *names)
{
    static const char *const types[] = {"text", "integer", "real"};
    sqlite3_stmt *st = NULL;
    int ok = exec(db, "CREATE TABLE IF NOT EXISTS layer_source_fields(role TEXT,"
                      " position INTEGER, source_name TEXT, column_name TEXT, type TEXT,"
                      " PRIMARY KEY (role, position))") &&
             sqlite3_prepare_v2(db, "INSERT INTO layer_source_fields VALUES (?,?,?,?,?)", -1,
                                &st, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < L->n_source_fields; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ibmap_role_name(L->role), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, i);
        sqlite3_bind_text(st, 3, L->source_fields[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, types[L->source_fields[i].type], -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok;
}

/* layer_ROLE: the features of one role as loaded, so that the outputs can
** be written from the workspace without reading the inputs again.  The
** land-use layer is left out: it is the largest by far and no output
** shows it (its figures are in landuse_by_block). */
static int write_layer(sqlite3 *db, GEOSContextHandle_t geos, const ibmap_layer *L)
{
    const ibmap_role_def *def = ibmap_role_def_get(L->role);
    char **src = source_column_names(L);
    if (!src) return 0;
    size_t cap = 256 + (size_t)def->n_fields * 80, len = 0;
    for (int i = 0; i < L->n_source_fields; i++) cap += 2 * strlen(src[i]) + 16;
    char *sql = malloc(cap);
    if (!sql) {
        for (int i = 0; i < L->n_source_fields; i++) free(src[i]);
        free(src);
        return 0;
    }
    const char *role = ibmap_role_name(L->role);
    len += (size_t)snprintf(sql + len, cap - len,
                            "CREATE TABLE layer_%s(feature_index INTEGER PRIMARY KEY,"
                            " fid INTEGER, id TEXT, geom_state INTEGER, grade_computed INTEGER",
                            role);
    for (int k = 0; k < def->n_fields; k++)
        len += (size_t)snprintf(sql + len, cap - len, ", \"f_%s\" %s", def->fields[k].name,
                                def->fields[k].type == IBMAP_FIELD_TEXT ? "TEXT" : "REAL");
    len += (size_t)snprintf(sql + len, cap - len, ", geom BLOB");
    /* the source's own fields, as given (column names quoted: "" doubled) */
    static const char *const decl[] = {"TEXT", "INTEGER", "REAL"};
    for (int i = 0; i < L->n_source_fields; i++) {
        len += (size_t)snprintf(sql + len, cap - len, ", \"");
        for (const char *c = src[i]; *c; c++)
            len += (size_t)snprintf(sql + len, cap - len, *c == '"' ? "\"\"" : "%c", *c);
        len += (size_t)snprintf(sql + len, cap - len, "\" %s", decl[L->source_fields[i].type]);
    }
    snprintf(sql + len, cap - len, ")");
    int ok = exec(db, sql) && write_source_fields(db, L, src);
    for (int i = 0; i < L->n_source_fields; i++) free(src[i]);
    free(src);
    len = (size_t)snprintf(sql, cap, "INSERT INTO layer_%s VALUES (?,?,?,?,?", role);
    for (int k = 0; k < def->n_fields + L->n_source_fields; k++)
        len += (size_t)snprintf(sql + len, cap - len, ",?");
    snprintf(sql + len, cap - len, ",?)");
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    free(sql);
    GEOSWKBWriter *w = ok ? GEOSWKBWriter_create_r(geos) : NULL;
    ok = ok && w;
    if (w) {
        GEOSWKBWriter_setByteOrder_r(geos, w, GEOS_WKB_NDR);
        GEOSWKBWriter_setFlavor_r(geos, w, GEOS_WKB_ISO);
    }
    for (int64_t i = 0; ok && !ibmap_interrupt_pending() && i < L->n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_int64(st, 2, L->fid[i]);
        sqlite3_bind_text(st, 3, L->id[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, L->geom_state[i]);
        sqlite3_bind_int(st, 5, L->grade_computed ? L->grade_computed[i] : 0);
        for (int k = 0; k < def->n_fields && k < L->n_columns; k++) {
            const ibmap_column *c = &L->columns[k];
            if (c->text && c->text[i]) sqlite3_bind_text(st, k + 6, c->text[i], -1, SQLITE_STATIC);
            else if (c->num && isfinite(c->num[i])) sqlite3_bind_double(st, k + 6, c->num[i]);
            else sqlite3_bind_null(st, k + 6);
        }
        unsigned char *g = NULL;
        size_t n = 0;
        if (L->shape[i] && !(g = ibmap_shape_wkb(geos, w, L->shape[i], &n))) ok = 0;
        if (g) sqlite3_bind_blob(st, def->n_fields + 6, g, (int)n, SQLITE_STATIC);
        else sqlite3_bind_null(st, def->n_fields + 6);
        for (int k = 0; k < L->n_source_fields; k++) {
            const ibmap_source_field *sf = &L->source_fields[k];
            int col = def->n_fields + 7 + k;
            if (sf->type == IBMAP_SOURCE_REAL && isfinite(sf->num[i]))
                sqlite3_bind_double(st, col, sf->num[i]);
            else if (sf->type != IBMAP_SOURCE_REAL && sf->text[i])
                sqlite3_bind_text(st, col, sf->text[i], -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, col);
        }
        ok = ok && sqlite3_step(st) == SQLITE_DONE;
        if (g) GEOSFree_r(geos, g);
    }
    if (w) GEOSWKBWriter_destroy_r(geos, w);
    sqlite3_finalize(st);
    return ok;
}

/* layer_verdicts: one row per loaded layer, its gates' verdict. */
static int write_verdicts(sqlite3 *db, const ibmap_data *data)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "INSERT INTO layer_verdicts VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL) == SQLITE_OK;
    for (int r = 0; ok && r < IBMAP_ROLE_COUNT; r++) {
        if (!data->layers[r]) continue;
        ibmap_layer_verdict v;
        ibmap_layer_get_verdict(data->layers[r], &v);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ibmap_role_name((ibmap_role)r), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ibmap_verdict_name(v.verdict), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, v.message, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, v.n_features);
        sqlite3_bind_int64(st, 5, v.n_usable);
        sqlite3_bind_int64(st, 6, v.n_without_geometry);
        sqlite3_bind_int64(st, 7, v.n_repaired);
        sqlite3_bind_double(st, 8, v.area_m2);
        sqlite3_bind_double(st, 9, v.area_lost_m2);
        sqlite3_bind_int64(st, 10, v.n_unknown_codes);
        sqlite3_bind_double(st, 11, v.unknown_code_area_m2);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok;
}

/* The date of the newest input file, "YYYY-MM-DD" (UTC): the date the
** outputs show as the data's.  "" when no input is a file. */
static void data_date(const ibmap_project *p, char out[16])
{
    time_t newest = 0;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        if (!p->roles[r].given || !p->roles[r].source) continue;
        const char *path = p->roles[r].source;
        if (strncmp(path, "/vsizip/", 8) == 0) path += 8;
        struct stat st;
        if (stat(path, &st) == 0 && st.st_mtime > newest) newest = st.st_mtime;
    }
    out[0] = 0;
    struct tm tm;
    if (newest && gmtime_r(&newest, &tm)) strftime(out, 16, "%Y-%m-%d", &tm);
}

static int write_tables(sqlite3 *db, GEOSContextHandle_t geos,
                        const ibmap_project *p, const ibmap_overlay_options *o,
                        const ibmap_data *data, const ibmap_metrics *m)
{
    char fp[17] = "", date[16];
    data_date(p, date);
    project_fingerprint(p, o, fp);
    char opts[240];
    snprintf(opts, sizeof opts, "grid=%.17g parcels=%s max_piece_vertices=%d "
             "block_overlaps=%s block_overlap_min_m2=%.17g",
             o->grid, o->parcels == IBMAP_PARCELS_APPORTION ? "apportion" : "majority",
             o->max_piece_vertices,
             p->block_overlaps == IBMAP_OVERLAPS_SPLIT ? "split" : "keep",
             p->block_overlap_min_m2);
    if (!exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=FULL; BEGIN;"
                  "CREATE TABLE ibmap_workspace(key TEXT PRIMARY KEY, value TEXT);"
                  "CREATE TABLE ibmap_inputs(role TEXT PRIMARY KEY, source TEXT,"
                  " layer TEXT, fingerprint TEXT, driver TEXT, encoding TEXT,"
                  " crs_used TEXT, n_features INTEGER);"
                  "CREATE TABLE landuse_by_block(block_index INTEGER, block_id TEXT,"
                  " code TEXT, area_m2 REAL, share REAL);"
                  "CREATE TABLE parcel_block(parcel_index INTEGER PRIMARY KEY,"
                  " parcel_id TEXT, block_index INTEGER);"
                  "CREATE TABLE data_quality(layer TEXT, fid INTEGER, feature_id TEXT,"
                  " field TEXT, problem TEXT, severity TEXT, value TEXT, detail TEXT,"
                  " action TEXT);"
                  "CREATE TABLE layer_verdicts(role TEXT PRIMARY KEY, verdict TEXT,"
                  " message TEXT, n_features INTEGER, n_usable INTEGER,"
                  " n_without_geometry INTEGER, n_repaired INTEGER, area_m2 REAL,"
                  " area_lost_m2 REAL, n_unknown_codes INTEGER,"
                  " unknown_code_area_m2 REAL);") ||
        !put_meta(db, "format", WORKSPACE_FORMAT) ||
        !put_meta(db, "ibmap_version", IBMAP_VERSION_STRING) ||
        !put_meta(db, "dependencies", ibmap_dependency_versions()) ||
        !put_meta(db, "fingerprint", fp) || !put_meta(db, "crs", data->crs) ||
        !put_meta(db, "area_mode", p->area == IBMAP_AREA_ELLIPSOIDAL ? "ellipsoidal" : "planar") ||
        !put_meta(db, "options", opts) || !put_meta(db, "data_date", date) ||
        !put_meta(db, "accepted_defects", ibmap_data_accepted_defects(data)) ||
        !write_verdicts(db, data))
        return 0;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++)
        if (r != IBMAP_ROLE_LANDUSE && data->layers[r] &&
            !write_layer(db, geos, data->layers[r]))
            return 0;
    /* block_metrics: one typed column per metric (schema.c) */
    char *ddl = ibmap_block_metrics_ddl();
    int ok = ddl && exec(db, ddl);
    free(ddl);
    size_t cap = 64 + (size_t)M_COUNT * 3, len = 0;
    char *sql = malloc(cap);
    if (!sql) return 0;
    len = (size_t)snprintf(sql, cap, "INSERT INTO block_metrics VALUES (?, ?");
    for (int k = 0; k < M_COUNT; k++) len += (size_t)snprintf(sql + len, cap - len, ", ?");
    snprintf(sql + len, cap - len, ")");
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    free(sql);
    for (int64_t b = 0; ok && !ibmap_interrupt_pending() && b < m->n_blocks; b++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, b);
        sqlite3_bind_text(st, 2, m->ids[b], -1, SQLITE_STATIC);
        for (int k = 0; k < M_COUNT; k++) {
            if (ibmap_metric(k)->kind == IBMAP_METRIC_TEXT) {
                const char *t = m->text[METRIC_AT(b, k)];
                if (t) sqlite3_bind_text(st, k + 3, t, -1, SQLITE_STATIC);
                else sqlite3_bind_null(st, k + 3);
            } else {
                double v = m->num[METRIC_AT(b, k)];
                if (isfinite(v)) sqlite3_bind_double(st, k + 3, v);
                else sqlite3_bind_null(st, k + 3);
            }
        }
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO landuse_by_block VALUES (?,?,?,?,?)",
                                  -1, &st, NULL) == SQLITE_OK;
    for (int64_t i = 0; ok && !ibmap_interrupt_pending() && i < m->n_lu; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, m->lu[i].block);
        sqlite3_bind_text(st, 2, m->ids[m->lu[i].block], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m->lu[i].code, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, m->lu[i].area);
        if (isfinite(m->lu[i].share)) sqlite3_bind_double(st, 5, m->lu[i].share);
        else sqlite3_bind_null(st, 5);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    const ibmap_layer *P = data->layers[IBMAP_ROLE_PARCELS];
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO parcel_block VALUES (?,?,?)", -1,
                                  &st, NULL) == SQLITE_OK;
    for (int64_t i = 0; ok && !ibmap_interrupt_pending() && i < m->n_parcels; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_text(st, 2, P && i < P->n ? P->id[i] : "", -1, SQLITE_STATIC);
        if (m->parcel_block[i] >= 0) sqlite3_bind_int64(st, 3, m->parcel_block[i]);
        else sqlite3_bind_null(st, 3);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO ibmap_inputs VALUES (?,?,?,?,?,?,?,?)", -1,
                                  &st, NULL) == SQLITE_OK;
    for (int r = 0; ok && r < IBMAP_ROLE_COUNT; r++) {
        if (!p->roles[r].given) continue;
        char rf[17];
        role_fingerprint(p, (ibmap_role)r, rf);
        const ibmap_layer *L = data->layers[r];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ibmap_role_name((ibmap_role)r), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->roles[r].source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, L ? L->layer_name : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, rf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, L ? L->driver : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, L ? L->encoding : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, L ? L->crs_used : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, L ? L->n : 0);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO data_quality VALUES (?,?,?,?,?,?,?,?,?)",
                                  -1, &st, NULL) == SQLITE_OK;
    for (int64_t i = 0; ok && i < data->dq.n; i++) {
        const ibmap_dq_entry *e = &data->dq.entries[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ibmap_role_name(e->role), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, e->fid);
        sqlite3_bind_text(st, 3, e->feature_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e->field, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e->problem, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, ibmap_severity_str(e->severity), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, e->value, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, e->detail, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, e->action, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    ok = ok && ibmap_workspace_write_enterprises(db, data, m);
    return ok && exec(db, "COMMIT");
}

ibmap_status ibmap_workspace_write(ibmap_ctx *ctx, const char *path,
                                   const ibmap_project *p,
                                   const ibmap_overlay_options *o,
                                   const ibmap_data *data,
                                   const ibmap_metrics *m)
{
    if (!path || !p || !o || !data || !m)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "ibmap_workspace_write: NULL argument");
    char *tmp = ibmap_sprintf("%s.tmp-%ld", path, (long)getpid());
    if (!tmp) return ibmap_nomem(ctx);
    unlink(tmp);
    sqlite3 *db = NULL;
    int ok = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             NULL) == SQLITE_OK &&
             write_tables(db, ctx->geos, p, o, data, m);
    char why[512];
    snprintf(why, sizeof why, "%s", db ? sqlite3_errmsg(db) : "cannot create");
    if (sqlite3_close(db) != SQLITE_OK) ok = 0;
    /* An interruption ends the loops early: what was written is partial. */
    if (ibmap_interrupt_pending()) ok = 0;
    if (ok && rename(tmp, path) != 0) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        ok = 0;
    }
    if (!ok) {
        unlink(tmp);
        free(tmp);
        if (ibmap_interrupt_pending()) return ibmap_fail_interrupted(ctx);
        return ibmap_fail(ctx, IBMAP_ERR_WRITE, "%s: cannot write workspace: %s", path, why);
    }
    free(tmp);
    return IBMAP_OK;
}
