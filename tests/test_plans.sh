#!/usr/bin/env bash
# test_plans.sh — the block plan sheets (一区块一方案) of the sample city,
# read back by real clients: `ibmap run --formats plans,report` with the
# project's plan texts set on the command line, then poppler's pdftotext
# and pdffonts on every town's PDF:
#
#   every consolidate and exit block of block_class.csv has its pages, and
#   no other block has; on a block's pages stand the names of all its
#   enterprises (enterprise_class.csv, by main block), whole (wrapped names
#   are joined again: whitespace is ignored), and the 编制单位 and date;
#   every font is Noto Sans CJK, embedded (no box for a missing glyph);
#   the page count of the PDFs is the count ibmap printed;
#   each town's HTML has a section per block; the report links its
#   blocks to their sheets; `ibmap plans` writes the same blocks for one
#   town alone, and refuses an existing directory without --overwrite.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tap.sh"
root="${IBMAP_SOURCE_ROOT:-$here/..}"
ibmap="${IBMAP_EXE:?IBMAP_EXE not set}"
build="${IBMAP_BUILD_ROOT:-/tmp}"
dir="$build/tests/scratch/test_plans"
rm -rf "$dir"; mkdir -p "$dir"
tests=(plans_written blocks_and_names_on_their_pages fonts_embedded_cjk page_count_printed
       html_sections report_links plans_command_one_town)

if ! command -v pdftotext > /dev/null || ! command -v pdffonts > /dev/null; then
  for t in "${tests[@]}"; do tap_skip "$t" "no pdftotext/pdffonts (apt-get install poppler-utils)"; done
  tap_finish; exit
fi

out="$dir/out"
plans_written() {
  "$ibmap" run "$root/layers/sample/project.yaml" -o "$out" --formats plans,report \
    --progress none --set plan.organization=慈溪市经济和信息化局 --set plan.date=2025-06 \
    > "$dir/run.log" 2>&1 || { sed 's/^/# /' "$dir/run.log" | tail -5; return 1; }
  grep '一区块一方案' "$dir/run.log" | sed 's/^/# /'
  [ -s "$out/plans/index.html" ] && ls "$out"/plans/*.pdf > /dev/null
}
tap_ok plans_written plans_written

blocks_and_names_on_their_pages() {
  python3 - "$out" <<'PY'
import csv, glob, os, re, subprocess, sys
out = sys.argv[1]
with open(os.path.join(out, "block_class.csv"), encoding="utf-8-sig", newline="") as f:
    want = {r["block_id"] for r in csv.DictReader(f) if r["class"] in ("consolidate", "exit")}
names = {}
with open(os.path.join(out, "enterprise_class.csv"), encoding="utf-8-sig", newline="") as f:
    for r in csv.DictReader(f):
        if r["block_id"] and r["name"]:
            names.setdefault(r["block_id"], []).append(r["name"])
pages_of = {}
bad = 0
for pdf in sorted(glob.glob(os.path.join(out, "plans", "*.pdf"))):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    for page in text.split("\f"):
        if not page.strip():
            continue
        flat = re.sub(r"\s+", "", page)
        # The footer names the block: "QK0001 1/2 · 第 1/7 页".
        m = re.search(r"(QK\d{4})\d+/\d+·第", flat)
        if not m:
            print("# a page without its block in the foot:", flat[:80]); bad += 1; continue
        pages_of.setdefault(m.group(1), []).append(flat)
        if "慈溪市经济和信息化局" not in flat or "2025-06" not in flat:
            print("# no 编制单位/日期 on a page of", m.group(1)); bad += 1
got = set(pages_of)
if got != want:
    print("# blocks missing:", sorted(want - got)[:10], "extra:", sorted(got - want)[:10]); bad += 1
missing = 0
for b in sorted(got):
    text = "".join(pages_of[b])
    for n in names.get(b, []):
        if re.sub(r"\s+", "", n) not in text:
            if missing < 5: print("# %s: %s not on its pages" % (b, n))
            missing += 1
n_names = sum(len(names.get(b, [])) for b in got)
print("# %d blocks, %d pages, %d enterprise names checked, %d missing"
      % (len(got), sum(len(v) for v in pages_of.values()), n_names, missing))
sys.exit(1 if bad or missing or n_names == 0 else 0)
PY
}
tap_ok blocks_and_names_on_their_pages blocks_and_names_on_their_pages

fonts_embedded_cjk() {
  local ok=0 pdf
  for pdf in "$out"/plans/*.pdf; do
    # pdffonts: name type encoding emb sub uni object ID
    pdffonts "$pdf" | tail -n +3 > "$dir/fonts.txt"
    [ -s "$dir/fonts.txt" ] || { echo "# $pdf: no font"; ok=1; }
    if grep -qv 'NotoSansCJK' "$dir/fonts.txt"; then
      echo "# $pdf: a font other than Noto Sans CJK:"; grep -v NotoSansCJK "$dir/fonts.txt" | sed 's/^/#   /'
      ok=1
    fi
    if ! awk '{ if ($(NF-4) != "yes") bad = 1 } END { exit bad }' "$dir/fonts.txt"; then
      echo "# $pdf: a font not embedded"; ok=1
    fi
  done
  return $ok
}
tap_ok fonts_embedded_cjk fonts_embedded_cjk

page_count_printed() {
  local printed total=0 n pdf
  printed=$(sed -n 's/.*plan sheets: [0-9]* blocks, \([0-9]*\) pages.*/\1/p' "$dir/run.log")
  for pdf in "$out"/plans/*.pdf; do
    n=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
    total=$((total + n))
  done
  echo "# $total pages in the PDFs, $printed printed"
  [ -n "$printed" ] && [ "$total" -eq "$printed" ]
}
tap_ok page_count_printed page_count_printed

html_sections() {
  local html="$out/plans/浒山街道.html"
  [ -s "$html" ] && grep -q 'id="block-QK0001"' "$html" &&
    grep -q 'src="data:image/png;base64,' "$html" && grep -qF "Content-Security-Policy" "$html" &&
    grep -q '浒山街道.pdf' "$out/plans/index.html"
}
tap_ok html_sections html_sections

report_links() {
  grep -qF '"plans/浒山街道.html#block-QK0001"' "$out/report.html"
}
tap_ok report_links report_links

plans_command_one_town() {
  local ws="$out/workspace.sqlite"
  "$ibmap" plans "$ws" -o "$dir/one" --town 浒山街道 --blocks all --per-block \
    > "$dir/one.log" 2>&1 || { sed 's/^/# /' "$dir/one.log"; return 1; }
  local n_files
  n_files=$(ls "$dir/one"/*.pdf | wc -l)
  # --town: one town's file; --per-block: a file per block of it.
  [ "$n_files" -eq 1 ] && [ -s "$dir/one/浒山街道.pdf" ] &&
    [ "$(ls "$dir/one/blocks" | wc -l)" -ge 1 ] &&
    ! "$ibmap" plans "$ws" -o "$dir/one" > /dev/null 2>&1 &&
    "$ibmap" plans "$ws" -o "$dir/one" --overwrite --blocks QK0001 > /dev/null 2>&1 &&
    [ "$(pdfinfo "$dir/one/浒山街道.pdf" | awk '/^Pages:/ { print $2 }')" -ge 1 ] &&
    [ ! -d "$dir/one/blocks" ]
}
tap_ok plans_command_one_town plans_command_one_town
tap_finish
