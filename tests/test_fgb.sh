#!/usr/bin/env bash
# test_fgb.sh — `ibmap run --formats fgb`: one FlatGeobuf file per spatial
# layer in fgb/, read back by GDAL's ogrinfo (another reader than the
# writer's code path) with the right feature counts, the classes of the
# sample city, the working CRS and a .qml beside each file; and nothing
# under a temporary name left behind.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
tests=(run_writes_fgb fgb_blocks_count fgb_classes fgb_parcels_count fgb_crs fgb_qml_beside
       fgb_no_temporaries fgb_needs_overwrite)
if ! command -v ogrinfo > /dev/null || ! ogrinfo --formats 2>/dev/null | grep -q FlatGeobuf; then
  for t in "${tests[@]}"; do tap_skip "$t" "ogrinfo with the FlatGeobuf driver not installed (gdal-bin)"; done
  tap_finish; exit
fi
dir="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_fgb"
rm -rf "$dir"; mkdir -p "$dir"
sample="$root/layers/sample"
out="$dir/out"

run_writes_fgb() {
  "$ibmap" run "$sample/project.yaml" -o "$out" --formats fgb > "$dir/run.txt" 2>&1 &&
  [ -f "$out/fgb/blocks.fgb" ] && [ ! -e "$out/industrial_map.gpkg" ]
}
count() { ogrinfo -so "$out/fgb/$1.fgb" "$1" 2>/dev/null | sed -n 's/^Feature Count: //p'; }
# The sample city: 300 blocks, 5,047 parcels (docs/sample-city.md); the
# default rules put 29 in support, 244 in consolidate, 20 in exit and 7
# (tax not collected: no_data) in unclassifiable (docs/rules.md).
fgb_blocks_count() { [ "$(count blocks)" = 300 ]; }
fgb_parcels_count() { [ "$(count parcels)" = 5047 ]; }
fgb_classes() {
  ogrinfo -q -dialect sqlite \
    -sql "SELECT class || '=' || count(*) AS c FROM blocks GROUP BY class ORDER BY class" \
    "$out/fgb/blocks.fgb" | sed -n 's/^ *c (String) = //p' | tr '\n' ' ' > "$dir/classes.txt"
  [ "$(cat "$dir/classes.txt")" = "consolidate=244 exit=20 support=29 unclassifiable=7 " ] ||
    { echo "# classes: $(cat "$dir/classes.txt")"; return 1; }
}
fgb_crs() { ogrinfo -so "$out/fgb/blocks.fgb" blocks | grep -q 'ID\["EPSG",4549\]'; }
fgb_qml_beside() {
  local n=0 f
  for f in "$out"/fgb/*.fgb; do [ -f "${f%.fgb}.qml" ] && n=$((n + 1)); done
  # the nine layers of the sample, the enterprises (categorised too) and
  # the 小微企业园 candidate sites
  [ "$n" -eq 11 ] && grep -q 'type="categorizedSymbol"' "$out/fgb/blocks.qml" &&
    grep -q 'type="categorizedSymbol"' "$out/fgb/enterprises.qml"
}
fgb_no_temporaries() { [ -z "$(find "$out" -name '*.tmp-*' -o -name '*.old-*')" ]; }
fgb_needs_overwrite() {
  ! "$ibmap" run "$sample/project.yaml" -o "$out" --formats fgb > "$dir/again.txt" 2>&1 &&
  grep -q "exists" "$dir/again.txt" &&
  "$ibmap" run "$sample/project.yaml" -o "$out" --formats fgb --overwrite > /dev/null 2>&1 &&
  [ "$(count blocks)" = 300 ]
}
for t in "${tests[@]}"; do tap_ok "$t" "$t"; done
tap_finish
