// SPDX-License-Identifier: MIT
// Response serialization (http/src/response_writer.hpp) into a server connection's output chain.
#include <string>

#include <corio/http/json.hpp>

#include "check.hpp"
#include "response_writer.hpp"
#include "server_connection.hpp"
#include "server_harness.hpp"
#include "workload.hpp"

namespace corio::bench {

namespace {

constexpr std::string_view date_line = "Date: Tue, 24 Nov 2026 12:00:00 GMT\r\n";

// Builds the response as the hello handler does, serializes it and sends it over the loopback, whose
// peer drops it.
class response_workload final : public workload {
public:
    explicit response_workload(bool json) : _json(json), _connection(_harness.connect()) {
        _framing.date_line = date_line;
        write();
        _harness.send(_connection);
        std::string out;
        _harness.take_output(_connection, out);
        _harness.discard_output(_connection);
        check(out.starts_with("HTTP/1.1 200 OK\r\n"), "the response does not start with its status line");
        check(out.ends_with(json ? R"({"message":"Hello, World!"})" : "Hello, World!"), "the body is wrong");
    }

    std::size_t run() override {
        write();
        _harness.send(_connection);
        return 1;
    }

private:
    void write() {
        if (_json) {
            http::response res;
            http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
            http::write_response(_connection, res, _framing);
        } else {
            http::write_response(_connection, http::response::text("Hello, World!"), _framing);
        }
    }

    server_harness _harness;
    bool _json;
    http::server_connection& _connection;
    http::response_framing _framing;
};

} // namespace

std::unique_ptr<workload> make_response_plaintext() {
    return std::make_unique<response_workload>(false);
}
std::unique_ptr<workload> make_response_json() {
    return std::make_unique<response_workload>(true);
}

} // namespace corio::bench
