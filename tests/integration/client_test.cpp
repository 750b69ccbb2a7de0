// SPDX-License-Identifier: MIT
// corio::http::client over loopback: against corio's own server (GET, POST bodies, a 16 KiB body,
// keep-alive reuse, concurrent calls over a small pool), and against a hostile in-process server
// (garbage, early close, slow trickle, oversized head, endless chunked body, silence): each gives
// its own error within its timeout, and the next call to the same origin succeeds on the same pool.
// Bodies streamed both ways over real sockets: 16 MiB responses read piece by piece (chunked and
// with a length), 16 MiB uploads from a body_source (with a length and chunked) to a route that
// streams its body, and the pool reused afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/timeout.hpp>
#include <corio/core/when_all.hpp>
#include <corio/http/body_writer.hpp>
#include <corio/http/client.hpp>

#include "integration/harness.hpp"
#include "on_shards.hpp"

namespace {

using namespace std::chrono_literals;
using corio::http::client;
using corio::http::client_config;
using corio::http::client_errc;
using corio::http::client_response;
using corio::test::test_clock;

// Runs `body` on shard 0 of a one-shard runtime with a 1 ms timer tick.
void on_shard(std::function<corio::task<void>()> body) {
    corio::runtime_config config;
    config.shards = 1;
    config.recv_buffers = 64;
    config.ring.timer_tick_ms = 1;
    corio::test::run_on_shards(config, std::move(body));
}

// A blocking server on 127.0.0.1, a thread per connection: `answer(fd, n)` answers request n
// (counted over all connections, from 1) and returns false to close the connection.
class hostile_server {
public:
    using answer_fn = std::function<bool(int fd, int n)>;
    explicit hostile_server(answer_fn answer) : _answer(std::move(answer)) {
        _fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof a;
        if (_fd < 0 || ::bind(_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(_fd, 64) != 0 ||
            ::getsockname(_fd, reinterpret_cast<sockaddr*>(&a), &length) != 0)
            return;
        _port = ntohs(a.sin_port);
        _acceptor = std::thread([this] {
            while (true) {
                const int c = ::accept4(_fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) return;
                connections.fetch_add(1);
                std::lock_guard lock(_mutex);
                _conns.push_back(c);
                _threads.emplace_back([this, c] { serve(c); });
            }
        });
    }
    ~hostile_server() {
        ::shutdown(_fd, SHUT_RDWR);
        if (_acceptor.joinable()) _acceptor.join();
        ::close(_fd);
        std::lock_guard lock(_mutex);
        for (const int c : _conns)
            ::shutdown(c, SHUT_RDWR);
        for (std::thread& t : _threads)
            t.join();
        for (const int c : _conns)
            ::close(c);
    }
    std::uint16_t port() const noexcept { return _port; }
    std::string url(std::string_view target = "/") const { return fmt::format("http://127.0.0.1:{}{}", _port, target); }
    std::atomic<int> requests{0};
    std::atomic<int> connections{0};

private:
    void serve(int fd) {
        std::string in;
        char buffer[4096];
        while (true) {
            // One request head (the client sends bodies only with Content-Length; read it too).
            std::size_t end;
            while ((end = in.find("\r\n\r\n")) == std::string::npos) {
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) return;
                in.append(buffer, static_cast<std::size_t>(n));
            }
            std::size_t body = 0;
            if (const std::size_t cl = in.find("Content-Length: "); cl != std::string::npos && cl < end)
                body = std::stoul(in.substr(cl + 16));
            while (in.size() < end + 4 + body) {
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) return;
                in.append(buffer, static_cast<std::size_t>(n));
            }
            in.erase(0, end + 4 + body);
            if (!_answer(fd, requests.fetch_add(1) + 1)) {
                ::shutdown(fd, SHUT_RDWR);
                return;
            }
        }
    }

    answer_fn _answer;
    int _fd = -1;
    std::uint16_t _port = 0;
    std::thread _acceptor;
    std::mutex _mutex;
    std::vector<int> _conns;
    std::vector<std::thread> _threads;
};

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// The error's message, or nothing for a response.
std::string why(const corio::result<client_response>& r) {
    return r ? std::string() : r.error().message();
}

corio::http::header_list extra_header() {
    return {{"X-Test", "1"}};
}

corio::http::header_list injected_header() {
    return {{"X", "a\r\nB: c"}};
}

