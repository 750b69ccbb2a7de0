#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The stall check: examples/hello (one shard, CPU 0) is paused for 200 ms (SIGSTOP, SIGCONT) in
# the middle of a run, with corio-load in open loop (CPU 1) and, for contrast, wrk in closed loop.
# An open-loop tool must report the pause in its tail latency (requests scheduled during the pause
# waited up to 200 ms); a closed-loop tool stops sending while the server is stopped and reports
# only the one request per connection that was in flight. First, --baseline runs without a pause
# show how stable the open-loop p99 is at that rate.
#
#   bench/loadgen/stall.sh [--build build-load] [--rate 10000] [--connections 64] [--duration 10]
#                          [--baseline 3] [--stall-ms 200]
set -euo pipefail

build=build-load rate=10000 connections=64 duration=10 baseline=3 stall_ms=200
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --stall-ms) stall_ms=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "stall.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
load="$root/$build/bench/loadgen/corio-load"
work=$(mktemp -d /tmp/corio-load-stall.XXXXXX)
# shellcheck source=../load/servers.sh
source "$here/../load/servers.sh"
servers_setup "$root" "$build" "$work" 18190
server_start corio
hello=${server_pid[corio]}
trap 'kill -CONT $hello 2>/dev/null; servers_stop_all; rm -rf "$work"' EXIT
server_wait corio /plaintext
url=http://127.0.0.1:${server_port[corio]}/plaintext
pause_later() { sleep "$1"; kill -STOP "$hello"; sleep "$(awk -v m="$stall_ms" 'BEGIN {print m / 1000}')"; kill -CONT "$hello"; }
summary='[.summary.requests_per_s, .latency.percentiles_us["50"], .latency.percentiles_us["99"],
          .latency.percentiles_us["99.9"], .latency.max_us, ([.errors[]] | map(numbers) | add)]
         | map(if type == "number" then (. * 10 | round / 10) else . end) | @tsv'

echo "open loop at $rate requests/s, $connections connections, ${duration}s, no pause:"
echo "requests/s  p50_us  p99_us  p99.9_us  max_us  errors"
for i in $(seq 1 "$baseline"); do
    taskset -c 1 "$load" -t1 -c"$connections" -d"$duration" -R"$rate" --json "$work/base$i.json" "$url" >/dev/null
    jq -r "$summary" "$work/base$i.json"
done

half=$(awk -v d="$duration" 'BEGIN {print d / 2}')
echo
echo "open loop, corio-load, ${stall_ms} ms pause at ${half}s:"
pause_later "$half" &
taskset -c 1 "$load" -t1 -c"$connections" -d"$duration" -R"$rate" --json "$work/stall.json" "$url" >/dev/null
wait $!
echo "requests/s  p50_us  p99_us  p99.9_us  max_us  errors"
jq -r "$summary" "$work/stall.json"
echo "timeline around the pause (second, requests, p99_us, max_us):"
jq -r --argjson h "$half" '.timeline[] | select(.second >= ($h|floor) - 1 and .second <= ($h|floor) + 1)
    | [.second, .requests, .p99_us, .max_us] | @tsv' "$work/stall.json"

echo
echo "closed loop, wrk, the same pause:"
pause_later "$half" &
taskset -c 1 wrk -t1 -c"$connections" -d"$duration" --latency "$url" >"$work/wrk.txt"
wait $!
grep -E 'Latency |99%|Requests/sec' "$work/wrk.txt"
echo
echo "closed loop, corio-load, the same pause:"
pause_later "$half" &
taskset -c 1 "$load" -t1 -c"$connections" -d"$duration" --json "$work/closed.json" "$url" >/dev/null
wait $!
echo "requests/s  p50_us  p99_us  p99.9_us  max_us  errors"
jq -r "$summary" "$work/closed.json"
