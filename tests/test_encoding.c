/*
** test_encoding.c — encoding names, shapefile declarations and conversion
** to UTF-8 (engine/load/encoding.c).
**
** Fixtures: tests/data/cjk_dbf/ (copied from mbloch/mapshaper, MPL-2.0;
** see tests/data/README.md).  What they hold, checked by hand with xxd and
** `iconv -f <enc> -t UTF-8`:
**   gbk.dbf, gb2312.dbf  NAME = bc f2 cc e5 b9 fa d3 ef = 简体国语 (GBK),
**                        LDID 0, no .cpg
**   big5.dbf             NAME = c1 63 c5 e9 b0 ea bb 79 = 繁體國語 (Big5),
**                        LDID 0, no .cpg
**   utf8.dbf             NAME = 国语國語 in UTF-8, LDID 0, no .cpg
**   ldid/chinese.dbf     NAME = bc f2 cc e5 = 简体 (GBK), LDID 0x7A
**   cpg/big5.dbf         NAME = b0 ea bb 79 = 國語 (Big5) padded with
**                        spaces to 80 bytes; big5.cpg holds "Big-5"
** and, when ../shared is present, the GaryBikini Zhejiang county
** shapefile: 90 records of UTF-8 text, LDID 0, no .cpg.
*/
#include <errno.h>
#include <gdal.h>
#include <iconv.h>
#include <ogr_api.h>

#include "harness.h"
#include "classify/rules.h"

/* ---- helpers -------------------------------------------------------- */

static const char *fixture(const char *rel)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/cjk_dbf/%s",
             test_source_root(), rel);
    return path;
}

static const char *scratch(const char *name)
{
    static char path[4096];
    static const char *dir;
    if (!dir) dir = test_scratch_dir("test_encoding");
    if (!dir) return NULL;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return NULL;
    return path;
}

/* Whole file into malloc'd memory; NULL if unreadable. */
static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            unsigned char *b = realloc(buf, cap);
            if (!b) break;
            buf = b;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *size = n;
    return buf;
}

static int spit(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static int copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *b = slurp(from, &n);
    int ok = b && spit(to, b, n);
    free(b);
    return ok;
}

/* A DBF read with plain C: header (record count at bytes 4-7, header
** length 8-9, record length 10-11, little-endian), then 32-byte field
** descriptors from byte 32 up to the 0x0D terminator. */
typedef struct dbf {
    unsigned char *data;
    size_t size;
    unsigned nrec, hlen, rlen;
} dbf;

static int dbf_open(const char *path, dbf *d)
{
    d->data = slurp(path, &d->size);
    if (!d->data || d->size < 33) return 0;
    const unsigned char *h = d->data;
    d->nrec = h[4] | h[5] << 8 | h[6] << 16 | (unsigned)h[7] << 24;
    d->hlen = h[8] | h[9] << 8;
    d->rlen = h[10] | h[11] << 8;
    return d->hlen <= d->size &&
           (size_t)d->hlen + (size_t)d->nrec * d->rlen <= d->size;
}

/* Field `name` of record `rec`, raw bytes with the DBF's trailing space
** padding removed, as a string in out.  Returns 0 if absent. */
static int dbf_get(const dbf *d, unsigned rec, const char *name, char *out,
                   size_t out_size, char *type)
{
    unsigned offset = 1; /* byte 0 of a record is the deletion flag */
    for (size_t fd = 32; fd + 32 <= d->hlen && d->data[fd] != 0x0D; fd += 32) {
        const unsigned char *f = d->data + fd;
        unsigned len = f[16];
        if (strncmp((const char *)f, name, 11) == 0) {
            if (rec >= d->nrec || len >= out_size) return 0;
            const unsigned char *v = d->data + d->hlen + rec * d->rlen + offset;
            while (len > 0 && v[len - 1] == ' ') len--;
            memcpy(out, v, len);
            out[len] = '\0';
            if (type) *type = (char)f[11];
            return 1;
        }
        offset += len;
    }
    return 0;
}

/* Raw NAME of the first record of a fixture DBF. */
static int fixture_name(const char *rel, char *out, size_t out_size)
{
    dbf d;
    int ok = dbf_open(fixture(rel), &d) &&
             dbf_get(&d, 0, "NAME", out, out_size, NULL);
    free(d.data);
    return ok;
}

