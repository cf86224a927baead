/*
** block_ent_list.h — the block metrics that summarise a block's enterprises
** as the enterprise rules classified them (classify/enterprises.c).  They
** depend on the rules' params (tax_floor, the enterprise rules), so they are
** computed at classify time, per variant of the params, into the TEMP table
** block_ent that block rules read beside block_metrics; each scenario stores
** them in block_enterprise.  Land is the enterprises' parcels assigned to
** the block (land_mu of the parcel, else its polygon).
**
** BENT(name, kind, unit, label_zh, description); kind N number, T text.
*/
BENT(n_enterprises, N, "", "企业数", "enterprises with a parcel in the block")
BENT(n_low_eff, N, "", "低效企业数", "enterprises with a parcel in the block whose 亩均税收 (over all their land) is under tax_floor (低效, 一、(三))")
BENT(low_eff_land_mu, N, "亩", "低效企业用地", "land in the block of 低效 enterprises")
BENT(low_eff_land_share, N, "", "低效企业用地占比", "low_eff_land_mu / the enterprises' land in the block; NULL without land")
BENT(tax_unknown_land_share, N, "", "税收缺失用地占比", "share of the enterprises' land in the block held by enterprises whose 亩均税收 is unknown")
BENT(lsl_land_share, N, "", "低散乱污企业用地占比", "share of the land held by enterprises flagged 低散乱污")
BENT(small_land_share, N, "", "两小企业用地占比", "share of the land held by enterprises flagged 两小")
BENT(n_listed, N, "", "列入项目清单企业数", "enterprises put in any of the four 项目清单 categories")
BENT(eliminate_land_share, N, "", "整治淘汰类用地占比", "share of the land held by 整治淘汰类 enterprises")
BENT(upgrade_land_share, N, "", "改造提升类用地占比", "share of the land held by 改造提升类 enterprises")
BENT(cluster_land_share, N, "", "园区集聚类用地占比", "share of the land held by 园区集聚类 enterprises")
BENT(relocate_land_share, N, "", "搬迁拆除类用地占比", "share of the land held by 搬迁拆除类 enterprises")
BENT(chain_land_share, N, "", "标志性产业链用地占比", "share of the land held by enterprises of the six 标志性产业链 (二、(七))")
BENT(main_chain, T, "", "主要产业链", "the 标志性产业链 holding most land in the block; NULL for none")
BENT(in_central_town, N, "", "位于中心城区镇街", "1 when the block's town is one of the rules' central_towns (二、(二): 白沙路街道、古塘街道、浒山街道), else 0")
