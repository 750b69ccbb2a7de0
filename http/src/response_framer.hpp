// SPDX-License-Identifier: MIT
// response_framer: tells where each response on a connection ends, for a caller that only counts
// them (corio-load): the head through response_parser (llhttp, strict, shared by the caller's
// connections), then the body skipped without copying: by Content-Length in one step, chunked
// through body_decoder, or until the connection closes. Input comes in any pieces and is not kept,
// except a head cut by the end of a piece, which is copied into a spill buffer of its own (bounded
// by the parser's max_head_bytes, allocated the first time a head is cut and reused after) and parsed
// again from its start when that can tell more. Interim 1xx responses are skipped by the parser;
// input that breaks the framing rules fails the framer, and the connection must close.
// A server under load sends the same head again and again (hello's changes once a second, with its
// Date): a head byte-identical to the last one the framer parsed means what that one meant (the
// parser is stateless), so it is recognized with one memcmp instead of being parsed again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "body_decoder.hpp"
#include "response_parser.hpp"

namespace corio::http {

/// What the framer tells about one complete response.
struct framed_response {
    std::uint16_t status = 0; ///< 200..599 (interim responses are skipped)
    bool close = false;       ///< the server closes after it (Connection: close, HTTP/1.0, a body until close)
    std::uint64_t body = 0;   ///< body bytes (payload bytes of all chunks when chunked)
};

/// Frames the responses on one connection; uses (does not own) a response_parser that may serve
/// other framers on the same thread.
class response_framer {
public:
    /// A framer whose heads are parsed by `parser` (which must outlive it).
    explicit response_framer(response_parser& parser) noexcept : _parser(&parser) {}

    /// Makes every response a response to HEAD (no body whatever its header fields say).
    void set_head_requests(bool head) noexcept {
        _head_requests = head;
        _known_head.clear();
    }
    /// Starts over for a new connection (the spill buffer keeps its memory).
    void reset() noexcept;
    /// True between responses (no byte of a response seen yet).
    bool idle() const noexcept { return _phase == phase::head && _spill.empty(); }

    /// Feeds the next bytes; calls `done(const framed_response&)` for each complete response.
    /// Returns false once the input is malformed or a head too large (later calls return false too).
    template <class Done>
    bool feed(std::span<const char> data, Done&& done) {
        while (!data.empty()) {
            const std::size_t used = advance(data);
            if (_phase == phase::failed) return false;
            data = data.subspan(used);
            if (_complete) {
                _complete = false;
                done(_last);
            }
        }
        return _phase != phase::failed;
    }

    /// True once the input was refused (malformed, or a head too large).
    bool failed() const noexcept { return _phase == phase::failed; }

    /// The peer closed: completes a response whose body runs until the close. Returns true if it
    /// did (`done` was called); false if the framer was idle or a response was cut short. A cut head
    /// is parsed once more first, so that whether it is malformed (failed() tells) does not depend
    /// on how its bytes arrived.
    template <class Done>
    bool finish(Done&& done) {
        if (_phase == phase::head && _spill.size() > _parsed_size) parse_cut_head();
        if (_phase != phase::until_close) return false;
        _phase = phase::head;
        done(_last);
        return true;
    }

private:
    enum class phase : std::uint8_t { head, length, chunked, until_close, failed };

    // Uses a prefix of `data` (at least one byte unless it fails): a head, a piece of one, or body
    // bytes. Sets _complete (and _last) when a response ended with those bytes.
    std::size_t advance(std::span<const char> data);
    // Parses `head` (the input, or the spill buffer) and, when complete, starts its body. Returns the
    // head's size, 0 when incomplete (or failed).
    std::size_t parse_head(std::span<const char> head);
    // The body after a head that `framing` delimits; `_last` holds the head's status and close.
    void start_body(response_body_framing framing, std::uint64_t length);
    std::size_t head_in_pieces(std::span<const char> data);
    // True when parsing the spill buffer again can tell more than the last parse (see response_reader).
    bool worth_parsing() noexcept;
    // finish(): the cut head's bytes not parsed yet are parsed (a head without its blank line cannot
    // be complete: this only tells malformed from cut short).
    void parse_cut_head();
    void complete() noexcept {
        _phase = phase::head;
        _complete = true;
    }

    response_parser* _parser;
    body_decoder _chunks;
    std::string _spill;           // a head cut by the end of the input, its bytes so far
    std::uint64_t _remaining = 0; // phase::length: body bytes left
    framed_response _last;
    std::string _known_head; // the last head parsed (when short), with what it said:
    framed_response _known;
    std::uint64_t _known_length = 0;
    response_body_framing _known_framing = response_body_framing::none;
    std::uint32_t _scanned = 0;     // spill bytes searched for a blank line
    std::uint32_t _parsed_size = 0; // spill bytes at the last parse
    phase _phase = phase::head;
    bool _complete = false;
    bool _head_requests = false;
};

} // namespace corio::http
