#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one arm64 program in a throw-away qemu-system-aarch64 VM on Debian's arm64 kernel (6.1,
# corio's baseline) and exits with the program's exit status. The aarch64 presets use it as
# CMAKE_CROSSCOMPILING_EMULATOR, so `ctest` boots one VM per test binary. qemu-user cannot serve
# here: it has no io_uring (io_uring_setup returns ENOSYS).
#
#   run-test.sh [--cpu MODEL] [--timeout SECONDS] PROGRAM [ARGS...]
#
# PROGRAM, and every ARG that names an existing file or directory (a test corpus, say), are copied
# into the guest at the same absolute path (an ARG is rewritten to that path), with the arm64
# shared libraries and dynamic loader that the ELF files among them need (found with the cross
# readelf). PROGRAM may also be a /bin/sh script: the guest has busybox. Files a program finds by
# itself (a helper binary whose path is compiled in) go in CORIO_ARM64_VM_FILES, colon-separated,
# e.g. through the test's ENVIRONMENT property; they too keep their path. The program sees the
# host's GTEST_* and CORIO_* environment variables, no others.
#
# The initramfs is the cached base archive that `toolchains/deps.sh --arm64` builds (busybox,
# mount points, /dev/console) followed by an archive made here (the files above and /init); the
# kernel merges the two; the latter also holds /etc/hosts (localhost), nsswitch.conf, passwd and
# group. /init mounts proc, sys, devtmpfs, and tmpfs on /dev/shm and /run (the
# root is a writable tmpfs already, and its /tmp may hold PROGRAM), brings lo up, raises the
# descriptor limit, runs PROGRAM in /tmp with stdin from /dev/null, prints a marker line with its
# exit status on the serial console and powers off. QEMU exits 0 whatever the guest did, so the
# status comes from that marker; no marker (a crash, a kernel panic) is a failure, and a guest
# still running after the timeout is killed and fails.
#
# GoogleTest binaries: when the program exits 0 and GoogleTest skipped every test it ran, the exit
# status becomes 77, which ctest reports as a skip (SKIP_RETURN_CODE 77); when it skipped only some
# (a database case beside others, say), the binary passes and the skipped cases are named on stderr.
# A failure stays a failure.
#
# Environment (defaults in brackets): CORIO_ARM64_VM_CACHE [/var/cache/corio-arm64],
# CORIO_ARM64_VM_CPU [neoverse-n1] (--cpu wins), CORIO_ARM64_VM_TIMEOUT seconds [300] (--timeout
# wins), CORIO_ARM64_VM_SMP [2], CORIO_ARM64_VM_MEMORY MiB [1024].
set -euo pipefail

cache=${CORIO_ARM64_VM_CACHE:-/var/cache/corio-arm64}
cpu=${CORIO_ARM64_VM_CPU:-neoverse-n1}
timeout_s=${CORIO_ARM64_VM_TIMEOUT:-300}
smp=${CORIO_ARM64_VM_SMP:-2}
memory=${CORIO_ARM64_VM_MEMORY:-1024}
usage="usage: $0 [--cpu MODEL] [--timeout SECONDS] PROGRAM [ARGS...]"
while [ $# -gt 0 ]; do
    case $1 in
    --cpu) cpu=$2 && shift 2 ;;
    --timeout) timeout_s=$2 && shift 2 ;;
    --) shift && break ;;
    -*) echo "$usage" >&2 && exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "$usage" >&2 && exit 2; }

die() { echo "run-test.sh: $*" >&2 && exit 1; }
for f in "$cache/root/vmlinuz" "$cache/base.cpio"; do
    [ -r "$f" ] || die "$f is missing: run toolchains/deps.sh --arm64"
done
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 is missing: run toolchains/deps.sh --arm64"
readelf=aarch64-linux-gnu-readelf
command -v $readelf >/dev/null || die "$readelf is missing: run toolchains/deps.sh --arm64"

work=$(mktemp -d "${TMPDIR:-/tmp}/corio-arm64-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage/corio" "$stage/lib/aarch64-linux-gnu"

# Where the arm64 libraries live on this host: libc6:arm64 & co. (multiarch), then the cross
# toolchain's own copies, then the arm64 packages deps.sh unpacked (simdjson). In the guest they all go to /lib/aarch64-linux-gnu, which the arm64
# dynamic loader searches by default.
lib_dirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/aarch64-linux-gnu/lib
    "$cache/sysroot/usr/lib/aarch64-linux-gnu")
declare -A packed=()

find_lib() {
    local d
    for d in "${lib_dirs[@]}"; do
        [ -e "$d/$1" ] && echo "$d/$1" && return
    done
    die "arm64 library $1 not found in ${lib_dirs[*]} (toolchains/deps.sh --arm64 installs corio's)"
}

# add_file HOST_PATH GUEST_PATH: copies the file (symlinks followed) into the guest tree.
add_file() {
    mkdir -p "$(dirname "$stage$2")"
    cp -L "$1" "$stage$2"
}

