// SPDX-License-Identifier: MIT
// body_decoder: streams a request body framed by Content-Length or by the chunked transfer-coding
// (RFC 9112 7.1) into caller buffers, piece by piece, without allocating. The server resets one
// per request once the head is parsed, then feeds it whatever arrived after the head, in any
// splits, and hands the payload to a handler that reads it into its own buffer. Chunked framing is
// checked as strictly as the buffered path (request_parser over llhttp 8, no lenient flags), and
// more strictly where llhttp skips bytes without looking at them (the LF after a CR, the CRLF after
// chunk data, the shape of trailer field names); bytes after the end of the body are never
// consumed, since they belong to the next request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace corio::http {

/// Decodes a request body that arrives in arbitrary pieces, copying its payload into caller buffers.
class body_decoder {
public:
    /// Framing of the body.
    enum class framing : std::uint8_t { none, length, chunked };
    /// Outcome of one decode() call.
    enum class state : std::uint8_t { more, done, error };
    struct step {
        std::size_t consumed = 0; ///< input bytes used (framing and payload); on error, the offending byte's offset
        std::size_t produced = 0; ///< payload bytes copied into `out`
        state what = state::more; ///< more: needs more input or more room; done: body (and trailers) ended;
                                  ///< error: malformed (and every later call fails too, consuming nothing)
    };

    /// Resets for a new body: `framing::length` with `length` bytes, `framing::chunked`, or
    /// `framing::none` (an empty body, done at once). `max_trailer_bytes` bounds the trailer
    /// section (its field lines with their CRLFs; the empty line that ends it is not counted).
    void reset(framing f, std::uint64_t length = 0, std::uint32_t max_trailer_bytes = 16384) noexcept;

    /// Decodes from `in` into `out`; stops when `out` is full, `in` is used up, or the body ended
    /// (never consumes bytes past the end of the body: they belong to the next request). With `out`
    /// full it still consumes framing (chunk lines, CRLFs, trailers), so it may report done.
    /// `out` may start where `in` does (decoding in place): payload never overtakes the input.
    step decode(std::span<const char> in, std::span<char> out) noexcept;
    /// Like decode() into endless room, but the payload is only counted, not copied (a caller that
    /// frames bodies without reading them): `produced` stays 0 and total() counts the payload. Stops
    /// only when `in` is used up or the body ended.
    step skip(std::span<const char> in) noexcept;

    /// True once the whole body (and, for chunked, its trailer section) has been decoded.
    bool done() const noexcept;

    /// Payload bytes produced so far (for body size limits).
    std::uint64_t total() const noexcept { return _total; }

private:
    // decode() and skip(): `out` is null when skipping.
    step run(std::span<const char> in, std::span<char> out, bool skipping) noexcept;

    std::uint64_t _remaining = 0; // bytes left of the body (length) or of the chunk; a chunk-size being read
    std::uint64_t _total = 0;
    std::uint32_t _trailer_budget = 0; // trailer bytes still allowed
    std::uint8_t _phase = 0;           // where in the body it is (see body_decoder.cpp)
    std::uint8_t _name = 0;            // trailer field name: how much of a framing field's name it matched
};

} // namespace corio::http
