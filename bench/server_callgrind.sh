#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per request of the whole hello server (1 shard), counted by valgrind's callgrind:
# for each workload hello runs twice under callgrind (server on CPU 0), corio-load sends --small
# and then --large requests over --connections connections (CPU 1), and hello is stopped with
# SIGTERM. instructions/request = (Ir(large) - Ir(small)) / (answered(large) - answered(small)),
# with the answered counts from hello's own last line, so start-up, connecting and exit cancel out.
# Workloads: plaintext (GET /plaintext), json (GET /json), pipelined (/plaintext, 16 in flight per
# connection). Prints a markdown table; --keep DIR keeps the callgrind.out files there; --hello-flag
# FLAG (repeatable) passes FLAG to hello, e.g. --hello-flag=--access-log --hello-flag=json.
# --valgrind CMD runs CMD (split at spaces) instead of `valgrind`, and --load PATH another
# corio-load: an arm64 hello under an arm64 valgrind in qemu-user (epoll: qemu-user has no
# io_uring) with this machine's corio-load, as bench/micro/callgrind_arm64.sh sets it up:
#   VALGRIND_LIB=DIR/usr/libexec/valgrind VALGRIND_LAUNCHER=DIR/usr/bin/valgrind \
#   bench/server_callgrind.sh --build build/aarch64 --load build/release/bench/loadgen/corio-load \
#       --backend epoll --valgrind "qemu-aarch64-static -cpu neoverse-n1 DIR/usr/libexec/valgrind/callgrind-arm64-linux"
#
#   bench/server_callgrind.sh [--build build/release] [--small 2000] [--large 12000]
#                             [--connections 16] [--backend io_uring] [--port 18290] [--keep DIR]
#                             [--hello-flag FLAG]... [--valgrind CMD] [--load PATH] [WORKLOAD...]
set -euo pipefail

build=build/release small=2000 large=12000 connections=16 backend=io_uring port=18290 keep=""
valgrind=valgrind load=""
names=() hello_flags=()
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --large) large=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --hello-flag) hello_flags+=("$2"); shift 2 ;;
    --hello-flag=*) hello_flags+=("${1#--hello-flag=}"); shift ;;
    --valgrind) valgrind=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "server_callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
    esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
hello="$build/examples/hello/hello"
case ${load:=$build/bench/loadgen/corio-load} in /*) ;; *) load="$root/$load" ;; esac
for tool in "$hello" "$load"; do
    [ -x "$tool" ] || { echo "server_callgrind.sh: $tool not built (cmake --build $build --target hello corio-load)" >&2; exit 1; }
done
read -ra valgrind <<<"$valgrind"
command -v "${valgrind[0]}" >/dev/null || { echo "server_callgrind.sh: ${valgrind[0]} not installed (toolchains/deps.sh --bench)" >&2; exit 1; }
[ ${#names[@]} -gt 0 ] || names=(plaintext json pipelined)
work=$(mktemp -d /tmp/corio-server-callgrind.XXXXXX)
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
[ -z "$keep" ] || mkdir -p "$keep"

# run WORKLOAD N: prints "instructions answered"
run() {
    local path=/plaintext flags=() up=0 out="$work/$1.$2.out" log="$work/$1.$2.log"
    [ "$1" = json ] && path=/json
    [ "$1" = pipelined ] && flags=(--pipeline 16)
    taskset -c 0 "${valgrind[@]}" --tool=callgrind --callgrind-out-file="$out" "$hello" --address 127.0.0.1 --port "$port" \
        --threads 1 --backend "$backend" "${hello_flags[@]}" >"$log" 2>&1 &
    server=$!
    # hello's start-up line reaches the log only at exit (stdout to a file): wait for the port.
    for _ in $(seq 1200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1 && break; fi
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    [ "$up" = 1 ] || { echo "server_callgrind.sh: hello did not start:" >&2; cat "$log" >&2; exit 1; }
    timeout 600 taskset -c 1 "$load" -t1 -c"$connections" -n "$2" "${flags[@]}" --no-progress \
        "http://127.0.0.1:$port$path" >"$work/load.txt" 2>&1 || { cat "$work/load.txt" >&2; exit 1; }
    kill -TERM "$server"
    # Valgrind runs one thread at a time and keeps its lock while the shard waits in io_uring_enter,
    # so the thread that reads the signal may never run: a connection (no request) wakes the shard.
    for _ in $(seq 100); do
        sleep 0.2
        kill -0 "$server" 2>/dev/null || break
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || true
    done
    wait "$server" || { echo "server_callgrind.sh: hello failed:" >&2; cat "$log" >&2; exit 1; }
    server=""
    [ -z "$keep" ] || cp "$out" "$keep/$1.$2.callgrind.out"
    echo "$(awk '/^(summary|totals):/ {print $2; exit}' "$out") $(sed -n 's/.*answering \([0-9]*\) requests.*/\1/p' "$log")"
}

echo "| workload | instructions/request | requests counted |"
echo "|---|---|---|"
for name in "${names[@]}"; do
    case $name in plaintext|json|pipelined) ;; *) echo "server_callgrind.sh: unknown workload $name" >&2; exit 2 ;; esac
    # Not in a subshell: a failure exits the script, and the trap stops the server.
    run "$name" "$small" >"$work/small.txt"
    run "$name" "$large" >"$work/large.txt"
    read -r ir_small req_small <"$work/small.txt"
    read -r ir_large req_large <"$work/large.txt"
    awk -v n="$name" -v a="$ir_small" -v b="$ir_large" -v ra="$req_small" -v rb="$req_large" \
        'BEGIN {printf "| %s | %.0f | %d |\n", n, (b - a) / (rb - ra), rb - ra}'
done
