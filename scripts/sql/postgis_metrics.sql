-- postgis_metrics.sql — ibmap's per-block overlay metrics in PostGIS,
-- written independently of the engine, as a check and a benchmark.  The
-- same computation as spatialite_metrics.sql, in PostgreSQL's dialect.
--
-- Input: the sample city's layers loaded with ogr2ogr into the working CRS,
-- one table per layer in the current schema, geometry column geom promoted
-- to MULTIPOLYGON, FID column fid, a GiST index on every geom, ANALYZEd:
--
--   ogr2ogr -f PostgreSQL PG:"host=127.0.0.1 port=55432 dbname=ibmap" \
--       blocks.shp -nln blocks -t_srs EPSG:4549 -nlt PROMOTE_TO_MULTI \
--       -lco GEOMETRY_NAME=geom -lco FID=fid --config SHAPE_ENCODING CP936
--   ... likewise parcels, dltb, parks, central, transition, basic_farmland
--   (city.gpkg), redline (redline.geojson), control_units (control_units.shp)
--   (scripts/bench does all of it).
--
-- Tables and fields used (the generator's names, as ogr2ogr launders them):
--   blocks(qkbh), parcels(sshj), dltb(dlbm), redline(hxbh),
--   basic_farmland(bsm), parks(yqbh), central(bh), transition(bh),
--   control_units(hjgkdymc, hjgkdybm, zhgkdyfl); fid everywhere.
--
-- Output: the table block_metrics, one row per block in source order
-- (ord = blocks.fid), blocks without geometry included (their metrics
-- NULL); the last statement selects it, so
--   psql -X -q --csv -v ON_ERROR_STOP=1 -f postgis_metrics.sql > out.csv
-- writes the CSV.  Semantics: see spatialite_metrics.sql.  Block ids are
-- compared bytewise (COLLATE "C") where they break ties, as strcmp does.
--
-- The pattern: && (GiST) gives the candidate pairs, ST_Intersects drops
-- those that do not meet, and the intersection is computed only when
-- neither geometry covers the other.  The overlaps of a block with a zone
-- are unioned only when more than one polygon of that zone hits it.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

DROP TABLE IF EXISTS block_metrics;
DROP TABLE IF EXISTS pg_temp.zhit, pg_temp.zarea, pg_temp.zbest,
  pg_temp.luarea, pg_temp.phit, pg_temp.pagg, pg_temp.pdist;

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
      FROM control_units) t;

-- Every (block, zone polygon) pair that meets, with the part of the block
-- inside the polygon.  role is the zone layer, or cu_<type>.
CREATE TEMP TABLE zhit AS
WITH pairs AS (
  SELECT 'redline' AS role, b.fid AS bfid, z.fid AS zfid, z.hxbh::text AS zid,
         b.geom AS bg, z.geom AS zg
  FROM blocks b JOIN redline z ON b.geom && z.geom AND ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'basic_farmland', b.fid, z.fid, z.bsm::text, b.geom, z.geom
  FROM blocks b JOIN basic_farmland z ON b.geom && z.geom AND ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'parks', b.fid, z.fid, z.yqbh::text, b.geom, z.geom
  FROM blocks b JOIN parks z ON b.geom && z.geom AND ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'central', b.fid, z.fid, z.bh::text, b.geom, z.geom
  FROM blocks b JOIN central z ON b.geom && z.geom AND ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'transition', b.fid, z.fid, z.bh::text, b.geom, z.geom
  FROM blocks b JOIN transition z ON b.geom && z.geom AND ST_Intersects(b.geom, z.geom)
  UNION ALL
  SELECT 'cu_' || z.type, b.fid, z.fid, z.code::text, b.geom, z.geom
  FROM blocks b JOIN cu z ON b.geom && z.geom AND ST_Intersects(b.geom, z.geom)
),
flags AS MATERIALIZED (
  SELECT role, bfid, zfid, zid, bg, zg,
         ST_CoveredBy(bg, zg) AS bin, ST_CoveredBy(zg, bg) AS zin
  FROM pairs
)
SELECT role, bfid, zfid, zid, bin,
       CASE WHEN bin THEN bg
            WHEN zin THEN zg
            ELSE ST_Intersection(bg, zg) END AS g
FROM flags;
ALTER TABLE zhit ADD COLUMN a double precision;
UPDATE zhit SET a = ST_Area(g);

-- Overlap area per (zone, block), each zone polygon counted once: one
-- polygon hitting the block, its area; the block inside one of several,
-- the block's area; else the area of the union of the parts.
CREATE TEMP TABLE zarea AS
SELECT role, bfid, sum(a) AS m2 FROM zhit WHERE a > 0
GROUP BY role, bfid HAVING count(*) = 1
UNION ALL
SELECT z.role, z.bfid,
       CASE WHEN bool_or(z.bin) THEN ST_Area(b.geom)
            ELSE ST_Area(ST_Union(z.g)) END
FROM zhit z JOIN blocks b ON b.fid = z.bfid
WHERE z.a > 0
GROUP BY z.role, z.bfid, b.geom HAVING count(*) > 1;
CREATE INDEX ON zarea (bfid, role);

-- The zone polygon with the largest overlap (ties: the first).
CREATE TEMP TABLE zbest AS
SELECT DISTINCT ON (role, bfid) role, bfid, zid
FROM zhit WHERE a > 0
ORDER BY role, bfid, a DESC, zfid;
CREATE INDEX ON zbest (bfid, role);

