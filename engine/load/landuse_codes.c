/*
** landuse_codes.c — the three land-use code systems a Chinese county's data
** comes in, and what group of land each code means for the metrics.
**
**   sandiao   第三次全国国土调查工作分类 (三调, TD/T 1055-2019 附录 A), with the
**             finer GB/T 21010-2017 codes that 三调 merged, the 可调整 (K)
**             and attribute (A) codes 三调 databases carry, and 1208 后备耕地
**             of the annual 国土变更调查.
**   ydyh      国土空间调查、规划、用途管制用地用海分类指南 (2023), with the codes
**             and names of its 2020 试行 edition that planning data made
**             between 2020 and 2023 still carries.
**   gb50137   GB 50137-2011 城市用地分类与规划建设用地标准.
**
** Each system is one static table sorted by code, so a lookup is a binary
** search over at most 200 entries and never allocates: ingest calls it once
** per feature, for hundreds of thousands of features.  docs/landuse-codes.md
** lists every entry with the reasons for its group; the tests check that
** the document and these tables agree, both ways.
**
** A code is the authority: 三调 databases derive the name (DLMC) from the
** code (DLBM).  The name is only checked, to catch data of another system
** declared as this one (the same code means something else there) and
** code/name pairs that name two different kinds of land.
*/
#include <stddef.h>
#include <string.h>

#include "load/load.h"

typedef struct lu_entry {
    const char *code;     /* canonical: upper case, leading zeros kept */
    const char *name;     /* the official name */
    const char *alias;    /* a name the same code officially had in the
                             parent or earlier edition, or NULL: GB/T
                             21010-2017 for sandiao, the 2020 试行 for ydyh */
    ibmap_lu_group group;
} lu_entry;

#define E(c, n, g) {c, n, NULL, IBMAP_LU_##g}
#define EA(c, n, a, g) {c, n, a, IBMAP_LU_##g}

