// SPDX-License-Identifier: MIT
// middleware: steps around every handler, without a coroutine per request. A chain m0, m1, ... runs
// m0.before, m1.before, ... then the handler, then the after() of every middleware whose before()
// ran and let the request through, in reverse order. A before() that answers itself stops the
// chain there: no handler and no later middleware run, and only the earlier ones see the answer in
// their after(). Each shard gets its own instances (from the factories given to server::use), so
// their state (counters, buckets, buffers) is the shard's own and needs no locking. Handler
// exceptions become a 500 before after() runs (recovery is built into the server).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <corio/http/request.hpp>
#include <corio/http/response.hpp>

namespace corio::http {

/// One step of the chain; subclass and override what you need.
class middleware {
public:
    virtual ~middleware() = default;
    /// Runs before the handler (and before routing's 404/405); a response answers in its place.
    virtual std::optional<response> before(request& req) {
        (void)req;
        return std::nullopt;
    }
    /// Sees the response (a handler's, a later middleware's, or the router's 404/405) before it is sent.
    virtual void after(const request& req, response& res) {
        (void)req;
        (void)res;
    }
    /// Sees an answer the server gave on its own, before any before() ran, on a connection it then
    /// closes: a request it could not parse or take (400, 413, 414, 431, 501, 505), a client too slow
    /// (408), a handler past its deadline (503). `req` holds what was parsed: its method and target
    /// are empty when the head never ended; peer() and received_us() are always set.
    virtual void refused(const request& req, const response& res) {
        (void)req;
        (void)res;
    }
};

/// Makes a shard's instance of a middleware; called once per shard, on that shard, at start.
using middleware_factory = std::function<std::unique_ptr<middleware>()>;

} // namespace corio::http
