// SPDX-License-Identifier: MIT
// runtime::wait_for_signal() under systemd's watchdog, in process: with $NOTIFY_SOCKET (an abstract
// socket of the test) and WATCHDOG_USEC=400000 it sends READY=1, then WATCHDOG=1 every ~200 ms;
// while a handler spins on one shard longer than liveness_bound_ms the pings stop (server::live()
// is false: systemd would restart the service), and they resume once the shard turns again;
// STOPPING=1 comes when the runtime stops.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::test_clock;

// One datagram from the notify socket and when it came (ms since `since`).
struct datagram {
    long long at_ms;
    std::string text;
};

TEST(watchdog, pings_stop_while_a_shard_spins_and_resume_after) {
    // The notify socket: an abstract name, as systemd's own are not, to cover the '@' form.
    const std::string name = "@corio-watchdog-test-" + std::to_string(getpid());
    const int receiver = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(receiver, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    name.copy(address.sun_path, name.size());
    address.sun_path[0] = '\0';
    ASSERT_EQ(bind(receiver, reinterpret_cast<const sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())),
              0);
    const timeval timeout{0, 100'000};
    setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setenv("NOTIFY_SOCKET", name.c_str(), 1);
    setenv("WATCHDOG_USEC", "400000", 1);
    unsetenv("WATCHDOG_PID");

    std::atomic<bool> release{false};
    std::atomic<bool> spinning{false};
    corio::http::router routes = corio::test::harness_routes();
    routes.get("/spin", [&](corio::http::request&) {
        spinning = true;
        const auto limit = test_clock::now() + 10s;
        while (!release.load() && test_clock::now() < limit) {
        }
        return corio::http::response::text("spun");
    });
    corio::http::server_config config = corio::test::loopback_config();
    config.health_path = "/healthz";
    config.liveness_bound_ms = 300;
    corio::test::served s(config, 2, std::move(routes));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    const auto began = test_clock::now();
    std::thread waiter([&] { s.rt.wait_for_signal(); });

    std::vector<datagram> got;
    const auto collect_until = [&](long long until_ms) {
        char buffer[256];
        while (corio::test::ms_since(began) < until_ms) {
            const ssize_t n = recv(receiver, buffer, sizeof buffer, 0);
            if (n > 0) got.push_back({corio::test::ms_since(began), std::string(buffer, static_cast<std::size_t>(n))});
        }
    };
    collect_until(1000);
    loopback_client spinner(s.port(), 15000);
    ASSERT_TRUE(spinner.send_all(get("/spin"))) << spinner.error();
    while (!spinning.load() && corio::test::ms_since(began) < 3000)
        std::this_thread::sleep_for(1ms);
    const long long spin_began = corio::test::ms_since(began);
    collect_until(spin_began + 1500);
    const long long spin_ended = corio::test::ms_since(began);
    release = true;
    collect_until(spin_ended + 1000);
    s.rt.stop();
    waiter.join();
    collect_until(corio::test::ms_since(began) + 300);
    close(receiver);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");

    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front().text, "READY=1");
    EXPECT_EQ(got.back().text, "STOPPING=1");
    int before = 0, during = 0, after = 0;
    for (const datagram& d : got) {
        if (d.text != "WATCHDOG=1") continue;
        // The spinning shard is called stuck once its heartbeat is older than the bound (300 ms),
        // and its last stamp may be a quarter bound old when the spin starts: 450 ms of slack.
        if (d.at_ms < spin_began)
            ++before;
        else if (d.at_ms > spin_began + 450 && d.at_ms < spin_ended)
            ++during;
        else if (d.at_ms > spin_ended + 100)
            ++after;
    }
    std::string timeline;
    for (const datagram& d : got)
        timeline += std::to_string(d.at_ms) + " " + d.text + "\n";
    EXPECT_GE(before, 3) << timeline;
    EXPECT_EQ(during, 0) << "WATCHDOG=1 sent while a shard spun (" << spin_began << "-" << spin_ended << " ms)\n"
                         << timeline;
    EXPECT_GE(after, 2) << "WATCHDOG=1 did not resume\n" << timeline;
}

} // namespace
