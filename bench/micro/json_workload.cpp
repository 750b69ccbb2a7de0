// SPDX-License-Identifier: MIT
// json_writer (corio/http/json.hpp) on the TechEmpower JSON shapes.
#include <corio/http/json.hpp>

#include <benchmark/benchmark.h>

#include "check.hpp"
#include "workload.hpp"

namespace corio::bench {

namespace {

// {"message":"Hello, World!"} into a fresh response, as the hello example's /json handler does.
class json_message_workload final : public workload {
public:
    json_message_workload() {
        http::response res;
        write(res);
        check(res.body() == R"({"message":"Hello, World!"})", "json_writer wrote something else");
    }

    std::size_t run() override {
        http::response res;
        write(res);
        benchmark::DoNotOptimize(res);
        return 1;
    }

private:
    static void write(http::response& res) {
        http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
    }
};

// [{"id":n,"randomNumber":m}, ...] with 20 objects (the TechEmpower queries=20 answer); counts items.
class json_worlds_workload final : public workload {
public:
    std::size_t run() override {
        http::response res;
        http::json_writer w = http::json_body(res);
        w.begin_array();
        for (std::int64_t i = 0; i < 20; ++i)
            w.begin_object().key("id").value(i * 487 + 1).key("randomNumber").value(i * 7919 % 10000 + 1).end_object();
        w.end_array();
        benchmark::DoNotOptimize(res);
        return 20;
    }
};

} // namespace

std::unique_ptr<workload> make_json_message() {
    return std::make_unique<json_message_workload>();
}
std::unique_ptr<workload> make_json_worlds20() {
    return std::make_unique<json_worlds_workload>();
}

} // namespace corio::bench
