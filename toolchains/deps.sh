#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every build, test and benchmark dependency of corio from Debian 12 packages.
# Idempotent; run as root (or with sudo). Nothing is downloaded outside apt.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkgconf git ca-certificates
    liburing-dev libmimalloc-dev node-llhttp libexpected-dev libfmt-dev libsimdjson-dev
    googletest libgtest-dev libgmock-dev libbenchmark-dev
    clang clang-format libclang-rt-14-dev
    curl wrk procps
)

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
$sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
echo "deps.sh: installed ${missing[*]}"
