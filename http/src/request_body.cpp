// SPDX-License-Identifier: MIT
#include "request_body.hpp"

#include <cerrno>
#include <utility>

namespace corio::http::detail {

void request_body::start(bool chunked, std::uint64_t length, std::uint64_t limit, std::uint32_t max_line,
                         bool expect_continue) noexcept {
    _streaming = true;
    _expect_continue = expect_continue;
    _limit = limit;
    _decoder.reset(chunked ? body_decoder::framing::chunked : body_decoder::framing::length, length, max_line);
}

bool request_body::read(body_read& op) noexcept {
    if (_error != 0) {
        op._error = _error;
        return true;
    }
    if (op._into.empty()) {
        op._error = EINVAL;
        return true;
    }
    while (!_decoder.done() && !_input.empty()) {
        const body_decoder::step st = _decoder.decode(_input, op._into);
        _input = _input.subspan(st.consumed);
        if (st.what == body_decoder::state::error) {
            _error = EPROTO;
        } else if (_decoder.total() > _limit) {
            _error = EMSGSIZE;
        }
        if (_error != 0) {
            op._error = _error;
            return true;
        }
        if (st.produced != 0) {
            op._produced = st.produced;
            return true;
        }
    }
    return _decoder.done(); // the end of the body reads as 0 bytes
}

std::coroutine_handle<> request_body::completed() noexcept {
    if (!_reader || _input.empty() || !read(*_read)) return {};
    _read = nullptr;
    return std::exchange(_reader, nullptr);
}

void request_body::skip_framing() noexcept {
    if (_reader || _decoder.done() || _input.empty() || _error != 0) return;
    const body_decoder::step st = _decoder.decode(_input, {});
    _input = _input.subspan(st.consumed);
}

std::size_t request_body::withdraw(std::span<char> offered) noexcept {
    const std::size_t used = offered.size() - _input.size();
    _input = {};
    return used;
}

std::coroutine_handle<> request_body::fail(int error) noexcept {
    if (!unread()) return {}; // the body is all there: nothing to fail
    if (_error == 0) _error = error;
    if (!_reader) return {};
    _read->_error = _error;
    _read = nullptr;
    return std::exchange(_reader, nullptr);
}

} // namespace corio::http::detail
