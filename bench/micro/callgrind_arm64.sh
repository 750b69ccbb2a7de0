#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per request of the micro benchmark workloads on ARM64: bench/micro/callgrind.sh run
# on the aarch64 build's corio-micro-count with Debian's arm64 valgrind (callgrind) under qemu-user
# (qemu-aarch64-static -cpu neoverse-n1). Callgrind counts the guest's arm64 instructions, exactly
# as on a Graviton; qemu only makes it slower (every workload in about 5 minutes). qemu-user has no
# io_uring, so the reactor falls back to epoll, which the micro workloads never enter (they feed the
# connection from memory). valgrind:arm64 does not co-install with valgrind:amd64: the first run
# unpacks it (apt-get download valgrind:arm64; dpkg-deb -x) into --valgrind-dir. Needs the arm64
# architecture (dpkg --add-architecture arm64), qemu-user-static, and
# `cmake --preset aarch64 && ninja -C build/aarch64 corio-micro-count`. Other options (--small,
# --large, --annotate DIR) and workload names go to callgrind.sh.
#
#   bench/micro/callgrind_arm64.sh [--build build/aarch64] [--valgrind-dir /tmp/corio-valgrind-arm64]
#                                  [--cpu neoverse-n1] [callgrind.sh options] [WORKLOAD...]
set -euo pipefail

build=build/aarch64 dir=/tmp/corio-valgrind-arm64 cpu=neoverse-n1
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
command -v qemu-aarch64-static >/dev/null || { echo "callgrind_arm64.sh: qemu-user-static not installed" >&2; exit 1; }
lib="$dir/usr/libexec/valgrind"
if [ ! -x "$lib/callgrind-arm64-linux" ]; then
    mkdir -p "$dir"
    (cd "$dir" && apt-get download valgrind:arm64 >/dev/null && dpkg-deb -x valgrind_*_arm64.deb .) || {
        echo "callgrind_arm64.sh: could not unpack valgrind:arm64 into $dir (dpkg --add-architecture arm64; apt-get update)" >&2
        exit 1
    }
fi
# The tool binary is what the valgrind launcher would exec: it wants these two variables set.
export VALGRIND_LIB="$lib" VALGRIND_LAUNCHER="$dir/usr/bin/valgrind"
emulate="qemu-aarch64-static -cpu $cpu"
[ "$names" = 1 ] || mapfile -t -O "${#pass[@]}" pass < <($emulate "$count" --list)
exec "$here/callgrind.sh" --build "$build" --valgrind "$emulate $lib/callgrind-arm64-linux" "${pass[@]}"
