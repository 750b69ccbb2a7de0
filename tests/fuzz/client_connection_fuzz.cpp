// SPDX-License-Identifier: MIT
// Fuzz target for the HTTP client's connection (http::client, its pool, client_connection and the
// response reader: the code a service runs), over a net::loopback whose far end answers with the
// input. Byte 0 gives how many cut points follow (0-7), each a piece size (1-64 bytes); the rest is
// what the origin sends before it closes the connection. The call is made three times, on fresh
// clients: once answered whole, once in the pieces, and once in the pieces with the body streamed
// (client::open, read 7 bytes at a time). Each must finish (no hang), with the same outcome (status
// and body, or the same error; the stream has no body limit, so a body too large to buffer is not
// compared), and the pool must serve a good answer right after. Last, the answer is given twice on
// one keep-alive connection: the second time its head is recognized without a parse (the reader's
// memcmp of the last head), and the call must end exactly as the first did. And two calls are
// pipelined on one connection: the first must end as it did alone, and both must end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <corio/http/client.hpp>
#include <corio/http/client_stream.hpp>

#include "memory_shard.hpp"

namespace {

using namespace corio;

void check(bool ok) {
    if (!ok) std::abort();
}

struct harness : test::memory_shard {
    harness() { shard::set_current(self.get()); }
};

// What a call ended with: "status body" or the error's message.
std::string outcome(task<result<http::client_response>>& call) {
    check(call.done());
    const result<http::client_response> r = call.result();
    if (!r) return "error: " + r.error().message();
    return std::to_string(r->status()) + " " + r->body();
}

// Small limits, so that inputs reach them.
http::client_config small_limits() {
    http::client_config config;
    config.max_head_bytes = 1024;
    config.max_headers = 16;
    config.max_body_bytes = 4096;
    return config;
}

// A streamed call: the head, then the body read a few bytes at a time, into `out` ("status body" or
// the error's message). Without coverage instrumentation: clang 14 cannot emit the coverage tables of
// this coroutine ("cannot represent a difference across sections"); the client code it calls is
// instrumented all the same.
#if defined(__clang__)
#define CORIO_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define CORIO_NO_COVERAGE
#endif
CORIO_NO_COVERAGE task<void> streamed(http::client& client, std::string& out) {
    result<http::client_stream> s = co_await client.open(http::method::get, "http://127.0.0.1:8080/fuzz");
    if (!s) {
        out = "error: " + s.error().message();
        co_return;
    }
    std::string body;
    char piece[7];
    while (true) {
        const result<std::size_t> n = co_await s->read_body(piece);
        if (!n) {
            out = "error: " + n.error().message();
            co_return;
        }
        if (*n == 0) break;
        body.append(piece, *n);
    }
    out = std::to_string(s->head().status()) + " " + body;
}

// Answers the oldest connection the client dialled with `answer`, in the pieces `cuts` gives, then
// closes it.
void answer_dial(harness& h, std::string_view answer, std::string_view cuts) {
    const int end = h.wire->accept();
    check(end >= 0);
    std::size_t at = 0;
    for (std::size_t i = 0; i <= cuts.size() && at < answer.size(); ++i) {
        const std::size_t step = i < cuts.size() ? static_cast<unsigned char>(cuts[i]) % 64 + 1 : answer.size();
        const std::size_t n = std::min(step, answer.size() - at);
        h.wire->put(end, answer.substr(at, n));
        h.wire->run();
        at += n;
    }
    h.wire->close_peer(end);
    h.wire->run();
}

// The pool is healthy: the next call gets a connection of its own and its answer. Then the client
// goes (its part of the shard first).
void end_healthy(harness& h, std::optional<http::client>& client) {
    auto next = client->get("http://127.0.0.1:8080/after");
    next.start();
    h.wire->run();
    const int end = h.wire->accept();
    check(end >= 0);
    h.wire->put(end, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    h.wire->run();
    check(outcome(next) == "200 ok");
    h.self->run_exit_hooks();
    client.reset();
    h.wire->run();
}

// Makes a call (streamed or not) and answers every connection it dials with `answer` in the pieces
// `cuts` gives, then closes; returns the outcome, after checking that a good answer follows on the
// same client.
std::string call(harness& h, std::string_view answer, std::string_view cuts, bool stream = false) {
    std::optional<http::client> client(std::in_place, small_limits());
    client->run_over(*h.wire);
    std::string streamed_outcome;
    auto first = stream ? task<result<http::client_response>>() : client->get("http://127.0.0.1:8080/fuzz");
    task<void> streaming = stream ? streamed(*client, streamed_outcome) : task<void>();
    const auto done = [&] { return stream ? streaming.done() : first.done(); };
    if (stream) {
        streaming.start();
    } else {
        first.start();
    }
    h.wire->run();
    // A retry (the connection closed before any byte of the answer) dials again: answer it the same.
    for (int attempt = 0; attempt < 2 && !done(); ++attempt) {
        answer_dial(h, answer, cuts);
    }
    check(done());
    const std::string result = stream ? streamed_outcome : outcome(first);
    end_healthy(h, client);
    return result;
}

// Two GETs pipelined on one connection (one connection per origin, two requests on it), each dial
// answered as above: both calls end (no hang), the first as a call of its own would (`alone`); what
// follows the first answer is the second's, or the second is sent again on a new connection.
void call_pipelined(harness& h, std::string_view answer, std::string_view cuts, const std::string& alone) {
    http::client_config config = small_limits();
    config.connections_per_origin = 1;
    config.pipeline_depth = 2;
    std::optional<http::client> client(std::in_place, config);
    client->run_over(*h.wire);
    auto first = client->get("http://127.0.0.1:8080/fuzz");
    auto second = client->get("http://127.0.0.1:8080/behind");
    first.start();
    second.start();
    h.wire->run();
    // Each call may be retried once, the second only once the first's connection is gone: 3 dials.
    for (int dial = 0; dial < 3 && !(first.done() && second.done()); ++dial)
        answer_dial(h, answer, cuts);
    check(first.done() && second.done());
    check(outcome(first) == alone);
    end_healthy(h, client);
}

// The answer given whole to two calls in turn on one connection (when the first leaves it kept alive).
void call_twice(harness& h, std::string_view answer) {
    std::optional<http::client> client(std::in_place, small_limits());
    client->run_over(*h.wire);
    // Calls left unfinished go (their frames with them) while the client is still there.
    std::optional<task<result<http::client_response>>> first(client->get("http://127.0.0.1:8080/fuzz"));
    std::optional<task<result<http::client_response>>> second;
    first->start();
    h.wire->run();
    const int end = h.wire->accept();
    check(end >= 0);
    h.wire->put(end, answer);
    h.wire->run();
    if (first->done() && !h.wire->closed(end) && !h.wire->output_ended(end)) {
        const std::string once = outcome(*first);
        second.emplace(client->get("http://127.0.0.1:8080/again"));
        second->start();
        h.wire->run();
        if (h.wire->accept() < 0) { // on the same connection
            h.wire->put(end, answer);
            h.wire->run();
            check(second->done());
            check(outcome(*second) == once);
        }
    }
    first.reset();
    second.reset();
    h.wire->run(); // what closing them left in flight completes while the connections are there
    h.self->run_exit_hooks();
    client.reset();
    h.wire->run();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static harness h;
    if (size == 0) return 0;
    const std::size_t ncuts = std::min<std::size_t>(data[0] % 8, size - 1);
    const std::string_view cuts(reinterpret_cast<const char*>(data + 1), ncuts);
    const std::string_view answer(reinterpret_cast<const char*>(data + 1 + ncuts), size - 1 - ncuts);
    const std::string whole = call(h, answer, {});
    const std::string_view split = ncuts == 0 ? std::string_view("\x00", 1) : cuts;
    const std::string pieces = call(h, answer, split);
    check(whole == pieces);
    const std::string stream = call(h, answer, split, true);
    check(stream == whole || whole == "error: " + make_error_code(http::client_errc::too_large).message());
    call_twice(h, answer);
    call_pipelined(h, answer, split, whole);
    return 0;
}
