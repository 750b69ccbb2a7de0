// SPDX-License-Identifier: MIT
// The latency histogram: bucket layout, the relative error bound, percentiles and merging.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "histogram.hpp"

namespace {

using corio::load::histogram;

TEST(histogram, bucket_bounds_contain_their_values) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 100000; ++i) {
        const std::uint64_t v = rng() >> (rng() % 64);
        const std::size_t b = histogram::bucket_of(v);
        ASSERT_LT(b, histogram::bucket_count);
        if (b == histogram::bucket_count - 1) continue; // the overflow bucket
        EXPECT_LE(histogram::bucket_low(b), v);
        EXPECT_LT(v, histogram::bucket_high(b));
    }
}

TEST(histogram, buckets_are_contiguous_and_narrow) {
    for (std::size_t b = 0; b + 2 < histogram::bucket_count; ++b) {
        ASSERT_EQ(histogram::bucket_high(b), histogram::bucket_low(b + 1)) << b;
        const double width = static_cast<double>(histogram::bucket_high(b) - histogram::bucket_low(b));
        if (b < histogram::sub_count) {
            ASSERT_EQ(width, 1.0) << b; // below 128 ns every nanosecond has its bucket
        } else {
            ASSERT_LE(width / static_cast<double>(histogram::bucket_low(b)), 1.0 / 128 + 1e-12) << b;
        }
    }
}

TEST(histogram, percentiles_stay_within_the_error_bound) {
    auto h = std::make_unique<histogram>();
    std::vector<std::uint64_t> values;
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> dist(11.0, 1.5); // around 60 us, long tail
    for (int i = 0; i < 200000; ++i) {
        const auto v = static_cast<std::uint64_t>(dist(rng)) + 1;
        values.push_back(v);
        h->record(v);
    }
    std::sort(values.begin(), values.end());
    for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
        const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
        const double exact = static_cast<double>(values[rank - 1]);
        const double got = static_cast<double>(h->percentile(p));
        EXPECT_LE(std::abs(got - exact) / exact, 1.0 / 128) << "p" << p << " exact " << exact << " got " << got;
    }
    EXPECT_EQ(h->percentile(100), values.back());
    EXPECT_EQ(h->max(), values.back());
    EXPECT_EQ(h->min(), values.front());
    EXPECT_EQ(h->count(), values.size());
}

TEST(histogram, merge_equals_recording_everything_in_one) {
    auto a = std::make_unique<histogram>();
    auto b = std::make_unique<histogram>();
    auto both = std::make_unique<histogram>();
    std::mt19937_64 rng(3);
    for (int i = 0; i < 50000; ++i) {
        const std::uint64_t v = rng() % 10'000'000;
        (i % 2 ? *a : *b).record(v);
        both->record(v);
    }
    a->merge(*b);
    for (const double p : {50.0, 90.0, 99.0, 99.9, 100.0})
        EXPECT_EQ(a->percentile(p), both->percentile(p));
    EXPECT_EQ(a->count(), both->count());
    EXPECT_DOUBLE_EQ(a->mean(), both->mean());
    EXPECT_EQ(a->sparse(), both->sparse());
}

TEST(histogram, sparse_copy_merges_back) {
    auto a = std::make_unique<histogram>();
    for (std::uint64_t v = 1000; v < 2'000'000; v += 997)
        a->record(v);
    auto b = std::make_unique<histogram>();
    for (const auto& [index, count] : a->sparse())
        b->add_bucket(index, count);
    EXPECT_EQ(b->count(), a->count());
    for (const double p : {50.0, 90.0, 99.0})
        EXPECT_NEAR(static_cast<double>(b->percentile(p)), static_cast<double>(a->percentile(p)),
                    static_cast<double>(a->percentile(p)) / 128);
}

TEST(histogram, empty_reports_zero) {
    auto h = std::make_unique<histogram>();
    EXPECT_EQ(h->percentile(99), 0U);
    EXPECT_EQ(h->max(), 0U);
    EXPECT_EQ(h->mean(), 0.0);
}

} // namespace
