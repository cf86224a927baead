/*
** fields.c — which source field is each canonical field of the role (names,
** aliases, DBF-truncated names, the project's fields:), and reading a
** feature's value of one: numbers (also numbers typed as text, with the
** recognised no-values) and text (decoded; the 亩均 grade normalised).  A
** value that cannot be read is missing, never 0, and logged.  The field
** names also tell a web-map export (DataV, Amap), whose coordinates are
** GCJ-02: noted for the gates to warn about.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* Fields                                                                 */
/* ---------------------------------------------------------------------- */

/* Position of the first alias of fi equal to name (case-insensitive). */
static int alias_rank(const ibmap_field_info *fi, const char *name)
{
    for (int a = 0; fi->aliases && fi->aliases[a]; a++)
        if (strcasecmp(fi->aliases[a], name) == 0) return a;
    return 1 << 20;
}

ibmap_status ibmap_reader_map_fields(layer_reader *r)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    int nsrc = OGR_FD_GetFieldCount(defn);
    int nf = r->def->n_fields;
    r->src_index = malloc((size_t)nf * sizeof *r->src_index);
    r->src_type = malloc((size_t)nf * sizeof *r->src_type);
    char **names = calloc((size_t)(nsrc ? nsrc : 1), sizeof(char *));
    if (!r->src_index || !r->src_type || !names) {
        free(names);
        return ibmap_nomem(r->ctx);
    }
    ibmap_status st = IBMAP_OK;
    char found[2048] = "";
    for (int i = 0; i < nsrc; i++) {
        int bad, nomem;
        const char *raw = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        names[i] = ibmap_reader_decode_text(r, raw, &bad, &nomem);
        if (nomem) {
            st = ibmap_nomem(r->ctx);
            goto done;
        }
        size_t len = strlen(found);
        snprintf(found + len, sizeof found - len, "%s%s", i ? ", " : "",
                 names[i] ? names[i] : "");
    }
    r->id_field = -1;
    for (int f = 0; f < nf; f++) {
        const ibmap_field_info *fi = &r->def->fields[f];
        const char *wanted = r->rs->field_map ? r->rs->field_map[f] : NULL;
        /* The best source field: an exact name beats a DBF-truncated one,
        ** and between exact ones the alias listed first in layers/ wins
        ** (a layer with both QYMC and QLR: QYMC is the enterprise). */
        int best = -1, best_score = 0, best_rank = 0;
        for (int i = 0; i < nsrc; i++) {
            if (!names[i]) continue;
            int score;
            if (wanted)
                score = strcasecmp(names[i], wanted) == 0 ? 3 : 0;
            else
                score = ibmap_field_name_matches(fi, names[i]);
            int rank = score == 2 ? alias_rank(fi, names[i]) : 0;
            if (score > best_score || (score == best_score && score > 0 &&
                                       rank < best_rank)) {
                best = i;
                best_score = score;
                best_rank = rank;
            }
        }
        if (wanted && best < 0) {
            st = ibmap_fail(r->ctx, IBMAP_ERR_FIELD_MISSING,
                            "%s: field '%s' given for %s.%s is not in the "
                            "layer (fields found: %s)",
                            r->where, wanted, role_name(r->role), fi->name,
                            nsrc ? found : "none");
            goto done;
        }
        if (best < 0 && fi->required) {
            char accepted[1024] = "";
            for (int a = 0; fi->aliases && fi->aliases[a]; a++) {
                size_t len = strlen(accepted);
                snprintf(accepted + len, sizeof accepted - len, "%s%s",
                         a ? ", " : "", fi->aliases[a]);
            }
            st = ibmap_fail(r->ctx, IBMAP_ERR_FIELD_MISSING,
                            "%s: required field %s (%s) not found; accepted "
                            "names: %s; fields found: %s. Name the field "
                            "with --field %s.%s=NAME or fields: in the "
                            "project",
                            r->where, fi->name, fi->label_zh, accepted,
                            nsrc ? found : "none", role_name(r->role),
                            fi->name);
            goto done;
        }
        if (best_score == 1) {
            char detail[512];
            snprintf(detail, sizeof detail,
                     "source field '%s' read as %s (%s): taken for a name "
                     "cut to 10 bytes by the DBF format",
                     names[best], fi->name, fi->label_zh);
            st = dq(r, -1, "", fi->name, "field_name_truncated",
                    IBMAP_SEV_INFO, names[best], ACT_TRUNCATED_NAME, detail);
            if (st) goto done;
        }
        r->src_index[f] = best;
        r->src_type[f] =
            best >= 0 ? OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, best))
                      : OFTString;
        if (best >= 0) {
            r->L->columns[f].source_name = ibmap_strdup(names[best]);
            if (!r->L->columns[f].source_name) {
                st = ibmap_nomem(r->ctx);
                goto done;
            }
        }
        if (strcmp(fi->name, "id") == 0) r->id_field = f;
    }
done:
    for (int i = 0; i < nsrc; i++) free(names[i]);
    free(names);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

static int is_numeric_type(OGRFieldType t)
{
    return t == OFTInteger || t == OFTInteger64 || t == OFTReal;
}

