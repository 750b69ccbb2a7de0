// SPDX-License-Identifier: MIT
// The epoll backend behind corio::reactor, for where io_uring is denied. Each operation waits for
// readiness (level-triggered, so a wake-up nobody used is simply reported again) and then makes
// the non-blocking system call io_uring would have made, delivering the completion io_uring would
// have posted: multishot accept and receive (one completion per descriptor or buffer, with
// cqe_flags::more while armed), receives into the same provided-buffer rings (read here as plain
// memory: this backend plays the kernel's part, taking buffers at the ring's head), -ENOBUFS when
// none is free, partial sends, -ECANCELED for cancelled requests. Sends are tried at once; only a
// send that would block waits, on a duplicate descriptor of its own (io_uring's request likewise
// holds a file reference), so that closing the socket never strands it. epoll keeps a registration
// until the socket itself is released, whatever descriptor was closed: every registration is
// removed by hand before its descriptor is closed. Owned by one reactor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <corio/core/reactor.hpp>

namespace corio {

namespace detail {

/// user_data → the slot of a send waiting for room, for cancel(): an open-addressing table (linear
/// probing, deletion by backward shift) that allocates only when it doubles, never per request. One
/// user_data may name several sends, as with io_uring. Requests armed on a descriptor are found
/// through its fd_state instead.
class request_index {
public:
    request_index();
    void insert(std::uint64_t user_data, std::uint32_t where);
    void erase(std::uint64_t user_data, std::uint32_t where) noexcept;
    /// Copies up to `max` locations of `user_data` into `out`; returns how many.
    unsigned find(std::uint64_t user_data, std::uint32_t* out, unsigned max) const noexcept;

private:
    struct entry {
        std::uint64_t user_data; // 0: empty
        std::uint32_t where;
    };
    std::size_t home(std::uint64_t user_data) const noexcept;
    void grow();

    std::vector<entry> _slots;
    std::size_t _count = 0;
};

} // namespace detail

struct reactor::epoll_state {
    static result<std::unique_ptr<epoll_state>> create(std::string& error_message);
    epoll_state() = default;
    ~epoll_state();
    epoll_state(const epoll_state&) = delete;
    epoll_state& operator=(const epoll_state&) = delete;

    void accept_multishot(int fd, std::uint64_t user_data);
    void recv_multishot(int fd, std::uint16_t group, std::uint64_t user_data);
    void recv_once(int fd, std::uint16_t group, std::uint64_t user_data);
    /// `all`: keep sending after a short send (MSG_WAITALL) until everything went or an error.
    void send(int fd, const void* data, std::size_t size, std::uint64_t user_data, bool all);
    void read(int fd, void* data, std::size_t size, std::uint64_t user_data);
    void poll(int fd, unsigned events, std::uint64_t user_data);
    void connect(int fd, const sockaddr* address, socklen_t length, std::uint64_t user_data);
    void timeout_at(const uring_timespec& when, std::uint64_t user_data);
    /// Cancels the requests of `user_data`: those armed on `fd`, its waiting sends and timeouts.
    void cancel(int fd, std::uint64_t user_data);
    /// The same without the descriptor: every descriptor in use is looked at.
    void cancel(std::uint64_t user_data);
    void close(int fd);
    /// A completion of `user_data` posted now, delivered next turn (errors found at queue time).
    void post(std::uint64_t user_data, int result, std::uint32_t flags = 0);

    result<void> register_buffer_ring(void* ring, unsigned entries, std::uint16_t group);
    void unregister_buffer_ring(std::uint16_t group) noexcept;
    result<std::uint16_t> buffer_ring_head(std::uint16_t group) noexcept;
    /// The fixed-file table is emulated: each slot holds a duplicate descriptor of its own.
    result<void> register_files(unsigned count);
    result<void> update_files(unsigned first, const int* fds, unsigned count);
    /// The descriptor in `slot`, or -1.
    int slot_fd(fixed_file slot) const noexcept;

    /// Waits for readiness for at most `timeout_ns` (< 0: no limit; also bounded by the earliest
    /// timeout_at), or not at all when completions are already posted.
    void wait(std::int64_t timeout_ns);
    /// Delivers what wait() found: posted completions, then readiness, then expired timeouts.
    /// Stops as soon as `stopping` becomes true.
    void dispatch(const bool& stopping);

