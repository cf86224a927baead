/*
** enterprise_list.h — the columns of the workspace table `enterprises`
** (store/enterprises.c), one row per enterprise, which enterprise rules read
** (classify/rules.c, docs/rules.md "Enterprise rules").
**
** Each line is ENT(name, kind, unit, label_zh, expr, description): kind N
** number, T text; expr is the SQL that computes the column in
** store/enterprises.c, over the aggregates `a`, the enterprise's largest
** parcel `r1`, its graded parcel `g1`, its main block `mb` and that block's
** metrics `bm`.  An enterprise is its credit code, else its name, else its
** parcel.  Sums are over the parcels that carry the figure (NULL when none
** does, never 0); per-亩 figures divide by the land of those parcels only,
** and *_known_land_share says how much of the land that is.
*/
ENT(ent_id, T, "", "企业标识", "ek.ent_id", "the enterprise's key: its credit code, else its name, else 'parcel:' and the parcel id")
ENT(name, T, "", "企业名称", "r1.name", "name (of the enterprise's largest parcel)")
ENT(credit_code, T, "", "统一社会信用代码", "r1.credit", "unified social credit code")
ENT(n_parcels, N, "", "宗地数", "a.n_parcels", "parcels the enterprise holds")
ENT(n_blocks, N, "", "所在区块数", "coalesce(mb.n, 0)", "blocks its parcels are assigned to")
ENT(block_index, N, "", "主区块序号", "mb.block_index", "index of its main block (the one holding most of its land); NULL outside every block")
ENT(block_id, T, "", "主区块编号", "bm.block_id", "id of its main block")
ENT(town, T, "", "所属镇街", "bm.town", "town of its main block")
ENT(land_mu, N, "亩", "用地面积", "a.land_mu", "land of all its parcels")
ENT(floor_m2, N, "m²", "建筑面积", "a.floor_m2", "sum of floor area")
ENT(tax, N, "万元", "税收", "a.tax", "sum of tax")
ENT(value_added, N, "万元", "增加值", "a.va", "sum of value added")
ENT(revenue, N, "万元", "营业收入", "a.revenue", "sum of revenue")
ENT(energy, N, "tce", "综合能耗", "a.energy", "sum of energy use")
ENT(emissions, N, "t", "排放量", "a.emissions", "sum of emissions")
ENT(employees, N, "人", "从业人数", "a.employees", "sum of employees")
ENT(rnd, N, "万元", "研发经费", "a.rnd", "sum of R&D spending")
ENT(tax_known_land_share, N, "", "税收已知用地占比", "a.tax_land / nullif(a.land_mu, 0)", "share of its land on parcels whose tax is known")
ENT(tax_per_mu, N, "万元/亩", "亩均税收", "a.tax / nullif(a.tax_land, 0)", "准入性指标 亩均税收: tax / land of the parcels with a known tax")
ENT(va_per_mu, N, "万元/亩", "亩均增加值", "a.va / nullif(a.va_land, 0)", "准入性指标 亩均增加值: value added / land of the parcels with a known value added")
ENT(far, N, "", "容积率", "a.floor_m2 / nullif(a.floor_land * (10000.0 / 15.0), 0)", "准入性指标 容积率: floor area / land of the parcels with a known floor area")
ENT(va_per_energy, N, "万元/tce", "单位能耗增加值", "a.va_e / nullif(a.en_v, 0)", "准入性指标 单位能耗增加值, over parcels with both figures")
ENT(va_per_emission, N, "万元/t", "单位排放增加值", "a.va_m / nullif(a.em_v, 0)", "准入性指标 单位排放增加值, over parcels with both figures")
ENT(grade, T, "", "亩均等级", "g1.grade", "A/B/C/D: the official grade of its largest officially graded parcel, else the computed one (load/grades.c)")
ENT(grade_computed, N, "", "等级为测算", "g1.gc", "1 when the grade was computed by ibmap, not given")
ENT(is_cd, N, "", "C/D类企业", "CASE WHEN g1.grade IN ('C', 'D') THEN 1 WHEN g1.grade IN ('A', 'B') THEN 0 END", "1 for a C or D grade, 0 for A or B, NULL ungraded")
ENT(is_lsl, N, "", "低散乱污", "a.lsl", "1 when any of its parcels is flagged 低散乱污")
ENT(is_small, N, "", "两小", "a.small", "1 when any of its parcels is flagged 两小")
ENT(industry, T, "", "行业代码", "r1.ind", "GB/T 4754 code (of its largest parcel)")
ENT(industry_division, T, "", "行业大类", "nullif(substr(ltrim(upper(trim(r1.ind)), 'ABCDEFGHIJKLMNOPQRST'), 1, 2), '')", "GB/T 4754-2017 大类: the first two digits of the code")
ENT(chain, T, "", "标志性产业链", "(SELECT i.chain FROM temp.ibmap_ind_chain AS i WHERE i.ind = r1.ind)", "which of the six 标志性产业链 (二、(七)) its industry belongs to (layers/tables/industry_chains.csv); NULL for none")
ENT(block_parks_share, N, "", "主区块园区内占比", "bm.parks_share", "parks_share of its main block")
ENT(block_redline_share, N, "", "主区块生态红线占比", "bm.redline_share", "redline_share of its main block")
ENT(block_basic_farmland_share, N, "", "主区块永久基本农田占比", "bm.basic_farmland_share", "basic_farmland_share of its main block")
ENT(block_transition_share, N, "", "主区块过渡控制区占比", "bm.transition_share", "transition_share of its main block")
ENT(block_central_share, N, "", "主区块中心城区占比", "bm.central_share", "central_share of its main block")
ENT(block_cu_type, T, "", "主区块管控单元类型", "bm.cu_type", "cu_type of its main block")
ENT(block_cu_priority_share, N, "", "主区块优先保护单元占比", "bm.cu_priority_m2 / nullif(bm.area_m2, 0)", "share of its main block in 优先保护 units")
