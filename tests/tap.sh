# tap.sh — the TAP harness for shell tests, the same contract as harness.h:
# "ok N - name" lines, a closing "1..N", and one "PASS FAIL SKIP" line
# appended to $IBMAP_TEST_TALLY when it is set.
tap_n=0 tap_pass=0 tap_fail=0 tap_skip=0

tap_ok() {   # tap_ok NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  tap_n=$((tap_n + 1))
  if "$@"; then tap_pass=$((tap_pass + 1)); echo "ok $tap_n - $name"
  else tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $name"; fi
}

tap_skip() { # tap_skip NAME REASON
  tap_n=$((tap_n + 1)); tap_skip=$((tap_skip + 1))
  echo "ok $tap_n - $1 # SKIP $2"
}

tap_finish() {
  echo "1..$tap_n"
  if [ -n "${IBMAP_TEST_TALLY:-}" ]; then
    echo "$tap_pass $tap_fail $tap_skip" >> "$IBMAP_TEST_TALLY"
  fi
  [ "$tap_fail" -eq 0 ]
}