/* The 三调 working classification.  Sorted by strcmp (digits before
** letters, so "0508" < "05H1" and "0810" < "0810A" < "08H1"). */
static const lu_entry sandiao[] = {
    E("00", "湿地", WATER),
    E("01", "耕地", FARMLAND),
    E("0101", "水田", FARMLAND),
    E("0102", "水浇地", FARMLAND),
    E("0103", "旱地", FARMLAND),
    EA("02", "种植园用地", "园地", FARMLAND),
    E("0201", "果园", FARMLAND),
    E("0201K", "可调整果园", FARMLAND),
    E("0202", "茶园", FARMLAND),
    E("0202K", "可调整茶园", FARMLAND),
    E("0203", "橡胶园", FARMLAND),
    E("0203K", "可调整橡胶园", FARMLAND),
    E("0204", "其他园地", FARMLAND),
    E("0204K", "可调整其他园地", FARMLAND),
    E("03", "林地", FOREST_GREEN),
    E("0301", "乔木林地", FOREST_GREEN),
    E("0301K", "可调整乔木林地", FOREST_GREEN),
    E("0302", "竹林地", FOREST_GREEN),
    E("0302K", "可调整竹林地", FOREST_GREEN),
    E("0303", "红树林地", FOREST_GREEN),
    E("0304", "森林沼泽", FOREST_GREEN),
    E("0305", "灌木林地", FOREST_GREEN),
    E("0306", "灌丛沼泽", FOREST_GREEN),
    E("0307", "其他林地", FOREST_GREEN),
    E("0307K", "可调整其他林地", FOREST_GREEN),
    E("04", "草地", FOREST_GREEN),
    E("0401", "天然牧草地", FOREST_GREEN),
    E("0402", "沼泽草地", FOREST_GREEN),
    E("0403", "人工牧草地", FOREST_GREEN),
    E("0403K", "可调整人工牧草地", FOREST_GREEN),
    E("0404", "其他草地", FOREST_GREEN),
    EA("05", "商业服务业用地", "商服用地", COMMERCIAL),
    E("0501", "零售商业用地", COMMERCIAL),
    E("0502", "批发市场用地", COMMERCIAL),
    E("0503", "餐饮用地", COMMERCIAL),
    E("0504", "旅馆用地", COMMERCIAL),
    E("0505", "商务金融用地", COMMERCIAL),
    E("0506", "娱乐用地", COMMERCIAL),
    E("0507", "其他商服用地", COMMERCIAL),
    E("0508", "物流仓储用地", WAREHOUSING),
    E("05H1", "商业服务业设施用地", COMMERCIAL),
    /* The class lumps mines and salt pans with factories: only codes that
    ** mean 工业用地 and nothing else count as industrial. */
    EA("06", "工矿用地", "工矿仓储用地", OTHER),
    E("0601", "工业用地", INDUSTRIAL),
    E("0602", "采矿用地", OTHER),
    E("0603", "盐田", OTHER),
    E("0604", "仓储用地", WAREHOUSING),
    E("07", "住宅用地", RESIDENTIAL),
    E("0701", "城镇住宅用地", RESIDENTIAL),
    E("0702", "农村宅基地", RESIDENTIAL),
    E("08", "公共管理与公共服务用地", PUBLIC),
    E("0801", "机关团体用地", PUBLIC),
    E("0802", "新闻出版用地", PUBLIC),
    E("0803", "教育用地", PUBLIC),
    E("0804", "科研用地", PUBLIC),
    E("0805", "医疗卫生用地", PUBLIC),
    E("0806", "社会福利用地", PUBLIC),
    E("0807", "文化设施用地", PUBLIC),
    E("0808", "体育用地", PUBLIC),
    E("0809", "公用设施用地", PUBLIC),
    E("0810", "公园与绿地", FOREST_GREEN),
    E("0810A", "广场用地", FOREST_GREEN),
    E("08H1", "机关团体新闻出版用地", PUBLIC),
    E("08H2", "科教文卫用地", PUBLIC),
    E("08H2A", "高教用地", PUBLIC),
    E("09", "特殊用地", PUBLIC),
    E("0901", "军事设施用地", PUBLIC),
    E("0902", "使领馆用地", PUBLIC),
    E("0903", "监教场所用地", PUBLIC),
    E("0904", "宗教用地", PUBLIC),
    E("0905", "殡葬用地", PUBLIC),
    E("0906", "风景名胜设施用地", PUBLIC),
    E("10", "交通运输用地", TRANSPORT),
    E("1001", "铁路用地", TRANSPORT),
    E("1002", "轨道交通用地", TRANSPORT),
    E("1003", "公路用地", TRANSPORT),
    E("1004", "城镇村道路用地", TRANSPORT),
    E("1005", "交通服务场站用地", TRANSPORT),
    E("1006", "农村道路", TRANSPORT),
    E("1007", "机场用地", TRANSPORT),
    E("1008", "港口码头用地", TRANSPORT),
    E("1009", "管道运输用地", TRANSPORT),
    E("11", "水域及水利设施用地", WATER),
    E("1101", "河流水面", WATER),
    E("1102", "湖泊水面", WATER),
    E("1103", "水库水面", WATER),
    E("1104", "坑塘水面", WATER),
    E("1104A", "养殖坑塘", WATER),
    E("1104K", "可调整养殖坑塘", WATER),
    E("1105", "沿海滩涂", WATER),
    E("1106", "内陆滩涂", WATER),
    E("1107", "沟渠", WATER),
    E("1107A", "干渠", WATER),
    E("1108", "沼泽地", WATER),
    /* Dams, sluices and pumping stations: built land, which 用地用海
    ** files under 公用设施 (1311 水工设施用地). */
    E("1109", "水工建筑用地", PUBLIC),
    E("1110", "冰川及永久积雪", WATER),
    E("12", "其他土地", OTHER),
    E("1201", "空闲地", OTHER),
    E("1202", "设施农用地", FARMLAND),
    E("1203", "田坎", FARMLAND),
    E("1204", "盐碱地", OTHER),
    E("1205", "沙地", OTHER),
    E("1206", "裸土地", OTHER),
    E("1207", "裸岩石砾地", OTHER),
    E("1208", "后备耕地", OTHER),
};

