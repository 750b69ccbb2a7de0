#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every build, test and benchmark dependency of corio from Debian 12 packages.
# Idempotent; run as root (or with sudo). Nothing is downloaded outside apt. Flags combine.
#   toolchains/deps.sh          build, test and load-test tools, and PostgreSQL 15 for the database
#                               tests (toolchains/pgtest.sh runs throwaway clusters; no system
#                               cluster is created and no service started), OpenSSH's server for
#                               fleet.sh's test and nginx for the gateway's (the tests run their own;
#                               the ssh and nginx services are switched off when deps.sh installs them)
#   toolchains/deps.sh --bench  also h2o, compared in bench/ (never started as a service),
#                               gnuplot for --plot and chromium to render corio-load merge --html in its test
#   toolchains/deps.sh --arm64  also the aarch64 cross toolchain, the arm64 builds of the libraries,
#                               qemu, and Debian's arm64 kernel + busybox for the test VM (fetched
#                               with apt-get download and unpacked into $CORIO_ARM64_VM_CACHE, default
#                               /var/cache/corio-arm64; never installed), and simdjson's arm64
#                               and libpq-dev's arm64 packages unpacked into $CORIO_ARM64_VM_CACHE/sysroot
#   toolchains/deps.sh --arm64 --bench  also Debian's arm64 valgrind for bench/micro/callgrind_arm64.sh,
#                               unpacked into $CORIO_ARM64_VM_CACHE/valgrind (it does not co-install
#                               with the amd64 one)
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkgconf git ca-certificates
    liburing-dev libmimalloc-dev node-llhttp libexpected-dev libfmt-dev libsimdjson-dev libssl-dev
    libpq-dev postgresql-15
    googletest libgtest-dev libgmock-dev libbenchmark-dev
    clang clang-format libclang-rt-14-dev
    curl wrk procps valgrind python3 python3-yaml apache2-utils nghttp2-client systemd
    zlib1g-dev libhdrhistogram-java default-jdk-headless gettext-base
    # tests/loadgen/loadgen_fleet_sshd_test.sh runs bench/loadgen/fleet.sh through a throwaway sshd of
    # its own on 127.0.0.1 (the ssh service is never started: see policy-rc.d below)
    openssh-server openssh-client
    # tests/integration/gateway_nginx_test.sh puts the gateway in front of a throwaway nginx
    nginx-light
)
bench=0
arm64=0
for arg in "$@"; do
    case $arg in
    --bench) bench=1 ;;
    --arm64) arm64=1 ;;
    *) echo "usage: $0 [--bench] [--arm64]" >&2 && exit 2 ;;
    esac
