# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154 # the sourcing test sets hello, work and fail()
# Sourced by the tests that run hello where io_uring is denied (seccomp_test.sh,
# io_uring_disabled_test.sh).
# start_under LOG PREFIX... [-- FLAG...]: starts hello ($hello) through PREFIX (e.g. a seccomp
# launcher) on 127.0.0.1 with a free port, logging to $work/LOG; sets pid and port, or fails.
start_under() {
    local log=$work/$1 prefix=() flags=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do prefix+=("$1"); shift; done
    [ $# -gt 0 ] && shift && flags=("$@")
    "${prefix[@]}" "$hello" --address 127.0.0.1 --port 0 ${flags[@]+"${flags[@]}"} >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q 'listening' "$log" && break; sleep 0.1; done
    port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log")
    [ -n "$port" ] || { cat "$log" >&2; fail "hello did not start ($log)"; }
}
# stop_hello: SIGTERM; hello must be gone within 5 s with exit status 0.
stop_hello() {
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "hello did not stop within 5 s of SIGTERM"
    wait "$pid" || fail "hello exited non-zero after SIGTERM"
    pid=
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