/* 用地用海分类 (2023).  Codes the 2023 edition dropped but 2020 试行 data
** carries (0603, 0604, 090301, 090302, 1313) are kept: no 2023 code
** means anything else by them. */
static const lu_entry ydyh[] = {
    E("01", "耕地", FARMLAND),
    E("0101", "水田", FARMLAND),
    E("0102", "水浇地", FARMLAND),
    E("0103", "旱地", FARMLAND),
    E("02", "园地", FARMLAND),
    E("0201", "果园", FARMLAND),
    E("0202", "茶园", FARMLAND),
    EA("0203", "橡胶园地", "橡胶园", FARMLAND),
    EA("0204", "油料园地", "其他园地", FARMLAND),
    E("0205", "其他园地", FARMLAND),
    E("03", "林地", FOREST_GREEN),
    E("0301", "乔木林地", FOREST_GREEN),
    E("0302", "竹林地", FOREST_GREEN),
    E("0303", "灌木林地", FOREST_GREEN),
    E("0304", "其他林地", FOREST_GREEN),
    E("04", "草地", FOREST_GREEN),
    E("0401", "天然牧草地", FOREST_GREEN),
    E("0402", "人工牧草地", FOREST_GREEN),
    E("0403", "其他草地", FOREST_GREEN),
    /* Wetland: vegetated kinds are green, open ones water; the class as a
    ** whole is mostly tidal flat in a coastal county. */
    E("05", "湿地", WATER),
    E("0501", "森林沼泽", FOREST_GREEN),
    E("0502", "灌丛沼泽", FOREST_GREEN),
    E("0503", "沼泽草地", FOREST_GREEN),
    E("0504", "其他沼泽地", WATER),
    E("0505", "沿海滩涂", WATER),
    E("0506", "内陆滩涂", WATER),
    E("0507", "红树林地", FOREST_GREEN),
    E("06", "农业设施建设用地", FARMLAND),
    EA("0601", "农村道路", "乡村道路用地", TRANSPORT),
    E("060101", "村道用地", TRANSPORT),
    E("060102", "田间道", TRANSPORT),
    EA("0602", "设施农用地", "种植设施建设用地", FARMLAND),
    E("060201", "种植设施建设用地", FARMLAND),
    E("060202", "畜禽养殖设施建设用地", FARMLAND),
    E("060203", "水产养殖设施建设用地", FARMLAND),
    E("0603", "畜禽养殖设施建设用地", FARMLAND),
    E("0604", "水产养殖设施建设用地", FARMLAND),
    E("07", "居住用地", RESIDENTIAL),
    E("0701", "城镇住宅用地", RESIDENTIAL),
    E("070101", "一类城镇住宅用地", RESIDENTIAL),
    E("070102", "二类城镇住宅用地", RESIDENTIAL),
    E("070103", "三类城镇住宅用地", RESIDENTIAL),
    E("0702", "城镇社区服务设施用地", RESIDENTIAL),
    E("0703", "农村宅基地", RESIDENTIAL),
    E("070301", "一类农村宅基地", RESIDENTIAL),
    E("070302", "二类农村宅基地", RESIDENTIAL),
    E("0704", "农村社区服务设施用地", RESIDENTIAL),
    E("08", "公共管理与公共服务用地", PUBLIC),
    E("0801", "机关团体用地", PUBLIC),
    E("0802", "科研用地", PUBLIC),
    E("0803", "文化用地", PUBLIC),
    E("080301", "图书与展览用地", PUBLIC),
    E("080302", "文化活动用地", PUBLIC),
    E("0804", "教育用地", PUBLIC),
    E("080401", "高等教育用地", PUBLIC),
    E("080402", "中等职业教育用地", PUBLIC),
    E("080403", "中小学用地", PUBLIC),
    E("080404", "幼儿园用地", PUBLIC),
    E("080405", "其他教育用地", PUBLIC),
    E("0805", "体育用地", PUBLIC),
    E("080501", "体育场馆用地", PUBLIC),
    E("080502", "体育训练用地", PUBLIC),
    E("0806", "医疗卫生用地", PUBLIC),
    E("080601", "医院用地", PUBLIC),
    E("080602", "基层医疗卫生设施用地", PUBLIC),
    E("080603", "公共卫生用地", PUBLIC),
    E("0807", "社会福利用地", PUBLIC),
    E("080701", "老年人社会福利用地", PUBLIC),
    E("080702", "儿童社会福利用地", PUBLIC),
    E("080703", "残疾人社会福利用地", PUBLIC),
    E("080704", "其他社会福利用地", PUBLIC),
    E("09", "商业服务业用地", COMMERCIAL),
    E("0901", "商业用地", COMMERCIAL),
    E("090101", "零售商业用地", COMMERCIAL),
    E("090102", "批发市场用地", COMMERCIAL),
    E("090103", "餐饮用地", COMMERCIAL),
    E("090104", "旅馆用地", COMMERCIAL),
    E("090105", "公用设施营业网点用地", COMMERCIAL),
    E("0902", "商务金融用地", COMMERCIAL),
    EA("0903", "娱乐用地", "娱乐康体用地", COMMERCIAL),
    E("090301", "娱乐用地", COMMERCIAL),
    E("090302", "康体用地", COMMERCIAL),
    E("0904", "其他商业服务业用地", COMMERCIAL),
    /* As 三调 06: the class includes mines and salt pans. */
    E("10", "工矿用地", OTHER),
    E("1001", "工业用地", INDUSTRIAL),
    E("100101", "一类工业用地", INDUSTRIAL),
    E("100102", "二类工业用地", INDUSTRIAL),
    E("100103", "三类工业用地", INDUSTRIAL),
    E("1002", "采矿用地", OTHER),
    E("1003", "盐田", OTHER),
    E("11", "仓储用地", WAREHOUSING),
    E("1101", "物流仓储用地", WAREHOUSING),
    E("110101", "一类物流仓储用地", WAREHOUSING),
    E("110102", "二类物流仓储用地", WAREHOUSING),
    E("110103", "三类物流仓储用地", WAREHOUSING),
    E("1102", "储备库用地", WAREHOUSING),
    E("12", "交通运输用地", TRANSPORT),
    E("1201", "铁路用地", TRANSPORT),
    E("1202", "公路用地", TRANSPORT),
    E("1203", "机场用地", TRANSPORT),
    E("1204", "港口码头用地", TRANSPORT),
    E("1205", "管道运输用地", TRANSPORT),
    E("1206", "城市轨道交通用地", TRANSPORT),
    EA("1207", "城镇村道路用地", "城镇道路用地", TRANSPORT),
    E("1208", "交通场站用地", TRANSPORT),
    E("120801", "对外交通场站用地", TRANSPORT),
    E("120802", "公共交通场站用地", TRANSPORT),
    E("120803", "社会停车场用地", TRANSPORT),
    E("1209", "其他交通设施用地", TRANSPORT),
    E("13", "公用设施用地", PUBLIC),
    E("1301", "供水用地", PUBLIC),
    E("1302", "排水用地", PUBLIC),
    E("1303", "供电用地", PUBLIC),
    E("1304", "供燃气用地", PUBLIC),
    E("1305", "供热用地", PUBLIC),
    E("1306", "通信用地", PUBLIC),
    E("1307", "邮政用地", PUBLIC),
    E("1308", "广播电视设施用地", PUBLIC),
    E("1309", "环卫用地", PUBLIC),
    E("1310", "消防用地", PUBLIC),
    /* 2020 试行 had 1311 干渠, 1312 水工设施用地, 1313 其他公用设施用地;
    ** 2023 dropped 干渠 and moved the other two up.  Every reading is a
    ** public utility, so both editions' names are accepted. */
    EA("1311", "水工设施用地", "干渠", PUBLIC),
    EA("1312", "其他公用设施用地", "水工设施用地", PUBLIC),
    E("1313", "其他公用设施用地", PUBLIC),
    E("14", "绿地与开敞空间用地", FOREST_GREEN),
    E("1401", "公园绿地", FOREST_GREEN),
    E("1402", "防护绿地", FOREST_GREEN),
    E("1403", "广场用地", FOREST_GREEN),
    E("15", "特殊用地", PUBLIC),
    E("1501", "军事设施用地", PUBLIC),
    E("1502", "使领馆用地", PUBLIC),
    E("1503", "宗教用地", PUBLIC),
    E("1504", "文物古迹用地", PUBLIC),
    E("1505", "监教场所用地", PUBLIC),
    E("1506", "殡葬用地", PUBLIC),
    E("1507", "其他特殊用地", PUBLIC),
    E("16", "留白用地", OTHER),
    E("17", "陆地水域", WATER),
    E("1701", "河流水面", WATER),
    E("1702", "湖泊水面", WATER),
    E("1703", "水库水面", WATER),
    E("1704", "坑塘水面", WATER),
    E("1705", "沟渠", WATER),
    E("1706", "冰川及常年积雪", WATER),
    /* Sea use: the polygons are sea surface whatever it is used for (工业
    ** 用海 is not industrial land), so all are water; the one island-land
    ** code is farmland. */
    E("18", "渔业用海", WATER),
    E("1801", "渔业基础设施用海", WATER),
    E("1802", "增养殖用海", WATER),
    E("1803", "捕捞海域", WATER),
    E("1804", "农林牧业用岛", FARMLAND),
    E("19", "工矿通信用海", WATER),
    E("1901", "工业用海", WATER),
    E("1902", "盐田用海", WATER),
    E("1903", "固体矿产用海", WATER),
    E("1904", "油气用海", WATER),
    E("1905", "可再生能源用海", WATER),
    E("1906", "海底电缆管道用海", WATER),
    E("20", "交通运输用海", WATER),
    E("2001", "港口用海", WATER),
    E("2002", "航运用海", WATER),
    E("2003", "路桥隧道用海", WATER),
    E("2004", "机场用海", WATER),
    E("2005", "其他交通运输用海", WATER),
    E("21", "游憩用海", WATER),
    E("2101", "风景旅游用海", WATER),
    E("2102", "文体休闲娱乐用海", WATER),
    E("22", "特殊用海", WATER),
    E("2201", "军事用海", WATER),
    EA("2202", "科研教育用海", "其他特殊用海", WATER),
    E("2203", "海洋保护修复及海岸防护工程用海", WATER),
    E("2204", "排污倾倒用海", WATER),
    E("2205", "水下文物保护用海", WATER),
    E("2206", "其他特殊用海", WATER),
    E("23", "其他土地", OTHER),
    E("2301", "空闲地", OTHER),
    E("2302", "后备耕地", OTHER),
    E("2303", "田坎", FARMLAND),
    E("2304", "盐碱地", OTHER),
    E("2305", "沙地", OTHER),
    E("2306", "裸土地", OTHER),
    E("2307", "裸岩石砾地", OTHER),
    E("24", "其他海域", WATER),
};

