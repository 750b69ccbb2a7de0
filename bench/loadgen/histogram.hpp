// SPDX-License-Identifier: MIT
// histogram: latencies in nanoseconds in HdrHistogram's own bucket layout (lowest discernible value
// 1 ns, highest trackable value 1 hour, 3 significant digits): below 2048 ns every value has its own
// bucket; above, each power of two is split into 1024 equal buckets, so a bucket is never wider than
// 1/1024 of its lower bound and a reported percentile (a bucket's middle) is within 0.05% of a
// recorded value. Since the layout is HdrHistogram's, a bucket index here is a counts index there and
// the V2 encoding (hdr_encoding.hpp) is exact. Recording is an index computation and an increment,
// with no allocation; histograms of different threads and workers merge by adding their buckets.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace corio::load {

/// A mergeable latency histogram with bounded relative error. One thread records into it.
class histogram {
public:
    static constexpr unsigned significant_digits = 3;           ///< HdrHistogram's numberOfSignificantValueDigits
    static constexpr std::uint64_t lowest = 1;                  ///< lowest discernible value (ns)
    static constexpr std::uint64_t highest = 3'600'000'000'000; ///< highest trackable value: 1 hour in ns
    static constexpr unsigned half_bits = 10;                   ///< log2 of the buckets per power of two
    static constexpr std::uint64_t sub_count = std::uint64_t{1} << (half_bits + 1); ///< 2048 > 2 * 10^3
    static constexpr unsigned groups = 32; ///< powers of two (HdrHistogram's "buckets") to cover `highest`
    static constexpr std::size_t bucket_count = (groups + 1) << half_bits; ///< HdrHistogram's counts length
    static_assert((sub_count << (groups - 1)) > highest && (sub_count << (groups - 2)) <= highest);

    /// The bucket holding `value` (values past the range land in the last bucket).
    static std::size_t bucket_of(std::uint64_t value) noexcept {
        // HdrHistogram's countsArrayIndex with unitMagnitude 0: the group is the power of two above
        // the first 2048 values, the sub-bucket the value's top 11 bits.
        const unsigned group = 53U - static_cast<unsigned>(__builtin_clzll(value | (sub_count - 1)));
        const std::size_t index = (std::size_t{group + 1} << half_bits) + (value >> group) - (sub_count >> 1);
        return index < bucket_count ? index : bucket_count - 1;
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
    /// Sets the exact smallest and largest values when they are known apart from the buckets (a
    /// merge of sparse copies, whose add_bucket() can only bound them).
    void set_extremes(std::uint64_t min, std::uint64_t max) noexcept {
        _min = min;
        _max = max;
    }
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
