#!/usr/bin/env bash
# test_pg_out.sh — PostGIS in and out, against a real PostgreSQL 15 +
# PostGIS server started here (tests/pg_server.sh: private directory, free
# port, 127.0.0.1 only).
#
# In: every role of the sample city read from PostGIS (nine tables and,
# for the parks, an SQL view) gives the same block classes as the files.
# Out: `--formats postgis` writes the GeoPackage's tables into a schema,
# with the QGIS styles in layer_styles; they are read back by ogrinfo, by
# psql and by QGIS (the categorized renderer applied from layer_styles).
# All or nothing: a rerun without --overwrite is refused before any work;
# a conflict part way through the write (an object holding the name of an
# index ibmap creates) and a connection dropped part way (an event trigger
# that terminates the writing session when it creates its towns table)
# leave the schema exactly as it was.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
. "$here/pg_server.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
python=/usr/bin/python3
tests=(pg_every_role_in pg_view_role_in pg_in_classes_equal_files pg_out_written
       pg_out_classes pg_out_counts_ogr pg_out_run_table pg_out_styles_rows
       pg_out_refused_without_overwrite pg_out_overwrite_replaces
       pg_out_conflict_leaves_schema pg_out_dependent_view_leaves_schema
       pg_out_dropped_connection_leaves_schema
       qgis_reads_pg_styled)
if ! pg_available || ! command -v ogr2ogr > /dev/null; then
  for t in "${tests[@]}"; do
    tap_skip "$t" "PostgreSQL 15 + PostGIS or ogr2ogr not installed (scripts/setup --test installs them)"
  done
  tap_finish; exit
fi
dir="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_pg_out"
rm -rf "$dir"; mkdir -p "$dir"
if ! pg_start; then
  for t in "${tests[@]}"; do tap_skip "$t" "the PostgreSQL server did not start"; done
  tap_finish; exit
fi
"$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U ibmap city
pg_psql city "CREATE EXTENSION postgis"
db="PG:$pg_conn dbname=city"
sample="$root/layers/sample"
load() {  # load SRC LAYER TABLE
  ogr2ogr -f PostgreSQL "$db" "$1" ${2:+"$2"} -nln "$3" -nlt PROMOTE_TO_MULTI \
    -lco GEOMETRY_NAME=geom -preserve_fid > /dev/null 2>&1
}
load "$sample/blocks.shp" "" in_blocks
load "$sample/control_units.shp" "" in_control_units
load "$sample/redline.geojson" "" in_redline
for t in parcels DLTB parks central transition basic_farmland towns; do
  load "$sample/city.gpkg" "$t" "in_$(echo "$t" | tr A-Z a-z)"
done
pg_psql city "CREATE VIEW in_parks_view AS SELECT * FROM in_parks"
in_args=(--blocks "$db:in_blocks" --parcels "$db:in_parcels" --landuse "$db:in_dltb"
         --redline "$db:in_redline" --control-units "$db:in_control_units"
         --parks "$db:in_parks_view" --central "$db:in_central"
         --transition "$db:in_transition" --basic-farmland "$db:in_basic_farmland"
         --towns "$db:in_towns" --crs EPSG:4549 --area planar --set landuse.codes=sandiao)

# The reference: the same city from its files.
"$ibmap" run "$sample/project.yaml" -o "$dir/files" --formats gpkg > "$dir/files.txt" 2>&1

