/*
** gates.c — the verdict of each loaded layer: may the run go on with it?
**
** The loader keeps every feature and logs what is wrong with each one; a
** run then succeeds however much was lost, and a class decides whether a
** factory is supported, renovated or closed.  So once every layer is
** loaded and repaired, each one passes these gates (docs/data-quality.md):
**
**   - a layer of points or lines where polygons belong stops the load;
**   - a layer with no usable feature stops the load, naming the first
**     causes from the log;
**   - a hard constraint (redline, basic_farmland, control_units) that lost
**     any feature stops the load unless the project accepts it
**     (accept_defects: / --accept-defects ROLE): a missing red-line polygon
**     turns a protected block into one that may be consolidated;
**   - any other layer that lost more than defect_warn_percent (1 %) of its
**     features or of its area warns;
**   - a land-use layer where more than unknown_codes_max_percent (50 %) of
**     the features have unknown codes stops the load, naming the codes seen
**     most often and the code systems tried;
**   - a layer whose fields are a DataV/Amap export's warns that its
**     coordinates are likely GCJ-02 (coords: gcj02);
**   - a layer that lies far from the blocks (farther than the blocks'
**     extent is long, at least 10 km) was read in a wrong CRS (a .prj of
**     another zone): it stops the load unless accepted, naming the file
**     and both extents; when the parcels and the land use both lie far
**     from the blocks, the blocks are the layer named.
** Every stop is collected first, so one message names every layer at fault.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/load.h"

/* A growing text (the verdict of a layer, the stops of the load). */
typedef struct text {
    char *s;
    size_t n, cap;
    int nomem;
} text;

static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *piece = NULL;
    if (vasprintf(&piece, fmt, ap) < 0) piece = NULL;
    va_end(ap);
    size_t k = piece ? strlen(piece) : 0;
    if (!piece || t->n + k + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (t->n + k + 1 > cap) cap *= 2;
        char *s = piece ? realloc(t->s, cap) : NULL;
        if (!s) {
            t->nomem = 1;
            free(piece);
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    memcpy(t->s + t->n, piece, k + 1);
    t->n += k;
    free(piece);
}

static int is_hard_constraint(ibmap_role r)
{
    return r == IBMAP_ROLE_REDLINE || r == IBMAP_ROLE_BASIC_FARMLAND ||
           r == IBMAP_ROLE_CONTROL_UNITS;
}

static int is_point_or_line(const char *type)
{
    if (!type || strstr(type, "Polygon") || strstr(type, "Surface")) return 0;
    return strstr(type, "Point") || strstr(type, "Line") || strstr(type, "Curve");
}

/* "; first causes: FID 3 bad_coordinates (…), …" from the log: the first
** three geometry entries of the layer with distinct problems. */
static void first_causes(text *t, const ibmap_data *data, ibmap_role role)
{
    const char *seen[3];
    int k = 0;
    for (int64_t i = 0; i < data->dq.n && k < 3; i++) {
        const ibmap_dq_entry *e = &data->dq.entries[i];
        if (e->role != role || e->fid < 0 || strcmp(e->field, "geometry") != 0 ||
            e->severity == IBMAP_SEV_INFO)
            continue;
        int dup = 0;
        for (int j = 0; j < k; j++) dup |= strcmp(seen[j], e->problem) == 0;
        if (dup) continue;
        seen[k] = e->problem;
        add(t, "%s FID %lld %s (%s)", k ? "," : "; first causes:",
            (long long)e->fid, e->problem, e->detail);
        k++;
    }
}

/* Land-use codes: count the unknown ones by code, most frequent first. */
typedef struct code_count {
    const char *code;
    int64_t n;
} code_count;

static int by_count(const void *a, const void *b)
{
    const code_count *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->code, y->code);
}

static int by_code(const void *a, const void *b)
{
    return strcmp(((const code_count *)a)->code, ((const code_count *)b)->code);
}

