// SPDX-License-Identifier: MIT
// corio-load against real servers on loopback: examples/hello in a child process (closed loop, open
// loop, pipelining, 10,000 connections, a 200 ms SIGSTOP stall) and fault_server, whose injected
// errors the load generator must count exactly.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fault_server.hpp"
#include "load_test.hpp"
#include "url.hpp"

namespace {

using namespace corio::load;
using corio::test::fault;
using corio::test::fault_server;

// examples/hello in a child process on 127.0.0.1 with a port of the kernel's choosing.
class hello_process {
public:
    explicit hello_process(unsigned threads = 1) {
        int out[2];
        if (pipe(out) != 0) return;
        _pid = fork();
        if (_pid == 0) {
            dup2(out[1], STDOUT_FILENO);
            close(out[0]);
            close(out[1]);
            const std::string t = std::to_string(threads);
            execl(CORIO_HELLO_PATH, "hello", "--address", "127.0.0.1", "--port", "0", "--threads", t.c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        // "hello: listening on 127.0.0.1 port 41234, ..."
        std::string line;
        pollfd p{out[0], POLLIN, 0};
        char c = 0;
        while (line.find('\n') == std::string::npos && poll(&p, 1, 20000) > 0 && read(out[0], &c, 1) == 1)
            line += c;
        close(out[0]);
        _banner = line;
        if (const auto at = line.find(" port "); at != std::string::npos) {
            _port = static_cast<std::uint16_t>(std::stoul(line.substr(at + 6)));
        }
    }
    ~hello_process() {
        if (_pid > 0) {
            kill(_pid, SIGCONT);
            kill(_pid, SIGTERM);
            int status = 0;
            waitpid(_pid, &status, 0);
        }
    }
    hello_process(const hello_process&) = delete;
    hello_process& operator=(const hello_process&) = delete;

    std::uint16_t port() const noexcept { return _port; }
    pid_t pid() const noexcept { return _pid; }
    const std::string& banner() const noexcept { return _banner; }

private:
    pid_t _pid = -1;
    std::uint16_t _port = 0;
    std::string _banner;
};

#define START_HELLO_OR_SKIP(name, ...)                                                                                 \
    hello_process name{__VA_ARGS__};                                                                                   \
    if (name.port() == 0) {                                                                                            \
        if (name.banner().empty()) GTEST_SKIP() << "hello did not start (io_uring unavailable?)";                      \
        FAIL() << "hello did not report its port: " << name.banner();                                                  \
    }

load_config config_for(std::uint16_t port, unsigned threads, unsigned connections, std::string path = "/plaintext") {
    load_config c;
    c.url_text = "http://127.0.0.1:" + std::to_string(port) + path;
    std::string error;
    EXPECT_TRUE(parse_url(c.url_text, c.target, error)) << error;
    EXPECT_TRUE(resolve_host("127.0.0.1", port, c.address, error)) << error;
    c.threads = threads;
    c.connections = connections;
    c.spec.authority = c.target.authority;
    c.spec.paths = {{c.target.target, 1}};
    c.handle_signals = false;
    c.progress = 0;
    c.pin = false;
    return c;
}

test_result run_or_fail(const load_config& c) {
    test_result r;
    std::string error;
    EXPECT_TRUE(run_load_test(c, r, error)) << error;
    return r;
}

std::uint64_t error(const test_result& r, error_kind k) {
    return r.total.errors[static_cast<unsigned>(k)];
}

void expect_no_errors(const test_result& r) {
    for (std::size_t k = 0; k < error_kind_count; ++k)
        EXPECT_EQ(r.total.errors[k], 0U) << error_kind_names[k];
    EXPECT_EQ(r.total.lost, 0U);
}

TEST(loadgen_hello, closed_loop) {
    START_HELLO_OR_SKIP(hello);
    load_config c = config_for(hello.port(), 2, 16);
    c.duration_ns = 1'000'000'000;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_GT(r.total.requests, 100U);
    EXPECT_EQ(r.status_class(2), r.total.requests);
    EXPECT_EQ(r.total.connects, 16U);
    EXPECT_EQ(r.threads.size(), 2U);
    EXPECT_GE(r.elapsed_s, 0.95); // stops at the duration, late only on a slow machine (the arm64 VM)
    EXPECT_LT(r.elapsed_s, 3.0);
    EXPECT_EQ(r.stopped_by, "duration");
    EXPECT_GT(r.total.latency.percentile(50), 0U);
    EXPECT_LE(r.total.latency.percentile(50), r.total.latency.percentile(99));
    // Timeline: the seconds add up to the total.
    std::uint64_t sum = 0;
    for (const timeline_point& p : r.timeline)
        sum += p.requests;
    EXPECT_EQ(sum, r.total.requests);
}

TEST(loadgen_hello, exact_request_count_with_pipelining) {
    START_HELLO_OR_SKIP(hello);
    load_config c = config_for(hello.port(), 2, 10);
    c.pipeline = 8;
    c.requests = 8000;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(r.total.requests, 8000U);
    EXPECT_EQ(r.total.sent, 8000U);
    EXPECT_EQ(r.stopped_by, "requests");
    // Whole batches of 8 went out in one send each: the bytes written are 8000 requests' worth.
    const std::string one = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(hello.port()) + "\r\n\r\n";
    EXPECT_EQ(r.total.bytes_written, 8000U * one.size());
}

TEST(loadgen_hello, open_loop_holds_the_rate) {
    START_HELLO_OR_SKIP(hello);
    load_config c = config_for(hello.port(), 2, 20);
    c.rate = 2000;
    c.duration_ns = 2'000'000'000;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    // Bounds for a shared machine (CI seen 7% short under ASan with both CPUs busy): starved, the
    // generator falls behind; ignoring the rate, 20 connections to hello would send many times more.
    EXPECT_GE(r.total.requests, 3400U);
    EXPECT_LE(r.total.requests, 4400U);
    EXPECT_GE(r.requests_per_second(), 1700.0);
    EXPECT_LE(r.requests_per_second(), 2200.0);
}

TEST(loadgen_hello, open_loop_reports_a_200ms_stall) {
    START_HELLO_OR_SKIP(hello);
    load_config c = config_for(hello.port(), 1, 20);
    c.rate = 2000;
    c.duration_ns = 2'000'000'000;
    std::thread staller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(900));
        kill(hello.pid(), SIGSTOP);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        kill(hello.pid(), SIGCONT);
    });
    const test_result r = run_or_fail(c);
    staller.join();
    expect_no_errors(r);
    // About 400 requests were scheduled during the pause; measured from their scheduled times, the
    // first waited the whole 200 ms, and more than 1% waited over 100 ms.
    EXPECT_GE(r.total.latency.max(), 180'000'000U);
    EXPECT_GE(r.total.latency.percentile(99), 100'000'000U);
    EXPECT_NEAR(static_cast<double>(r.total.requests), 4000.0, 250.0);
}

