// SPDX-License-Identifier: MIT
// The techempower example's routes over loopback against the throwaway PostgreSQL (ctest fixture
// "postgres"), rule by rule of the TechEmpower requirements: exact JSON shapes and types, the query
// count clamped (0, -1, 501, "foo", missing), the fortunes page exact (escaping of the <script>
// fortune, the added fortune, sorting, the content type), updates persisted (read back on a
// connection of the test's own), the cache, 10,000 /db requests on 256 connections all well formed,
// and the pipelining real: the 20 statements of /queries?queries=20 go out in one batch (the
// pool's own counters of syncs and statements, not a timing).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <corio/core/shard.hpp>
#include <corio/http/json.hpp>
#include <corio/pg/pool.hpp>

#include "harness.hpp"
#include "loopback_client.hpp"
#include "pg_cluster.hpp"
#include "techempower.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::reply;

struct world_row {
    int id;
    int random_number;
};

// Every {"id":N,"randomNumber":N} of `body` in order; nothing if `body` is not exactly an array of
// them (or, with `single`, exactly one object).
std::optional<std::vector<world_row>> parse_worlds(std::string_view body, bool single) {
    static const std::regex object(R"(\{"id":([0-9]+),"randomNumber":([0-9]+)\})");
    std::vector<world_row> rows;
    std::string_view rest = body;
    if (!single) {
        if (rest.size() < 2 || rest.front() != '[' || rest.back() != ']') return std::nullopt;
        rest = rest.substr(1, rest.size() - 2);
    }
    while (!rest.empty()) {
        std::match_results<std::string_view::const_iterator> m;
        if (!std::regex_search(rest.begin(), rest.end(), m, object, std::regex_constants::match_continuous))
            return std::nullopt;
        rows.push_back({std::stoi(m[1].str()), std::stoi(m[2].str())});
        rest.remove_prefix(static_cast<std::size_t>(m.length(0)));
        if (!rest.empty()) {
            if (single || rest.front() != ',') return std::nullopt;
            rest.remove_prefix(1);
        }
    }
    if (single && rows.size() != 1) return std::nullopt;
    return rows;
}

bool in_range(const world_row& w) {
    return w.id >= 1 && w.id <= 10'000 && w.random_number >= 1 && w.random_number <= 10'000;
}

std::string get(std::string_view target) {
    return fmt::format("GET {} HTTP/1.1\r\nHost: loopback\r\n\r\n", target);
}

// The routes of the example plus /pool-stats (the shard's pool counters, read on the shard).
corio::http::router test_routes(corio::pg::pool& db) {
    corio::http::router routes;
    techempower::add_routes(routes, db);
    routes.get("/pool-stats", [&db](corio::http::request&) {
        const corio::pg::pool_stats& s = db.stats();
        corio::http::response res;
        corio::http::json_body(res)
            .begin_object()
            .key("queries")
            .value(static_cast<std::int64_t>(s.queries.value()))
            .key("syncs")
            .value(static_cast<std::int64_t>(s.syncs.value()))
            .end_object();
        return res;
    });
    return routes;
}

