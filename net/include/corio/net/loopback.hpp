// SPDX-License-Identifier: MIT
// loopback: a transport in memory, for tests, fuzz targets and micro benchmarks. Each end is one
// connection of a set that runs over the loopback (constructed with a handle from open()); its peer
// is the code driving it (put() what the peer sends, take() what it reads, close_peer(),
// reset_peer(), a window for a peer that stops reading) or another end (pair()). Nothing happens
// until run(): it runs the reactor's turn hooks, where connections send what they flushed, and
// delivers the completions that are due, until nothing moves. Each put() arrives as its own receive
// (cut at the receive size), so the driver chooses exactly how a stream is split. The connections
// run their real code; no kernel, loop turn or thread is involved. Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <corio/core/reactor.hpp>
#include <corio/net/transport.hpp>

namespace corio::net {

/// Connections in memory, driven by run().
class loopback final : public transport {
public:
    /// Runs `loop`'s turn hooks in run() (the loop itself need not run).
    explicit loopback(corio::reactor& loop) noexcept : _loop(loop) {}

    /// A new end: the handle to construct its connection with. The handle of an end whose
    /// connection has closed (and whose peer has too) is given again, as a kernel reuses a descriptor.
    int open();
    /// How connect() answers from now on: connected, refused (-ECONNREFUSED), or never (until cancelled).
    enum class dialing : std::uint8_t { answer, refuse, hang };
    /// Sets how connect() answers (default: answer).
    void set_dialing(dialing how) noexcept { _dialing = how; }
    /// The next end a connect() made, oldest first, or -1: the driver is its peer.
    int accept();
    /// Joins ends `a` and `b`, each a connection: what one sends, the other receives.
    void pair(int a, int b);
    /// The peer sends `bytes` to `handle`'s connection: one receive (several past receive_size()).
    void put(int handle, std::string_view bytes);
    /// The peer closes its side: after what was put, the connection receives the end of the stream.
    void close_peer(int handle);
    /// The peer resets the connection: its receive and its send fail with -ECONNRESET.
    void reset_peer(int handle);
    /// What `handle`'s connection has sent since the last call, as its peer reads it.
    std::string take(int handle);
    /// The peer reads and drops what `handle`'s connection sends from now on, without a copy
    /// (benchmarks); take() then gives nothing.
    void discard(int handle) noexcept;
    /// Bytes the peer holds unread before a send has to wait (a peer that stops reading: take()
    /// makes room again). Unbounded by default.
    void set_window(int handle, std::size_t bytes) noexcept;
    /// Bytes one receive carries at most (default 4096, a provided buffer's size).
    void set_receive_size(std::size_t bytes) noexcept { _receive_size = bytes == 0 ? 1 : bytes; }
    /// True once `handle`'s connection has ended its output (shut down or closed).
    bool output_ended(int handle) const noexcept { return _ends[index(handle)].output_ended; }
    /// True once `handle`'s connection has released its end.
    bool closed(int handle) const noexcept { return _ends[index(handle)].closed; }
    /// True while `handle`'s connection has a receive armed (it is reading).
    bool reading(int handle) const noexcept { return _ends[index(handle)].recv_armed; }
    /// Runs the turn hooks and delivers due completions until nothing moves; returns how many it delivered.
    std::size_t run();

    int connect(const socket_address& peer, std::uint64_t user_data) override;
    void receive(int handle, bool once, std::uint64_t user_data) override;
    std::span<char> received(int handle, std::size_t size) noexcept override;
    void send(int handle, const char* data, std::size_t size, std::uint64_t user_data) override;
    void cancel(int handle, std::uint64_t user_data) override;
    void shutdown_write(int handle) noexcept override;
    void close(int handle) noexcept override;
    void limit_unsent(int handle, std::uint32_t bytes) noexcept override;
    /// 127.0.0.1, with port 10000 + `handle`.
    result<socket_address> peer_address(int handle) const override;

private:
    struct end {
        std::string inbox;               // what the peer sent, not yet received
        std::vector<std::size_t> pieces; // its division into receives, from pieces[next_piece]
        std::size_t next_piece = 0;
        std::string lent;   // the bytes of the receive being delivered
        std::string outbox; // what the connection sent, not yet taken
        std::size_t window = SIZE_MAX;
        std::uint64_t connect_data = 0;
        std::uint64_t recv_data = 0;
        std::uint64_t send_data = 0;
        const char* send_bytes = nullptr;
        std::size_t send_size = 0;
        int peer = -1;              // the paired end, or -1: the driver is the peer
        bool connect_armed = false; // a connect waits to complete with connect_result
        bool connect_hangs = false; // ... and completes only when cancelled
        bool connect_cancelled = false;
        int connect_result = 0;
        bool recv_armed = false;
        bool recv_once = false;
        bool recv_cancelled = false;
        bool send_pending = false;
        bool send_cancelled = false;
        bool peer_closed = false; // the end of the stream follows the inbox
        bool peer_reset = false;
        bool output_ended = false;
        bool closed = false;
        bool discarding = false;
    };
    static std::size_t index(int handle) noexcept { return static_cast<std::size_t>(handle); }
    // Delivers the completions due on end `i`; returns how many.
    std::size_t step(std::size_t i);
    std::size_t step_connect(std::size_t i);
    std::size_t step_send(std::size_t i);
    std::size_t step_receive(std::size_t i);
    // Bytes end `i` has sent that its peer has not read yet.
    std::size_t unread(std::size_t i) const noexcept;
    void end_output(std::size_t i) noexcept;

    corio::reactor& _loop;
    std::vector<end> _ends;
    std::vector<int> _dialed; // ends connect() made, for accept()
    std::size_t _next_dialed = 0;
    std::size_t _receive_size = 4096;
    dialing _dialing = dialing::answer;
};

} // namespace corio::net
