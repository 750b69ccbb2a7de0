// SPDX-License-Identifier: MIT
// load_profile: the load over time that --stages and --warmup describe, as a piecewise-linear
// function of the time since the start: requests/s for the open loop, open connections for the
// closed loop. A warm-up is a leading flat segment at the starting value; each stage ramps linearly
// from the value before it to its target. The open loop schedules request n at the moment the
// integral of the rate reaches n, so a ramp is as smooth as a constant rate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace corio::load {

/// One --stages entry: ramp linearly to `target` over `duration_ns`.
struct stage {
    std::uint64_t duration_ns = 0;
    double target = 0; ///< requests/s (open loop) or connections (closed loop)
};

/// Parses "30s:10k,60s:50k,10s:0" into stages; false with `error` naming the bad entry.
bool parse_stages(const std::string& text, std::vector<stage>& out, std::string& error);

/// A piecewise-linear load, scaled to one thread's share. Times are nanoseconds since the start.
class load_profile {
public:
    load_profile() = default;
    /// `initial` holds for `warmup_ns`, then each stage ramps from the previous value to its target;
    /// every value is multiplied by `share` (a thread's part of the whole).
    load_profile(double initial, std::uint64_t warmup_ns, const std::vector<stage>& stages, double share);

    /// The value (rate or connections) at `t`; after the last stage, its target.
    double value_at(std::uint64_t t) const noexcept;
    /// Requests scheduled in [0, t] by the rate: the integral of value_at.
    double integral(std::uint64_t t) const noexcept;
    /// The first time at which integral() reaches `n`; UINT64_MAX when it never does.
    std::uint64_t time_of(double n) const noexcept;
    /// Total length: the warm-up and every stage.
    std::uint64_t duration_ns() const noexcept { return _segments.empty() ? 0 : _segments.back().end_ns; }
    /// The largest value it takes.
    double peak() const noexcept;

private:
    struct segment {
        std::uint64_t start_ns = 0;
        std::uint64_t end_ns = 0;
        double from = 0;
        double to = 0;
        double integral_before = 0; ///< integral over every earlier segment
    };
    std::vector<segment> _segments;
};

} // namespace corio::load
