// SPDX-License-Identifier: MIT
// tcp_listener: one listening socket per shard (all bound to the same port with SO_REUSEPORT, so
// the kernel spreads connections across shards) and a multishot accept on that shard's ring. The
// first socket of a process claims the port (port_claim::exclusive) unless sharing it with other
// processes was asked for, so that a port already in use is refused rather than silently shared.
// Accepted descriptors go to a callback on the owning shard. When descriptors run out
// (EMFILE/ENFILE) the listener waits on the timer wheel before accepting again instead of spinning.
#pragma once

#include <cstdint>

#include <corio/core/counter.hpp>
#include <corio/core/reactor.hpp>
#include <corio/core/result.hpp>
#include <corio/core/timer_wheel.hpp>
#include <corio/net/socket_address.hpp>

namespace corio::net {

/// How a listening socket takes its port.
enum class port_claim : std::uint8_t {
    /// The port must be free: bound without SO_REUSEPORT (EADDRINUSE if any socket holds it, with
    /// SO_REUSEPORT or not), then SO_REUSEPORT is set before listen() so that the process's other
    /// shards can join it with port_claim::shared.
    exclusive,
    /// Bound with SO_REUSEPORT: joins the listening sockets already on the port (the process's own
    /// first shard, or, when sharing was asked for, another process of the same user).
    shared,
};

/// Creates a non-blocking listening TCP socket bound to `address` with SO_REUSEADDR and SO_REUSEPORT,
/// claiming its port as `claim` says.
result<int> open_listening_socket(const socket_address& address, int backlog = 4096,
                                  port_claim claim = port_claim::shared);

/// Accepts connections on one shard's listening socket and hands each new descriptor to `on_accept`.
class tcp_listener final : private timer, private completion_target {
public:
    /// Called on the owning shard with each accepted descriptor (the callee owns it).
    using accept_fn = void (*)(void* context, int fd);

    /// Takes ownership of listening socket `fd`; nothing happens until start(). Back-offs are counted
    /// into `backoffs` (which must outlive the listener; other threads may read it) or, if null, its own.
    tcp_listener(reactor& loop, int fd, accept_fn on_accept, void* context, counter* backoffs = nullptr) noexcept;
    ~tcp_listener();
    tcp_listener(const tcp_listener&) = delete;
    tcp_listener& operator=(const tcp_listener&) = delete;

    /// Arms the multishot accept.
    void start();
    /// Stops accepting and closes the socket; connections already accepted are not affected.
    void stop();
    /// Stops accepting for now (connection limit); new connections wait in the kernel's backlog.
    void pause();
    /// Accepts again after pause().
    void resume();
    /// True while paused.
    bool paused() const noexcept { return _paused; }
    /// Number of times accepting had to back off (descriptor exhaustion and other errors).
    std::uint64_t backoffs() const noexcept { return _backoffs->value(); }

    /// How long to wait before accepting again after EMFILE/ENFILE/ENOMEM.
    static constexpr std::uint64_t backoff_ms = 50;

private:
    // The multishot accept's completions.
    void on_completion(unsigned op, int result, std::uint32_t flags) override;
    static void on_backoff(timer& t);
    void arm();

    reactor& _loop;
    int _fd;
    accept_fn _on_accept;
    void* _context;
    counter _own_backoffs;
    counter* _backoffs;
    bool _armed = false;
    bool _stopped = true;
    bool _paused = false;
};

} // namespace corio::net
