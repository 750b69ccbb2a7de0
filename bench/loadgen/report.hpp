// SPDX-License-Identifier: MIT
// report: corio-load's outputs: the human summary table, the live progress line, the JSON document
// with everything measured, and the gnuplot plot of a run (drawn by plot.hpp).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "load_test.hpp"
#include "options.hpp"
#include "results.hpp"

namespace corio::load {

/// "853us", "1.23ms", "2.50s": a latency in the unit that keeps three significant digits.
std::string format_latency(std::uint64_t ns);

/// Prints the summary of `result` (a table of latency percentiles, throughput, errors by kind,
/// status classes).
void print_summary(std::FILE* to, const load_config& config, const test_result& result);

/// Rewrites the progress line in place (carriage return, no newline).
void print_progress(std::FILE* to, const progress_info& info);
/// Clears the progress line.
void clear_progress(std::FILE* to);

/// Checks, before the load starts, that `path` (given to `flag`, e.g. "--json") can be written:
/// its directory exists and is writable, and the file, if it exists, is a writable file. "-" (standard
/// output) always can. False with `error` naming the flag, the path and the reason otherwise.
bool check_output_path(std::string_view flag, const std::string& path, std::string& error);

/// Writes the JSON document; "-" is standard output. False (with `error`) if the file cannot be written.
bool write_json(const std::string& path, const load_config& config, const test_result& result, std::string& error);

/// Writes the latency as an HdrHistogram interval log (interval_log.hpp), one interval per second of
/// the timeline. False (with `error`) if the file cannot be written.
bool write_hlog(const std::string& path, const load_config& config, const test_result& result, std::string& error);

/// Draws the run's plot into `path` (PNG) and keeps its gnuplot script as `path`.gp (plot.hpp's
/// draw_plot). When gnuplot is missing, returns false with `error` saying so and how to install it
/// (the script is still written).
bool write_plot(const std::string& path, const load_config& config, const test_result& result, std::string& error);

} // namespace corio::load
