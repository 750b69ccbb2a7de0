# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154 # the sourcing test sets hello and work
# Sourced by the tests that run hello where io_uring is denied (seccomp_test.sh,
# io_uring_disabled_test.sh). start_hello (and fail) come from corio-load's tests: the caller sets
# expect_refusal, so that hello's word on io_uring is not taken for a kernel without it.
# shellcheck source=tests/loadgen/start_hello.sh
. "$(dirname "${BASH_SOURCE[0]}")/../loadgen/start_hello.sh"
# stop_hello: SIGTERM; hello must be gone within 5 s with exit status 0.
stop_hello() {
    kill -TERM "$hello_pid"
    for _ in $(seq 50); do kill -0 "$hello_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$hello_pid" 2>/dev/null && fail "hello did not stop within 5 s of SIGTERM"
    wait "$hello_pid" || fail "hello exited non-zero after SIGTERM"
    hello_pid=
}
# refused LOG REASON COMMAND...: COMMAND (hello forced onto io_uring) must exit non-zero within
# 20 s (timeout's 124 would be a hang) with REASON (a grep pattern) in $work/LOG.
refused() {
    local log=$work/$1 reason=$2 status=0
    shift 2
    timeout 20 "$@" >"$log" 2>&1 || status=$?
    [ $status != 124 ] || fail "hung: $*"
    [ $status != 0 ] || fail "exited 0: $*"
    grep -q "$reason" "$log" || { cat "$log" >&2; fail "did not say why ($reason): $*"; }
}
