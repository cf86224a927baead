#!/usr/bin/env bash
# test_qgis_processing.sh — the QGIS Processing provider
# (qgis/ibmap_processing) in real headless QGIS (Debian's python3-qgis,
# QT_QPA_PLATFORM=offscreen), installed with scripts/install-qgis-plugin
# into a scratch profile.  tests/qgis_processing_check.py runs every
# algorithm through processing.run() on the sample city — layers from a
# GeoPackage, a memory layer, and PostGIS tables on a private server
# (tests/pg_server.sh) — and compares with `ibmap run` on the project
# file; one PASS/FAIL/SKIP line per check becomes a TAP line here.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
. "$here/pg_server.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
python=/usr/bin/python3
checks=(algorithms_listed check_layers run_from_gpkg results_loaded_styled
        run_from_memory_layer run_from_postgis field_picked_overrides_alias alias_preselected
        cancel_leaves_no_output classify_params compare_scenarios sweep_param)

if ! QT_QPA_PLATFORM=offscreen "$python" -c "import qgis.core" > /dev/null 2>&1 ||
   [ ! -f /usr/share/qgis/python/plugins/processing/core/Processing.py ]; then
  for t in plugin_installs plugin_zip "${checks[@]}"; do
    tap_skip "$t" "PyQGIS with Processing not installed (apt-get install python3-qgis qgis-plugin-grass or qgis-providers)"
  done
  tap_finish; exit
fi
dir="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_qgis_processing"
rm -rf "$dir"; mkdir -p "$dir/out"
sample="$root/layers/sample"
export QT_QPA_PLATFORM=offscreen HOME="$dir/home" XDG_RUNTIME_DIR="$dir/runtime"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

plugins="$HOME/.local/share/QGIS/QGIS3/profiles/default/python/plugins"
plugin_installs() {
  "$root/scripts/install-qgis-plugin" --copy > "$dir/install.txt" 2>&1 &&
  [ -f "$plugins/ibmap_processing/metadata.txt" ] &&
  grep -q "^hasProcessingProvider=yes" "$plugins/ibmap_processing/metadata.txt"
}
plugin_zip() {
  "$root/scripts/install-qgis-plugin" --zip "$dir/ibmap_processing.zip" > /dev/null 2>&1 &&
  "$python" - "$dir/ibmap_processing.zip" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = {"ibmap_processing/__init__.py", "ibmap_processing/metadata.txt",
        "ibmap_processing/provider.py", "ibmap_processing/algorithms.py"}
sys.exit(0 if need <= set(names) and all(n.startswith("ibmap_processing/") for n in names)
         and not any("__pycache__" in n for n in names) else 1)
PY
}
tap_ok plugin_installs plugin_installs
tap_ok plugin_zip plugin_zip

# The reference, and every layer of the sample city in one GeoPackage
# under its role's name.
"$ibmap" run "$sample/project.yaml" -o "$dir/ref" --formats gpkg > "$dir/ref.txt" 2>&1
city="$dir/city_roles.gpkg"
put() { ogr2ogr -f GPKG -update "$city" "$1" ${2:+"$2"} -nln "$3" -nlt PROMOTE_TO_MULTI > /dev/null 2>&1; }
ogr2ogr -f GPKG "$city" "$sample/blocks.shp" -nln blocks -nlt PROMOTE_TO_MULTI > /dev/null 2>&1
put "$sample/control_units.shp" "" control_units
put "$sample/redline.geojson" "" redline
put "$sample/city.gpkg" DLTB landuse
for t in parcels parks central transition basic_farmland towns; do put "$sample/city.gpkg" "$t" "$t"; done

pg_args=()
if pg_available && pg_start; then
  "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U ibmap city &&
  pg_psql city "CREATE EXTENSION postgis" &&
  ogr2ogr -f PostgreSQL "PG:$pg_conn dbname=city" "$city" -lco GEOMETRY_NAME=geom \
    -lco FID=fid -preserve_fid > /dev/null 2>&1 &&
  pg_args=(--pg-port "$pg_port")
fi

timeout 600 "$python" "$here/qgis_processing_check.py" --plugins "$plugins" --ibmap "$ibmap" \
  --gpkg "$city" --ref "$dir/ref" --out "$dir/out" "${pg_args[@]}" \
  > "$dir/qgis.txt" 2> "$dir/qgis.err"
rc=$?
grep -v "^PASS " "$dir/qgis.txt" | sed 's/^/# /'
if [ "$rc" -gt 1 ]; then
  echo "# qgis_processing_check.py exited with $rc; the end of its errors:"
  grep -v XDG_RUNTIME_DIR "$dir/qgis.err" | tail -n 8 | sed 's/^/#   /'
fi
for t in "${checks[@]}"; do
  if grep -q "^SKIP $t: " "$dir/qgis.txt"; then
    tap_skip "$t" "$(sed -n "s/^SKIP $t: //p" "$dir/qgis.txt")"
  else
    tap_ok "$t" grep -qx "PASS $t" "$dir/qgis.txt"
  fi
done
tap_finish