TEST(loadgen_hello, ten_thousand_connections) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_max < 10'500) GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit.rlim_max << " < 10500";
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit); // hello inherits it
    START_HELLO_OR_SKIP(hello);
    load_config c = config_for(hello.port(), 2, 10'000);
    c.duration_ns = 2'000'000'000;
    c.timeout_ns = 10'000'000'000;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(r.total.connects, 10'000U);
    EXPECT_EQ(r.total.reconnects, 0U);
    // Throughput depends on the machine (the arm64 VM emulates every instruction): the point here
    // is 10,000 connections opened and served without an error, not a rate.
    EXPECT_GE(r.total.requests, 1'000U);
}

TEST(loadgen_faults, status_classes_are_counted_exactly) {
    fault_server server([](std::uint64_t n) {
        return n % 4 == 0 ? fault::status_500 : n % 5 == 0 ? fault::status_404 : fault::ok;
    });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 2);
    c.requests = 400;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(r.total.requests, 400U);
    EXPECT_EQ(server.requests, 400U);
    EXPECT_EQ(r.total.statuses[500], server.count(fault::status_500));
    EXPECT_EQ(r.total.statuses[404], server.count(fault::status_404));
    EXPECT_EQ(r.total.statuses[200], server.count(fault::ok));
    EXPECT_EQ(r.status_class(5), 100U);
    EXPECT_EQ(r.status_class(4), 60U); // multiples of 5 that are not multiples of 4
}

TEST(loadgen_faults, connection_close_reconnects_without_errors) {
    fault_server server([](std::uint64_t n) { return n % 3 == 0 ? fault::close_after : fault::ok; });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 2);
    c.requests = 300;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(r.total.requests, 300U);
    EXPECT_EQ(server.count(fault::close_after), 100U);
    // Every close was followed by a new connection, except those the end of the test overtook.
    EXPECT_GE(r.total.reconnects + 2, 100U);
    EXPECT_LE(r.total.reconnects, 100U);
    EXPECT_EQ(r.total.connects, 2U + r.total.reconnects);
}

TEST(loadgen_faults, dropped_connections_count_as_closed_and_lost) {
    fault_server server([](std::uint64_t n) { return n % 4 == 0 ? fault::drop : fault::ok; });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 2);
    c.requests = 400;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    EXPECT_EQ(server.requests, 400U);
    EXPECT_EQ(error(r, error_kind::closed), server.count(fault::drop));
    EXPECT_EQ(r.total.lost, 100U);
    EXPECT_EQ(r.total.requests, 300U);
    EXPECT_EQ(error(r, error_kind::read) + error(r, error_kind::write) + error(r, error_kind::parse) +
                  error(r, error_kind::timeout) + error(r, error_kind::connect),
              0U);
}

