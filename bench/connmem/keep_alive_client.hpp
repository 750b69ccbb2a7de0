// SPDX-License-Identifier: MIT
// keep_alive_client: opens keep-alive HTTP/1.1 connections one after another, sends one GET on
// each, reads its whole response (Content-Length or chunked framing) and keeps the connection open.
// Plain blocking sockets: the point is the server's memory per idle connection, not speed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace corio::bench {

/// Where to connect and what to ask.
struct client_target {
    std::string address = "127.0.0.1"; ///< numeric IPv4 address
    std::uint16_t port = 8080;
    std::string path = "/plaintext";
    std::chrono::milliseconds timeout{5000}; ///< per connect and per response
};

/// Holds the open connections; closes them when destroyed.
class keep_alive_client {
public:
    explicit keep_alive_client(client_target target) : _target(std::move(target)) {}
    ~keep_alive_client() { close_all(); }
    keep_alive_client(const keep_alive_client&) = delete;
    keep_alive_client& operator=(const keep_alive_client&) = delete;

    /// Opens one connection, sends the request `requests` times (each after the previous answer) and
    /// reads the responses; false (with error()) on failure.
    bool open_one(unsigned requests = 1);
    /// Opens one connection and sends one request without waiting for the answer (a burst);
    /// read_unanswered() reads the answers later. False (with error()) on failure.
    bool open_unanswered();
    /// Reads the answer of every connection opened with open_unanswered() since the last call.
    bool read_unanswered();
    /// Closes every connection.
    void close_all() noexcept;
    /// Connections currently open.
    std::size_t size() const noexcept { return _fds.size(); }
    /// What the last failure was.
    const std::string& error() const noexcept { return _error; }

private:
    bool fail(const std::string& what, int fd);
    bool read_response(int fd);
    int connect_one();

    client_target _target;
    std::string _request;
    std::vector<int> _fds;
    std::size_t _answered = 0; // _fds[0, _answered) have read their answers
    std::string _error;
};

} // namespace corio::bench