/* Write a copy of ldid/chinese.dbf with its LDID byte set to `ldid`. */
static int dbf_with_ldid(const char *path, unsigned char ldid)
{
    size_t n;
    unsigned char *b = slurp(fixture("ldid/chinese.dbf"), &n);
    int ok = b && n > 32;
    if (ok) {
        b[29] = ldid;
        ok = spit(path, b, n);
    }
    free(b);
    return ok;
}

static int iconv_knows(const char *name)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1) return 0;
    iconv_close(cd);
    return 1;
}

#define CHECK_NORM(in, want)                                                \
    do {                                                                    \
        char out_[32] = "junk";                                             \
        CHECK_INT(ibmap_encoding_normalise((in), out_, sizeof out_), 1);    \
        CHECK_STR(out_, (want));                                            \
    } while (0)

#define CHECK_NORM_UNKNOWN(in)                                              \
    do {                                                                    \
        char out_[32] = "junk";                                             \
        CHECK_INT(ibmap_encoding_normalise((in), out_, sizeof out_), 0);    \
        CHECK_STR(out_, "");                                                \
    } while (0)

#define CHECK_VALID(bytes, n) CHECK(ibmap_utf8_valid((bytes), (n)) == 1)
#define CHECK_INVALID(bytes, n) CHECK(ibmap_utf8_valid((bytes), (n)) == 0)

/* Convert and compare; frees the result. */
#define CHECK_UTF8(text, from, want)                                        \
    do {                                                                    \
        char *s_ = ibmap_to_utf8((text), (from));                           \
        int same_ = s_ && strcmp(s_, (want)) == 0;                          \
        if (!same_)                                                         \
            printf("# got \"%s\"\n", s_ ? s_ : "(null)");                   \
        free(s_);                                                           \
        CHECK(same_);                                                       \
    } while (0)

/* ---- ibmap_utf8_valid ----------------------------------------------- */

TEST(ascii_is_valid) { CHECK_VALID("NAME 123", 8); }
TEST(empty_is_valid) { CHECK_VALID("", 0); }
TEST(null_with_zero_length_is_valid) { CHECK_VALID(NULL, 0); }

TEST(two_three_four_byte_forms_are_valid)
{
    CHECK_VALID("\xC3\xA9", 2);         /* é U+00E9 */
    CHECK_VALID("慈溪市", strlen("慈溪市")); /* 3-byte CJK */
    CHECK_VALID("\xF0\xA0\x80\x80", 4); /* U+20000 CJK extension B */
}

TEST(boundary_code_points_are_valid)
{
    CHECK_VALID("\xC2\x80", 2);         /* U+0080 */
    CHECK_VALID("\xE0\xA0\x80", 3);     /* U+0800 */
    CHECK_VALID("\xED\x9F\xBF", 3);     /* U+D7FF, last before surrogates */
    CHECK_VALID("\xEE\x80\x80", 3);     /* U+E000, first after */
    CHECK_VALID("\xF4\x8F\xBF\xBF", 4); /* U+10FFFF */
}

TEST(embedded_nul_counts_as_text)
{
    CHECK_VALID("a\0b", 3);
}

TEST(overlong_forms_are_invalid)
{
    CHECK_INVALID("\xC0\x80", 2);         /* NUL in two bytes */
    CHECK_INVALID("\xC1\xBF", 2);
    CHECK_INVALID("\xE0\x80\x80", 3);
    CHECK_INVALID("\xE0\x9F\xBF", 3);
    CHECK_INVALID("\xF0\x80\x80\x80", 4);
    CHECK_INVALID("\xF0\x8F\xBF\xBF", 4);
}

TEST(surrogates_are_invalid)
{
    CHECK_INVALID("\xED\xA0\x80", 3); /* U+D800 */
    CHECK_INVALID("\xED\xBF\xBF", 3); /* U+DFFF */
}

TEST(beyond_u10ffff_is_invalid)
{
    CHECK_INVALID("\xF4\x90\x80\x80", 4);
    CHECK_INVALID("\xF5\x80\x80\x80", 4);
    CHECK_INVALID("\xFF", 1);
    CHECK_INVALID("\xFE", 1);
}