/* GB 50137-2011: 城乡用地 (H, E) and 城市建设用地 (the rest). */
static const lu_entry gb50137[] = {
    E("A", "公共管理与公共服务设施用地", PUBLIC),
    E("A1", "行政办公用地", PUBLIC),
    E("A2", "文化设施用地", PUBLIC),
    E("A21", "图书展览用地", PUBLIC),
    E("A22", "文化活动用地", PUBLIC),
    E("A3", "教育科研用地", PUBLIC),
    E("A31", "高等院校用地", PUBLIC),
    E("A32", "中等专业学校用地", PUBLIC),
    E("A33", "中小学用地", PUBLIC),
    E("A34", "特殊教育用地", PUBLIC),
    E("A35", "科研用地", PUBLIC),
    E("A4", "体育用地", PUBLIC),
    E("A41", "体育场馆用地", PUBLIC),
    E("A42", "体育训练用地", PUBLIC),
    E("A5", "医疗卫生用地", PUBLIC),
    E("A51", "医院用地", PUBLIC),
    E("A52", "卫生防疫用地", PUBLIC),
    E("A53", "特殊医疗用地", PUBLIC),
    E("A59", "其他医疗卫生用地", PUBLIC),
    E("A6", "社会福利用地", PUBLIC),
    E("A7", "文物古迹用地", PUBLIC),
    E("A8", "外事用地", PUBLIC),
    E("A9", "宗教用地", PUBLIC),
    E("B", "商业服务业设施用地", COMMERCIAL),
    E("B1", "商业用地", COMMERCIAL),
    E("B11", "零售商业用地", COMMERCIAL),
    E("B12", "批发市场用地", COMMERCIAL),
    E("B13", "餐饮用地", COMMERCIAL),
    E("B14", "旅馆用地", COMMERCIAL),
    E("B2", "商务用地", COMMERCIAL),
    E("B21", "金融保险用地", COMMERCIAL),
    E("B22", "艺术传媒用地", COMMERCIAL),
    E("B29", "其他商务用地", COMMERCIAL),
    E("B3", "娱乐康体用地", COMMERCIAL),
    E("B31", "娱乐用地", COMMERCIAL),
    E("B32", "康体用地", COMMERCIAL),
    E("B4", "公用设施营业网点用地", COMMERCIAL),
    E("B41", "加油加气站用地", COMMERCIAL),
    E("B49", "其他公用设施营业网点用地", COMMERCIAL),
    E("B9", "其他服务设施用地", COMMERCIAL),
    E("E", "非建设用地", OTHER),
    E("E1", "水域", WATER),
    E("E11", "自然水域", WATER),
    E("E12", "水库", WATER),
    E("E13", "坑塘沟渠", WATER),
    E("E2", "农林用地", FARMLAND),
    E("E9", "其他非建设用地", OTHER),
    E("G", "绿地与广场用地", FOREST_GREEN),
    E("G1", "公园绿地", FOREST_GREEN),
    E("G2", "防护绿地", FOREST_GREEN),
    E("G3", "广场用地", FOREST_GREEN),
    /* 建设用地 and 城乡居民点建设用地 cover every kind of built land. */
    E("H", "建设用地", OTHER),
    E("H1", "城乡居民点建设用地", OTHER),
    E("H11", "城市建设用地", OTHER),
    E("H12", "镇建设用地", OTHER),
    E("H13", "乡建设用地", OTHER),
    E("H14", "村庄建设用地", OTHER),
    E("H2", "区域交通设施用地", TRANSPORT),
    E("H21", "铁路用地", TRANSPORT),
    E("H22", "公路用地", TRANSPORT),
    E("H23", "港口用地", TRANSPORT),
    E("H24", "机场用地", TRANSPORT),
    E("H25", "管道运输用地", TRANSPORT),
    E("H3", "区域公用设施用地", PUBLIC),
    E("H4", "特殊用地", PUBLIC),
    E("H41", "军事用地", PUBLIC),
    E("H42", "安保用地", PUBLIC),
    E("H5", "采矿用地", OTHER),
    E("H9", "其他建设用地", OTHER),
    E("M", "工业用地", INDUSTRIAL),
    E("M1", "一类工业用地", INDUSTRIAL),
    E("M2", "二类工业用地", INDUSTRIAL),
    E("M3", "三类工业用地", INDUSTRIAL),
    E("R", "居住用地", RESIDENTIAL),
    E("R1", "一类居住用地", RESIDENTIAL),
    E("R11", "住宅用地", RESIDENTIAL),
    E("R12", "服务设施用地", RESIDENTIAL),
    E("R2", "二类居住用地", RESIDENTIAL),
    E("R21", "住宅用地", RESIDENTIAL),
    E("R22", "服务设施用地", RESIDENTIAL),
    E("R3", "三类居住用地", RESIDENTIAL),
    E("R31", "住宅用地", RESIDENTIAL),
    E("R32", "服务设施用地", RESIDENTIAL),
    E("S", "道路与交通设施用地", TRANSPORT),
    E("S1", "城市道路用地", TRANSPORT),
    E("S2", "城市轨道交通用地", TRANSPORT),
    E("S3", "交通枢纽用地", TRANSPORT),
    E("S4", "交通场站用地", TRANSPORT),
    E("S41", "公共交通场站用地", TRANSPORT),
    E("S42", "社会停车场用地", TRANSPORT),
    E("S9", "其他交通设施用地", TRANSPORT),
    E("U", "公用设施用地", PUBLIC),
    E("U1", "供应设施用地", PUBLIC),
    E("U11", "供水用地", PUBLIC),
    E("U12", "供电用地", PUBLIC),
    E("U13", "供燃气用地", PUBLIC),
    E("U14", "供热用地", PUBLIC),
    E("U15", "通信用地", PUBLIC),
    E("U16", "广播电视用地", PUBLIC),
    E("U2", "环境设施用地", PUBLIC),
    E("U21", "排水用地", PUBLIC),
    E("U22", "环卫用地", PUBLIC),
    E("U3", "安全设施用地", PUBLIC),
    E("U31", "消防用地", PUBLIC),
    E("U32", "防洪用地", PUBLIC),
    E("U9", "其他公用设施用地", PUBLIC),
    E("W", "物流仓储用地", WAREHOUSING),
    E("W1", "一类物流仓储用地", WAREHOUSING),
    E("W2", "二类物流仓储用地", WAREHOUSING),
    E("W3", "三类物流仓储用地", WAREHOUSING),
};

