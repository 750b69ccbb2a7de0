// SPDX-License-Identifier: MIT
// The whole request -> response path through the server's connection code (server_connection over
// tcp_connection), fed from memory: parse, route, handler, serialization, output chain. What is
// left out is only the kernel's part (receive, send, the loop turn).
#include <string>

#include "check.hpp"
#include "server_harness.hpp"
#include "techempower.hpp"
#include "workload.hpp"

namespace corio::bench {

namespace {

// Feeds `depth` pipelined copies of `request` as one receive; the loopback's peer drops the responses.
class connection_workload final : public workload {
public:
    connection_workload(std::string_view request, std::size_t depth, std::string_view body)
        : _input(pipelined(request, depth)), _depth(depth), _connection(_harness.connect()) {
        std::string out;
        _harness.feed(_connection, _input);
        _harness.take_output(_connection, out);
        std::size_t responses = 0;
        for (std::size_t at = 0; (at = out.find("HTTP/1.1 200 OK\r\n", at)) != std::string::npos; ++at)
            ++responses;
        check(responses == depth, "the connection did not answer every request with 200");
        check(out.ends_with(body), "the response body is wrong");
        _harness.discard_output(_connection);
    }

    std::size_t run() override {
        _harness.feed(_connection, _input);
        return _depth;
    }

private:
    std::string _input;
    std::size_t _depth;
    server_harness _harness;
    http::server_connection& _connection;
};

} // namespace

std::unique_ptr<workload> make_connection_plaintext() {
    return std::make_unique<connection_workload>(plaintext_request, 1, "Hello, World!");
}
std::unique_ptr<workload> make_connection_pipelined16() {
    return std::make_unique<connection_workload>(plaintext_request, 16, "Hello, World!");
}
std::unique_ptr<workload> make_connection_json() {
    return std::make_unique<connection_workload>(json_request, 1, R"({"message":"Hello, World!"})");
}

} // namespace corio::bench
