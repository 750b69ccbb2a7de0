// SPDX-License-Identifier: MIT
// HdrHistogram's V2 encoding and interval log: exact round trips, HdrHistogram's bucket layout, and
// refusals that name what is wrong.
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "hdr_encoding.hpp"
#include "histogram.hpp"
#include "interval_log.hpp"

namespace {

using namespace corio::load;

TEST(hdr_layout, indices_are_hdrhistograms_counts_indices) {
    // HdrHistogram (lowest 1, 3 digits): 2048 sub-buckets, so 0..2047 map to themselves, then 1024
    // buckets per power of two.
    EXPECT_EQ(histogram::sub_count, 2048U);
    EXPECT_EQ(histogram::bucket_count, 33792U); // HdrHistogram's countsArrayLength for 1 ns..1 h
    EXPECT_EQ(histogram::bucket_of(0), 0U);
    EXPECT_EQ(histogram::bucket_of(2047), 2047U);
    EXPECT_EQ(histogram::bucket_of(2048), 2048U);
    EXPECT_EQ(histogram::bucket_of(2049), 2048U);
    EXPECT_EQ(histogram::bucket_of(4096), 3072U);
    EXPECT_EQ(histogram::bucket_low(3072), 4096U);
    EXPECT_EQ(histogram::bucket_high(3072), 4100U);
    EXPECT_LT(histogram::bucket_of(histogram::highest), histogram::bucket_count);
    EXPECT_EQ(histogram::bucket_of(UINT64_MAX), histogram::bucket_count - 1);
}

TEST(hdr_encoding, round_trip_is_exact) {
    auto h = std::make_unique<histogram>();
    std::mt19937_64 rng(5);
    std::lognormal_distribution<double> d(11.0, 2.0);
    for (int i = 0; i < 100000; ++i)
        h->record(static_cast<std::uint64_t>(d(rng)));
    sparse_buckets buckets = h->sparse();
    buckets.emplace_back(static_cast<std::uint32_t>(histogram::bucket_count - 1), std::uint64_t{1} << 60); // 9 bytes
    const std::string bytes = encode_histogram(buckets);
    decoded_histogram back;
    std::string error;
    ASSERT_TRUE(decode_histogram(bytes, back, error)) << error;
    EXPECT_EQ(back.buckets, buckets);
    EXPECT_EQ(back.lowest, 1);
    EXPECT_EQ(back.highest, 3'600'000'000'000);
    EXPECT_EQ(back.significant_digits, 3);
    // Empty, and a single bucket after a gap of one.
    for (const sparse_buckets& b : {sparse_buckets{}, sparse_buckets{{1, 7}}, sparse_buckets{{0, 1}, {2, 3}}}) {
        ASSERT_TRUE(decode_histogram(encode_histogram(b), back, error)) << error;
        EXPECT_EQ(back.buckets, b);
    }
}

TEST(hdr_encoding, refuses_damaged_input) {
    const std::string good = encode_histogram({{100, 5}, {5000, 2}});
    decoded_histogram out;
    std::string error;
    EXPECT_FALSE(decode_histogram(good.substr(0, good.size() - 3), out, error));
    EXPECT_NE(error.find("truncated"), std::string::npos) << error;
    std::string cookie = good;
    cookie[3] = 0x01;
    EXPECT_FALSE(decode_histogram(cookie, out, error));
    EXPECT_NE(error.find("not a V2"), std::string::npos) << error;
    std::string corrupt = good;
    corrupt[12] = static_cast<char>(corrupt[12] ^ 0x55);
    EXPECT_FALSE(decode_histogram(corrupt, out, error));
}

TEST(hdr_encoding, base64_round_trip) {
    std::string bytes;
    for (int i = 0; i < 256; ++i)
        bytes.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n < 6; ++n) {
        std::string back;
        ASSERT_TRUE(base64_decode(base64_encode(bytes.substr(0, n)), back));
        EXPECT_EQ(back, bytes.substr(0, n));
    }
    std::string back;
    ASSERT_TRUE(base64_decode(base64_encode(bytes), back));
    EXPECT_EQ(back, bytes);
    EXPECT_EQ(base64_encode("Man"), "TWFu");
    EXPECT_FALSE(base64_decode("TWF", back));
    EXPECT_FALSE(base64_decode("TW!u", back));
}

TEST(interval_log, round_trip) {
    interval_log log;
    log.label = "worker-3";
    log.start_unix_s = 1765000000.25;
    for (int s = 0; s < 3; ++s) {
        log_interval i;
        i.start_unix_s = log.start_unix_s + s;
        i.length_s = s == 2 ? 0.5 : 1.0;
        i.max_ns = 123456789;
        i.buckets = {{static_cast<std::uint32_t>(100 + s), 10}, {20000, 3}};
        log.intervals.push_back(i);
    }
    const std::string path = testing::TempDir() + "round_trip.hlog";
    std::string error;
    ASSERT_TRUE(write_interval_log(path, log, error)) << error;
    interval_log back;
    ASSERT_TRUE(read_interval_log(path, back, error)) << error;
    EXPECT_EQ(back.label, "worker-3");
    EXPECT_DOUBLE_EQ(back.start_unix_s, 1765000000.25);
    ASSERT_EQ(back.intervals.size(), 3U);
    for (int s = 0; s < 3; ++s) {
        EXPECT_NEAR(back.intervals[s].start_unix_s, log.intervals[s].start_unix_s, 1e-3);
        EXPECT_EQ(back.intervals[s].length_s, log.intervals[s].length_s);
        EXPECT_EQ(back.intervals[s].max_ns, 123456789U);
        EXPECT_EQ(back.intervals[s].buckets, log.intervals[s].buckets);
    }

    // A truncated last line is refused with the file and line named.
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = testing::TempDir() + "cut.hlog";
    std::ofstream(cut) << text.substr(0, text.size() - 20);
    EXPECT_FALSE(read_interval_log(cut, back, error));
    EXPECT_NE(error.find(cut + ":8:"), std::string::npos) << error;
    std::ofstream(cut) << "not a log\n";
    EXPECT_FALSE(read_interval_log(cut, back, error));
    EXPECT_NE(error.find(cut), std::string::npos) << error;
    std::remove(path.c_str());
    std::remove(cut.c_str());
}

} // namespace
