#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 23: the drain behind a load balancer, as an operator runs it. hello with --ready-path,
# --health-path and --drain-delay-ms 1500 gets SIGTERM: readiness answers 503 at once, liveness and
# /plaintext keep answering 200 on new connections for the delay, then hello drains and exits 0.
# Usage: drain_delay_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
command -v curl >/dev/null || { echo "skip: curl is not installed"; exit 77; }
log=$(mktemp)
pid=''
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -f "$log"' EXIT
fail() { echo "drain_delay_test: $*"; cat "$log"; exit 1; }
now_ms() { date +%s%3N; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port$1" || true; }

"$hello" --address 127.0.0.1 --port 0 --threads 2 --health-path /healthz --ready-path /readyz \
    --drain-delay-ms 1500 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || fail "hello did not start"
[ "$(code /readyz)" = 200 ] || fail "not ready while serving"
[ "$(code /healthz)" = 200 ] || fail "not live while serving"

kill -TERM "$pid"
stopped=$(now_ms)
ready=200
while [ "$ready" = 200 ] && [ $(($(now_ms) - stopped)) -lt 1000 ]; do ready=$(code /readyz); done
[ "$ready" = 503 ] || fail "readiness answered $ready after SIGTERM"
flipped=$(($(now_ms) - stopped))
[ "$flipped" -lt 500 ] || fail "readiness took $flipped ms to turn 503"
served=0
while [ $(($(now_ms) - stopped)) -lt 1200 ]; do
    [ "$(code /plaintext)" = 200 ] || fail "/plaintext refused $(($(now_ms) - stopped)) ms into the drain delay"
    [ "$(code /healthz)" = 200 ] || fail "liveness failed during the drain delay"
    served=$((served + 1))
done
[ "$served" -gt 3 ] || fail "only $served requests during the delay"
status=0
for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "hello still runs $(($(now_ms) - stopped)) ms after SIGTERM"
wait "$pid" || status=$?
ended=$(($(now_ms) - stopped))
pid=''
[ "$status" = 0 ] || fail "hello exited with $status"
[ "$ended" -ge 1400 ] || fail "hello ended $ended ms after SIGTERM, before its drain delay"
echo "drain_delay_test: readiness 503 after $flipped ms, $served rounds served in the delay, exit after $ended ms: ok"
