// SPDX-License-Identifier: MIT
// harness: what the hardening tests (timeouts, limits, smuggling, drain, backpressure, connection
// limit, streaming) share: a server with short test limits on 127.0.0.1, the routes they call,
// request builders, a timed and watchdogged stop + join, a clock, the process's memory, and a
// sender thread that floods a socket.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/http/server.hpp>

#include "loopback_client.hpp"

namespace corio::test {

using test_clock = std::chrono::steady_clock;

/// Milliseconds from `since` until now.
inline long long ms_since(test_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(test_clock::now() - since).count();
}

/// A 16 KiB body for the backpressure tests (served as a view: no allocation per response).
inline std::string_view blob_body() {
    static const std::string blob = [] {
        std::string s(16 * 1024, '.');
        for (std::size_t i = 0; i < s.size(); i += 64)
            s[i] = static_cast<char>('a' + (i / 64) % 26);
        return s;
    }();
    return blob;
}

/// "<body length> <sum of the body's bytes>", as /sum answers.
inline std::string sum_of(std::string_view body) {
    std::uint64_t sum = 0;
    for (const char c : body)
        sum += static_cast<unsigned char>(c);
    return fmt::format("{} {}", body.size(), sum);
}

/// /plaintext (GET), /echo?n=X (GET, answers X), /sum (POST, answers sum_of(body)), /blob (GET,
/// answers blob_body()).
inline corio::http::router harness_routes() {
    corio::http::router routes;
    routes.get("/plaintext", [](corio::http::request&) { return corio::http::response::text("Hello, World!"); });
    routes.get("/echo", [](corio::http::request& req) {
        std::string_view q = req.query();
        if (q.substr(0, 2) == "n=") q.remove_prefix(2);
        return corio::http::response::copy_of(q, "text/plain");
    });
    routes.post("/sum", [](corio::http::request& req) {
        corio::http::response res;
        res.set_content_type("text/plain");
        const std::string answer = sum_of(req.body());
        res.body_buffer().append(answer.data(), answer.data() + answer.size());
        return res;
    });
    routes.get("/blob", [](corio::http::request&) { return corio::http::response::borrowed(blob_body()); });
    return routes;
}

/// A server on 127.0.0.1, port 0, with the library's defaults otherwise.
inline corio::http::server_config loopback_config() {
    corio::http::server_config config;
    config.address = "127.0.0.1";
    config.port = 0;
    return config;
}

/// A runtime of `n` shards.
inline corio::runtime_config shards(unsigned n) {
    corio::runtime_config config;
    config.shards = n;
    return config;
}

/// `GET target` with a Host header and `extra` header lines (each ending in CRLF).
inline std::string get(std::string_view target, std::string_view extra = {}) {
    return fmt::format("GET {} HTTP/1.1\r\nHost: loopback\r\n{}\r\n", target, extra);
}

/// The head of `POST /sum` announcing a body of `length` bytes, `extra` header lines included.
inline std::string post_sum_head(std::size_t length, std::string_view extra = {}) {
    return fmt::format("POST /sum HTTP/1.1\r\nHost: loopback\r\nContent-Length: {}\r\n{}\r\n", length, extra);
}

/// A server and the runtime running it (the runtime goes first: it stops and joins the shards).
struct served {
    explicit served(corio::http::server_config config, unsigned shard_count = 1,
                    corio::http::router routes = harness_routes())
        : served(std::move(config), shards(shard_count), std::move(routes)) {}
    /// The same on a runtime configured beyond its shard count (receive buffers, give-back period).
    served(corio::http::server_config config, const corio::runtime_config& runtime,
           corio::http::router routes = harness_routes())
        : srv(std::move(routes), std::move(config)), rt(runtime) {}

    std::uint16_t port() const noexcept { return srv.port(); }