TEST(loadgen_faults, malformed_responses_count_as_parse_errors) {
    fault_server server([](std::uint64_t n) { return n % 5 == 0 ? fault::malformed : fault::ok; });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 2);
    c.requests = 200;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    EXPECT_EQ(error(r, error_kind::parse), 40U);
    EXPECT_EQ(r.total.lost, 40U);
    EXPECT_EQ(r.total.requests, 160U);
    EXPECT_EQ(error(r, error_kind::closed) + error(r, error_kind::read), 0U);
}

TEST(loadgen_faults, chunked_and_until_close_bodies_are_framed) {
    fault_server server([](std::uint64_t n) {
        return n % 7 == 0 ? fault::until_close : n % 2 == 0 ? fault::chunked : fault::ok;
    });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 2);
    c.requests = 140;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(r.total.requests, 140U);
    EXPECT_EQ(r.total.statuses[200], 140U);
}

TEST(loadgen_faults, unanswered_requests_time_out) {
    fault_server server([](std::uint64_t n) { return n == 5 ? fault::stall : fault::ok; });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 2);
    c.duration_ns = 1'000'000'000;
    c.timeout_ns = 300'000'000;
    const test_result r = run_or_fail(c);
    EXPECT_EQ(error(r, error_kind::timeout), 1U);
    EXPECT_EQ(r.total.lost, 1U);
    EXPECT_LE(r.total.sent - r.total.requests - r.total.lost, 2U); // at most one in flight per connection at the end
    EXPECT_GT(r.total.requests, 100U);
    // The stalled connection was replaced; the other one went on meanwhile.
    EXPECT_EQ(r.total.reconnects, 1U);
    EXPECT_EQ(server.connections, 3U);
    EXPECT_EQ(error(r, error_kind::closed) + error(r, error_kind::read) + error(r, error_kind::parse), 0U);
}

TEST(loadgen_faults, refused_connections_are_connect_errors) {
    std::uint16_t port = 0;
    {
        fault_server probe([](std::uint64_t) { return fault::ok; });
        port = probe.port(); // free again once the server is gone
    }
    load_config c = config_for(port, 1, 4);
    c.duration_ns = 300'000'000;
    const test_result r = run_or_fail(c);
    EXPECT_EQ(r.total.requests, 0U);
    EXPECT_GE(error(r, error_kind::connect), 4U);
    EXPECT_GE(r.total.connect_errnos.at(ECONNREFUSED), 4U);
}

TEST(loadgen_faults, a_request_bound_test_without_a_server_gives_up) {
    std::uint16_t port = 0;
    {
        fault_server probe([](std::uint64_t) { return fault::ok; });
        port = probe.port();
    }
    load_config c = config_for(port, 1, 2);
    c.requests = 100;
    c.duration_ns = 0;
    c.timeout_ns = 100'000'000; // gives up after 1 s (at least) without an open connection
    const test_result r = run_or_fail(c);
    EXPECT_EQ(r.stopped_by, "no connection");
    EXPECT_EQ(r.total.requests, 0U);
    EXPECT_GE(error(r, error_kind::connect), 2U);
    EXPECT_LT(r.elapsed_s, 3.0);
    ASSERT_FALSE(r.notes.empty());
    EXPECT_NE(r.notes.back().find("no connection could be opened"), std::string::npos);
}

TEST(loadgen_faults, connections_come_from_the_source_addresses) {
    fault_server server([](std::uint64_t) { return fault::ok; });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 2, 6);
    c.requests = 60;
    c.duration_ns = 0;
    c.sources = {*corio::net::socket_address::parse("127.0.0.2", 0),
                 *corio::net::socket_address::parse("127.0.0.3", 0)};
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(server.peers(), (std::set<std::string>{"127.0.0.2", "127.0.0.3"}));
    EXPECT_EQ(r.sources, (std::vector<std::string>{"127.0.0.2", "127.0.0.3"}));
}

TEST(loadgen_faults, open_loop_counts_errors_too) {
    fault_server server([](std::uint64_t n) { return n % 10 == 0 ? fault::status_500 : fault::ok; });
    ASSERT_NE(server.port(), 0);
    load_config c = config_for(server.port(), 1, 4);
    c.rate = 1000;
    c.requests = 500;
    c.duration_ns = 0;
    const test_result r = run_or_fail(c);
    expect_no_errors(r);
    EXPECT_EQ(r.total.requests, 500U);
    EXPECT_EQ(r.total.statuses[500], 50U);
    // 500 requests at 1,000/s: never faster than the schedule; slower only on a slow machine.
    EXPECT_GE(r.elapsed_s, 0.45);
    EXPECT_LT(r.elapsed_s, 5.0);
}

} // namespace
