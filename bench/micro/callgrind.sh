#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per request of the micro benchmark workloads, counted by valgrind's callgrind.
# Each workload runs twice under callgrind (corio-micro-count WORKLOAD N), with N = --small and
# N = --large iterations; instructions/request = (Ir(large) - Ir(small)) / (requests(large) -
# requests(small)), so set-up, start-up and exit cancel out. Prints a markdown table; with
# --annotate DIR it keeps the large runs' callgrind.out files there, with callgrind_annotate's
# function-level listing beside each (DIR/WORKLOAD.txt, '/' in names turned into '-').
#
#   bench/micro/callgrind.sh [--build build/release] [--small 1000] [--large 11000]
#                            [--annotate DIR] [WORKLOAD...]        (default: every workload)
set -euo pipefail

build=build/release small=1000 large=11000 annotate=""
names=()
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --large) large=$2; shift 2 ;;
    --annotate) annotate=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
    esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
count="$build/bench/micro/corio-micro-count"
[ -x "$count" ] || { echo "callgrind.sh: $count not built (ninja -C $build corio-micro-count)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not installed (toolchains/deps.sh --bench)" >&2; exit 1; }
[ ${#names[@]} -gt 0 ] || mapfile -t names < <("$count" --list)
work=$(mktemp -d /tmp/corio-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -z "$annotate" ] || mkdir -p "$annotate"

# run WORKLOAD N OUT: prints "instructions requests"
run() {
    local out requests
    out=$(timeout 600 valgrind --tool=callgrind --callgrind-out-file="$3" "$count" "$1" "$2" 2>/dev/null)
    requests=$(echo "$out" | awk '{print $(NF-1)}')
    echo "$(awk '/^totals:/ {print $2}' "$3") $requests"
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
        callgrind_annotate --inclusive=no "$file.callgrind.out" >"$file.txt" 2>/dev/null || true
    fi
done