TEST(truncated_sequences_are_invalid)
{
    CHECK_INVALID("\xE6\x85", 2);          /* first two bytes of 慈 */
    CHECK_INVALID("慈", 2);                /* n cuts the character */
    CHECK_INVALID("\xF0\xA0\x80", 3);
    CHECK_INVALID("\xC3", 1);
}

TEST(bad_continuation_is_invalid)
{
    CHECK_INVALID("\x80", 1);       /* lone continuation byte */
    CHECK_INVALID("\xC3" "A", 2);    /* lead byte then ASCII */
    CHECK_INVALID("\xE6\x85" "A", 3);
}

TEST(gbk_fixture_bytes_are_not_utf8)
{
    char name[64];
    CHECK(fixture_name("gbk.dbf", name, sizeof name));
    CHECK_STR(name, "\xBC\xF2\xCC\xE5\xB9\xFA\xD3\xEF");
    CHECK_INVALID(name, strlen(name));
}

TEST(big5_fixture_bytes_are_not_utf8)
{
    char name[64];
    CHECK(fixture_name("big5.dbf", name, sizeof name));
    CHECK_INVALID(name, strlen(name));
}

TEST(utf8_fixture_bytes_are_utf8)
{
    char name[64];
    CHECK(fixture_name("utf8.dbf", name, sizeof name));
    CHECK_VALID(name, strlen(name));
    CHECK_STR(name, "国语國語");
}

/* ---- ibmap_encoding_normalise --------------------------------------- */

TEST(utf8_spellings)
{
    CHECK_NORM("UTF-8", "UTF-8");
    CHECK_NORM("utf8", "UTF-8");
    CHECK_NORM("65001", "UTF-8");
}

TEST(gbk_family_becomes_gb18030)
{
    CHECK_NORM("GBK", "GB18030");
    CHECK_NORM("gbk", "GB18030");
    CHECK_NORM("936", "GB18030");
    CHECK_NORM("CP936", "GB18030");
    CHECK_NORM("cp936", "GB18030");
    CHECK_NORM("GB2312", "GB18030");
    CHECK_NORM("gb2312", "GB18030");
    CHECK_NORM("GB18030", "GB18030");
    CHECK_NORM("ANSI 936", "GB18030");
    CHECK_NORM("MS936", "GB18030");
    CHECK_NORM("EUC-CN", "GB18030");
}

TEST(big5_spellings)
{
    CHECK_NORM("Big5", "BIG5");
    CHECK_NORM("Big-5", "BIG5");
    CHECK_NORM("BIG-5", "BIG5");
    CHECK_NORM("950", "BIG5");
    CHECK_NORM("CP950", "BIG5");
}

TEST(cp1252_spellings)
{
    CHECK_NORM("1252", "CP1252");
    CHECK_NORM("CP1252", "CP1252");
    CHECK_NORM("ANSI 1252", "CP1252");
}

TEST(latin1_spellings)
{
    CHECK_NORM("ISO-8859-1", "ISO-8859-1");
    CHECK_NORM("88591", "ISO-8859-1");
    CHECK_NORM("8859_1", "ISO-8859-1");
    CHECK_NORM("LATIN1", "ISO-8859-1");
    CHECK_NORM("latin1", "ISO-8859-1");
}

TEST(other_iso8859_parts)
{
    CHECK_NORM("8859-5", "ISO-8859-5");
    CHECK_NORM("885915", "ISO-8859-15");
    CHECK_NORM("iso8859_2", "ISO-8859-2");
}

TEST(other_code_pages)
{
    CHECK_NORM("437", "CP437");
    CHECK_NORM("ANSI 1251", "CP1251");
    CHECK_NORM("932", "CP932");
    CHECK_NORM("949", "CP949");
}

TEST(cpg_newlines_are_trimmed)
{
    CHECK_NORM("UTF-8\n", "UTF-8");
    CHECK_NORM("936\r\n", "GB18030");
    CHECK_NORM("  gbk \t", "GB18030");
}

TEST(cpg_byte_order_mark_is_skipped)
{
    CHECK_NORM("\xEF\xBB\xBFUTF-8\r\n", "UTF-8");
}

