#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peak RSS of a server under full load from many connections: for each server of
# bench/load/servers.sh (default corio and corio_epoll: hello --threads 1 on CPU 0, io_uring and
# epoll) and each pipeline depth, a freshly started server is read (/proc/PID/status VmRSS and
# VmHWM), then corio-load -t1 -c CONNECTIONS --pipeline P --timeout T runs against /plaintext for
# --duration seconds (CPU 1, closed loop) while VmRSS is sampled every 100 ms; VmHWM is read as the
# load ends and VmRSS again 1 s and --after seconds after every connection has closed. The peak is
# the larger of the two: the kernel raises VmHWM only at some events (munmap, exit), so a peak that
# mimalloc's purge (madvise) took back before one can be missing from it. Prints a markdown table in
# KiB; --keep DIR keeps corio-load's and the servers' output there.
#
#   bench/load/peak_rss.sh [--build build/release] [--servers "corio corio_epoll"]
#                          [--connections 10000] [--pipelines "1 16"] [--duration 8] [--after 5]
#                          [--timeout 10s] [--keep DIR]
set -euo pipefail

build=build/release servers="corio corio_epoll" connections=10000 pipelines="1 16" duration=8 after=5
reply_timeout=10s keep=""
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --pipelines) pipelines=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --timeout) reply_timeout=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "peak_rss.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
load="$build/bench/loadgen/corio-load"
[ -x "$load" ] || { echo "peak_rss.sh: $load not built (ninja -C $build corio-load hello)" >&2; exit 1; }
# Client and server are separate processes, each under the open-file limit.
ulimit -n 20000
work=$(mktemp -d /tmp/corio-peak-rss.XXXXXX)
# shellcheck source=servers.sh
source "$here/servers.sh"
servers_setup "$root" "$build" "$work" 18380
trap 'servers_stop_all; rm -rf "$work"' EXIT
[ -z "$keep" ] || mkdir -p "$keep"

kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
echo "| server | pipeline | connections | RSS before | HWM before | RSS peak (sampled) | HWM at end of load | RSS 1 s after | RSS ${after} s after | requests/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for s in $servers; do
    for p in $pipelines; do
        server_start "$s"
        server_wait "$s" /plaintext
        pid=${server_pid[$s]}
        rss0=$(kib "$pid" VmRSS) hwm0=$(kib "$pid" VmHWM)
        out="$work/$s.p$p.txt"
        timeout $((duration + 60)) "$load" -t 1 --cpus 1 -c "$connections" --pipeline "$p" -d "${duration}s" \
            --timeout "$reply_timeout" --no-progress "http://127.0.0.1:${server_port[$s]}/plaintext" >"$out" 2>&1 &
        client=$!
        peak=$rss0
        while kill -0 "$client" 2>/dev/null; do
            r=$(kib "$pid" VmRSS)
            [ "$r" -gt "$peak" ] && peak=$r
            sleep 0.1
        done
        wait "$client" || { echo "peak_rss.sh: corio-load failed ($s, pipeline $p):" >&2; cat "$out" >&2; exit 1; }
        hwm=$(kib "$pid" VmHWM)
        sleep 1
        rss1=$(kib "$pid" VmRSS)
        sleep $((after > 1 ? after - 1 : 0))
        rss2=$(kib "$pid" VmRSS)
        rps=$(awk '/[Rr]equests\/s/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) {print $i; exit}}' "$out")
        server_stop "$s"
        [ -z "$keep" ] || cp "$out" "$work/$s.log" "$keep/" 2>/dev/null || true
        echo "| $s | $p | $connections | $rss0 | $hwm0 | $peak | $hwm | $rss1 | $rss2 | ${rps:-?} |"
    done
done
