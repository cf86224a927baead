# pg_server.sh — a private, throw-away PostgreSQL 15 server on 127.0.0.1,
# for the tests that need one and scripts/bench (sourced by each).
#
#   pg_server_dir PARENT...    make the server's directory ($pg_dir) in the
#                              first PARENT the server's user can enter
#   pg_server_start USER FIRST_PORT [SERVER_OPTION...]
#                              initdb (superuser USER, trust, UTF8, C locale)
#                              and start on the first port from FIRST_PORT
#                              where the server starts ($pg_port)
#   pg_server_stop             stop it and remove $pg_dir (callers: trap)
#   pg_as COMMAND...           run COMMAND as the server's user
#
# PostgreSQL refuses to run as root, so under root the server runs as the
# user postgres, who must be able to enter every directory above the
# server's files: a clone under /root (mode 700), a scratch directory made
# under umask 077 or a mode-700 $TMPDIR are not.  Hence a directory of its
# own, made by mktemp -d (mode 700 whatever the umask) and given to the
# server's user, in a parent it is checked to reach.  The clients (psql,
# createdb, ogr2ogr, ibmap) connect over TCP as the caller and read their
# own files; only the server needs to reach $pg_dir.
#
# Ports: the one that is free is found by starting the server on it (a
# probe only skips ports that answer already): a probe alone would leave a
# window for another run to take the port, and a port derived from the PID
# can be the one another run (or a benchmark beside the tests) already has.
# shellcheck shell=bash disable=SC2034  # set here for the caller
pg_bin=/usr/lib/postgresql/15/bin
pg_dir="" pg_port="" pg_started=0

pg_as() {
  # cd /: the caller's working directory may be one postgres cannot enter.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@")
  else "$@"; fi
}

pg_server_dir() {
  local parent d
  for parent in "$@"; do
    d=$(mktemp -d "$parent/ibmap-pg.XXXXXX" 2>/dev/null) || continue
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$d" || { rm -rf "$d"; continue; }; fi
    if pg_as test -w "$d" -a -x "$d"; then pg_dir=$d; return 0; fi
    rm -rf "$d"
  done
  echo "pg_server.sh: no directory the server's user ($(pg_as id -un)) can enter among: $*" >&2
  return 1
}

pg_server_start() {
  local user=$1 port=$2 tries=20 i log
  shift 2
  [ -n "$pg_dir" ] || pg_server_dir "${TMPDIR:-/tmp}" /tmp || return 1
  if ! pg_as "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U "$user" -E UTF8 \
         --no-locale > "$pg_dir/initdb.log" 2>&1; then
    echo "pg_server.sh: initdb failed:" >&2; tail -n 5 "$pg_dir/initdb.log" >&2
    return 1
  fi
  for ((i = 0; i < tries; i++, port++)); do
    log="$pg_dir/server-$port.log"
    # Something already answering there: no need to wait for a failed start.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k '$pg_dir' $*" start > /dev/null 2>&1; then
      pg_port=$port pg_started=1
      return 0
    fi
    # Taken between the probe and the bind (another run): the next port.
    # Any other failure would fail on every port: say it and stop.
    grep -q "Address already in use" "$log" 2>/dev/null && continue
    echo "pg_server.sh: the server did not start on port $port:" >&2
    tail -n 5 "$log" >&2 2>/dev/null
    return 1
  done
  echo "pg_server.sh: no free port in $((port - tries))..$((port - 1))" >&2
  return 1
}

pg_server_stop() {
  if [ "$pg_started" -eq 1 ]; then
    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop > /dev/null 2>&1 || true
    pg_started=0
  fi
  if [ -n "$pg_dir" ]; then rm -rf "$pg_dir"; pg_dir=""; fi
  return 0
}

# The short form the PostGIS tests use (test_pg_out.sh,
# test_qgis_processing.sh):
#   pg_available || skip…   initdb and the postgis extension installed?
#   pg_start                superuser ibmap, a random first port; sets
#                           pg_conn and stops the server at exit
#   pg_psql DB SQL          psql -X -q -At against it
pg_available() {
  [ -x "$pg_bin/initdb" ] && [ -f /usr/share/postgresql/15/extension/postgis.control ]
}

pg_start() {
  trap pg_server_stop EXIT
  pg_server_start ibmap $((20000 + RANDOM % 40000)) -c fsync=off || return 1
  pg_conn="host=127.0.0.1 port=$pg_port user=ibmap"
}

pg_psql() {
  "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U ibmap -d "$1" -c "$2"
}