pg_every_role_in() {
  "$ibmap" check "${in_args[@]}" --log "$dir/dq.csv" > "$dir/check.txt" 2>&1 &&
  [ "$(grep -c "(PostgreSQL), layer in_" "$dir/check.txt")" -eq 10 ]
}
pg_view_role_in() {
  grep -q "layer in_parks_view" "$dir/check.txt" &&
  [ "$(grep -A1 '^parks ' "$dir/check.txt" | sed -n 's/^  features *\([0-9]*\).*/\1/p')" = \
    "$(ogrinfo -so "$sample/city.gpkg" parks | sed -n 's/^Feature Count: //p')" ]
}
pg_in_classes_equal_files() {
  "$ibmap" run "${in_args[@]}" -o "$dir/from_pg" --formats gpkg,postgis --pg "$db" \
    --pg-schema result > "$dir/from_pg.txt" 2>&1 &&
  cmp -s "$dir/files/block_class.csv" "$dir/from_pg/block_class.csv"
}
pg_out_written() {
  [ "$(pg_psql city "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM
        information_schema.tables WHERE table_schema = 'result'")" = \
    "basic_farmland,block_enterprises,blocks,central,control_units,data_quality,enterprises,landuse_by_block,parcels,parks,redline,run,sme_park_sites,towns,transition" ]
}
# The sample city under the default rules: 29 support, 244 consolidate, 20
# exit, 7 unclassifiable (docs/rules.md).
pg_out_classes() {
  [ "$(pg_psql city "SELECT string_agg(class || '=' || n, ' ' ORDER BY class) FROM
        (SELECT class, count(*) n FROM result.blocks GROUP BY class) c")" = \
    "consolidate=244 exit=20 support=29 unclassifiable=7" ]
}
pg_out_counts_ogr() {
  local b p
  b=$(ogrinfo -so "$db" result.blocks 2>/dev/null | sed -n 's/^Feature Count: //p')
  p=$(ogrinfo -so "$db" result.parcels 2>/dev/null | sed -n 's/^Feature Count: //p')
  [ "$b" = 300 ] && [ "$p" = 5047 ] &&
  ogrinfo -so "$db" result.blocks | grep -q "Geometry: Multi Polygon"
}
pg_out_run_table() {
  [ "$(pg_psql city "SELECT value FROM result.run WHERE key = 'check.blocks_out'")" = 300 ] &&
  [ "$(pg_psql city "SELECT value FROM result.run WHERE key = 'check.area_out_m2'")" = \
    "$(pg_psql city "SELECT value FROM result.run WHERE key = 'check.area_in_m2'")" ]
}
pg_out_styles_rows() {
  [ "$(pg_psql city "SELECT count(*) FROM public.layer_styles WHERE f_table_schema = 'result'
        AND useasdefault AND f_geometry_column = 'geom' AND f_table_catalog = 'city'")" = 11 ] &&
  pg_psql city "SELECT styleqml FROM layer_styles WHERE f_table_schema = 'result' AND
        f_table_name = 'blocks'" | grep -q 'type="categorizedSymbol"'
}
# What a schema holds, to compare before and after a failed write: every
# table with its row count, the blocks' classes, and the style rows.
snapshot() {
  pg_psql city "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM
    information_schema.tables WHERE table_schema = '$1'"
  pg_psql city "SELECT count(*) FROM $1.parcels"
  pg_psql city "SELECT md5(string_agg(block_id || class, ',' ORDER BY block_id)) FROM $1.blocks"
  pg_psql city "SELECT count(*), max(id) FROM layer_styles WHERE f_table_schema = '$1'"
}
pg_out_refused_without_overwrite() {
  snapshot result > "$dir/before_refused.txt"
  ! "$ibmap" run "$sample/project.yaml" -o "$dir/refused" --formats gpkg,postgis --pg "$db" \
      --pg-schema result > "$dir/refused.txt" 2>&1 &&
  grep -q "PostGIS table result\..* exists: use --overwrite" "$dir/refused.txt" &&
  [ ! -e "$dir/refused/block_metrics.csv" ] &&   # refused before the overlay
  snapshot result | cmp -s - "$dir/before_refused.txt"
}
pg_out_overwrite_replaces() {
  "$ibmap" run "$sample/project.yaml" -o "$dir/files" --overwrite --formats postgis --pg "$db" \
    --pg-schema result --set tax_floor=1000 > "$dir/overwrite.txt" 2>&1 &&
  # With a 低效 line of 1000 万元/亩 every enterprise is 低效: no block
  # keeps support (park_efficient and efficient want few 低效 firms), and
  # the transition block fails 有机更新 and is 收储 (exit 21) (the class
  # counts ibmap printed).
  grep -q "support 0 整合改造 consolidate 272 清理退出 exit 21 未能分类 unclassifiable 7" \
    "$dir/overwrite.txt" &&
  [ "$(pg_psql city "SELECT count(*) FROM result.blocks WHERE class = 'support'")" = 0 ] &&
  [ "$(pg_psql city "SELECT count(*) FROM layer_styles WHERE f_table_schema = 'result'")" = 11 ]
}
pg_out_conflict_leaves_schema() {
  # GDAL names the spatial index of towns towns_geom_geom_idx: a table of
  # that name in a new schema makes its CREATE INDEX fail after eight
  # layers are written there.
  pg_psql city "CREATE SCHEMA fresh; CREATE TABLE fresh.towns_geom_geom_idx (x int)" &&
  ! "$ibmap" run "$sample/project.yaml" -o "$dir/files" --overwrite --formats postgis \
      --pg "$db" --pg-schema fresh > "$dir/conflict.txt" 2>&1 &&
  grep -q "CREATE INDEX failed for layer fresh.towns" "$dir/conflict.txt" &&
  [ "$(pg_psql city "SELECT string_agg(table_name, ',') FROM information_schema.tables
        WHERE table_schema = 'fresh'")" = towns_geom_geom_idx ] &&
  [ "$(pg_psql city "SELECT count(*) FROM layer_styles WHERE f_table_schema = 'fresh'")" = 0 ]
}
pg_out_dependent_view_leaves_schema() {
  # A view of the user's on result.blocks: the tables are dropped without
  # CASCADE, so the replacement fails (after blocks was dropped, inside the
  # transaction) rather than take the view with it.
  pg_psql city "CREATE VIEW result.support_blocks AS SELECT block_id FROM result.blocks
                WHERE class = 'support'" &&
  snapshot result > "$dir/before_view.txt" &&
  ! "$ibmap" run "$sample/project.yaml" -o "$dir/files" --overwrite --formats postgis \
      --pg "$db" --pg-schema result > "$dir/view.txt" 2>&1 &&
  grep -q "support_blocks" "$dir/view.txt" &&
  snapshot result | cmp -s - "$dir/before_view.txt" &&
  [ "$(pg_psql city "SELECT count(*) FROM result.support_blocks")" = 0 ] &&
  pg_psql city "DROP VIEW result.support_blocks"
}
pg_out_dropped_connection_leaves_schema() {
  pg_psql city "CREATE FUNCTION drop_writer() RETURNS event_trigger LANGUAGE plpgsql AS \$\$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands()
                 WHERE object_identity = 'result.towns' AND command_tag = 'CREATE TABLE') THEN
        PERFORM pg_terminate_backend(pg_backend_pid());
      END IF;
    END \$\$;
    CREATE EVENT TRIGGER drop_writer ON ddl_command_end EXECUTE FUNCTION drop_writer()" &&
  snapshot result > "$dir/before_drop.txt" &&
  ! "$ibmap" run "$sample/project.yaml" -o "$dir/files" --overwrite --formats postgis \
      --pg "$db" --pg-schema result > "$dir/dropped.txt" 2>&1
  local failed=$?
  pg_psql city "DROP EVENT TRIGGER drop_writer; DROP FUNCTION drop_writer()"
  [ "$failed" -eq 0 ] && snapshot result | cmp -s - "$dir/before_drop.txt" &&
  grep -qi "terminat\|connection\|server closed" "$dir/dropped.txt"
}
for t in "${tests[@]:0:13}"; do tap_ok "$t" "$t"; done

