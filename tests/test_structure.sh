#!/usr/bin/env bash
# test_structure.sh — the promises of docs/architecture.md that the code
# itself can break, checked on the source tree and the built library:
#   * libibmap.so exports the functions include/ibmap.h declares, and
#     nothing else (the engine is built with hidden visibility);
#   * a file of engine/ includes headers of its own stage or earlier ones
#     only (core → geo → load → overlay → store → classify → output), and
#     layers/ includes nothing of the engine;
#   * no header includes itself through others (no include cycle).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
build="${IBMAP_BUILD_ROOT:?IBMAP_BUILD_ROOT not set}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

exports_only_public_api() {
  local lib
  lib="$(ls "$build"/libibmap.so.* 2>/dev/null | head -n 1)"
  [ -n "$lib" ] || { echo "# no libibmap.so in $build"; return 1; }
  nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBVW]$/ && $3 !~ /^_(_bss_start|edata|end)$/ {print $3}' |
    sort > "$scratch/exported"
  # Every prototype of the header, marked IBMAP_API or not: one left
  # unmarked is hidden by the build, and shows here as missing.
  grep -E '^(IBMAP_API )?(const )?[a-z0-9_]+ \**ibmap_[a-z0-9_]+\(' "$root/include/ibmap.h" |
    grep -oE 'ibmap_[a-z0-9_]+\(' | tr -d '(' | sort > "$scratch/declared"
  [ -s "$scratch/declared" ] || { echo "# no IBMAP_API declaration found"; return 1; }
  if ! diff "$scratch/declared" "$scratch/exported" > "$scratch/diff"; then
    sed 's/^/# /' "$scratch/diff"; return 1
  fi
}

includes_follow_the_stages() {
  python3 - "$root" <<'PY'
import os, re, sys
root = sys.argv[1]
stages = ['core', 'geo', 'load', 'overlay', 'store', 'classify', 'output']
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
def stage_of(path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == 'engine' and len(rel) > 2 and rel[1] in stages:
        return stages.index(rel[1])
    return None
def resolve(frm, name):
    for base in (os.path.dirname(frm), os.path.join(root, 'engine'),
                 os.path.join(root, 'layers'), os.path.join(root, 'include')):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p):
            return p
    return None
graph, bad = {}, []
for top in ('engine', 'layers'):
    for d, _, files in os.walk(os.path.join(root, top)):
        for f in files:
            if not f.endswith(('.c', '.h')):
                continue
            path = os.path.join(d, f)
            own = stage_of(path)
            graph[path] = []
            for name in inc.findall(open(path, encoding='utf-8').read()):
                target = resolve(path, name)
                if target is None:
                    bad.append(f'{path}: "{name}" not found'); continue
                graph[path].append(target)
                t = stage_of(target)
                if top == 'layers':
                    if os.path.relpath(target, root).split(os.sep)[0] not in ('layers', 'include'):
                        bad.append(f'{path} includes the engine\'s {name}')
                elif own is None:
                    bad.append(f'{path} is in no stage folder')
                elif t is not None and t > own:
                    bad.append(f'{path} ({stages[own]}) includes {name} ({stages[t]}), a later stage')
# Cycles: depth-first search over the include graph.
state = {}
def visit(n, stack):
    state[n] = 1
    for m in graph.get(n, []):
        if state.get(m) == 1:
            bad.append('include cycle: ' + ' -> '.join(stack[stack.index(m):] + [m]) if m in stack else m)
        elif m not in state:
            visit(m, stack + [m])
    state[n] = 2
for n in sorted(graph):
    if n not in state:
        visit(n, [n])
for b in bad:
    print('# ' + os.path.relpath(b, root) if os.path.isabs(b) else '# ' + b)
print(f'# {len(graph)} files checked')
sys.exit(1 if bad else 0)
PY
}

tap_ok exports_only_public_api exports_only_public_api
tap_ok includes_follow_the_stages includes_follow_the_stages
tap_finish
