// SPDX-License-Identifier: MIT
#include <corio/core/reactor.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <corio/core/log.hpp>

#include "reactor_epoll.hpp"
#include "uring.hpp"

namespace corio {

static_assert(cqe_flags::buffer == IORING_CQE_F_BUFFER);
static_assert(cqe_flags::more == IORING_CQE_F_MORE);
static_assert(cqe_flags::buffer_shift == IORING_CQE_BUFFER_SHIFT);
static_assert(sizeof(uring_timespec) == sizeof(__kernel_timespec));
static_assert(offsetof(uring_timespec, tv_nsec) == offsetof(__kernel_timespec, tv_nsec));

namespace {

std::uint64_t monotonic_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

[[noreturn]] void fatal(const char* what, int err) {
    corio::fatal(std::string(what) + " failed: " + std::strerror(err));
}

struct kernel_version {
    int major = 0;
    int minor = 0;
};

kernel_version running_kernel() {
    utsname name{};
    kernel_version v;
    if (uname(&name) == 0) std::sscanf(name.release, "%d.%d", &v.major, &v.minor);
    return v;
}

bool at_least(kernel_version v, int major, int minor) {
    return v.major > major || (v.major == major && v.minor >= minor);
}

// Why io_uring_setup refused, with the likely cause: the line an operator reads before "using epoll".
std::string setup_refused(int err) {
    std::string why = std::string("io_uring_setup: ") + std::strerror(err);
    if (err == EPERM) {
        int disabled = 0;
        if (std::ifstream sysctl("/proc/sys/kernel/io_uring_disabled"); sysctl >> disabled && disabled != 0) {
            return why + " (sysctl kernel.io_uring_disabled=" + std::to_string(disabled) + ")";
        }
        return why + " (seccomp? Docker blocks io_uring by default; see README 'Containers')";
    }
    if (err == ENOSYS) return why + " (the kernel lacks io_uring, or a sandbox such as gVisor hides it)";
    if (err == ENOMEM) return why + " (raise RLIMIT_MEMLOCK or lower the ring sizes)";
    return why;
}

} // namespace

const char* to_string(backend_kind kind) noexcept {
    switch (kind) {
    case backend_kind::io_uring:
        return "io_uring";
    case backend_kind::epoll:
        return "epoll";
    case backend_kind::automatic:
        break;
    }
    return "automatic";
}

bool parse_backend(std::string_view name, backend_kind& out) noexcept {
    for (const backend_kind kind : {backend_kind::automatic, backend_kind::io_uring, backend_kind::epoll}) {
        if (name == to_string(kind)) {
            out = kind;
            return true;
        }
    }
    return false;
}

std::string uring_features::describe() const {
    std::string s = defer_taskrun ? "single_issuer+defer_taskrun" : coop_taskrun ? "coop_taskrun" : "plain";
    s += " multishot_accept multishot_recv buf_ring";
    if (send_zc) s += " (send_zc available)";
    if (recv_bundle) s += " (recv_bundle available)";
    if (!msg_ring) s += " (no msg_ring: eventfd wake-ups)";
    return s;
}

io_uring_sqe* reactor::ring_state::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (s != nullptr) return s;
    const int ret = io_uring_submit(&ring);
    if (ret < 0 && ret != -EBUSY && ret != -EAGAIN) fatal("io_uring_submit (submission queue full)", -ret);
    s = io_uring_get_sqe(&ring);
    if (s == nullptr) {
        corio::fatal("io_uring submission queue stays full; raise reactor_config::sq_entries");
    }
    return s;
}