    int epoll_fd = -1;

private:
    enum class input : std::uint8_t { none, recv, recv_once, accept, read };
    // Per descriptor number; 32 bytes, the user memory an idle connection costs here beyond its
    // own object (a receive buffer is held only while its completion is
    // being handled). Every epoll event bit corio asks for is below 1 << 16.
    struct fd_state {
        std::uint64_t in_data = 0;   // user_data of the armed recv/accept/read (0: none)
        std::uint64_t out_data = 0;  // user_data of the armed connect
        std::uint64_t poll_data = 0; // user_data of the armed poll
        std::uint16_t poll_events = 0;
        std::uint16_t registered = 0; // events registered with epoll (0: not in the set)
        std::uint16_t group = 0;
        input in = input::none;
        bool unsure = false; // what epoll holds for this number is unknown (a stale request was replaced)
    };
    static_assert(sizeof(fd_state) == 32);
    // A read's destination (reads are rare: the reactor's own eventfd), by descriptor.
    struct read_target {
        int fd;
        std::uint32_t size;
        void* into;
    };
    struct pending_send {
        int fd = -1; // our duplicate, closed when the send ends
        const char* data = nullptr;
        std::size_t size = 0;
        std::size_t done = 0;
        std::uint64_t user_data = 0;
        bool all = false;
    };
    struct completion {
        std::uint64_t user_data;
        int result;
        std::uint32_t flags;
    };
    struct timeout {
        std::int64_t at_ns;
        std::uint64_t user_data;
    };
    struct group_ring {
        void* ring; // io_uring_buf_ring, filled by buffer_ring
        std::uint32_t mask;
        std::uint16_t head;
        std::uint16_t group;
    };

    fd_state& state(int fd);
    // The state of `fd` with `user_data` recorded as its request of `kind` (replacing a stale one).
    fd_state& claim(int fd, std::uint32_t kind, std::uint64_t user_data);
    void arm_recv(int fd, std::uint16_t group, std::uint64_t user_data, input kind);
    bool valid_fd(int fd, std::uint64_t user_data);
    // Brings epoll's registration of `fd` in line with its armed requests; -errno on failure.
    int update_interest(int fd) noexcept;
    // Arms a request on `fd` (already recorded in its state): registers, indexes, or fails it.
    void armed(int fd, std::uint32_t where, std::uint64_t user_data);
    void disarm(int fd, std::uint32_t where) noexcept;
    std::uint64_t& data_of(int fd, std::uint32_t where) noexcept;
    void cancel_sends_and_timeouts(std::uint64_t user_data);
    // Disarms every request on `fd`, posting -ECANCELED for each when `complete`.
    void end_requests(int fd, bool complete);
    void on_ready(int fd, std::uint32_t events);
    void on_input(int fd, std::uint32_t events);
    void on_send_ready(std::uint32_t slot);
    // Ends a waiting send (closing its duplicate); returns its user_data.
    std::uint64_t release_send(std::uint32_t slot) noexcept;
    group_ring* find_group(std::uint16_t group) noexcept;
    std::int64_t earliest_timeout_ns() const noexcept;
    void expire_timeouts(const bool& stopping);

    // Indexed by descriptor number, in anonymous memory reserved for RLIMIT_NOFILE descriptors
    // (at most 2^20 at first): a page becomes resident only once a descriptor in it is used, and
    // growing (mremap) copies nothing, so the table costs 32 bytes per descriptor in use, never a
    // doubled vector's spare half. Zeroed pages are idle states.
    fd_state* _fds = nullptr;
    std::size_t _fd_count = 0; // reserved
    std::size_t _fd_end = 0;   // past the highest descriptor that has had a request
    bool reserve_fds(std::size_t count) noexcept;
    std::vector<pending_send> _sends;
    std::vector<std::uint32_t> _free_sends;
    std::vector<completion> _posted;
    std::vector<completion> _delivering;
    std::vector<timeout> _timeouts; // a min-heap on at_ns
    std::vector<group_ring> _groups;
    std::vector<read_target> _reads;
    std::vector<int> _slots; // the emulated fixed-file table
    bool _files_registered = false;
    detail::request_index _sending;
    std::vector<epoll_event> _events;
    int _ready = 0;
    bool _has_pwait2 = true;
};

} // namespace corio
