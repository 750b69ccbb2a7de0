// SPDX-License-Identifier: MIT
// server_harness: one HTTP server shard built in memory (reactor, buffer ring, shard, the hello
// example's routes) whose connections run over a net::loopback: the server's own connection code
// runs, but no socket, system call or loop turn is involved per request.
#pragma once

#include <memory>
#include <span>
#include <string>

#include <corio/core/buffer_ring.hpp>
#include <corio/core/reactor.hpp>
#include <corio/core/shard.hpp>
#include <corio/http/server.hpp>
#include <corio/net/loopback.hpp>

namespace corio::http {
class server_connection;
}

namespace corio::bench {

/// A server shard with the routes GET /plaintext and GET /json; single-threaded, loop never run.
class server_harness {
public:
    /// Builds the shard; ok() is false when io_uring is unavailable (error() says why).
    server_harness();
    ~server_harness();
    server_harness(const server_harness&) = delete;
    server_harness& operator=(const server_harness&) = delete;

    /// True when the shard was built.
    bool ok() const noexcept { return _state != nullptr; }
    /// Why the shard could not be built.
    const std::string& error() const noexcept { return _error; }
    /// Opens a connection over the loopback as accept would (the harness owns it).
    http::server_connection& connect();
    /// Delivers `bytes` to `c` as one receive and runs until it has answered.
    void feed(http::server_connection& c, std::string_view bytes);
    /// Sends what was written to `c` (as the end of a loop turn does).
    void send(http::server_connection& c);
    /// From now on, `c`'s answers are dropped as its peer reads them.
    void discard_output(http::server_connection& c);
    /// Appends what `c` has sent to `out`.
    void take_output(http::server_connection& c, std::string& out);

private:
    std::string _error;
    std::unique_ptr<reactor> _loop;
    std::unique_ptr<buffer_ring> _buffers;
    std::unique_ptr<shard> _shard;
    std::unique_ptr<net::loopback> _wire;
    std::unique_ptr<http::server> _server;
    std::unique_ptr<http::server::shard_state> _state;
};

} // namespace corio::bench
