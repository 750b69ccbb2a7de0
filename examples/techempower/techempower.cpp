// SPDX-License-Identifier: MIT
#include "techempower.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <corio/core/when_all.hpp>
#include <corio/http/json.hpp>
#include <corio/pg/statement.hpp>

#include "database_failure.hpp"
#include "fortunes.hpp"
#include "world.hpp"

namespace techempower {

namespace {

using corio::http::request;
using corio::http::response;
using corio::http::status;
namespace pg = corio::pg;

// Prepared once per pool connection, on first use. Unquoted names: the tables are World and
// Fortune in TechEmpower's scripts, folded to lower case by PostgreSQL.
const pg::statement select_world("SELECT id, randomnumber FROM world WHERE id = $1");
const pg::statement select_fortunes("SELECT id, message FROM fortune");
const pg::statement select_all_worlds("SELECT id, randomnumber FROM world");
// One statement for any number of rows: the ids and the new numbers as two arrays, ids ascending
// and distinct, so that concurrent updates lock their rows in the same order (no deadlocks).
const pg::statement update_worlds("UPDATE world SET randomnumber = v.r FROM "
                                  "(SELECT unnest($1::int[]) AS id, unnest($2::int[]) AS r) AS v "
                                  "WHERE world.id = v.id");

// The one row of a World query as a world, or the error that prevented it.
pg::result<world> read_world(const pg::result<pg::rows>& rows) {
    if (!rows) return tl::unexpected(rows.error());
    if (rows->size() != 1) return tl::unexpected(pg::error(pg::errc::no_such_column, "no such World row"));
    const pg::row row = (*rows)[0];
    auto id = row.get<std::int32_t>(0);
    auto number = row.get<std::int32_t>(1);
    if (!id) return tl::unexpected(std::move(id.error()));
    if (!number) return tl::unexpected(std::move(number.error()));
    return world{*id, *number};
}

void write_world(corio::http::json_writer& out, const world& w) {
    out.begin_object()
        .key("id")
        .value(static_cast<std::int64_t>(w.id))
        .key("randomNumber")
        .value(static_cast<std::int64_t>(w.random_number))
        .end_object();
}

response worlds_response(const std::vector<world>& worlds) {
    response res;
    corio::http::json_writer out = corio::http::json_body(res);
    out.begin_array();
    for (const world& w : worlds)
        write_world(out, w);
    out.end_array();
    return res;
}

// N random rows by N separate statements, all issued before the first answer is awaited: the
// pool writes them in one batch.
corio::task<pg::result<std::vector<world>>> read_random_worlds(pg::pool& db, int count) {
    std::vector<corio::task<pg::result<pg::rows>>> queries;
    queries.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
        queries.push_back(db.execute(select_world, random_world_number()));
    std::vector<pg::result<pg::rows>> answers = co_await corio::when_all(std::move(queries));
    std::vector<world> worlds;
    worlds.reserve(answers.size());
    for (const pg::result<pg::rows>& answer : answers) {
        pg::result<world> w = read_world(answer);
        if (!w) co_return tl::unexpected(std::move(w.error()));
        worlds.push_back(*w);
    }
    co_return worlds;
}

corio::task<response> single_query(pg::pool& db) {
    const pg::result<world> w = read_world(co_await db.execute(select_world, random_world_number()));
    if (!w) co_return corio::examples::database_failure(w.error());
    response res;
    corio::http::json_writer out = corio::http::json_body(res);
    write_world(out, *w);
    co_return res;
}

corio::task<response> multiple_queries(pg::pool& db, int count) {
    const pg::result<std::vector<world>> worlds = co_await read_random_worlds(db, count);
    if (!worlds) co_return corio::examples::database_failure(worlds.error());
    co_return worlds_response(*worlds);
}

corio::task<response> fortunes(pg::pool& db) {
    const pg::result<pg::rows> rows = co_await db.execute(select_fortunes);
    if (!rows) co_return corio::examples::database_failure(rows.error());
    std::vector<fortune> list;
    list.reserve(rows->size() + 1);
    for (const pg::row row : *rows) {
        auto id = row.get<std::int32_t>(0);
        auto message = row.get<std::string_view>(1); // points into `rows`, alive until rendered
        if (!id) co_return corio::examples::database_failure(id.error());
        if (!message) co_return corio::examples::database_failure(message.error());
        list.push_back({*id, *message});
    }
    response res;
    render_fortunes(list, res);
    co_return res;
}

// The ids (or the random numbers) of `worlds` as a PostgreSQL array literal ("{1,2,3}").
std::string int_array(const std::vector<world>& worlds, bool numbers) {
    std::string out = "{";
    for (const world& w : worlds) {
        if (out.size() > 1) out += ',';
        out += std::to_string(numbers ? w.random_number : w.id);
    }
    out += '}';
    return out;
}

corio::task<response> updates(pg::pool& db, int count) {
    pg::result<std::vector<world>> worlds = co_await read_random_worlds(db, count);
    if (!worlds) co_return corio::examples::database_failure(worlds.error());
    for (world& w : *worlds)
        w.random_number = random_world_number();
    // One UPDATE for all of them: ids ascending and distinct (a row drawn twice keeps the number it
    // got last, in the answer too, so that the answer says what the database holds).
    std::vector<world> rows = *worlds;
    std::stable_sort(rows.begin(), rows.end(), [](const world& a, const world& b) { return a.id < b.id; });
    std::vector<world> distinct;
    distinct.reserve(rows.size());
    for (const world& w : rows) {
        if (!distinct.empty() && distinct.back().id == w.id) {
            distinct.back() = w;
        } else {
            distinct.push_back(w);
        }
    }
    for (world& w : *worlds)
        w.random_number = std::lower_bound(distinct.begin(), distinct.end(), w.id, [](const world& d, std::int32_t id) {
                              return d.id < id;
                          })->random_number;
    const pg::result<pg::rows> written =
        co_await db.execute(update_worlds, int_array(distinct, false), int_array(distinct, true));
    if (!written) co_return corio::examples::database_failure(written.error());
    co_return worlds_response(*worlds);
}

// The shard's copy of the World table, loaded once on the first /cached-queries request.
struct world_cache {
    std::vector<world> rows; // by id - 1
    bool loading = false;
};

corio::task<response> cached_queries(pg::pool& db, int count) {
    thread_local world_cache cache; // one per shard thread: never shared
    if (cache.rows.empty()) {
        if (cache.loading) co_return co_await multiple_queries(db, count); // correct, just slower, meanwhile
        cache.loading = true;
        const pg::result<pg::rows> all = co_await db.execute(select_all_worlds);
        cache.loading = false;
        if (!all) co_return corio::examples::database_failure(all.error());
        std::vector<world> rows(static_cast<std::size_t>(world_rows), world{0, 0});
        for (const pg::row row : *all) {
            auto id = row.get<std::int32_t>(0);
            auto number = row.get<std::int32_t>(1);
            if (!id || !number || *id < 1 || *id > world_rows) {
                co_return corio::examples::database_failure(pg::error(pg::errc::type_mismatch, "unexpected World row"));
            }
            rows[static_cast<std::size_t>(*id - 1)] = world{*id, *number};
        }
        cache.rows = std::move(rows);
    }
    std::vector<world> picked;
    picked.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
        picked.push_back(cache.rows[static_cast<std::size_t>(random_world_number() - 1)]);
    co_return worlds_response(picked);
}

} // namespace

void add_routes(corio::http::router& routes, pg::pool& db) {
    routes.get("/plaintext", [](request&) { return response::text("Hello, World!"); });
    routes.get("/json", [](request&) {
        response res;
        corio::http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
        return res;
    });
    // The lambdas only start the coroutines, which keep what they need (the pool, the count).
    routes.get("/db", [&db](request&) { return single_query(db); });
    routes.get("/queries", [&db](request& req) { return multiple_queries(db, query_count(req.query(), "queries")); });
    routes.get("/fortunes", [&db](request&) { return fortunes(db); });
    routes.get("/updates", [&db](request& req) { return updates(db, query_count(req.query(), "queries")); });
    routes.get("/cached-queries",
               [&db](request& req) { return cached_queries(db, query_count(req.query(), "count")); });
}

} // namespace techempower
