// SPDX-License-Identifier: MIT
// The /metrics endpoint over the wire: off unless server_config::metrics_path is set; with two
// shards its body is Prometheus text whose per-shard samples add up to what the clients did (200s,
// 404s, a malformed request's 400 and parse error, connections accepted, closed and open, bytes);
// server::stats() reads the same counters from the test thread, during the run and after it; scrapes
// while both shards serve see counts that only grow; a GET route of the embedder on the same path
// refuses the start; the literal path beats a catch-all pattern, and other methods on the path stay
// the embedder's.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_client.hpp"

namespace {

using namespace std::chrono_literals;
using corio::http::request;
using corio::http::response;
using corio::test::get;
using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;

// A request refused by the parser with 400 (two different Content-Lengths).
constexpr std::string_view malformed =
    "POST /sum HTTP/1.1\r\nHost: loopback\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello";

corio::http::server_config metrics_config() {
    corio::http::server_config config = corio::test::loopback_config();
    config.metrics_path = "/metrics";
    return config;
}

// A scrape: every sample by its metric name and label set (`shard="0",class="2xx"`).
struct scrape {
    std::map<std::string, std::map<std::string, std::uint64_t>> samples;

    // The sum of metric `name` over shards (and classes), restricted to label sets containing `filter`.
    std::uint64_t sum(const std::string& name, std::string_view filter = {}) const {
        std::uint64_t total = 0;
        if (const auto it = samples.find(name); it != samples.end()) {
            for (const auto& [labels, value] : it->second)
                if (labels.find(filter) != std::string::npos) total += value;
        }
        return total;
    }
};

// Parses a Prometheus text body: every line is `# HELP name ...`, `# TYPE name counter|gauge` or
// `name{labels} value` with a shard label; reports any other line as a test failure.
scrape parse(std::string_view body) {
    static const std::regex comment(R"re(# (HELP [a-z_]+ .+|TYPE [a-z_]+ (counter|gauge)))re");
    static const std::regex sample(R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} ([0-9]+))re");
    static const std::regex labels(R"re(shard="[0-9]+"(,[a-z_]+="[^"]*")*)re");
    scrape out;
    std::istringstream in{std::string(body)};
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, comment)) continue;
        if (!std::regex_match(line, m, sample)) {
            ADD_FAILURE() << "not a Prometheus text line: '" << line << "'";
            continue;
        }
        const std::string label_set = m[2];
        EXPECT_TRUE(std::regex_match(label_set, labels)) << line;
        EXPECT_TRUE(out.samples[m[1]].emplace(label_set, std::stoull(m[3])).second) << "duplicate: " << line;
    }
    return out;
}

// GET /metrics on `client`; nullopt (and a test failure) if the answer is not a 200 with a body.
std::optional<scrape> scrape_over(loopback_client& client, std::uint64_t& bytes_sent) {
    const std::string request = get("/metrics");
    reply r;
    if (!client.roundtrip(request, r)) {
        ADD_FAILURE() << client.error();
        return std::nullopt;
    }
    bytes_sent += request.size();
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    if (r.status != 200 || r.body.empty()) return std::nullopt;
    return parse(r.body);
}

TEST(metrics_endpoint, off_by_default) {
    served s(corio::test::loopback_config(), 2);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/metrics"), r)) << client.error();
    EXPECT_EQ(r.status, 404);
    // stats() reads the shards' counters from this thread while they run.
    EXPECT_EQ(s.srv.stats(0).requests + s.srv.stats(1).requests, 1U);
    EXPECT_EQ(s.srv.stats(0).responses[3] + s.srv.stats(1).responses[3], 1U);
    client.close();
    corio::test::stop_and_join(s.rt);
}

