// SPDX-License-Identifier: MIT
// histogram: latencies in nanoseconds in log-linear buckets (HdrHistogram's layout): below 256 ns
// every value has its own bucket; above, each power of two is split into 128 equal buckets, so a
// bucket is never wider than 1/128 of its lower bound and a reported percentile (a bucket's middle)
// is within 0.4% of a recorded value. Recording is an index computation and an increment, with no
// allocation; histograms of different threads merge by adding their buckets.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace corio::load {

/// A mergeable latency histogram with bounded relative error. One thread records into it.
class histogram {
public:
    static constexpr unsigned sub_bits = 7;
    static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits; ///< buckets per power of two
    static constexpr unsigned max_bits = 43; ///< values up to 2^43 ns (about 2.4 hours) have own buckets
    static constexpr std::size_t bucket_count = (max_bits - sub_bits + 1) * sub_count;

    /// The bucket holding `value` (values past the range land in the last bucket).
    static std::size_t bucket_of(std::uint64_t value) noexcept {
        if (value < sub_count) return static_cast<std::size_t>(value);
        const unsigned msb = 63U - static_cast<unsigned>(__builtin_clzll(value));
        if (msb >= max_bits) return bucket_count - 1;
        const unsigned shift = msb - sub_bits;
        return static_cast<std::size_t>((shift + 1) * sub_count + ((value >> shift) - sub_count));
    }
    /// The smallest value bucket `index` holds.
    static std::uint64_t bucket_low(std::size_t index) noexcept;
    /// One past the largest value bucket `index` holds.
    static std::uint64_t bucket_high(std::size_t index) noexcept;

    /// Records one value.
    void record(std::uint64_t value) noexcept {
        ++_counts[bucket_of(value)];
        ++_total;
        _sum += value;
        _sum_squares += static_cast<double>(value) * static_cast<double>(value);
        if (value > _max) _max = value;
        if (value < _min) _min = value;
    }
    /// Adds every value of `other`.
    void merge(const histogram& other) noexcept;
    /// Adds `count` values in bucket `index` (a sparse copy being merged back).
    void add_bucket(std::size_t index, std::uint64_t count) noexcept;
    /// Forgets every value.
    void clear() noexcept;

    /// Number of recorded values.
    std::uint64_t count() const noexcept { return _total; }
    /// Largest recorded value (exact), 0 when empty.
    std::uint64_t max() const noexcept { return _total == 0 ? 0 : _max; }
    /// Smallest recorded value (exact), 0 when empty.
    std::uint64_t min() const noexcept { return _total == 0 ? 0 : _min; }
    /// Arithmetic mean, 0 when empty.
    double mean() const noexcept;
    /// Standard deviation, 0 when empty.
    double stdev() const noexcept;
    /// The value at `percentile` (0..100]: the middle of the bucket holding it, clamped to the exact
    /// minimum and maximum, so p100 is the maximum. 0 when empty.
    std::uint64_t percentile(double percentile) const noexcept;
    /// Non-empty buckets as (index, count), in ascending order.
    std::vector<std::pair<std::uint32_t, std::uint64_t>> sparse() const;

private:
    std::array<std::uint64_t, bucket_count> _counts{};
    std::uint64_t _total = 0;
    std::uint64_t _sum = 0;
    double _sum_squares = 0;
    std::uint64_t _max = 0;
    std::uint64_t _min = UINT64_MAX;
};

} // namespace corio::load
