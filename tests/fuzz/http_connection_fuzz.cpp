// SPDX-License-Identifier: MIT
// Fuzz target for the HTTP connection state machine (server_connection over tcp_connection, the
// code the server runs), over a net::loopback: no socket, no loop. The input, after a header
// byte, is fed twice to fresh connections: once whole, once cut at fuzzer-chosen points (a byte
// at a time included). The responses must be well-formed and identical either way: cutting a
// stream into receives must never change what the server answers (spill, re-parse and the
// Content-Length wait hint are all on that path). The routes include an asynchronous handler, one
// reading a streamed body piece by piece, and a streamed (chunked) response, so the exchange
// machinery (request copies, body feeding, pausing and resuming the connection) is fuzzed too.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <corio/http/body_writer.hpp>

#include "memory_shard.hpp"
#include "server_connection.hpp"

namespace {

using namespace corio;

void check(bool ok) {
    if (!ok) std::abort();
}

struct harness : test::memory_shard {
    std::unique_ptr<http::server> server;
    std::unique_ptr<http::server::shard_state> state;

    harness() {
        http::router routes;
        routes.get("/plaintext", [](http::request&) { return http::response::text("Hello, World!"); });
        routes.post("/echo", [](http::request& req) { return http::response::copy_of(req.body(), "text/plain"); });
        routes.get("/throw", [](http::request&) -> http::response { throw std::runtime_error("fuzz"); });
        routes.post("/async", [](http::request& req) -> task<http::response> {
            char piece[7];
            std::string body;
            for (;;) {
                const result<std::size_t> n = co_await req.read_body(piece);
                if (!n || *n == 0) break;
                body.append(piece, *n);
            }
            co_return http::response::copy_of(fmt::format("{}:{}", req.path(), body), "text/plain");
        });
        routes.post("/upload/:name",
                    [](http::request& req) -> task<http::response> {
                        char piece[5];
                        std::uint64_t size = 0;
                        std::uint64_t sum = 0;
                        for (;;) {
                            const result<std::size_t> n = co_await req.read_body(piece);
                            if (!n) co_return http::response::text("bad body", http::status::bad_request);
                            if (*n == 0) break;
                            size += *n;
                            for (std::size_t i = 0; i < *n; ++i)
                                sum += static_cast<unsigned char>(piece[i]);
                        }
                        co_return http::response::copy_of(fmt::format("{} {} {}", req.param("name"), size, sum),
                                                          "text/plain");
                    },
                    {.max_body_bytes = 2048, .stream_body = true});
        routes.get("/stream", [](http::request& req) {
            const std::size_t n = req.query().size() % 5;
            return http::response::stream([n](http::body_writer& out) -> task<void> {
                for (std::size_t i = 0; i < n; ++i) {
                    if (!co_await out.write(fmt::format("piece {}\n", i))) co_return;
                }
            });
        });
        http::server_config config;
        config.max_url_bytes = 256;
        config.max_header_bytes = 1024;
        config.max_headers = 8;
        config.max_body_bytes = 4096;
        config.max_pending_output = 64 << 20; // no backpressure: both runs must see every request
        server = std::make_unique<http::server>(std::move(routes), config);
        state = std::make_unique<http::server::shard_state>(*self, *server, -1, nullptr, wire.get());
    }
};

// Runs `input` through a fresh connection, cut before the offsets in `cuts` (ascending).
std::string serve(harness& h, std::string input, std::string_view cuts) {
    const int end = h.wire->open();
    (new http::server_connection(*h.state, end))->open();
    std::string out;
    std::size_t at = 0;
    for (std::size_t i = 0; i <= cuts.size() && at < input.size(); ++i) {
        const std::size_t step = i < cuts.size() ? static_cast<unsigned char>(cuts[i]) % 64 + 1 : input.size();
        const std::size_t n = std::min(step, input.size() - at);
        h.wire->put(end, {input.data() + at, n});
        h.wire->run();
        out += h.wire->take(end);
        at += n;
    }
    h.state->destroy_all();
    return out;
}

// Blanks the Date values (the clock may tick between the two runs) and drops interim 100s.
std::string normalized(std::string s) {
    for (std::size_t p = 0; (p = s.find("\r\nDate: ", p)) != std::string::npos; p += 8) {
        for (std::size_t i = p + 8; i < s.size() && s[i] != '\r'; ++i)
            s[i] = 'x';
    }
    return s;
}

void check_well_formed(std::string_view out) {
    while (!out.empty()) {
        check(out.starts_with("HTTP/1.1 "));
        const std::size_t end = out.find("\r\n\r\n");
        check(end != std::string_view::npos);
        const std::string_view head = out.substr(0, end + 4);
        const std::string_view rest = out.substr(end + 4);
        const bool has_length = head.find("\r\nContent-Length: ") != std::string_view::npos;
        if (!has_length && head.find("\r\nTransfer-Encoding: chunked\r\n") == std::string_view::npos &&
            !head.starts_with("HTTP/1.1 1") && !rest.starts_with("HTTP/1.1 ")) {
            break; // a streamed body to an HTTP/1.0 client: it ends with the connection
        }
        if (!has_length && !rest.empty() && !rest.starts_with("HTTP/1.1 ")) {
            // A streamed body: hex-sized chunks up to the last one.
            out.remove_prefix(end + 4);
            for (;;) {
                std::size_t size = 0;
                std::size_t i = 0;
                for (; i < out.size() && std::isxdigit(static_cast<unsigned char>(out[i])); ++i)
                    size = size * 16 + static_cast<std::size_t>(std::isdigit(static_cast<unsigned char>(out[i]))
                                                                    ? out[i] - '0'
                                                                    : (out[i] | 0x20) - 'a' + 10);
                check(i != 0 && out.substr(i).starts_with("\r\n"));
                check(out.size() >= i + 2 + size + 2 && out.substr(i + 2 + size, 2) == "\r\n");
                out.remove_prefix(i + 2 + size + 2);
                if (size == 0) break;
            }
            continue;
        }
        const std::size_t cl = head.find("\r\nContent-Length: ");
        std::size_t length = 0;
        if (cl != std::string_view::npos) {
            for (std::size_t i = cl + 18; head[i] >= '0' && head[i] <= '9'; ++i)
                length = length * 10 + (head[i] - '0');
        }
        // HEAD responses announce a length they do not carry; the next response starts right away.
        const bool next_follows = out.substr(end + 4).starts_with("HTTP/1.1 ");
        out.remove_prefix(end + 4 + (next_follows && length != 0 ? 0 : std::min(length, out.size() - end - 4)));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static harness h;
    if (h.state == nullptr || size < 2) return 0;
    // Byte 0: how many cut bytes follow; they choose the piece sizes of the second run.
    const std::size_t ncuts = std::min<std::size_t>(data[0] % 16, size - 1);
    const std::string_view cuts(reinterpret_cast<const char*>(data + 1), ncuts);
    const std::string input(reinterpret_cast<const char*>(data + 1 + ncuts), size - 1 - ncuts);
    const std::string whole = serve(h, input, {});
    const std::string pieces = serve(h, input, ncuts == 0 ? std::string_view("\x00", 1) : cuts);
    check_well_formed(whole);
    check_well_formed(pieces);
    // Expect: 100-continue legitimately depends on the cuts (the 100, or an early final answer).
    if (input.find("100-") == std::string::npos) check(normalized(whole) == normalized(pieces));
    return 0;
}
