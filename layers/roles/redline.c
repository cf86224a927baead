/*
** redline — the ecological protection red line 生态保护红线.
**
** Blocks inside the red line cannot stay industrial, so only the polygons
** matter; id and name are for the report.  Delivered red-line layers name
** the patch HXBH/HXMC (红线编号/名称) or, from a 国土空间规划 database,
** carry a BSM 标识码; generic BH/MC (编号/名称) are common in county data.
**
** 生态保护红线编号 and 生态保护红线名称 cut to the same characters in a DBF
** (生态保 / 生态保护红), so truncated they match neither (roles.c).
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "redline_id", "hxbh", "stbhhxbh", "红线编号", "生态保护红线编号", "bh",
    "编号", "bsm", "标识码", NULL};
static const char *const name_aliases[] = {
    "name", "redline_name", "hxmc", "stbhhxmc", "红线名称", "生态保护红线名称",
    "mc", "名称", NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "红线编号", "red-line patch identifier", 0, id_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "红线名称", "red-line patch name", 0, name_aliases},
};

const ibmap_role_def ibmap_role_redline = {
    IBMAP_ROLE_REDLINE, "redline", "生态保护红线",
    "ecological protection red line", 1,
    fields, (int)(sizeof fields / sizeof fields[0])};
