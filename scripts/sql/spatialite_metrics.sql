-- spatialite_metrics.sql — ibmap's per-block overlay metrics in SpatiaLite,
-- written independently of the engine, as a check and a benchmark.
--
-- Input: a SpatiaLite database holding the sample city's layers, loaded
-- with ogr2ogr into the working CRS, one table per layer, every geometry
-- column named geom, promoted to MULTIPOLYGON, spatially indexed (ogr2ogr
-- does that by default):
--
--   ogr2ogr -f SQLite -dsco SPATIALITE=YES city.sqlite blocks.shp -nln blocks \
--       -t_srs EPSG:4549 -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom \
--       --config SHAPE_ENCODING CP936
--   ogr2ogr -update city.sqlite city.gpkg parcels -nln parcels -t_srs ... (same)
--   ... likewise dltb, parks, central, transition, basic_farmland (city.gpkg),
--   redline (redline.geojson) and control_units (control_units.shp).
--
-- Tables and fields used (the generator's names, as ogr2ogr launders them):
--   blocks(qkbh), parcels(sshj), dltb(dlbm), redline(hxbh),
--   basic_farmland(bsm), parks(yqbh), central(bh), transition(bh),
--   control_units(hjgkdymc, hjgkdybm, zhgkdyfl); fid everywhere.
--
-- Output: the table block_metrics, one row per block in source order
-- (ord = blocks.fid), blocks without geometry included (their metrics
-- NULL); the last statement selects it: block_id, area_m2, redline_m2,
-- basic_farmland_m2, parks_m2, central_m2, transition_m2, cu_priority_m2,
-- cu_key_industry_m2, cu_key_urban_m2, cu_general_m2, lu_industrial_m2,
-- lu_covered_m2, n_parcels, tax_sum, park_distance_m, then redline_id,
-- basic_farmland_id, parks_id, central_id, transition_id, cu_key_other_m2.
-- Semantics (planar areas in the working CRS):
--   Z_m2    area(block ∩ union of the zone's polygons): the polygons of a
--           zone layer that overlap each other are counted once;
--   Z_id    id of the zone polygon with the largest overlap (ties: the
--           first in source order);
--   cu_*_m2 the same per control-unit type: ZHGKDYFL 1 priority, 3 general,
--           2 split by the unit name: 产业集聚 key_industry, 城镇生活
--           key_urban, else key_other; no type: the code's category digit;
--   lu_*    sums over the land-use polygons (三调 DLTB is a partition, so
--           no union): lu_industrial_m2 those coded 0601, lu_covered_m2 all;
--   parcels each parcel goes to the block it overlaps most (ties: the
--           lowest block id, compared bytewise), none if it overlaps none;
--           n_parcels and tax_sum (SSHJ) per block (tax_sum NULL when no
--           parcel of the block has a tax, as ibmap's metric);
--   park_distance_m  distance to the nearest park, 0 inside or touching.
--
-- The pattern is the usual one: the R*Tree (SpatialIndex) gives the
-- candidate pairs, ST_Intersects drops those that do not meet, and the
-- intersection is computed only when neither geometry covers the other.
-- The overlaps of a block with a zone are unioned only when more than one
-- polygon of that zone hits the block.
--
-- Run: spatialite city.sqlite < spatialite_metrics.sql, or through the
-- SQLite API with mod_spatialite loaded (tests/test_overlay_sql.c).

DROP TABLE IF EXISTS block_metrics;
DROP TABLE IF EXISTS temp.zhit;
DROP TABLE IF EXISTS temp.zarea;
DROP TABLE IF EXISTS temp.zbest;
DROP TABLE IF EXISTS temp.luarea;
DROP TABLE IF EXISTS temp.phit;
DROP TABLE IF EXISTS temp.pagg;
DROP TABLE IF EXISTS temp.pdist;
DROP VIEW IF EXISTS temp.cu;

-- Control units with their type.
CREATE TEMP VIEW cu AS
SELECT fid, hjgkdybm AS code, geom,
       CASE
         WHEN zt = '1' THEN 'priority'
         WHEN zt = '3' THEN 'general'
         WHEN zt = '2' THEN
           CASE WHEN hjgkdymc LIKE '%产业集聚%' THEN 'key_industry'
                WHEN hjgkdymc LIKE '%城镇生活%' THEN 'key_urban'
                ELSE 'key_other' END
       END AS type
FROM (SELECT fid, hjgkdybm, hjgkdymc, geom,
             CASE WHEN zhgkdyfl = '1' OR zhgkdyfl LIKE '%优先保护%' THEN '1'
                  WHEN zhgkdyfl = '2' OR zhgkdyfl LIKE '%重点管控%' THEN '2'
                  WHEN zhgkdyfl = '3' OR zhgkdyfl LIKE '%一般管控%' THEN '3'
                  -- no type: the category digit of the ZH code
                  WHEN hjgkdybm LIKE 'ZH%' THEN substr(hjgkdybm, 9, 1)
             END AS zt
      FROM control_units);

-- Every (block, zone polygon) pair that meets, with the part of the block
-- inside the polygon.  role is the zone layer, or cu_<type> for control
-- units; zfid orders ties.
CREATE TEMP TABLE zhit AS
WITH pairs AS (
  SELECT 'redline' AS role, b.fid AS bfid, z.fid AS zfid,
         z.hxbh AS zid, b.geom AS bg, z.geom AS zg
  FROM blocks b JOIN redline z
    ON z.ROWID IN (SELECT ROWID FROM SpatialIndex
                   WHERE f_table_name = 'redline' AND f_geometry_column = 'geom'
                     AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'basic_farmland', b.fid, z.fid, z.bsm, b.geom, z.geom
  FROM blocks b JOIN basic_farmland z
    ON z.ROWID IN (SELECT ROWID FROM SpatialIndex
                   WHERE f_table_name = 'basic_farmland' AND f_geometry_column = 'geom'
                     AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'parks', b.fid, z.fid, z.yqbh, b.geom, z.geom
  FROM blocks b JOIN parks z
    ON z.ROWID IN (SELECT ROWID FROM SpatialIndex
                   WHERE f_table_name = 'parks' AND f_geometry_column = 'geom'
                     AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'central', b.fid, z.fid, z.bh, b.geom, z.geom
  FROM blocks b JOIN central z
    ON z.ROWID IN (SELECT ROWID FROM SpatialIndex
                   WHERE f_table_name = 'central' AND f_geometry_column = 'geom'
                     AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'transition', b.fid, z.fid, z.bh, b.geom, z.geom
  FROM blocks b JOIN transition z
    ON z.ROWID IN (SELECT ROWID FROM SpatialIndex
                   WHERE f_table_name = 'transition' AND f_geometry_column = 'geom'
                     AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'cu_' || z.type, b.fid, z.fid, z.code, b.geom, z.geom
  FROM blocks b JOIN cu z
    ON z.fid IN (SELECT ROWID FROM SpatialIndex
                     WHERE f_table_name = 'control_units' AND f_geometry_column = 'geom'
                       AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, z.geom)
),
flags AS MATERIALIZED (
  SELECT role, bfid, zfid, zid, bg, zg,
         ST_CoveredBy(bg, zg) AS bin, ST_CoveredBy(zg, bg) AS zin
  FROM pairs
)
SELECT role, bfid, zfid, zid, bin,
       CASE WHEN bin = 1 THEN bg
            WHEN zin = 1 THEN zg
            ELSE ST_Intersection(bg, zg) END AS g
FROM flags;

ALTER TABLE zhit ADD COLUMN a DOUBLE;
UPDATE zhit SET a = ST_Area(g);

-- Overlap area per (zone, block), each zone polygon counted once: one
-- polygon hitting the block, its area; the block inside one of several,
-- the block's area; else the area of the union of the parts.
CREATE TEMP TABLE zarea AS
SELECT role, bfid, SUM(a) AS m2 FROM zhit WHERE a > 0
GROUP BY role, bfid HAVING COUNT(*) = 1
UNION ALL
SELECT z.role, z.bfid,
       CASE WHEN MAX(z.bin) = 1 THEN ST_Area(b.geom)
            ELSE ST_Area(ST_Union(z.g)) END
FROM zhit z JOIN blocks b ON b.fid = z.bfid
WHERE z.a > 0
GROUP BY z.role, z.bfid HAVING COUNT(*) > 1;
CREATE INDEX temp.zarea_i ON zarea(bfid, role);

-- The zone polygon with the largest overlap (ties: the first).
CREATE TEMP TABLE zbest AS
SELECT role, bfid, zid FROM (
  SELECT role, bfid, zid,
         ROW_NUMBER() OVER (PARTITION BY role, bfid ORDER BY a DESC, zfid) AS rn
  FROM zhit WHERE a > 0)
WHERE rn = 1;
CREATE INDEX temp.zbest_i ON zbest(bfid, role);

-- Land use: a plain sum over the polygons.
CREATE TEMP TABLE luarea AS
WITH a AS MATERIALIZED (
  SELECT b.fid AS bfid, l.dlbm AS code,
         CASE WHEN ST_CoveredBy(l.geom, b.geom) THEN ST_Area(l.geom)
              WHEN ST_CoveredBy(b.geom, l.geom) THEN ST_Area(b.geom)
              ELSE ST_Area(ST_Intersection(b.geom, l.geom)) END AS a
  FROM blocks b JOIN dltb l
    ON l.ROWID IN (SELECT ROWID FROM SpatialIndex
                   WHERE f_table_name = 'dltb' AND f_geometry_column = 'geom'
                     AND search_frame = b.geom)
  WHERE ST_Intersects(b.geom, l.geom)
)
SELECT bfid,
       TOTAL(CASE WHEN code = '0601' THEN a END) AS industrial,
       TOTAL(a) AS covered
FROM a GROUP BY bfid;
CREATE INDEX temp.luarea_i ON luarea(bfid);

-- Parcels: the overlap of every (parcel, block) pair that meets ...
CREATE TEMP TABLE phit AS
SELECT p.fid AS pfid, b.fid AS bfid, b.qkbh AS bid, p.sshj AS tax,
       CASE WHEN ST_CoveredBy(p.geom, b.geom) THEN ST_Area(p.geom)
            WHEN ST_CoveredBy(b.geom, p.geom) THEN ST_Area(b.geom)
            ELSE ST_Area(ST_Intersection(b.geom, p.geom)) END AS a
FROM blocks b JOIN parcels p
  ON p.ROWID IN (SELECT ROWID FROM SpatialIndex
                 WHERE f_table_name = 'parcels' AND f_geometry_column = 'geom'
                   AND search_frame = b.geom)
WHERE ST_Intersects(b.geom, p.geom);

-- ... and each parcel in the block it overlaps most.
CREATE TEMP TABLE pagg AS
SELECT bfid, COUNT(*) AS n, SUM(tax) AS tax FROM (
  SELECT pfid, bfid, tax,
         ROW_NUMBER() OVER (PARTITION BY pfid ORDER BY a DESC, bid) AS rn
  FROM phit WHERE a > 0)
WHERE rn = 1
GROUP BY bfid;
CREATE INDEX temp.pagg_i ON pagg(bfid);

-- Distance to the nearest park (parks are few: every park is measured).
CREATE TEMP TABLE pdist AS
SELECT b.fid AS bfid,
       MIN(CASE WHEN ST_Intersects(b.geom, p.geom) THEN 0.0
                ELSE ST_Distance(b.geom, p.geom) END) AS d
FROM blocks b, parks p
WHERE b.geom IS NOT NULL AND p.geom IS NOT NULL
GROUP BY b.fid;
CREATE INDEX temp.pdist_i ON pdist(bfid);

CREATE TABLE block_metrics AS
SELECT b.fid AS ord,
       b.qkbh AS block_id,
       ST_Area(b.geom) AS area_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'redline'), 0) END
         AS redline_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'basic_farmland'), 0) END
         AS basic_farmland_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'parks'), 0) END
         AS parks_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'central'), 0) END
         AS central_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'transition'), 0) END
         AS transition_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'cu_priority'), 0) END
         AS cu_priority_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'cu_key_industry'), 0) END
         AS cu_key_industry_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'cu_key_urban'), 0) END
         AS cu_key_urban_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'cu_general'), 0) END
         AS cu_general_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT industrial FROM luarea WHERE bfid = b.fid), 0) END
         AS lu_industrial_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT covered FROM luarea WHERE bfid = b.fid), 0) END
         AS lu_covered_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT n FROM pagg WHERE bfid = b.fid), 0) END
         AS n_parcels,
       (SELECT tax FROM pagg WHERE bfid = b.fid) AS tax_sum,
       (SELECT d FROM pdist WHERE bfid = b.fid) AS park_distance_m,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'redline') AS redline_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'basic_farmland') AS basic_farmland_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'parks') AS parks_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'central') AS central_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'transition') AS transition_id,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(
         (SELECT m2 FROM zarea WHERE bfid = b.fid AND role = 'cu_key_other'), 0) END
         AS cu_key_other_m2
FROM blocks b
ORDER BY b.fid;

SELECT block_id, area_m2, redline_m2, basic_farmland_m2, parks_m2, central_m2,
       transition_m2, cu_priority_m2, cu_key_industry_m2, cu_key_urban_m2,
       cu_general_m2, lu_industrial_m2, lu_covered_m2, n_parcels, tax_sum,
       park_distance_m, redline_id, basic_farmland_id, parks_id, central_id,
       transition_id, cu_key_other_m2
FROM block_metrics ORDER BY ord;