    corio::http::server srv;
    corio::runtime rt;
};

/// rt.stop() + rt.join(), timed. A join still blocked after `watchdog` aborts the test binary with
/// a message, rather than running into the CTest timeout mute.
inline test_clock::duration stop_and_join(corio::runtime& rt,
                                          std::chrono::seconds watchdog = std::chrono::seconds(30)) {
    std::mutex mutex;
    std::condition_variable joined_cv;
    bool joined = false;
    const auto before = test_clock::now();
    std::thread stopper([&] {
        rt.stop();
        rt.join();
        std::lock_guard lock(mutex);
        joined = true;
        joined_cv.notify_all();
    });
    {
        std::unique_lock lock(mutex);
        if (!joined_cv.wait_for(lock, watchdog, [&] { return joined; })) {
            std::fputs("runtime::join() still blocked long after runtime::stop(); aborting\n", stderr);
            std::abort();
        }
    }
    const auto took = test_clock::now() - before;
    stopper.join();
    return took;
}

/// Joins `rt` (already asked to stop) on a helper thread; join() on the returned object waits for
/// it, with the same watchdog as stop_and_join.
class background_join {
public:
    explicit background_join(corio::runtime& rt)
        : _thread([this, &rt] {
              rt.join();
              std::lock_guard lock(_mutex);
              _joined = true;
              _cv.notify_all();
          }) {}
    ~background_join() {
        if (_thread.joinable()) join();
    }
    background_join(const background_join&) = delete;
    background_join& operator=(const background_join&) = delete;

    /// True if the runtime's shards ended within `timeout`.
    bool joined_within(std::chrono::milliseconds timeout) {
        std::unique_lock lock(_mutex);
        return _cv.wait_for(lock, timeout, [&] { return _joined; });
    }
    /// Waits for the join (aborting the binary after 30 s).
    void join() {
        if (!joined_within(std::chrono::seconds(30))) {
            std::fputs("runtime::join() still blocked 30 s after runtime::stop(); aborting\n", stderr);
            std::abort();
        }
        _thread.join();
    }

private:
    std::mutex _mutex;
    std::condition_variable _cv;
    bool _joined = false;
    std::thread _thread;
};

/// Connects until a connection is refused (or reset before it could be used), for at most
/// `timeout`: true once the server no longer accepts.
inline bool refuses_connections_within(std::uint16_t port, std::chrono::milliseconds timeout) {
    const auto deadline = test_clock::now() + timeout;
    while (test_clock::now() < deadline) {
        loopback_client probe(port, 1000);
        if (!probe.connected()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool built_with_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool built_with_asan = true;
#else
inline constexpr bool built_with_asan = false;
#endif
#else
inline constexpr bool built_with_asan = false;
#endif

/// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); -1 if missing.
inline long long status_kib(std::string_view field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
            return std::stoll(line.substr(field.size() + 1));
        }
    }
    return -1;
}

/// Writes all of `bytes` with plain send() calls from its own thread: the writes block while the
/// server is not reading, which is the point.
class flood_sender {
public:
    flood_sender(int fd, std::string bytes)
        : _bytes(std::move(bytes)), _thread([this, fd] {
              std::string_view rest = _bytes;
              while (!rest.empty()) {
                  const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
                  if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue; // EAGAIN: the send timeout
                  if (n < 0) {
                      _errno = errno;
                      break;
                  }
                  rest.remove_prefix(static_cast<std::size_t>(n));
                  _sent += static_cast<std::size_t>(n);
              }
          }) {}
    ~flood_sender() {
        if (_thread.joinable()) _thread.join();
    }
    flood_sender(const flood_sender&) = delete;
    flood_sender& operator=(const flood_sender&) = delete;

    /// Waits for the last write; returns the bytes written.
    std::size_t finish() {
        if (_thread.joinable()) _thread.join();
        return _sent;
    }
    std::size_t size() const noexcept { return _bytes.size(); }
    int error() const noexcept { return _errno; }

private:
    std::string _bytes;
    std::atomic<std::size_t> _sent{0};
    std::atomic<int> _errno{0};
    std::thread _thread;
};

/// A GoogleTest fixture: a one-shard server on 127.0.0.1 answering `Routes()`, started before each
/// test (which is skipped where io_uring is not available) and stopped after it.
template <corio::http::router (*Routes)()>
class served_fixture : public ::testing::Test {
protected:
    void SetUp() override {
        _served = std::make_unique<served>(loopback_config(), 1, Routes());
        CORIO_START_OR_SKIP(_served->rt, _served->srv);
    }
    void TearDown() override {
        if (_served) stop_and_join(_served->rt);
    }
    /// The port the server listens on.
    std::uint16_t port() const noexcept { return _served->port(); }

    std::unique_ptr<served> _served;
};

} // namespace corio::test
