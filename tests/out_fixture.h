/*
** out_fixture.h — a small output model built by hand, for the tests of the
** output writers (out_*.c).  Its figures are chosen so that every value a
** test checks can be worked out on paper:
**
**   CRS EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), near Cixi.
**   blocks (200 m × 200 m squares, 40,000 m² = 60 亩 each):
**     row 0  B1  (625000,3345000)-(625200,3345200)  support      town 坎墩街道  park 慈东工业园
**     row 1  B2  (625300,3345000)-(625500,3345200)  consolidate  town 宗汉街道  mode rebuild
**     row 2  B3  (625000,3345300)-(625200,3345500)  exit         town 坎墩街道  red line
**     row 3  B4  (625300,3345300)-(625500,3345500)  unclassifiable  town 宗汉街道
**     row 4  B5  no geometry                        unclassifiable  no town
**   parks:     慈东工业园 (624950,3344950)-(625250,3345250)
**   redline:   (625100,3345350)-(625300,3345600)
**   towns:     坎墩街道 x 624900–625250, 宗汉街道 x 625250–625600,
**              both y 3344900–3345600
**   parcels:   two, in B1 and B2 (tax 120 and 15 万元)
*/
#ifndef IBMAP_OUT_FIXTURE_H
#define IBMAP_OUT_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify/rules.h"
#include "output/output.h"

/* WKB (little-endian) of the rectangle (x0,y0)-(x1,y1), counter-clockwise.
** buf must hold 93 bytes. */
static size_t fx_rect_wkb(unsigned char *buf, double x0, double y0, double x1,
                          double y1)
{
    const double pts[10] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
    unsigned char *p = buf;
    uint32_t u;
    *p++ = 1;
    u = 3; memcpy(p, &u, 4); p += 4;      /* Polygon */
    u = 1; memcpy(p, &u, 4); p += 4;      /* one ring */
    u = 5; memcpy(p, &u, 4); p += 4;      /* five points */
    memcpy(p, pts, sizeof pts);
    p += sizeof pts;
    return (size_t)(p - buf);
}

static out_table *fx_table(out_model *m, const char *name, const char *label,
                           int spatial, const char *const cols[][4], int ncols,
                           int64_t rows)
{
    out_table *t = out_model_add_table(m, name, label, spatial);
    for (int c = 0; c < ncols; c++) {
        out_type type = cols[c][3][0] == 'T' ? OUT_TEXT
                        : cols[c][3][0] == 'R' ? OUT_REAL : OUT_INTEGER;
        out_table_add_column(t, cols[c][0], cols[c][1], cols[c][2], type);
    }
    out_table_set_rows(t, rows);
    return t;
}

