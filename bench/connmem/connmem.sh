#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory per idle keep-alive connection for each server of bench/load/servers.sh: starts a server
# (CPU 0), runs corio-connmem against it (CPU 1) --repeat times, each time with a freshly started
# server, and prints a markdown table of the RSS growth per connection (median, min-max), the
# RSS with the connections open and how far above its start the RSS stays --after-close-ms after
# they all closed. Each mode is measured: gentle (warm-up, then one connection after another) and
# burst (no warm-up, every connection sends before any answer is read). --warmup-requests goes to
# corio-connmem (see its --help).
#
#   bench/connmem/connmem.sh [--build build/release] [--servers "corio nginx h2o"] [--connections 10000]
#                            [--repeat 3] [--warmup-requests 128] [--modes "gentle burst"]
#                            [--after-close-ms 5000]
set -euo pipefail

build=build/release servers="corio nginx h2o" connections=10000 repeat=3 warmup_requests=128
modes="gentle burst" after_close_ms=5000
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --warmup-requests) warmup_requests=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --after-close-ms) after_close_ms=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "connmem.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
connmem="$build/bench/connmem/corio-connmem"
[ -x "$connmem" ] || { echo "connmem.sh: $connmem not built (ninja -C $build corio-connmem)" >&2; exit 1; }
ulimit -n 20000
work=$(mktemp -d /tmp/corio-connmem.XXXXXX)
# shellcheck source=../load/servers.sh
source "$here/../load/servers.sh"
servers_setup "$root" "$build" "$work" 18280
trap 'servers_stop_all; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%s (%s-%s)", a[int((NR+1)/2)], a[1], a[NR]}'; }
field() { python3 -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1], {"round": round}, r))' "$1"; }
echo "| server | mode | bytes per idle connection: median (min-max) | RSS with $connections connections, MiB | RSS $after_close_ms ms after closing, KiB above the start |"
echo "|---|---|---|---|---|"
for s in $servers; do
    for mode in $modes; do
        : >"$work/per" && : >"$work/rss" && : >"$work/closed"
        flag=""
        [ "$mode" = burst ] && flag=--burst
        for i in $(seq "$repeat"); do
            server_start "$s"
            server_wait "$s" /plaintext
            # shellcheck disable=SC2086
            line=$(timeout 300 taskset -c 1 "$connmem" --pid "${server_pid[$s]}" --port "${server_port[$s]}" \
                --connections "$connections" --warmup-requests "$warmup_requests" \
                --after-close-ms "$after_close_ms" $flag --json)
            server_stop "$s"
            echo "$line" | field 'round(bytes_per_connection)' >>"$work/per"
            echo "$line" | field 'round(rss_after_kib / 1024, 1)' >>"$work/rss"
            echo "$line" | field 'closed_above_before_kib' >>"$work/closed"
        done
        echo "| $s | $mode | $(median <"$work/per") | $(median <"$work/rss") | $(median <"$work/closed") |"
    done
done
