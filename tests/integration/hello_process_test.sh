#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hello example as a user runs it: --help, start on a free port, answer /plaintext and /json
# with the right bodies, stop on SIGTERM with exit status 0 within the deadline.
# Usage: hello_process_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT

"$hello" --help | grep -q -- '--threads'
if "$hello" --bogus 2>/dev/null; then echo "an unknown flag was accepted"; exit 1; fi

"$hello" --address 127.0.0.1 --port 0 --threads 2 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line:"; cat "$log"; exit 1; }

[ "$(curl -sf "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ]
[ "$(curl -sf "http://127.0.0.1:$port/json")" = '{"message":"Hello, World!"}' ]
curl -sfI "http://127.0.0.1:$port/plaintext" | grep -qi '^content-length: 13'
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/missing")" = 404 ]

kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "hello did not stop within 5 s of SIGTERM"; exit 1; fi
wait $pid
echo "hello_process_test: ok"
