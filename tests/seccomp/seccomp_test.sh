#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hello in a "container" that denies io_uring (deny_io_uring: a seccomp filter returning EPERM for
# the three io_uring system calls, as Docker's default profile does). Automatic start-up must fall
# back to epoll and say why, answer curl and a short corio-load run (itself on epoll) correctly
# with zero errors, and stop on SIGTERM; forcing io_uring (--backend or CORIO_BACKEND) must fail at
# once with the reason and a non-zero exit status, never hang.
# Usage: seccomp_test.sh PATH/TO/deny_io_uring PATH/TO/hello [PATH/TO/corio-load]
set -euo pipefail
deny=$1
hello=$2
load=${3:-}
work=$(mktemp -d /tmp/corio-seccomp-test.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset CORIO_BACKEND # the test decides which backend is asked for

"$deny" true || { echo "skip: cannot install a seccomp filter here"; exit 77; }

# 1. Automatic: epoll, with the reason on one line, and the banner naming the backend.
"$deny" "$hello" --address 127.0.0.1 --port 0 --threads 2 >"$work/hello.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'listening' "$work/hello.log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$work/hello.log")
[ -n "$port" ] || { cat "$work/hello.log" >&2; fail "hello did not start under the filter"; }
grep -q "io_uring_setup: Operation not permitted (seccomp? .*see README 'Containers') — using epoll" \
    "$work/hello.log" || { cat "$work/hello.log" >&2; fail "no one-line reason for the fallback"; }
[ "$(grep -c 'using epoll' "$work/hello.log")" = 1 ] || fail "the reason was said more than once"
grep -q 'shards, backend epoll' "$work/hello.log" || { cat "$work/hello.log" >&2; fail "banner does not name epoll"; }

[ "$(curl -sf "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || fail "wrong /plaintext"
[ "$(curl -sf "http://127.0.0.1:$port/json")" = '{"message":"Hello, World!"}' ] || fail "wrong /json"

# 2. A short load, from corio-load under the same filter: every response 2xx, no errors.
if [ -n "$load" ]; then
    "$deny" "$load" -t 1 -c 32 --requests 20000 --json "$work/r.json" "http://127.0.0.1:$port/plaintext" \
        >"$work/load.log" 2>&1 || { cat "$work/load.log" >&2; fail "corio-load failed under the filter"; }
    python3 - "$work/r.json" <<'PY' || { cat "$work/load.log" >&2; fail "corio-load saw errors"; }
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert s["requests"] == 20000, s
assert r["status_classes"]["2xx"] == 20000, r["status_classes"]
assert all(v == 0 for k, v in r["errors"].items() if isinstance(v, int)), r["errors"]
PY
fi

kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && fail "hello did not stop within 5 s of SIGTERM"
wait $pid || fail "hello exited non-zero after SIGTERM"
pid=
grep -q 'stopped after answering' "$work/hello.log" || fail "no stop line"

# 3. Forced io_uring: the reason, a non-zero exit, no hang (timeout's 124 would be a hang).
for how in flag env; do
    status=0
    if [ $how = flag ]; then
        timeout 20 "$deny" "$hello" --port 0 --backend io_uring >"$work/forced.log" 2>&1 || status=$?
    else
        CORIO_BACKEND=io_uring timeout 20 "$deny" "$hello" --port 0 >"$work/forced.log" 2>&1 || status=$?
    fi
    [ $status != 124 ] || fail "forced io_uring ($how) hung"
    [ $status != 0 ] || fail "forced io_uring ($how) exited 0"
    grep -q 'io_uring_setup: Operation not permitted' "$work/forced.log" ||
        { cat "$work/forced.log" >&2; fail "forced io_uring ($how) did not say why"; }
done

# 4. io_uring that sets up but cannot register its provided-buffer ring: epoll, saying why; forced
#    io_uring fails with that reason. corio-load falls back the same way.
"$deny" --only-buffer-rings "$hello" --address 127.0.0.1 --port 0 --threads 2 >"$work/pbuf.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'listening' "$work/pbuf.log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$work/pbuf.log")
[ -n "$port" ] || { cat "$work/pbuf.log" >&2; fail "hello did not start without buffer rings"; }
grep -q "registering io_uring's provided-buffer ring failed: Operation not permitted — using epoll" "$work/pbuf.log" ||
    { cat "$work/pbuf.log" >&2; fail "no reason for the buffer-ring fallback"; }
[ "$(grep -c 'using epoll' "$work/pbuf.log")" = 1 ] || fail "the buffer-ring reason was said more than once"
[ "$(curl -sf "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || fail "wrong /plaintext without buffer rings"
if [ -n "$load" ]; then
    "$deny" --only-buffer-rings "$load" -t 1 -c 8 --requests 2000 "http://127.0.0.1:$port/plaintext" \
        >"$work/pbuf-load.log" 2>&1 || { cat "$work/pbuf-load.log" >&2; fail "corio-load failed without buffer rings"; }
    grep -q "provided-buffer ring failed.*using epoll" "$work/pbuf-load.log" ||
        { cat "$work/pbuf-load.log" >&2; fail "corio-load did not say why it uses epoll"; }
fi
kill -TERM $pid
wait $pid || fail "hello (no buffer rings) exited non-zero after SIGTERM"
pid=
status=0
timeout 20 "$deny" --only-buffer-rings "$hello" --port 0 --backend io_uring >"$work/pbuf-forced.log" 2>&1 || status=$?
[ $status != 124 ] && [ $status != 0 ] || fail "forced io_uring without buffer rings: exit status $status"
grep -q 'provided-buffer ring failed: Operation not permitted' "$work/pbuf-forced.log" ||
    { cat "$work/pbuf-forced.log" >&2; fail "forced io_uring without buffer rings did not say why"; }

# 5. A backend name that does not exist is refused by name.
status=0
CORIO_BACKEND=kqueue timeout 20 "$hello" --port 0 >"$work/bad.log" 2>&1 || status=$?
[ $status != 0 ] && [ $status != 124 ] || fail "CORIO_BACKEND=kqueue was accepted"
grep -q 'CORIO_BACKEND=kqueue' "$work/bad.log" || { cat "$work/bad.log" >&2; fail "no message naming CORIO_BACKEND"; }
echo "seccomp_test: ok"
