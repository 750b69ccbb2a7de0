// SPDX-License-Identifier: MIT
#include "response_reader.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace corio::http::detail {

void response_reader::reset(client_response& out, bool to_head_request, std::uint64_t prefetch) noexcept {
    _out = &out;
    _prefetch = prefetch;
    _length.reset();
    _to_head = to_head_request;
    _state = state::head;
    _failure = failure::none;
    _keep_alive = false;
    _scanned = _parsed_size = 0;
}

std::size_t response_reader::feed(std::span<const char> data) {
    std::size_t used = 0;
    if (_state == state::head) {
        used = read_head(data);
        if (_state == state::head || _state == state::failed) return used;
    }
    // A buffered body may take one byte past its limit, which tells that it is too large.
    const std::uint64_t limit = _prefetch != 0 ? _prefetch : _max_body + 1;
    if (_state == state::body || _state == state::until_close) used += read_body(data.subspan(used), limit);
    return used;
}

// A head that trickles in is parsed again from its start with each piece (the input moves between
// pieces: the parser cannot keep pointers into it). Parsing only when that can tell more keeps the
// work linear in the head's size: each byte is searched for a line end once, and the parses at
// doubling sizes add up to at most twice the head. Garbage is still refused at the first piece.
bool response_reader::worth_parsing(std::span<const char> data) noexcept {
    const bool blank_line = blank_line_after({data.data(), data.size()}, _scanned);
    _scanned = data.size();
    if (!blank_line && _parsed_size != 0 && data.size() < 2 * _parsed_size &&
        data.size() <= _parser->limits().max_head_bytes)
        return false;
    _parsed_size = data.size();
    return true;
}

std::size_t response_reader::read_head(std::span<const char> data, bool last) {
    // A head byte-identical to the last one parsed here (an upstream sends the same head again and
    // again; hello's changes once a second, with its Date) means what that one meant: the parser
    // keeps no state, so one memcmp stands for the parse.
    const std::size_t known = _known_head.size();
    if (known != 0 && _known_to_head == _to_head && data.size() >= known &&
        std::memcmp(data.data(), _known_head.data(), known) == 0) {
        client_response& out = *_out;
        out._status = _known.status;
        out._version_minor = _known.version_minor;
        out._text = _known_text;
        out._fields = _known_fields;
        out._reason = _known_reason;
        out._body.clear();
        start_body(_known);
        return known;
    }
    if (!worth_parsing(data) && !last) return 0;
    response_head head;
    const response_outcome outcome = _parser->parse(data, _to_head, head);
    switch (outcome.what) {
    case response_outcome::kind::incomplete:
        return 0;
    case response_outcome::kind::malformed:
        fail(failure::malformed);
        return 0;
    case response_outcome::kind::too_large:
        fail(failure::too_large);
        return 0;
    case response_outcome::kind::complete:
        break;
    }
    // Copy what the head says: the receive buffers go back to the ring once this returns.
    client_response& out = *_out;
    out._status = head.status;
    out._version_minor = head.version_minor;
    out._text.clear();
    out._fields.clear();
    out._body.clear();
    const auto append = [&out](std::string_view s) {
        const client_response::span at{static_cast<std::uint32_t>(out._text.size()),
                                       static_cast<std::uint32_t>(s.size())};
        out._text.append(s);
        return at;
    };
    out._reason = append(head.reason);
    out._fields.reserve(head.headers.size());
    for (const header_field& f : head.headers)
        out._fields.push_back({append(f.name), append(f.value)});
    const head_facts facts{head.status, head.version_minor, head.keep_alive, head.framing, head.content_length};
    if (outcome.consumed <= max_known_head) {
        _known_head.assign(data.data(), outcome.consumed);
        _known_to_head = _to_head;
        _known = facts;
        _known_text = out._text;
        _known_fields = out._fields;
        _known_reason = out._reason;
    }
    start_body(facts);
    return outcome.consumed;
}

void response_reader::start_body(const head_facts& head) {
    _keep_alive = head.keep_alive;
    switch (head.framing) {
    case response_body_framing::none:
        _state = state::done;
        break;
    case response_body_framing::length:
        _length = head.content_length;
        if (_prefetch == 0 && head.content_length > _max_body) {
            fail(failure::too_large);
            break;
        }
        _out->_body.reserve(_prefetch == 0 ? head.content_length : std::min(head.content_length, _prefetch));
        _decoder.reset(body_decoder::framing::length, head.content_length);
        _state = state::body;
        break;
    case response_body_framing::chunked:
        _decoder.reset(body_decoder::framing::chunked);
        _state = state::body;
        break;
    case response_body_framing::until_close:
        _state = state::until_close;
        break;
    }
}

std::size_t response_reader::read_body(std::span<const char> data, std::uint64_t limit) {
    std::string& body = _out->_body;
    if (_state == state::until_close) {
        const std::size_t taken = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), limit - body.size()));
        body.append(data.data(), taken);
        if (body.size() > _max_body && _prefetch == 0) fail(failure::too_large);
        return taken;
    }
    std::size_t used = 0;
    while (true) {
        // Payload never outgrows the input it comes from: room for all of it, or up to the limit.
        const std::size_t old = body.size();
        const std::size_t room = static_cast<std::size_t>(
            std::min<std::uint64_t>(std::max<std::size_t>(data.size() - used, 1), limit - old));
        body.resize(old + room);
        const body_decoder::step step = _decoder.decode(data.subspan(used), {body.data() + old, room});
        body.resize(old + step.produced);
        if (step.what == body_decoder::state::error) {
            fail(failure::malformed);
            return used;
        }
        used += step.consumed;
        if (_prefetch == 0 && body.size() > _max_body) {
            fail(failure::too_large);
            return used;
        }
        if (step.what == body_decoder::state::done) {
            _state = state::done;
            return used;
        }
        if (used == data.size() || (step.consumed == 0 && step.produced == 0)) return used;
    }
}

response_reader::piece response_reader::read_into(std::span<const char> data, std::span<char> out) {
    piece p;
    if (_state == state::until_close) {
        p.used = p.produced = std::min(data.size(), out.size());
        std::memcpy(out.data(), data.data(), p.produced);
        return p;
    }
    while (_state == state::body) {
        const body_decoder::step step = _decoder.decode(data.subspan(p.used), out.subspan(p.produced));
        p.used += step.consumed;
        p.produced += step.produced;
        if (step.what == body_decoder::state::error) {
            fail(failure::malformed);
        } else if (step.what == body_decoder::state::done) {
            _state = state::done;
        } else if (p.used == data.size() || p.produced == out.size() || (step.consumed == 0 && step.produced == 0)) {
            break;
        }
    }
    return p;
}

void response_reader::drain(std::span<const char> rest, client_response& into) {
    _out = &into;
    if (_state == state::body || _state == state::until_close) {
        const std::size_t used = read_body(rest, std::numeric_limits<std::uint64_t>::max());
        rest = rest.subspan(used);
    }
    end_of_input(rest);
}

void response_reader::end_of_input(std::span<const char> rest) {
    // A head whose last bytes were not parsed: parse it now, so that what it is (malformed, or only
    // cut short) does not depend on how its bytes arrived.
    if (_state == state::head && rest.size() > _parsed_size) read_head(rest, true);
    if (_state == state::until_close) {
        _state = state::done;
        _keep_alive = false;
    } else if (_state == state::head || _state == state::body) {
        fail(failure::truncated);
    }
}

} // namespace corio::http::detail
