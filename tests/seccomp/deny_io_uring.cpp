// SPDX-License-Identifier: MIT
// deny_io_uring [--only-buffer-rings] COMMAND [ARGS...]: runs COMMAND under a seccomp filter that
// makes io_uring_setup, io_uring_enter and io_uring_register fail with EPERM, as Docker's default
// profile (Engine 25+) and containerd's (2.0+) do, so tests can see what a service does in such a
// container. --only-buffer-rings denies only io_uring_register(IORING_REGISTER_PBUF_RING): a ring
// that sets up but cannot register provided buffers. Raw seccomp BPF through prctl: no library. The
// filter is inherited across exec and by every thread.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

#if defined(__x86_64__)
constexpr unsigned this_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned this_arch = AUDIT_ARCH_AARCH64;
#else
#error "deny_io_uring: unknown architecture"
#endif

constexpr sock_filter statement(unsigned short code, unsigned k) {
    return {code, 0, 0, k};
}
constexpr sock_filter jump_if(unsigned k, unsigned char if_true, unsigned char if_false) {
    return {BPF_JMP | BPF_JEQ | BPF_K, if_true, if_false, k};
}

} // namespace

int main(int argc, char** argv) {
    const bool only_buffer_rings = argc > 1 && std::strcmp(argv[1], "--only-buffer-rings") == 0;
    const int command = only_buffer_rings ? 2 : 1;
    if (argc <= command) {
        std::fputs("usage: deny_io_uring [--only-buffer-rings] COMMAND [ARGS...]\n", stderr);
        return 2;
    }
    std::vector<sock_filter> filter = {
        // Another architecture's system call numbers mean other calls: let them through.
        statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        jump_if(this_arch, 1, 0),
        statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    };
    if (only_buffer_rings) {
        filter.insert(filter.end(),
                      {
                          jump_if(__NR_io_uring_register, 0, 2),
                          // The opcode, io_uring_register's second argument: its low 32 bits (both architectures
                          // here are little-endian).
                          statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args) + sizeof(std::uint64_t)),
                          jump_if(IORING_REGISTER_PBUF_RING, 1, 0),
                      });
    } else {
        filter.insert(filter.end(), {
                                        jump_if(__NR_io_uring_setup, 3, 0),
                                        jump_if(__NR_io_uring_enter, 2, 0),
                                        jump_if(__NR_io_uring_register, 1, 0),
                                    });
    }
    filter.insert(filter.end(), {
                                    statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                                    statement(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
                                });
    const sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    // Without NO_NEW_PRIVS an unprivileged process may not install a filter.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        std::fprintf(stderr, "deny_io_uring: prctl(PR_SET_NO_NEW_PRIVS) failed: %s\n", std::strerror(errno));
        return 77;
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        std::fprintf(stderr, "deny_io_uring: installing the seccomp filter failed: %s\n", std::strerror(errno));
        return 77; // a kernel without seccomp filters: nothing to test
    }
    execvp(argv[command], argv + command);
    std::fprintf(stderr, "deny_io_uring: cannot run %s: %s\n", argv[command], std::strerror(errno));
    return 127;
}