#undef E
#undef EA

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
    const char *name;
    const lu_entry *entries;
    int n;
} systems[IBMAP_CODES_COUNT] = {
    [IBMAP_CODES_SANDIAO] = {"sandiao", sandiao, COUNT(sandiao)},
    [IBMAP_CODES_YDYH] = {"ydyh", ydyh, COUNT(ydyh)},
    [IBMAP_CODES_GB50137] = {"gb50137", gb50137, COUNT(gb50137)},
};

static const char *const group_names[IBMAP_LU_GROUP_COUNT] = {
    [IBMAP_LU_INDUSTRIAL] = "industrial",
    [IBMAP_LU_WAREHOUSING] = "warehousing",
    [IBMAP_LU_RESIDENTIAL] = "residential",
    [IBMAP_LU_COMMERCIAL] = "commercial",
    [IBMAP_LU_PUBLIC] = "public",
    [IBMAP_LU_FARMLAND] = "farmland",
    [IBMAP_LU_FOREST_GREEN] = "forest_green",
    [IBMAP_LU_WATER] = "water",
    [IBMAP_LU_TRANSPORT] = "transport",
    [IBMAP_LU_OTHER] = "other",
};

const char *ibmap_code_system_name(ibmap_code_system sys)
{
    if ((int)sys < 0 || sys >= IBMAP_CODES_COUNT) return NULL;
    return systems[sys].name;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int ibmap_code_system_from_name(const char *name)
{
    if (!name) return -1;
    for (int s = 0; s < IBMAP_CODES_COUNT; s++) {
        const char *a = systems[s].name, *b = name;
        while (*a && ascii_lower((unsigned char)*b) == *a) a++, b++;
        if (!*a && !*b) return s;
    }
    return -1;
}

const char *ibmap_lu_group_name(ibmap_lu_group g)
{
    if (g == IBMAP_LU_UNKNOWN) return "unknown";
    if ((int)g < 0 || g >= IBMAP_LU_GROUP_COUNT) return NULL;
    return group_names[g];
}

/* ---------------------------------------------------------------------- */
/* Text clean-up                                                          */
/* ---------------------------------------------------------------------- */

/* Byte length of the space character at the start of p[0..n), or 0.
** Besides ASCII white space: U+3000 (the full-width space a Chinese IME
** types) and U+00A0 (what Excel and web pages leave behind). */
static size_t space_at(const unsigned char *p, size_t n)
{
    if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))) return 1;
    if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0) return 2;
    if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
    return 0;
}

