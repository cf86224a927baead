#!/usr/bin/env bash
# test_targets.sh — the 2025 targets (docs/rules.md "Targets") on the sample
# city, computed again by hand: plain SQL (the sqlite3 program) over the
# GeoPackage ibmap wrote, whose blocks carry their class and area_mu and
# whose enterprises carry their category, low_eff flag and main block,
# against ibmap's summary_targets.csv:
#
#   land_revitalised  Σ area_mu of exit blocks + Σ land_mu of low-efficiency
#                     enterprises whose main block is consolidate
#   blocks_renovated  count of consolidate blocks
#   low_eff           low_eff = 1 with a category other than none / low_eff = 1
#   lsl_small         (is_lsl = 1 OR is_small = 1) with a category
#   sme_parks         rows of sme_park_sites
#
# Then the same city with its parcels' 低散乱污 / 两小 columns removed (by
# ogr2ogr): the lsl_small target must be unknown — empty value, a note
# that says the data is missing — never 0.  And the sites must be the
# same bytes with --threads 1 and --threads 2.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
build="${IBMAP_BUILD_ROOT:-/tmp}"
dir="$build/tests/scratch/test_targets"
rm -rf "$dir"; mkdir -p "$dir"
tests=(sample_run targets_by_hand missing_flags_unknown sites_same_any_threads)

if ! command -v sqlite3 > /dev/null || ! command -v ogr2ogr > /dev/null; then
  for t in "${tests[@]}"; do tap_skip "$t" "no sqlite3 or ogr2ogr"; done
  tap_finish; exit
fi

out="$dir/out"
sample_run() {
  "$ibmap" run "$root/layers/sample/project.yaml" -o "$out" --formats gpkg,summaries \
    --progress none --threads 1 > "$dir/run.log" 2>&1 ||
    { sed 's/^/# /' "$dir/run.log" | tail -5; return 1; }
}
tap_ok sample_run sample_run

gpkg="$out/industrial_map.gpkg"
# value of target ID in scenario default of a summary_targets.csv
value_of() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for r in csv.DictReader(f):
        if r["scenario"] == "default" and r["target_id"] == sys.argv[2]:
            print(r["value"]); break
PY
}
note_of() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for r in csv.DictReader(f):
        if r["scenario"] == "default" and r["target_id"] == sys.argv[2]:
            print(r["note"]); break
PY
}
same_number() {  # same_number NAME A B: equal to 1e-6 relative
  python3 -c 'import sys; a, b = float(sys.argv[2]), float(sys.argv[3]); ok = abs(a - b) <= 1e-6 * max(1, abs(b)); print(("# %s: ibmap %s, by hand %s" % (sys.argv[1], a, b)) if not ok else "", end=""); sys.exit(0 if ok else 1)' "$@"
}

targets_by_hand() {
  local csv="$out/summary_targets.csv" ok=0 q
  q() { sqlite3 -batch -noheader "$gpkg" "$1"; }
  local land blocks low lsl sites
  land=$(q "SELECT (SELECT coalesce(sum(area_mu), 0) FROM blocks WHERE class = 'exit') +
                   (SELECT coalesce(sum(e.land_mu), 0) FROM enterprises e
                      JOIN blocks b ON b.block_id = e.block_id
                     WHERE b.class = 'consolidate' AND e.low_eff = 1 AND e.land_mu IS NOT NULL);")
  blocks=$(q "SELECT count(*) FROM blocks WHERE class = 'consolidate';")
  low=$(q "SELECT 1.0 * sum(category <> 'none') / count(*) FROM enterprises WHERE low_eff = 1;")
  lsl=$(q "SELECT count(*) FROM enterprises WHERE (is_lsl = 1 OR is_small = 1) AND category <> 'none';")
  sites=$(q "SELECT count(*) FROM sme_park_sites;")
  echo "# by hand: land $land, blocks $blocks, low_eff $low, lsl_small $lsl, sites $sites"
  same_number land_revitalised "$(value_of "$csv" land_revitalised)" "$land" || ok=1
  same_number blocks_renovated "$(value_of "$csv" blocks_renovated)" "$blocks" || ok=1
  same_number low_eff_enterprises "$(value_of "$csv" low_eff_enterprises)" "$low" || ok=1
  same_number lsl_small "$(value_of "$csv" lsl_small)" "$lsl" || ok=1
  same_number sme_parks "$(value_of "$csv" sme_parks)" "$sites" || ok=1
  return $ok
}
tap_ok targets_by_hand targets_by_hand

missing_flags_unknown() {
  local src="$dir/noflags"
  mkdir -p "$src"
  cp "$root"/layers/sample/* "$src/"
  rm -f "$src/city.gpkg"
  # Every layer of city.gpkg as it is, but the parcels without SFDSLW and SFLX.
  ogr2ogr -q -f GPKG "$src/city.gpkg" "$root/layers/sample/city.gpkg" 2> "$dir/ogr.log" &&
    ogr2ogr -q -f GPKG -update -overwrite "$src/city.gpkg" "$root/layers/sample/city.gpkg" \
      -nln parcels -sql "SELECT ZDDM, QYMC, TYSHXYDM, SSHJ, ZJZ, YYSR, ZHNH, PFL, CYRS, YFJF, YDMJ,
                         JZMJ, MJDJ, HYDM, geom FROM parcels" 2>> "$dir/ogr.log" || {
    sed 's/^/# /' "$dir/ogr.log" | tail -3; return 1; }
  "$ibmap" run "$src/project.yaml" -o "$dir/noflags-out" --formats summaries --progress none \
    > "$dir/noflags.log" 2>&1 || { sed 's/^/# /' "$dir/noflags.log" | tail -5; return 1; }
  local csv="$dir/noflags-out/summary_targets.csv" v n
  v=$(value_of "$csv" lsl_small)
  n=$(note_of "$csv" lsl_small)
  echo "# lsl_small without flags: value '$v', note '$n'"
  [ -z "$v" ] && grep -q "数据缺失" <<< "$n" && grep -q "lsl_small .*未知 unknown" "$dir/noflags.log"
}
tap_ok missing_flags_unknown missing_flags_unknown

sites_same_any_threads() {
  "$ibmap" run "$root/layers/sample/project.yaml" -o "$dir/t2" --formats gpkg --progress none \
    --threads 2 > "$dir/t2.log" 2>&1 || return 1
  local a b
  a=$(sqlite3 -batch "$gpkg" "SELECT site_id, score, area_mu, members, hex(geom) FROM sme_park_sites ORDER BY rank;" | md5sum)
  b=$(sqlite3 -batch "$dir/t2/industrial_map.gpkg" "SELECT site_id, score, area_mu, members, hex(geom) FROM sme_park_sites ORDER BY rank;" | md5sum)
  [ "$a" = "$b" ] && [ "$(sqlite3 "$gpkg" 'SELECT count(*) FROM sme_park_sites')" -gt 0 ]
}
tap_ok sites_same_any_threads sites_same_any_threads
tap_finish
