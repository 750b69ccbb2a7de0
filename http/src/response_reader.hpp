// SPDX-License-Identifier: MIT
// response_reader: one whole response read from a byte stream that arrives in any pieces: the head
// through response_parser, then the body through body_decoder (Content-Length, chunked) or until the
// connection ends, into a client_response. The client connection feeds it what it receives and
// offers the unconsumed rest again with more bytes (tcp_connection's spill block), so the reader
// itself holds no input. It never consumes bytes past the end of the response. For a streamed
// response (client::open()) it stops after the head and the first bytes of the body; the rest is
// read piece by piece into the caller's buffers with read_into(). A head byte-identical to the last
// one it parsed is recognized with one memcmp, not parsed again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <corio/http/client_response.hpp>

#include "body_decoder.hpp"
#include "response_parser.hpp"

namespace corio::http::detail {

/// Reads one response at a time into a client_response.
class response_reader {
public:
    /// Where the response is.
    enum class state : std::uint8_t { head, body, until_close, done, failed };
    /// Why it failed.
    enum class failure : std::uint8_t {
        none,
        malformed, ///< not a valid response (head or body framing)
        too_large, ///< the head or the body exceeds its limit
        truncated  ///< the connection ended before the response did
    };

    /// Parses heads with `parser` (shared by the shard's connections); bodies larger than
    /// `max_body_bytes` fail as too_large.
    response_reader(response_parser& parser, std::uint64_t max_body_bytes) noexcept
        : _parser(&parser), _max_body(max_body_bytes) {}

    /// Bytes of a body read into caller buffers by read_into().
    struct piece {
        std::size_t used = 0;     ///< input bytes consumed (framing and payload)
        std::size_t produced = 0; ///< payload bytes written
    };

    /// Starts a new response, to be written into `out`; `to_head_request`: it answers a HEAD. With
    /// `prefetch` (not 0) the body is streamed: at most `prefetch` bytes of it are read into `out`,
    /// the rest with read_into(), and max_body_bytes does not apply.
    void reset(client_response& out, bool to_head_request, std::uint64_t prefetch = 0) noexcept;
    /// Reads from `data`; returns how many leading bytes it used. Bytes not used are offered again
    /// with what follows them, except after done or failed, which take nothing more.
    std::size_t feed(std::span<const char> data);
    /// The connection ended, `rest` the bytes offered last but not used: a body delimited by the
    /// close is done, an unfinished head is malformed if it already is, anything else truncated.
    void end_of_input(std::span<const char> rest = {});
    /// A streamed body: decodes from `data` into `out` (stops when either is used up or the body
    /// ends: state done, or failed for malformed framing).
    piece read_into(std::span<const char> data, std::span<char> out);
    /// A streamed body whose connection ended: the body left in `rest` is appended to `into`'s
    /// body, then as end_of_input().
    void drain(std::span<const char> rest, client_response& into);

    /// Where the response is.
    state where() const noexcept { return _state; }
    /// Why it failed (state::failed).
    failure why() const noexcept { return _failure; }
    /// True once the head has been parsed (a 1xx does not count).
    bool head_received() const noexcept { return _state != state::head; }
    /// After done: the connection may carry another exchange.
    bool keep_alive() const noexcept { return _keep_alive; }
    /// A streamed response whose head is in, with the body bytes that came with it (at most
    /// `prefetch`): the rest is to be read with read_into().
    bool prefetched() const noexcept {
        return _prefetch != 0 && (_state == state::body || _state == state::until_close);
    }
    /// The head's Content-Length, if it had one.
    std::optional<std::uint64_t> content_length() const noexcept { return _length; }

private:
    // What a parsed head says about the response and its body.
    struct head_facts {
        std::uint16_t status = 0;
        std::uint8_t version_minor = 1;
        bool keep_alive = false;
        response_body_framing framing = response_body_framing::none;
        std::uint64_t content_length = 0;
    };
    // Heads remembered for the memcmp match are short ones only (a few hundred bytes per connection).
    static constexpr std::size_t max_known_head = 512;

    // `last`: no more bytes will come (parse even when worth_parsing says it would tell nothing new).
    std::size_t read_head(std::span<const char> data, bool last = false);
    // The body that `head` announces follows.
    void start_body(const head_facts& head);
    // True when parsing `data` (the head so far, offered again from its start) can tell more than
    // the last try: a blank line has arrived since, the head has doubled, or it passes the limit.
    bool worth_parsing(std::span<const char> data) noexcept;
    // Appends the body decoded from `data` to the response, up to `limit` bytes of it in all.
    std::size_t read_body(std::span<const char> data, std::uint64_t limit);
    void fail(failure f) noexcept {
        _state = state::failed;
        _failure = f;
    }

    response_parser* _parser;
    client_response* _out = nullptr;
    body_decoder _decoder;
    std::uint64_t _max_body;
    std::uint64_t _prefetch = 0; // streamed: body bytes read into the response before read_into() takes over
    std::optional<std::uint64_t> _length;
    state _state = state::done;
    failure _failure = failure::none;
    bool _to_head = false;
    bool _keep_alive = false;
    std::size_t _scanned = 0;     // head bytes searched for a blank line
    std::size_t _parsed_size = 0; // head bytes at the last parse
    // The last head parsed (when short), what it said and the copy of it the response was given.
    std::string _known_head;
    head_facts _known;
    std::string _known_text;
    std::vector<client_response::field> _known_fields;
    client_response::span _known_reason;
    bool _known_to_head = false;
};

} // namespace corio::http::detail
