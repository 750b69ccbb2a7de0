# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154,SC2034 # the sourcing test sets hello, hello_args, hello_log, expect_refusal; reads work, hello_pid, port
# Sourced by corio-load's shell tests, and through tests/seccomp/hello_under.sh by the seccomp tests.
# begin_test NAME: a scratch directory $work (/tmp/NAME.XXXXXX), removed at exit with hello stopped,
# and fail MESSAGE, which ends the test with FAIL.
begin_test() {
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    hello_pid=
    trap '[ -z "$hello_pid" ] || kill "$hello_pid" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
}
fail() { echo "FAIL: $*" >&2; exit 1; }
# start_hello [PREFIX...] starts examples/hello ($hello) on 127.0.0.1 with a free port and one shard
# (PREFIX runs it, e.g. taskset -c 0 or a seccomp launcher; the array hello_args, if set, adds flags,
# a later --threads overriding), logging to $work/$hello_log (hello.log unless set), and sets
# hello_pid and port. When hello does not start and its log mentions io_uring, exits 77 (a skip: the
# kernel lacks it), unless expect_refusal is set: the caller denies io_uring on purpose, hello must
# fall back to epoll, and not starting is a failure.
start_hello() {
    local log=$work/${hello_log:-hello.log}
    "$@" "$hello" --address 127.0.0.1 --port 0 --threads 1 ${hello_args[@]+"${hello_args[@]}"} >"$log" 2>&1 &
    hello_pid=$!
    for _ in $(seq 100); do
        port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$log" 2>/dev/null)
        [ -n "$port" ] && return
        sleep 0.1
    done
    cat "$log" >&2
    [ -z "${expect_refusal:-}" ] && grep -qi 'io_uring' "$log" && exit 77
    fail "hello did not start ($log)"
}
