// SPDX-License-Identifier: MIT
// reactor: one io_uring per shard and the loop that drives it. Callers queue operations (the
// handful corio uses: multishot accept and recv, send, read, poll, cancel, close) tagged with a
// user_data that packs the completion_target that wants the result and a tag of its own; each loop
// turn runs the turn hooks (which queue batched sends), submits everything and waits in one
// io_uring_submit_and_wait call, then hands every completion to its target and advances the timer wheel.
// A reactor belongs to the thread that created it; only notify() may be called from elsewhere.
// Clients (the load generator) also connect sockets, keep them in the ring's table of registered
// ("direct") descriptors and wake at exact instants with timeouts.
// Where io_uring is denied (container seccomp profiles, kernel.io_uring_disabled, gVisor) the same
// reactor runs on epoll (backend_kind): readiness plus the non-blocking system call, delivering
// the completions io_uring would have posted, so no caller knows which backend runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sys/socket.h>

#include <corio/core/result.hpp>
#include <corio/core/timer_wheel.hpp>

namespace corio {

/// An object that receives the completions of the operations it queues. An operation's user_data
/// packs a pointer to its target with a small tag (0..7) the target chooses to tell its own
/// operations apart (make_user_data); the reactor calls the target's on_completion(), so dispatch
/// lives with the object that owns the events: no table of kinds, no limit on how many kinds exist.
class completion_target {
public:
    /// One completion of the operation tagged `op`: its result (-errno on failure) and CQE flags.
    virtual void on_completion(unsigned op, int result, std::uint32_t flags) = 0;

protected:
    completion_target() = default;
    ~completion_target() = default;
    completion_target(const completion_target&) = default;
    completion_target& operator=(const completion_target&) = default;
};

/// Highest operation tag a completion_target may use.
inline constexpr unsigned max_completion_op = 7;

/// The io_uring user_data of operation `op` (0..max_completion_op) of `target`; 0 (no target)
/// means "no completion wanted".
inline std::uint64_t make_user_data(completion_target* target, unsigned op = 0) noexcept {
    static_assert(alignof(completion_target) > max_completion_op, "the tag lives in the pointer's low bits");
    return reinterpret_cast<std::uintptr_t>(target) | op;
}

/// Hands a completion to the target packed in `user_data` (none when 0), as the reactor does with
/// every completion; transports that complete operations themselves (net::loopback) call it too.
inline void deliver_completion(std::uint64_t user_data, int result, std::uint32_t flags) {
    constexpr std::uint64_t op_mask = max_completion_op;
    if (auto* target = reinterpret_cast<completion_target*>(user_data & ~op_mask); target != nullptr) {
        target->on_completion(static_cast<unsigned>(user_data & op_mask), result, flags);
    }
}

/// CQE flag helpers (the values are io_uring's ABI, checked against liburing in reactor.cpp).
namespace cqe_flags {
inline constexpr std::uint32_t buffer = 1U << 0; ///< a provided buffer was consumed
inline constexpr std::uint32_t more = 1U << 1;   ///< a multishot request stays armed
inline constexpr unsigned buffer_shift = 16;
/// The provided-buffer id carried by a completion's flags.
inline std::uint16_t buffer_id(std::uint32_t flags) noexcept {
    return static_cast<std::uint16_t>(flags >> buffer_shift);
}
} // namespace cqe_flags

/// The kernel interface a reactor drives.
enum class backend_kind : std::uint8_t {
    automatic, ///< io_uring when a ring can be set up with what corio needs, else epoll (saying why)
    io_uring,  ///< io_uring or fail with the reason
    epoll,     ///< epoll readiness and non-blocking system calls
};
/// "automatic", "io_uring" or "epoll".
const char* to_string(backend_kind kind) noexcept;
/// Parses one of the names to_string() gives; false (and `out` untouched) for anything else.
bool parse_backend(std::string_view name, backend_kind& out) noexcept;

/// Sizes of the ring; the completion queue is explicitly larger than the submission queue.
struct reactor_config {
    /// Which backend to run. `automatic` is overridden by the CORIO_BACKEND environment variable
    /// (automatic, io_uring or epoll), read by reactor::create: one switch for every reactor of a
    /// process (the runtime's shards, corio-load's threads, tests).
    backend_kind backend = backend_kind::automatic;
    unsigned sq_entries = 2048;
    unsigned cq_entries = 16384;
    /// Width of a timer-wheel tick: timers (sleeps, deadlines, connection timeouts) fire up to one
    /// tick late, and a shard with armed timers wakes once per tick. 1 suits services that sleep for
    /// a few milliseconds; the default 10 keeps an idle shard's wake-ups at 100 per second.
    std::uint32_t timer_tick_ms = 10;
};

/// A slot in a reactor's table of registered (direct) descriptors (see reactor::register_files): an
/// operation on it skips the per-operation descriptor lookup, and the socket in it needs no entry in
/// the process's descriptor table, so a ring holds up to RLIMIT_NOFILE sockets of its own.
struct fixed_file {
    unsigned index;
};

/// A CLOCK_MONOTONIC instant in the layout io_uring reads (struct __kernel_timespec).
struct uring_timespec {
    std::int64_t tv_sec;
    long long tv_nsec;
};

/// io_uring features found on this kernel and whether corio uses them.
struct uring_features {
    bool single_issuer = false; ///< IORING_SETUP_SINGLE_ISSUER accepted (6.0)
    bool defer_taskrun = false; ///< IORING_SETUP_DEFER_TASKRUN accepted (6.1)
    bool coop_taskrun = false;  ///< IORING_SETUP_COOP_TASKRUN accepted (5.19), used without DEFER
    bool send_zc = false;       ///< IORING_OP_SEND_ZC present (6.0); not used yet
    bool recv_bundle = false;   ///< IORING_FEAT_RECVSEND_BUNDLE (6.10); not used yet
    bool msg_ring = false;      ///< IORING_OP_MSG_RING present (5.18): cross-shard wake-ups
    /// One line naming the features in use, for start-up banners.
    std::string describe() const;
};

/// One io_uring (or epoll instance) and its event loop, owned by one thread.
class reactor final : private completion_target {
public:
    /// Sets up the backend config.backend names. io_uring: the ring (SINGLE_ISSUER|DEFER_TASKRUN,
    /// falling back to COOP_TASKRUN, then to none), checking that the kernel has what corio needs;
    /// the error message names what is missing. automatic: epoll when that fails (fallback_reason()
    /// says why). The error message names what failed.
    static result<std::unique_ptr<reactor>> create(const reactor_config& config, std::string& error_message);
    /// An epoll reactor for a shard whose automatic io_uring failed after create() (the
    /// provided-buffer ring could not be registered); `why` becomes its fallback_reason().
    static result<std::unique_ptr<reactor>> create_fallback(const reactor_config& config, std::string why,
                                                            std::string& error_message);
    ~reactor();
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    /// Queues a multishot accept on listening socket `fd`.
    void accept_multishot(int fd, std::uint64_t user_data);
    /// Queues a multishot receive on `fd` taking buffers from provided-buffer group `group`.
    void recv_multishot(int fd, std::uint16_t group, std::uint64_t user_data);
    /// Queues one receive on `fd` into a buffer of `group`: it completes once (never with
    /// cqe_flags::more), so at most one buffer of data is on its way when the caller stops reading.
    void recv_once(int fd, std::uint16_t group, std::uint64_t user_data);
    /// Queues a send of `size` bytes at `data` (the memory must stay valid until it completes).
    void send(int fd, const void* data, std::size_t size, std::uint64_t user_data);
    /// Queues a read of up to `size` bytes into `data` (eventfd, signalfd, files).
    void read(int fd, void* data, std::size_t size, std::uint64_t user_data);
    /// Queues a one-shot poll of `fd` for `events` (POLLIN, POLLOUT...; <poll.h>): completes with the
    /// events that are ready (POLLERR/POLLHUP included) or -errno. Re-queue it to keep watching.
    void poll(int fd, unsigned events, std::uint64_t user_data);
    /// Queues a connect of socket `fd` to `address`, which must stay valid until the connect completes.
    void connect(int fd, const sockaddr* address, socklen_t length, std::uint64_t user_data);
    /// Queues a connect of the socket in slot `file`; `address` must stay valid until it completes.
    void connect(fixed_file file, const sockaddr* address, socklen_t length, std::uint64_t user_data);
    /// Queues a multishot receive on the socket in slot `file` (as recv_multishot above).
    void recv_multishot(fixed_file file, std::uint16_t group, std::uint64_t user_data);
    /// Queues a send of all `size` bytes at `data` on the socket in slot `file` (MSG_WAITALL: the
    /// kernel carries on after a short send; the result is short only on an error). The memory must
    /// stay valid until it completes.
    void send_all(fixed_file file, const void* data, std::size_t size, std::uint64_t user_data);
    /// Queues a timeout completing with -ETIME at CLOCK_MONOTONIC instant `when` (or earlier with
    /// -ECANCELED); `when` is read at submission, so it must stay valid until the next loop turn.
    void timeout_at(const uring_timespec& when, std::uint64_t user_data);
    /// Queues cancellation of every request carrying `target` as its user_data; no completion of its own.
    /// On epoll a socket's armed receive, accept or poll must be cancelled before the socket is
    /// closed (the layers above do): epoll forgets a closed descriptor without telling anyone.
    void cancel(std::uint64_t target);
    /// As cancel(target), for requests on socket `fd` (and its sends): the epoll backend finds them
    /// through the descriptor rather than by looking at every one. The layers above use this form.
    void cancel(int fd, std::uint64_t target);
    /// As cancel(fd, target) for the socket in slot `file`.
    void cancel(fixed_file file, std::uint64_t target);
    /// Queues close(fd); no completion of its own.
    void close(int fd);
    /// Queues an IORING_OP_MSG_RING posting a completion (user_data `data`, result `value`) to the
    /// ring behind `ring_fd`; only a failure completes here, with `user_data` (needs features().msg_ring).
    void msg_ring(int ring_fd, std::uint32_t value, std::uint64_t data, std::uint64_t user_data);
    /// Makes the next turn poll for completions instead of waiting (work is known to be pending).
    void poll_next_turn() noexcept { _poll_next_turn = true; }
    /// The ring's descriptor (the target of another ring's msg_ring); owned by the reactor.
    int ring_fd() const noexcept;
    /// The eventfd behind notify(); writing 1 to it wakes the loop. Owned by the reactor.
    int notify_fd() const noexcept { return _notify_fd; }

