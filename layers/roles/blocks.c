/*
** blocks — industrial blocks 工业区块, the unit of the whole analysis.
**
** Every other layer is measured against these polygons.  A block layer from
** a county's 工业用地整治 work usually carries a block number (区块编号,
** QKBH), a name (区块名称, QKMC) and the town (镇街, ZJ/SSZJ).
**
** "objectid" comes last among the id names: it is the row number an ESRI
** geodatabase export leaves behind, no better than the FID, taken only when
** nothing else names the block.
*/
#include "roles.h"

static const char *const id_aliases[] = {
    "id", "block_id", "qkbh", "qkdm", "qkbm", "区块编号", "区块代码", "区块编码",
    "编号", "bh", "objectid", NULL};
static const char *const name_aliases[] = {
    "name", "block_name", "qkmc", "区块名称", "区块名", "名称", "mc", NULL};
static const char *const town_aliases[] = {
    "town", "sszj", "szzj", "zj", "xzmc", "所属镇街", "所在镇街", "镇街", "镇街道",
    "乡镇", "乡镇街道", "所属乡镇", "xzqmc", NULL};

static const ibmap_field_info fields[] = {
    {"id", IBMAP_FIELD_TEXT, "", "区块编号", "block identifier", 1, id_aliases},
    {"name", IBMAP_FIELD_TEXT, "", "区块名称", "block name", 0, name_aliases},
    {"town", IBMAP_FIELD_TEXT, "", "所属镇街", "town or sub-district (镇街) the block is in", 0, town_aliases},
};

const ibmap_role_def ibmap_role_blocks = {
    IBMAP_ROLE_BLOCKS, "blocks", "工业区块",
    "industrial blocks, the unit of analysis", 1,
    fields, (int)(sizeof fields / sizeof fields[0])};
