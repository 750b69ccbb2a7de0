#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gateway example in front of the hello example, as a user runs them: the upstream's exact
# answers through the proxy (GET, HEAD, 404, 405), 502 while the upstream is down, and answers
# again once it is back on the same port, also when it dies and comes back under load (ab); a
# missing --upstream is refused with exit status 2.
# Usage: gateway_process_test.sh PATH/TO/gateway PATH/TO/hello
set -Eeuo pipefail
gateway=$1
hello=$2
hello_log=$(mktemp)
gateway_log=$(mktemp)
hello_pid=
gateway_pid=
trap 'kill $hello_pid $gateway_pid 2>/dev/null || true; rm -f "$hello_log" "$gateway_log"' EXIT
trap 'echo "gateway_process_test: failed at line $LINENO"; echo "--- hello:"; cat "$hello_log"; echo "--- gateway:"; cat "$gateway_log"' ERR

port_of() { # the port in a "listening on ... port N," line of log $1, waiting up to 5 s
    for _ in $(seq 100); do grep -q 'listening' "$1" && break; sleep 0.1; done
    if grep -q 'io_uring_setup is not available' "$1"; then echo "skip: no io_uring" >&2; exit 77; fi
    sed -n 's/.* port \([0-9]*\),.*/\1/p' "$1"
}
start_hello() { # on port $1 (0: any)
    "$hello" --address 127.0.0.1 --port "$1" --threads 1 >"$hello_log" 2>&1 &
    hello_pid=$!
}
stop_hello() {
    kill -TERM $hello_pid
    wait $hello_pid || true
}

if "$gateway" --port 0 2>/dev/null; then echo "a gateway without --upstream started"; exit 1; fi
status=0; "$gateway" --port 0 >/dev/null 2>&1 || status=$?
[ $status = 2 ] || { echo "exit status $status without --upstream, not 2"; exit 1; }

start_hello 0
upstream=$(port_of "$hello_log")
[ -n "$upstream" ] || { echo "hello did not start:"; cat "$hello_log"; exit 1; }
"$gateway" --upstream "http://127.0.0.1:$upstream" --address 127.0.0.1 --port 0 --threads 2 \
    --upstream-timeout 2000 >"$gateway_log" 2>&1 &
gateway_pid=$!
port=$(port_of "$gateway_log")
[ -n "$port" ] || { echo "gateway did not start:"; cat "$gateway_log"; exit 1; }
url="http://127.0.0.1:$port"

[ "$(curl -sf "$url/plaintext")" = "Hello, World!" ]
[ "$(curl -sf "$url/json")" = '{"message":"Hello, World!"}' ]
curl -sfI "$url/plaintext" | grep -qi '^content-length: 13'
curl -sf "$url/plaintext" -D - -o /dev/null | grep -qi '^content-type: text/plain'
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/missing")" = 404 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary hello "$url/plaintext")" = 405 ]
for _ in $(seq 100); do curl -sf "$url/plaintext" >/dev/null; done
# Other clients: Python's http.client on one keep-alive connection, and ab with keep-alive.
if command -v python3 >/dev/null; then
    python3 - "$port" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
for _ in range(20):
    c.request("GET", "/json")
    r = c.getresponse()
    assert r.status == 200 and r.read() == b'{"message":"Hello, World!"}', r.status
    assert r.getheader("Content-Type") == "application/json"
PY
fi
if command -v ab >/dev/null; then
    ab -q -k -n 2000 -c 16 "$url/plaintext" >"$gateway_log.ab" 2>&1 || { cat "$gateway_log.ab"; exit 1; }
    grep -q '^Failed requests: *0$' "$gateway_log.ab" || { cat "$gateway_log.ab"; exit 1; }
    grep -q '^Non-2xx responses' "$gateway_log.ab" && { cat "$gateway_log.ab"; exit 1; }
    rm -f "$gateway_log.ab"
fi

stop_hello
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/plaintext")" = 502 ]
curl -s "$url/plaintext" | grep -q 'refused'

start_hello "$upstream"
[ "$(port_of "$hello_log")" = "$upstream" ] || { echo "hello did not come back on port $upstream"; exit 1; }
[ "$(curl -sf "$url/plaintext")" = "Hello, World!" ]

# Under load: the upstream killed (SIGKILL) a second into a 3-second ab run and started again a
# second later. ab's clients stay connected to the gateway: answers in flight and those sent while
# the upstream is down are 502s (Non-2xx; ab counts their other length as failed), none breaks a
# connection, and 200s come back without a restart of the gateway.
if command -v ab >/dev/null; then
    ab -q -k -r -t 3 -n 10000000 -c 16 "$url/plaintext" >"$gateway_log.ab" 2>&1 &
    ab_pid=$!
    sleep 1
    kill -KILL $hello_pid
    wait $hello_pid 2>/dev/null || true
    sleep 1
    start_hello "$upstream"
    wait $ab_pid || { cat "$gateway_log.ab"; exit 1; }
    grep -q '^Non-2xx responses: *[1-9]' "$gateway_log.ab" || { echo "no 502 while the upstream was down"; cat "$gateway_log.ab"; exit 1; }
    grep -qE '\(Connect: 0, Receive: 0, Length: [0-9]+, Exceptions: 0\)|^Failed requests: *0$' "$gateway_log.ab" ||
        { echo "connections broke"; cat "$gateway_log.ab"; exit 1; }
    rm -f "$gateway_log.ab"
    [ "$(port_of "$hello_log")" = "$upstream" ] || { echo "hello did not come back on port $upstream"; exit 1; }
    [ "$(curl -sf "$url/plaintext")" = "Hello, World!" ]
fi

kill -TERM $gateway_pid
for _ in $(seq 50); do kill -0 $gateway_pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $gateway_pid 2>/dev/null; then echo "gateway did not stop within 5 s of SIGTERM"; exit 1; fi
wait $gateway_pid
echo "gateway_process_test: ok"
