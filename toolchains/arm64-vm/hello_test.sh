#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/integration/hello_process_test.sh for the arm64 VM, where there is busybox but no bash or
# curl: --help, start on a free port, answer /plaintext, /json, HEAD, pipelined requests and 404
# over loopback inside the guest (busybox wget and nc), stop on SIGTERM with exit status 0 within
# the deadline. Prints hello's start-up line, which names the io_uring features in use.
# Usage (from ctest of a cross build): run-test.sh hello_test.sh PATH/TO/hello
set -eu
hello=$1
log=/tmp/hello.log

"$hello" --help | grep -q -- '--threads'
if "$hello" --bogus 2>/dev/null; then echo "an unknown flag was accepted"; exit 1; fi

"$hello" --address 127.0.0.1 --port 0 --threads 2 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'listening' "$log" && break; sleep 0.1; done
cat "$log"
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line"; exit 1; }
url=http://127.0.0.1:$port

# check WHAT ACTUAL EXPECTED
check() {
    [ "$2" = "$3" ] || { printf '%s: got [%s], expected [%s]\n' "$1" "$2" "$3"; exit 1; }
}
# raw FORMAT [ARGS...]: what the server sends back (CRs removed) on one connection for the
# requests printf FORMAT ARGS... writes.
# shellcheck disable=SC2059
raw() { printf "$@" | nc -w 5 127.0.0.1 "$port" | tr -d '\r'; }

check /plaintext "$(wget -q -O - "$url/plaintext")" "Hello, World!"
check /json "$(wget -q -O - "$url/json")" '{"message":"Hello, World!"}'
head=$(raw 'HEAD /plaintext HTTP/1.1\r\nHost: vm\r\nConnection: close\r\n\r\n')
check "HEAD status" "$(echo "$head" | head -n 1)" "HTTP/1.1 200 OK"
echo "$head" | grep -qi '^content-length: 13$' || { echo "HEAD: no Content-Length: 13 in [$head]"; exit 1; }
check "HEAD body" "$(echo "$head" | sed '1,/^$/d')" ""
get='GET /%s HTTP/1.1\r\nHost: vm\r\n%b\r\n'
pipelined=$(raw "$get$get$get" plaintext '' json '' plaintext 'Connection: close\r\n')
# Bodies have no trailing newline, so a response's status line follows the previous body directly.
check "pipelined responses" "$(echo "$pipelined" | grep -o 'HTTP/1.1 200 OK' | wc -l)" 3
bodies=$(echo "$pipelined" | grep -oE '[{]"message":"Hello, World!"}|Hello, World!' | tr '\n' ' ')
check "pipelined bodies in order" "$bodies" 'Hello, World! {"message":"Hello, World!"} Hello, World! '
check /missing "$(raw 'GET /missing HTTP/1.1\r\nHost: vm\r\nConnection: close\r\n\r\n' | head -n 1)" \
    "HTTP/1.1 404 Not Found"

kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then echo "hello did not stop within 5 s of SIGTERM"; exit 1; fi
wait $pid
echo "hello_test: ok"
