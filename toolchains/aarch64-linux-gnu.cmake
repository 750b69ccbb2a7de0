# SPDX-License-Identifier: MIT
# Cross-compiles corio for 64-bit ARM Linux (AWS Graviton) on an x86-64 Debian 12 machine with
# the packages `toolchains/deps.sh --arm64` installs: GCC's aarch64-linux-gnu cross compilers and
# the arm64 builds of the libraries, co-installed under /usr/lib/aarch64-linux-gnu (multiarch, no
# sysroot). Tests run in an arm64 VM through CMAKE_CROSSCOMPILING_EMULATOR (toolchains/arm64-vm/).
# CPU tuning is not set here but by the presets (aarch64, graviton2, graviton3, graviton4).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# find_library/find_package search /usr/lib/aarch64-linux-gnu (and its cmake/ packages) and never
# the amd64 multiarch directory.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkgconf:arm64's wrapper searches the arm64 multiarch .pc directories.
set(PKG_CONFIG_EXECUTABLE aarch64-linux-gnu-pkg-config CACHE FILEPATH "pkg-config for aarch64-linux-gnu")
# simdjson's arm64 packages cannot be installed beside the amd64 ones: deps.sh --arm64 unpacks them
# into this prefix overlay, where find_package(simdjson) finds its arm64 CMake package.
if(DEFINED ENV{CORIO_ARM64_VM_CACHE})
    set(CORIO_ARM64_OVERLAY_DEFAULT $ENV{CORIO_ARM64_VM_CACHE}/sysroot)
else()
    set(CORIO_ARM64_OVERLAY_DEFAULT /var/cache/corio-arm64/sysroot)
endif()
set(CORIO_ARM64_OVERLAY ${CORIO_ARM64_OVERLAY_DEFAULT} CACHE PATH "arm64 packages unpacked by deps.sh --arm64")
list(APPEND CMAKE_PREFIX_PATH ${CORIO_ARM64_OVERLAY}/usr)

# The QEMU CPU model the test VM emulates: neoverse-n1 (Graviton2) runs generic armv8-a and
# -mcpu=neoverse-n1 code; QEMU 7.2 has no Neoverse V1/V2 model, so the graviton3/4 presets use max.
set(CORIO_ARM64_VM_CPU neoverse-n1 CACHE STRING "QEMU CPU model of the arm64 test VM")
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/arm64-vm/run-test.sh --cpu ${CORIO_ARM64_VM_CPU})