/* The unknown codes of the landuse layer L, most frequent first, in *out
** (malloc'd; *n_out entries).  Returns 0 when out of memory. */
static int unknown_codes(const ibmap_layer *L, code_count **out, int64_t *n_out)
{
    char *const *codes = ibmap_layer_text_column(L, "code");
    code_count *c = malloc((size_t)(L->n > 0 ? L->n : 1) * sizeof *c);
    if (!c) return 0;
    int64_t n = 0;
    for (int64_t i = 0; i < L->n; i++)
        if (L->lu_group[i] == IBMAP_LU_UNKNOWN) {
            c[n].code = codes && codes[i] ? codes[i] : "(none)";
            c[n++].n = 1;
        }
    if (n > 1) qsort(c, (size_t)n, sizeof *c, by_code);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (m > 0 && strcmp(c[m - 1].code, c[i].code) == 0)
            c[m - 1].n++;
        else
            c[m++] = c[i];
    }
    if (m > 1) qsort(c, (size_t)m, sizeof *c, by_count);
    *out = c;
    *n_out = m;
    return 1;
}

/* The landuse gate: more than p->unknown_codes_max of the features with
** unknown codes stops the load (1), else 0.  *v gets the counts. */
static int landuse_gate(text *stop, text *msg, const ibmap_layer *L,
                        const ibmap_project *p, ibmap_layer_verdict *v)
{
    code_count *c = NULL;
    int64_t m = 0;
    if (!unknown_codes(L, &c, &m)) {
        stop->nomem = 1;
        return 1;
    }
    for (int64_t i = 0; i < L->n; i++)
        if (L->lu_group[i] == IBMAP_LU_UNKNOWN) {
            v->n_unknown_codes++;
            v->unknown_code_area_m2 += L->area[i];
        }
    int sys = p->roles[IBMAP_ROLE_LANDUSE].codes >= 0
                  ? p->roles[IBMAP_ROLE_LANDUSE].codes
                  : IBMAP_CODES_SANDIAO;
    int stops = L->n > 0 && (double)v->n_unknown_codes > p->unknown_codes_max * (double)L->n;
    if (v->n_unknown_codes > 0) {
        text *t = stops ? stop : msg;
        double share_area = v->area_m2 > 0 ? 100 * v->unknown_code_area_m2 / v->area_m2 : 0;
        add(t, "%s%lld of %lld features (%.1f %%; %.1f %% of the area) have "
               "land-use codes unknown to %s%s; codes seen most often:",
            t->n ? " " : "", (long long)v->n_unknown_codes, (long long)L->n,
            100.0 * (double)v->n_unknown_codes / (double)L->n, share_area,
            ibmap_code_system_name((ibmap_code_system)sys),
            p->roles[IBMAP_ROLE_LANDUSE].codes >= 0 ? " (the declared system)"
                                                    : " (the default system)");
        for (int64_t i = 0; i < m && i < 5; i++)
            add(t, "%s '%s' ×%lld", i ? "," : "", c[i].code, (long long)c[i].n);
        if (stops) {
            /* would another system know them? */
            add(t, "; code systems tried: %s (none known)",
                ibmap_code_system_name((ibmap_code_system)sys));
            for (int s = 0; s < IBMAP_CODES_COUNT; s++) {
                if (s == sys) continue;
                int64_t known = 0;
                for (int64_t i = 0; i < m; i++) {
                    ibmap_lu_group g;
                    const char *official;
                    int other;
                    ibmap_code_check r = ibmap_landuse_classify(
                        (ibmap_code_system)s, c[i].code, NULL, &g, &official, &other);
                    if (r == IBMAP_CODE_OK || r == IBMAP_CODE_NAME_VARIANT) known += c[i].n;
                }
                add(t, ", %s (%lld known)", ibmap_code_system_name((ibmap_code_system)s),
                    (long long)known);
            }
            add(t, ". Give the land-use survey (三调 DLTB) with its DLBM codes, "
                   "or set codes: (sandiao, ydyh, gb50137) for this layer; the "
                   "limit is unknown_codes_max_percent (%g %%)",
                100 * p->unknown_codes_max);
        } else {
            add(t, ".");
        }
    }
    free(c);
    return stops;
}

/* ---------------------------------------------------------------------- */
/* Layers that lie far from the blocks: a CRS declared wrong              */
/* ---------------------------------------------------------------------- */

