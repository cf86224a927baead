#!/usr/bin/env bash
# test_faults.sh — faults in the middle of a run, with the real program:
# Ctrl-C (SIGINT) and SIGTERM during the overlay and during the writing of
# the outputs, a full disk (a file-size limit), an unreadable input, an
# input changed after the workspace was built, and two classifications of
# one workspace at once.  After each: a clear message, outputs complete or
# absent (never a half-written file under its real name, no temporary file
# left), the workspace valid (SQLite's integrity check), and the next run
# succeeds.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
make_sample="${IBMAP_MAKE_SAMPLE:?IBMAP_MAKE_SAMPLE not set}"
dir="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_faults"
rm -rf "$dir"; mkdir -p "$dir"
sample="$root/layers/sample/project.yaml"
rules="$root/layers/rules/cixi-2021.yaml"

# A city big enough that a run lasts a few seconds, so that a signal can
# land in the middle of a stage.
"$make_sample" --out "$dir/city" --blocks 3000 --seed 3 --quiet > /dev/null

quiet() { "$@" > /dev/null 2>&1; }

no_temp_files() {   # no_temp_files DIR: nothing named *.tmp-* is left
  [ -z "$(find "$1" -name '*.tmp-*' 2>/dev/null)" ]
}

workspace_ok() {    # workspace_ok FILE: absent, or passes integrity_check
  [ ! -e "$1" ] || [ "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1)" = "ok" ]
}

