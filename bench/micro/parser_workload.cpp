// SPDX-License-Identifier: MIT
// The request parser wrapper (http/src/request_parser.hpp) on TechEmpower-style requests.
#include <string>

#include <benchmark/benchmark.h>

#include "check.hpp"
#include "request_parser.hpp"
#include "techempower.hpp"
#include "workload.hpp"

namespace corio::bench {

namespace {

// Parses `depth` pipelined requests from one buffer, each from where the previous one ended.
class parse_workload final : public workload {
public:
    explicit parse_workload(std::size_t depth) : _input(pipelined(plaintext_request, depth)), _parser(_limits) {
        check(run() == depth, "the parser did not find every pipelined request");
        check(_request.path() == "/plaintext", "the parser returned the wrong path");
    }

    std::size_t run() override {
        std::span<char> rest(_input);
        std::size_t parsed = 0;
        while (!rest.empty()) {
            const http::parse_outcome out = _parser.parse(rest, _request);
            if (out.what != http::parse_outcome::kind::complete) break;
            benchmark::DoNotOptimize(_request);
            rest = rest.subspan(out.consumed);
            ++parsed;
        }
        return parsed;
    }

private:
    std::string _input;
    http::parse_limits _limits;
    http::request_parser _parser;
    http::request _request;
};

} // namespace

std::unique_ptr<workload> make_parse_plaintext() {
    return std::make_unique<parse_workload>(1);
}
std::unique_ptr<workload> make_parse_pipelined16() {
    return std::make_unique<parse_workload>(16);
}

} // namespace corio::bench