bool ok(int fd) {
    return send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

// A client with short timeouts and small limits, for the hostile cases.
client_config short_config() {
    client_config config;
    config.connections_per_origin = 2;
    config.connect_timeout = 500ms;
    config.head_timeout = 300ms;
    config.exchange_timeout = 2000ms;
    config.max_head_bytes = 4096;
    config.max_body_bytes = 64 * 1024;
    return config;
}

// The call gives `expected`, then the next call to the same origin gives the server's ok.
void expect_error_then_ok(const hostile_server& server, client_errc expected, client_config config = short_config(),
                          corio::http::method m = corio::http::method::get) {
    client c(config);
    on_shard([&]() -> corio::task<void> {
        const auto before = test_clock::now();
        auto failed = co_await c.request(m, server.url("/first"));
        EXPECT_FALSE(failed.has_value()) << "status " << (failed ? failed->status() : 0);
        if (!failed) {
            EXPECT_EQ(failed.error(), make_error_code(expected)) << failed.error().message();
        }
        EXPECT_LT(corio::test::ms_since(before), 2500);
        auto next = co_await c.get(server.url("/second"));
        EXPECT_TRUE(next.has_value()) << why(next);
        if (next) {
            EXPECT_EQ(next->body(), std::string_view("ok"));
        }
    });
}

TEST(ClientAgainstCorio, GetPostAndKeepAlive) {
    corio::test::served server(corio::test::loopback_config());
    CORIO_START_OR_SKIP(server.rt, server.srv);
    const std::string base = fmt::format("http://127.0.0.1:{}", server.port());
    client c;
    on_shard([&]() -> corio::task<void> {
        auto hello = co_await c.get(base + "/plaintext");
        EXPECT_TRUE(hello.has_value()) << why(hello);
        if (!hello) co_return;
        EXPECT_EQ(hello->status(), 200);
        EXPECT_EQ(hello->body(), std::string_view("Hello, World!"));
        EXPECT_EQ(hello->header("content-type"), std::string_view("text/plain"));

        const std::string body(100000, 'x');
        auto sum = co_await c.request(corio::http::method::post, base + "/sum", extra_header(), body);
        EXPECT_TRUE(sum.has_value());
        if (sum) {
            EXPECT_EQ(sum->body(), corio::test::sum_of(body));
        }

        auto blob = co_await c.get(base + "/blob");
        EXPECT_TRUE(blob.has_value());
        if (blob) {
            EXPECT_EQ(blob->body(), corio::test::blob_body());
        }

        auto missing = co_await c.get(base + "/nowhere");
        EXPECT_TRUE(missing.has_value());
        if (missing) {
            EXPECT_EQ(missing->status(), 404);
        }

        auto head = co_await c.request(corio::http::method::head, base + "/plaintext");
        EXPECT_TRUE(head.has_value());
        if (head) {
            EXPECT_EQ(head->body(), std::string_view(""));
        }

        for (int i = 0; i < 200; ++i) {
            auto echo = co_await c.get(fmt::format("{}/echo?n={}", base, i));
            EXPECT_TRUE(echo.has_value());
            if (echo) {
                EXPECT_EQ(echo->body(), std::to_string(i));
            }
        }
    });
    // Sequential calls share one keep-alive connection.
    EXPECT_EQ(server.srv.stats(0).connections_opened, 1U);
    corio::test::stop_and_join(server.rt);
}

// A body of `size` bytes, 'a'..'z' repeated with a twist, so that a piece out of place shows.
std::string big_body(std::size_t size) {
    std::string s(size, ' ');
    for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i + i / 4096) % 26);
    return s;
}

// A request body given from memory in pieces of at most 10,000 bytes.
class memory_source final : public corio::http::body_source {
public:
    memory_source(std::string_view body, bool known) noexcept : _body(body), _known(known) {}
    std::optional<std::uint64_t> size() const noexcept override {
        return _known ? std::optional<std::uint64_t>(_body.size()) : std::nullopt;
    }
    corio::task<corio::result<std::size_t>> read(std::span<char> into) override {
        const std::size_t n = std::min({into.size(), std::size_t{10000}, _body.size() - _at});
        std::memcpy(into.data(), _body.data() + _at, n);
        _at += n;
        co_return n;
    }

private:
    std::string_view _body;
    std::size_t _at = 0;
    bool _known;
};