/* The 亩均 grade as A, B, C or D: accepts full-width letters, lower case,
** and the usual suffixes (A类, A级, A档).  NULL if it is none of those. */
static const char *normalise_grade(const char *s)
{
    static const char *grades[] = {"A", "B", "C", "D"};
    int g = -1;
    const unsigned char *p = (const unsigned char *)s;
    if (*p >= 'a' && *p <= 'd') g = *p - 'a', p++;
    else if (*p >= 'A' && *p <= 'D') g = *p - 'A', p++;
    else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0xA1 && p[2] <= 0xA4)
        g = p[2] - 0xA1, p += 3; /* Ａ..Ｄ U+FF21..FF24 */
    if (g < 0) return NULL;
    if (*p == '\0' || strcmp((const char *)p, "类") == 0 ||
        strcmp((const char *)p, "级") == 0 || strcmp((const char *)p, "档") == 0)
        return grades[g];
    return NULL;
}

ibmap_status ibmap_reader_read_number(layer_reader *r, OGRFeatureH f, int field,
                                      int64_t i, const char *fid_text)
{
    const ibmap_field_info *fi = &r->def->fields[field];
    ibmap_column *c = &r->L->columns[field];
    int idx = r->src_index[field];
    c->num[i] = NAN;
    if (idx < 0) return IBMAP_OK;
    int64_t fid = r->L->fid[i];
    if (!OGR_F_IsFieldSetAndNotNull(f, idx)) {
        if (fi->type == IBMAP_FIELD_FLAG) return IBMAP_OK;
        return dq(r, fid, fid_text, fi->name, "number_missing",
                  IBMAP_SEV_WARNING, "", ACT_MISSING, "no value (NULL)");
    }
    if (is_numeric_type(r->src_type[field])) {
        double v = OGR_F_GetFieldAsDouble(f, idx);
        if (fi->type == IBMAP_FIELD_FLAG && v != 0 && v != 1) {
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", v);
            return dq(r, fid, fid_text, fi->name, "flag_invalid",
                      IBMAP_SEV_ERROR, buf, ACT_MISSING,
                      "a yes/no field holds a number other than 0 or 1");
        }
        if (!isfinite(v))
            return dq(r, fid, fid_text, fi->name, "number_invalid",
                      IBMAP_SEV_ERROR, "", ACT_MISSING, "not a finite number");
        c->num[i] = v;
        return IBMAP_OK;
    }
    int bad, nomem;
    char *text = ibmap_reader_decode_text(r, OGR_F_GetFieldAsString(f, idx), &bad, &nomem);
    if (nomem) return ibmap_nomem(r->ctx);
    double v;
    ibmap_numtext_result res = fi->type == IBMAP_FIELD_FLAG
                                   ? ibmap_flagtext_parse(text, &v)
                                   : ibmap_numtext_parse(text, &v);
    ibmap_status st = IBMAP_OK;
    const char *shown = text ? text : "";
    switch (res) {
    case IBMAP_NUMTEXT_OK:
        c->num[i] = v;
        break;
    case IBMAP_NUMTEXT_NORMALISED:
        c->num[i] = v;
        st = dq(r, fid, fid_text, fi->name, "number_normalised",
                IBMAP_SEV_INFO, shown, ACT_USED,
                "number written with separators, full-width digits or spaces");
        break;
    case IBMAP_NUMTEXT_MISSING:
        if (fi->type != IBMAP_FIELD_FLAG)
            st = dq(r, fid, fid_text, fi->name, "number_missing",
                    IBMAP_SEV_WARNING, shown, ACT_MISSING,
                    "a recognised no-value");
        break;
    case IBMAP_NUMTEXT_INVALID:
        st = dq(r, fid, fid_text, fi->name,
                fi->type == IBMAP_FIELD_FLAG ? "flag_invalid" : "number_invalid",
                IBMAP_SEV_ERROR, shown, ACT_MISSING,
                fi->type == IBMAP_FIELD_FLAG ? "not a yes/no value"
                                             : "not a number");
        break;
    }
    free(text);
    return st;
}

ibmap_status ibmap_reader_read_text(layer_reader *r, OGRFeatureH f, int field,
                                    int64_t i, const char *fid_text)
{
    const ibmap_field_info *fi = &r->def->fields[field];
    ibmap_column *c = &r->L->columns[field];
    int idx = r->src_index[field];
    c->text[i] = NULL;
    if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx)) return IBMAP_OK;
    int bad, nomem;
    const char *raw = OGR_F_GetFieldAsString(f, idx);
    char *text = ibmap_reader_decode_kept(r, raw, NULL, &bad, &nomem);
    if (nomem) return ibmap_nomem(r->ctx);
    ibmap_status st = IBMAP_OK;
    if (bad)
        st = dq(r, r->L->fid[i], fid_text, fi->name, "text_not_utf8",
                IBMAP_SEV_WARNING, text ? text : "", ACT_GB18030,
                "text was not valid in the layer's encoding");
    if (!st && text && r->role == IBMAP_ROLE_PARCELS &&
        strcmp(fi->name, "grade") == 0) {
        const char *g = normalise_grade(text);
        if (!g) {
            st = dq(r, r->L->fid[i], fid_text, fi->name, "grade_invalid",
                    IBMAP_SEV_ERROR, text, ACT_MISSING,
                    "the 亩均 grade is not A, B, C or D");
            text = NULL;
        } else if (strcmp(g, text) != 0) {
            text = ibmap_arena_strdup(&r->L->texts, g);
            if (!text) return ibmap_nomem(r->ctx);
        }
    }
    c->text[i] = text;
    return st;
}

