#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 23: a zero-downtime restart. hello A serves a steady load (corio-load, open loop, 10,000
# requests/s on 32 keep-alive connections); hello B starts on the same port (both --reuse-port),
# then A gets SIGTERM: after its drain delay it stops accepting and answers its connections' last
# requests with Connection: close, and the load generator reopens them on B. Every one of the
# 40,000 requests is answered 2xx, with no error of any kind, and A's and B's own counts add up
# to exactly 40,000: nothing was dropped, nothing answered twice.
# Usage: handover_test.sh PATH/TO/hello PATH/TO/corio-load
set -euo pipefail
hello=$1
load=${2:-}
[ -n "$load" ] && [ -x "$load" ] || { echo "skip: corio-load was not built (CORIO_BUILD_BENCH)"; exit 77; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
fail() {
    echo "handover_test: $*"
    for f in "$work"/*.log; do echo "--- $f"; cat "$f"; done
    exit 1
}
requests=40000

# start NAME ARGS...: starts hello, waits for its "listening" line, sets `port`.
start() {
    local name=$1
    shift
    "$hello" --address 127.0.0.1 --threads 2 --reuse-port --drain-delay-ms 300 "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do grep -q 'listening' "$work/$name.log" && break; sleep 0.1; done
    if grep -q 'io_uring_setup is not available' "$work/$name.log"; then echo "skip: no io_uring"; exit 77; fi
    port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$work/$name.log")
    [ -n "$port" ] || fail "hello $name did not start"
}

start a --port 0
a_pid=${pids[0]}
"$load" -t 1 -c 32 -R 10000 --requests $requests --timeout 5s --no-progress --json "$work/load.json" \
    "http://127.0.0.1:$port/plaintext" >"$work/load.log" 2>&1 &
load_pid=$!
pids+=($load_pid)
sleep 1
start b --port "$port"
b_pid=${pids[2]}
sleep 1
kill -TERM "$a_pid"
status=0
wait "$a_pid" || status=$?
[ "$status" = 0 ] || fail "A exited with $status after SIGTERM"
status=0
wait "$load_pid" || status=$?
[ "$status" = 0 ] || fail "corio-load exited with $status"
kill -TERM "$b_pid"
status=0
wait "$b_pid" || status=$?
[ "$status" = 0 ] || fail "B exited with $status after SIGTERM"
pids=()

answered() { sed -n 's/^hello: stopped after answering \([0-9]*\) requests$/\1/p' "$work/$1.log"; }
a=$(answered a)
b=$(answered b)
[ -n "$a" ] && [ -n "$b" ] || fail "a process did not report its count"
python3 - "$work/load.json" "$requests" "$a" "$b" <<'PY' || fail "the hand-over lost or failed requests"
import json, sys
r = json.load(open(sys.argv[1]))
requests, a, b = (int(x) for x in sys.argv[2:])
s = r["summary"]
errors = {k: v for k, v in r["errors"].items() if isinstance(v, int) and v}
print(f"handover_test: corio-load {s['requests']} requests, 2xx {r['status_classes']['2xx']}, errors {errors or 'none'}; "
      f"A answered {a}, B answered {b}")
assert s["requests"] == requests, s
assert r["status_classes"]["2xx"] == requests, r["status_classes"]
assert not errors, errors
assert a > 0 and b > 0, "both processes must have served"
assert a + b == requests, f"A + B answered {a + b}, the client counted {requests}"
PY
echo "handover_test: ok"
