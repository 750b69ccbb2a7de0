// SPDX-License-Identifier: MIT
// Router lookup (corio/http/router.hpp) in a table the size of the TechEmpower test set.
#include <corio/http/router.hpp>

#include <benchmark/benchmark.h>

#include "check.hpp"
#include "workload.hpp"

namespace corio::bench {

namespace {

// Looks up `path` for GET; the table holds the seven TechEmpower paths and a POST route.
class route_workload final : public workload {
public:
    route_workload(std::string_view path, bool expect_hit) : _path(path) {
        for (const char* p : {"/plaintext", "/json", "/db", "/queries", "/fortunes", "/updates", "/cached-queries"})
            _routes.get(p, [](http::request&) { return http::response::text("Hello, World!"); });
        _routes.post("/items", [](http::request&) { return http::response(http::status::created); });
        check((_routes.find(http::method::get, _path).target != nullptr) == expect_hit, "unexpected lookup result");
    }

    std::size_t run() override {
        std::string_view path = _path;
        benchmark::DoNotOptimize(path);
        const http::route_match match = _routes.find(http::method::get, path);
        benchmark::DoNotOptimize(match);
        return 1;
    }

private:
    http::router _routes;
    std::string_view _path;
};

} // namespace

std::unique_ptr<workload> make_route_hit() {
    return std::make_unique<route_workload>("/plaintext", true);
}
std::unique_ptr<workload> make_route_miss() {
    return std::make_unique<route_workload>("/favicon.ico", false);
}

} // namespace corio::bench
