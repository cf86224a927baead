/*
** test_out_summary.c — the summary CSVs (out_summary.c), written from the
** hand-built model of out_fixture.h, whose figures are worked out on paper:
**
**   B1 support         坎墩街道  park 慈东工业园  cu 一般管控  60 亩  tax 120
**   B2 consolidate     宗汉街道  mode rebuild     cu 一般管控  60 亩  tax 15
**   B3 exit            坎墩街道                   cu 优先保护  60 亩
**   B4 unclassifiable  宗汉街道                   cu 一般管控  60 亩
**   B5 unclassifiable  no town, no cu, area unknown (NaN)
**
** Each file is compared whole, byte for byte (BOM, header, CRLF, order).
** In UTF-8 坎 (E5 9D 8E) sorts before 宗 (E5 AE 97) and 一 (E4 B8 80)
** before 优 (E4 BC 98); the group without a key comes last.
*/
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "classify/rules.h"
#include "output/output.h"
#include "out_fixture.h"

static ibmap_ctx *ctx;
static char dir[64];

#define BOM "\xEF\xBB\xBF"

/* The whole file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

/* The file `name` of directory d, read whole (the caller frees). */
static char *read_out(const char *d, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", d, name);
    return slurp(path);
}

/* A fresh subdirectory of the scratch directory. */
static const char *subdir(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mkdir(path, 0777);
    return path;
}

/* The number of entries of d other than . and .. (-1 if unreadable). */
static int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    if (!dp) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dp);
    return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* Compare file `name` of d with `expected`, printing both when they differ. */
#define CHECK_FILE(d, name, expected)                                        \
    do {                                                                     \
        char *got_ = read_out((d), (name));                                  \
        int same_ = got_ && strcmp(got_, (expected)) == 0;                   \
        if (!same_) printf("# %s:\n# got:\n%s\n# expected:\n%s\n", (name),   \
                           got_ ? got_ : "(missing)", (expected));           \
        free(got_);                                                          \
        CHECK(same_);                                                        \
    } while (0)

/* The six files of the fixture, byte for byte (the fixture has no
** targets: summary_targets.csv is its header). */
TEST(fixture_files_exact)
{
    out_model *m = fx_output_model();
    const char *d = subdir("fixture");
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    /* the five class summaries, the six enterprise files (the fixture has
    ** no enterprises, so each is its header alone: out_summary_enterprises.c)
    ** and the targets */
    CHECK_INT(count_entries(d), 12);
    CHECK_FILE(d, "summary_enterprise_category.csv",
               BOM "town,category,category_zh,enterprises,land_mu,low_eff_enterprises,"
                   "low_eff_land_mu\r\n");
    CHECK_FILE(d, "summary_enterprise_chain.csv",
               BOM "chain,enterprises,land_mu,land_share,tax_per_mu,va_per_mu,"
                   "tax_known_land_share,low_eff_enterprises,low_eff_land_mu\r\n");
    CHECK_FILE(d, "block_enterprises.csv",
               BOM "block_id,ent_id,name,land_mu,ent_land_mu,main_block,tax_per_mu,va_per_mu,"
                   "grade,low_eff,category,category_zh,action,rule_id,reason\r\n");
    CHECK_FILE(d, "ranking_enterprises.csv",
               BOM "rank,rank_va,ent_id,name,town,industry_division,chain,land_mu,tax_per_mu,"
                   "va_per_mu,grade,category,category_zh,tier\r\n");
    CHECK_FILE(d, "ranking_industries.csv",
               BOM "rank,rank_va,industry_division,industry_name,enterprises,land_mu,"
                   "tax_per_mu,va_per_mu,tax_known_land_share,low_eff_enterprises,tier\r\n");
    CHECK_FILE(d, "ranking_towns.csv",
               BOM "rank,rank_va,town,enterprises,land_mu,tax_per_mu,va_per_mu,"
                   "tax_known_land_share,low_eff_enterprises,tier\r\n");
    CHECK_FILE(d, "summary_targets.csv",
               BOM "scenario,target_id,label,measure,target,unit,value,progress,n_unknown,"
                   "note,source\r\n");
    CHECK_FILE(d, "summary_class_town.csv",
               BOM "town,class,class_zh,blocks,area_mu\r\n"
                   "坎墩街道,support,扶持发展,1,60.00\r\n"
                   "坎墩街道,exit,清理退出,1,60.00\r\n"
                   "宗汉街道,consolidate,整合改造,1,60.00\r\n"
                   "宗汉街道,unclassifiable,未能分类,1,60.00\r\n"
                   "（无镇街）,unclassifiable,未能分类,1,0.00\r\n");
    CHECK_FILE(d, "summary_class_park.csv",
               BOM "park_name,class,class_zh,blocks,area_mu\r\n"
                   "慈东工业园,support,扶持发展,1,60.00\r\n"
                   "（园区外）,consolidate,整合改造,1,60.00\r\n"
                   "（园区外）,exit,清理退出,1,60.00\r\n"
                   "（园区外）,unclassifiable,未能分类,2,60.00\r\n");
    CHECK_FILE(d, "summary_class_cu.csv",
               BOM "cu_type,class,class_zh,blocks,area_mu\r\n"
                   "一般管控,support,扶持发展,1,60.00\r\n"
                   "一般管控,consolidate,整合改造,1,60.00\r\n"
                   "一般管控,unclassifiable,未能分类,1,60.00\r\n"
                   "优先保护,exit,清理退出,1,60.00\r\n"
                   "（无）,unclassifiable,未能分类,1,0.00\r\n");
    CHECK_FILE(d, "summary_class_mode.csv",
               BOM "mode,mode_zh,class,class_zh,blocks,area_mu\r\n"
                   ",,support,扶持发展,1,60.00\r\n"
                   ",,exit,清理退出,1,60.00\r\n"
                   ",,unclassifiable,未能分类,2,60.00\r\n"
                   "rebuild,拆除重建,consolidate,整合改造,1,60.00\r\n");
    CHECK_FILE(d, "summary_class_totals.csv",
               BOM "class,class_zh,blocks,area_mu,tax_sum\r\n"
                   "support,扶持发展,1,60.00,120.00\r\n"
                   "consolidate,整合改造,1,60.00,15.00\r\n"
                   "exit,清理退出,1,60.00,0.00\r\n"
                   "unclassifiable,未能分类,2,60.00,0.00\r\n"
                   "total,合计,5,240.00,135.00\r\n");
}

