// SPDX-License-Identifier: MIT
// options: corio-load's command line (wrk/wrk2-compatible where wrk has the same flag) and the
// configuration of one load test that it produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <corio/net/socket_address.hpp>

#include "load_profile.hpp"
#include "request_set.hpp"
#include "url.hpp"

namespace corio::load {

/// Everything one load test needs; filled from the command line (or directly by tests).
struct load_config {
    std::string url_text;                       ///< the URL as given
    url target;                                 ///< parsed URL
    net::socket_address address;                ///< resolved server address
    unsigned threads = 2;                       ///< worker threads, one io_uring each
    unsigned connections = 10;                  ///< total, spread over the threads
    std::uint64_t duration_ns = 10'000'000'000; ///< 0: until `requests` are done
    double rate = 0;                            ///< requests/s over all connections; 0: closed loop
    unsigned pipeline = 1;                      ///< requests per connection in flight (sent as one batch)
    std::uint64_t requests = 0;                 ///< stop after this many requests; 0: no limit
    std::uint64_t timeout_ns = 2'000'000'000;   ///< no answer (or connect) within this: a timeout
    std::vector<int> cpus;                      ///< CPUs to pin thread i to (cpus[i % size]); empty: affinity mask
    bool pin = true;                            ///< pin the worker threads
    std::vector<net::socket_address> sources;   ///< local source addresses, used in turn
    request_spec spec;                          ///< what the requests look like
    std::string json_path;                      ///< --json FILE ("-": standard output)
    std::string plot_path;                      ///< --plot FILE.png
    int progress = -1;                          ///< live progress line: 1 on, 0 off, -1 when stdout is a terminal
    bool handle_signals = true;                 ///< SIGINT/SIGTERM end the test early (the results are printed)
    std::uint32_t recv_buffer_size = 4096;      ///< bytes per provided receive buffer
    double start_at_s = 0;                      ///< --start-at: Unix time every thread starts at; 0: when set up
    bool connect_early = false;                 ///< --connect-early: connect before --start-at, not at it
    std::uint64_t warmup_ns = 0;                ///< --warmup: load run first and left out of every figure
    std::string label;                          ///< --label: names this worker in every output (default: host name)
    std::vector<stage> stages;                  ///< --stages: the load ramped over time (empty: constant)
    double stages_from = 0;                     ///< where the first stage ramps from: -R, or -c (closed loop)
    std::string hlog_path;                      ///< --hlog FILE: HdrHistogram interval log
    std::string html_path;                      ///< --html FILE: the report page
};

/// What the command line asked for.
enum class command { run, help, version, error };

/// Parses argv into `config` (reading the --body and --paths files; the host is resolved later, by
/// resolve_host); on command::error, `error` holds the message to print before the usage hint.
command parse_command_line(int argc, char** argv, load_config& config, std::string& error);

/// The --help text.
const char* usage_text();

/// Parses "10", "10s", "250ms", "1.5m", "2h" into nanoseconds; false when malformed.
bool parse_duration(const std::string& text, std::uint64_t& ns);
/// Parses "0-3,6" into CPU numbers; false when malformed.
bool parse_cpu_list(const std::string& text, std::vector<int>& cpus);
/// Parses a non-negative amount such as "0", "1.5k", "2M"; false when malformed.
bool parse_amount(const std::string& text, double& out);
/// Parses a start time, Unix seconds ("1765000000.5") or RFC 3339 in UTC ("2026-12-06T15:30:00Z",
/// "2026-12-06T15:30:00.250+00:00"), into Unix seconds; false when malformed or not UTC.
bool parse_start_time(const std::string& text, double& unix_s);

} // namespace corio::load