TEST(unknown_names_are_refused)
{
    CHECK_NORM_UNKNOWN("UTF-16");
    CHECK_NORM_UNKNOWN("System");
    CHECK_NORM_UNKNOWN("ISO-8859-12");
    CHECK_NORM_UNKNOWN("12345");
    CHECK_NORM_UNKNOWN("123456789012345678901234567890123456789");
    CHECK_NORM_UNKNOWN("GBKX");
    CHECK_NORM_UNKNOWN("");
    CHECK_NORM_UNKNOWN(" \r\n");
}

TEST(null_name_is_refused)
{
    char out[32] = "junk";
    CHECK_INT(ibmap_encoding_normalise(NULL, out, sizeof out), 0);
    CHECK_STR(out, "");
}

TEST(small_output_buffer_is_refused)
{
    char out[7] = "junk";
    /* "GB18030" needs 8 bytes with its terminator. */
    CHECK_INT(ibmap_encoding_normalise("GBK", out, sizeof out), 0);
    CHECK_STR(out, "");
    CHECK_INT(ibmap_encoding_normalise("UTF-8", out, sizeof out), 1);
    CHECK_STR(out, "UTF-8");
}

TEST(every_normalised_name_opens_in_iconv)
{
    static const char *const names[] = {
        "UTF-8", "GBK", "Big5", "1252", "LATIN1", "8859-5", "885915",
        "437", "737", "775", "850", "852", "855", "857", "860", "861",
        "862", "863", "864", "865", "866", "869", "874", "932", "949",
        "1250", "1251", "1253", "1254", "1255", "1256", "1257", "1258",
        "10000", "10007", "10029", "28591", "54936"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char out[32];
        if (!ibmap_encoding_normalise(names[i], out, sizeof out))
            TEST_FAILF("\"%s\" is not recognised", names[i]);
        if (!iconv_knows(out))
            TEST_FAILF("iconv does not know \"%s\" (from \"%s\")", out,
                       names[i]);
    }
}

/* ---- ibmap_shapefile_declared_encoding ------------------------------ */

TEST(ldid_0x7a_declares_gb18030)
{
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("ldid/chinese.shp"),
                                                enc, sizeof enc, &from),
              1);
    CHECK_STR(enc, "GB18030");
    CHECK_STR(from, "ldid");
}

TEST(dbf_path_works_as_well_as_shp)
{
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("ldid/chinese.dbf"),
                                                enc, sizeof enc, &from),
              1);
    CHECK_STR(enc, "GB18030");
}

TEST(path_without_extension_works)
{
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("ldid/chinese"), enc,
                                                sizeof enc, &from),
              1);
    CHECK_STR(enc, "GB18030");
}

TEST(ldid_agrees_with_gdal)
{
    /* GDAL 3.6 reports LDID 122 as CP936 for this file; CP936 normalises
    ** to what we declare. */
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(fixture("ldid/chinese.shp"), GDAL_OF_VECTOR,
                                 NULL, NULL, NULL);
    if (!ds) TEST_FAILF("GDAL cannot open the fixture");
    OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
    const char *gdal_enc =
        lyr ? GDALGetMetadataItem(lyr, "ENCODING_FROM_LDID", "SHAPEFILE")
            : NULL;
    char gdal_norm[32] = "", ours[32] = "";
    int got_gdal = gdal_enc &&
                   ibmap_encoding_normalise(gdal_enc, gdal_norm,
                                            sizeof gdal_norm);
    int is_cp936 = gdal_enc && strcmp(gdal_enc, "CP936") == 0;
    GDALClose(ds);
    CHECK(got_gdal);
    CHECK(is_cp936);
    const char *from;
    CHECK(ibmap_shapefile_declared_encoding(fixture("ldid/chinese.shp"), ours,
                                            sizeof ours, &from));
    CHECK_STR(ours, gdal_norm);
}

TEST(cpg_big_dash_5_declares_big5)
{
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("cpg/big5.shp"), enc,
                                                sizeof enc, &from),
              1);
    CHECK_STR(enc, "BIG5");
    CHECK_STR(from, "cpg");
}