/* A town holding a comma and quotes is quoted (RFC 4180), and sorts by its
** bytes: "坎墩," (',' is 0x2C) before "坎墩街道" (街 is E8 A1 97). */
TEST(quoting_of_comma_and_quote)
{
    out_model *m = fx_output_model();
    out_table *blocks = (out_table *)out_model_table(m, "blocks");
    CHECK(out_table_set_text(blocks, 0, out_column_index(blocks, "town"), "坎墩,\"东\"街道"));
    const char *d = subdir("quoting");
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK_FILE(d, "summary_class_town.csv",
               BOM "town,class,class_zh,blocks,area_mu\r\n"
                   "\"坎墩,\"\"东\"\"街道\",support,扶持发展,1,60.00\r\n"
                   "坎墩街道,exit,清理退出,1,60.00\r\n"
                   "宗汉街道,consolidate,整合改造,1,60.00\r\n"
                   "宗汉街道,unclassifiable,未能分类,1,60.00\r\n"
                   "（无镇街）,unclassifiable,未能分类,1,0.00\r\n");
}

/* An empty town counts as no town: B1's and B5's rows fall in one group. */
TEST(empty_text_is_no_key)
{
    out_model *m = fx_output_model();
    out_table *blocks = (out_table *)out_model_table(m, "blocks");
    CHECK(out_table_set_text(blocks, 0, out_column_index(blocks, "town"), ""));
    const char *d = subdir("empty_key");
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK_FILE(d, "summary_class_town.csv",
               BOM "town,class,class_zh,blocks,area_mu\r\n"
                   "坎墩街道,exit,清理退出,1,60.00\r\n"
                   "宗汉街道,consolidate,整合改造,1,60.00\r\n"
                   "宗汉街道,unclassifiable,未能分类,1,60.00\r\n"
                   "（无镇街）,support,扶持发展,1,60.00\r\n"
                   "（无镇街）,unclassifiable,未能分类,1,0.00\r\n");
}