is_elf() { [ "$(head -c 4 "$1" | tr -d '\0')" = $'\x7fELF' ]; }

# add_libs ELF: the dynamic loader and the NEEDED libraries of ELF, recursively.
add_libs() {
    local interp needed lib
    interp=$($readelf -lW "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
    if [ -n "$interp" ] && [ -z "${packed[$interp]:-}" ]; then
        packed[$interp]=1
        lib=$(find_lib "$(basename "$interp")")
        add_file "$lib" "$interp"
    fi
    for needed in $($readelf -dW "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
        [ -n "${packed[$needed]:-}" ] && continue
        packed[$needed]=1
        lib=$(find_lib "$needed")
        add_file "$lib" "/lib/aarch64-linux-gnu/$needed"
        add_libs "$lib"
    done
}

# add_program PATH: copies PATH (and, for an arm64 ELF file, what it needs); sets guest_path.
add_program() {
    guest_path=$(realpath -s "$1")
    add_file "$guest_path" "$guest_path"
    if is_elf "$guest_path"; then
        $readelf -hW "$guest_path" | grep -q 'Machine: *AArch64' || die "$guest_path is not an arm64 program"
        add_libs "$guest_path"
    fi
}

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

add_program "$1"
shift
program=$guest_path
command_line=$(quote "$program")
for arg in "$@"; do
    if [ -f "$arg" ]; then
        add_program "$arg"
        arg=$guest_path
    elif [ -d "$arg" ]; then
        arg=$(realpath -s "$arg")
        mkdir -p "$(dirname "$stage$arg")"
        cp -RL "$arg" "$stage$arg"
    fi
    command_line+=" $(quote "$arg")"
done
# What a minimal system has in /etc: name resolution of localhost (glibc reads files only), root.
mkdir -p "$stage/etc"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$stage/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$stage/etc/nsswitch.conf"
echo 'root:x:0:0:root:/tmp:/bin/sh' >"$stage/etc/passwd"
echo 'root:x:0:' >"$stage/etc/group"

IFS=: read -r -a extra_files <<<"${CORIO_ARM64_VM_FILES:-}"
for f in "${extra_files[@]}"; do
    [ -f "$f" ] || die "$f (in CORIO_ARM64_VM_FILES) is not a file"
    add_program "$f"
done
{
    echo '#!/bin/sh'
    # The host's GTEST_* and CORIO_* variables (a ctest ENVIRONMENT property, say) reach the program.
    while IFS= read -r name; do
        [[ $name == CORIO_ARM64_VM_* ]] || echo "export $name=$(quote "${!name}")"
    done < <(compgen -e | grep -E '^(GTEST|CORIO)_' || true)
    echo "exec $command_line"
} >"$stage/corio/run"
chmod +x "$stage/corio/run"

marker="corio-vm-exit-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
cat >"$stage/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s
# TERM=dumb: the console is a tty, but its output goes to a log (no colour escapes from GoogleTest).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
ip link set lo up
# As on a CI host (20,000 here): the integration tests hold thousands of loopback connections.
ulimit -n 65536
cd /tmp
echo "corio-vm: \$(uname -sr) \$(uname -m), \$(nproc) CPUs, running $program"
/corio/run </dev/null
status=\$?
printf '\n$marker: %d\n' "\$status"
# Wait until the console has sent everything (stty sets its attributes with TCSADRAIN), then
# power off: -no-reboot makes QEMU exit.
stty onlcr
poweroff -f
EOF
chmod +x "$stage/init"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$work/program.cpio"
cat "$cache/base.cpio" "$work/program.cpio" >"$work/initrd.cpio"

set +e
timeout -k 5 "$timeout_s" qemu-system-aarch64 -machine virt -cpu "$cpu" -smp "$smp" -m "$memory" \
    -nographic -no-reboot -nic none -kernel "$cache/root/vmlinuz" -initrd "$work/initrd.cpio" \
    -append "console=ttyAMA0 panic=-1 quiet" </dev/null 2>&1 | tr -d '\r' | tee "$work/console"
qemu_status=${PIPESTATUS[0]}
set -e

if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
    die "the VM was still running after ${timeout_s}s and was killed: $program failed"
fi
status=$(sed -n "s/^$marker: \([0-9]*\)$/\1/p" "$work/console" | tail -n 1)
[ -n "$status" ] || die "the VM stopped (QEMU status $qemu_status) without reporting an exit status: $program failed"
if [ "$status" = 0 ] && grep -Eq '\[  SKIPPED \] [0-9]+ tests?, listed below' "$work/console"; then
    if grep -Eq '\[  PASSED  \] 0 tests' "$work/console"; then
        echo "run-test.sh: GoogleTest skipped every test in $program: reporting a skip (77)" >&2
        exit 77
    fi
    echo "run-test.sh: GoogleTest skipped some tests in $program (the rest passed):" >&2
    grep -E '^\[  SKIPPED \] [^0-9]' "$work/console" | sort -u >&2 || true
fi
exit "$status"