/* The same, for the space character that ends p[0..n). */
static size_t space_before(const unsigned char *p, size_t n)
{
    if (n >= 1 && (p[n - 1] == ' ' || (p[n - 1] >= '\t' && p[n - 1] <= '\r')))
        return 1;
    if (n >= 2 && p[n - 2] == 0xC2 && p[n - 1] == 0xA0) return 2;
    if (n >= 3 && p[n - 3] == 0xE3 && p[n - 2] == 0x80 && p[n - 1] == 0x80)
        return 3;
    return 0;
}

static void trim(const char *s, const unsigned char **out, size_t *out_n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), k;
    while ((k = space_at(p, n)) > 0) p += k, n -= k;
    while ((k = space_before(p, n)) > 0) n -= k;
    *out = p;
    *out_n = n;
}

/* Longest canonical code is 6 characters ("100101"); one more for a
** restored zero and the NUL, with room to spare. */
#define CODE_MAX 12

/* Put `code` in canonical form in out[CODE_MAX].  Returns 0 if it cannot
** be a code of any system.
**
** Only rewrites that cannot turn one valid code into another are made:
**   - surrounding spaces (ASCII, full-width, no-break) are dropped;
**   - letters are upper-cased ("05h1", "0201k", "m2"): no system tells
**     codes apart by case;
**   - full-width digits and letters become ASCII ("０６０１");
**   - a number with a zero fraction loses it ("601.0"): no code has a dot;
**   - an all-digit code of odd length gets back the leading zero a
**     numeric DBF or spreadsheet column dropped ("601" -> "0601",
**     "9" -> "09", "60101" -> "060101"): every numeric code of sandiao
**     and ydyh has an even number of digits.
** Spaces inside a code, other punctuation and mixed-use codes ("B1/R2")
** are left alone, and so fail to match. */
static int normalise_code(const char *code, char out[CODE_MAX])
{
    const unsigned char *p;
    size_t n;
    trim(code, &p, &n);
    size_t k = 0;
    int digits_only = 1, dot = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i], ch;
        if (c >= '0' && c <= '9') {
            ch = c;
        } else if (c >= 'A' && c <= 'Z') {
            ch = c;
        } else if (c >= 'a' && c <= 'z') {
            ch = c - ('a' - 'A');
        } else if (c == '.' && !dot && k > 0) {
            dot = 1;
            continue;
        } else if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBC &&
                   p[i + 2] >= 0x90 && p[i + 2] <= 0x99) {
            ch = '0' + (p[i + 2] - 0x90u); /* U+FF10..FF19 */
            i += 2;
        } else if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBC &&
                   p[i + 2] >= 0xA1 && p[i + 2] <= 0xBA) {
            ch = 'A' + (p[i + 2] - 0xA1u); /* U+FF21..FF3A */
            i += 2;
        } else if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBD &&
                   p[i + 2] >= 0x81 && p[i + 2] <= 0x9A) {
            ch = 'A' + (p[i + 2] - 0x81u); /* U+FF41..FF5A */
            i += 2;
        } else {
            return 0;
        }
        if (dot) {
            /* After the dot only zeros, and they are not kept. */
            if (ch != '0') return 0;
            continue;
        }
        if (ch < '0' || ch > '9') digits_only = 0;
        if (k + 2 >= CODE_MAX) return 0;
        out[k++] = (char)ch;
    }
    if (k == 0 || (dot && !digits_only)) return 0;
    if (digits_only && k % 2 == 1) {
        memmove(out + 1, out, k);
        out[0] = '0';
        k++;
    }
    out[k] = '\0';
    return 1;
}