/* A blocks table without town, park_name, cu_type and tax_sum columns (no
** towns, parks, control units or parcels given): every block in the group
** without a key; the totals still list every class, tax 0. */
TEST(absent_columns_group_as_none)
{
    out_model *m = calloc(1, sizeof *m);
    out_table *t = out_model_add_table(m, "blocks", "工业区块", 0);
    CHECK(t && out_table_add_column(t, "block_id", "", "", OUT_TEXT) == 0);
    CHECK(out_table_set_rows(t, 3));
    static const unsigned char klass[3] = {IBMAP_CLASS_EXIT, IBMAP_CLASS_EXIT,
                                           IBMAP_CLASS_SUPPORT};
    static const unsigned char mode[3] = {IBMAP_MODE_NONE, IBMAP_MODE_NONE,
                                          IBMAP_MODE_CONSOLIDATION};
    static const double mu[3] = {1.25, 2.5, 10};
    m->klass = klass;
    m->mode = mode;
    m->area_mu = mu;
    const char *d = subdir("absent");
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK_FILE(d, "summary_class_town.csv",
               BOM "town,class,class_zh,blocks,area_mu\r\n"
                   "（无镇街）,support,扶持发展,1,10.00\r\n"
                   "（无镇街）,exit,清理退出,2,3.75\r\n");
    CHECK_FILE(d, "summary_class_park.csv",
               BOM "park_name,class,class_zh,blocks,area_mu\r\n"
                   "（园区外）,support,扶持发展,1,10.00\r\n"
                   "（园区外）,exit,清理退出,2,3.75\r\n");
    CHECK_FILE(d, "summary_class_cu.csv",
               BOM "cu_type,class,class_zh,blocks,area_mu\r\n"
                   "（无）,support,扶持发展,1,10.00\r\n"
                   "（无）,exit,清理退出,2,3.75\r\n");
    CHECK_FILE(d, "summary_class_mode.csv",
               BOM "mode,mode_zh,class,class_zh,blocks,area_mu\r\n"
                   ",,exit,清理退出,2,3.75\r\n"
                   "consolidation,零星归宗,support,扶持发展,1,10.00\r\n");
    CHECK_FILE(d, "summary_class_totals.csv",
               BOM "class,class_zh,blocks,area_mu,tax_sum\r\n"
                   "support,扶持发展,1,10.00,0.00\r\n"
                   "consolidate,整合改造,0,0.00,0.00\r\n"
                   "exit,清理退出,2,3.75,0.00\r\n"
                   "unclassifiable,未能分类,0,0.00,0.00\r\n"
                   "total,合计,3,13.75,0.00\r\n");
}

/* No blocks at all: headers only, and totals of zero. */
TEST(no_blocks)
{
    out_model *m = calloc(1, sizeof *m);
    out_table *t = out_model_add_table(m, "blocks", "工业区块", 0);
    CHECK(t && out_table_add_column(t, "town", "", "", OUT_TEXT) == 0);
    CHECK(out_table_set_rows(t, 0));
    const char *d = subdir("none");
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_OK);
    CHECK_FILE(d, "summary_class_town.csv", BOM "town,class,class_zh,blocks,area_mu\r\n");
    CHECK_FILE(d, "summary_class_totals.csv",
               BOM "class,class_zh,blocks,area_mu,tax_sum\r\n"
                   "support,扶持发展,0,0.00,0.00\r\n"
                   "consolidate,整合改造,0,0.00,0.00\r\n"
                   "exit,清理退出,0,0.00,0.00\r\n"
                   "unclassifiable,未能分类,0,0.00,0.00\r\n"
                   "total,合计,0,0.00,0.00\r\n");
}

/* A directory that does not exist: IBMAP_ERR_WRITE naming the file, and
** nothing created. */
TEST(missing_directory_fails)
{
    out_model *m = fx_output_model();
    char d[128];
    snprintf(d, sizeof d, "%s/no/such/dir", dir);
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "summary_class_town.csv");
    struct stat st;
    CHECK(stat(d, &st) != 0);
    char parent[128];
    snprintf(parent, sizeof parent, "%s/no", dir);
    CHECK(stat(parent, &st) != 0);
}

/* A file that cannot be renamed into place (a directory holds its name):
** IBMAP_ERR_WRITE, no temporary file left, and the later files not
** written either (the writer stops at the first failure). */
TEST(failed_write_leaves_no_file)
{
    out_model *m = fx_output_model();
    const char *d = subdir("blocked");
    char blocker[600];
    snprintf(blocker, sizeof blocker, "%s/summary_class_park.csv", d);
    CHECK(mkdir(blocker, 0777) == 0);
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "summary_class_park.csv");
    /* The town file (written first) and the blocking directory; no
    ** .tmp-PID, no cu, mode or totals file. */
    CHECK_INT(count_entries(d), 2);
    char *town = read_out(d, "summary_class_town.csv");
    CHECK(town != NULL);
    free(town);
}

/* A class out of range is a bug upstream, refused before any file. */
TEST(invalid_class_refused)
{
    out_model *m = fx_output_model();
    m->owned_klass[2] = IBMAP_CLASS_COUNT;
    const char *d = subdir("invalid");
    ibmap_status s = out_write_summaries(ctx, m, d);
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_INTERNAL);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "row 2");
    CHECK_INT(count_entries(d), 0);
}

int main(void)
{
    ctx = ibmap_ctx_new();
    snprintf(dir, sizeof dir, "/tmp/ibmap-out-XXXXXX");
    if (!ctx || !mkdtemp(dir)) {
        puts("Bail out! no context or scratch directory");
        return 1;
    }
    RUN(fixture_files_exact);
    RUN(quoting_of_comma_and_quote);
    RUN(empty_text_is_no_key);
    RUN(absent_columns_group_as_none);
    RUN(no_blocks);
    RUN(missing_directory_fails);
    RUN(failed_write_leaves_no_file);
    RUN(invalid_class_refused);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    ibmap_ctx_free(ctx);
    return test_finish();
}
