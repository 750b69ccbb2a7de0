#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A burst of keep-alive connections as a user's test program opens them (corio-connmem --burst: every
# connection connects and sends before any answer is read), measured as the user measures it: the
# hello server's RSS before, with the connections idle, and a few seconds after they all closed:
# the burst grows the provided-buffer ring and the heap (4 MiB more before issue 21), and the shard
# gives it back (what stays is well under 1 MiB; the check allows 1 MiB for noise).
# Usage: burst_give_back_test.sh PATH/TO/hello PATH/TO/corio-connmem
set -euo pipefail
hello=$1 connmem=$2
connections=2000
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
ulimit -n $((connections + 200))

"$hello" --address 127.0.0.1 --port 0 --threads 1 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line:"; cat "$log"; exit 1; }

line=$("$connmem" --pid "$pid" --port "$port" --connections "$connections" --burst --settle-ms 500 \
    --after-close-ms 3000 --json)
echo "$line"
python3 - "$line" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["mode"] == "burst" and r["warmup_connections"] == 0, r
assert r["rss_before_kib"] > 0 and r["rss_after_kib"] > 0 and r["rss_closed_kib"] > 0, r
assert r["closed_above_before_kib"] == r["rss_closed_kib"] - r["rss_before_kib"], r
assert r["rss_after_kib"] - r["rss_before_kib"] > 0, r
assert r["closed_above_before_kib"] <= 1024, f"{r['closed_above_before_kib']} KiB not given back after the burst: {r}"
PY
kill -TERM $pid
wait $pid
echo "burst_give_back_test: ok"