done
[ $bench = 1 ] && packages+=(h2o gnuplot-nox chromium)
# The arm64 -dev packages co-install with the amd64 ones (multiarch); both copies of a package
# must have the same version, so apt may upgrade an amd64 one. libexpected-dev and node-llhttp
# are Architecture: all and serve both. libssl-dev (OpenSSL's libcrypto, for examples/workload) is
# Multi-Arch: same and co-installs.
# libsimdjson-dev cannot be installed for both architectures (it conflicts with itself): only the
# amd64 one is installed; the arm64 one is unpacked into the cache below. libpq-dev is not
# Multi-Arch either (apt would remove the amd64 one: its pg_config and headers are shared paths),
# so only its runtime libpq5:arm64 (Multi-Arch: same, with its arm64 dependencies: libssl3,
# libgssapi-krb5-2, libldap) is installed and libpq-dev:arm64 is unpacked into the cache too.
[ $arm64 = 1 ] && packages+=(
    g++-aarch64-linux-gnu pkgconf:arm64
    liburing-dev:arm64 libmimalloc-dev:arm64 libfmt-dev:arm64 libssl-dev:arm64 libpq5:arm64 zlib1g-dev:arm64
    libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64
    qemu-system-arm qemu-user-static cpio
)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
apt_get() { $sudo apt-get -o DPkg::Lock::Timeout=900 "$@"; }
updated=0
update() { [ $updated = 1 ] || { apt_get update -qq && updated=1; }; }
if [ $arm64 = 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
    update
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps.sh: all ${#packages[@]} packages already installed"
else
    export DEBIAN_FRONTEND=noninteractive
    # Packaged servers must not start as system services (port 80, a PostgreSQL cluster on 5432,
    # sshd on port 22, stray processes): deny service starts for the duration of the install unless
    # the machine already has a policy.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    new_postgresql=0
    new_sshd=0
    new_server=0
    [[ " ${missing[*]} " == *" postgresql-15 "* ]] && new_postgresql=1
    [[ " ${missing[*]} " == *" openssh-server "* ]] && new_sshd=1
    [[ " ${missing[*]} " == *" nginx-light "* || " ${missing[*]} " == *" h2o "* ]] && new_server=1
    if { [ $new_server = 1 ] || [ $new_postgresql = 1 ] || [ $new_sshd = 1 ]; } && [ ! -e $policy ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null && $sudo chmod +x $policy && own_policy=1
    fi
    trap '[ $own_policy = 1 ] && $sudo rm -f $policy' EXIT
    update
    # postgresql-15's first install creates a system cluster "main" (started at boot by
    # postgresql.service where systemd runs) unless postgresql-common's createcluster.conf says
    # otherwise: corio's tests run their own clusters (toolchains/pgtest.sh), so say otherwise first.
    if [ $new_postgresql = 1 ]; then
        apt_get install -y -qq --no-install-recommends postgresql-common
        $sudo pg_conftool /etc/postgresql-common/createcluster.conf set create_main_cluster false
    fi
    # openssh-server's first install enables the ssh service (port 22, started at boot where systemd
    # runs): corio's test starts its own sshd, so Debian's switch sshd_not_to_be_run (read by
    # ssh.service and /etc/init.d/ssh) keeps the system service from ever starting. Remove the file
    # to use the machine's sshd.
    if [ $new_sshd = 1 ]; then
        $sudo mkdir -p /etc/ssh && $sudo touch /etc/ssh/sshd_not_to_be_run
    fi
    apt_get install -y -qq --no-install-recommends "${missing[@]}"
    # nginx and h2o enable their services at install (port 80 at the next boot where systemd runs):
    # corio's tests and benchmarks start their own, so the services stay off.
    if [ $new_server = 1 ]; then
        for unit in nginx.service h2o.service; do
            [ -e "/lib/systemd/system/$unit" ] || continue
            $sudo systemctl disable --quiet "$unit" 2>/dev/null ||
                echo "deps.sh: could not disable $unit; stop it if it runs (corio starts its own)" >&2
        done
    fi
    echo "deps.sh: installed ${missing[*]}"
fi

# The arm64 test VM boots Debian's arm64 kernel (6.1, the baseline corio supports) with a
# busybox initramfs: both packages are downloaded with apt and unpacked, not installed, so the
# host's own kernel and busybox stay untouched. toolchains/arm64-vm/run-test.sh reads the cache:
#   root/vmlinuz, root/bin/busybox   the unpacked packages (kernel modules dropped: not needed)
#   base.cpio                        busybox, the mount points and /dev/console for the initramfs
if [ $arm64 = 1 ]; then
    cache=${CORIO_ARM64_VM_CACHE:-/var/cache/corio-arm64}
    if [ -r "$cache/root/vmlinuz" ] && [ -x "$cache/root/bin/busybox" ]; then
        echo "deps.sh: arm64 VM kernel $(cat "$cache/root/kernel-release") and busybox in $cache"
    else
        update
        # linux-image-arm64 is the meta package; the kernel it depends on is the one to fetch.
        kernel_pkg=$(apt-cache depends linux-image-arm64:arm64 |
            sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n1)
        [ -n "$kernel_pkg" ] || { echo "deps.sh: cannot resolve linux-image-arm64:arm64" >&2 && exit 1; }
        $sudo mkdir -p "$cache"
        tmp=$($sudo mktemp -d "$cache/.fetch.XXXXXX")
        # apt's download sandbox user (_apt) cannot write into root's temporary directory.
        (cd "$tmp" && apt_get -o APT::Sandbox::User=root download -qq "$kernel_pkg:arm64" busybox-static:arm64)
        $sudo mkdir "$tmp/root"
        for deb in "$tmp"/*.deb; do $sudo dpkg-deb -x "$deb" "$tmp/root"; done
        release=${kernel_pkg#linux-image-}
        $sudo ln -s "boot/vmlinuz-$release" "$tmp/root/vmlinuz"
        echo "$release" | $sudo tee "$tmp/root/kernel-release" >/dev/null
        $sudo rm -rf "$tmp/root/lib/modules" "$tmp/root/usr/lib/linux-image-$release"
        $sudo rm -rf "$cache/root" "$cache/base.cpio"
        $sudo mv "$tmp/root" "$cache/root"
        $sudo rm -rf "$tmp"
        echo "deps.sh: arm64 VM kernel $release and busybox unpacked into $cache"
    fi
    if [ ! -s "$cache/base.cpio" ]; then
        # The kernel opens /dev/console for init before anything is mounted: the node must be in
        # the archive, which takes mknod (root), hence here and not in the runner.
        stage=$($sudo mktemp -d)
        $sudo chmod 755 "$stage"
        $sudo mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib/aarch64-linux-gnu,dev,proc,sys,tmp,run,etc}
        $sudo cp "$cache/root/bin/busybox" "$stage/bin/busybox"
        $sudo mknod -m 600 "$stage/dev/console" c 5 1
        $sudo mknod -m 666 "$stage/dev/null" c 1 3
        (cd "$stage" && find . | LC_ALL=C sort | $sudo cpio -o -H newc -R 0:0 --quiet) |
            $sudo tee "$cache/base.cpio.tmp" >/dev/null
        $sudo mv "$cache/base.cpio.tmp" "$cache/base.cpio"
        $sudo rm -rf "$stage"
        echo "deps.sh: arm64 VM base initramfs $cache/base.cpio"
    fi
    # simdjson for the aarch64 build: libsimdjson-dev:arm64 and its runtime library are downloaded
    # and unpacked into $cache/sysroot (a prefix overlay, not a sysroot proper), never installed. The
    # toolchain file adds $cache/sysroot/usr to CMake's prefix path; run-test.sh copies the shared
    # library from there into the VM.
    overlay=$cache/sysroot
    $sudo mkdir -p "$overlay"
    if [ -r "$overlay/usr/lib/aarch64-linux-gnu/cmake/simdjson/simdjson-config.cmake" ]; then
        echo "deps.sh: arm64 simdjson in $overlay"
    else
        update
        simdjson_lib=$(apt-cache depends libsimdjson-dev:arm64 |
            sed -n 's/^ *Depends: \(libsimdjson[0-9]*\).*/\1/p' | head -n1)
        [ -n "$simdjson_lib" ] || { echo "deps.sh: cannot resolve libsimdjson-dev:arm64" >&2 && exit 1; }
        $sudo mkdir -p "$cache"
        tmp=$($sudo mktemp -d "$cache/.fetch.XXXXXX")
        (cd "$tmp" && apt_get -o APT::Sandbox::User=root download -qq libsimdjson-dev:arm64 "$simdjson_lib:arm64")
        for deb in "$tmp"/*.deb; do $sudo dpkg-deb -x "$deb" "$overlay"; done
        $sudo rm -rf "$tmp"
        echo "deps.sh: arm64 libsimdjson-dev and $simdjson_lib unpacked into $overlay"
    fi
    # libpq-dev:arm64 beside it: headers, libpq.pc and the libpq.so link. The link is pointed at the
    # installed libpq5:arm64 (the same version, apt keeps the two in step) and the .pc's prefix at
    # the overlay, so pkg-config yields arm64 headers and the installed library, whose own arm64
    # dependencies the cross linker finds by multiarch. The .pc moves to usr/lib/pkgconfig: in a
    # cross build CMake's pkg_check_modules looks there in each prefix, not in lib/<arch>/pkgconfig.
    libpq_pc=$overlay/usr/lib/pkgconfig/libpq.pc
    if [ -r "$libpq_pc" ] && [ -e "$overlay/usr/lib/aarch64-linux-gnu/libpq.so" ]; then
        echo "deps.sh: arm64 libpq-dev in $overlay"
    else
        update
        tmp=$($sudo mktemp -d "$cache/.fetch.XXXXXX")
        (cd "$tmp" && apt_get -o APT::Sandbox::User=root download -qq libpq-dev:arm64)
        $sudo dpkg-deb -x "$tmp"/libpq-dev_*.deb "$overlay"
        $sudo rm -rf "$tmp" "$overlay/usr/bin/pg_config"
        $sudo ln -sfn /usr/lib/aarch64-linux-gnu/libpq.so.5 "$overlay/usr/lib/aarch64-linux-gnu/libpq.so"
        $sudo mkdir -p "$(dirname "$libpq_pc")"
        sed "s|^prefix=.*|prefix=$overlay/usr|" "$overlay/usr/lib/aarch64-linux-gnu/pkgconfig/libpq.pc" |
            $sudo tee "$libpq_pc" >/dev/null
        $sudo rm "$overlay/usr/lib/aarch64-linux-gnu/pkgconfig/libpq.pc"
        echo "deps.sh: arm64 libpq-dev unpacked into $overlay"
    fi
    # valgrind:arm64 for bench/micro/callgrind_arm64.sh, which runs its callgrind tool binary under
    # qemu-aarch64-static: unpacked whole into $cache/valgrind (moved there once complete), never
    # installed, as valgrind:arm64 and valgrind:amd64 cannot both be.
    valgrind_dir=$cache/valgrind
    if [ $bench = 1 ]; then
        if [ -x "$valgrind_dir/usr/libexec/valgrind/callgrind-arm64-linux" ]; then
            echo "deps.sh: arm64 valgrind in $valgrind_dir"
        else
            update
            tmp=$($sudo mktemp -d "$cache/.fetch.XXXXXX")
            (cd "$tmp" && apt_get -o APT::Sandbox::User=root download -qq valgrind:arm64)
            $sudo dpkg-deb -x "$tmp"/valgrind_*_arm64.deb "$tmp/valgrind"
            $sudo rm -rf "$valgrind_dir"
            $sudo mv "$tmp/valgrind" "$valgrind_dir"
            $sudo rm -rf "$tmp"
            echo "deps.sh: arm64 valgrind unpacked into $valgrind_dir"
        fi
    fi
fi
