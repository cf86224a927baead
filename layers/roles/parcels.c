/*
** parcels — land parcels 宗地 with the enterprise data of the 亩均论英雄
** evaluation (亩均效益综合评价).
**
** A county's 亩均 table (one row per enterprise, joined to its parcel)
** carries tax, value added, revenue, energy, emissions, employees, R&D,
** land and floor area, the A/B/C/D grade and the industry code.  Column
** names are pinyin initials of the Chinese names (SSHJ 税收合计, ZJZ 增加值,
** YYSR 营业收入, ZHNH 综合能耗, …), the Chinese names themselves, or,
** where the parcel comes from the cadastre (地籍 宗地 ZD), ZDDM 宗地代码 and
** QLR 权利人.
**
** Required: tax only.  It is the one figure every 亩均 evaluation has and
** the metrics cannot do without.  The id is not required: many parcel
** layers are enterprise lists digitised onto the map with no parcel code,
** and the FID then serves (ibmap_layer_id, data-quality code id_missing).
**
** Units, where a wrong guess would be silent:
**   - land_mu is in 亩.  In 亩均 data 用地面积 (YDMJ) is given in 亩, so the
**     plain name is accepted.  宗地面积 / ZDMJ / 占地面积 of the cadastre are
**     m² and are NOT accepted here; 占地面积 only with an explicit (亩).
**   - 亩均税收, 亩均增加值 (MJSS, MJZJZ) are per-亩 ratios, not totals:
**     not accepted for tax or value_added.
**   - tax, value_added, revenue and rnd are 万元.  Names with another unit
**     (…（元）, …（亿元）) are not accepted; names with (万元) are, whole only
**     (roles.c: a bracketed unit does not match truncated).
**   - energy is tonnes of standard coal (tce, 吨标准煤); 用电量 (kWh) is not
**     energy here.
**   - 工业总产值 (gross output) is neither revenue nor value added.
**   - 低小散 is a different campaign from 低散乱污 and is not is_lsl;
**     散乱污 is the national name of the same clean-up and is.
**
** Names were checked against public code: 宗地 fields ZDDM, ZDMJ, JZMJ, QLR,
** BSM in a 宅基地 layer config (BlueSky3707/spacemanager,
** src/config/arrtbuteConfig.js); the unified social credit code as TYDM,
** uscc and credit_code in enterprise-registry code; 亩均税收 always given
** as 万元/亩 in 亩均 dashboards.
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "parcel_id", "zddm", "zdbh", "zdh", "宗地代码", "宗地编号", "宗地号",
    "dkbh", "地块编号", NULL};
static const char *const enterprise_aliases[] = {
    "enterprise", "enterprise_name", "company", "qymc", "企业名称", "企业",
    "公司名称", "dwmc", "单位名称", "qlr", "qlrmc", "权利人", "权利人名称", NULL};
static const char *const credit_code_aliases[] = {
    "credit_code", "uscc", "tyshxydm", "shxydm", "xydm", "tydm",
    "统一社会信用代码", "社会信用代码", "社会统一信用代码", "统一信用代码",
    "信用代码", NULL};
static const char *const tax_aliases[] = {
    "tax", "tax_total", "sshj", "ssze", "sjss", "sjsj", "nsze", "税收", "税收合计",
    "税收总额", "实缴税金", "实缴税收", "实缴税额", "纳税总额", "税收（万元）",
    "税收(万元)", "税收合计（万元）", "税收合计(万元)", "实缴税金（万元）",
    "实缴税金(万元)", NULL};
static const char *const value_added_aliases[] = {
    "value_added", "added_value", "zjz", "gyzjz", "增加值", "工业增加值",
    "增加值（万元）", "增加值(万元)", "工业增加值（万元）", "工业增加值(万元)",
    NULL};
static const char *const revenue_aliases[] = {
    "revenue", "sales", "yysr", "zyywsr", "xssr", "营业收入", "主营业务收入",
    "销售收入", "营收", "营业收入（万元）", "营业收入(万元)",
    "主营业务收入（万元）", "主营业务收入(万元)", "销售收入（万元）",
    "销售收入(万元)", NULL};
static const char *const energy_aliases[] = {
    "energy", "energy_tce", "zhnh", "nh", "zhnyxfl", "综合能耗", "能耗", "总能耗",
    "综合能源消费量", "综合能耗（吨标准煤）", "综合能耗(吨标准煤)",
    "综合能耗（吨标煤）", "综合能耗(吨标煤)", "综合能耗(tce)", NULL};
static const char *const emissions_aliases[] = {
    "emissions", "emission", "pfl", "pwl", "wrwpfl", "排放量", "排污量", "排放",
    "污染物排放量", "主要污染物排放量", "排放量（吨）", "排放量(吨)",
    "排放量(t)", NULL};
static const char *const employees_aliases[] = {
    "employees", "cyrs", "zgrs", "ygrs", "从业人数", "职工人数", "从业人员",
    "从业人员数", "员工人数", "用工人数", "年平均从业人数", NULL};
static const char *const rnd_aliases[] = {
    "rnd", "r&d", "rd_expense", "yfjf", "yffy", "yftr", "研发经费", "研发费用",
    "研发投入", "研发经费支出", "研发经费（万元）", "研发经费(万元)",
    "研发费用（万元）", "研发费用(万元)", NULL};
static const char *const land_mu_aliases[] = {
    "land_mu", "area_mu", "ydmj", "ydmjm", "用地面积", "用地面积（亩）",
    "用地面积(亩)", "占地面积（亩）", "占地面积(亩)", "土地面积（亩）",
    "土地面积(亩)", "亩数", NULL};
static const char *const floor_m2_aliases[] = {
    "floor_m2", "floor_area", "jzmj", "zjzmj", "建筑面积", "总建筑面积",
    "建筑面积（平方米）", "建筑面积(平方米)", "建筑面积（㎡）", "建筑面积(m2)",
    NULL};
static const char *const grade_aliases[] = {
    "grade", "mjdj", "pjdj", "dj", "亩均等级", "评价等级", "亩均评价等级",
    "综合评价等级", "等级", "分类等级", "分类结果", "企业分类", NULL};
static const char *const industry_aliases[] = {
    "industry", "industry_code", "hydm", "hyfldm", "行业代码", "行业分类代码",
    "国民经济行业代码", "所属行业代码", NULL};
static const char *const is_lsl_aliases[] = {
    "is_lsl", "sfdslw", "dslw", "是否低散乱污", "低散乱污", "是否低散乱污企业",
    "低散乱污企业", "是否散乱污", "散乱污", NULL};
static const char *const is_small_aliases[] = {
    "is_small", "sflx", "是否两小", "两小", "两小企业", "是否两小企业", NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "宗地代码", "parcel identifier; the FID when absent", 0, id_aliases},
    {"enterprise", IBMAP_FIELD_TEXT, "", "企业名称", "name of the enterprise using the parcel", 0, enterprise_aliases},
    {"credit_code", IBMAP_FIELD_TEXT, "", "统一社会信用代码", "unified social credit code of the enterprise (18 characters)", 0, credit_code_aliases},
    {"tax", IBMAP_FIELD_NUMBER, "万元", "税收", "taxes paid in the evaluation year", 1, tax_aliases},
    {"value_added", IBMAP_FIELD_NUMBER, "万元", "增加值", "industrial value added", 0, value_added_aliases},
    {"revenue", IBMAP_FIELD_NUMBER, "万元", "营业收入", "operating (main business) revenue", 0, revenue_aliases},
    {"energy", IBMAP_FIELD_NUMBER, "tce", "综合能耗", "total energy consumption, tonnes of standard coal equivalent", 0, energy_aliases},
    {"emissions", IBMAP_FIELD_NUMBER, "t", "排放量", "pollutant emissions", 0, emissions_aliases},
    {"employees", IBMAP_FIELD_NUMBER, "人", "从业人数", "number of employees", 0, employees_aliases},
    {"rnd", IBMAP_FIELD_NUMBER, "万元", "研发经费", "R&D expenditure", 0, rnd_aliases},
    {"land_mu", IBMAP_FIELD_NUMBER, "亩", "用地面积", "land area used, in mu (1 亩 = 666.67 m²)", 0, land_mu_aliases},
    {"floor_m2", IBMAP_FIELD_NUMBER, "m²", "建筑面积", "gross floor area", 0, floor_m2_aliases},
    {"grade", IBMAP_FIELD_TEXT, "", "亩均等级", "亩均 evaluation grade: A, B, C or D", 0, grade_aliases},
    {"industry", IBMAP_FIELD_TEXT, "", "行业代码", "industry code (GB/T 4754)", 0, industry_aliases},
    {"is_lsl", IBMAP_FIELD_FLAG, "", "低散乱污", "marked as a 低散乱污 (low-end, scattered, disorderly, polluting) enterprise", 0, is_lsl_aliases},
    {"is_small", IBMAP_FIELD_FLAG, "", "两小", "marked as a 两小 enterprise in the source data", 0, is_small_aliases},
};

const ibmap_role_def ibmap_role_parcels = {
    IBMAP_ROLE_PARCELS, "parcels", "宗地",
    "land parcels with the enterprise figures of the 亩均 evaluation", 1,
    fields, (int)(sizeof fields / sizeof fields[0])};
