#!/usr/bin/env bash
# test_location.sh — the tests pass wherever the clone lives (issue #16).
# The source tree is cloned into a mode-700 directory (as /root is on
# Debian), under umask 077, and tests/test_postgis.sh, the test that runs a
# server as another user (postgres, when the tests run as root), is run
# from that clone with TMPDIR another mode-700 directory.  Each of the three
# once kept the server from its files.  Only that test, and against this
# build's ibmap: a second build would take minutes.
#
# What is cloned is the committed tree (HEAD of $IBMAP_SOURCE_ROOT), as a
# new user gets it: changes not yet committed are not in the clone.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
src="${IBMAP_SOURCE_ROOT:-$here/..}"
: "${IBMAP_PROGRAM:?IBMAP_PROGRAM not set}"
tests=(clone_in_private_dir postgis_passes_from_private_clone server_files_removed)

skip_all() {
  for t in "${tests[@]}"; do tap_skip "$t" "$1"; done
  tap_finish; exit
}
command -v git > /dev/null || skip_all "git not installed"
# .git is a directory in a clone, a file in a worktree; absent in a tarball.
[ -e "$src/.git" ] || skip_all "$src is not a git checkout: nothing to clone"

# Kept after the run (the inner test's output), unlike the clone.
log="${IBMAP_BUILD_ROOT:-/tmp}/tests/scratch/test_location"
rm -rf "$log"; mkdir -p "$log"
# Both from mktemp -d: mode 700 whatever the umask.  $tmp is a directory
# the postgres user cannot enter, as a private TMPDIR can be.
top=$(mktemp -d) tmp=$(mktemp -d)
trap 'rm -rf "$top" "$tmp"' EXIT
trap 'exit 143' TERM INT
clone="$top/private/clone"
(umask 077 && mkdir "$top/private" && git clone -q "$src" "$clone") > "$log/clone.txt" 2>&1
clone_rc=$?

clone_in_private_dir() {
  [ "$clone_rc" -eq 0 ] && [ "$(stat -c %a "$top/private")" = 700 ] &&
    [ -f "$clone/tests/test_postgis.sh" ] && return 0
  echo "# git clone $src exited $clone_rc:"; sed 's/^/#   /' "$log/clone.txt"
  return 1
}
tap_ok clone_in_private_dir clone_in_private_dir
[ "$clone_rc" -eq 0 ] || { tap_ok postgis_passes_from_private_clone false
                           tap_ok server_files_removed false; tap_finish; exit; }

# The clone's own scripts and its own scratch directory (build/ in the
# clone, made under umask 077 too); the program from this build.  The
# inner test's tally line would count its cases a second time: not set.
(umask 077 && cd "$clone" &&
 env -u IBMAP_TEST_TALLY TMPDIR="$tmp" IBMAP_SOURCE_ROOT="$clone" \
   IBMAP_BUILD_ROOT="$clone/build" IBMAP_EXE="$clone/tests/ibmap-exec.sh" \
   bash tests/test_postgis.sh) > "$log/test_postgis.txt" 2>&1
rc=$?

if grep -q "# SKIP" "$log/test_postgis.txt"; then
  reason=$(grep -m1 -o "# SKIP .*" "$log/test_postgis.txt")
  for t in postgis_passes_from_private_clone server_files_removed; do
    tap_skip "$t" "test_postgis skipped (${reason#\# SKIP })"
  done
  tap_finish; exit
fi
postgis_passes() {
  [ "$rc" -eq 0 ] && grep -qx "1..3" "$log/test_postgis.txt" &&
    [ "$(grep -c "^ok " "$log/test_postgis.txt")" -eq 3 ] && return 0
  echo "# test_postgis.sh from $clone exited $rc (umask 077, TMPDIR=$tmp):"
  tail -n 20 "$log/test_postgis.txt" | sed 's/^/#   /'
  return 1
}
tap_ok postgis_passes_from_private_clone postgis_passes

# The server's directory (test_postgis.sh prints it) is gone, and nothing
# is left in TMPDIR.
server_files_removed() {
  local d
  d=$(sed -n 's/^# PostgreSQL in \(.*\), port [0-9]*$/\1/p' "$log/test_postgis.txt")
  [ -n "$d" ] && [ ! -e "$d" ] && [ -z "$(ls -A "$tmp")" ] && return 0
  echo "# left behind: ${d:-(no server directory named)} $(ls -A "$tmp")"
  return 1
}
tap_ok server_files_removed server_files_removed
tap_finish
