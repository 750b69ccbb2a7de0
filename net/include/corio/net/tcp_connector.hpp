// SPDX-License-Identifier: MIT
// tcp_connector: the client side of TCP. open_client_socket() makes a socket ready to be connected
// through the reactor (reactor::connect, directly or after moving it into the ring's table of
// registered descriptors), optionally bound to one of several local source addresses so that more
// connections than one address pair's ephemeral ports can reach one server; probe_connect() is a
// blocking connect with a deadline, for start-up checks that must fail with a clear message.
#pragma once

#include <corio/core/result.hpp>
#include <corio/net/socket_address.hpp>

namespace corio::net {

/// How a client socket is set up before it connects.
struct connect_options {
    /// Local address to bind (its port is ignored: the kernel picks one at connect time, unique per
    /// 4-tuple thanks to IP_BIND_ADDRESS_NO_PORT); null lets the kernel choose the source address.
    const socket_address* source = nullptr;
    bool no_delay = true; ///< TCP_NODELAY: small requests leave at once instead of waiting for ACKs
};

/// A new TCP socket (close-on-exec, blocking: io_uring does its own non-blocking attempts) of
/// `peer`'s address family, set up as `options` says. The caller owns the descriptor.
result<int> open_client_socket(const socket_address& peer, const connect_options& options = {});

/// Connects a fresh socket to `peer` within `timeout_ms` and closes it again: ECONNREFUSED,
/// ETIMEDOUT, ENETUNREACH... tell why a server cannot be reached. Blocks the calling thread.
result<void> probe_connect(const socket_address& peer, int timeout_ms);

} // namespace corio::net
