#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compares HTTP servers side by side on this machine: each server pinned to CPU 0, wrk pinned to
# CPU 1, rounds alternating the server order. For every run it records requests/s and the server's
# CPU time per request (utime+stime of the server process from /proc, sampled around the run).
# Prints one line per run and a median/min/max summary per server (markdown).
#
#   bench/load/compare.sh [--rounds 3] [--duration 10] [--connections 256] [--path /plaintext]
#                         [--servers "corio nginx reference"] [--build build/release]
#
# Servers: corio (examples/hello, --threads 1), nginx (Debian, one worker, `return 200`),
# reference (../shared/reference/sol_uring.c: the raw io_uring ceiling, not an HTTP server).
# Needs `toolchains/deps.sh --bench` and a release build. Talks to 127.0.0.1 only.
set -euo pipefail

rounds=3 duration=10 connections=256 path=/plaintext build=build/release
servers="corio nginx reference"
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --path) path=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/corio-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 20000 2>/dev/null || true

declare -A port pid
start_corio() {
    port[corio]=18081
    taskset -c 0 "$root/$build/examples/hello/hello" --address 127.0.0.1 --port 18081 --threads 1 >"$work/corio.log" 2>&1 &
    pid[corio]=$!
}
start_nginx() {
    port[nginx]=18082
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity 1;
worker_rlimit_nofile 20000;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log crit;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:18082 reuseport backlog=4096;
        location /plaintext { default_type text/plain; return 200 "Hello, World!"; }
        location /json { default_type application/json; return 200 '{"message":"Hello, World!"}'; }
    }
}
CONF
    taskset -c 0 nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" >"$work/nginx.log" 2>&1 &
    pid[nginx]=$!
}
start_reference() {
    port[reference]=18083
    gcc -O2 -o "$work/sol_uring" "$root/../shared/reference/sol_uring.c" -luring
    PORT=18083 taskset -c 0 "$work/sol_uring" >"$work/reference.log" 2>&1 &
    pid[reference]=$!
}

# CPU ticks (user+system) of a process and all its children (nginx: master + worker).
cpu_ticks() {
    local total=0 p
    for p in $1 $(pgrep -P "$1" || true); do
        [ -r /proc/$p/stat ] || continue
        total=$((total + $(awk '{print $14 + $15}' /proc/$p/stat)))
    done
    echo $total
}

for s in $servers; do "start_$s"; pids+=("${pid[$s]}"); done
sleep 1
for s in $servers; do
    curl -sf "http://127.0.0.1:${port[$s]}$path" >/dev/null || { echo "compare.sh: $s does not answer $path" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
echo "| round | server | requests/s | server CPU µs/request | non-2xx/errors |"
echo "|---|---|---|---|---|"
results="$work/results"
: >"$results"
order=($servers)
for round in $(seq 1 "$rounds"); do
    # Alternate the order: forward on odd rounds, reversed on even rounds.
    list=("${order[@]}")
    if [ $((round % 2)) = 0 ]; then list=(); for ((i=${#order[@]}-1; i>=0; i--)); do list+=("${order[$i]}"); done; fi
    for s in "${list[@]}"; do
        taskset -c 1 wrk -t1 -c"$connections" -d2 "http://127.0.0.1:${port[$s]}$path" >/dev/null 2>&1 # warm-up
        before=$(cpu_ticks "${pid[$s]}")
        out=$(taskset -c 1 wrk -t1 -c"$connections" -d"$duration" "http://127.0.0.1:${port[$s]}$path")
        after=$(cpu_ticks "${pid[$s]}")
        total=$(echo "$out" | awk '/requests in/ {print $1}')
        rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
        errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
        us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
        echo "| $round | $s | $rps | $us | ${errors:-0} |"
        echo "$s $rps $us $round" >>"$results"
    done
done

echo
echo "| server | requests/s median (min-max) | server CPU µs/request median (min-max) |"
echo "|---|---|---|"
for s in $servers; do
    awk -v s="$s" '$1 == s {print $2, $3}' "$results" | sort -n -k1 >"$work/r"
    rps=$(awk '{a[NR]=$1} END {printf "%.0f (%.0f-%.0f)", a[int((NR+1)/2)], a[1], a[NR]}' "$work/r")
    us=$(awk '{print $2}' "$work/r" | sort -n | awk '{a[NR]=$1} END {printf "%.2f (%.2f-%.2f)", a[int((NR+1)/2)], a[1], a[NR]}')
    echo "| $s | $rps | $us |"
done

# The machine is shared and noisy: ratios within one round (servers measured minutes apart at
# most) are steadier than absolute figures.
for base in nginx reference; do
    case " $servers " in *" $base "*) ;; *) continue ;; esac
    echo
    echo "| server | CPU/request as a multiple of $base's in the same round: median (min-max) |"
    echo "|---|---|"
    for s in $servers; do
        [ "$s" = "$base" ] && continue
        awk -v s="$s" -v b="$base" '$1 == s {x[$4] = $3} $1 == b {y[$4] = $3}
            END {for (r in x) if (r in y && y[r] > 0) printf "%.3f\n", x[r] / y[r]}' "$results" | sort -n |
            awk -v s="$s" '{a[NR]=$1} END {printf "| %s | %.2f (%.2f-%.2f) |\n", s, a[int((NR+1)/2)], a[1], a[NR]}'
    done
done
