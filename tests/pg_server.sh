# pg_server.sh — a private PostgreSQL 15 + PostGIS server for one test,
# sourced by the shell tests that need one (test_pg_out.sh,
# test_qgis_processing.sh).
#
#   pg_available || skip…   # initdb and the postgis extension installed?
#   pg_start                # sets pg_port, pg_dir, pg_conn; stops at exit
#   pg_psql DB SQL…         # psql -X -q -At against the server
#
# The data directory is a private directory from mktemp -d (owned by the
# postgres user when the test runs as root: PostgreSQL refuses to run as
# root), and the server listens on 127.0.0.1 only, on a free port found
# by trying random candidates in turn until the server starts on one:
# nothing derived from the PID, so concurrent tests do not collide.
pg_bin=/usr/lib/postgresql/15/bin

pg_available() {
  [ -x "$pg_bin/initdb" ] && [ -f /usr/share/postgresql/15/extension/postgis.control ]
}

pg_as=()
pg_start() {
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/ibmap-pg.XXXXXX") || return 1
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg_dir"; pg_as=(runuser -u postgres --); fi
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U ibmap -E UTF8 --no-locale \
    > "$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; return 1; }
  trap pg_stop EXIT
  pg_port=
  local port
  for port in $(shuf -i 20000-60999 -n 40); do
    # Something listening there already: next.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=off" start \
         > /dev/null 2>&1; then
      pg_port=$port
      break
    fi
  done
  [ -n "$pg_port" ] || { tail -n 5 "$pg_dir/server.log" >&2; return 1; }
  pg_conn="host=127.0.0.1 port=$pg_port user=ibmap"
}

pg_stop() {
  if [ -n "${pg_dir:-}" ] && [ -d "$pg_dir" ]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop > /dev/null 2>&1
    rm -rf "$pg_dir"
  fi
}

pg_psql() {  # pg_psql DB SQL
  "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U ibmap -d "$1" -c "$2"
}