TEST(ClientAgainstCorio, BodiesStreamBothWays) {
    static const std::string body = big_body(16 << 20);
    corio::http::router routes;
    for (const auto& [path, sized] : {std::pair{"/download", false}, {"/download-sized", true}}) {
        routes.get(path, [sized = sized](corio::http::request&) {
            return corio::http::response::stream(
                [](corio::http::body_writer& out) -> corio::task<void> {
                    for (std::size_t at = 0; at < body.size(); at += 100000)
                        if (!co_await out.write(std::string_view(body).substr(at, 100000))) co_return;
                },
                "application/octet-stream", corio::http::status::ok,
                sized ? std::optional<std::uint64_t>(body.size()) : std::nullopt);
        });
    }
    // Compares the uploaded body with `body` as it arrives; answers "same" or where it differs.
    routes.put("/upload",
               [](corio::http::request& req) -> corio::task<corio::http::response> {
                   std::vector<char> piece(50000);
                   std::size_t at = 0;
                   while (true) {
                       const corio::result<std::size_t> n = co_await req.read_body(piece);
                       if (!n) co_return corio::http::response::copy_of(n.error().message(), "text/plain");
                       if (*n == 0) break;
                       if (at + *n > body.size() || std::string_view(piece.data(), *n) != body.substr(at, *n))
                           co_return corio::http::response::copy_of(fmt::format("differs at {}", at), "text/plain");
                       at += *n;
                   }
                   co_return corio::http::response::copy_of(at == body.size() ? "same" : fmt::format("short: {}", at),
                                                            "text/plain");
               },
               {.max_body_bytes = 64 << 20, .stream_body = true});
    corio::test::served server(corio::test::loopback_config(), 1, std::move(routes));
    CORIO_START_OR_SKIP(server.rt, server.srv);
    const std::string base = fmt::format("http://127.0.0.1:{}", server.port());
    client c;
    on_shard([&]() -> corio::task<void> {
        for (const char* path : {"/download", "/download-sized", "/download"}) {
            auto stream = co_await c.open(corio::http::method::get, base + path);
            EXPECT_TRUE(stream.has_value()) << path;
            if (!stream) co_return;
            EXPECT_EQ(stream->head().status(), 200);
            EXPECT_EQ(stream->content_length(), std::string_view(path) == "/download-sized"
                                                    ? std::optional<std::uint64_t>(body.size())
                                                    : std::nullopt);
            std::string got;
            std::vector<char> piece(70000);
            while (true) {
                const corio::result<std::size_t> n = co_await stream->read_body(piece);
                EXPECT_TRUE(n.has_value()) << path << ": " << n.error().message();
                if (!n || *n == 0) break;
                got.append(piece.data(), *n);
            }
            EXPECT_TRUE(got == body) << path << ": " << got.size() << " bytes";
            EXPECT_TRUE(stream->complete());
        }
        for (const bool known : {true, false}) {
            memory_source source(body, known);
            auto up = co_await c.request(corio::http::method::put, base + "/upload", {}, source);
            EXPECT_TRUE(up.has_value()) << why(up);
            if (up) {
                EXPECT_EQ(up->body(), "same") << (known ? "with a length" : "chunked");
            }
        }
        // The pool is whole: an ordinary call still works on it.
        auto again = co_await c.get(base + "/download-sized");
        EXPECT_FALSE(again.has_value()); // 16 MiB: past max_body_bytes for a buffered call
        if (!again) {
            EXPECT_EQ(again.error(), client_errc::too_large);
        }
    });
    // Every stream read to its end gave its connection back; the buffered call's was closed.
    EXPECT_EQ(server.srv.stats(0).connections_opened, 1U);
    corio::test::stop_and_join(server.rt);
}

TEST(ClientAgainstCorio, ConcurrentCallsShareASmallPool) {
    corio::test::served server(corio::test::loopback_config());
    CORIO_START_OR_SKIP(server.rt, server.srv);
    const std::string base = fmt::format("http://127.0.0.1:{}", server.port());
    client_config config;
    config.connections_per_origin = 4;
    client c(config);
    on_shard([&]() -> corio::task<void> {
        for (int round = 0; round < 3; ++round) {
            std::vector<corio::task<corio::result<client_response>>> calls;
            for (int i = 0; i < 50; ++i)
                calls.push_back(c.get(fmt::format("{}/echo?n={}", base, i)));
            auto answers = co_await corio::when_all(std::move(calls));
            for (std::size_t i = 0; i < answers.size(); ++i) {
                EXPECT_TRUE(answers[i].has_value());
                if (answers[i]) {
                    EXPECT_EQ(answers[i]->body(), std::to_string(i));
                }
            }
        }
    });
    EXPECT_EQ(server.srv.stats(0).connections_opened, 4U) << "at most connections_per_origin, kept alive";
    corio::test::stop_and_join(server.rt);
}

