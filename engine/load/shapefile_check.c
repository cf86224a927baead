/*
** shapefile_check.c — before a shapefile is read: do its .shp, .shx and
** .dbf agree?  GDAL trusts them and, where they disagree, loses or mixes
** up features without a word; this reads the index and the table header
** and stops the load with a message saying which file is wrong and where.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* Shapefiles: do the .shp, .shx and .dbf agree?                          */
/* ---------------------------------------------------------------------- */

/* GDAL trusts a shapefile's three files and, where they disagree, drops
** features or mixes them up without a word (it reports only a debug
** message):
**   - a .dbf header counting fewer records than there are shapes: the
**     shapes without a record are skipped as if deleted;
**   - a .dbf with more records than shapes, or an .shx header counting
**     fewer entries than it holds: the features past the count are never
**     read;
**   - an .shx entry pointing into another record: that feature silently
**     gets the other's geometry;
**   - a .dbf that cannot be read (zero bytes): the layer opens without
**     attributes, and the load fails later for a "missing field".
** So before reading, the files are checked against each other, and any
** disagreement stops the load with a message saying which file is wrong
** and where.  This reads the .shx and the .dbf header only; .shp record
** headers are read only for index entries that are not contiguous. */

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

#define SHX_FIX "; rebuild the index: delete the .shx and open the .shp once " \
                "with the GDAL option SHAPE_RESTORE_SHX=YES (e.g. ogrinfo " \
                "--config SHAPE_RESTORE_SHX YES FILE.shp)"

/* Check the .shx entries against the .shp; *n_shapes is the number of
** shapes GDAL will read (the count in the .shx header), -1 if unknown. */
static ibmap_status check_shx(layer_reader *r, const char *shp,
                              const char *shx, int64_t *n_shapes)
{
    *n_shapes = -1;
    VSIStatBufL ss, sx;
    if (VSIStatL(shp, &ss) != 0 || VSIStatL(shx, &sx) != 0) return IBMAP_OK;
    VSILFILE *fx = VSIFOpenL(shx, "rb");
    VSILFILE *fp = fx ? VSIFOpenL(shp, "rb") : NULL;
    unsigned char hdr[100];
    ibmap_status st = IBMAP_OK;
    if (!fx || !fp || VSIFReadL(hdr, 1, 100, fx) != 100) goto done; /* GDAL will say */
    int64_t n_hdr = ((int64_t)get_be32(hdr + 24) * 2 - 100) / 8;
    int64_t n_file = ((int64_t)sx.st_size - 100) / 8;
    if (n_hdr < 0) n_hdr = 0;
    if (n_file > n_hdr) {
        st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                        "%s: the .shx index %s holds %lld entries but its "
                        "header counts %lld: GDAL would read only the first "
                        "%lld features and lose the others" SHX_FIX,
                        r->where, shx, (long long)n_file, (long long)n_hdr,
                        (long long)n_hdr);
        goto done;
    }
    if (n_file < n_hdr) goto done; /* GDAL refuses to open it: not reached */
    *n_shapes = n_hdr;
    unsigned char buf[8 * 4096];
    uint64_t prev_end = 100, shp_size = (uint64_t)ss.st_size;
    for (int64_t first = 0; first < n_hdr; first += 4096) {
        int64_t k = n_hdr - first < 4096 ? n_hdr - first : 4096;
        if (VSIFReadL(buf, 8, (size_t)k, fx) != (size_t)k) goto done;
        for (int64_t j = 0; j < k; j++) {
            int64_t fid = first + j;
            uint64_t off = (uint64_t)get_be32(buf + 8 * j) * 2;
            uint64_t len = (uint64_t)get_be32(buf + 8 * j + 4) * 2;
            char found[160] = "";
            if (off + 8 + len > shp_size) {
                snprintf(found, sizeof found,
                         "a record of %llu bytes at byte %llu, past the end of "
                         "the .shp (%llu bytes)",
                         (unsigned long long)len, (unsigned long long)off,
                         (unsigned long long)shp_size);
            } else if (off != prev_end) {
                /* Not where the previous record ends: legal, but check
                ** that the record there is this one. */
                unsigned char rh[8];
                if (VSIFSeekL(fp, off, SEEK_SET) != 0 || VSIFReadL(rh, 1, 8, fp) != 8)
                    snprintf(found, sizeof found, "byte %llu, which cannot be read",
                             (unsigned long long)off);
                else if (get_be32(rh) != (uint64_t)fid + 1 ||
                         (uint64_t)get_be32(rh + 4) * 2 != len)
                    snprintf(found, sizeof found,
                             "byte %llu, where the .shp holds record %u of "
                             "%llu bytes (expected record %lld of %llu bytes)",
                             (unsigned long long)off, get_be32(rh),
                             (unsigned long long)get_be32(rh + 4) * 2,
                             (long long)fid + 1, (unsigned long long)len);
            }
            if (found[0]) {
                st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                                "%s: the .shx index %s disagrees with the .shp "
                                "at feature FID %lld: it points to %s; the "
                                "index is damaged or belongs to another "
                                "file" SHX_FIX,
                                r->where, shx, (long long)fid, found);
                goto done;
            }
            prev_end = off + 8 + len;
        }
    }
