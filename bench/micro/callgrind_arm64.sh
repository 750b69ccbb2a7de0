#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per request of the micro benchmark workloads on ARM64: bench/micro/callgrind.sh run
# on the aarch64 build's corio-micro-count with Debian's arm64 valgrind (callgrind) under qemu-user
# (qemu-aarch64-static -cpu neoverse-n1). Callgrind counts the guest's arm64 instructions, exactly
# as on a Graviton; qemu only makes it slower (every workload in about 5 minutes). qemu-user has no
# io_uring, so the reactor falls back to epoll, which the micro workloads never enter (they feed the
# connection from memory). valgrind:arm64 does not co-install with valgrind:amd64:
# `toolchains/deps.sh --arm64 --bench` unpacks it into $CORIO_ARM64_VM_CACHE/valgrind (default
# /var/cache/corio-arm64/valgrind; --valgrind-dir names another) and installs qemu-user-static.
# Needs `cmake --preset aarch64 && ninja -C build/aarch64 corio-micro-count`. Other options
# (--small, --large, --annotate DIR) and workload names go to callgrind.sh.
#
#   bench/micro/callgrind_arm64.sh [--build build/aarch64] [--valgrind-dir DIR] [--cpu neoverse-n1]
#                                  [callgrind.sh options] [WORKLOAD...]
set -euo pipefail

build=build/aarch64 dir=${CORIO_ARM64_VM_CACHE:-/var/cache/corio-arm64}/valgrind cpu=neoverse-n1
pass=() names=0
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --valgrind-dir) dir=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) pass+=("$1" "$2"); shift 2 ;;
    *) pass+=("$1"); names=1; shift ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
count="$build/bench/micro/corio-micro-count"
[ -x "$count" ] || { echo "callgrind_arm64.sh: $count not built (ninja -C $build corio-micro-count)" >&2; exit 1; }
command -v qemu-aarch64-static >/dev/null ||
    { echo "callgrind_arm64.sh: qemu-user-static not installed (toolchains/deps.sh --arm64 --bench)" >&2; exit 1; }
lib="$dir/usr/libexec/valgrind"
[ -x "$lib/callgrind-arm64-linux" ] ||
    { echo "callgrind_arm64.sh: no arm64 valgrind in $dir (toolchains/deps.sh --arm64 --bench unpacks it)" >&2; exit 1; }
# The tool binary is what the valgrind launcher would exec: it wants these two variables set.
export VALGRIND_LIB="$lib" VALGRIND_LAUNCHER="$dir/usr/bin/valgrind"
emulate="qemu-aarch64-static -cpu $cpu"
[ "$names" = 1 ] || mapfile -t -O "${#pass[@]}" pass < <($emulate "$count" --list)
exec "$here/callgrind.sh" --build "$build" --valgrind "$emulate $lib/callgrind-arm64-linux" "${pass[@]}"
