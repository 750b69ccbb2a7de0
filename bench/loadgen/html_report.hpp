// SPDX-License-Identifier: MIT
// html_report: the report a person looks at, one self-contained HTML page (no script, no network:
// charts are inline SVG drawn here) for a merged run: throughput over time (total and per worker),
// latency percentiles over time (p50, p90, p99, p99.9, max), the percentile distribution on
// HdrHistogram's log scale (one curve per latency kind), errors over time by kind, the workers and
// their problems. A single run's page is the same, for a merge of one (worker_from_result()).
#pragma once

#include <string>

#include "merge.hpp"

namespace corio::load {

/// The page for `merged`; `title` heads it.
std::string html_report(const merge_result& merged, const std::string& title);

} // namespace corio::load
