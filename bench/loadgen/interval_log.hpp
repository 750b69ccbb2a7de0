// SPDX-License-Identifier: MIT
// interval_log: HdrHistogram's interval log (the "hlog" HistogramLogProcessor and the plotting pages
// read): a few header lines (#[Histogram log format version 1.3], #[StartTime: ...], #[BaseTime:
// ...], the legend), then one line per interval: start (seconds after BaseTime), length, the
// interval's max (in ms, as HdrHistogram's writer reports ns values), and the V2 compressed histogram
// in base64. corio-load writes one interval a second, values in nanoseconds, and adds a
// "#[corio-load label: NAME]" comment, which other readers skip.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hdr_encoding.hpp"

namespace corio::load {

/// One interval line.
struct log_interval {
    double start_unix_s = 0; ///< absolute start (BaseTime/StartTime applied)
    double length_s = 0;
    std::uint64_t max_ns = 0; ///< the line's max column, in ns
    sparse_buckets buckets;
    std::string encoded; ///< the histogram as read (V2 compressed): a compact copy for a reader to keep
};

/// A whole log.
struct interval_log {
    std::string label;       ///< corio-load's label comment, "" when absent
    double start_unix_s = 0; ///< #[StartTime:], 0 when absent
    std::vector<log_interval> intervals;
};

/// Writes `log` to `path` (intervals relative to a BaseTime of log.start_unix_s). False with `error`.
bool write_interval_log(const std::string& path, const interval_log& log, std::string& error);

/// Reads an interval log written by corio-load or by HdrHistogram's own writers. False with `error`
/// naming the line and what is wrong with it (malformed, truncated, not V2, another range).
bool read_interval_log(const std::string& path, interval_log& out, std::string& error);

} // namespace corio::load
