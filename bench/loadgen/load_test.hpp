// SPDX-License-Identifier: MIT
// load_test: runs one load test. It serializes the requests, splits the connections, rate and
// request quota over the worker threads (each pinned to its CPU), waits until every connection is
// open, starts all threads on one clock, reports progress once a second, stops them (duration,
// quota, SIGINT/SIGTERM) and merges what they measured.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "options.hpp"
#include "results.hpp"

namespace corio::load {

/// The state of a running test, once a second.
struct progress_info {
    double elapsed_s = 0;       ///< whole seconds every thread has reported (the timeline's seconds so far)
    double total_s = 0;         ///< the planned duration, 0 when only --requests bounds the test
    std::uint64_t requests = 0; ///< responses in those seconds (the timeline's sum so far)
    double last_second_rps = 0; ///< responses in the last of them (the timeline's last entry)
    std::uint64_t p99_ns = 0;   ///< p99 latency so far
    std::uint64_t errors = 0;   ///< errors in those seconds
};

/// Runs the test `config` describes (its address already resolved). Returns false and sets `error`
/// when the test could not run (start-up failures); counted errors during the run are results.
bool run_load_test(const load_config& config, test_result& out, std::string& error,
                   const std::function<void(const progress_info&)>& progress = {});

} // namespace corio::load
