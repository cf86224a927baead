#!/usr/bin/env bash
# test_chromium.sh — report.html as a browser shows it.  ibmap runs the
# sample city twice (a "strict" scenario stored first, so that the report
# has a transition matrix to show; then the report, with its map and a
# sweep to chart; --overwrite because every run rewrites its CSVs), and
# headless Chromium opens the page.  It must render (a
# screenshot of the asked size and of real content, kept in
# $IBMAP_BUILD_ROOT/tests/report-screenshot.png for a person to look at),
# its DOM must hold the title and every section's table, the console must
# stay silent (no script error, no Content-Security-Policy violation) and
# the page must request nothing over the network (Chromium's net-log: a
# request whose isolation key is the file:// page came from the page; the
# browser's own background calls have none, and every host name resolves
# to nothing anyway).  A canary page with an external image and a throwing
# script proves that the console and network checks can fail.
#
# IBMAP_CHROMIUM names the browser (default /usr/bin/chromium); the tests
# skip when it is absent.  IBMAP_CHROMIUM_REPORT=FILE checks that report
# instead of running ibmap (to look at any report by hand).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
chromium="${IBMAP_CHROMIUM:-/usr/bin/chromium}"
build="${IBMAP_BUILD_ROOT:-/tmp}"
page_tests=(screenshot_rendered dom_has_title_and_tables console_silent no_network_request)

if [ ! -x "$chromium" ]; then
  for t in report_written canary_is_caught "${page_tests[@]}"; do
    tap_skip "$t" "no Chromium at $chromium (apt-get install chromium, or set IBMAP_CHROMIUM)"
  done
  tap_finish; exit
fi

dir="$build/tests/scratch/test_chromium"
rm -rf "$dir"; mkdir -p "$dir"
shot="$build/tests/report-screenshot.png"
rm -f "$shot"
title="慈溪市工业区块 浏览器检查 Browser check"

# browser NAME URL ARGS...: one headless Chromium run with a new, empty
# profile; stdout in $dir/NAME.out, the log (stderr) in $dir/NAME.log.
browser() {
  local name=$1 url=$2; shift 2
  local profile rc
  profile=$(mktemp -d "$dir/profile-XXXXXX")
  timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND" \
    --enable-logging=stderr --v=0 "$@" "$url" > "$dir/$name.out" 2> "$dir/$name.log"
  rc=$?
  rm -rf "$profile"
  return $rc
}

# The page's console messages in run NAME's log ("INFO:CONSOLE:3]" in
# Chromium 156, "INFO:CONSOLE(3)]" in older ones).
console_messages() { grep -E ':CONSOLE[:(]|Uncaught' "$dir/$1.log"; }

# The http(s) URLs the page itself asked for in run NAME's net-log.
page_requests() {
  grep '"network_isolation_key":"file://' "$dir/$1.netlog" | grep -oE '"url":"https?://[^"]*"'
}

# The report: from ibmap run, or the one named.
report="${IBMAP_CHROMIUM_REPORT:-}"
if [ -z "$report" ]; then
  out="$dir/out"
  report="$out/report.html"
  sample="$root/layers/sample/project.yaml"
  "$ibmap" run "$sample" -o "$out" --formats summaries --scenario strict \
      --set tax_support=30 > "$dir/run-strict.log" 2>&1 &&
    "$ibmap" run "$sample" -o "$out" --formats report --overwrite --title "$title" \
      --sweep tax_support=0:40:5 > "$dir/run.log" 2>&1
  run_rc=$?
  report_written() {
    [ "$run_rc" -eq 0 ] && [ -s "$report" ] && return 0
    echo "# ibmap run exited $run_rc; $report $( [ -s "$report" ] && echo present || echo absent)"
    sed 's/^/#   /' "$dir/run-strict.log" "$dir/run.log" 2>/dev/null | tail -5
    return 1
  }
else
  title=$(sed -n 's:.*<title>\(.*\)</title>.*:\1:p' "$report" | head -1)
  report_written() { [ -s "$report" ]; }
