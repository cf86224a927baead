#!/usr/bin/env bash
# ibmap-exec.sh — the ibmap program as the tests start it ($IBMAP_EXE): the
# build's program itself ($IBMAP_PROGRAM), or that program under valgrind's
# memcheck when the tests run with `meson test --setup valgrind`, which sets
# IBMAP_VALGRIND_ARGS.  exec, so that a signal sent to the pid a test
# started reaches ibmap itself.
if [ -n "${IBMAP_VALGRIND_ARGS:-}" ]; then
  # shellcheck disable=SC2086  # the options are separate words on purpose
  exec valgrind $IBMAP_VALGRIND_ARGS "$IBMAP_PROGRAM" "$@"
fi
exec "$IBMAP_PROGRAM" "$@"
