/*
** basic_farmland — permanent basic farmland 永久基本农田 patches.
**
** The layer follows the 三调 patch schema: BSM 标识码, YSDM, XZQDM/XZQMC,
** TBBH (the 三调 patch it comes from), DLBM/DLMC, and the patch number
** YJJBNTTBBH 永久基本农田图斑编号 (older 基本农田 data: JBNTTBBH
** 基本农田图斑编号).  Checked against public schemas: a PostGIS table
** yjjbntbhtb ("BSM", "YSDM", "XZQDM", "XZQMC", "YJJBNTTBBH", "TBBH",
** "DLBM", …) and a city data standard listing BSM 标识码, JBNTTBBH
** 基本农田图斑编号, TBBH 图斑编号.
**
** The patch numbers come before BSM: they are what the land bureau quotes.
** TBBH is not an id here: it numbers the 三调 patch, and only within a
** village.  XZQMC and DLMC are not names of the patch.
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "yjjbnttbbh", "jbnttbbh", "永久基本农田图斑编号", "基本农田图斑编号",
    "bsm", "标识码", "bh", "编号", NULL};
static const char *const name_aliases[] = {
    "name", "mc", "名称", NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "图斑编号", "farmland patch identifier", 0, id_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "名称", "farmland patch name", 0, name_aliases},
};

const ibmap_role_def ibmap_role_basic_farmland = {
    IBMAP_ROLE_BASIC_FARMLAND, "basic_farmland", "永久基本农田",
    "permanent basic farmland", 0,
    fields, (int)(sizeof fields / sizeof fields[0])};
