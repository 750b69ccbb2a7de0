// SPDX-License-Identifier: MIT
// proxy: the gateway's one route, every method on every path, forwarded to one upstream over
// corio::http::client's keep-alive pool: method, target, header fields without the hop-by-hop ones
// (RFC 9110 7.6.1: Connection, the fields it names, Keep-Alive, Proxy-*, TE, Trailer,
// Transfer-Encoding, Upgrade) and the body. The upstream's answer comes back the same way; 502 when
// the upstream cannot be reached or answers badly, 504 when it does not answer in time. Bodies
// stream both ways, a piece at a time, so memory stays bounded however large they are: the request
// body as the upstream takes it, the answer's as the client reads it (with its Content-Length when
// the upstream sent one; chunked otherwise).
#pragma once

#include <cstdint>

#include <corio/http/client.hpp>
#include <corio/http/router.hpp>

namespace gateway {

/// The largest request body forwarded unless told otherwise: 1 GiB.
inline constexpr std::uint64_t default_max_body_bytes = 1ull << 30;

/// What the proxy forwards to.
struct upstream {
    corio::http::origin at;                                ///< where: the request's target goes to this origin
    corio::http::client* calls;                            ///< the pool; outlives the server
    std::uint64_t max_body_bytes = default_max_body_bytes; ///< largest request body forwarded (413 past it)
};

/// The route table: GET (and so HEAD), POST, PUT, DELETE, PATCH on `/*rest` forwarded to `to`.
corio::http::router routes(const upstream& to);

} // namespace gateway