result<std::unique_ptr<reactor>> reactor::create(const reactor_config& config, std::string& error_message) {
    backend_kind wanted = config.backend;
    if (const char* env = std::getenv("CORIO_BACKEND"); wanted == backend_kind::automatic && env != nullptr && *env) {
        if (!parse_backend(env, wanted)) {
            error_message = std::string("CORIO_BACKEND=") + env + " is not a backend: use automatic, io_uring or epoll";
            return system_error(EINVAL);
        }
    }
    if (wanted == backend_kind::epoll) return create_epoll(config, error_message);
    auto uring = create_uring(config, error_message);
    if (uring) (*uring)->_may_fall_back = wanted == backend_kind::automatic;
    if (uring || wanted == backend_kind::io_uring) return uring;
    std::string why = std::move(error_message);
    error_message.clear();
    return create_fallback(config, std::move(why), error_message);
}

result<std::unique_ptr<reactor>> reactor::create_fallback(const reactor_config& config, std::string why,
                                                          std::string& error_message) {
    auto fallback = create_epoll(config, error_message);
    if (fallback) (*fallback)->_fallback_reason = std::move(why);
    return fallback;
}

result<std::unique_ptr<reactor>> reactor::create_epoll(const reactor_config& config, std::string& error_message) {
    auto poller = epoll_state::create(error_message);
    if (!poller) return tl::unexpected(poller.error());
    std::unique_ptr<reactor> r(new reactor(std::move(*poller), config.timer_tick_ms));
    // Non-blocking, unlike the io_uring one: the loop reads it itself once epoll reports it, and
    // must never block on a descriptor whatever epoll reported.
    r->_notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r->_notify_fd < 0) {
        error_message = std::string("eventfd failed: ") + std::strerror(errno);
        return last_system_error();
    }
    r->arm_notify();
    return r;
}

result<std::unique_ptr<reactor>> reactor::create_uring(const reactor_config& config, std::string& error_message) {
    const kernel_version kernel = running_kernel();
    // Multishot recv (6.0) is the newest feature corio cannot run without; 6.1 is the baseline.
    if (kernel.major != 0 && !at_least(kernel, 6, 0)) {
        char msg[200];
        std::snprintf(msg, sizeof msg,
                      "kernel %d.%d lacks io_uring multishot recv and provided-buffer rings; corio needs Linux 6.1 "
                      "or newer",
                      kernel.major, kernel.minor);
        error_message = msg;
        return system_error(ENOSYS);
    }

    auto state = std::make_unique<ring_state>();
    const unsigned base = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
    const unsigned attempts[] = {base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                                 base | IORING_SETUP_COOP_TASKRUN, base};
    int ret = -EINVAL;
    for (unsigned flags : attempts) {
        io_uring_params params{};
        params.flags = flags;
        params.cq_entries = config.cq_entries;
        ret = io_uring_queue_init_params(config.sq_entries, &state->ring, &params);
        if (ret == 0) {
            state->setup_flags = flags;
            if ((params.features & IORING_FEAT_NODROP) == 0 || (params.features & IORING_FEAT_EXT_ARG) == 0) {
                io_uring_queue_exit(&state->ring);
                error_message =
                    "io_uring lacks IORING_FEAT_NODROP or IORING_FEAT_EXT_ARG; corio needs Linux 6.1 or newer";
                return system_error(ENOSYS);
            }
            break;
        }
        if (ret != -EINVAL) break;
    }
    if (ret != 0) {
        error_message = setup_refused(-ret);
        return system_error(-ret);
    }

    uring_features features;
    features.single_issuer = (state->setup_flags & IORING_SETUP_SINGLE_ISSUER) != 0;
    features.defer_taskrun = (state->setup_flags & IORING_SETUP_DEFER_TASKRUN) != 0;
    features.coop_taskrun = (state->setup_flags & IORING_SETUP_COOP_TASKRUN) != 0;
    if (io_uring_probe* probe = io_uring_get_probe_ring(&state->ring)) {
        const int needed[] = {IORING_OP_ACCEPT,       IORING_OP_RECV,  IORING_OP_SEND,           IORING_OP_READ,
                              IORING_OP_ASYNC_CANCEL, IORING_OP_CLOSE, IORING_OP_PROVIDE_BUFFERS};
        for (int op : needed) {
            if (!io_uring_opcode_supported(probe, op)) {
                error_message = "io_uring lacks opcode " + std::to_string(op) + "; corio needs Linux 6.1 or newer";
                io_uring_free_probe(probe);
                io_uring_queue_exit(&state->ring);
                return system_error(ENOSYS);
            }
        }
        features.send_zc = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
        features.msg_ring = io_uring_opcode_supported(probe, IORING_OP_MSG_RING);
        io_uring_free_probe(probe);
    }
    features.recv_bundle = at_least(kernel, 6, 10);

    std::unique_ptr<reactor> r(new reactor(std::move(state), config.timer_tick_ms));
    r->_features = features;
    r->_notify_fd = eventfd(0, EFD_CLOEXEC);
    if (r->_notify_fd < 0) {
        error_message = std::string("eventfd failed: ") + std::strerror(errno);
        return last_system_error();
    }
    r->arm_notify();
    return r;
}