-- Land use: a plain sum over the polygons.
CREATE TEMP TABLE luarea AS
WITH a AS (
  SELECT b.fid AS bfid, l.dlbm AS code,
         CASE WHEN ST_CoveredBy(l.geom, b.geom) THEN ST_Area(l.geom)
              WHEN ST_CoveredBy(b.geom, l.geom) THEN ST_Area(b.geom)
              ELSE ST_Area(ST_Intersection(b.geom, l.geom)) END AS a
  FROM blocks b JOIN dltb l ON b.geom && l.geom AND ST_Intersects(b.geom, l.geom)
)
SELECT bfid,
       coalesce(sum(a) FILTER (WHERE code = '0601'), 0) AS industrial,
       coalesce(sum(a), 0) AS covered
FROM a GROUP BY bfid;
CREATE INDEX ON luarea (bfid);

-- Parcels: the overlap of every (parcel, block) pair that meets ...
CREATE TEMP TABLE phit AS
SELECT p.fid AS pfid, b.fid AS bfid, b.qkbh::text AS bid, p.sshj AS tax,
       CASE WHEN ST_CoveredBy(p.geom, b.geom) THEN ST_Area(p.geom)
            WHEN ST_CoveredBy(b.geom, p.geom) THEN ST_Area(b.geom)
            ELSE ST_Area(ST_Intersection(b.geom, p.geom)) END AS a
FROM blocks b JOIN parcels p ON b.geom && p.geom AND ST_Intersects(b.geom, p.geom);

-- ... and each parcel in the block it overlaps most (ties: lowest id).
CREATE TEMP TABLE pagg AS
SELECT bfid, count(*) AS n, sum(tax) AS tax FROM (
  SELECT DISTINCT ON (pfid) pfid, bfid, tax
  FROM phit WHERE a > 0
  ORDER BY pfid, a DESC, bid COLLATE "C") t
GROUP BY bfid;
CREATE INDEX ON pagg (bfid);

-- Distance to the nearest park: the GiST index orders the parks by true
-- distance (<->), the first is the nearest.
CREATE TEMP TABLE pdist AS
SELECT b.fid AS bfid, n.d
FROM blocks b
CROSS JOIN LATERAL (
  SELECT ST_Distance(b.geom, p.geom) AS d FROM parks p
  WHERE p.geom IS NOT NULL
  ORDER BY b.geom <-> p.geom LIMIT 1) n
WHERE b.geom IS NOT NULL;
CREATE INDEX ON pdist (bfid);

ANALYZE zarea; ANALYZE zbest; ANALYZE luarea; ANALYZE pagg; ANALYZE pdist;

CREATE TABLE block_metrics AS
SELECT b.fid AS ord,
       b.qkbh::text AS block_id,
       ST_Area(b.geom) AS area_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(rl.m2, 0) END AS redline_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(bf.m2, 0) END AS basic_farmland_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(pk.m2, 0) END AS parks_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(ce.m2, 0) END AS central_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(tr.m2, 0) END AS transition_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(c1.m2, 0) END AS cu_priority_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(c2.m2, 0) END AS cu_key_industry_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(c3.m2, 0) END AS cu_key_urban_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(c5.m2, 0) END AS cu_general_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(lu.industrial, 0) END AS lu_industrial_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(lu.covered, 0) END AS lu_covered_m2,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(pa.n, 0) END AS n_parcels,
       pa.tax AS tax_sum,
       pd.d AS park_distance_m,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'redline') AS redline_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'basic_farmland') AS basic_farmland_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'parks') AS parks_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'central') AS central_id,
       (SELECT zid FROM zbest WHERE bfid = b.fid AND role = 'transition') AS transition_id,
       CASE WHEN b.geom IS NOT NULL THEN coalesce(c4.m2, 0) END AS cu_key_other_m2
FROM blocks b
LEFT JOIN zarea rl ON rl.bfid = b.fid AND rl.role = 'redline'
LEFT JOIN zarea bf ON bf.bfid = b.fid AND bf.role = 'basic_farmland'
LEFT JOIN zarea pk ON pk.bfid = b.fid AND pk.role = 'parks'
LEFT JOIN zarea ce ON ce.bfid = b.fid AND ce.role = 'central'
LEFT JOIN zarea tr ON tr.bfid = b.fid AND tr.role = 'transition'
LEFT JOIN zarea c1 ON c1.bfid = b.fid AND c1.role = 'cu_priority'
LEFT JOIN zarea c2 ON c2.bfid = b.fid AND c2.role = 'cu_key_industry'
LEFT JOIN zarea c3 ON c3.bfid = b.fid AND c3.role = 'cu_key_urban'
LEFT JOIN zarea c4 ON c4.bfid = b.fid AND c4.role = 'cu_key_other'
LEFT JOIN zarea c5 ON c5.bfid = b.fid AND c5.role = 'cu_general'
LEFT JOIN luarea lu ON lu.bfid = b.fid
LEFT JOIN pagg pa ON pa.bfid = b.fid
LEFT JOIN pdist pd ON pd.bfid = b.fid;

SELECT block_id, area_m2, redline_m2, basic_farmland_m2, parks_m2, central_m2,
       transition_m2, cu_priority_m2, cu_key_industry_m2, cu_key_urban_m2,
       cu_general_m2, lu_industrial_m2, lu_covered_m2, n_parcels, tax_sum,
       park_distance_m, redline_id, basic_farmland_id, parks_id, central_id,
       transition_id, cu_key_other_m2
FROM block_metrics ORDER BY ord;
