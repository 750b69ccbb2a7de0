// SPDX-License-Identifier: MIT
#include "server_harness.hpp"

#include <cstdio>
#include <cstdlib>

#include <corio/http/json.hpp>
#include <corio/http/router.hpp>

#include "server_connection.hpp"

namespace corio::bench {

server_harness::server_harness() {
    auto loop = reactor::create({}, _error);
    if (!loop) return;
    _loop = std::move(*loop);
    auto buffers = buffer_ring::create(*_loop, 0, 8, 4096);
    if (!buffers) {
        _error = "buffer ring: " + buffers.error().message();
        return;
    }
    _buffers = std::move(*buffers);
    _shard = std::make_unique<shard>(0, 1, -1, *_loop, *_buffers);
    _wire = std::make_unique<net::loopback>(*_loop);
    // The hello example's routes (examples/hello/main.cpp).
    http::router routes;
    routes.get("/plaintext", [](http::request&) { return http::response::text("Hello, World!"); });
    routes.get("/json", [](http::request&) {
        http::response res;
        http::json_body(res).begin_object().key("message").value("Hello, World!").end_object();
        return res;
    });
    _server = std::make_unique<http::server>(std::move(routes), http::server_config{});
    _state = std::make_unique<http::server::shard_state>(*_shard, *_server, -1, nullptr, _wire.get());
}

server_harness::~server_harness() {
    if (_state) _state->destroy_all();
}

http::server_connection& server_harness::connect() {
    if (!ok()) {
        std::fprintf(stderr, "micro benchmarks: no io_uring here (%s): skipped\n", _error.c_str());
        std::exit(77); // CTest's skip code (SKIP_RETURN_CODE)
    }
    auto* c = new http::server_connection(*_state, _wire->open());
    c->open();
    return *c;
}

void server_harness::feed(http::server_connection& c, std::string_view bytes) {
    _wire->put(c.handle(), bytes);
    _wire->run();
}

void server_harness::send(http::server_connection& c) {
    c.flush();
    _wire->run();
}

void server_harness::discard_output(http::server_connection& c) {
    _wire->discard(c.handle());
}

void server_harness::take_output(http::server_connection& c, std::string& out) {
    out += _wire->take(c.handle());
}

} // namespace corio::bench
