// SPDX-License-Identifier: MIT
// worker: one thread of a load test. It owns an io_uring (corio::reactor), a provided-buffer ring
// and its share of the connections, kept as direct descriptors in the ring's file table. A
// connection is a small state machine driven by its completions: connect, a multishot receive whose
// bytes are framed in place by http/'s response_framer (only a head cut by a buffer's end is copied),
// and one send per batch of requests (pre-built bytes, so nothing is allocated per request).
//
// coordinator: what the threads of one test share: the start line (all connections are opened
// before the clock starts), the stop signal, and the per-second samples for the progress line.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <corio/core/reactor.hpp>

#include "options.hpp"
#include "request_set.hpp"
#include "results.hpp"

namespace corio::load {

/// The CLOCK_MONOTONIC time in nanoseconds (the clock io_uring timeouts use).
std::uint64_t monotonic_ns() noexcept;

/// Start, stop and progress shared by the worker threads of one test and the thread running it.
class coordinator {
public:
    explicit coordinator(unsigned workers) : _workers(workers), _reactors(workers, nullptr) {}

    // --- worker side ---
    /// Worker `index` has opened its connections (or failed: `error` not empty); `loop` can be
    /// notified from now on. Then blocks until start() or abort(): returns the start time, or 0.
    std::uint64_t ready_and_wait(unsigned index, reactor* loop, const std::string& error);
    /// True once stop() was called.
    bool stop_requested() const noexcept { return _stop.load(std::memory_order_acquire); }
    /// Hands over one finished second.
    void publish(second_sample&& sample);
    /// Worker `index` has ended; its reactor is going away.
    void finished(unsigned index);

    // --- controlling side ---
    /// Waits until every worker is ready; returns the first worker's error, or "".
    std::string wait_ready();
    /// Lets the workers start with the clock at `start_ns`.
    void start(std::uint64_t start_ns);
    /// Releases waiting workers without a start (start-up failed elsewhere).
    void abort();
    /// Asks every worker to stop (from any thread).
    void stop();
    /// Takes the samples published since the last call.
    std::vector<second_sample> take_samples();
    /// Number of workers that have ended.
    unsigned finished_count() const;
    /// Blocks until all workers ended or `deadline_ns` (CLOCK_MONOTONIC) passes; true if all ended.
    bool wait_finished_until(std::uint64_t deadline_ns);

private:
    mutable std::mutex _mutex;
    std::condition_variable _changed;
    unsigned _workers;
    unsigned _ready = 0;
    unsigned _finished = 0;
    std::string _error;
    std::uint64_t _start_ns = 0;
    bool _released = false;
    std::vector<reactor*> _reactors;
    std::vector<second_sample> _samples;
    std::atomic<bool> _stop{false};
};

/// One thread's share of the test.
struct worker_plan {
    unsigned index = 0;
    int cpu = -1; ///< CPU to pin to, -1: none
    unsigned connections = 0;
    unsigned first_connection = 0; ///< global number of the first connection (picks source addresses)
    double rate = 0;               ///< requests/s for this thread (open loop), 0: closed loop
    std::uint64_t quota = 0;       ///< requests for this thread, 0: no limit
};

/// Runs one worker on the calling thread: opens the connections, waits for the start, drives the
/// load until the duration, the quota or a stop, and returns what it measured. `error` is set when
/// the worker could not start (its result is then empty).
thread_result run_worker(const load_config& config, const request_set& requests, const worker_plan& plan,
                         coordinator& board, std::string& error);

} // namespace corio::load
