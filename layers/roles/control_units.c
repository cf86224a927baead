/*
** control_units — environmental control units 环境管控单元 of the
** 生态环境分区管控 (三线一单) plan.
**
** Every unit has a code (e.g. ZH33028220001: ZH for 综合, then the county,
** then the category digit 1 优先保护 / 2 重点管控 / 3 一般管控), a name and
** a category.  Provincial deliveries name the fields HJGKDYBM/HJGKDYMC
** (环境管控单元编码/名称) or HJZHGKDYBM/HJZHGKDYMC (环境综合管控单元…),
** and the category ZHGKDYFL (综合管控单元分类), whose values are 1/2/3 or
** the Chinese names.  Public web maps of these services read exactly these:
** codeField "HJZHGKDYBM", nameField "HJZHGKDYMC", category "ZHGKDYFL" with
** {1: 优先, 2: 重点, 3: 一般}; another reads "HJGKDYBM, HJGKDYMC".  County
** layers shorten them to GKDYBM, ZHDYBM, GKDYLB, DYLB.
**
** type is text: the loader reads 优先保护 / 重点管控 / 一般管控 or 1/2/3 and,
** without a type field, infers it from the code (cu_type_inferred).
**
** The long Chinese code and name fields cut to the same characters in a
** DBF (环境管控单元编码/名称 → 环境管 / 环境管控单), so truncated they match
** neither (roles.c).  综合管控单元编码/名称 are listed beside
** 综合管控单元分类 so that a cut 综合管 is recognised as ambiguous rather
** than taken for the type.
*/
#include "roles.h"

static const char *const code_aliases[] = {
    "code", "hjgkdybm", "hjzhgkdybm", "gkdybm", "zhdybm", "zhgkdybm", "dybm",
    "环境管控单元编码", "环境综合管控单元编码", "综合管控单元编码",
    "管控单元编码", "单元编码", "编码", NULL};
static const char *const name_aliases[] = {
    "name", "hjgkdymc", "hjzhgkdymc", "gkdymc", "zhdymc", "zhgkdymc", "dymc",
    "环境管控单元名称", "环境综合管控单元名称", "综合管控单元名称",
    "管控单元名称", "单元名称", "mc", "名称", NULL};
static const char *const type_aliases[] = {
    "type", "zhgkdyfl", "gkdyfl", "gkdylb", "gkdylx", "dyfl", "dylb", "dylx",
    "综合管控单元分类", "管控单元分类", "管控单元类别", "管控单元类型",
    "单元分类", "单元类别", "单元类型", "类别", "类型", NULL};

static const ibmap_field_info fields[] = {
    {"code", IBMAP_FIELD_TEXT, "", "环境管控单元编码", "control-unit code, e.g. ZH33028220001", 1, code_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "环境管控单元名称", "control-unit name", 0, name_aliases},
    {"type", IBMAP_FIELD_TEXT, "", "管控单元分类", "category: 优先保护, 重点管控 or 一般管控 (or 1, 2, 3)", 0, type_aliases},
};

const ibmap_role_def ibmap_role_control_units = {
    IBMAP_ROLE_CONTROL_UNITS, "control_units", "环境管控单元",
    "environmental control units (生态环境分区管控)", 1,
    fields, (int)(sizeof fields / sizeof fields[0])};