static out_model *fx_output_model(void)
{
    out_model *m = calloc(1, sizeof *m);
    unsigned char wkb[128];
    m->crs = ibmap_strdup("EPSG:4549");
    m->scenario = ibmap_strdup("default");
    m->rules_name = ibmap_strdup("慈溪 2021 (test)");
    m->title = ibmap_strdup("工业地图 Industrial map (test)");
    m->data_date = ibmap_strdup("2026-11-29");
    m->extent[0] = 625000; m->extent[1] = 3345000;
    m->extent[2] = 625500; m->extent[3] = 3345500;

    static const char *const bcols[][4] = {
        {"block_id", "区块编号", "", "T"},
        {"fid", "要素号", "", "I"},
        {"name", "区块名称", "", "T"},
        {"town", "镇街", "", "T"},
        {"area_m2", "面积", "m²", "R"},
        {"area_mu", "面积（亩）", "亩", "R"},
        {"redline_share", "生态红线占比", "", "R"},
        {"park_name", "所在园区", "", "T"},
        {"cu_type", "管控单元类型", "", "T"},
        {"tax_sum", "税收合计", "万元", "R"},
        {"tax_per_mu", "亩均税收", "万元/亩", "R"},
        {"metric_status", "计算状态", "", "T"},
        {"class", "分类", "", "T"},
        {"class_zh", "分类（中文）", "", "T"},
        {"mode", "改造方式", "", "T"},
        {"mode_zh", "改造方式（中文）", "", "T"},
        {"rule_id", "规则", "", "T"},
        {"reason", "理由", "", "T"},
        {"matched", "命中规则", "", "T"},
        {"stable", "稳定", "", "I"},
        {"flipped_by", "敏感参数", "", "T"},
    };
    out_table *t = fx_table(m, "blocks", "工业区块", 1, bcols, 21, 5);
    static const char *const ids[] = {"B1", "B2", "B3", "B4", "B5"};
    static const char *const names[] = {"坎墩一号区块", "宗汉二号区块", "坎墩三号区块",
                                        "宗汉四号区块", "无几何区块"};
    static const char *const towns[] = {"坎墩街道", "宗汉街道", "坎墩街道", "宗汉街道", NULL};
    static const double xy[4][2] = {{625000, 3345000}, {625300, 3345000},
                                    {625000, 3345300}, {625300, 3345300}};
    static const ibmap_class cls[] = {IBMAP_CLASS_SUPPORT, IBMAP_CLASS_CONSOLIDATE,
                                      IBMAP_CLASS_EXIT, IBMAP_CLASS_UNCLASSIFIABLE,
                                      IBMAP_CLASS_UNCLASSIFIABLE};
    static const ibmap_mode modes[] = {IBMAP_MODE_NONE, IBMAP_MODE_REBUILD,
                                       IBMAP_MODE_NONE, IBMAP_MODE_NONE, IBMAP_MODE_NONE};
    static const char *const rules[] = {"efficient", "low_tax", "redline", "", ""};
    static const char *const reasons[] = {
        "亩均税收 2.0 万元/亩 达到 1 万元/亩", "亩均税收 0.25 万元/亩 低于 5 万元/亩",
        "生态红线占比 25.0% 超过 1.0%", "", ""};
    m->owned_klass = calloc(5, 1);
    m->owned_mode = calloc(5, 1);
    m->owned_area_mu = calloc(5, sizeof(double));
    for (int r = 0; r < 5; r++) {
        out_table_set_text(t, r, 0, ids[r]);
        out_table_set_integer(t, r, 1, r + 1);
        out_table_set_text(t, r, 2, names[r]);
        out_table_set_text(t, r, 3, towns[r]);
        double area = r < 4 ? 40000 : NAN;
        out_table_set_real(t, r, 4, area);
        out_table_set_real(t, r, 5, area / IBMAP_MU_M2);
        out_table_set_real(t, r, 6, r == 2 ? 0.25 : r < 4 ? 0 : NAN);
        out_table_set_text(t, r, 7, r == 0 ? "慈东工业园" : NULL);
        out_table_set_text(t, r, 8, r < 4 ? (r == 2 ? "优先保护" : "一般管控") : NULL);
        out_table_set_real(t, r, 9, r == 0 ? 120 : r == 1 ? 15 : NAN);
        out_table_set_real(t, r, 10, r == 0 ? 2.0 : r == 1 ? 0.25 : NAN);
        out_table_set_text(t, r, 11, r < 3 ? "ok" : r == 3 ? "failed: test" : "no_geometry");
        out_table_set_text(t, r, 12, ibmap_class_name(cls[r]));
        out_table_set_text(t, r, 13, ibmap_class_label_zh(cls[r]));
        out_table_set_text(t, r, 14, ibmap_mode_name(modes[r]));
        out_table_set_text(t, r, 15, ibmap_mode_label_zh(modes[r]));
        out_table_set_text(t, r, 16, rules[r]);
        out_table_set_text(t, r, 17, reasons[r]);
        out_table_set_text(t, r, 18, rules[r]);
        out_table_set_integer(t, r, 19, r != 1);
        out_table_set_text(t, r, 20, r == 1 ? "tax_floor" : "");
        if (r < 4)
            out_table_set_wkb(t, r, wkb, fx_rect_wkb(wkb, xy[r][0], xy[r][1],
                                                     xy[r][0] + 200, xy[r][1] + 200));
        m->owned_klass[r] = (unsigned char)cls[r];
        m->owned_mode[r] = (unsigned char)modes[r];
        m->owned_area_mu[r] = area / IBMAP_MU_M2;
    }
    m->klass = m->owned_klass;
    m->mode = m->owned_mode;
    m->area_mu = m->owned_area_mu;

    static const char *const pcols[][4] = {
        {"parcel_id", "宗地编号", "", "T"}, {"fid", "要素号", "", "I"},
        {"enterprise", "企业名称", "", "T"}, {"tax", "税收", "万元", "R"},
        {"grade", "亩均评价等级", "", "T"}, {"block_id", "所在区块", "", "T"}};
    t = fx_table(m, "parcels", "宗地", 1, pcols, 6, 2);
    for (int r = 0; r < 2; r++) {
        out_table_set_text(t, r, 0, r ? "P2" : "P1");
        out_table_set_integer(t, r, 1, r + 1);
        out_table_set_text(t, r, 2, r ? "宁波乙机械厂" : "慈溪甲电器有限公司");
        out_table_set_real(t, r, 3, r ? 15 : 120);
        out_table_set_text(t, r, 4, r ? "C" : "A");
        out_table_set_text(t, r, 5, r ? "B2" : "B1");
        out_table_set_wkb(t, r, wkb, fx_rect_wkb(wkb, xy[r][0] + 20, xy[r][1] + 20,
                                                 xy[r][0] + 180, xy[r][1] + 180));
    }
    static const char *const zcols[][4] = {
        {"id", "编号", "", "T"}, {"fid", "要素号", "", "I"}, {"name", "名称", "", "T"}};
    t = fx_table(m, "redline", "生态保护红线", 1, zcols, 3, 1);
    out_table_set_text(t, 0, 0, "HX1");
    out_table_set_integer(t, 0, 1, 1);
    out_table_set_text(t, 0, 2, "杭州湾湿地红线");
    out_table_set_wkb(t, 0, wkb, fx_rect_wkb(wkb, 625100, 3345350, 625300, 3345600));
    t = fx_table(m, "parks", "规划工业园区", 1, zcols, 3, 1);
    out_table_set_text(t, 0, 0, "YQ1");
    out_table_set_integer(t, 0, 1, 1);
    out_table_set_text(t, 0, 2, "慈东工业园");
    out_table_set_wkb(t, 0, wkb, fx_rect_wkb(wkb, 624950, 3344950, 625250, 3345250));
    t = fx_table(m, "towns", "镇街", 1, zcols, 3, 2);
    for (int r = 0; r < 2; r++) {
        out_table_set_text(t, r, 0, r ? "T2" : "T1");
        out_table_set_integer(t, r, 1, r + 1);
        out_table_set_text(t, r, 2, r ? "宗汉街道" : "坎墩街道");
        out_table_set_wkb(t, r, wkb, fx_rect_wkb(wkb, r ? 625250 : 624900, 3344900,
                                                 r ? 625600 : 625250, 3345600));
    }
    static const char *const lcols[][4] = {
        {"block_id", "区块编号", "", "T"}, {"code", "地类编码", "", "T"},
        {"area_m2", "面积", "m²", "R"}, {"share", "占比", "", "R"}};
    t = fx_table(m, "landuse_by_block", "区块地类构成", 0, lcols, 4, 2);
    out_table_set_text(t, 0, 0, "B1");
    out_table_set_text(t, 0, 1, "0601");
    out_table_set_real(t, 0, 2, 40000);
    out_table_set_real(t, 0, 3, 1);
    out_table_set_text(t, 1, 0, "B2");
    out_table_set_text(t, 1, 1, "0601");
    out_table_set_real(t, 1, 2, 30000);
    out_table_set_real(t, 1, 3, 0.75);
    static const char *const dcols[][4] = {
        {"layer", "图层", "", "T"}, {"fid", "要素号", "", "I"},
        {"feature_id", "要素编号", "", "T"}, {"field", "字段", "", "T"},
        {"problem", "问题", "", "T"}, {"severity", "严重程度", "", "T"},
        {"value", "原值", "", "T"}, {"detail", "说明", "", "T"},
        {"action", "处理", "", "T"}};
    t = fx_table(m, "data_quality", "数据质量", 0, dcols, 9, 2);
    out_table_set_text(t, 0, 0, "blocks");
    out_table_set_integer(t, 0, 1, 5);
    out_table_set_text(t, 0, 2, "B5");
    out_table_set_text(t, 0, 3, "geometry");
    out_table_set_text(t, 0, 4, "null_geometry");
    out_table_set_text(t, 0, 5, "error");
    out_table_set_text(t, 0, 7, "the feature has no geometry");
    out_table_set_text(t, 0, 8, "kept; not measured");
    out_table_set_text(t, 1, 0, "parcels");
    out_table_set_integer(t, 1, 1, 2);
    out_table_set_text(t, 1, 2, "P2");
    out_table_set_text(t, 1, 3, "tax");
    out_table_set_text(t, 1, 4, "number_normalised");
    out_table_set_text(t, 1, 5, "info");
    out_table_set_text(t, 1, 6, "1,5");
    static const char *const rcols[][4] = {{"key", "项目", "", "T"}, {"value", "值", "", "T"}};
    t = fx_table(m, "run", "运行信息", 0, rcols, 2, 2);
    out_table_set_text(t, 0, 0, "crs");
    out_table_set_text(t, 0, 1, "EPSG:4549");
    out_table_set_text(t, 1, 0, "rules");
    out_table_set_text(t, 1, 1, "慈溪 2021 (test)");

    static const struct { const char *id; ibmap_class k; ibmap_mode md; int64_t n; } rl[] = {
        {"redline", IBMAP_CLASS_EXIT, IBMAP_MODE_NONE, 1},
        {"low_tax", IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_REBUILD, 1},
        {"efficient", IBMAP_CLASS_SUPPORT, IBMAP_MODE_NONE, 1},
        {"default", IBMAP_CLASS_CONSOLIDATE, IBMAP_MODE_PARTIAL_RENEWAL, 0}};
    m->n_rules = 4;
    m->rules = calloc(4, sizeof *m->rules);
    for (int i = 0; i < 4; i++) {
        m->rules[i].id = ibmap_strdup(rl[i].id);
        m->rules[i].klass = rl[i].k;
        m->rules[i].mode = rl[i].md;
        m->rules[i].source = ibmap_strdup("慈政办发〔2021〕31号 第三条");
        m->rules[i].when = ibmap_strdup(i == 3 ? "1" : "tax_per_mu < tax_floor");
        m->rules[i].n_decided = rl[i].n;
    }
    m->n_scenarios = 1;
    m->scenarios = calloc(1, sizeof *m->scenarios);
    m->scenarios[0].name = ibmap_strdup("strict");
    m->scenarios[0].blocks[0][1] = 1;   /* B1 support here, consolidate there */
    m->scenarios[0].mu[0][1] = 60;
    m->scenarios[0].blocks[1][1] = 1;
    m->scenarios[0].mu[1][1] = 60;
    m->scenarios[0].blocks[2][2] = 1;
    m->scenarios[0].mu[2][2] = 60;
    m->scenarios[0].blocks[3][3] = 2;
    m->scenarios[0].mu[3][3] = 60;
    m->sweep.param = ibmap_strdup("tax_floor");
    m->sweep.n_values = 3;
    m->sweep.values = calloc(3, sizeof(double));
    m->sweep.blocks = calloc(3 * IBMAP_CLASS_COUNT, sizeof(int64_t));
    m->sweep.mu = calloc(3 * IBMAP_CLASS_COUNT, sizeof(double));
    for (int v = 0; v < 3; v++) {
        m->sweep.values[v] = 1 + v;
        m->sweep.blocks[v * IBMAP_CLASS_COUNT + 0] = v < 2 ? 1 : 0;
        m->sweep.blocks[v * IBMAP_CLASS_COUNT + 1] = v < 2 ? 1 : 2;
        m->sweep.blocks[v * IBMAP_CLASS_COUNT + 2] = 1;
        m->sweep.blocks[v * IBMAP_CLASS_COUNT + 3] = 2;
        for (int k = 0; k < IBMAP_CLASS_COUNT; k++)
            m->sweep.mu[v * IBMAP_CLASS_COUNT + k] =
                (double)m->sweep.blocks[v * IBMAP_CLASS_COUNT + k] * 60;
    }
    return m;
}

#endif /* IBMAP_OUT_FIXTURE_H */