// A database pool, the example's server on one shard and a client; skips without a database.
class techempower : public testing::Test {
protected:
    void SetUp() override {
        auto url = corio::test::database_url();
        if (!url) GTEST_SKIP() << corio::test::no_database_reason();
        _url = *url;
        _db = std::make_unique<corio::pg::pool>(corio::pg::pool_config{.conninfo = *url});
        _served = std::make_unique<corio::test::served>(corio::test::loopback_config(), 1, test_routes(*_db));
        CORIO_START_OR_SKIP(_served->rt, _served->srv);
        _client = std::make_unique<loopback_client>(_served->port(), 10'000);
        ASSERT_TRUE(_client->connected()) << _client->error();
    }
    void TearDown() override {
        _client.reset();
        _served.reset(); // the runtime stops before the pool goes
        _db.reset();
    }

    reply fetch(std::string_view target) {
        reply r;
        EXPECT_TRUE(_client->roundtrip(get(target), r)) << target << ": " << _client->error();
        return r;
    }
    std::vector<world_row> worlds(std::string_view target, std::size_t expected) {
        const reply r = fetch(target);
        EXPECT_EQ(r.status, 200) << target << ": " << r.body;
        EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json") << target;
        const auto rows = parse_worlds(r.body, false);
        EXPECT_TRUE(rows.has_value()) << target << ": " << r.body;
        if (!rows) return {};
        EXPECT_EQ(rows->size(), expected) << target;
        for (const world_row& w : *rows)
            EXPECT_TRUE(in_range(w)) << target << ": " << r.body;
        return *rows;
    }

    std::string _url;
    std::unique_ptr<corio::pg::pool> _db;
    std::unique_ptr<corio::test::served> _served;
    std::unique_ptr<loopback_client> _client;
};

TEST_F(techempower, plaintext_and_json) {
    const reply plain = fetch("/plaintext");
    EXPECT_EQ(plain.status, 200);
    EXPECT_EQ(plain.body, "Hello, World!");
    EXPECT_EQ(plain.header("Content-Type").value_or(""), "text/plain");
    const reply json = fetch("/json");
    EXPECT_EQ(json.status, 200);
    EXPECT_EQ(json.body, R"({"message":"Hello, World!"})");
    EXPECT_EQ(json.header("Content-Type").value_or(""), "application/json");
    EXPECT_TRUE(json.header("Server").has_value());
    EXPECT_TRUE(json.header("Date").has_value());
}

TEST_F(techempower, db_is_one_world_object) {
    for (int i = 0; i < 20; ++i) {
        const reply r = fetch("/db");
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json");
        const auto rows = parse_worlds(r.body, true);
        ASSERT_TRUE(rows.has_value()) << r.body;
        EXPECT_TRUE(in_range(rows->front())) << r.body;
    }
}

TEST_F(techempower, query_count_is_clamped) {
    const std::pair<std::string_view, std::size_t> cases[] = {
        {"/queries?queries=20", 20},      {"/queries?queries=0", 1},   {"/queries?queries=-1", 1},
        {"/queries?queries=501", 500},    {"/queries?queries=foo", 1}, {"/queries", 1},
        {"/queries?queries=", 1},         {"/queries?queries=1", 1},   {"/queries?queries=500", 500},
        {"/queries?other=7&queries=3", 3}};
    for (const auto& [target, expected] : cases)
        worlds(target, expected);
    for (const auto& [target, expected] : cases) {
        std::string cached = "/cached-queries?count=" + std::string(target.substr(target.find('=') + 1));
        if (target == "/queries") cached = "/cached-queries";
        if (target == "/queries?other=7&queries=3") cached = "/cached-queries?other=7&count=3";
        worlds(cached, expected);
    }
}

TEST_F(techempower, fortunes_page_is_exact) {
    const reply r = fetch("/fortunes");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    // TechEmpower's 12 rows plus the added one, sorted by message (byte order), every message escaped.
    const std::string_view expected =
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>"
        "<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);"
        "&lt;/script&gt;</td></tr>"
        "<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>"
        "<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>"
        "<tr><td>2</td><td>A computer scientist is someone who fixes things that aren&#39;t broken.</td></tr>"
        "<tr><td>8</td><td>A list is only as strong as its weakest link. \xe2\x80\x94 Donald Knuth</td></tr>"
        "<tr><td>0</td><td>Additional fortune added at request time.</td></tr>"
        "<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>"
        "<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>"
        "<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>"
        "<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. \xe2\x80\x94 Tom Christaensen</td></tr>"
        "<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>"
        "<tr><td>1</td><td>fortune: No such file or directory</td></tr>"
        "<tr><td>12</td><td>\xe3\x83\x95\xe3\x83\xac\xe3\x83\xbc\xe3\x83\xa0\xe3\x83\xaf\xe3\x83\xbc\xe3\x82\xaf\xe3"
        "\x81\xae\xe3\x83\x99\xe3\x83\xb3\xe3\x83\x81\xe3\x83\x9e\xe3\x83\xbc\xe3\x82\xaf</td></tr>"
        "</table></body></html>";
    EXPECT_EQ(r.body, expected);
}

// Reads randomnumber of every id in `ids` on a libpq connection of the test's own.
std::map<int, int> read_back(const std::string& url, const std::vector<world_row>& rows) {
    std::map<int, int> numbers;
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
    EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    for (const world_row& w : rows) {
        const std::string id = std::to_string(w.id);
        const char* values[] = {id.c_str()};
        std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexecParams(conn.get(),
                                                                       "select randomnumber from world where id = $1",
                                                                       1, nullptr, values, nullptr, nullptr, 0),
                                                          &PQclear);
        if (PQresultStatus(res.get()) == PGRES_TUPLES_OK && PQntuples(res.get()) == 1)
            numbers[w.id] = std::stoi(PQgetvalue(res.get(), 0, 0));
    }
    return numbers;
}

