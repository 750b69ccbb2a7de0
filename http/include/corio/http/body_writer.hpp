// SPDX-License-Identifier: MIT
// body_writer: the sink a streamed response's producer writes its body into. Each write queues a
// copy of the bytes as one chunk of the chunked transfer-coding; once the connection holds more
// unsent output than its high-water mark, the write suspends the producer until the client has
// read enough of it (backpressure: a slow reader stalls the producer, memory stays bounded).
#pragma once

#include <coroutine>
#include <string_view>

namespace corio::http {

namespace detail {
class exchange;
}

/// Awaitable of body_writer::write(): true once the bytes are queued, false if the client is gone
/// (stop producing; the connection is being closed).
class body_write {
public:
    bool await_ready() noexcept;
    void await_suspend(std::coroutine_handle<> waiting) noexcept;
    bool await_resume() noexcept;

private:
    friend class body_writer;
    body_write(detail::exchange* x, std::string_view bytes) noexcept : _exchange(x), _bytes(bytes) {}
    detail::exchange* _exchange;
    std::string_view _bytes;
    bool _ok = true;
};

/// Where a body_producer writes the body of a streamed response.
class body_writer {
public:
    /// Queues a copy of `bytes` as the next piece of the body (`co_await`); waits while the client is behind.
    body_write write(std::string_view bytes) noexcept;
    /// The body cannot be finished (its source failed): the connection closes at once, so the client
    /// sees the response cut short rather than a complete one. Writes fail from then on.
    void abort() noexcept;

private:
    friend class detail::exchange;
    explicit body_writer(detail::exchange* x) noexcept : _exchange(x) {}
    detail::exchange* _exchange;
};

} // namespace corio::http
