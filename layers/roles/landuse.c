/*
** landuse — land-use survey polygons: the 三调 地类图斑 layer (DLTB), or a
** planning layer coded in 用地用海 or GB 50137 classes.
**
** The code decides the class (engine/load/landuse_codes.c); the name is read to
** catch a code system that is not the one declared.  三调 DLTB names its
** fields after 《第三次全国国土调查数据库标准》: BSM 标识码, YSDM 要素代码,
** TBBH 图斑编号, DLBM 地类编码, DLMC 地类名称, QSXZ, QSDWDM/QSDWMC 权属单位,
** ZLDWDM/ZLDWMC 坐落单位, TBMJ 图斑面积, KCDLBM 扣除地类编码, …
** (checked against public 三调 attribute configs, e.g.
** BlueSky3707/spacemanager src/config/arrtbuteConfig.js).  Planning layers
** use YDYHFLDM/YDYHFLMC (用地用海分类代码/名称), GHDLBM/GHDLMC (规划地类),
** or YDDM (用地代码).
**
** There is no id: a polygon's BSM is a database key nobody reports on, so
** the FID serves.  KCDLBM (the 扣除 deduction's class) is not the code.
**
** Chinese names whose first three characters are shared by the code and
** the name (用地用海分类代码/名称, 用地分类代码/名称, 规划地类编码/名称)
** are left out: a UTF-8 DBF cuts both to the same three characters.  Their
** pinyin forms fit in 10 bytes and are accepted.
*/
#include "roles.h"

static const char *const code_aliases[] = {
    "code", "dlbm", "dldm", "地类编码", "地类代码", "ydyhfldm", "ghdlbm", "yddm",
    "用地代码", "landuse_code", NULL};
static const char *const name_aliases[] = {
    "name", "dlmc", "地类名称", "地类名", "ydyhflmc", "ghdlmc", "ydmc", "用地名称",
    "landuse_name", NULL};

static const ibmap_field_info fields[] = {
    {"code", IBMAP_FIELD_TEXT, "", "地类编码", "land-use class code in the declared code system", 1, code_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "地类名称", "land-use class name, used to check the code", 0, name_aliases},
};

const ibmap_role_def ibmap_role_landuse = {
    IBMAP_ROLE_LANDUSE, "landuse", "地类图斑",
    "land-use survey polygons (三调 DLTB) or planned land use", 1,
    fields, (int)(sizeof fields / sizeof fields[0])};
