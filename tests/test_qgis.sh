#!/usr/bin/env bash
# test_qgis.sh — the outputs of `ibmap run` opened in real QGIS (PyQGIS,
# Debian's python3-qgis): the GeoPackage's blocks styled by the
# layer_styles default, Chinese text and aliases intact, the Shapefiles
# (UTF-8, and GBK from a second run) with their .qml applied, the project
# file opening every layer, and the project rendered to a PNG showing the
# class colours.  tests/qgis_check.py does the QGIS side and prints one
# PASS/FAIL line per check; each becomes a TAP line here.
#
# The output directory is moved before QGIS opens it: the project must find
# its GeoPackage by a path relative to itself, not where it was written.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
# Debian's interpreter: the one python3-qgis is installed for (a python3
# earlier on PATH, a pyenv one say, has no qgis module).
python=/usr/bin/python3
sample_blocks=300
checks=(gpkg_blocks_valid gpkg_default_style_categorized gpkg_enterprises_categorized
        gpkg_aliases_chinese
        gpkg_class_zh_chinese shp_utf8_text_intact shp_utf8_qml_applied
        shp_gbk_text_intact shp_gbk_qml_applied qgs_layers_valid
        qgs_blocks_categorized qgs_render_png)

if ! QT_QPA_PLATFORM=offscreen "$python" -c "import qgis.core" > /dev/null 2>&1; then
  for t in run_writes_outputs run_writes_gbk_shapefiles "${checks[@]}"; do
    tap_skip "$t" "PyQGIS not installed ($python -c 'import qgis.core' fails; apt-get install python3-qgis)"
  done
  tap_finish; exit
fi

dir="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_qgis"
rm -rf "$dir"; mkdir -p "$dir"
sample="$root/layers/sample"
export QT_QPA_PLATFORM=offscreen
# QGIS writes its settings and caches under $HOME: keep them in the scratch
# directory, away from the user's QGIS profile.
export HOME="$dir/home" XDG_RUNTIME_DIR="$dir/runtime"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

run_writes_outputs() {
  "$ibmap" run "$sample/project.yaml" -o "$dir/written" > "$dir/run.txt" 2>&1 &&
  mv "$dir/written" "$dir/out" &&
  [ -f "$dir/out/industrial_map.gpkg" ] && [ -f "$dir/out/industrial_map.qgs" ] &&
  [ -f "$dir/out/shp/blocks.shp" ] && [ -f "$dir/out/shp/blocks.qml" ] &&
  [ -f "$dir/out/shp/FIELDS.csv" ]
}
run_writes_gbk_shapefiles() {
  "$ibmap" run "$sample/project.yaml" -o "$dir/gbk" --formats shp --shp-encoding GBK \
    > "$dir/run_gbk.txt" 2>&1 &&
  [ -f "$dir/gbk/shp/blocks.shp" ] && grep -qi "936\|gbk" "$dir/gbk/shp/blocks.cpg"
}
tap_ok run_writes_outputs run_writes_outputs
tap_ok run_writes_gbk_shapefiles run_writes_gbk_shapefiles

# One QGIS session for every check (starting QGIS takes seconds).
"$python" "$here/qgis_check.py" "$dir/out" --blocks "$sample_blocks" \
  --gbk-shp "$dir/gbk/shp" --png "$dir/qgis_render.png" > "$dir/qgis.txt" 2> "$dir/qgis.err"
rc=$?
grep -v "^PASS " "$dir/qgis.txt" | sed 's/^/# /'
# 1 is "a check failed"; anything else is QGIS or Python dying part way.
if [ "$rc" -gt 1 ]; then
  echo "# qgis_check.py exited with $rc; the end of its errors:"
  grep -v XDG_RUNTIME_DIR "$dir/qgis.err" | tail -n 5 | sed 's/^/#   /'
fi
passed() { grep -qx "PASS $1" "$dir/qgis.txt"; }
for t in "${checks[@]}"; do tap_ok "$t" passed "$t"; done
tap_finish