# QGIS opens result.blocks through its PostgreSQL provider and applies the
# default style from layer_styles by itself.
if QT_QPA_PLATFORM=offscreen "$python" -c "import qgis.core" > /dev/null 2>&1; then
  export QT_QPA_PLATFORM=offscreen HOME="$dir/home" XDG_RUNTIME_DIR="$dir/runtime"
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
  # Back to the default rules' classes, then open it.
  "$ibmap" run "$sample/project.yaml" -o "$dir/files" --overwrite --formats postgis \
    --pg "$db" --pg-schema result > "$dir/rewrite.txt" 2>&1
  qgis_reads_pg_styled() {
    "$python" - "$pg_port" > "$dir/qgis.txt" 2>&1 <<'PY'
import sys
from qgis.core import QgsApplication, QgsDataSourceUri, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
uri = QgsDataSourceUri()
uri.setConnection("127.0.0.1", sys.argv[1], "city", "ibmap", "")
uri.setDataSource("result", "blocks", "geom", "", "fid")
layer = QgsVectorLayer(uri.uri(False), "blocks", "postgres")
r = layer.renderer()
cats = sorted(c.value() for c in r.categories()) if r.type() == "categorizedSymbol" else []
print(layer.isValid(), layer.featureCount(), r.type(), r.classAttribute() if cats else "", cats)
ok = (layer.isValid() and layer.featureCount() == 300 and r.type() == "categorizedSymbol"
      and r.classAttribute() == "class"
      and cats == ["consolidate", "exit", "support", "unclassifiable"])
app.exitQgis()
sys.exit(0 if ok else 1)
PY
  }
  tap_ok qgis_reads_pg_styled qgis_reads_pg_styled || sed 's/^/# /' "$dir/qgis.txt"
else
  tap_skip qgis_reads_pg_styled "PyQGIS not installed (apt-get install python3-qgis)"
fi
tap_finish
