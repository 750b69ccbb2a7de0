// SPDX-License-Identifier: MIT
// plot: corio-load's gnuplot picture, one drawing for a single run (--plot) and for a merge (merge
// --plot): the latency percentile curve on HdrHistogram's 1/(1-p) axis, and requests/s with the
// p99 per second. The script with its data inline is kept beside the picture as `FILE.png.gp`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace corio::load {

/// One latency distribution drawn as a percentile curve. The histogram must outlive the plot_data.
struct plot_curve {
    std::string name;           ///< the legend, e.g. "latency" or "latency (corrected)"
    const histogram* latency{}; ///< borrowed
};

/// One second of the timeline.
struct plot_second {
    std::uint32_t second = 0; ///< 1 for the first measured second
    double requests_per_s = 0;
    std::optional<std::uint64_t> p99_ns; ///< none: no latency was recorded for that second
};

/// What one picture shows.
struct plot_data {
    std::string title;
    std::vector<plot_curve> curves;
    std::vector<plot_second> seconds; ///< without a last, partial second (it would read as a drop)
};

/// True when a `gnuplot` executable is on PATH.
bool gnuplot_available();

/// Writes `path`.gp (the gnuplot script with its data inline) and runs gnuplot to draw `path` (PNG):
/// gnuplot draws into a temporary file beside it, renamed over `path` only once complete. When
/// gnuplot is missing, returns false with `error` saying so and how to install it (the script is
/// still written); other failures name the file and leave no partial picture.
bool draw_plot(const std::string& path, const plot_data& data, std::string& error);

} // namespace corio::load