TEST(gbk_dbf_declares_nothing)
{
    char enc[32] = "junk";
    const char *from = "junk";
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("gbk.dbf"), enc,
                                                sizeof enc, &from),
              0);
    CHECK_STR(enc, "");
    CHECK(from == NULL);
}

TEST(other_ldid0_fixtures_declare_nothing)
{
    char enc[32];
    const char *from;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("gb2312.dbf"), enc,
                                                sizeof enc, &from),
              0);
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("big5.dbf"), enc,
                                                sizeof enc, &from),
              0);
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("utf8.dbf"), enc,
                                                sizeof enc, &from),
              0);
}

TEST(missing_files_declare_nothing)
{
    char enc[32];
    const char *from;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("no_such.shp"), enc,
                                                sizeof enc, &from),
              0);
    CHECK_INT(ibmap_shapefile_declared_encoding(NULL, enc, sizeof enc, &from),
              0);
}

TEST(upper_case_extensions_are_found)
{
    const char *dir = scratch("");
    if (!dir) TEST_FAILF("no scratch directory");
    char shp[4200], dbfp[4200], cpg[4200];
    snprintf(shp, sizeof shp, "%sBIG5.SHP", dir);
    snprintf(dbfp, sizeof dbfp, "%sBIG5.DBF", dir);
    snprintf(cpg, sizeof cpg, "%sBIG5.CPG", dir);
    CHECK(copy_file(fixture("cpg/big5.shp"), shp));
    CHECK(copy_file(fixture("cpg/big5.dbf"), dbfp));
    CHECK(copy_file(fixture("cpg/big5.cpg"), cpg));
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(shp, enc, sizeof enc, &from),
              1);
    CHECK_STR(enc, "BIG5");
    CHECK_STR(from, "cpg");
}

TEST(upper_case_dbf_gives_ldid)
{
    const char *p = scratch("LDIDONLY.DBF");
    CHECK(p && copy_file(fixture("ldid/chinese.dbf"), p));
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(scratch("LDIDONLY.shp"), enc,
                                                sizeof enc, &from),
              1);
    CHECK_STR(enc, "GB18030");
    CHECK_STR(from, "ldid");
}

TEST(cpg_wins_over_ldid)
{
    const char *p = scratch("both.dbf");
    CHECK(p && copy_file(fixture("ldid/chinese.dbf"), p));
    CHECK(spit(scratch("both.cpg"), "UTF-8\r\n", 7));
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(scratch("both.shp"), enc,
                                                sizeof enc, &from),
              1);
    CHECK_STR(enc, "UTF-8");
    CHECK_STR(from, "cpg");
}

TEST(unrecognised_cpg_falls_back_to_ldid)
{
    const char *p = scratch("odd.dbf");
    CHECK(p && copy_file(fixture("ldid/chinese.dbf"), p));
    CHECK(spit(scratch("odd.cpg"), "System\n", 7));
    char enc[32];
    const char *from = NULL;
    CHECK_INT(ibmap_shapefile_declared_encoding(scratch("odd.shp"), enc,
                                                sizeof enc, &from),
              1);
    CHECK_STR(enc, "GB18030");
    CHECK_STR(from, "ldid");
}

/* Declared encoding of a DBF whose LDID byte is `ldid`; "" if none. */
static const char *declared_for_ldid(unsigned char ldid)
{
    static char enc[32];
    const char *from;
    const char *p = scratch("ldid.dbf");
    if (!p || !dbf_with_ldid(p, ldid)) return "(fixture)";
    if (!ibmap_shapefile_declared_encoding(p, enc, sizeof enc, &from))
        enc[0] = '\0';
    return enc;
}

TEST(ldid_table_chinese_entries)
{
    CHECK_STR(declared_for_ldid(0x4D), "GB18030"); /* 77, code page 936 */
    CHECK_STR(declared_for_ldid(0x7A), "GB18030"); /* 122, 936 */
    CHECK_STR(declared_for_ldid(0x4F), "BIG5");    /* 79, 950 */
    CHECK_STR(declared_for_ldid(0x78), "BIG5");    /* 120, 950 */
}

