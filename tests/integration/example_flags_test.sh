#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 25: every example's flag parsing as a user meets it. A bad value names the flag, the value
# and what would be right, and exits 2; --flag=value works as --flag value; a single shard reads
# "1 shard".
# Usage: example_flags_test.sh PATH/TO/EXAMPLE...
set -euo pipefail
# The examples that query PostgreSQL (workload, techempower) refuse to start without a database;
# they connect on first use, so a URL nobody answers lets them start.
export CORIO_PG_URL=${CORIO_PG_URL:-postgresql://nobody@127.0.0.1:9/none}
fail() { echo "example_flags_test: $*"; exit 1; }

# expect_refusal PROGRAM MESSAGE ARGS...: exit status 2 and MESSAGE on stderr.
expect_refusal() {
    local program=$1 message=$2 status=0
    shift 2
    local err
    err=$("$program" "$@" 2>&1 >/dev/null) || status=$?
    [ "$status" = 2 ] || fail "$(basename "$program") $*: exit status $status, not 2"
    grep -qF -- "$message" <<<"$err" || fail "$(basename "$program") $*: no '$message' in: $err"
}

for program in "$@"; do
    name=$(basename "$program")
    expect_refusal "$program" "$name: --port 99999: not a port (1-65535, or 0 for a free one)" --port 99999
    expect_refusal "$program" "--port x: not a port" --port=x
    expect_refusal "$program" "--port needs a value" --port
    expect_refusal "$program" "--threads 0: not a number of shards (1-1024)" --threads 0
    expect_refusal "$program" "--recv-buffer-size 1: not a buffer size (64-1048576 bytes)" --recv-buffer-size 1
    expect_refusal "$program" "--metrics metrics: not a path (it starts with '/')" --metrics metrics
    expect_refusal "$program" "--health-path healthz: not a path (it starts with '/')" --health-path healthz
    expect_refusal "$program" "--drain-delay-ms soon: not a delay (0-3600000 milliseconds)" --drain-delay-ms soon
    expect_refusal "$program" "--log-level loud: not a log level (debug, info, warning or error)" --log-level=loud
    expect_refusal "$program" "--access-log xml: not an access log format (text or json)" --access-log xml
    expect_refusal "$program" "unknown flag '--bogus'" --bogus
    expect_refusal "$program" "--reuse-port takes no value" --reuse-port=yes
    "$program" --help | grep -q -- '--reuse-port' || fail "$name --help does not list --reuse-port"

    log=$(mktemp)
    "$program" --address=127.0.0.1 --port=0 --threads=1 >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
    if grep -q 'io_uring_setup is not available' "$log"; then kill $pid; rm -f "$log"; echo "skip: no io_uring"; exit 77; fi
    grep -q "$name: listening on 127.0.0.1 port [0-9]*, 1 shard, " "$log" || { kill $pid; fail "$name: $(cat "$log")"; }
    kill -TERM $pid
    wait $pid || fail "$name did not exit 0 on SIGTERM"
    rm -f "$log"
done
echo "example_flags_test: ok"
