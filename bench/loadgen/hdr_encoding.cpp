// SPDX-License-Identifier: MIT
#include "hdr_encoding.hpp"

#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

#include "histogram.hpp"

namespace corio::load {

namespace {

constexpr std::uint32_t v2_cookie = 0x1c849303;            // the cookie's base; | 0x10 in the encoding
constexpr std::uint32_t v2_compressed_cookie = 0x1c849304; // likewise
constexpr std::uint32_t cookie_size_bits = 0x10;           // HdrHistogram sets the word-size nibble to 1 for V2
constexpr std::size_t header_bytes = 40;

void put32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xff));
}
std::uint64_t get(std::string_view in, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
    return v;
}

// ZigZag, then LEB128 in which the ninth byte carries 8 bits (HdrHistogram's 64-bit form).
void put_zigzag(std::string& out, std::int64_t value) {
    std::uint64_t v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    for (int i = 0; i < 8; ++i) {
        if (v < 0x80) {
            out.push_back(static_cast<char>(v));
            return;
        }
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
bool get_zigzag(std::string_view in, std::size_t& at, std::int64_t& value) {
    std::uint64_t v = 0;
    for (int i = 0; i < 9; ++i) {
        if (at >= in.size()) return false;
        const auto byte = static_cast<unsigned char>(in[at++]);
        if (i == 8) {
            v |= static_cast<std::uint64_t>(byte) << 56;
            break;
        }
        v |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) break;
    }
    value = static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
    return true;
}

} // namespace

std::string encode_histogram(const sparse_buckets& buckets) {
    std::string payload;
    std::uint32_t next = 0; // the counts index the payload has reached
    for (const auto& [index, count] : buckets) {
        if (count == 0) continue;
        const std::uint32_t gap = index - next;
        if (gap == 1) put_zigzag(payload, 0);
        if (gap > 1) put_zigzag(payload, -static_cast<std::int64_t>(gap));
        put_zigzag(payload, static_cast<std::int64_t>(count));
        next = index + 1;
    }
    std::string raw;
    raw.reserve(header_bytes + payload.size());
    put32(raw, v2_cookie | cookie_size_bits);
    put32(raw, static_cast<std::uint32_t>(payload.size()));
    put32(raw, 0); // normalizing index offset
    put32(raw, histogram::significant_digits);
    put64(raw, histogram::lowest);
    put64(raw, histogram::highest);
    double ratio = 1.0;
    std::uint64_t ratio_bits = 0;
    std::memcpy(&ratio_bits, &ratio, sizeof ratio);
    put64(raw, ratio_bits);
    raw += payload;

    uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
    std::string packed(packed_size, '\0');
    // compress2 writes a zlib stream, as java.util.zip.Deflater does; it fails only on memory.
    if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK) {
        return {};
    }
    packed.resize(packed_size);
    std::string out;
    put32(out, v2_compressed_cookie | cookie_size_bits);
    put32(out, static_cast<std::uint32_t>(packed.size()));
    return out + packed;
}

bool decode_histogram(std::string_view bytes, decoded_histogram& out, std::string& error) {
    out = {};
    if (bytes.size() < 8) {
        error = "a histogram of " + std::to_string(bytes.size()) + " bytes is truncated";
        return false;
    }
    const auto cookie = static_cast<std::uint32_t>(get(bytes, 0, 4));
    if ((cookie & ~0xf0U) != v2_compressed_cookie) {
        error = fmt::format("not a V2 compressed histogram (cookie {:#010x})", cookie);
        return false;
    }
    const std::uint64_t packed_size = get(bytes, 4, 4);
    if (packed_size != bytes.size() - 8) {
        error = "the compressed histogram's length (" + std::to_string(packed_size) + ") disagrees with its " +
                std::to_string(bytes.size() - 8) + " bytes (truncated?)";
        return false;
    }
    // Inflate in steps: the header says how long the payload is, and nothing may exceed it.
    z_stream z{};
    if (inflateInit(&z) != Z_OK) {
        error = "zlib: inflateInit failed";
        return false;
    }
    std::string raw;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + 8));
    z.avail_in = static_cast<uInt>(packed_size);
    int rc = Z_OK;
    constexpr std::size_t limit = header_bytes + histogram::bucket_count * 9;
    while (rc == Z_OK && raw.size() < limit) {
        char chunk[16384];
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        raw.append(chunk, sizeof chunk - z.avail_out);
        if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        error = "the histogram's deflate stream is truncated or corrupt";
        return false;
    }
    if (raw.size() < header_bytes || (static_cast<std::uint32_t>(get(raw, 0, 4)) & ~0xf0U) != v2_cookie) {
        error = "the inflated histogram is not in the V2 encoding";
        return false;
    }
    const std::uint64_t payload_size = get(raw, 4, 4);
    if (payload_size != raw.size() - header_bytes) {
        error = "the histogram's payload length disagrees with its contents";
        return false;
    }
    if (get(raw, 8, 4) != 0) {
        error = "a histogram with a normalizing index offset (shifted) is not supported";
        return false;
    }
    out.significant_digits = static_cast<int>(get(raw, 12, 4));
    out.lowest = static_cast<std::int64_t>(get(raw, 16, 8));
    out.highest = static_cast<std::int64_t>(get(raw, 24, 8));
    if (out.lowest != static_cast<std::int64_t>(histogram::lowest) ||
        out.significant_digits != static_cast<int>(histogram::significant_digits)) {
        error = "the histogram's range (lowest discernible value " + std::to_string(out.lowest) + ", " +
                std::to_string(out.significant_digits) +
                " significant digits) differs from corio-load's (1 ns, 3 digits): its buckets would not add up";
        return false;
    }
    std::size_t at = header_bytes;
    std::uint64_t index = 0;
    while (at < raw.size()) {
        std::int64_t v = 0;
        if (!get_zigzag(raw, at, v)) {
            error = "the histogram's counts end in the middle of a number";
            return false;
        }
        if (v < 0) {
            index += static_cast<std::uint64_t>(-v);
            continue;
        }
        if (v > 0) {
            if (index >= histogram::bucket_count) {
                error = "the histogram has counts past corio-load's range (1 h)";
                return false;
            }
            out.buckets.emplace_back(static_cast<std::uint32_t>(index), static_cast<std::uint64_t>(v));
        }
        ++index;
    }
    return true;
}

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=');
        out.push_back(i + 2 < bytes.size() ? alphabet[v & 63] : '=');
    }
    return out;
}

bool base64_decode(std::string_view text, std::string& bytes) {
    bytes.clear();
    if (text.size() % 4 != 0) return false;
    std::uint32_t v = 0;
    int bits = 0;
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        int d = 0;
        if (c == '=') {
            if (i + 2 < text.size()) return false;
            ++padding;
            continue;
        }
        if (padding != 0) return false;
        const char* p = std::strchr(alphabet, c);
        if (p == nullptr || c == '\0') return false;
        d = static_cast<int>(p - alphabet);
        v = (v << 6) | static_cast<std::uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((v >> bits) & 0xff));
        }
    }
    return true;
}

} // namespace corio::load
