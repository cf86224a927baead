/*
** parks — planned industrial parks and platforms (工业园区, 开发区, 小微企业园).
**
** The metrics report the park a block lies in by name ("park_name"), so
** name matters more than id here.  Park layers name the fields YQBH/YQMC
** (园区编号/名称); layers built from the 开发区 catalogue (《中国开发区审核
** 公告目录》) use KFQDM/KFQMC (开发区代码/名称).
**
** 开发区代码 and 开发区名称 both cut to 开发区 in a UTF-8 DBF, so truncated
** they match neither (roles.c).
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "park_id", "yqbh", "yqdm", "园区编号", "园区代码", "kfqdm", "kfqbh",
    "开发区代码", "bh", "编号", NULL};
static const char *const name_aliases[] = {
    "name", "park_name", "yqmc", "园区名称", "kfqmc", "开发区名称", "mc", "名称",
    NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "园区编号", "park identifier", 0, id_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "园区名称", "park name, reported as park_name", 0, name_aliases},
};

const ibmap_role_def ibmap_role_parks = {
    IBMAP_ROLE_PARKS, "parks", "工业园区",
    "planned industrial parks", 1,
    fields, (int)(sizeof fields / sizeof fields[0])};
