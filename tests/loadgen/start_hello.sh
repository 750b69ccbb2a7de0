# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154,SC2034 # the sourcing test sets hello, hello_args; reads work, hello_pid, port
# Sourced by corio-load's shell tests.
# begin_test NAME: a scratch directory $work (/tmp/NAME.XXXXXX), removed at exit with hello stopped,
# and fail MESSAGE, which ends the test with FAIL.
begin_test() {
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    hello_pid=
    trap '[ -n "$hello_pid" ] && kill "$hello_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
}
fail() { echo "FAIL: $*" >&2; exit 1; }
# start_hello [PREFIX...] starts examples/hello ($hello) on
# 127.0.0.1 with a free port (PREFIX runs it, e.g. taskset -c 0; the array hello_args, if set, adds
# flags), logging to $work/hello.log, and sets hello_pid and port. Exits 77 (a skip) when hello reports that io_uring is unavailable.
start_hello() {
    "$@" "$hello" --address 127.0.0.1 --port 0 --threads 1 ${hello_args[@]+"${hello_args[@]}"} >"$work/hello.log" 2>&1 &
    hello_pid=$!
    for _ in $(seq 100); do grep -q 'port' "$work/hello.log" 2>/dev/null && break; sleep 0.1; done
    port=$(sed -n 's/.* port \([0-9]*\),.*/\1/p' "$work/hello.log")
    if [ -z "$port" ]; then
        cat "$work/hello.log" >&2
        grep -qi 'io_uring' "$work/hello.log" && exit 77
        echo "FAIL: hello did not start" >&2
        exit 1
    fi
}