    /// Runs the loop until stop() is called from a handler or hook on this thread (at once if it was).
    void run();
    /// Makes run() return at once: completions not yet dispatched are dropped, so whoever stops the
    /// loop must already have released what those completions refer to.
    void stop() noexcept { _stopping = true; }
    /// True once stop() has been called.
    bool stopping() const noexcept { return _stopping; }

    /// The loop clock (CLOCK_MONOTONIC milliseconds), read once per turn.
    std::uint64_t now_ms() const noexcept { return _now_ms; }
    /// The same reading in microseconds (when this turn began: what a request's latency counts from).
    std::uint64_t now_us() const noexcept { return _now_us; }
    /// Wall-clock seconds (CLOCK_REALTIME) read once per turn, for Date headers.
    std::int64_t wall_seconds() const noexcept { return _wall_seconds; }
    /// The shard's timer wheel, advanced once per turn.
    timer_wheel& timers() noexcept { return _timers; }

    /// Runs the turn hooks now, as the loop does at the start of every turn: for drivers that run
    /// no loop (net::loopback).
    void run_turn_hooks();
    /// Adds a hook run at the start of every turn, before submission (batched sends, re-arms).
    void add_turn_hook(void (*hook)(void* context), void* context);
    /// Removes a hook added with the same arguments.
    void remove_turn_hook(void (*hook)(void* context), void* context) noexcept;
    /// Sets the handler run on this thread after notify() was called (from any thread).
    void set_notify_handler(void (*handler)(void* context), void* context);
    /// Wakes the loop from any thread; the notify handler runs on the reactor's thread.
    void notify() noexcept;

