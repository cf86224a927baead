/*
** towns — town and sub-district boundaries 镇街 (乡镇/街道), for reporting
** blocks by town.
**
** The 三调 administrative-area layer XZQ names them XZQDM/XZQMC (行政区代码/
** 名称, the 9- or 12-digit 统计用区划代码); county layers use XZDM/XZMC
** (乡镇代码/名称) or ZJDM/ZJMC (镇街); DataV/Amap boundaries use adcode and
** name (checked in the shared real data: garybikini2020 and DataV files).
**
** 行政区代码 and 行政区名称 cut to the same three characters in a UTF-8
** DBF, so truncated they match neither (roles.c).
*/
#include "roles.h"

static const char *const code_aliases[] = {
    "code", "town_code", "xzqdm", "xzqhdm", "xzdm", "zjdm", "adcode", "行政区代码",
    "行政区划代码", "乡镇代码", "镇街代码", NULL};
static const char *const name_aliases[] = {
    "name", "town_name", "town", "xzqmc", "xzqhmc", "xzmc", "zjmc", "行政区名称",
    "行政区划名称", "乡镇名称", "镇街名称", "镇街", "乡镇", "乡镇街道", "mc",
    "名称", NULL};

static const ibmap_field_info fields[] = {
    {"code", IBMAP_FIELD_TEXT, "", "行政区代码", "town administrative code", 0, code_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "行政区名称", "town or sub-district name", 0, name_aliases},
};

const ibmap_role_def ibmap_role_towns = {
    IBMAP_ROLE_TOWNS, "towns", "镇街",
    "town and sub-district boundaries", 0,
    fields, (int)(sizeof fields / sizeof fields[0])};
