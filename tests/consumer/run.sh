#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# corio consumed as a service author consumes it, by tests/consumer built in a temporary directory
# that is removed afterwards:
#   run.sh install BUILD_DIR      `cmake --install BUILD_DIR` into a temporary prefix; find_package(corio)
#                                 there (CMAKE_PREFIX_PATH); builds the consumer service and README.md's
#                                 "Writing a service" example, and runs the service (it asks itself
#                                 for a page over 127.0.0.1 and checks the answer).
#   run.sh build-tree BUILD_DIR   find_package(corio) in BUILD_DIR itself (its build-tree export);
#                                 builds and runs the consumer service.
#   run.sh subdirectory [--build] add_subdirectory on this source tree: configures (options off, aliases
#                                 there, every link target resolvable); --build also builds the library
#                                 again inside the consumer and runs the service (minutes on 2 cores).
# Exit 77 (a skip) when the kernel has no io_uring. Environment: CMAKE (default cmake), CXX and
# CMAKE_GENERATOR as CMake reads them, CORIO_CONSUMER_JOBS (default 2).
set -euo pipefail
usage='usage: run.sh install BUILD_DIR | run.sh build-tree BUILD_DIR | run.sh subdirectory [--build]'
mode=${1:?$usage}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
cmake=${CMAKE:-cmake}
jobs=${CORIO_CONSUMER_JOBS:-2}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/corio-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM INT

# Every step is bounded, so that a hung step fails the test with its name rather than at CTest's timeout.
step() {
    local seconds=$1 status=0
    shift
    timeout "$seconds" "$@" || status=$?
    if [ $status -ne 0 ]; then
        echo "run.sh: '$*' failed (status $status; 124: timed out after ${seconds} s)" >&2
        exit $status
    fi
}

configure=("$cmake" -S "$source_dir/tests/consumer" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release)
build=("$cmake" --build "$tmp/build" -j "$jobs")
case $mode in
install)
    build_dir=${2:?$usage}
    step 60 "$cmake" --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
    step 60 "${configure[@]}" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCORIO_README="$source_dir/README.md"
    step 240 "${build[@]}"
    ;;
build-tree)
    build_dir=$(cd "${2:?$usage}" && pwd)
    step 60 "${configure[@]}" -Dcorio_DIR="$build_dir"
    step 240 "${build[@]}" --target consumer
    ;;
subdirectory)
    step 60 "${configure[@]}" -DCORIO_SOURCE_DIR="$source_dir"
    if [ "${2:-}" != --build ]; then
        echo "run.sh: corio configures as a subdirectory"
        exit 0
    fi
    step 900 "${build[@]}" --target consumer
    ;;
*)
    echo "$usage" >&2
    exit 2
    ;;
esac

status=0
timeout 30 "$tmp/build/consumer" || status=$?
[ $status -ne 124 ] || echo "run.sh: the consumer service did not finish within 30 s" >&2
exit $status
