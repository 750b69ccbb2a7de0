#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hello on a host whose administrator set `sysctl kernel.io_uring_disabled=1` (Linux 6.6+): io_uring
# is then denied to every process without CAP_SYS_ADMIN (and outside kernel.io_uring_group). The
# test sets the sysctl to 1 for a few seconds and restores it on exit; processes that keep
# CAP_SYS_ADMIN (root's other tests) are not affected by 1, only those that drop it, as hello does
# here through setpriv. Automatic start-up must fall back to epoll naming the sysctl, answer curl and
# stop on SIGTERM; forcing io_uring must fail with the reason, never hang. Skips (77) where the
# sysctl is missing (before 6.6) or cannot be written (not root, read-only /proc/sys, a container).
# Usage: io_uring_disabled_test.sh PATH/TO/hello
set -euo pipefail
hello=$1
sysctl=/proc/sys/kernel/io_uring_disabled
[ -e $sysctl ] || { echo "skip: no $sysctl (Linux before 6.6)"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: setpriv (util-linux) not installed"; exit 77; }
original=$(cat $sysctl)
[ "$original" = 0 ] || { echo "skip: io_uring is already disabled here ($sysctl = $original)"; exit 77; }
work=$(mktemp -d /tmp/corio-io_uring-disabled-test.XXXXXX)
hello_pid=
cleanup() {
    echo "$original" >$sysctl 2>/dev/null || true
    [ -z "$hello_pid" ] || kill "$hello_pid" 2>/dev/null || true
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=tests/seccomp/hello_under.sh
. "$(dirname "$0")/hello_under.sh"
unset CORIO_BACKEND # the test decides which backend is asked for
expect_refusal=1     # hello says io_uring is denied and must start on epoll, not skip
(echo 1 >$sysctl) 2>/dev/null || { echo "skip: cannot write $sysctl here"; exit 77; }
unprivileged=(setpriv --bounding-set -sys_admin --inh-caps -sys_admin) # run without CAP_SYS_ADMIN

# 1. Automatic: epoll, the reason naming the sysctl, once.
start_hello "${unprivileged[@]}"
grep -q "io_uring_setup: Operation not permitted (sysctl kernel.io_uring_disabled=1) — using epoll" "$work/hello.log" ||
    { cat "$work/hello.log" >&2; fail "no one-line reason naming the sysctl"; }
[ "$(grep -c 'using epoll' "$work/hello.log")" = 1 ] || fail "the reason was said more than once"
grep -q 'shard, backend epoll' "$work/hello.log" || { cat "$work/hello.log" >&2; fail "banner does not name epoll"; }
for _ in 1 2 3; do
    [ "$(curl -sf --max-time 5 "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || fail "wrong /plaintext"
done
stop_hello

# 2. Forced io_uring: the reason, a non-zero exit, no hang.
refused forced.log 'kernel.io_uring_disabled=1' "${unprivileged[@]}" "$hello" --port 0 --backend io_uring
echo "io_uring_disabled_test: ok"