TEST(ClientPool, IdleConnectionsCloseAfterTheIdleTimeout) {
    hostile_server server([](int fd, int) { return ok(fd); });
    client_config config = short_config();
    config.idle_timeout = 100ms;
    client c(config);
    on_shard([&]() -> corio::task<void> {
        for (int i = 0; i < 3; ++i) {
            auto r = co_await c.get(server.url());
            EXPECT_TRUE(r.has_value()) << why(r);
        }
        co_await corio::sleep(300ms);
        auto r = co_await c.get(server.url());
        EXPECT_TRUE(r.has_value()) << why(r);
    });
    EXPECT_EQ(server.connections.load(), 2) << "three calls on one connection, one after it was closed";
}

TEST(ClientErrors, BadUrlsAndNamesNotResolved) {
    client c;
    on_shard([&]() -> corio::task<void> {
        for (const char* url : {"https://127.0.0.1/", "127.0.0.1:80/", "http://", "http://h:99999/", "http://a b/",
                                "http://[::1/", "http://127.0.0.1:/"}) {
            auto r = co_await c.get(url);
            EXPECT_FALSE(r.has_value()) << url;
            if (!r) {
                EXPECT_EQ(r.error(), make_error_code(client_errc::bad_url)) << url;
            }
        }
        auto unresolved = co_await c.get("http://nosuch.invalid/");
        EXPECT_FALSE(unresolved.has_value());
        if (!unresolved) {
            EXPECT_EQ(unresolved.error(), make_error_code(client_errc::unresolved));
        }
        auto injected = co_await c.request(corio::http::method::get, "http://127.0.0.1:1/", injected_header());
        EXPECT_FALSE(injected.has_value());
        if (!injected) {
            EXPECT_EQ(injected.error(), make_error_code(client_errc::bad_request));
        }
    });
}

TEST(ClientErrors, RefusedThenServedOnceTheServerIsThere) {
    // A port nothing listens on: bound, then closed.
    std::uint16_t port = 0;
    {
        hostile_server probe([](int, int) { return false; });
        port = probe.port();
    }
    client c(short_config());
    on_shard([&]() -> corio::task<void> {
        std::vector<corio::task<corio::result<client_response>>> calls;
        for (int i = 0; i < 5; ++i)
            calls.push_back(c.get(fmt::format("http://127.0.0.1:{}/", port)));
        auto answers = co_await corio::when_all(std::move(calls));
        for (auto& r : answers) {
            EXPECT_FALSE(r.has_value());
            if (!r) {
                EXPECT_EQ(r.error(), make_error_code(client_errc::refused)) << r.error().message();
            }
        }
    });
}

TEST(ClientErrors, GarbageIsMalformed) {
    hostile_server server([](int fd, int n) {
        if (n == 1) return send_all(fd, "SPDY/9 what\r\n\r\n") && false;
        return ok(fd);
    });
    expect_error_then_ok(server, client_errc::malformed);
}

TEST(ClientErrors, EarlyCloseOfAGetIsRetriedOnce) {
    hostile_server server([](int fd, int n) { return n == 1 ? false : ok(fd); });
    client c(short_config());
    on_shard([&]() -> corio::task<void> {
        auto r = co_await c.get(server.url());
        EXPECT_TRUE(r.has_value()) << why(r);
    });
    EXPECT_EQ(server.requests.load(), 2);
}

TEST(ClientErrors, TheRetryTakesANewConnectionNotAnotherIdleOne) {
    // Every connection answers its first request and drops its second: both idle connections are bad.
    hostile_server server([](int fd, int) {
        thread_local int on_this_connection = 0; // a thread per connection
        return ++on_this_connection == 1 ? ok(fd) : false;
    });
    client c(short_config());
    on_shard([&]() -> corio::task<void> {
        std::vector<corio::task<corio::result<client_response>>> calls;
        calls.push_back(c.get(server.url()));
        calls.push_back(c.get(server.url()));
        for (auto& r : co_await corio::when_all(std::move(calls)))
            EXPECT_TRUE(r.has_value()) << why(r);
        auto r = co_await c.get(server.url());
        EXPECT_TRUE(r.has_value()) << why(r);
    });
    EXPECT_EQ(server.connections.load(), 3);
}

TEST(ClientErrors, EarlyCloseOfAPostIsClosedNotRetried) {
    hostile_server server([](int fd, int n) { return n == 1 ? false : ok(fd); });
    expect_error_then_ok(server, client_errc::closed, short_config(), corio::http::method::post);
    EXPECT_EQ(server.requests.load(), 2);
}