    /// Registers a provided-buffer ring (kernel ABI IORING_REGISTER_PBUF_RING) of `entries` slots at `ring`.
    result<void> register_buffer_ring(void* ring, unsigned entries, std::uint16_t group);
    /// Unregisters a provided-buffer ring.
    void unregister_buffer_ring(std::uint16_t group) noexcept;
    /// The head of provided-buffer ring `group`: the count (modulo 2^16) of buffers taken from it.
    /// io_uring asks the kernel (IORING_REGISTER_PBUF_STATUS, Linux 6.8; EINVAL before), a system
    /// call: for occasional checks, never per request. epoll gives its own count.
    result<std::uint16_t> buffer_ring_head(std::uint16_t group) noexcept;

    /// Creates an empty table of `count` registered-descriptor slots (at most RLIMIT_NOFILE; once).
    result<void> register_files(unsigned count);
    /// Puts descriptors `fds` into slots `first`.. at once (synchronously); a slot's previous socket
    /// is released when the operations still using it end, and -1 empties a slot. The caller may
    /// close its own descriptors afterwards: the table holds references of its own.
    result<void> update_files(unsigned first, const int* fds, unsigned count);

    /// The features found at start-up (all false on epoll).
    const uring_features& features() const noexcept { return _features; }
    /// The backend running (io_uring or epoll, never automatic).
    backend_kind backend() const noexcept { return _epoll ? backend_kind::epoll : backend_kind::io_uring; }
    /// Why `automatic` chose epoll, in one line (empty when io_uring runs or epoll was asked for).
    const std::string& fallback_reason() const noexcept { return _fallback_reason; }
    /// True for an io_uring reactor that `automatic` chose: one that may still give way to epoll.
    bool may_fall_back() const noexcept { return _may_fall_back; }
    /// One line for start-up banners: the backend and its features, or why it is epoll.
    std::string describe() const;

