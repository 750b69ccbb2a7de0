#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kvstore binary as an operator runs it, with 2 shards: its flags, curl putting, reading and
# deleting keys that land on both shards (GET /debug/shards), a form post, and a stop on SIGTERM
# with exit status 0. The routes themselves are tested in depth by kvstore_test.cpp.
# Usage: kvstore_process_test.sh PATH/TO/kvstore
set -euo pipefail
kvstore=$1
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT

"$kvstore" --help | grep -q -- '--threads'
if "$kvstore" --bogus 2>/dev/null; then echo "an unknown flag was accepted"; exit 1; fi

"$kvstore" --address 127.0.0.1 --port 0 --threads 2 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line:"; cat "$log"; exit 1; }
base="http://127.0.0.1:$port"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { # expect WANT GOT WHAT
    if [ "$1" != "$2" ]; then echo "$3: expected '$1', got '$2'"; cat "$log"; exit 1; fi
}

expect 404 "$(code "$base/kv/missing")" "GET of a missing key"
expect 201 "$(code -X PUT --data-binary 'one' "$base/kv/alpha")" "PUT of a new key"
expect one "$(curl -sf "$base/kv/alpha")" "GET after PUT"
expect 204 "$(code -X DELETE "$base/kv/alpha")" "DELETE of a key"
expect 404 "$(code "$base/kv/alpha")" "GET after DELETE"

# The classic form post: percent-decoding of key and value ('+' is a space).
expect 201 "$(code -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'my%20key=hello+world%21%26' "$base/kv")" "form POST"
expect 'hello world!&' "$(curl -sf "$base/kv/my%20key")" "GET of a form-posted key"

# Forty keys land on both shards, and every one reads back from whichever shard answers.
for i in $(seq 40); do expect 201 "$(code -X PUT --data-binary "v$i" "$base/kv/key$i")" "PUT key$i"; done
for i in $(seq 40); do expect "v$i" "$(curl -sf "$base/kv/key$i")" "GET key$i"; done
shards=$(curl -sf "$base/debug/shards")
echo "$shards"
for s in 0 1; do
    n=$(echo "$shards" | sed -n "s/^shard $s keys \([0-9]*\)$/\1/p")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "shard $s holds no keys"; exit 1; }
done
total=$(echo "$shards" | awk '{s += $4} END {print s}')
expect 41 "$total" "keys held in all (40 + my key)"

kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "kvstore did not stop within 10 s of SIGTERM"; exit 1; fi
wait $pid
echo "kvstore_process_test: ok"
