#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `corio-load merge --html` and `corio-load --html`: the report of two workers against examples/hello is one self-contained
# page (no script, no external reference) with its four charts as well-formed inline SVG, each with
# its lines; where Debian's chromium is installed, the page is rendered headless and every chart is
# found in the rendered DOM (without chromium that part is skipped with a message).
#   loadgen_html_test.sh path/to/corio-load path/to/hello
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
begin_test corio-load-html

start_hello
start=$(($(date +%s) + 2))
pids=()
for w in a b; do
    "$load" -t 1 -c 4 -d 2 --start-at "$start" --connect-early --label "$w" --json "$work/$w.json" \
        --hlog "$work/$w.hlog" "http://127.0.0.1:$port/plaintext" >/dev/null &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a worker failed"; done
"$load" merge --html "$work/report.html" "$work"/a.json "$work"/b.json "$work"/a.hlog "$work"/b.hlog >/dev/null
python3 - "$work/report.html" <<'PY'
import re, sys, xml.dom.minidom
page = open(sys.argv[1]).read()
assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', ""), "not self-contained"
for chart in ("throughput", "latency-over-time", "distribution", "errors"):
    m = re.search(r'<figure id="%s".*?(<svg.*?</svg>)' % chart, page, re.S)
    assert m, chart
    svg = xml.dom.minidom.parseString(m.group(1))
    lines = [p for p in svg.getElementsByTagName("polyline") if p.getAttribute("points").strip()]
    assert lines, f"{chart}: no line drawn"
print("report: four charts, each with its lines")
PY
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "chromium not installed: the rendering check is skipped (apt-get install chromium)"
else
    timeout 40 "$browser" --headless --no-sandbox --disable-gpu --dump-dom "file://$work/report.html" \
        >"$work/dom.html" 2>/dev/null || fail "chromium could not render the report"
    for chart in throughput latency-over-time distribution errors; do
        grep -q "<figure id=\"$chart\"" "$work/dom.html" || fail "chart $chart missing from the rendered DOM"
    done
    echo "chromium rendered every chart"
fi
# A single run writes the same page itself (--html).
"$load" -t 1 -c 4 -d 1 --html "$work/single.html" "http://127.0.0.1:$port/plaintext" >/dev/null
for chart in throughput latency-over-time distribution errors; do
    grep -q "<figure id=\"$chart\"" "$work/single.html" || fail "chart $chart missing from a single run's page"
done
echo "loadgen_html_test: ok"
