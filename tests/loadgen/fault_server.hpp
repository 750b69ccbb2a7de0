// SPDX-License-Identifier: MIT
// fault_server: a small blocking HTTP/1.1 server for corio-load's tests (a thread per connection,
// plain sockets, no io_uring) that answers request n (counted over all connections, from 1) as its
// plan says: normally, with an error status, with Connection: close, by dropping the connection,
// with a malformed or trickled response, or not at all. It counts what it did, so a test can
// compare the load generator's counts with the truth.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace corio::test {

/// How the server answers one request.
enum class fault {
    ok,          ///< 200, Content-Length
    status_500,  ///< 500
    status_404,  ///< 404
    close_after, ///< 200 with Connection: close, then closes
    drop,        ///< closes without answering
    malformed,   ///< a broken status line
    chunked,     ///< 200, chunked, written one byte at a time
    until_close, ///< 200 without length, body ended by closing
    stall,       ///< never answers (keeps the connection open)
};

class fault_server {
public:
    explicit fault_server(std::function<fault(std::uint64_t)> plan);
    ~fault_server();
    fault_server(const fault_server&) = delete;
    fault_server& operator=(const fault_server&) = delete;

    /// The port it listens on (127.0.0.1), 0 if it could not start.
    std::uint16_t port() const noexcept { return _port; }

    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> counts[9] = {}; ///< by fault, indexed by its value

    std::uint64_t count(fault f) const noexcept { return counts[static_cast<int>(f)].load(); }
    /// The client addresses (without ports) connections came from.
    std::set<std::string> peers();

private:
    void accept_loop();
    void serve(int fd);

    std::function<fault(std::uint64_t)> _plan;
    int _listen_fd = -1;
    std::uint16_t _port = 0;
    std::atomic<bool> _stopping{false};
    std::thread _acceptor;
    std::mutex _mutex;
    std::vector<std::thread> _threads;
    std::vector<int> _fds;
    std::set<std::string> _peers;
};

} // namespace corio::test
