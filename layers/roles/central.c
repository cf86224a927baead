/*
** central — central districts 中心区 (town centres, CBDs) that industry
** should move out of.
**
** Drawn by the planners themselves, so the fields are plain: BH/MC
** (编号/名称) or English; OSM-derived CBD outlines bring only "name".
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "bh", "编号", "zxqbh", "中心区编号", NULL};
static const char *const name_aliases[] = {
    "name", "mc", "名称", "zxqmc", "中心区名称", NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "编号", "central-district identifier", 0, id_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "名称", "central-district name", 0, name_aliases},
};

const ibmap_role_def ibmap_role_central = {
    IBMAP_ROLE_CENTRAL, "central", "中心区",
    "central districts", 0,
    fields, (int)(sizeof fields / sizeof fields[0])};