// In one test: the read-back must not see another test's updates of the same rows.
TEST_F(techempower, updates_are_persisted_and_concurrent_ones_do_not_deadlock) {
    for (const std::string_view target : {"/updates?queries=20", "/updates?queries=1", "/updates?queries=foo",
                                          "/updates?queries=0", "/updates?queries=501"}) {
        const std::size_t expected = target.ends_with("=20") ? 20 : target.ends_with("=501") ? 500 : 1;
        const std::vector<world_row> answered = worlds(target, expected);
        const std::map<int, int> stored = read_back(_url, answered);
        for (const world_row& w : answered)
            EXPECT_EQ(stored.count(w.id) ? stored.at(w.id) : -1, w.random_number) << target << " id " << w.id;
    }
    // 8 connections updating 20 rows each, 25 times over: overlapping rows, every answer a 200.
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c) {
        clients.emplace_back([&] {
            loopback_client client(_served->port(), 20'000);
            for (int i = 0; i < 25; ++i) {
                reply r;
                if (!client.roundtrip(get("/updates?queries=20"), r) || r.status != 200 ||
                    !parse_worlds(r.body, false)) {
                    ++failures;
                    return;
                }
            }
        });
    }
    for (std::thread& t : clients)
        t.join();
    EXPECT_EQ(failures.load(), 0);
}

TEST_F(techempower, queries_go_out_in_one_batch) {
    worlds("/queries?queries=5", 5); // connections open and statements prepared
    const auto counters = [&] {
        const reply r = fetch("/pool-stats");
        static const std::regex shape(R"(\{"queries":([0-9]+),"syncs":([0-9]+)\})");
        std::match_results<std::string_view::const_iterator> m;
        EXPECT_TRUE(std::regex_match(r.body.begin(), r.body.end(), m, shape)) << r.body;
        return std::pair<long, long>(std::stol(m[1].str()), std::stol(m[2].str()));
    };
    const auto before = counters();
    worlds("/queries?queries=20", 20);
    const auto after = counters();
    EXPECT_EQ(after.first - before.first, 20);
    EXPECT_EQ(after.second - before.second, 1) << "the 20 statements took more than one pipelined write";
}

TEST_F(techempower, ten_thousand_db_requests_on_256_connections) {
    constexpr int threads = 16;
    constexpr int per_thread = 16; // connections
    constexpr int rounds = 40;     // 16 x 16 x 40 = 10,240 requests
    std::atomic<int> good{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            std::vector<std::unique_ptr<loopback_client>> clients;
            for (int c = 0; c < per_thread; ++c)
                clients.push_back(std::make_unique<loopback_client>(_served->port(), 20'000));
            const std::string request = get("/db");
            for (int round = 0; round < rounds; ++round) {
                for (auto& c : clients) // all of them in flight at once, then every answer
                    if (!c->send_all(request)) ++bad;
                for (auto& c : clients) {
                    reply r;
                    if (!c->read_response(r) || r.status != 200) {
                        ++bad;
                        continue;
                    }
                    const auto rows = parse_worlds(r.body, true);
                    if (rows && in_range(rows->front())) {
                        ++good;
                    } else {
                        ++bad;
                    }
                }
            }
        });
    }
    for (std::thread& w : workers)
        w.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(good.load(), threads * per_thread * rounds);
}

} // namespace
