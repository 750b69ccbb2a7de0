// SPDX-License-Identifier: MIT
// loopback_client: a blocking POSIX-socket HTTP/1.1 client for the integration tests. Every socket
// has receive and send timeouts, so a server that never answers fails a test instead of hanging it.
// Responses framed by Content-Length are returned as views into the client's own buffer; once
// connected, the client allocates nothing for them, so the allocation test can drive it inside its
// measured loop. Streamed responses (chunked, or ended by the close) are collected into strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace corio::test {

/// True when a runtime start-up error means this machine cannot run io_uring (the test then skips).
bool io_uring_unavailable(std::string_view error_message);

/// Starts runtime `rt` with service `srv` in a GoogleTest body: skips the test when the kernel
/// lacks io_uring, fails it on any other start-up error.
#define CORIO_START_OR_SKIP(rt, srv)                                                                                   \
    do {                                                                                                               \
        if (!(rt).start(srv)) {                                                                                        \
            if (::corio::test::io_uring_unavailable((rt).error_message())) GTEST_SKIP() << (rt).error_message();       \
            FAIL() << "runtime start failed: " << (rt).error_message();                                                \
        }                                                                                                              \
    } while (0)

/// One parsed response; the views point into the client's buffer and stay valid until its next read.
struct reply {
    int status = 0;
    std::string_view head; ///< status line and header fields, including the blank line
    std::string_view body;
    std::string_view raw; ///< head followed by body, exactly as received (empty for a streamed body)

    /// The value of the first header named `name` (case-insensitive), without surrounding blanks.
    std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// How a wait for the end of a connection ended.
enum class peer_end { eof, reset, timeout, data, error };

/// A connected TCP client on 127.0.0.1.
class loopback_client {
public:
    /// Connects to 127.0.0.1:`port` with `timeout_ms` receive/send timeouts; check connected().
    /// `receive_buffer_bytes` > 0 sets SO_RCVBUF before connecting (a small TCP receive window).
    explicit loopback_client(std::uint16_t port, int timeout_ms = 5000, std::size_t buffer_bytes = 64 * 1024,
                             int receive_buffer_bytes = 0);
    ~loopback_client();
    loopback_client(loopback_client&& other) noexcept;
    loopback_client& operator=(loopback_client&&) = delete;
    loopback_client(const loopback_client&) = delete;
    loopback_client& operator=(const loopback_client&) = delete;

    /// True while the socket is open and connected.
    bool connected() const noexcept { return _fd >= 0; }
    /// The socket descriptor (-1 once closed).
    int fd() const noexcept { return _fd; }
    /// Turns Nagle off, so that each small write leaves as its own segment.
    void set_nodelay();
    /// Changes the receive and send timeouts.
    void set_timeout(int timeout_ms) noexcept;
    /// True when a read would not block within `timeout_ms`: bytes are buffered or arrive, or the
    /// peer closed or reset the connection.
    bool readable_within(int timeout_ms) noexcept;

    /// Writes all of `bytes`; false on error or timeout (see error()).
    bool send_all(std::string_view bytes) noexcept;
    /// Reads one response; `head_request` means the response has no body whatever Content-Length
    /// says. False on EOF, reset, timeout or a malformed response (see error()).
    bool read_response(reply& out, bool head_request = false) noexcept;
    /// Sends `request` and reads its response.
    bool roundtrip(std::string_view request, reply& out, bool head_request = false) noexcept;
    /// Waits until the server closes the connection (bytes already buffered count as data).
    peer_end wait_for_close() noexcept;

    /// Closes the socket with an RST instead of a FIN (SO_LINGER {1, 0}).
    void reset() noexcept;
    /// Closes the socket normally.
    void close() noexcept;

    /// What the last failed call ran into.
    std::string error() const;

private:
    // Reads more bytes into the buffer: >0 bytes, 0 EOF, -errno on failure or timeout.
    long fill() noexcept;
    // Reads a body without Content-Length (chunked or until EOF) after a head of `head_size` bytes.
    bool read_streamed_body(reply& out, std::size_t head_size) noexcept;
    bool fail(const char* what, int err = 0) noexcept;

    int _fd = -1;
    std::unique_ptr<char[]> _buffer;
    std::size_t _capacity = 0;
    std::size_t _begin = 0; // first unconsumed byte
    std::size_t _end = 0;   // one past the last received byte
    std::string _streamed_head;
    std::string _streamed_body;
    const char* _error = "";
    int _errno = 0;
};

} // namespace corio::test
