/*
** text_decode.c — the text of a layer in UTF-8: which encoding the layer's
** text is in (the project's override, the .cpg, the DBF language driver,
** or a look at the bytes), and decoding each value with it.  The encoding
** utilities it relies on (names, .cpg and LDID, iconv) are in encoding.c,
** which knows nothing of GDAL layers.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* Encoding                                                               */
/* ---------------------------------------------------------------------- */

/* Decide the encoding of the layer's text.  For shapefiles: the project's
** override, else the .cpg, else the DBF's LDID, else a look at the bytes:
** all valid UTF-8 means UTF-8 (a real county file in ../shared is such a
** case), otherwise GB18030, the superset of GBK and GB2312 that Chinese
** desktop GIS writes, recorded as a guess.  Other drivers hand us UTF-8
** (GeoPackage, GeoJSON and PostgreSQL define it), unless overridden. */
/* The .dbf of the layer being read: the source may be a .shp, a folder of
** shapefiles or a .zip, so ask GDAL for the files behind the dataset. */
static int shapefile_declared_encoding(layer_reader *r, const char **from)
{
    char **files = GDALGetFileList(r->ds);
    const char *layer = OGR_L_GetName(r->lyr);
    int found = 0;
    for (int i = 0; files && files[i] && !found; i++) {
        const char *base = CPLGetBasename(files[i]);
        if (strcasecmp(CPLGetExtension(files[i]), "dbf") == 0 &&
            strcmp(base, layer) == 0)
            found = ibmap_shapefile_declared_encoding(
                files[i], r->encoding, sizeof r->encoding, from);
    }
    CSLDestroy(files);
    return found;
}

ibmap_status ibmap_reader_decide_encoding(layer_reader *r)
{
    const char *from;
    if (r->rs->encoding) {
        snprintf(r->encoding, sizeof r->encoding, "%s", r->rs->encoding);
        from = "override";
    } else if (!r->shapefile) {
        snprintf(r->encoding, sizeof r->encoding, "UTF-8");
        from = "driver";
    } else if (shapefile_declared_encoding(r, &from)) {
        /* from is "cpg" or "ldid" */
    } else {
        int all_valid = 1;
        OGR_L_ResetReading(r->lyr);
        const char *ignore_geom[] = {"OGR_GEOMETRY", NULL};
        OGR_L_SetIgnoredFields(r->lyr, ignore_geom);
        OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->lyr);
        int nf = OGR_FD_GetFieldCount(defn);
        for (int i = 0; i < nf && all_valid; i++) {
            const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
            all_valid = ibmap_utf8_valid(name, strlen(name));
        }
        OGRFeatureH f;
        while (all_valid && (f = OGR_L_GetNextFeature(r->lyr)) != NULL) {
            for (int i = 0; i < nf && all_valid; i++) {
                if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)) != OFTString ||
                    !OGR_F_IsFieldSetAndNotNull(f, i))
                    continue;
                const char *s = OGR_F_GetFieldAsString(f, i);
                all_valid = ibmap_utf8_valid(s, strlen(s));
            }
            OGR_F_Destroy(f);
        }
        OGR_L_SetIgnoredFields(r->lyr, NULL);
        OGR_L_ResetReading(r->lyr);
        if (all_valid) {
            snprintf(r->encoding, sizeof r->encoding, "UTF-8");
            from = "utf8-valid";
        } else {
            snprintf(r->encoding, sizeof r->encoding, "GB18030");
            from = "guessed";
            ibmap_status st = dq(
                r, -1, "", "", "encoding_guessed", IBMAP_SEV_WARNING, "",
                ACT_GB18030,
                "the shapefile declares no encoding (no .cpg, DBF language "
                "driver 0) and its text is not UTF-8; decoded as GB18030 "
                "(GBK). Set encoding: in the project if this is wrong");
            if (st) return st;
        }
    }
    r->L->encoding = ibmap_strdup(r->encoding);
    r->L->encoding_from = from;
    return r->L->encoding ? IBMAP_OK
                          : ibmap_nomem(r->ctx);
}

/* The span of s without surrounding spaces, tabs and line ends (*len 0
** when nothing is left). */
static const char *trimmed(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t') s++;
    const char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
                       end[-1] == '\r' || end[-1] == '\n'))
        end--;
    *len = (size_t)(end - s);
    return s;
}

/* Text of a source string in UTF-8 (malloc'd), with surrounding spaces
** trimmed; NULL (and *nomem 0) for an empty value.  *bad is set when the
** bytes were not in the encoding they should be, and GB18030 was used. */
char *ibmap_reader_decode_text(layer_reader *r, const char *raw, int *bad,
                               int *nomem)
{
    char *s = NULL;
    *bad = 0;
    *nomem = 0;
    if (strcmp(r->encoding, "UTF-8") == 0) {
        if (ibmap_utf8_valid(raw, strlen(raw)))
            s = ibmap_strdup(raw);
        else {
            *bad = 1;
            s = ibmap_to_utf8(raw, "GB18030");
        }
    } else {
        s = ibmap_to_utf8(raw, r->encoding);
        if (!s) {
            *bad = 1;
            s = ibmap_to_utf8(raw, "GB18030");
        }
    }
    if (!s) {
        /* Bytes valid in no encoding we know: keep them visible but safe. */
        s = ibmap_strdup(raw);
        if (!s) return *nomem = 1, NULL;
        for (char *p = s; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
    }
    size_t len;
    const char *start = trimmed(s, &len);
    if (len == 0) {
        free(s);
        return NULL;
    }
    memmove(s, start, len);
    s[len] = '\0';
    return s;
}

char *ibmap_reader_decode_kept(layer_reader *r, const char *raw, char *same_as,
                               int *bad, int *nomem)
{
    *bad = 0;
    *nomem = 0;
    size_t len;
    char *kept;
    /* The common case, valid UTF-8, goes straight into the texts. */
    if (strcmp(r->encoding, "UTF-8") == 0 && ibmap_utf8_valid(raw, strlen(raw))) {
        const char *start = trimmed(raw, &len);
        if (len == 0) return NULL;
        if (same_as && strncmp(same_as, start, len) == 0 && same_as[len] == '\0')
            return same_as;
        kept = ibmap_arena_strndup(&r->L->texts, start, len);
    } else {
        char *text = ibmap_reader_decode_text(r, raw, bad, nomem);
        if (!text) return NULL;
        if (same_as && strcmp(same_as, text) == 0) {
            free(text);
            return same_as;
        }
        kept = ibmap_arena_strdup(&r->L->texts, text);
        free(text);
    }
    if (!kept) *nomem = 1;
    return kept;
}
