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
# shellcheck source=tests/seccomp/hello_under.sh
. "$(dirname "$0")/hello_under.sh"
begin_test corio-seccomp-test
unset CORIO_BACKEND # the test decides which backend is asked for
expect_refusal=1     # hello says io_uring is denied and must start on epoll, not skip
hello_args=(--threads 2)

"$deny" true || { echo "skip: cannot install a seccomp filter here"; exit 77; }

# 1. Automatic: epoll, with the reason on one line, and the banner naming the backend.
start_hello "$deny"
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

stop_hello
grep -q 'stopped after answering' "$work/hello.log" || fail "no stop line"

# 3. Forced io_uring: the reason, a non-zero exit, no hang (timeout's 124 would be a hang).
refused forced-flag.log 'io_uring_setup: Operation not permitted' "$deny" "$hello" --port 0 --backend io_uring
CORIO_BACKEND=io_uring refused forced-env.log 'io_uring_setup: Operation not permitted' "$deny" "$hello" --port 0

# 4. io_uring that sets up but cannot register its provided-buffer ring: epoll, saying why; forced
#    io_uring fails with that reason. corio-load falls back the same way.
hello_log=pbuf.log
start_hello "$deny" --only-buffer-rings
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
stop_hello
refused pbuf-forced.log 'provided-buffer ring failed: Operation not permitted' \
    "$deny" --only-buffer-rings "$hello" --port 0 --backend io_uring

# 5. A backend name that does not exist is refused by name.
CORIO_BACKEND=kqueue refused bad.log 'CORIO_BACKEND=kqueue' "$hello" --port 0
echo "seccomp_test: ok"
