// SPDX-License-Identifier: MIT
#include "response_framer.hpp"

#include <algorithm>
#include <cstring>

namespace corio::http {

namespace {
// Heads remembered for the memcmp match: short ones only, so that a connection keeps at most this
// much (a server's usual head is 100-300 bytes).
constexpr std::size_t known_head_limit = 512;
} // namespace

void response_framer::reset() noexcept {
    _spill.clear();
    _known_head.clear();
    _remaining = 0;
    _last = {};
    _scanned = _parsed_size = 0;
    _phase = phase::head;
    _complete = false;
}

std::size_t response_framer::advance(std::span<const char> data) {
    switch (_phase) {
    case phase::head: {
        if (!_spill.empty()) return head_in_pieces(data);
        const std::size_t known = _known_head.size();
        if (known != 0 && data.size() >= known && std::memcmp(data.data(), _known_head.data(), known) == 0) {
            _last = _known;
            start_body(_known_framing, _known_length);
            return known;
        }
        const std::size_t n = parse_head(data);
        if (n != 0 || _phase == phase::failed) return n;
        // Cut by the end of the input (within max_head_bytes, or the parser would have said
        // too_large): keep its bytes, since the input goes back to its owner once this returns.
        _spill.assign(data.data(), data.size());
        _scanned = _parsed_size = static_cast<std::uint32_t>(data.size());
        return data.size();
    }
    case phase::length: {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), _remaining));
        _remaining -= n;
        if (_remaining == 0) complete();
        return n;
    }
    case phase::chunked: {
        const body_decoder::step step = _chunks.skip(data);
        if (step.what == body_decoder::state::error) {
            _phase = phase::failed;
            return 0;
        }
        if (step.what == body_decoder::state::done) {
            _last.body = _chunks.total();
            complete();
        }
        return step.consumed;
    }
    case phase::until_close:
        _last.body += data.size();
        return data.size();
    case phase::failed:
        break;
    }
    return 0;
}

std::size_t response_framer::parse_head(std::span<const char> head) {
    response_head h;
    const response_outcome outcome = _parser->parse(head, _head_requests, h);
    switch (outcome.what) {
    case response_outcome::kind::incomplete:
        return 0;
    case response_outcome::kind::malformed:
    case response_outcome::kind::too_large:
        _phase = phase::failed;
        return 0;
    case response_outcome::kind::complete:
        break;
    }
    _last = framed_response{h.status, !h.keep_alive, 0};
    if (outcome.consumed <= known_head_limit) {
        _known_head.assign(head.data(), outcome.consumed);
        _known = _last;
        _known_framing = h.framing;
        _known_length = h.content_length;
    } else {
        _known_head.clear();
    }
    start_body(h.framing, h.content_length);
    return outcome.consumed;
}

void response_framer::start_body(response_body_framing framing, std::uint64_t length) {
    switch (framing) {
    case response_body_framing::none:
        complete();
        break;
    case response_body_framing::length:
        _remaining = length;
        _last.body = length;
        _phase = phase::length;
        break;
    case response_body_framing::chunked:
        // The trailer section is bounded like a head.
        _chunks.reset(body_decoder::framing::chunked, 0, _parser->limits().max_head_bytes);
        _phase = phase::chunked;
        break;
    case response_body_framing::until_close:
        _last.close = true;
        _phase = phase::until_close;
        break;
    }
}

// The spill buffer holds the start of a head; `data` continues it. Takes what can still belong to
// the head (up to one byte past the limit, which tells the parser it is too large) and parses the
// whole head again when that can tell more. Bytes taken beyond the head's end are not used: the
// caller offers them again.
std::size_t response_framer::head_in_pieces(std::span<const char> data) {
    const std::size_t old = _spill.size();
    const std::size_t room = _parser->limits().max_head_bytes + std::size_t{1} - old;
    const std::size_t take = std::min(data.size(), room);
    _spill.append(data.data(), take);
    if (!worth_parsing()) return take;
    const std::size_t n = parse_head(_spill);
    if (_phase == phase::failed) return 0;
    if (n == 0) return take;
    // The head ends in the new bytes: a blank line in the old ones would have been parsed then.
    if (n <= old) {
        _phase = phase::failed;
        return 0;
    }
    _spill.clear();
    return n - old;
}

void response_framer::parse_cut_head() {
    _parsed_size = static_cast<std::uint32_t>(_spill.size());
    if (parse_head(_spill) != 0) _phase = phase::failed; // not reached: a blank line is parsed when it comes
}

// A head that trickles in is parsed again from its start only when a blank line has arrived since
// the last parse, or the head has doubled, or it passes the limit: each byte is searched for a line
// end once and the parses add up to at most twice the head (a server that trickles a head byte by
// byte costs linear work, not quadratic). Mirrors response_reader::worth_parsing.
bool response_framer::worth_parsing() noexcept {
    const bool blank_line = blank_line_after(_spill, _scanned);
    _scanned = static_cast<std::uint32_t>(_spill.size());
    if (!blank_line && _spill.size() < 2 * std::size_t{_parsed_size} &&
        _spill.size() <= _parser->limits().max_head_bytes)
        return false;
    _parsed_size = static_cast<std::uint32_t>(_spill.size());
    return true;
}

} // namespace corio::http
