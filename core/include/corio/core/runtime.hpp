// SPDX-License-Identifier: MIT
// runtime: starts one shard per core (a pinned thread with its own reactor, mimalloc heap and
// provided-buffer ring), runs a service on every shard and stops them all on request or on
// SIGINT/SIGTERM. Typical use: `corio::runtime rt(config); return rt.run(my_server);`.
#pragma once

#include <signal.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <corio/core/reactor.hpp>
#include <corio/core/result.hpp>
#include <corio/core/service.hpp>

namespace corio {

/// How many shards to start, where to pin them and how to size their rings.
struct runtime_config {
    unsigned shards = 0;                   ///< 0: one per CPU in the affinity mask (or per entry of `cpus`)
    std::vector<int> cpus{};               ///< CPUs to pin shards to, in order; empty: the affinity mask
    bool pin = true;                       ///< pin each shard's thread to its CPU
    reactor_config ring{};                 ///< backend (ring.backend, or CORIO_BACKEND) and io_uring sizes per shard
    std::uint32_t recv_buffers = 1024;     ///< most provided receive buffers per shard (16 at first, doubled on demand)
    std::uint32_t recv_buffer_size = 4096; ///< bytes per receive buffer
    /// How often a shard gives back the memory a burst took (surplus receive buffers, the heap's
    /// free pages); 0: never. A shard with nothing to give back spends a few hundred instructions.
    std::uint32_t give_back_ms = 250;
    std::uint32_t stop_timeout_ms = 30000; ///< backstop: longest a shard waits for its services to drain on stop
    unsigned cross_shard_queue = 128;      ///< slots per shard pair for submit_to messages (more spill, never drop)
    bool cross_shard_eventfd = false;      ///< wake shards with eventfd writes even where MSG_RING exists (tests)
};

namespace detail {
class shard_mesh;
}

/// Blocks SIGINT and SIGTERM in the calling thread while it lives, then restores the mask. Held
/// from before runtime::start() until after wait_for_signal() (run() holds one), a signal that
/// arrives in between waits for wait_for_signal() rather than ending the process by its default
/// action before the shards drain; the shard threads start with both blocked.
class stop_signals_blocked {
public:
    stop_signals_blocked() noexcept;
    ~stop_signals_blocked();
    stop_signals_blocked(const stop_signals_blocked&) = delete;
    stop_signals_blocked& operator=(const stop_signals_blocked&) = delete;

private:
    sigset_t _previous;
};

/// A set of shards running services; stops and joins them when destroyed. A shard whose service
/// has drained keeps its loop (and so submit_to calls to it) running until every shard has drained.
class runtime {
public:
    explicit runtime(runtime_config config = {});
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    /// Starts the shards and `work` on each; returns once all run, or the first failure (whose
    /// message error_message() then holds; the shards that did start are stopped again).
    result<void> start(service& work);
    /// Asks every shard to stop; callable from any thread, also from a shard. Idempotent.
    void stop() noexcept;
    /// Waits until every shard thread has ended.
    void join();
    /// After start(): waits for SIGINT or SIGTERM (read through a signalfd; shard threads block
    /// both) or for the shards to end, then stops and joins. One that arrives between start() and
    /// this call ends the process unless a stop_signals_blocked was made before start(). Returns 0, the process exit
    /// status. Under systemd (see systemd_notify.hpp) it sends READY=1 first (every shard listens by then), WATCHDOG=1
    /// at half of $WATCHDOG_USEC while the service is live(), and STOPPING=1 when the signal arrives, before the drain
    /// starts.
    int wait_for_signal();
    /// start(), one line through the log sink ("listening on 127.0.0.1 port 8080, 4 shards,
    /// backend io_uring (...)"; see log.hpp to route or silence it), then wait_for_signal(); returns 1 (after
    /// logging why) if start-up failed.
    int run(service& work);

    /// Number of shards (valid after start()).
    unsigned shard_count() const noexcept { return static_cast<unsigned>(_shards.size()); }
    /// io_uring features of shard 0's ring (valid after start(); all false on epoll).
    const uring_features& features() const noexcept { return _features; }
    /// The backend shard 0 runs (valid after start()); every shard runs the same one.
    backend_kind backend() const noexcept { return _backend; }
    /// One line naming the backend and its features, or why it is epoll (valid after start()).
    const std::string& backend_description() const noexcept { return _backend_description; }
    /// Why the last start() failed.
    const std::string& error_message() const noexcept { return _error; }

    struct shard_thread;

private:
    runtime_config _config;
    std::vector<std::unique_ptr<shard_thread>> _shards;
    std::unique_ptr<detail::shard_mesh> _mesh;
    std::atomic<unsigned> _drained{0};
    uring_features _features;
    backend_kind _backend = backend_kind::automatic;
    std::string _backend_description;
    std::string _error;
    int _stopped_fd = -1;
    service* _work = nullptr; // what start() runs, asked live() for the systemd watchdog
};

/// The CPUs in the calling thread's affinity mask, in ascending order.
std::vector<int> allowed_cpus();

} // namespace corio
