// SPDX-License-Identifier: MIT
// merge: `corio-load merge`, which combines the results of workers that ran together (each one's
// --json result and --hlog interval log) into one: totals summed, the per-second series aligned on
// wall-clock time, percentiles from the merged histograms (never averaged), open-loop
// (coordinated-omission-corrected) latency kept apart from closed-loop (uncorrected) latency, and
// which workers started late, ran short or had errors. Inputs that cannot be merged are refused
// with the file and the reason.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hdr_encoding.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "results.hpp"

namespace corio::load {

/// One second of one worker, as its JSON result or interval log gives it.
struct worker_second {
    double unix_s = 0;
    double duration_s = 1;
    std::uint64_t requests = 0;
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::array<std::uint64_t, error_kind_count> errors{};
    std::uint64_t max_ns = 0;
    std::string encoded_latency; ///< from the interval log (V2 compressed: 1-2 KB, not 20), "" without one
};

/// One worker: its JSON result and/or its interval log.
struct worker_input {
    std::string label;
    std::string json_path;                    ///< "" when only a log was given
    std::string hlog_path;                    ///< "" when only a JSON result was given
    std::string latency_kind = "unspecified"; ///< "corrected" (open loop), "uncorrected" (closed loop)
    double intended_start_unix_s = 0;
    double start_unix_s = 0;
    double measure_unix_s = 0;
    double planned_s = 0;
    double elapsed_s = 0;
    std::string stopped_by;
    std::uint64_t requests = 0, sent = 0, lost = 0, bytes_read = 0, bytes_written = 0, non_2xx = 0;
    std::array<std::uint64_t, error_kind_count> errors{};
    std::map<std::string, std::uint64_t> status_codes;
    sparse_buckets latency; ///< the whole run (JSON), or the log's intervals added up
    std::uint64_t min_ns = 0;
    std::uint64_t max_ns = 0;
    std::vector<worker_second> seconds;
};

/// Reads one corio-load JSON result. False with `error` naming `path` and the reason.
bool read_worker_json(const std::string& path, worker_input& out, std::string& error);

/// Reads every file (JSON results and interval logs, told apart by their first character) and pairs
/// each log with its worker's JSON (same file stem, else same label). False with `error` on the
/// first file that cannot be merged.
bool read_worker_inputs(const std::vector<std::string>& paths, std::vector<worker_input>& out, std::string& error);

/// The latency of the workers of one kind, merged.
struct latency_group {
    std::string kind;
    std::unique_ptr<histogram> latency = std::make_unique<histogram>();
};

/// One second of the merged timeline.
struct merged_second {
    double unix_s = 0;
    double duration_s = 0; ///< the longest of the workers' (a last, partial second is shorter)
    std::uint64_t requests = 0, bytes_read = 0, bytes_written = 0;
    std::array<std::uint64_t, error_kind_count> errors{};
    std::vector<std::uint64_t> worker_requests; ///< per worker, in input order
    unsigned workers = 0;                       ///< workers that reported this second
    bool has_latency = false;                   ///< some worker's log covered it
    std::uint64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
    sparse_buckets latency;
};

/// Everything merged.
struct merge_result {
    std::vector<worker_input> workers;
    std::vector<latency_group> groups; ///< one per latency kind present
    std::vector<merged_second> timeline;
    double start_unix_s = 0; ///< the first worker's first measured second
    double elapsed_s = 0;    ///< from there to the last worker's end
    std::uint64_t requests = 0, sent = 0, lost = 0, bytes_read = 0, bytes_written = 0, non_2xx = 0;
    std::array<std::uint64_t, error_kind_count> errors{};
    std::map<std::string, std::uint64_t> status_codes;
    std::vector<std::string> problems; ///< late starts, short runs, errors, one line each
};

/// The worker a finished run in this process is (for its --html page).
worker_input worker_from_result(const load_config& config, const test_result& result);

/// Merges `workers` (consumed).
merge_result merge_workers(std::vector<worker_input> workers);

/// The merged result as JSON.
std::string merge_json(const merge_result& merged);
/// The human summary.
void print_merge_summary(std::FILE* to, const merge_result& merged);

/// `corio-load merge ARGS...` (argv[0] is "merge"); returns the exit status.
int run_merge(int argc, char** argv);

} // namespace corio::load