/* ---------------------------------------------------------------------- */
/* The source fields as given                                             */
/* ---------------------------------------------------------------------- */

ibmap_status ibmap_reader_keep_source_fields(layer_reader *r)
{
    if (r->role != IBMAP_ROLE_BLOCKS && r->role != IBMAP_ROLE_PARCELS) return IBMAP_OK;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    int n = OGR_FD_GetFieldCount(defn);
    if (n == 0) return IBMAP_OK;
    ibmap_layer *L = r->L;
    L->source_fields = calloc((size_t)n, sizeof *L->source_fields);
    r->src_canonical = malloc((size_t)n * sizeof *r->src_canonical);
    if (!L->source_fields || !r->src_canonical) return ibmap_nomem(r->ctx);
    L->n_source_fields = n;
    for (int k = 0; k < n; k++) {
        r->src_canonical[k] = -1;
        for (int c = 0; c < L->n_columns && r->src_canonical[k] < 0; c++)
            if (r->src_index[c] == k && L->columns[c].type == IBMAP_FIELD_TEXT)
                r->src_canonical[k] = c;
    }
    for (int i = 0; i < n; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        ibmap_source_field *sf = &L->source_fields[i];
        OGRFieldType t = OGR_Fld_GetType(fd);
        sf->type = t == OFTInteger || t == OFTInteger64 ? IBMAP_SOURCE_INTEGER
                   : t == OFTReal                       ? IBMAP_SOURCE_REAL
                                                        : IBMAP_SOURCE_TEXT;
        int bad, nomem;
        sf->name = ibmap_reader_decode_text(r, OGR_Fld_GetNameRef(fd), &bad, &nomem);
        if (!sf->name && !nomem) sf->name = ibmap_sprintf("field_%d", i + 1);
        if (!sf->name) return ibmap_nomem(r->ctx);
    }
    return IBMAP_OK;
}

ibmap_status ibmap_reader_read_source_fields(layer_reader *r, OGRFeatureH f, int64_t i)
{
    ibmap_layer *L = r->L;
    for (int k = 0; k < L->n_source_fields; k++) {
        ibmap_source_field *sf = &L->source_fields[k];
        int set = OGR_F_IsFieldSetAndNotNull(f, k);
        if (sf->type == IBMAP_SOURCE_REAL) {
            sf->num[i] = set ? OGR_F_GetFieldAsDouble(f, k) : NAN;
            continue;
        }
        sf->text[i] = NULL;
        if (!set) continue;
        const char *raw = OGR_F_GetFieldAsString(f, k);
        int bad = 0, nomem = 0;
        /* Most of a parcel's text fields are canonical ones too (id,
        ** enterprise, credit code, industry): the same text is shared, not
        ** kept twice.  (A grade normalised from "a" to "A" is not the
        ** same, and keeps its own.) */
        int c = r->src_canonical[k];
        char *canonical = c >= 0 ? L->columns[c].text[i] : NULL;
        sf->text[i] = sf->type == IBMAP_SOURCE_INTEGER
                          ? ibmap_arena_strdup(&L->texts, raw)
                          : ibmap_reader_decode_kept(r, raw, canonical, &bad, &nomem);
        if (nomem || (raw && *raw && sf->type == IBMAP_SOURCE_INTEGER && !sf->text[i]))
            return ibmap_nomem(r->ctx);
    }
    return IBMAP_OK;
}

/* ---------------------------------------------------------------------- */
/* Web-map exports                                                        */
/* ---------------------------------------------------------------------- */

/* Boundaries downloaded from DataV.GeoAtlas or the Amap (高德) API carry
** these fields, and their coordinates are GCJ-02, offset from CGCS2000 by
** up to ~500 m: read as they are, blocks land in the wrong town.  Two of
** them are taken as the signature (one, e.g. "center", is too common). */
ibmap_status ibmap_reader_webmap_fields(layer_reader *r)
{
    static const char *const signature[] = {"adcode", "parent", "acroutes",
                                            "childrenNum", "center",
                                            "centroid", "subFeatureIndex",
                                            "citycode", NULL};
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
    int nsrc = OGR_FD_GetFieldCount(defn), found = 0;
    char names[256] = "";
    for (int k = 0; signature[k]; k++)
        for (int i = 0; i < nsrc; i++)
            if (strcasecmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)),
                           signature[k]) == 0) {
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s",
                         found++ ? ", " : "", signature[k]);
                break;
            }
    if (found < 2) return IBMAP_OK;
    r->L->webmap_fields = ibmap_strdup(names);
    return r->L->webmap_fields ? IBMAP_OK
                               : ibmap_nomem(r->ctx);
}