/* ---------------------------------------------------------------------- */
/* Lookup                                                                 */
/* ---------------------------------------------------------------------- */

static const lu_entry *find(int sys, const char *code)
{
    const lu_entry *e = systems[sys].entries;
    int lo = 0, hi = systems[sys].n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(code, e[mid].code);
        if (c == 0) return &e[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int same_text(const unsigned char *p, size_t n, const char *s)
{
    return s && strlen(s) == n && memcmp(p, s, n) == 0;
}

/* The name is the entry's official name or its alias. */
static int names_entry(const lu_entry *e, const unsigned char *p, size_t n)
{
    return same_text(p, n, e->name) || same_text(p, n, e->alias);
}

static int is_prefix(const char *a, const char *b)
{
    return strncmp(a, b, strlen(a)) == 0;
}

/* Whether the name is that of another entry of the same system that
** contradicts `e`: one of another group that is neither e's class nor one
** of e's subclasses.  A name of the same group ("零售商业用地" on 05H1,
** "仓储用地" on 0508) or of the code's own class ("工矿用地" on 0601) is
** only a coarser or older name for the same land. */
static int names_other_kind(int sys, const lu_entry *e, const unsigned char *p,
                            size_t n)
{
    int contradicts = 0;
    for (int i = 0; i < systems[sys].n; i++) {
        const lu_entry *x = &systems[sys].entries[i];
        if (x == e || !names_entry(x, p, n)) continue;
        if (x->group == e->group || is_prefix(x->code, e->code) ||
            is_prefix(e->code, x->code))
            return 0;
        contradicts = 1;
    }
    return contradicts;
}

ibmap_code_check ibmap_landuse_classify(ibmap_code_system sys,
                                        const char *code, const char *name,
                                        ibmap_lu_group *group,
                                        const char **official_name,
                                        int *other_sys)
{
    ibmap_lu_group g_dummy;
    const char *o_dummy;
    int s_dummy;
    if (!group) group = &g_dummy;
    if (!official_name) official_name = &o_dummy;
    if (!other_sys) other_sys = &s_dummy;
    *group = IBMAP_LU_UNKNOWN;
    *official_name = NULL;
    *other_sys = -1;

    char key[CODE_MAX];
    if ((int)sys < 0 || sys >= IBMAP_CODES_COUNT || !code ||
        !normalise_code(code, key))
        return IBMAP_CODE_UNKNOWN;
    const lu_entry *e = find((int)sys, key);
    if (!e) return IBMAP_CODE_UNKNOWN;
    *official_name = e->name;

    const unsigned char *p = NULL;
    size_t n = 0;
    if (name) trim(name, &p, &n);
    if (n == 0 || names_entry(e, p, n)) {
        *group = e->group;
        return IBMAP_CODE_OK;
    }

    /* The name is what this code means in another system: the layer is
    ** probably of that system.  Checked before the declared system's own
    ** names, because it is the more telling finding (sandiao 1001 with
    ** 工业用地 is 用地用海's 1001, not a mislabelled 0601). */
    for (int s = 0; s < IBMAP_CODES_COUNT; s++) {
        if (s == (int)sys) continue;
        const lu_entry *x = find(s, key);
        if (x && names_entry(x, p, n)) {
            *other_sys = s;
            return IBMAP_CODE_CONFLICT;
        }
    }

    /* The name is the declared system's name for another kind of land
    ** (0601 with 水田): code and name disagree and nothing tells which is
    ** right, so the feature gets no group rather than a guessed one. */
    if (names_other_kind((int)sys, e, p, n)) {
        *other_sys = (int)sys;
        return IBMAP_CODE_CONFLICT;
    }

    *group = e->group;
    return IBMAP_CODE_NAME_VARIANT;
}