    struct ring_state;
    struct epoll_state;

private:
    reactor(std::unique_ptr<ring_state> ring, std::uint32_t timer_tick_ms);
    reactor(std::unique_ptr<epoll_state> poller, std::uint32_t timer_tick_ms);
    static result<std::unique_ptr<reactor>> create_uring(const reactor_config& config, std::string& error_message);
    static result<std::unique_ptr<reactor>> create_epoll(const reactor_config& config, std::string& error_message);
    void run_epoll();
    void update_clock() noexcept;
    void arm_notify();
    // The eventfd read behind notify() completed.
    void on_completion(unsigned op, int result, std::uint32_t flags) override;

    std::unique_ptr<ring_state> _ring;
    // Set instead of _ring on the epoll backend: every operation tests it once (a branch the
    // io_uring path always predicts), so neither backend pays a virtual call per operation.
    std::unique_ptr<epoll_state> _epoll;
    std::string _fallback_reason;
    bool _may_fall_back = false;
    timer_wheel _timers;
    std::uint64_t _now_ms = 0;
    std::uint64_t _now_us = 0;
    std::int64_t _wall_seconds = 0;
    bool _stopping = false;
    bool _poll_next_turn = false;
    int _notify_fd = -1;
    std::uint64_t _notify_value = 0;
    void (*_notify_handler)(void*) = nullptr;
    void* _notify_context = nullptr;
    uring_features _features;
    std::vector<std::pair<void (*)(void*), void*>> _turn_hooks;
};

} // namespace corio
