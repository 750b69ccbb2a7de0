#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kvstore example over loopback with 2 shards: put, get, replace, delete, 404, the form post
# with percent-decoding, a 1 MiB value, keys spread over both shards (GET /debug/shards), and a
# stop on SIGTERM with exit status 0.
# Usage: kvstore_process_test.sh PATH/TO/kvstore
set -euo pipefail
kvstore=$1
log=$(mktemp)
big=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log" "$big"' EXIT

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
expect 204 "$(code -X PUT --data-binary 'two' "$base/kv/alpha")" "PUT replacing a value"
expect two "$(curl -sf "$base/kv/alpha")" "GET after replace"
expect 204 "$(code -X DELETE "$base/kv/alpha")" "DELETE of a key"
expect 404 "$(code -X DELETE "$base/kv/alpha")" "DELETE of a deleted key"
expect 404 "$(code "$base/kv/alpha")" "GET after DELETE"

# The classic form post: percent-decoding of key and value ('+' is a space).
expect 201 "$(code -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'my%20key=hello+world%21%26' "$base/kv")" "form POST"
expect 'hello world!&' "$(curl -sf "$base/kv/my%20key")" "GET of a form-posted key"
expect 204 "$(code -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'my%20key=again' "$base/kv")" "form POST replacing"
expect 415 "$(code -H 'Content-Type: text/plain' --data-binary 'k=v' "$base/kv")" "POST without the form type"
expect 400 "$(code -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'novalue' "$base/kv")" "POST without '='"

# A 1 MiB value round-trips byte for byte; one byte more is refused.
head -c $((1 << 20)) /dev/urandom >"$big"
expect 201 "$(code -X PUT --data-binary @"$big" "$base/kv/big")" "PUT of a 1 MiB value"
[ "$(curl -sf "$base/kv/big" | cmp - "$big" && echo same)" = same ] || { echo "1 MiB value changed"; exit 1; }
head -c 1 /dev/zero >>"$big"
expect 413 "$(code -X PUT --data-binary @"$big" "$base/kv/big")" "PUT of 1 MiB + 1 byte"

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
expect 42 "$total" "keys held in all (40 + big + my key)"

kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "kvstore did not stop within 10 s of SIGTERM"; exit 1; fi
wait $pid
echo "kvstore_process_test: ok"
