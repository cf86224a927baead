#!/usr/bin/env bash
# test_postgis.sh — layers read from a real PostgreSQL/PostGIS server,
# started here on 127.0.0.1 only and stopped at the end.  The blocks and
# parcels of the sample city are loaded into it with ogr2ogr; ibmap must
# read them through GDAL's PostgreSQL driver ("PG:" sources) and compute the
# same metrics as from the files.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
pgbin=/usr/lib/postgresql/15/bin
tests=(check_reads_pg_layers metrics_equal_to_file_run missing_pg_table_is_named)

if [ ! -x "$pgbin/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ] ||
   ! command -v ogr2ogr >/dev/null; then
  for t in "${tests[@]}"; do
    tap_skip "$t" "PostgreSQL 15 + PostGIS or ogr2ogr not installed (scripts/setup --test installs them)"
  done
  tap_finish; exit
fi

# The outputs in the build's scratch directory; the server's own files in
# a private directory (tests/pg_server.sh: one the postgres user can
# enter, wherever the clone is), removed on exit as the server is stopped.
dir="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_postgis"
rm -rf "$dir"; mkdir -p "$dir"
. "$here/pg_server.sh"
trap pg_server_stop EXIT
trap 'exit 143' TERM INT   # meson's timeout: stop the server all the same
# The first port to try at random, so that runs side by side seldom need
# the retry: pg_server_start moves on from a taken port anyway.
pg_server_start ibmap $((55000 + RANDOM % 4000)) -c fsync=off || {
  for t in "${tests[@]}"; do tap_ok "$t" false; done
  tap_finish; exit
}
echo "# PostgreSQL in $pg_dir, port $pg_port"
port=$pg_port
conn="host=127.0.0.1 port=$port user=ibmap dbname=city"
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U ibmap city
"$pgbin/psql" -q -h 127.0.0.1 -p "$port" -U ibmap -d city -c "CREATE EXTENSION postgis" > /dev/null
sample="$root/layers/sample"
ogr2ogr -f PostgreSQL "PG:$conn" "$sample/blocks.shp" -nln blocks -nlt PROMOTE_TO_MULTI \
  -lco GEOMETRY_NAME=geom -preserve_fid
ogr2ogr -f PostgreSQL "PG:$conn" "$sample/city.gpkg" parcels -nln parcels \
  -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom -preserve_fid

out="$dir/out"; mkdir -p "$out"
check_reads_pg_layers() {
  "$ibmap" check "$sample/project.yaml" --blocks "PG:$conn:blocks" \
    --parcels "PG:$conn:parcels" --log "$out/dq.csv" > "$out/check.txt" 2>&1 &&
  grep -q "PG:$conn (PostgreSQL), layer blocks" "$out/check.txt" &&
  grep -A1 "^blocks" "$out/check.txt" | grep -q "features      300 (300 with usable geometry)" &&
  grep -q "town=所属镇街" "$out/check.txt"   # the GBK field name arrived as UTF-8
}
# Every metric of every block within 1e-9 (relative) of the file-based run:
# the same coordinates, read through another driver.
metrics_equal_to_file_run() {
  "$ibmap" overlay "$sample/project.yaml" --csv "$out/files.csv" --log "$out/dq1.csv" > /dev/null &&
  "$ibmap" overlay "$sample/project.yaml" --blocks "PG:$conn:blocks" \
    --parcels "PG:$conn:parcels" --csv "$out/pg.csv" --log "$out/dq2.csv" > /dev/null &&
  awk -F, 'NR == FNR { a[FNR] = $0; next }
    { split(a[FNR], x, ","); n = split($0, y, ",")
      for (i = 1; i <= n; i++) {
        if (x[i] == y[i]) continue
        if (x[i] ~ /^-?[0-9.e+-]+$/ && y[i] ~ /^-?[0-9.e+-]+$/) {
          d = x[i] - y[i]; if (d < 0) d = -d; s = x[i] < 0 ? -x[i] : x[i]; if (s < 1) s = 1
          if (d / s <= 1e-9) continue
        }
        print "# line " FNR " field " i ": " x[i] " vs " y[i]; bad = 1
      } }
    END { exit bad }' "$out/files.csv" "$out/pg.csv" &&
  [ "$(wc -l < "$out/pg.csv")" -eq 301 ]
}
missing_pg_table_is_named() {
  ! "$ibmap" check "$sample/project.yaml" --blocks "PG:$conn:no_such_table" \
      --log "$out/dq3.csv" > "$out/err.txt" 2>&1 &&
  grep -q "no layer 'no_such_table'" "$out/err.txt"
}
for t in "${tests[@]}"; do tap_ok "$t" "$t"; done
tap_finish
