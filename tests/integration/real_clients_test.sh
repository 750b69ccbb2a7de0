#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real HTTP clients against examples/hello: curl, Python's http.client, ab (keep-alive) and
# h2load --h1, each checked on what it reports, not just its exit status.
# Usage: real_clients_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
log=$(mktemp)
out=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log" "$out"' EXIT

"$hello" --address 127.0.0.1 --port 0 --threads 2 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
if grep -q 'io_uring_setup is not available' "$log"; then echo "skip: no io_uring"; exit 77; fi
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
[ -n "$port" ] || { echo "no listening line:"; cat "$log"; exit 1; }
url=http://127.0.0.1:$port
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

# curl: two requests on one connection (keep-alive), HEAD, HTTP/1.0.
curl -sv "$url/plaintext" "$url/json" >"$out" 2>&1
grep -q 'Re-using existing connection' "$out" || fail "curl did not reuse the connection"
grep -q '^Hello, World!' "$out" || fail "curl: plaintext body"
grep -q '{"message":"Hello, World!"}' "$out" || fail "curl: json body"
curl -sI "$url/plaintext" >"$out"
grep -qi '^content-length: 13' "$out" || fail "curl HEAD: Content-Length"
[ "$(curl -s --http1.0 "$url/plaintext")" = "Hello, World!" ] || fail "curl HTTP/1.0"

# Python's http.client: keep-alive sequence, status codes, headers.
python3 - "$port" >"$out" 2>&1 <<'PY' || fail "python http.client"
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
for i in range(100):
    c.request("GET", "/json")
    r = c.getresponse()
    body = r.read()
    assert r.status == 200 and r.getheader("Content-Type") == "application/json", (r.status, r.headers)
    assert json.loads(body) == {"message": "Hello, World!"}, body
c.request("GET", "/missing"); r = c.getresponse(); r.read(); assert r.status == 404, r.status
c.request("POST", "/plaintext", body=b"x"); r = c.getresponse(); r.read()
assert r.status == 405 and r.getheader("Allow") == "GET, HEAD", (r.status, r.getheader("Allow"))
c.request("HEAD", "/plaintext"); r = c.getresponse(); assert r.read() == b"" and r.getheader("Content-Length") == "13"
print("python ok")
PY

# ab with keep-alive: every request complete, none failed, all kept alive.
ab -q -k -n 2000 -c 10 "$url/plaintext" >"$out" 2>&1 || fail "ab exited with $?"
grep -Eq '^Complete requests: +2000$' "$out" || fail "ab: complete requests"
grep -Eq '^Failed requests: +0$' "$out" || fail "ab: failed requests"
grep -Eq '^Keep-Alive requests: +2000$' "$out" || fail "ab: keep-alive requests"
if grep -q 'Non-2xx' "$out"; then fail "ab: non-2xx responses"; fi

# h2load speaking HTTP/1.1.
h2load --h1 -n 2000 -c 10 "$url/json" >"$out" 2>&1 || fail "h2load exited with $?"
grep -q '2000 succeeded, 0 failed, 0 errored' "$out" || fail "h2load: requests"
grep -q 'status codes: 2000 2xx' "$out" || fail "h2load: status codes"

kill -TERM $pid
wait $pid
echo "real_clients_test: ok"
