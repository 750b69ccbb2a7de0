// SPDX-License-Identifier: MIT
#include "load_profile.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "options.hpp"

namespace corio::load {

bool parse_stages(const std::string& text, std::vector<stage>& out, std::string& error) {
    std::stringstream ss(text);
    std::string item;
    out.clear();
    while (std::getline(ss, item, ',')) {
        const std::size_t colon = item.find(':');
        stage s;
        double target = 0;
        if (colon == std::string::npos || !parse_duration(item.substr(0, colon), s.duration_ns) || s.duration_ns == 0 ||
            !parse_amount(item.substr(colon + 1), target)) {
            error = "--stages: bad stage '" + item + "' (expected DURATION:TARGET, e.g. 30s:10k)";
            return false;
        }
        s.target = target;
        out.push_back(s);
    }
    if (out.empty()) {
        error = "--stages: no stage given (e.g. 30s:10k,60s:50k)";
        return false;
    }
    return true;
}

load_profile::load_profile(double initial, std::uint64_t warmup_ns, const std::vector<stage>& stages, double share) {
    std::uint64_t t = 0;
    double value = initial * share;
    double integral = 0;
    auto add = [&](std::uint64_t length, double to) {
        const segment s{t, t + length, value, to, integral};
        integral += (s.from + s.to) / 2 * static_cast<double>(length) / 1e9;
        t += length;
        value = to;
        _segments.push_back(s);
    };
    if (warmup_ns != 0) add(warmup_ns, value);
    for (const stage& s : stages)
        add(s.duration_ns, s.target * share);
}

double load_profile::value_at(std::uint64_t t) const noexcept {
    for (const segment& s : _segments) {
        if (t < s.end_ns) {
            const double f = static_cast<double>(t - s.start_ns) / static_cast<double>(s.end_ns - s.start_ns);
            return s.from + (s.to - s.from) * f;
        }
    }
    return _segments.empty() ? 0 : _segments.back().to;
}

double load_profile::integral(std::uint64_t t) const noexcept {
    for (const segment& s : _segments) {
        if (t < s.end_ns) {
            const double x = static_cast<double>(t - s.start_ns) / 1e9;
            const double length = static_cast<double>(s.end_ns - s.start_ns) / 1e9;
            return s.integral_before + s.from * x + (s.to - s.from) * x * x / (2 * length);
        }
    }
    if (_segments.empty()) return 0;
    const segment& last = _segments.back();
    const double after = static_cast<double>(t - last.end_ns) / 1e9;
    return last.integral_before + (last.from + last.to) / 2 * static_cast<double>(last.end_ns - last.start_ns) / 1e9 +
           last.to * after;
}

std::uint64_t load_profile::time_of(double n) const noexcept {
    for (const segment& s : _segments) {
        const double length = static_cast<double>(s.end_ns - s.start_ns) / 1e9;
        const double area = (s.from + s.to) / 2 * length;
        if (n > s.integral_before + area) continue;
        // Solve integral_before + from*x + slope/2*x^2 = n for x in [0, length].
        const double need = n - s.integral_before;
        const double slope = (s.to - s.from) / length;
        double x = 0;
        if (std::abs(slope) < 1e-12) {
            x = s.from > 0 ? need / s.from : 0;
        } else {
            const double disc = std::max(0.0, s.from * s.from + 2 * slope * need);
            x = (std::sqrt(disc) - s.from) / slope;
        }
        x = std::clamp(x, 0.0, length);
        return s.start_ns + static_cast<std::uint64_t>(x * 1e9);
    }
    if (_segments.empty() || _segments.back().to <= 0) return UINT64_MAX;
    const segment& last = _segments.back();
    const double done =
        last.integral_before + (last.from + last.to) / 2 * static_cast<double>(last.end_ns - last.start_ns) / 1e9;
    return last.end_ns + static_cast<std::uint64_t>((n - done) / last.to * 1e9);
}

double load_profile::peak() const noexcept {
    double p = 0;
    for (const segment& s : _segments)
        p = std::max({p, s.from, s.to});
    return p;
}

} // namespace corio::load