/* A .prj of another Gauss-Krüger zone (EPSG:4548 for a CM 120E layer)
** moves a layer some 300 km, and its coordinates still lie in the
** declared CRS's area of use, so nothing in the file contradicts it:
** every block would then measure 0 of it, silently.  Layers of one county
** lie together, so a layer whose extent is farther from the blocks' than
** the blocks' own size (and at least FAR_MIN_M) was read in a wrong CRS. */
#define FAR_MIN_M 10000.0

typedef struct extent {
    double e[4];   /* minx, miny, maxx, maxy (working CRS) */
    int set;       /* the layer has a usable geometry */
} extent;

static extent layer_extent(GEOSContextHandle_t h, const ibmap_layer *L)
{
    extent x = {{INFINITY, INFINITY, -INFINITY, -INFINITY}, 0};
    for (int64_t i = 0; L && i < L->n; i++) {
        double x0, y0, x1, y1;
        if (!ibmap_shape_extent(h, L->shape[i], &x0, &y0, &x1, &y1)) continue;
        x.e[0] = fmin(x.e[0], x0);
        x.e[1] = fmin(x.e[1], y0);
        x.e[2] = fmax(x.e[2], x1);
        x.e[3] = fmax(x.e[3], y1);
        x.set = 1;
    }
    return x;
}

/* The distance between two extents (0 when they meet). */
static double extent_gap(const extent *a, const extent *b)
{
    double gx = fmax(0, fmax(a->e[0] - b->e[2], b->e[0] - a->e[2]));
    double gy = fmax(0, fmax(a->e[1] - b->e[3], b->e[1] - a->e[3]));
    return hypot(gx, gy);
}

/* 1 when `a` lies farther from the reference extent `ref` than ref's
** longer side (at least FAR_MIN_M). */
static int extent_far(const extent *a, const extent *ref)
{
    if (!a->set || !ref->set) return 0;
    double size = fmax(ref->e[2] - ref->e[0], ref->e[3] - ref->e[1]);
    return extent_gap(a, ref) > fmax(FAR_MIN_M, size);
}

/* Which layers lie far from the rest: far[r] set, and ref[r] the role it
** was measured against.  Normally every layer is measured against the
** blocks; when the parcels and the land use both lie far from the blocks
** but near each other, the blocks are the layer out of place, and the
** others are measured against the parcels instead. */
static void far_layers(const ibmap_data *data, extent ext[IBMAP_ROLE_COUNT],
                       int far[IBMAP_ROLE_COUNT], int ref[IBMAP_ROLE_COUNT])
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        ext[r] = layer_extent(data->geos, data->layers[r]);
        far[r] = 0;
        ref[r] = IBMAP_ROLE_BLOCKS;
    }
    int reference = IBMAP_ROLE_BLOCKS;
    const extent *P = &ext[IBMAP_ROLE_PARCELS], *U = &ext[IBMAP_ROLE_LANDUSE];
    if (extent_far(P, &ext[IBMAP_ROLE_BLOCKS]) && extent_far(U, &ext[IBMAP_ROLE_BLOCKS]) &&
        !extent_far(U, P))
        reference = IBMAP_ROLE_PARCELS;
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        if (r == reference) continue;
        ref[r] = reference;
        far[r] = extent_far(&ext[r], &ext[reference]);
    }
}

/* "it lies 287 km from the blocks …" into t. */
static void far_message(text *t, const ibmap_layer *L, const extent *a, ibmap_role ref_role,
                        const extent *ref)
{
    add(t, "%sit lies %.0f km from the %s (its extent x %.0f–%.0f, y %.0f–%.0f; the "
           "%s' x %.0f–%.0f, y %.0f–%.0f, in the working CRS): the CRS it was read in "
           "(%s) is likely wrong (another Gauss-Krüger zone, or a zone prefix?). Give the "
           "right one (crs: EPSG:… for %s in the project, or --set %s.crs=EPSG:…)",
        t->n ? " " : "", extent_gap(a, ref) / 1000, ibmap_role_name(ref_role), a->e[0],
        a->e[2], a->e[1], a->e[3], ibmap_role_name(ref_role), ref->e[0], ref->e[2],
        ref->e[1], ref->e[3], L->crs_note ? L->crs_note : "?",
        ibmap_role_name(L->role), ibmap_role_name(L->role));
}