fi
tap_ok report_written report_written

# The canary: what a page that broke the rules would leave in the log.
cat > "$dir/canary.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>canary</title></head>
<body><img src="http://canary.invalid/a.png"><script>throw new Error("canary")</script></body></html>
EOF
canary_is_caught() {
  browser canary "file://$dir/canary.html" --screenshot="$dir/canary.png" \
    --window-size=400,300 --log-net-log="$dir/canary.netlog" &&
    console_messages canary | grep -q 'Uncaught Error: canary' &&
    page_requests canary | grep -q 'canary.invalid'
}
tap_ok canary_is_caught canary_is_caught

if [ ! -s "$report" ]; then
  for t in "${page_tests[@]}"; do
    tap_skip "$t" "no report.html to open (ibmap run failed: see $dir/run.log)"
  done
  tap_finish; exit
fi

browser shot "file://$report" --screenshot="$shot" --window-size=1280,2000 \
  --log-net-log="$dir/shot.netlog"
shot_rc=$?
browser dom "file://$report" --dump-dom
dom_rc=$?

# Exit 0, a PNG of 1280 × 2000 (its IHDR width and height, big-endian), and
# more than 50 KB: a blank page of that size compresses to a few KB.
screenshot_rendered() {
  [ "$shot_rc" -eq 0 ] && [ -f "$shot" ] || { echo "# chromium exited $shot_rc"; return 1; }
  local sig size w h
  sig=$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')
  read -r w h <<< "$(od -An -tu1 -j16 -N8 "$shot" |
    awk '{ print $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }')"
  size=$(stat -c %s "$shot")
  echo "# $shot: ${w}x${h}, $size bytes"
  [ "$sig" = 89504e470d0a1a0a ] && [ "$w" -eq 1280 ] && [ "$h" -eq 2000 ] && [ "$size" -gt 51200 ]
}

# The DOM as Chromium parsed it: the title, each section, the map as a
# data: image, the scenario matrix, the sweep chart with a line per class.
dom_has_title_and_tables() {
  local d="$dir/dom.out" s missing=0
  [ "$dom_rc" -eq 0 ] || { echo "# chromium --dump-dom exited $dom_rc"; return 1; }
  grep -qF "<title>$title</title>" "$d" || { echo "# no <title>$title</title>"; missing=1; }
  grep -qF "<h1>$title</h1>" "$d" || { echo "# no <h1>$title</h1>"; missing=1; }
  for s in map classes enterprises by-town by-park by-cu by-mode rules quality scenarios sweep; do
    grep -qF "<section id=\"$s\">" "$d" || { echo "# no section $s"; missing=1; }
  done
  grep -qF 'src="data:image/png;base64,iVBORw0KGgo' "$d" || { echo "# no map image"; missing=1; }
  grep -qF '<table data-scenario="strict">' "$d" || { echo "# no strict matrix"; missing=1; }
  [ "$(grep -o '<polyline' "$d" | wc -l)" -eq 4 ] || { echo "# not 4 polylines"; missing=1; }
  # The facts, the class summary, the enterprises' six (categories,
  # chains, the front and the 末档 of the 榜单, industries, towns), four
  # class × group tables, the rules, the data quality, one scenario
  # matrix, the sweep's values, the run table.
  [ "$(grep -o '<table' "$d" | wc -l)" -eq 17 ] || { echo "# not 17 tables"; missing=1; }
  [ "$missing" -eq 0 ]
}

console_silent() {
  if console_messages shot > "$dir/console.txt"; then
    sed 's/^/# /' "$dir/console.txt" | head -20
    return 1
  fi
  return 0
}

no_network_request() {
  [ -s "$dir/shot.netlog" ] || { echo "# no net-log written"; return 1; }
  if page_requests shot > "$dir/requests.txt"; then
    sed 's/^/# /' "$dir/requests.txt" | head -20
    return 1
  fi
  return 0
}

for t in "${page_tests[@]}"; do tap_ok "$t" "$t"; done
tap_finish
