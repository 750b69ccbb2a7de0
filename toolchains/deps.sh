#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every build, test and benchmark dependency of corio from Debian 12 packages.
# Idempotent; run as root (or with sudo). Nothing is downloaded outside apt.
#   toolchains/deps.sh          build, test and load-test tools
#   toolchains/deps.sh --bench  also the servers compared in bench/ (nginx, h2o), never started as services
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkgconf git ca-certificates
    liburing-dev libmimalloc-dev node-llhttp libexpected-dev libfmt-dev libsimdjson-dev
    googletest libgtest-dev libgmock-dev libbenchmark-dev
    clang clang-format libclang-rt-14-dev
    curl wrk procps valgrind
)
bench=0
[ "${1:-}" = "--bench" ] && bench=1
[ $bench = 1 ] && packages+=(nginx-light h2o gnuplot-nox)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps.sh: all ${#packages[@]} packages already installed"
    exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
# Packaged servers must not start as system services (port 80, stray processes): deny service
# starts for the duration of the install unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ $bench = 1 ] && [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null && $sudo chmod +x $policy && own_policy=1
fi
trap '[ $own_policy = 1 ] && $sudo rm -f $policy' EXIT
$sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
echo "deps.sh: installed ${missing[*]}"
