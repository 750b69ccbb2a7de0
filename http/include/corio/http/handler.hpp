// SPDX-License-Identifier: MIT
// handler: what a route runs. A synchronous handler returns its response at once (the hot path:
// no coroutine frame, no copy of the request). An asynchronous handler is a task<response> that may
// suspend (timers, other shards, reading a streamed request body); the server then keeps a copy of
// the request for it and reads no further requests from that connection until it has answered.
#pragma once

#include <cstdint>
#include <functional>

#include <corio/core/task.hpp>
#include <corio/http/request.hpp>
#include <corio/http/response.hpp>

namespace corio::http {

/// A synchronous handler: runs on the shard that received the request and returns the response.
using handler = std::function<response(request&)>;

/// An asynchronous handler: a coroutine on the receiving shard; the request stays valid until it returns.
using async_handler = std::function<task<response>(request&)>;

/// How a route receives its request body.
struct route_options {
    /// Largest body accepted (413 above it); 0 means server_config::max_body_bytes. For a streamed
    /// body it bounds the total read, not what is held in memory.
    std::uint64_t max_body_bytes = 0;
    /// The (asynchronous) handler runs as soon as the head has arrived and reads the body itself with
    /// `co_await req.read_body(buffer)`; the body is never held whole in memory.
    bool stream_body = false;
};

/// A route's handler (exactly one of the two is set) and its options.
struct endpoint {
    handler sync;
    async_handler async;
    route_options options;
};

} // namespace corio::http
