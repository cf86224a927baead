/*
** transition — transition zones 过渡控制区 around protected or central
** areas, where industry is held back.
**
** Drawn by the planners, so the fields are plain: BH/MC (编号/名称).
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "bh", "编号", "gdqbh", "过渡区编号", NULL};
static const char *const name_aliases[] = {
    "name", "mc", "名称", "gdqmc", "过渡区名称", NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "编号", "transition-zone identifier", 0, id_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "名称", "transition-zone name", 0, name_aliases},
};

const ibmap_role_def ibmap_role_transition = {
    IBMAP_ROLE_TRANSITION, "transition", "过渡控制区",
    "transition zones", 0,
    fields, (int)(sizeof fields / sizeof fields[0])};