# Wait (up to 60 s) for a path matching the glob to appear; 0 if it did.
wait_for() {
  local i
  for i in $(seq 600); do
    compgen -G "$1" > /dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# --- SIGINT during the overlay --------------------------------------------
out="$dir/int-overlay"
"$ibmap" run "$dir/city/project.yaml" -o "$out" > "$dir/int-overlay.txt" 2>&1 &
pid=$!
# The overlay is under way once the load has made the output directory
# and before any workspace exists.
wait_for "$out" "$pid"; sleep 1
kill -INT "$pid"; wait "$pid"; rc=$?
tap_ok "sigint_during_overlay_exits_130" test "$rc" -eq 130
tap_ok "sigint_during_overlay_says_so" grep -q "interrupted" "$dir/int-overlay.txt"
tap_ok "sigint_during_overlay_leaves_no_workspace_and_no_temp" \
  bash -c "[ ! -e '$out/workspace.sqlite' ] && [ ! -e '$out/industrial_map.gpkg' ]"
tap_ok "sigint_during_overlay_no_temp_files" no_temp_files "$out"
tap_ok "run_after_sigint_succeeds" quiet "$ibmap" run "$dir/city/project.yaml" -o "$out" --formats gpkg
tap_ok "run_after_sigint_wrote_the_map" test -s "$out/industrial_map.gpkg"

# --- SIGTERM while the GeoPackage is being written ------------------------
out="$dir/term-write"
"$ibmap" run "$dir/city/project.yaml" -o "$out" --formats gpkg,shp > "$dir/term-write.txt" 2>&1 &
pid=$!
if wait_for "$out/industrial_map.tmp-*.gpkg" "$pid"; then
  kill -TERM "$pid"; wait "$pid"; rc=$?
  tap_ok "sigterm_during_write_exits_143" test "$rc" -eq 143
  tap_ok "sigterm_during_write_leaves_no_geopackage" test ! -e "$out/industrial_map.gpkg"
  tap_ok "sigterm_during_write_no_temp_files" no_temp_files "$out"
  tap_ok "sigterm_during_write_workspace_valid" workspace_ok "$out/workspace.sqlite"
  tap_ok "run_after_sigterm_succeeds" quiet "$ibmap" run "$dir/city/project.yaml" -o "$out" \
    --formats gpkg,shp --overwrite
  tap_ok "run_after_sigterm_reused_the_workspace" \
    bash -c "'$ibmap' run '$dir/city/project.yaml' -o '$out' --formats gpkg --overwrite 2>/dev/null | grep -q 'metrics reused'"
  tap_ok "geopackage_after_sigterm_is_complete" \
    bash -c "ogrinfo -ro -so '$out/industrial_map.gpkg' blocks | grep -q 'Feature Count: 3000'"
else
  wait "$pid"
  tap_ok "sigterm_during_write_found_the_temporary_geopackage" false
fi

# --- a full disk: a file-size limit of 2 MB --------------------------------
out="$dir/full"
rc=0
(ulimit -f 2048; exec "$ibmap" run "$sample" -o "$out" --formats gpkg,shp > "$dir/full.txt" 2>&1) || rc=$?
tap_ok "full_disk_fails" test "$rc" -eq 1
tap_ok "full_disk_says_cannot_write" grep -q "cannot write" "$dir/full.txt"
tap_ok "full_disk_leaves_no_partial_geopackage" bash -c "[ ! -e '$out/industrial_map.gpkg' ]"
tap_ok "full_disk_no_temp_files" no_temp_files "$out"
tap_ok "full_disk_workspace_valid" workspace_ok "$out/workspace.sqlite"
tap_ok "run_after_full_disk_succeeds" quiet "$ibmap" run "$sample" -o "$out" --formats gpkg,shp --overwrite

# --- an unreadable input ---------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
  # root reads every file whatever its mode: make the input a directory
  # where a file is expected, which no one can read as a shapefile.
  cp -r "$root/layers/sample" "$dir/unreadable"
  rm "$dir/unreadable/control_units.shp"; mkdir "$dir/unreadable/control_units.shp"
else
  cp -r "$root/layers/sample" "$dir/unreadable"
  chmod 000 "$dir/unreadable/control_units.shp"
fi
rc=0
"$ibmap" run "$dir/unreadable/project.yaml" -o "$dir/unreadable-out" > "$dir/unreadable.txt" 2>&1 || rc=$?
tap_ok "unreadable_input_fails" test "$rc" -eq 1
tap_ok "unreadable_input_is_named" grep -q "control_units" "$dir/unreadable.txt"
tap_ok "unreadable_input_writes_no_output" \
  bash -c "[ ! -e '$dir/unreadable-out/industrial_map.gpkg' ] && [ ! -e '$dir/unreadable-out/workspace.sqlite' ]"

# --- an input changed after the workspace was built -----------------------
cp -r "$root/layers/sample" "$dir/changing"
out="$dir/changing-out"
"$ibmap" run "$dir/changing/project.yaml" -o "$out" --formats gpkg > /dev/null 2>&1
tap_ok "unchanged_inputs_are_not_read_again" \
  bash -c "'$ibmap' run '$dir/changing/project.yaml' -o '$out' --formats gpkg --overwrite 2>/dev/null | grep -q 'metrics reused'"
# Drop the last parcel of the GeoPackage: the parcels' file changes.
n_before=$(ogrinfo -ro -so "$dir/changing/city.gpkg" parcels | sed -n 's/Feature Count: //p')
ogrinfo -q "$dir/changing/city.gpkg" -sql "DELETE FROM parcels WHERE fid = (SELECT max(fid) FROM parcels)" > /dev/null 2>&1
tap_ok "changed_input_is_recomputed" \
  bash -c "'$ibmap' run '$dir/changing/project.yaml' -o '$out' --formats gpkg --overwrite 2>/dev/null | grep -q 'blocks measured'"
n_after=$(sqlite3 "$out/workspace.sqlite" "SELECT n_features FROM ibmap_inputs WHERE role = 'parcels'")
tap_ok "recomputed_workspace_has_the_changed_parcels" test "$n_after" -eq $((n_before - 1))

# --- two classifications of one workspace at once -------------------------
ws="$dir/changing-out/workspace.sqlite"
"$ibmap" classify "$ws" --rules "$rules" --scenario a --set tax_floor=3 > "$dir/a.txt" 2>&1 &
pa=$!
"$ibmap" classify "$ws" --rules "$rules" --scenario b --set tax_floor=8 > "$dir/b.txt" 2>&1 &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
# Each either succeeded or failed saying the workspace was busy.
both_clear() {
  for r in "$ra:$dir/a.txt" "$rb:$dir/b.txt"; do
    [ "${r%%:*}" -eq 0 ] || grep -qi "locked\|busy" "${r#*:}" || return 1
  done
}
tap_ok "concurrent_classify_succeed_or_fail_clearly" both_clear
tap_ok "concurrent_classify_workspace_valid" workspace_ok "$ws"
# With SQLite's lock and a 10 s busy timeout, the second waits for the
# first: both scenarios are there and complete.
tap_ok "concurrent_classify_both_stored" quiet "$ibmap" compare "$ws" a b

tap_finish
