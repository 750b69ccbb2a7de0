// SPDX-License-Identifier: MIT
#include <corio/http/client_stream.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

#include "client_connection.hpp"

namespace corio::http {

client_stream::client_stream(client_stream&& other) noexcept
    : _head(std::move(other._head)), _taken(std::exchange(other._taken, 0)), _conn(std::exchange(other._conn, nullptr)),
      _length(other._length), _error(other._error) {
    if (_conn != nullptr) _conn->stream_moved(*this);
}

client_stream& client_stream::operator=(client_stream&& other) noexcept {
    if (this != &other) {
        release();
        _head = std::move(other._head);
        _taken = std::exchange(other._taken, 0);
        _conn = std::exchange(other._conn, nullptr);
        _length = other._length;
        _error = other._error;
        if (_conn != nullptr) _conn->stream_moved(*this);
    }
    return *this;
}

client_stream::~client_stream() {
    release();
}

void client_stream::release() noexcept {
    if (_conn != nullptr) std::exchange(_conn, nullptr)->drop_stream();
}

bool stream_read::await_ready() noexcept {
    client_stream& s = *_stream;
    const std::string& buffered = s._head.body();
    if (s._taken < buffered.size()) {
        // The bytes that came with the head (or with the close) first.
        _produced = std::min(buffered.size() - s._taken, _into.size());
        std::memcpy(_into.data(), buffered.data() + s._taken, _produced);
        s._taken += _produced;
        return true;
    }
    if (s._conn != nullptr && !_into.empty()) return false;
    _error = s._error; // the end (0 bytes), or why the body broke off
    return true;
}

void stream_read::await_suspend(std::coroutine_handle<> waiting) noexcept {
    _waiting = waiting;
    _stream->_conn->wait_read(*this);
}

result<std::size_t> stream_read::await_resume() noexcept {
    if (_error) return tl::unexpected(_error);
    return _produced;
}

} // namespace corio::http
