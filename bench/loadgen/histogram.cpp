// SPDX-License-Identifier: MIT
#include "histogram.hpp"

#include <algorithm>
#include <cmath>

namespace corio::load {

std::uint64_t histogram::bucket_low(std::size_t index) noexcept {
    const std::size_t group = index >> half_bits;
    const std::uint64_t sub = index & ((std::size_t{1} << half_bits) - 1);
    if (group == 0) return sub;
    return (sub + (sub_count >> 1)) << (group - 1);
}

std::uint64_t histogram::bucket_high(std::size_t index) noexcept {
    const std::size_t group = index >> half_bits;
    return bucket_low(index) + (std::uint64_t{1} << (group == 0 ? 0 : group - 1));
}

void histogram::merge(const histogram& other) noexcept {
    if (other._total == 0) return;
    for (std::size_t i = 0; i < bucket_count; ++i)
        _counts[i] += other._counts[i];
    _total += other._total;
    _sum += other._sum;
    _sum_squares += other._sum_squares;
    _max = std::max(_max, other._max);
    _min = std::min(_min, other._min);
}

void histogram::add_bucket(std::size_t index, std::uint64_t count) noexcept {
    if (count == 0 || index >= bucket_count) return;
    _counts[index] += count;
    _total += count;
    // Sparse copies carry no exact sums: use the bucket's middle.
    const std::uint64_t low = bucket_low(index);
    const std::uint64_t mid = low + (bucket_high(index) - low) / 2;
    _sum += mid * count;
    _sum_squares += static_cast<double>(mid) * static_cast<double>(mid) * static_cast<double>(count);
    _max = std::max(_max, bucket_high(index) - 1);
    _min = std::min(_min, low);
}

void histogram::clear() noexcept {
    _counts.fill(0);
    _total = 0;
    _sum = 0;
    _sum_squares = 0;
    _max = 0;
    _min = UINT64_MAX;
}

double histogram::mean() const noexcept {
    return _total == 0 ? 0.0 : static_cast<double>(_sum) / static_cast<double>(_total);
}

double histogram::stdev() const noexcept {
    if (_total == 0) return 0.0;
    const double m = mean();
    const double variance = _sum_squares / static_cast<double>(_total) - m * m;
    return variance > 0 ? std::sqrt(variance) : 0.0;
}

std::uint64_t histogram::percentile(double percentile) const noexcept {
    if (_total == 0) return 0;
    if (percentile >= 100.0) return _max;
    // The rank of the value asked for, 1-based: the smallest value with at least p% at or below it.
    // 0.999 * 30000 is 29970.000000000004 in binary floating point: without the nudge, ceil() would
    // ask for one rank too many (HdrHistogram's readers, which round, then disagree in a sparse tail).
    const double wanted = percentile / 100.0 * static_cast<double>(_total);
    auto rank = static_cast<std::uint64_t>(std::ceil(wanted - wanted * 1e-12));
    rank = std::clamp<std::uint64_t>(rank, 1, _total);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += _counts[i];
        if (seen >= rank) {
            const std::uint64_t low = bucket_low(i);
            const std::uint64_t mid = low + (bucket_high(i) - 1 - low) / 2;
            return std::clamp(mid, _min, _max);
        }
    }
    return _max;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> histogram::sparse() const {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        if (_counts[i] != 0) out.emplace_back(static_cast<std::uint32_t>(i), _counts[i]);
    }
    return out;
}

} // namespace corio::load
