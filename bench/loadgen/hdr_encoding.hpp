// SPDX-License-Identifier: MIT
// hdr_encoding: HdrHistogram's V2 compressed encoding of one histogram, the form an interval log
// carries in base64. The uncompressed V2 form is a 40-byte big-endian header (cookie 0x1c849313,
// payload length, normalizing index offset, significant digits, lowest discernible value, highest
// trackable value, integer-to-double ratio) followed by the counts in HdrHistogram's counts order,
// each ZigZag LEB128 (at most 9 bytes), a run of N > 1 empty buckets as -N. The compressed form is
// cookie 0x1c849314, the length of what follows, and that header and payload deflated (zlib).
// corio-load's histogram has HdrHistogram's layout, so a bucket index is a counts index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::load {

/// Non-empty buckets as (index, count), ascending (histogram::sparse()).
using sparse_buckets = std::vector<std::pair<std::uint32_t, std::uint64_t>>;

/// A histogram decoded from the V2 encoding: its declared layout and its buckets.
struct decoded_histogram {
    std::int64_t lowest = 0;  ///< lowest discernible value
    std::int64_t highest = 0; ///< highest trackable value
    int significant_digits = 0;
    sparse_buckets buckets;
};

/// Encodes `buckets` (corio-load's layout: 1 ns to 1 h, 3 digits) in V2 compressed form.
std::string encode_histogram(const sparse_buckets& buckets);

/// Decodes a V2 compressed histogram. False with `error` saying what is wrong: not V2, a bad
/// length, a truncated or corrupt deflate stream, counts past the declared range.
bool decode_histogram(std::string_view bytes, decoded_histogram& out, std::string& error);

/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; false when `text` is not base64.
bool base64_decode(std::string_view text, std::string& bytes);

} // namespace corio::load