TEST(metrics_endpoint, per_shard_counters_add_up_to_what_the_clients_did) {
    served s(metrics_config(), 2);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    std::uint64_t bytes_sent = 0;
    constexpr int client_count = 6;
    constexpr int rounds = 3;

    // Keep-alive clients (SO_REUSEPORT spreads them over the shards): a 200 and a 404 per round.
    std::vector<loopback_client> clients;
    for (int i = 0; i < client_count; ++i) {
        clients.emplace_back(s.port());
        ASSERT_TRUE(clients.back().connected()) << clients.back().error();
    }
    const std::string ok = get("/plaintext");
    const std::string missing = get("/no/such/path");
    for (int round = 0; round < rounds; ++round) {
        for (loopback_client& c : clients) {
            reply r;
            ASSERT_TRUE(c.roundtrip(ok, r)) << c.error();
            EXPECT_EQ(r.status, 200);
            ASSERT_TRUE(c.roundtrip(missing, r)) << c.error();
            EXPECT_EQ(r.status, 404);
            bytes_sent += ok.size() + missing.size();
        }
    }
    {
        // A malformed request: 400, a parse error, and the server closes once the client does.
        loopback_client bad(s.port());
        ASSERT_TRUE(bad.connected()) << bad.error();
        reply r;
        ASSERT_TRUE(bad.roundtrip(malformed, r)) << bad.error();
        EXPECT_EQ(r.status, 400);
        bytes_sent += malformed.size();
        bad.close();
    }
    for (int i = 0; i < client_count / 2; ++i)
        clients[i].close();

    // The server sees the closes asynchronously: scrape until they are counted.
    loopback_client scraper(s.port());
    ASSERT_TRUE(scraper.connected()) << scraper.error();
    const std::uint64_t closed_expected = client_count / 2 + 1;
    std::optional<scrape> m;
    std::uint64_t earlier_scrapes = 0;
    for (const auto deadline = corio::test::test_clock::now() + 10s;;) {
        m = scrape_over(scraper, bytes_sent);
        ASSERT_TRUE(m);
        if (m->sum("corio_http_connections_closed_total") >= closed_expected ||
            corio::test::test_clock::now() > deadline)
            break;
        ++earlier_scrapes;
        std::this_thread::sleep_for(20ms);
    }

    // Every metric has a sample for each shard.
    for (const char* name :
         {"corio_http_requests_total", "corio_http_parse_errors_total", "corio_http_handler_timeouts_total",
          "corio_http_connections_accepted_total", "corio_http_connections_closed_total", "corio_http_connections_open",
          "corio_http_received_bytes_total", "corio_http_sent_bytes_total", "corio_http_recv_no_buffers_total",
          "corio_http_output_pending_bytes", "corio_http_accept_backoffs_total"}) {
        ASSERT_EQ(m->samples.count(name), 1U) << name;
        EXPECT_EQ(m->samples.at(name).size(), 2U) << name;
        EXPECT_EQ(m->samples.at(name).count("shard=\"0\""), 1U) << name;
        EXPECT_EQ(m->samples.at(name).count("shard=\"1\""), 1U) << name;
    }
    ASSERT_EQ(m->samples.count("corio_http_responses_total"), 1U);
    EXPECT_EQ(m->samples.at("corio_http_responses_total").size(), 10U); // 2 shards x 5 classes

    const std::uint64_t plain = client_count * rounds;
    // The scrape being answered was read (requests) but its response is queued after the rendering.
    EXPECT_EQ(m->sum("corio_http_requests_total"), 2 * plain + earlier_scrapes + 1);
    EXPECT_EQ(m->sum("corio_http_responses_total", "class=\"2xx\""), plain + earlier_scrapes);
    EXPECT_EQ(m->sum("corio_http_responses_total", "class=\"4xx\""), plain + 1);
    EXPECT_EQ(m->sum("corio_http_responses_total", "class=\"1xx\""), 0U);
    EXPECT_EQ(m->sum("corio_http_responses_total", "class=\"3xx\""), 0U);
    EXPECT_EQ(m->sum("corio_http_responses_total", "class=\"5xx\""), 0U);
    EXPECT_EQ(m->sum("corio_http_parse_errors_total"), 1U);
    EXPECT_EQ(m->sum("corio_http_handler_timeouts_total"), 0U);
    EXPECT_EQ(m->sum("corio_http_connections_accepted_total"), client_count + 2U); // + the bad one, the scraper
    EXPECT_EQ(m->sum("corio_http_connections_closed_total"), closed_expected);
    EXPECT_EQ(m->sum("corio_http_connections_open"), client_count / 2 + 1U); // the rest and the scraper
    EXPECT_GE(m->sum("corio_http_received_bytes_total"), bytes_sent);
    EXPECT_GT(m->sum("corio_http_sent_bytes_total"), 0U);

    // stats() reads the same counters from this thread; after the stop they are still there.
    for (loopback_client& c : clients)
        c.close();
    scraper.close();
    corio::test::stop_and_join(s.rt);
    const corio::http::server_stats a = s.srv.stats(0);
    const corio::http::server_stats b = s.srv.stats(1);
    EXPECT_EQ(a.requests + b.requests, 2 * plain + earlier_scrapes + 1);
    EXPECT_EQ(a.responses[1] + b.responses[1], plain + earlier_scrapes + 1);
    EXPECT_EQ(a.connections_opened + b.connections_opened, client_count + 2U);
    EXPECT_EQ(a.connections_closed + b.connections_closed, client_count + 2U);
    EXPECT_EQ(a.connections_open + b.connections_open, 0U);
    EXPECT_EQ(a.parse_errors + b.parse_errors, 1U);
    EXPECT_GE(a.bytes_in + b.bytes_in, bytes_sent);
}