static ibmap_status gate_layer(ibmap_ctx *ctx, ibmap_data *data,
                               const ibmap_project *p, ibmap_layer *L,
                               text *stops, text *accepted, const extent *ext,
                               int far, ibmap_role ref_role, const extent *ref)
{
    ibmap_role role = L->role;
    const char *rn = ibmap_role_name(role);
    ibmap_layer_verdict v;
    memset(&v, 0, sizeof v);
    v.n_features = L->n;
    for (int64_t i = 0; i < L->n; i++) {
        if (L->shape[i]) {
            v.n_usable++;
            v.area_m2 += L->area[i];
        }
        if (L->geom_state[i] & IBMAP_GEOM_REPAIRED) v.n_repaired++;
    }
    v.n_without_geometry = v.n_features - v.n_usable;
    v.area_lost_m2 = L->area_lost;
    text msg = {0};
    text stop = {0};
    int64_t n_not_areal = 0, n_with_source_geom = 0;
    for (int64_t i = 0; i < L->n; i++) {
        n_not_areal += (L->geom_state[i] & IBMAP_GEOM_NOT_AREAL) != 0;
        n_with_source_geom += !(L->geom_state[i] & (IBMAP_GEOM_NULL | IBMAP_GEOM_EMPTY));
    }
    int accept = (p->accept_defects >> role) & 1;
    ibmap_verdict verdict = IBMAP_VERDICT_OK;

    if (is_point_or_line(L->geom_type) ||
        (n_not_areal > 0 && n_not_areal == n_with_source_geom)) {
        const char *type = L->not_areal_type ? L->not_areal_type : L->geom_type;
        add(&stop, "it is a layer of %s geometries (%lld of %lld features), "
                   "but %s needs polygons (areas): is it the right file?",
            type, (long long)(n_not_areal ? n_not_areal : L->n), (long long)L->n, rn);
    } else if (v.n_usable == 0) {
        if (L->n == 0)
            add(&stop, "it has no features%s", p->roles[role].where ? " (after its where: filter)" : "");
        else
            add(&stop, "none of its %lld features has a usable geometry", (long long)L->n);
        first_causes(&stop, data, role);
    } else if (is_hard_constraint(role) && v.n_without_geometry > 0) {
        text *t = accept ? &msg : &stop;
        add(t, "%lld of its %lld features %s no usable geometry",
            (long long)v.n_without_geometry, (long long)L->n,
            v.n_without_geometry > 1 ? "have" : "has");
        first_causes(t, data, role);
        if (accept) {
            add(t, "; accepted (accept_defects: %s): the run treats the "
                   "lost features' area as outside the %s",
                rn, rn);
            verdict = IBMAP_VERDICT_ACCEPTED;
        } else {
            add(t, ". %s is a hard constraint: a lost feature turns protected "
                   "land into land without the constraint. Repair the "
                   "features (the data-quality log lists them), or accept "
                   "the loss with --accept-defects %s",
                rn, rn);
        }
    } else {
        double feat_share = L->n ? (double)v.n_without_geometry / (double)L->n : 0;
        double area_share = v.area_m2 + v.area_lost_m2 > 0
                                ? v.area_lost_m2 / (v.area_m2 + v.area_lost_m2)
                                : 0;
        if (feat_share > p->defect_warn || area_share > p->defect_warn) {
            add(&msg, "%lld of %lld features without usable geometry (%.1f %%), "
                      "%.0f m² lost to repair (%.1f %% of the area): over the "
                      "%g %% of defect_warn_percent",
                (long long)v.n_without_geometry, (long long)L->n,
                100 * feat_share, v.area_lost_m2, 100 * area_share,
                100 * p->defect_warn);
            first_causes(&msg, data, role);
            add(&msg, ".");
            verdict = IBMAP_VERDICT_WARNING;
        }
    }
    if (far && stop.n == 0) {
        text *t = accept ? &msg : &stop;
        far_message(t, L, ext, ref_role, ref);
        if (accept) {
            add(t, "; accepted (accept_defects: %s): every block measures it as it lies.", rn);
            verdict = IBMAP_VERDICT_ACCEPTED;
        } else {
            add(t, "; or accept it with --accept-defects %s", rn);
        }
    }
    if (role == IBMAP_ROLE_LANDUSE && stop.n == 0) {
        size_t before = msg.n;
        landuse_gate(&stop, &msg, L, p, &v);
        if (msg.n > before && verdict == IBMAP_VERDICT_OK &&
            (double)v.n_unknown_codes > p->defect_warn * (double)L->n) {
            verdict = IBMAP_VERDICT_WARNING;
        }
    }
    if (stop.n == 0 && L->crs_found && *L->crs_found && L->crs_note &&
        strstr(L->crs_note, "outside that CRS's area of use")) {
        add(&msg, "%sthe CRS it declares (%s) contradicts its coordinates: "
                  "read in %s instead, as they say (crs_contradiction in the "
                  "log).",
            msg.n ? " " : "", L->crs_found, L->crs_used ? L->crs_used : "?");
        if (verdict == IBMAP_VERDICT_OK) verdict = IBMAP_VERDICT_WARNING;
    }
    if (L->webmap_fields && stop.n == 0 && L->coords != IBMAP_COORDS_GCJ02 &&
        L->coords != IBMAP_COORDS_BD09) {
        add(&msg, "%sits fields (%s) are those of a DataV/Amap web-map "
                  "export, whose coordinates are GCJ-02 (offset from CGCS2000 "
                  "by up to ~500 m); if it is one, set coords: gcj02 for %s in "
                  "the project file.",
            msg.n ? " " : "", L->webmap_fields, rn);
        if (verdict == IBMAP_VERDICT_OK) verdict = IBMAP_VERDICT_WARNING;
        if (ibmap_dq_add(&data->dq, role, -1, "", "geometry", "web_map_export",
                         IBMAP_SEV_WARNING, L->webmap_fields,
                         "read as declared; set coords: gcj02 if it is GCJ-02",
                         "fields of a DataV/Amap export: coordinates likely GCJ-02"))
            msg.nomem = 1;
    }
    if (stop.nomem || msg.nomem) {
        free(stop.s);
        free(msg.s);
        return ibmap_nomem(ctx);
    }
    if (stop.n) {
        add(stops, "%s%s: %s, layer %s: %s", stops->n ? "\n  " : "", rn, L->source,
            L->layer_name, stop.s);
        verdict = IBMAP_VERDICT_WARNING; /* not seen: the load fails */
    }
    if (verdict == IBMAP_VERDICT_ACCEPTED)
        add(accepted, "%s%s: %s", accepted->n ? "\n" : "", rn, msg.s);
    v.verdict = verdict;
    L->verdict = v;
    L->verdict_msg = msg.s;
    free(stop.s);
    return stops->nomem || accepted->nomem
               ? ibmap_nomem(ctx)
               : IBMAP_OK;
}

ibmap_status ibmap_gates_run(ibmap_ctx *ctx, ibmap_data *data,
                             const ibmap_project *p)
{
    text stops = {0}, accepted = {0};
    ibmap_status st = IBMAP_OK;
    int n_stops = 0;
    extent ext[IBMAP_ROLE_COUNT];
    int far[IBMAP_ROLE_COUNT], ref[IBMAP_ROLE_COUNT];
    far_layers(data, ext, far, ref);
    for (int r = 0; r < IBMAP_ROLE_COUNT && !st; r++) {
        if (!data->layers[r]) continue;
        size_t before = stops.n;
        st = gate_layer(ctx, data, p, data->layers[r], &stops, &accepted, &ext[r], far[r],
                        (ibmap_role)ref[r], &ext[ref[r]]);
        n_stops += stops.n > before;
    }
    if (!st && n_stops)
        st = ibmap_fail(ctx, IBMAP_ERR_LAYER_REJECTED, "%s%s",
                        n_stops > 1 ? "layers refused:\n  " : "", stops.s);
    free(stops.s);
    data->accepted = accepted.s;
    return st;
}
