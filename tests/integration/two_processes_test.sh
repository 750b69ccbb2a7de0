#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 25: two processes on one port. A second hello on the port of a running one is refused
# (exit 1, a message naming the address and port) and every request still reaches the first; with
# --reuse-port on both they share the port and both answer.
# Usage: two_processes_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
first_log=$(mktemp)
second_log=$(mktemp)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$first_log" "$second_log"' EXIT
fail() { echo "two_processes_test: $*"; exit 1; }

# start LOG ARGS...: starts hello in the background, waits for its "listening" line, sets `port` to
# the port it listens on (empty if it did not start).
start() {
    local log=$1
    shift
    "$hello" --address 127.0.0.1 --threads 2 "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
    if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring" >&2; exit 77; fi
    port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
}

start "$first_log" --port 0
[ -n "$port" ] || fail "the first hello did not start: $(cat "$first_log")"

status=0
"$hello" --address 127.0.0.1 --port "$port" --threads 2 >"$second_log" 2>&1 || status=$?
[ "$status" = 1 ] || fail "a second hello on port $port: exit status $status, not 1: $(cat "$second_log")"
grep -q "cannot listen on 127.0.0.1 port $port: the port is already in use" "$second_log" ||
    fail "no message naming the address and port: $(cat "$second_log")"
for _ in $(seq 12); do
    [ "$(curl -sf "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || fail "a request did not reach the first hello"
done
kill -TERM "${pids[0]}"
wait "${pids[0]}"
pids=()

# Both ask to share: both start, and the kernel spreads the connections over the two processes.
start "$first_log" --port 0 --reuse-port
[ -n "$port" ] || fail "hello --reuse-port did not start: $(cat "$first_log")"
first_port=$port
start "$second_log" --port "$port" --reuse-port
[ "$port" = "$first_port" ] || fail "a second hello --reuse-port did not start: $(cat "$second_log")"
# 40 connections from as many client ports: all on one process would happen once in 2^39 runs.
for _ in $(seq 40); do
    [ "$(curl -sf "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || fail "a request failed while sharing"
done
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
for log in "$first_log" "$second_log"; do
    answered=$(sed -n 's/.*stopped after answering \([0-9]*\) requests.*/\1/p' "$log")
    [ "${answered:-0}" -gt 0 ] || fail "one of the sharing processes answered nothing: $(cat "$log")"
done
echo "two_processes_test: ok"
