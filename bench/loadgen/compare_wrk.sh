#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# corio-load against wrk: the most requests/s each gets from one core. The server runs on CPU 0
# (examples/hello --threads 1, and nginx with one worker as a second target; any server that
# bench/load/servers.sh starts), the load generator on CPU 1 (taskset), one thread, the same
# connections, no pipelining. Rounds alternate the order of the tools; every run reports
# requests/s and the load generator's own CPU time per request (user+system from GNU time). Prints
# a markdown table per run, then medians (min-max) and the corio-load/wrk ratio of requests/s
# within each round (the machine is shared: ratios taken minutes apart are steadier than absolute
# numbers).
#
#   bench/loadgen/compare_wrk.sh [--build build-load] [--rounds 3] [--duration 10] [--connections 256]
#                                [--servers "corio nginx"] [--path /plaintext]
set -euo pipefail

build=build-load rounds=3 duration=10 connections=256 servers="corio nginx" path=/plaintext
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --path) path=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "compare_wrk.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
load="$root/$build/bench/loadgen/corio-load"
for tool in "$load" wrk /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare_wrk.sh: $tool not found (build $build; toolchains/deps.sh --bench)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/corio-load-compare.XXXXXX)
ulimit -n 20000 2>/dev/null || true
# shellcheck source=../load/servers.sh
source "$here/../load/servers.sh"
servers_setup "$root" "$build" "$work" 18180
trap 'servers_stop_all; rm -rf "$work"' EXIT
for s in $servers; do server_start "$s"; done
for s in $servers; do server_wait "$s" "$path"; done

# run TOOL SERVER: prints "requests/s cpu_us_per_request errors"
run() {
    local tool=$1 url="http://127.0.0.1:${server_port[$2]}$path" out rps total cpu errors
    if [ "$tool" = wrk ]; then
        taskset -c 1 wrk -t1 -c"$connections" -d2 "$url" >/dev/null 2>&1 # warm-up
        out=$(/usr/bin/time -f 'cpu %U %S' taskset -c 1 wrk -t1 -c"$connections" -d"$duration" "$url" 2>&1)
        rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
        total=$(echo "$out" | awk '/requests in/ {print $1}')
        errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
    else
        taskset -c 1 "$load" -t1 -c"$connections" -d2 "$url" >/dev/null 2>&1 # warm-up
        out=$(/usr/bin/time -f 'cpu %U %S' taskset -c 1 "$load" -t1 -c"$connections" -d"$duration" \
            --json "$work/last.json" "$url" 2>&1)
        rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
        total=$(echo "$out" | awk '/requests in/ {print $1}')
        errors=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); e=sum(v for v in r["errors"].values() if isinstance(v,int)); print(e if e else "")' "$work/last.json")
    fi
    cpu=$(echo "$out" | awk -v n="$total" '/^cpu / {printf "%.2f", ($2 + $3) * 1e6 / n}')
    echo "$rps $cpu ${errors:-0}"
}

echo "| round | server | tool | requests/s | tool CPU µs/request | errors |"
echo "|---|---|---|---|---|---|"
results="$work/results"
: >"$results"
for round in $(seq 1 "$rounds"); do
    tools=(corio-load wrk)
    [ $((round % 2)) = 0 ] && tools=(wrk corio-load)
    for s in $servers; do
        for t in "${tools[@]}"; do
            read -r rps cpu errors < <(run "$t" "$s")
            echo "| $round | $s | $t | $rps | $cpu | $errors |"
            echo "$s $t $rps $cpu $round" >>"$results"
        done
    done
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) exit; printf "%s (%s-%s)", a[int((NR+1)/2)], a[1], a[NR]}'; }
echo
echo "| server | tool | requests/s median (min-max) | tool CPU µs/request median (min-max) |"
echo "|---|---|---|---|"
for s in $servers; do
    for t in corio-load wrk; do
        rps=$(awk -v s="$s" -v t="$t" '$1 == s && $2 == t {printf "%.0f\n", $3}' "$results" | median)
        cpu=$(awk -v s="$s" -v t="$t" '$1 == s && $2 == t {print $4}' "$results" | median)
        echo "| $s | $t | $rps | $cpu |"
    done
done
echo
echo "| server | corio-load / wrk requests/s, same round: median (min-max) | wrk / corio-load CPU per request: median (min-max) |"
echo "|---|---|---|"
for s in $servers; do
    ratio=$(awk -v s="$s" '$1 == s && $2 == "corio-load" {a[$5] = $3} $1 == s && $2 == "wrk" {b[$5] = $3}
        END {for (r in a) if (r in b && b[r] > 0) printf "%.3f\n", a[r] / b[r]}' "$results" | median)
    cpu=$(awk -v s="$s" '$1 == s && $2 == "corio-load" {a[$5] = $4} $1 == s && $2 == "wrk" {b[$5] = $4}
        END {for (r in a) if (r in b && a[r] > 0) printf "%.3f\n", b[r] / a[r]}' "$results" | median)
    echo "| $s | $ratio | $cpu |"
done