TEST(ClientErrors, CloseInTheMiddleOfTheBodyIsClosed) {
    hostile_server server([](int fd, int n) {
        if (n == 1) return send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") && false;
        return ok(fd);
    });
    expect_error_then_ok(server, client_errc::closed);
    EXPECT_EQ(server.requests.load(), 2) << "a byte of the answer came: no retry";
}

TEST(ClientErrors, ResetIsReset) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        // SO_LINGER 0: the close sends RST, after part of an answer.
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
        std::this_thread::sleep_for(50ms);
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(::dup(fd)); // (the descriptor itself is closed by the server's destructor)
        ::shutdown(fd, SHUT_RD);
        return false;
    });
    client c(short_config());
    on_shard([&]() -> corio::task<void> {
        auto failed = co_await c.get(server.url());
        EXPECT_FALSE(failed.has_value());
        if (!failed) {
            EXPECT_TRUE(failed.error() == client_errc::reset || failed.error() == client_errc::closed)
                << failed.error().message();
        }
        auto next = co_await c.get(server.url());
        EXPECT_TRUE(next.has_value());
    });
}

TEST(ClientErrors, SlowTrickledHeadTimesOut) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        for (const char ch : std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) {
            if (!send_all(fd, {&ch, 1})) return false;
            std::this_thread::sleep_for(30ms);
        }
        return false;
    });
    expect_error_then_ok(server, client_errc::head_timed_out);
}

TEST(ClientErrors, SilenceTimesOutTheHead) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        std::this_thread::sleep_for(1s);
        return false;
    });
    expect_error_then_ok(server, client_errc::head_timed_out);
}

TEST(ClientErrors, ACallDestroyedByWithTimeoutLeavesThePoolHealthy) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        std::this_thread::sleep_for(500ms);
        return false;
    });
    client_config config = short_config();
    config.connections_per_origin = 1;
    client c(config);
    on_shard([&]() -> corio::task<void> {
        // Cut while its request is on the wire: the connection closes, the next call makes another.
        auto cut = co_await corio::with_timeout(50ms, c.get(server.url()));
        EXPECT_FALSE(cut.has_value());
        auto next = co_await c.get(server.url());
        EXPECT_TRUE(next.has_value()) << why(next);
    });
}

TEST(ClientErrors, SlowBodyTimesOutTheExchange) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        if (!send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return false;
        for (int i = 0; i < 60; ++i) {
            if (!send_all(fd, "1\r\nx\r\n")) return false;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    });
    expect_error_then_ok(server, client_errc::exchange_timed_out);
}

TEST(ClientErrors, OversizedHeadIsTooLarge) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        std::string head = "HTTP/1.1 200 OK\r\n";
        for (int i = 0; i < 200; ++i)
            head.append(fmt::format("X-Filler-{}: {}\r\n", i, std::string(40, 'f')));
        return send_all(fd, head) && false;
    });
    expect_error_then_ok(server, client_errc::too_large);
}

TEST(ClientErrors, EndlessChunkedBodyIsTooLarge) {
    hostile_server server([](int fd, int n) {
        if (n > 1) return ok(fd);
        if (!send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return false;
        const std::string chunk = fmt::format("1000\r\n{}\r\n", std::string(4096, 'z'));
        while (send_all(fd, chunk)) {
        }
        return false;
    });
    expect_error_then_ok(server, client_errc::too_large);
}

TEST(ClientErrors, ConnectTimeoutWhenTheBacklogIsFull) {
    // A listener that never accepts, its backlog filled: further SYNs are dropped.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(fd, 0), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length), 0);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        const int f = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ::connect(f, reinterpret_cast<sockaddr*>(&a), sizeof a);
        fillers.push_back(f);
    }
    std::this_thread::sleep_for(50ms);
    client_config config = short_config();
    config.connect_timeout = 200ms;
    client c(config);
    on_shard([&]() -> corio::task<void> {
        const auto before = test_clock::now();
        auto r = co_await c.get(fmt::format("http://127.0.0.1:{}/", ntohs(a.sin_port)));
        EXPECT_FALSE(r.has_value());
        if (!r) {
            EXPECT_EQ(r.error(), make_error_code(client_errc::connect_timed_out)) << r.error().message();
        }
        EXPECT_LT(corio::test::ms_since(before), 1500);
    });
    for (const int f : fillers)
        ::close(f);
    ::close(fd);
}

} // namespace