TEST(ldid_table_other_entries)
{
    CHECK_STR(declared_for_ldid(0x01), "CP437");
    CHECK_STR(declared_for_ldid(0x02), "CP850");
    CHECK_STR(declared_for_ldid(0x03), "CP1252");
    CHECK_STR(declared_for_ldid(0x13), "CP932");
    CHECK_STR(declared_for_ldid(0x7B), "CP932");
    CHECK_STR(declared_for_ldid(0x4E), "CP949");
    CHECK_STR(declared_for_ldid(0xC9), "CP1251");
}

TEST(ldid_0x57_ansi_declares_nothing)
{
    /* "ANSI": the writer's code page, which the file does not name. */
    CHECK_STR(declared_for_ldid(0x57), "");
}

TEST(ldid_zero_and_unknown_declare_nothing)
{
    CHECK_STR(declared_for_ldid(0x00), "");
    CHECK_STR(declared_for_ldid(0x05), "");
    CHECK_STR(declared_for_ldid(0xFF), "");
}

TEST(ldid_without_iconv_support_declares_nothing)
{
    CHECK_STR(declared_for_ldid(0x68), ""); /* 895 Kamenicky */
    CHECK_STR(declared_for_ldid(0x69), ""); /* 620 Mazovia */
}

TEST(every_declared_ldid_opens_in_iconv)
{
    for (int ldid = 0; ldid < 256; ldid++) {
        const char *enc = declared_for_ldid((unsigned char)ldid);
        if (strcmp(enc, "(fixture)") == 0) TEST_FAILF("cannot write fixture");
        if (*enc && !iconv_knows(enc))
            TEST_FAILF("LDID 0x%02X gives \"%s\", unknown to iconv", ldid,
                       enc);
    }
}

TEST(truncated_dbf_declares_nothing)
{
    CHECK(spit(scratch("short.dbf"), "\x03\x7A", 2));
    char enc[32];
    const char *from;
    CHECK_INT(ibmap_shapefile_declared_encoding(scratch("short.dbf"), enc,
                                                sizeof enc, &from),
              0);
}

TEST(small_enc_buffer_declares_nothing)
{
    char enc[4];
    const char *from;
    CHECK_INT(ibmap_shapefile_declared_encoding(fixture("ldid/chinese.shp"),
                                                enc, sizeof enc, &from),
              0);
    CHECK_STR(enc, "");
}

/* ---- ibmap_to_utf8 -------------------------------------------------- */

TEST(gbk_bytes_as_gb18030)
{
    char name[64];
    CHECK(fixture_name("gbk.dbf", name, sizeof name));
    CHECK_UTF8(name, "GB18030", "简体国语");
}

TEST(gbk_bytes_with_user_spellings)
{
    char name[64];
    CHECK(fixture_name("gbk.dbf", name, sizeof name));
    CHECK_UTF8(name, "GBK", "简体国语");
    CHECK_UTF8(name, "936", "简体国语");
}

TEST(gb2312_bytes_as_gb2312)
{
    char name[64];
    CHECK(fixture_name("gb2312.dbf", name, sizeof name));
    CHECK_UTF8(name, "GB2312", "简体国语");
}

TEST(big5_bytes_as_big5)
{
    char name[64];
    CHECK(fixture_name("big5.dbf", name, sizeof name));
    CHECK_UTF8(name, "BIG5", "繁體國語");
    CHECK_UTF8(name, "Big-5", "繁體國語");
}

TEST(cpg_fixture_text_with_its_declared_encoding)
{
    char name[128], enc[32];
    const char *from;
    CHECK(fixture_name("cpg/big5.dbf", name, sizeof name));
    CHECK(ibmap_shapefile_declared_encoding(fixture("cpg/big5.shp"), enc,
                                            sizeof enc, &from));
    CHECK_UTF8(name, enc, "國語");
}

TEST(ldid_fixture_text_with_its_declared_encoding)
{
    char name[64], enc[32];
    const char *from;
    CHECK(fixture_name("ldid/chinese.dbf", name, sizeof name));
    CHECK(ibmap_shapefile_declared_encoding(fixture("ldid/chinese.shp"), enc,
                                            sizeof enc, &from));
    CHECK_UTF8(name, enc, "简体");
}