done:
    if (fx) VSIFCloseL(fx);
    if (fp) VSIFCloseL(fp);
    return st;
}

/* Check the .dbf's record count against the number of shapes. */
static ibmap_status check_dbf(layer_reader *r, const char *dbf, int64_t n_shapes)
{
    VSIStatBufL sb;
    unsigned char h[32];
    VSILFILE *f = VSIStatL(dbf, &sb) == 0 ? VSIFOpenL(dbf, "rb") : NULL;
    int ok = f && VSIFReadL(h, 1, 32, f) == 32;
    if (f) VSIFCloseL(f);
    if (!ok || n_shapes < 0) return IBMAP_OK; /* GDAL read it: not reached */
    int64_t n_hdr = get_le32(h + 4);
    int64_t header = h[8] | h[9] << 8, rec = h[10] | h[11] << 8;
    int64_t present = rec > 0 && (int64_t)sb.st_size >= header
                          ? ((int64_t)sb.st_size - header) / rec
                          : 0;
    if (present > n_hdr) present = n_hdr; /* bytes past the count: not records */
    if (n_hdr < n_shapes)
        return ibmap_fail(r->ctx, IBMAP_ERR_READ,
                          "%s: the .dbf %s counts %lld records but the .shp "
                          "has %lld shapes: GDAL would skip the %lld features "
                          "without a record; the .dbf's header is wrong or "
                          "the files do not belong together",
                          r->where, dbf, (long long)n_hdr, (long long)n_shapes,
                          (long long)(n_shapes - n_hdr));
    if (present < n_shapes)
        return ibmap_fail(r->ctx, IBMAP_ERR_READ,
                          "%s: the .dbf %s is cut short: it holds %lld "
                          "complete records of the %lld its header counts, "
                          "for %lld shapes",
                          r->where, dbf, (long long)present, (long long)n_hdr,
                          (long long)n_shapes);
    if (present > n_shapes)
        return ibmap_fail(r->ctx, IBMAP_ERR_READ,
                          "%s: the .dbf %s has %lld records but the .shp only "
                          "%lld shapes: the %lld features of the last records "
                          "would be lost; the .shp and .shx are cut short or "
                          "the files do not belong together",
                          r->where, dbf, (long long)present, (long long)n_shapes,
                          (long long)(present - n_shapes));
    return IBMAP_OK;
}

ibmap_status ibmap_reader_check_shapefile(layer_reader *r)
{
    char **files = GDALGetFileList(r->ds);
    const char *layer = OGR_L_GetName(r->lyr);
    char *shp = NULL, *shx = NULL, *dbf = NULL;
    for (int i = 0; files && files[i]; i++) {
        if (strcmp(CPLGetBasename(files[i]), layer) != 0) continue;
        const char *ext = CPLGetExtension(files[i]);
        char **slot = strcasecmp(ext, "shp") == 0   ? &shp
                      : strcasecmp(ext, "shx") == 0 ? &shx
                      : strcasecmp(ext, "dbf") == 0 ? &dbf
                                                    : NULL;
        if (slot && !*slot) *slot = ibmap_strdup(files[i]);
    }
    CSLDestroy(files);
    ibmap_status st = IBMAP_OK;
    if (!shp) goto done;
    if (!dbf) {
        /* GDAL did not take the .dbf: if there is one, it is unreadable. */
        static const char *const ext[] = {"dbf", "DBF"};
        for (int e = 0; e < 2 && !st; e++) {
            char *path = ibmap_strdup(CPLResetExtension(shp, ext[e]));
            VSIStatBufL sb;
            if (!path)
                st = ibmap_nomem(r->ctx);
            else if (VSIStatL(path, &sb) == 0)
                st = ibmap_fail(r->ctx, IBMAP_ERR_READ,
                                "%s: its attribute table %s cannot be read "
                                "(%lld bytes: not a dBase table), so no "
                                "feature would have attributes; restore the "
                                ".dbf",
                                r->where, path, (long long)sb.st_size);
            free(path);
        }
        goto done;
    }
    int64_t n_shapes = -1;
    if (shx) st = check_shx(r, shp, shx, &n_shapes);
    if (!st) st = check_dbf(r, dbf, n_shapes);
done:
    free(shp);
    free(shx);
    free(dbf);
    return st;
}