// Scrapes (and stats() calls from this thread) while both shards serve: every shard's counters are
// read while their owner writes them. Under ThreadSanitizer this is the check that no read races;
// everywhere, the counts only grow and end at what was sent.
TEST(metrics_endpoint, scrapes_while_the_shards_serve_see_counts_only_grow) {
    served s(metrics_config(), 2);
    CORIO_START_OR_SKIP(s.rt, s.srv);
    constexpr int loaders = 4;
    constexpr int per_loader = 300;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < loaders; ++i) {
        threads.emplace_back([&, port = s.port()] {
            loopback_client c(port);
            const std::string request = get("/plaintext");
            reply r;
            for (int n = 0; n < per_loader; ++n) {
                if (!c.roundtrip(request, r) || r.status != 200) {
                    ++failures;
                    return;
                }
            }
        });
    }
    loopback_client scraper(s.port());
    ASSERT_TRUE(scraper.connected()) << scraper.error();
    std::uint64_t bytes_sent = 0;
    std::uint64_t last_scraped = 0;
    std::uint64_t last_stats = 0;
    for (int i = 0; i < 40; ++i) {
        const std::optional<scrape> m = scrape_over(scraper, bytes_sent);
        ASSERT_TRUE(m);
        const std::uint64_t scraped = m->sum("corio_http_responses_total", "class=\"2xx\"");
        EXPECT_GE(scraped, last_scraped);
        last_scraped = scraped;
        const std::uint64_t from_stats = s.srv.stats(0).responses[1] + s.srv.stats(1).responses[1];
        EXPECT_GE(from_stats, last_stats);
        last_stats = from_stats;
    }
    for (std::thread& t : threads)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    const std::optional<scrape> m = scrape_over(scraper, bytes_sent);
    ASSERT_TRUE(m);
    // The 40 earlier scrapes' responses count; this one's is queued after its rendering.
    EXPECT_EQ(m->sum("corio_http_responses_total", "class=\"2xx\""), loaders * per_loader + 40U);
    scraper.close();
    corio::test::stop_and_join(s.rt);
}

TEST(metrics_endpoint, a_get_route_on_the_metrics_path_refuses_the_start) {
    corio::http::router routes = corio::test::harness_routes();
    routes.get("/metrics", [](request&) { return response::text("mine"); });
    served s(metrics_config(), 1, std::move(routes));
    EXPECT_FALSE(s.rt.start(s.srv));
    EXPECT_NE(s.rt.error_message().find("File exists"), std::string::npos) << s.rt.error_message();

    corio::http::server_config captures = metrics_config();
    captures.metrics_path = "/metrics/:shard";
    served t(captures, 1);
    EXPECT_FALSE(t.rt.start(t.srv));
    EXPECT_NE(t.rt.error_message().find("Invalid argument"), std::string::npos) << t.rt.error_message();
}

TEST(metrics_endpoint, the_literal_path_beats_a_catch_all_and_other_methods_stay_the_embedders) {
    corio::http::router routes;
    routes.get("/*rest", [](request&) { return response::text("catch-all"); });
    routes.post("/metrics", [](request&) { return response::text("posted"); });
    served s(metrics_config(), 1, std::move(routes));
    CORIO_START_OR_SKIP(s.rt, s.srv);
    loopback_client client(s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip(get("/metrics"), r)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("corio_http_requests_total{shard=\"0\"} 1\n"), std::string_view::npos) << r.body;
    ASSERT_TRUE(client.roundtrip(get("/metrics/more"), r)) << client.error();
    EXPECT_EQ(r.body, "catch-all");
    ASSERT_TRUE(client.roundtrip("POST /metrics HTTP/1.1\r\nHost: loopback\r\nContent-Length: 0\r\n\r\n", r))
        << client.error();
    EXPECT_EQ(r.body, "posted");
    ASSERT_TRUE(client.roundtrip("HEAD /metrics HTTP/1.1\r\nHost: loopback\r\n\r\n", r, true)) << client.error();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_TRUE(r.body.empty());
    client.close();
    corio::test::stop_and_join(s.rt);
}

} // namespace
