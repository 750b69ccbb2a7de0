// SPDX-License-Identifier: MIT
// Issue 25: a port already in use is refused by default, with a message naming address and port,
// while the shards of one server share their port; sharing with another server is opt-in
// (server_config::reuse_port). Two servers in one process meet the kernel exactly as two processes
// of one user do (SO_REUSEPORT is checked per socket and user); two_processes_test.sh runs the
// example servers as separate processes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <corio/core/log.hpp>
#include <corio/core/runtime.hpp>
#include <corio/http/server.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;

corio::http::router answering(corio::http::static_text who) {
    corio::http::router routes;
    routes.get("/who", [who](corio::http::request&) { return corio::http::response::text(who); });
    return routes;
}

corio::http::server_config on_port(std::uint16_t port, bool reuse_port = false) {
    corio::http::server_config config = corio::test::loopback_config();
    config.port = port;
    config.reuse_port = reuse_port;
    return config;
}

TEST(port_claim, the_shards_of_one_server_share_its_port) {
    served first(on_port(0), 4, answering("first"));
    CORIO_START_OR_SKIP(first.rt, first.srv);
    loopback_client client(first.port());
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/who"), r)) << client.error();
    EXPECT_EQ(r.body, "first");
    client.close();
    corio::test::stop_and_join(first.rt);
}

TEST(port_claim, a_second_server_on_a_port_in_use_is_refused_by_name) {
    served first(on_port(0), 2, answering("first"));
    CORIO_START_OR_SKIP(first.rt, first.srv);
    served second(on_port(first.port()), 2, answering("second"));
    EXPECT_FALSE(second.rt.start(second.srv));
    const std::string& message = second.rt.error_message();
    EXPECT_NE(message.find(fmt::format("127.0.0.1 port {}", first.port())), std::string::npos) << message;
    EXPECT_NE(message.find("already in use"), std::string::npos) << message;
    EXPECT_NE(message.find("reuse_port"), std::string::npos) << message;
    // Every request still reaches the first server.
    for (int i = 0; i < 8; ++i) {
        loopback_client client(first.port());
        reply r;
        ASSERT_TRUE(client.roundtrip(get("/who"), r)) << client.error();
        EXPECT_EQ(r.body, "first");
    }
    corio::test::stop_and_join(first.rt);
}

TEST(port_claim, a_server_sharing_on_purpose_joins_and_both_answer) {
    served first(on_port(0, true), 1, answering("first"));
    CORIO_START_OR_SKIP(first.rt, first.srv);
    served second(on_port(first.port(), true), 1, answering("second"));
    ASSERT_TRUE(second.rt.start(second.srv)) << second.rt.error_message();
    bool saw_first = false;
    bool saw_second = false;
    // The kernel spreads connections by a hash of the client's address and port.
    for (int i = 0; i < 200 && !(saw_first && saw_second); ++i) {
        loopback_client client(first.port());
        reply r;
        ASSERT_TRUE(client.roundtrip(get("/who"), r)) << client.error();
        saw_first = saw_first || r.body == "first";
        saw_second = saw_second || r.body == "second";
    }
    EXPECT_TRUE(saw_first);
    EXPECT_TRUE(saw_second);
    corio::test::stop_and_join(second.rt);
    corio::test::stop_and_join(first.rt);
}

TEST(port_claim, a_sharing_server_cannot_be_joined_by_a_default_one) {
    served first(on_port(0, true), 1, answering("first"));
    CORIO_START_OR_SKIP(first.rt, first.srv);
    served second(on_port(first.port()), 1, answering("second"));
    EXPECT_FALSE(second.rt.start(second.srv));
    EXPECT_NE(second.rt.error_message().find("already in use"), std::string::npos) << second.rt.error_message();
    corio::test::stop_and_join(first.rt);
}

TEST(port_claim, a_port_held_by_a_plain_socket_is_refused_even_with_reuse_port) {
    const int holder = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(holder, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(holder, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(holder, 4), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::uint16_t port = ntohs(address.sin_port);
    for (const bool reuse : {false, true}) {
        served second(on_port(port, reuse), 1, answering("second"));
        EXPECT_FALSE(second.rt.start(second.srv));
        EXPECT_NE(second.rt.error_message().find(fmt::format("127.0.0.1 port {}", port)), std::string::npos)
            << second.rt.error_message();
    }
    close(holder);
}

TEST(port_claim, localhost_resolves_and_a_bad_name_is_named) {
    corio::http::server_config config = on_port(0);
    config.address = "localhost";
    served s(config, 1, answering("local"));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    EXPECT_NE(s.port(), 0);
    corio::test::stop_and_join(s.rt);

    config.address = "no-such-host.invalid";
    served bad(config, 1, answering("bad"));
    EXPECT_FALSE(bad.rt.start(bad.srv));
    EXPECT_NE(bad.rt.error_message().find("no-such-host.invalid port 0"), std::string::npos) << bad.rt.error_message();
}

std::mutex logged_mutex;
std::vector<std::string> logged;

void capture(corio::log_level, std::string_view line) {
    std::lock_guard lock(logged_mutex);
    logged.emplace_back(line);
}

std::vector<std::string> lines_logged() {
    std::lock_guard lock(logged_mutex);
    return logged;
}

// Issue 25, item 7: runtime.run(server) printed nothing once listening.
TEST(start_up_line, run_logs_where_it_listens_and_a_failure_by_name) {
    const corio::log_sink previous = corio::set_log_sink(&capture);
    {
        served s(on_port(0), 2, answering("x"));
        int status = -1;
        std::thread runner([&] { status = s.rt.run(s.srv); });
        for (int i = 0; i < 500 && lines_logged().empty(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const std::vector<std::string> lines = lines_logged();
        if (!lines.empty() && !lines[0].starts_with("listening") && corio::test::io_uring_unavailable(lines[0])) {
            runner.join(); // run() failed and returned
            corio::set_log_sink(previous);
            GTEST_SKIP() << lines[0];
        }
        ASSERT_EQ(lines.size(), 1U);
        EXPECT_TRUE(lines[0].starts_with(fmt::format("listening on 127.0.0.1 port {}, 2 shards, backend ", s.port())))
            << lines[0];
        s.rt.stop();
        runner.join();
        EXPECT_EQ(status, 0);
    }
    {
        corio::http::server_config config = on_port(0);
        config.address = "no-such-host.invalid";
        served bad(config, 1, answering("x"));
        EXPECT_EQ(bad.rt.run(bad.srv), 1);
        const std::vector<std::string> lines = lines_logged();
        ASSERT_EQ(lines.size(), 2U);
        EXPECT_TRUE(lines[1].starts_with("cannot listen on no-such-host.invalid port 0: the address does not resolve"))
            << lines[1];
    }
    corio::set_log_sink(previous);
}

} // namespace