TEST(utf8_input_is_copied)
{
    char name[64];
    CHECK(fixture_name("utf8.dbf", name, sizeof name));
    char *s = ibmap_to_utf8(name, "UTF-8");
    int ok = s && s != name && strcmp(s, "国语國語") == 0;
    free(s);
    CHECK(ok);
}

TEST(non_utf8_input_declared_utf8_fails)
{
    char name[64];
    CHECK(fixture_name("gbk.dbf", name, sizeof name));
    CHECK(ibmap_to_utf8(name, "UTF-8") == NULL);
    CHECK(ibmap_to_utf8(name, "utf8") == NULL);
}

TEST(invalid_gb18030_bytes_fail)
{
    CHECK(ibmap_to_utf8("\x81\x20", "GB18030") == NULL);
}

TEST(truncated_gb18030_fails)
{
    /* The first byte of 简 alone. */
    CHECK(ibmap_to_utf8("\xBC", "GB18030") == NULL);
    CHECK(ibmap_to_utf8("\xBC\xF2\xCC", "GB18030") == NULL);
}

TEST(cp1252_and_latin1)
{
    CHECK_UTF8("caf\xE9", "CP1252", "café");
    CHECK_UTF8("caf\xE9", "ISO-8859-1", "café");
    CHECK_UTF8("\x80", "1252", "€");
}

TEST(cp1252_undefined_byte_fails)
{
    CHECK(ibmap_to_utf8("\x81", "CP1252") == NULL);
}

TEST(expanding_encoding_grows_the_buffer)
{
    /* TSCII 0x82 is a Tamil ligature of four code points, twelve UTF-8
    ** bytes: more than the first guess of three bytes per byte. */
    const char *want = "ஸ்ரீஸ்ரீஸ்ரீ";
    CHECK_INT(strlen(want), 36);
    CHECK_UTF8("\x82\x82\x82", "TSCII", want);
}

TEST(ascii_passes_through_every_encoding)
{
    CHECK_UTF8("Cixi 330282", "GB18030", "Cixi 330282");
    CHECK_UTF8("Cixi 330282", "BIG5", "Cixi 330282");
    CHECK_UTF8("Cixi 330282", "CP1252", "Cixi 330282");
}

TEST(empty_text_gives_empty_string)
{
    CHECK_UTF8("", "GB18030", "");
    CHECK_UTF8("", "UTF-8", "");
}

TEST(unknown_encoding_fails)
{
    CHECK(ibmap_to_utf8("abc", "NOT-AN-ENCODING") == NULL);
}

TEST(null_arguments_fail)
{
    CHECK(ibmap_to_utf8(NULL, "GB18030") == NULL);
    CHECK(ibmap_to_utf8("abc", NULL) == NULL);
}

/* ---- the GaryBikini county shapefile in ../shared ------------------- */

static const char *gary(const char *ext)
{
    static char path[4200];
    const char *shared = test_shared_data();
    if (!shared) return NULL;
    snprintf(path, sizeof path,
             "%s/zhejiang/garybikini2020_zhejiang_districts.%s", shared, ext);
    return path;
}

TEST(garybikini_declares_nothing)
{
    if (!gary("shp")) SKIP("../shared absent");
    char enc[32] = "junk";
    const char *from = "junk";
    CHECK_INT(ibmap_shapefile_declared_encoding(gary("shp"), enc, sizeof enc,
                                                &from),
              0);
    CHECK(from == NULL);
}

TEST(garybikini_text_is_all_valid_utf8)
{
    if (!gary("dbf")) SKIP("../shared absent");
    dbf d;
    int opened = dbf_open(gary("dbf"), &d);
    unsigned checked = 0, bad = 0;
    static const char *const fields[] = {"name", "adcode", "level",
                                         "citycode", "ctname", "prname"};
    for (unsigned r = 0; opened && r < d.nrec; r++)
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            char v[256], type;
            if (!dbf_get(&d, r, fields[i], v, sizeof v, &type)) continue;
            checked++;
            if (!ibmap_utf8_valid(v, strlen(v))) bad++;
        }
    unsigned nrec = opened ? d.nrec : 0;
    free(d.data);
    CHECK(opened);
    CHECK_INT(nrec, 90);
    CHECK_INT(checked, 90 * 6);
    CHECK_INT(bad, 0);
}

