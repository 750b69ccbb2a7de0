#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The load-test runner: compares HTTP servers on this machine, each pinned to CPU 0, wrk (one
# thread, --latency) pinned to CPU 1. For each scenario it starts the servers (bench/load/servers.sh),
# then runs rounds that alternate the order of the servers; each run is a warm-up, then a measured
# wrk run during which the server's CPU time (utime+stime from /proc, children included) and peak
# RSS (VmHWM after a clear_refs reset, children included) are taken. Prints a markdown table per
# run and a summary (medians, min-max, CPU per request as a multiple of the reference's and nginx's
# in the same round); writes runs.tsv, wrk/ (every wrk output), results.md, results.json and results.png (gnuplot) to --out.
#
#   bench/load/compare.sh [--build build/release] [--rounds 3] [--duration 8] [--warmup 2]
#                         [--scenarios "plaintext pipeline json c10k"] [--servers "corio nginx h2o reference"]
#                         [--load wrk|corio-load] [--out build/load-results]
#
# --load corio-load drives the servers with the build's corio-load (-t1, --pipeline 16 for the
# pipeline scenario) instead of wrk: it costs about half wrk's CPU per request, so one load core
# drives the server harder.
# Scenarios: plaintext (256 connections), pipeline (256 connections, 16 requests per write through
# bench/load/pipeline.lua), json (256 connections; the reference answers /json with its canned
# plaintext bytes: it stays the kernel's ceiling), c10k (plaintext, 10,000 connections, ulimit -n
# 20000). Servers are restarted for every scenario. Needs `toolchains/deps.sh --bench`, a release
# build and python3. Talks to 127.0.0.1 only.
set -euo pipefail

build=build/release rounds=3 duration=8 warmup=2 out=build/load-results load=wrk
scenarios="plaintext pipeline json c10k" servers="corio nginx h2o reference"
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in wrk curl taskset python3 nginx h2o gcc; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (toolchains/deps.sh --bench)" >&2; exit 1; }
done
case $load in
wrk) ;;
corio-load)
    corio_load="$build/bench/loadgen/corio-load"
    [ -x "$corio_load" ] || { echo "compare.sh: $corio_load not built (cmake --build $build --target corio-load)" >&2; exit 1; }
    ;;
*) echo "compare.sh: --load is wrk or corio-load, not $load" >&2; exit 2 ;;
esac
ulimit -n 20000
mkdir -p "$out"
work=$(mktemp -d /tmp/corio-bench.XXXXXX)
# shellcheck source=servers.sh
source "$here/servers.sh"
servers_setup "$root" "$build" "$work"
trap 'servers_stop_all; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

# scenario NAME: sets path, connections and script for a scenario.
scenario() {
    path=/plaintext connections=256 script=() pipeline=1
    case $1 in
    plaintext) ;;
    pipeline) script=(-s "$here/pipeline.lua") pipeline=16 ;;
    json) path=/json ;;
    c10k) connections=10000 ;;
    *) echo "compare.sh: unknown scenario $1" >&2; exit 2 ;;
    esac
}

# wrk's latency figure ("812.00us", "1.20ms", "2.01s") in microseconds.
to_us() { awk -v v="$1" 'BEGIN {n = v + 0; if (v ~ /ms$/) n *= 1e3; else if (v ~ /[0-9]s$/) n *= 1e6; printf "%.1f", n}'; }

# run_load URL SECONDS [--latency]: one run of the load generator, its output on stdout, rewritten
# into wrk's shape (the lines measure() reads) when it is corio-load.
run_load() {
    if [ "$load" = wrk ]; then
        taskset -c 1 wrk -t1 -c"$connections" -d"$2" ${3:-} "${script[@]}" "$1" 2>&1 || true
        return
    fi
    taskset -c 1 "$corio_load" -t1 -c"$connections" -d"$2" --pipeline "$pipeline" "$1" 2>&1 | awk '
        {print}
        $1 == "Latency" {getline; print "     50% " $1; print "     99% " $4}
        /^ *Errors:/ {gsub(",", ""); gsub(";", ""); print "  Socket errors: connect " $3 ", read " $5 ", write " $7 ", timeout " ($9 + $11 + $13 + $18) "; Non-2xx " $15}
    ' || true
}

# measure SERVER ROUND: one warm-up and one measured run; appends a line to runs.tsv.
measure() {
    local s=$1 round=$2 url="http://127.0.0.1:${server_port[$1]}$path" pid=${server_pid[$1]} wout before after
    run_load "$url" "$warmup" >/dev/null
    server_hwm_reset "$pid"
    before=$(server_cpu_ticks "$pid")
    wout=$(run_load "$url" "$duration" --latency)
    echo "$wout" >"$out/wrk/$scen-$round-$s.txt"
    after=$(server_cpu_ticks "$pid")
    local hwm total rps p50 p99 errors us use
    hwm=$(server_hwm_kib "$pid")
    total=$(echo "$wout" | awk '/requests in/ {print $1}')
    rps=$(echo "$wout" | awk '/Requests\/sec/ {print $2}')
    p50=$(to_us "$(echo "$wout" | awk '$1 == "50%" {print $2}')")
    p99=$(to_us "$(echo "$wout" | awk '$1 == "99%" {print $2}')")
    # Socket errors (connect, read, write, timeout) and non-2xx responses, summed.
    errors=$(echo "$wout" | awk '/Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} /Non-2xx/ {n += $NF} END {print n + 0}')
    us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="${total:-0}" 'BEGIN {printf "%.3f", (n > 0 ? t / hz * 1e6 / n : 0)}')
    use=$(awk -v t=$((after - before)) -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.0f", t / hz / d * 100}')
    echo "| $scen | $round | $s | ${rps:-0} | $p50 | $p99 | $us | $use% | $((hwm / 1024)).$(((hwm % 1024) * 10 / 1024)) | $errors |"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$round" "$s" "${rps:-0}" "$p50" "$p99" "$us" "$hwm" "$errors" \
        >>"$out/runs.tsv"
}

mkdir -p "$out/wrk"
printf 'scenario\tround\tserver\trequests_per_s\tp50_us\tp99_us\tcpu_us_per_request\tpeak_rss_kib\terrors\n' >"$out/runs.tsv"
echo "| scenario | round | server | requests/s | p50 µs | p99 µs | server CPU µs/request | server CPU use | peak RSS MiB | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for scen in $scenarios; do
    scenario "$scen"
    order=($servers)
    for s in "${order[@]}"; do server_start "$s"; done
    for s in "${order[@]}"; do server_wait "$s" "$path"; done
    for round in $(seq 1 "$rounds"); do
        # Forward on odd rounds, reversed on even rounds.
        list=("${order[@]}")
        if [ $((round % 2)) = 0 ]; then list=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do list+=("${order[$i]}"); done; fi
        for s in "${list[@]}"; do measure "$s" "$round"; done
    done
    servers_stop_all
done

echo
python3 "$here/summarize.py" --runs "$out/runs.tsv" --json "$out/results.json" --plot "$out/results.png" | tee "$out/results.md"
echo
echo "compare.sh: runs, tables, JSON and chart in $out/"