reactor::reactor(std::unique_ptr<ring_state> ring, std::uint32_t timer_tick_ms)
    : _ring(std::move(ring)), _timers(monotonic_ms(), timer_tick_ms) {
    update_clock();
}

reactor::reactor(std::unique_ptr<epoll_state> poller, std::uint32_t timer_tick_ms)
    : _epoll(std::move(poller)), _timers(monotonic_ms(), timer_tick_ms) {
    update_clock();
}

reactor::~reactor() {
    if (_ring) io_uring_queue_exit(&_ring->ring);
    if (_notify_fd >= 0) ::close(_notify_fd);
}

std::string reactor::describe() const {
    if (!_epoll) return "io_uring (" + _features.describe() + ")";
    return _fallback_reason.empty() ? std::string("epoll") : "epoll (" + _fallback_reason + ")";
}

void reactor::update_clock() noexcept {
    timespec mono{};
    clock_gettime(CLOCK_MONOTONIC, &mono);
    _now_us = static_cast<std::uint64_t>(mono.tv_sec) * 1000000 + static_cast<std::uint64_t>(mono.tv_nsec) / 1000;
    _now_ms = _now_us / 1000;
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    _wall_seconds = ts.tv_sec;
}

void reactor::accept_multishot(int fd, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->accept_multishot(fd, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_multishot_accept(s, fd, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::recv_multishot(int fd, std::uint16_t group, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->recv_multishot(fd, group, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_recv_multishot(s, fd, nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = group;
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::recv_once(int fd, std::uint16_t group, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->recv_once(fd, group, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_recv(s, fd, nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = group;
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::send(int fd, const void* data, std::size_t size, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->send(fd, data, size, user_data, false);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_send(s, fd, data, size, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::read(int fd, void* data, std::size_t size, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->read(fd, data, size, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_read(s, fd, data, static_cast<unsigned>(size), 0);
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::poll(int fd, unsigned events, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->poll(fd, events, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_poll_add(s, fd, events);
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::connect(int fd, const sockaddr* address, socklen_t length, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->connect(fd, address, length, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_connect(s, fd, address, length);
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::connect(fixed_file file, const sockaddr* address, socklen_t length, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->connect(_epoll->slot_fd(file), address, length, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_connect(s, static_cast<int>(file.index), address, length);
    s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::recv_multishot(fixed_file file, std::uint16_t group, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->recv_multishot(_epoll->slot_fd(file), group, user_data);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_recv_multishot(s, static_cast<int>(file.index), nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT | IOSQE_FIXED_FILE;
    s->buf_group = group;
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::send_all(fixed_file file, const void* data, std::size_t size, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->send(_epoll->slot_fd(file), data, size, user_data, true);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_send(s, static_cast<int>(file.index), data, size, MSG_NOSIGNAL | MSG_WAITALL);
    s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::timeout_at(const uring_timespec& when, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->timeout_at(when, user_data);
    io_uring_sqe* s = _ring->sqe();
    // The cast is layout-checked above; the kernel copies the timespec when it takes the SQE.
    io_uring_prep_timeout(s, reinterpret_cast<__kernel_timespec*>(const_cast<uring_timespec*>(&when)), 0,
                          IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(s, user_data);
}

void reactor::cancel(std::uint64_t target) {
    if (_epoll) [[unlikely]]
        return _epoll->cancel(target);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_cancel64(s, target, 0);
    io_uring_sqe_set_data64(s, 0);
    s->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

void reactor::cancel(int fd, std::uint64_t target) {
    if (_epoll) [[unlikely]]
        return _epoll->cancel(fd, target);
    cancel(target); // io_uring finds requests by user_data alone
}

void reactor::cancel(fixed_file file, std::uint64_t target) {
    if (_epoll) [[unlikely]]
        return _epoll->cancel(_epoll->slot_fd(file), target);
    cancel(target);
}

void reactor::close(int fd) {
    if (_epoll) [[unlikely]]
        return _epoll->close(fd);
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_close(s, fd);
    io_uring_sqe_set_data64(s, 0);
    s->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

void reactor::msg_ring(int ring_fd, std::uint32_t value, std::uint64_t data, std::uint64_t user_data) {
    if (_epoll) [[unlikely]]
        return _epoll->post(user_data, -EOPNOTSUPP); // features().msg_ring is false there
    io_uring_sqe* s = _ring->sqe();
    io_uring_prep_msg_ring(s, ring_fd, value, data, 0);
    io_uring_sqe_set_data64(s, user_data);
    // The target's completion is the message; ours matters only when posting failed.
    s->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

int reactor::ring_fd() const noexcept {
    return _epoll ? _epoll->epoll_fd : _ring->ring.ring_fd;
}

void reactor::run_turn_hooks() {
    // By index: a hook may remove itself (a removal during the pass only delays another hook).
    for (std::size_t i = 0; i < _turn_hooks.size(); ++i) {
        const auto [hook, context] = _turn_hooks[i];
        hook(context);
    }
}

void reactor::add_turn_hook(void (*hook)(void*), void* context) {
    _turn_hooks.emplace_back(hook, context);
}

void reactor::remove_turn_hook(void (*hook)(void*), void* context) noexcept {
    std::erase_if(_turn_hooks, [&](const auto& h) { return h.first == hook && h.second == context; });
}

void reactor::set_notify_handler(void (*handler)(void*), void* context) {
    _notify_handler = handler;
    _notify_context = context;
}

void reactor::notify() noexcept {
    const std::uint64_t one = 1;
    // eventfd writes only fail on counter overflow, which a pending wake-up makes harmless.
    [[maybe_unused]] const ssize_t n = ::write(_notify_fd, &one, sizeof one);
}

void reactor::arm_notify() {
    read(_notify_fd, &_notify_value, sizeof _notify_value, make_user_data(this));
}

void reactor::on_completion(unsigned, int result, std::uint32_t) {
    if (result < 0 && result != -EINTR && result != -ECANCELED) fatal("reading the reactor's eventfd", -result);
    if (!_stopping) arm_notify();
    if (_notify_handler != nullptr) _notify_handler(_notify_context);
}

result<void> reactor::register_buffer_ring(void* ring, unsigned entries, std::uint16_t group) {
    if (_epoll) [[unlikely]]
        return _epoll->register_buffer_ring(ring, entries, group);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(ring);
    reg.ring_entries = entries;
    reg.bgid = group;
    const int ret = io_uring_register_buf_ring(&_ring->ring, &reg, 0);
    if (ret < 0) return system_error(-ret);
    return {};
}

void reactor::unregister_buffer_ring(std::uint16_t group) noexcept {
    if (_epoll) [[unlikely]]
        return _epoll->unregister_buffer_ring(group);
    io_uring_unregister_buf_ring(&_ring->ring, group);
}

result<std::uint16_t> reactor::buffer_ring_head(std::uint16_t group) noexcept {
    if (_epoll) [[unlikely]]
        return _epoll->buffer_ring_head(group);
    // liburing 2.3 predates io_uring_buf_ring_head(): the register call by its ABI number and layout.
    struct {
        std::uint32_t buf_group;
        std::uint32_t head;
        std::uint32_t resv[8];
    } status{group, 0, {}};
    constexpr unsigned register_pbuf_status = 26; // IORING_REGISTER_PBUF_STATUS
    const long ret = syscall(__NR_io_uring_register, _ring->ring.ring_fd, register_pbuf_status, &status, 1);
    if (ret < 0) return system_error(errno);
    return static_cast<std::uint16_t>(status.head);
}

result<void> reactor::register_files(unsigned count) {
    if (_epoll) [[unlikely]]
        return _epoll->register_files(count);
    // Sparse tables need 5.19; the kernel caps the size at RLIMIT_NOFILE (EMFILE beyond it).
    const int ret = io_uring_register_files_sparse(&_ring->ring, count);
    if (ret < 0) return system_error(-ret);
    return {};
}

result<void> reactor::update_files(unsigned first, const int* fds, unsigned count) {
    if (_epoll) [[unlikely]]
        return _epoll->update_files(first, fds, count);
    const int ret = io_uring_register_files_update(&_ring->ring, first, const_cast<int*>(fds), count);
    if (ret < 0) return system_error(-ret);
    if (static_cast<unsigned>(ret) != count) return system_error(EIO);
    return {};
}

void reactor::run() {
    if (_epoll) {
        run_epoll();
        return;
    }
    io_uring* ring = &_ring->ring;
    while (!_stopping) {
        run_turn_hooks();
        // A hook may have stopped the loop (the runtime's drain check does): waiting now could
        // block for good, since nothing may be left to complete and no timer to wake us.
        if (_stopping) break;

        // One syscall per turn: submit what the last turn queued and wait for at least one
        // completion, or for the next timer tick (EXT_ARG timeout, no timeout SQE needed).
        const int timeout = _poll_next_turn ? 0 : _timers.next_timeout_ms(_now_ms);
        _poll_next_turn = false;
        __kernel_timespec ts{};
        ts.tv_sec = timeout / 1000;
        ts.tv_nsec = static_cast<long long>(timeout % 1000) * 1000000;
        io_uring_cqe* first = nullptr;
        const int ret = io_uring_submit_and_wait_timeout(ring, &first, 1, timeout >= 0 ? &ts : nullptr, nullptr);
        // -EBUSY/-EAGAIN: the kernel holds overflowed completions or lacks memory; reaping below
        // makes room and the unsubmitted SQEs go out next turn.
        if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY && ret != -EAGAIN) {
            fatal("io_uring_submit_and_wait", -ret);
        }
        update_clock();

        // Copy each CQE out and advance before dispatching, so handlers may queue (and, when the
        // submission queue fills, submit) without the completion queue stalling on us.
        while (!_stopping) {
            unsigned head = *ring->cq.khead;
            const unsigned tail = io_uring_smp_load_acquire(ring->cq.ktail);
            if (head == tail) break;
            for (; head != tail && !_stopping; ++head) {
                const io_uring_cqe& cqe = ring->cq.cqes[head & ring->cq.ring_mask];
                const std::uint64_t ud = cqe.user_data;
                const int res = cqe.res;
                const std::uint32_t flags = cqe.flags;
                io_uring_cq_advance(ring, 1);
                deliver_completion(ud, res, flags);
            }
        }
        _timers.advance(_now_ms);
    }
    // Closes and cancels queued by the last handlers still have to reach the kernel.
    io_uring_submit(ring);
}

} // namespace corio