TEST(garybikini_holds_cixi)
{
    if (!gary("dbf")) SKIP("../shared absent");
    dbf d;
    int opened = dbf_open(gary("dbf"), &d);
    int found = 0;
    for (unsigned r = 0; opened && r < d.nrec && !found; r++) {
        char name[64], code[16];
        if (dbf_get(&d, r, "name", name, sizeof name, NULL) &&
            dbf_get(&d, r, "adcode", code, sizeof code, NULL) &&
            strcmp(name, "慈溪市") == 0 && strcmp(code, "330282") == 0)
            found = 1;
    }
    free(d.data);
    CHECK(opened);
    CHECK(found);
}

int main(void)
{
    RUN(ascii_is_valid);
    RUN(empty_is_valid);
    RUN(null_with_zero_length_is_valid);
    RUN(two_three_four_byte_forms_are_valid);
    RUN(boundary_code_points_are_valid);
    RUN(embedded_nul_counts_as_text);
    RUN(overlong_forms_are_invalid);
    RUN(surrogates_are_invalid);
    RUN(beyond_u10ffff_is_invalid);
    RUN(truncated_sequences_are_invalid);
    RUN(bad_continuation_is_invalid);
    RUN(gbk_fixture_bytes_are_not_utf8);
    RUN(big5_fixture_bytes_are_not_utf8);
    RUN(utf8_fixture_bytes_are_utf8);

    RUN(utf8_spellings);
    RUN(gbk_family_becomes_gb18030);
    RUN(big5_spellings);
    RUN(cp1252_spellings);
    RUN(latin1_spellings);
    RUN(other_iso8859_parts);
    RUN(other_code_pages);
    RUN(cpg_newlines_are_trimmed);
    RUN(cpg_byte_order_mark_is_skipped);
    RUN(unknown_names_are_refused);
    RUN(null_name_is_refused);
    RUN(small_output_buffer_is_refused);
    RUN(every_normalised_name_opens_in_iconv);

    RUN(ldid_0x7a_declares_gb18030);
    RUN(dbf_path_works_as_well_as_shp);
    RUN(path_without_extension_works);
    RUN(ldid_agrees_with_gdal);
    RUN(cpg_big_dash_5_declares_big5);
    RUN(gbk_dbf_declares_nothing);
    RUN(other_ldid0_fixtures_declare_nothing);
    RUN(missing_files_declare_nothing);
    RUN(upper_case_extensions_are_found);
    RUN(upper_case_dbf_gives_ldid);
    RUN(cpg_wins_over_ldid);
    RUN(unrecognised_cpg_falls_back_to_ldid);
    RUN(ldid_table_chinese_entries);
    RUN(ldid_table_other_entries);
    RUN(ldid_0x57_ansi_declares_nothing);
    RUN(ldid_zero_and_unknown_declare_nothing);
    RUN(ldid_without_iconv_support_declares_nothing);
    RUN(every_declared_ldid_opens_in_iconv);
    RUN(truncated_dbf_declares_nothing);
    RUN(small_enc_buffer_declares_nothing);

    RUN(gbk_bytes_as_gb18030);
    RUN(gbk_bytes_with_user_spellings);
    RUN(gb2312_bytes_as_gb2312);
    RUN(big5_bytes_as_big5);
    RUN(cpg_fixture_text_with_its_declared_encoding);
    RUN(ldid_fixture_text_with_its_declared_encoding);
    RUN(utf8_input_is_copied);
    RUN(non_utf8_input_declared_utf8_fails);
    RUN(invalid_gb18030_bytes_fail);
    RUN(truncated_gb18030_fails);
    RUN(cp1252_and_latin1);
    RUN(cp1252_undefined_byte_fails);
    RUN(expanding_encoding_grows_the_buffer);
    RUN(ascii_passes_through_every_encoding);
    RUN(empty_text_gives_empty_string);
    RUN(unknown_encoding_fails);
    RUN(null_arguments_fail);

    RUN(garybikini_declares_nothing);
    RUN(garybikini_text_is_all_valid_utf8);
    RUN(garybikini_holds_cixi);
    return test_finish();
}
