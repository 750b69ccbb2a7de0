// SPDX-License-Identifier: MIT
// results: what a load test measured. Each worker thread fills a thread_result of its own (no
// sharing while the test runs) and hands over one second_sample per second for the timeline and the
// live progress line; test_result is their merge.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "histogram.hpp"

namespace corio::load {

/// Kinds of errors, each counted once per event.
enum class error_kind : unsigned {
    connect, ///< a connect attempt failed or timed out
    read,    ///< receiving failed (ECONNRESET...)
    write,   ///< sending failed (EPIPE, ECONNRESET...)
    timeout, ///< requests without an answer for --timeout: the connection was reopened
    closed,  ///< the server closed the connection with requests unanswered or mid-response
    parse,   ///< a malformed response, or one nobody asked for
};
inline constexpr std::size_t error_kind_count = 6;
/// Lower-case names of the error kinds, indexed by error_kind.
inline constexpr const char* error_kind_names[error_kind_count] = {"connect", "read",   "write",
                                                                   "timeout", "closed", "parse"};

/// One second of one thread (or, merged, of the whole test).
struct second_sample {
    std::uint32_t second = 0;   ///< seconds since the start
    std::uint64_t requests = 0; ///< responses completed in that second
    std::uint64_t errors = 0;
    std::array<std::uint64_t, error_kind_count> errors_by_kind{};
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t max_ns = 0;                                     ///< largest latency (exact)
    std::vector<std::pair<std::uint32_t, std::uint64_t>> latency; ///< sparse histogram buckets
};

/// What one worker thread measured.
struct thread_result {
    histogram latency;          ///< per request: from send (closed loop) or scheduled send (open loop)
    histogram connect_time;     ///< per successful connect
    std::uint64_t requests = 0; ///< complete responses
    std::uint64_t sent = 0;     ///< requests sent
    std::uint64_t lost = 0;     ///< requests sent that got no response (their connection ended)
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t connects = 0;   ///< successful connects
    std::uint64_t reconnects = 0; ///< connects after the start to replace a closed connection
    std::array<std::uint64_t, error_kind_count> errors{};
    std::array<std::uint64_t, 600> statuses{};   ///< responses by status code
    std::map<int, std::uint64_t> connect_errnos; ///< failed connects by errno
    std::map<int, std::uint64_t> io_errnos;      ///< failed receives and sends by errno
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    unsigned connections = 0;
    int cpu = -1;
    bool gave_up = false; ///< stopped early: no connection could be opened for a long while

    std::uint64_t error_total() const noexcept;
    /// Adds `other` (another thread) into this one.
    void merge(const thread_result& other);
};

/// One second of the merged timeline.
struct timeline_point {
    std::uint32_t second = 0;
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::array<std::uint64_t, error_kind_count> errors_by_kind{};
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p90_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t max_ns = 0;
    double duration_s = 1.0;                                      ///< shorter for the last, partial second
    std::vector<std::pair<std::uint32_t, std::uint64_t>> latency; ///< the second's histogram, sparse
};

/// Everything a load test measured.
struct test_result {
    thread_result total;                ///< all threads merged
    std::vector<thread_result> threads; ///< per thread
    std::vector<timeline_point> timeline;
    double elapsed_s = 0;             ///< from the common start to the last thread's end
    std::string stopped_by;           ///< "duration", "requests", "signal" or "no connection"
    std::vector<std::string> notes;   ///< what the test adjusted by itself (source addresses...)
    std::vector<std::string> sources; ///< local source addresses used ("" : the kernel's choice)
    double intended_start_unix_s = 0; ///< --start-at, 0 without it
    double start_unix_s = 0;          ///< when the load actually started (wall clock)
    double measure_unix_s = 0;        ///< when the figures start: the start plus the warm-up

    /// Complete responses per second over the elapsed time.
    double requests_per_second() const noexcept {
        return elapsed_s > 0 ? static_cast<double>(total.requests) / elapsed_s : 0.0;
    }
    /// Responses with status class `c` (1..5).
    std::uint64_t status_class(unsigned c) const noexcept;
};

/// Merges per-thread samples of the same second into the timeline (samples in any order).
std::vector<timeline_point> merge_timeline(const std::vector<second_sample>& samples);

} // namespace corio::load
