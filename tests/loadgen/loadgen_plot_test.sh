#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `corio-load merge --plot OUT.png` (issue 24): the merge of two workers against examples/hello is
# drawn by gnuplot as a single run's --plot is (a PNG, its script kept as OUT.png.gp), also from
# JSON results without their logs; a path that cannot be written, or a machine without gnuplot, is
# refused before any output is written; a gnuplot that fails half-way leaves neither a partial
# picture nor a temporary file. A single run's --plot still draws. Skipped (77) without gnuplot.
#   loadgen_plot_test.sh path/to/corio-load path/to/hello
set -euo pipefail
# shellcheck source=start_hello.sh
. "$(dirname "$0")/start_hello.sh"
load=$1
hello=$2
command -v gnuplot >/dev/null || { echo "gnuplot not installed: skipped (apt-get install gnuplot-nox)"; exit 77; }
begin_test corio-load-plot
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
no_temporaries() { ! ls "$work"/*.png.?????? >/dev/null 2>&1 || fail "a temporary file was left: $(ls "$work")"; }

start_hello
url="http://127.0.0.1:$port/plaintext"
start=$(($(date +%s) + 2))
pids=()
for w in a b; do
    "$load" -t 1 -c 4 -d 2 --start-at "$start" --connect-early --label "$w" --json "$work/$w.json" \
        --hlog "$work/$w.hlog" "$url" >/dev/null &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a worker failed"; done
inputs=("$work"/a.json "$work"/b.json "$work"/a.hlog "$work"/b.hlog)

# The merged picture, with its script; the summary names it.
"$load" merge --plot "$work/merged.png" "${inputs[@]}" >"$work/merge.out" || fail "merge --plot failed"
is_png "$work/merged.png" || fail "merged.png is not a PNG"
[ "$(stat -c %s "$work/merged.png")" -gt 10000 ] || fail "merged.png is too small to hold the two charts"
grep -q "Plot: $work/merged.png" "$work/merge.out" || fail "the summary does not name the plot"
grep -q "latency (uncorrected)" "$work/merged.png.gp" || fail "the script lacks the merged percentile curve"
grep -q "^if (!exists(\"corio_output\"))" "$work/merged.png.gp" || fail "the script cannot redraw on its own"
# The script kept beside it redraws the picture by itself.
(cd "$work" && gnuplot merged.png.gp) || fail "gnuplot merged.png.gp did not redraw"
is_png "$work/merged.png" || fail "gnuplot merged.png.gp did not redraw a PNG"
# JSON results alone (no per-second latency): requests/s only, still drawn.
"$load" merge --plot "$work/json-only.png" "$work"/a.json "$work"/b.json >/dev/null || fail "merge --plot of JSON alone"
is_png "$work/json-only.png" || fail "json-only.png is not a PNG"
no_temporaries
echo "merge --plot: drawn, from logs and from JSON results alone"

# A path that cannot be written is refused before anything is written (the --json beside it too).
if "$load" merge --json "$work/bad.json" --plot "$work/missing-dir/m.png" "${inputs[@]}" >/dev/null 2>"$work/err"; then
    fail "merge accepted --plot into a missing directory"
fi
grep -q -- "--plot $work/missing-dir/m.png" "$work/err" || fail "the error does not name --plot and the path: $(cat "$work/err")"
[ ! -e "$work/bad.json" ] || fail "--json was written although --plot was refused"

# Without gnuplot on PATH: refused before the merge, naming the package, nothing written.
if PATH=/nonexistent "$load" merge --json "$work/bad.json" --plot "$work/nognuplot.png" "${inputs[@]}" \
    >/dev/null 2>"$work/err"; then
    fail "merge --plot ran without gnuplot"
fi
grep -q "gnuplot is not installed.*gnuplot-nox" "$work/err" ||
    fail "the error does not say how to get gnuplot: $(cat "$work/err")"
for f in bad.json nognuplot.png nognuplot.png.gp; do
    [ ! -e "$work/$f" ] || fail "$f was written although gnuplot is missing"
done

# A gnuplot that writes part of its picture and then fails: the previous picture stays, and no
# temporary is left behind.
mkdir "$work/bin"
cat >"$work/bin/gnuplot" <<'SH'
#!/bin/sh
# Stand-in: $2 is "corio_output = '<temporary>'"; write a partial picture there, then fail.
out=$(printf '%s\n' "$2" | sed "s/^corio_output = '\(.*\)'$/\1/")
printf 'partial' >"$out"
exit 1
SH
chmod +x "$work/bin/gnuplot"
cp "$work/merged.png" "$work/before.png"
if PATH="$work/bin:$PATH" "$load" merge --plot "$work/merged.png" "${inputs[@]}" >/dev/null 2>"$work/err"; then
    fail "merge succeeded although gnuplot failed"
fi
grep -q "gnuplot failed to draw $work/merged.png" "$work/err" || fail "the error does not say gnuplot failed: $(cat "$work/err")"
cmp -s "$work/merged.png" "$work/before.png" || fail "a failed drawing replaced the previous picture"
no_temporaries
echo "merge --plot: bad path and missing gnuplot refused first; a failed drawing leaves nothing partial"

# A single run's --plot draws through the same code.
"$load" -t 1 -c 4 -d 1 --plot "$work/single.png" "$url" >/dev/null || fail "a single run with --plot failed"
is_png "$work/single.png" || fail "single.png is not a PNG"
no_temporaries
echo "loadgen_plot_test: ok"
