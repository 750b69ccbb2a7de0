// SPDX-License-Identifier: MIT
// corio-connmem: the server's resident memory per idle keep-alive connection. Reads the server's
// RSS (VmRSS of PID and its children), opens N connections with one request answered on each,
// keeps them open and idle, waits for the server to settle, reads the RSS again and prints
// (idle - before) / N; then closes them all, waits --after-close-ms and reads the RSS a third time
// (what the server did not give back). Works against any HTTP/1.1 server on a numeric IPv4 address.
//
// --burst measures as a user's own test program does: no warm-up, and every connection is opened
// and sends its request as fast as one thread can before any answer is read, so the server meets
// the whole burst at once (a provided-buffer ring or a heap grows for it).
//
// Before the first reading, --warmup connections each send --warmup-requests requests and close:
// memory a server touches once whatever the number of connections (a pool of receive buffers that
// the kernel fills one after another, the first requests' one-time allocations) is then already
// in the "before" figure and not charged to the connections. --warmup-requests 1 charges it.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

#include "keep_alive_client.hpp"
#include "process_rss.hpp"

namespace {

void usage(std::FILE* to) {
    std::fputs("usage: corio-connmem --pid PID --port PORT [--connections N] [--address 127.0.0.1]\n"
               "                     [--path /plaintext] [--warmup 16] [--warmup-requests 128] [--settle-ms 1000]\n"
               "                     [--hold S] [--burst] [--after-close-ms 5000] [--json]\n"
               "  --pid PID         the server process (its direct children's RSS is added: nginx workers)\n"
               "  --port PORT       the server's port\n"
               "  --connections N   keep-alive connections to open and keep idle (default 10000)\n"
               "  --address ADDR    numeric IPv4 address (default 127.0.0.1)\n"
               "  --path PATH       the GET request's target (default /plaintext)\n"
               "  --warmup N        connections opened, used and closed before the first reading (default 16)\n"
               "  --warmup-requests R  requests sent one after another on each warm-up connection (default\n"
               "                    128): memory touched once whatever the connections (receive buffer pools,\n"
               "                    first-request allocations) is not charged to them; 1 charges it\n"
               "  --settle-ms MS    wait before each RSS reading (default 1000)\n"
               "  --hold S          keep the connections open S more seconds after the idle reading (default 0)\n"
               "  --burst           no warm-up; connect and send on every connection before reading any answer\n"
               "  --after-close-ms MS  wait after closing every connection before the third reading (default 5000)\n"
               "  --json            print one JSON object instead of text\n"
               "Needs an open-file limit above N (ulimit -n 20000 for 10,000).\n",
               to);
}

bool number(const char* text, unsigned long max, unsigned long& out) {
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, out);
    return ec == std::errc() && ptr == end && out <= max;
}

} // namespace

int main(int argc, char** argv) {
    corio::bench::client_target target;
    unsigned long pid = 0, port = 0, connections = 10000, warmup = 16, warmup_requests = 128, settle_ms = 1000,
                  hold = 0, after_close_ms = 5000;
    bool json = false, burst = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : "";
        bool ok = true;
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else if (arg == "--json") {
            json = true;
            continue;
        } else if (arg == "--burst") {
            burst = true;
            continue;
        } else if (arg == "--after-close-ms") {
            ok = number(value, 600000, after_close_ms);
        } else if (arg == "--pid") {
            ok = number(value, 1ul << 22, pid) && pid > 0;
        } else if (arg == "--port") {
            ok = number(value, 65535, port) && port > 0;
        } else if (arg == "--connections") {
            ok = number(value, 1000000, connections) && connections > 0;
        } else if (arg == "--warmup") {
            ok = number(value, 100000, warmup);
        } else if (arg == "--warmup-requests") {
            ok = number(value, 1000000, warmup_requests) && warmup_requests > 0;
        } else if (arg == "--settle-ms") {
            ok = number(value, 600000, settle_ms);
        } else if (arg == "--hold") {
            ok = number(value, 3600, hold);
        } else if (arg == "--address") {
            target.address = value;
        } else if (arg == "--path") {
            target.path = value;
        } else {
            ok = false;
        }
        if (!ok || i + 1 >= argc) {
            std::fprintf(stderr, "corio-connmem: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        ++i;
    }
    if (pid == 0 || port == 0) {
        usage(stderr);
        return 2;
    }
    target.port = static_cast<std::uint16_t>(port);
    const auto server = static_cast<pid_t>(pid);
    const auto settle = [&] { std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms)); };

    corio::bench::keep_alive_client client(target);
    if (burst) warmup = 0;
    for (unsigned long i = 0; i < warmup; ++i) {
        if (!client.open_one(static_cast<unsigned>(warmup_requests))) {
            std::fprintf(stderr, "corio-connmem: warm-up connection %lu: %s\n", i, client.error().c_str());
            return 1;
        }
    }
    client.close_all();
    settle();
    const auto before = corio::bench::process_tree_rss_kib(server);
    if (!before) {
        std::fprintf(stderr, "corio-connmem: no process %lu\n", pid);
        return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    for (unsigned long i = 0; i < connections; ++i) {
        if (!(burst ? client.open_unanswered() : client.open_one())) {
            std::fprintf(stderr, "corio-connmem: connection %lu of %lu: %s\n", i + 1, connections,
                         client.error().c_str());
            return 1;
        }
    }
    if (!client.read_unanswered()) {
        std::fprintf(stderr, "corio-connmem: reading the burst's answers: %s\n", client.error().c_str());
        return 1;
    }
    const double open_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    settle();
    const auto after = corio::bench::process_tree_rss_kib(server);
    if (!after) {
        std::fprintf(stderr, "corio-connmem: process %lu went away\n", pid);
        return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(hold));
    client.close_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(after_close_ms));
    const auto closed = corio::bench::process_tree_rss_kib(server);
    if (!closed) {
        std::fprintf(stderr, "corio-connmem: process %lu went away\n", pid);
        return 1;
    }
    const auto kib = [](std::uint64_t v) { return static_cast<long long>(v); };
    const double per_connection =
        static_cast<double>(kib(*after) - kib(*before)) * 1024.0 / static_cast<double>(connections);
    const long long closed_above = kib(*closed) - kib(*before);
    if (json) {
        std::printf("{\"mode\":\"%s\",\"connections\":%lu,\"rss_before_kib\":%lld,\"rss_after_kib\":%lld,"
                    "\"rss_closed_kib\":%lld,\"bytes_per_connection\":%.1f,\"closed_above_before_kib\":%lld,"
                    "\"open_seconds\":%.3f,\"warmup_connections\":%lu,\"warmup_requests\":%lu,"
                    "\"after_close_ms\":%lu}\n",
                    burst ? "burst" : "gentle", connections, kib(*before), kib(*after), kib(*closed), per_connection,
                    closed_above, open_s, warmup, warmup_requests, after_close_ms);
    } else {
        std::printf("mode                 %s\n"
                    "connections          %lu (opened in %.2f s, one request answered on each, now idle)\n"
                    "server RSS before    %lld KiB\n"
                    "server RSS idle      %lld KiB (the connections open)\n"
                    "server RSS closed    %lld KiB (%lu ms after they all closed: %+lld KiB from before)\n"
                    "growth / connection  %.1f bytes\n",
                    burst ? "burst" : "gentle", connections, open_s, kib(*before), kib(*after), kib(*closed),
                    after_close_ms, closed_above, per_connection);
    }
    std::fflush(stdout);
    return 0;
}
