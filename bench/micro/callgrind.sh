#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per request of the micro benchmark workloads, counted by valgrind's callgrind.
# Each workload runs twice under callgrind (corio-micro-count WORKLOAD N), with N = --small and
# N = --large iterations; instructions/request = (Ir(large) - Ir(small)) / (requests(large) -
# requests(small)), so set-up, start-up and exit cancel out. Prints a markdown table; with
# --annotate DIR it keeps the large runs' callgrind.out files there ('/' in names turned into
# '-'), callgrind_annotate's listing beside each (WORKLOAD.txt) and the same difference taken per
# function: self instructions per request, largest first (WORKLOAD.per-request.txt). --valgrind CMD
# runs CMD (split at spaces) instead of `valgrind` (bench/micro/callgrind_arm64.sh uses it for an
# arm64 valgrind under qemu-user); then name the workloads, as --list is not run.
#
#   bench/micro/callgrind.sh [--build build/release] [--small 1000] [--large 11000]
#                            [--annotate DIR] [--valgrind CMD] [WORKLOAD...]   (default: every workload)
set -euo pipefail

build=build/release small=1000 large=11000 annotate="" valgrind=valgrind
names=()
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --large) large=$2; shift 2 ;;
    --annotate) annotate=$2; shift 2 ;;
    --valgrind) valgrind=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
    esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
count="$build/bench/micro/corio-micro-count"
[ -x "$count" ] || { echo "callgrind.sh: $count not built (ninja -C $build corio-micro-count)" >&2; exit 1; }
read -ra valgrind <<<"$valgrind"
command -v "${valgrind[0]}" >/dev/null || { echo "callgrind.sh: ${valgrind[0]} not installed (toolchains/deps.sh --bench)" >&2; exit 1; }
[ ${#names[@]} -gt 0 ] || mapfile -t names < <("$count" --list)
work=$(mktemp -d /tmp/corio-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -z "$annotate" ] || mkdir -p "$annotate"

# run WORKLOAD N OUT: prints "instructions requests"
run() {
    local out requests
    out=$(timeout 600 "${valgrind[@]}" --tool=callgrind --callgrind-out-file="$3" "$count" "$1" "$2" 2>/dev/null)
    requests=$(echo "$out" | awk '{print $(NF-1)}')
    echo "$(awk '/^totals:/ {print $2}' "$3") $requests"
}

# per_function LARGE.txt SMALL.txt REQUESTS: self instructions per request of each function, from
# two callgrind_annotate listings ("1,234 (5.00%)  file:function [object]" lines). A function that
# callgrind saw at several recursion depths ("f'2", common on arm64, where returns are guessed) is
# counted once.
per_function() {
    python3 - "$@" <<'PY'
import re, sys
def load(path):
    out = {}
    for line in open(path, errors="replace"):
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)(?: \[.*\])?$", line)
        if m and "PROGRAM TOTALS" not in line:
            name = re.sub(r"'\d+$", "", m.group(2))
            out[name] = out.get(name, 0) + int(m.group(1).replace(",", ""))
    return out
large, small, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
rows = sorted(((v - small.get(k, 0)) / n, k) for k, v in large.items())
total = sum(r for r, _ in rows)
print(f"{total:10.1f}  total instructions per request")
for r, k in reversed(rows):
    if r >= 0.5:
        print(f"{r:10.1f}  {k}")
PY
}

echo "| workload | instructions/request | requests counted |"
echo "|---|---|---|"
for name in "${names[@]}"; do
    read -r ir_small req_small < <(run "$name" "$small" "$work/small.out")
    read -r ir_large req_large < <(run "$name" "$large" "$work/large.out")
    awk -v n="$name" -v a="$ir_small" -v b="$ir_large" -v ra="$req_small" -v rb="$req_large" \
        'BEGIN {printf "| %s | %.0f | %d |\n", n, (b - a) / (rb - ra), rb - ra}'
    if [ -n "$annotate" ]; then
        file="$annotate/${name//\//-}"
        cp "$work/large.out" "$file.callgrind.out"
        callgrind_annotate --threshold=100 "$file.callgrind.out" >"$file.txt" 2>/dev/null || true
        callgrind_annotate --threshold=100 "$work/small.out" >"$work/small.txt" 2>/dev/null || true
        per_function "$file.txt" "$work/small.txt" $((req_large - req_small)) >"$file.per-request.txt"
    fi
done
