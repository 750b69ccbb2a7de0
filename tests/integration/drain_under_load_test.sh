#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGTERM under a running wrk load: hello drains (answers every request it has read, with
# Connection: close on the last ones) and exits 0 within its deadline. The requests hello says it
# answered must all be among the complete responses wrk counted: a request read and then dropped
# would make hello's count larger than wrk's.
# Usage: drain_under_load_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
command -v wrk >/dev/null || { echo "skip: wrk is not installed (toolchains/deps.sh installs it)"; exit 77; }
work=$(mktemp -d)
trap 'kill $pid $wrk_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
pid='' wrk_pid=''

"$hello" --address 127.0.0.1 --port 0 --threads 1 >"$work/hello.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$work/hello.log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$work/hello.log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$work/hello.log")
[ -n "$port" ] || { echo "no listening line:"; cat "$work/hello.log"; exit 1; }

wrk -t1 -c32 -d4s "http://127.0.0.1:$port/plaintext" >"$work/wrk.log" 2>&1 &
wrk_pid=$!
sleep 1.5
kill -TERM $pid
for _ in $(seq 120); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "hello did not stop within 12 s of SIGTERM"; exit 1; fi
status=0
wait $pid || status=$?
[ $status -eq 0 ] || { echo "hello exited with $status"; cat "$work/hello.log"; exit 1; }
wait $wrk_pid || true

answered=$(sed -n 's/^hello: stopped after answering \([0-9]*\) requests$/\1/p' "$work/hello.log")
completed=$(awk '/requests in/ {print $1}' "$work/wrk.log")
[ -n "$answered" ] || { echo "hello did not report its count:"; cat "$work/hello.log"; exit 1; }
[ -n "$completed" ] || { echo "wrk did not report:"; cat "$work/wrk.log"; exit 1; }
echo "hello answered $answered requests, wrk completed $completed"
[ "$answered" -gt 1000 ] || { echo "too little load to test the drain"; cat "$work/wrk.log"; exit 1; }
if [ "$answered" -ne "$completed" ]; then
    echo "requests read by hello but not answered to wrk: $((answered - completed))"
    cat "$work/wrk.log"
    exit 1
fi
echo "drain_under_load_test: ok"
