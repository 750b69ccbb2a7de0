// SPDX-License-Identifier: MIT
// options: corio-load's command line (wrk/wrk2-compatible where wrk has the same flag) and the
// configuration of one load test that it produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <corio/net/socket_address.hpp>

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

} // namespace corio::load
