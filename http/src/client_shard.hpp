// SPDX-License-Identifier: MIT
// client_shard: one shard's part of a client: its origin pools, the connection_set that owns their
// connections (and batches their sends once per loop turn), and the response parser they share.
// Made on the shard's first call, destroyed by shard::at_exit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <corio/core/shard.hpp>
#include <corio/http/client.hpp>
#include <corio/net/socket_address.hpp>
#include <corio/net/tcp_connection.hpp>

#include "origin_pool.hpp"
#include "response_parser.hpp"

namespace corio::http::detail {

/// A host name resolved by client::add_host().
struct resolved_host {
    std::string name;
    net::socket_address address;
};

/// One shard's pools and connections.
class client_shard {
public:
    /// Connections run over `over`, or over sockets when null.
    client_shard(const client_config& config, shard& home, std::span<const resolved_host> hosts,
                 net::transport* over = nullptr);
    ~client_shard();
    client_shard(const client_shard&) = delete;
    client_shard& operator=(const client_shard&) = delete;

    /// The pool of origin `host`:`port`, made on first use; unresolved for a name not known.
    result<origin_pool*> origin(std::string_view host, std::uint16_t port);

    const client_config& config() const noexcept { return _config; }
    shard& home() const noexcept { return _home; }
    net::connection_set& connections() noexcept { return _connections; }
    response_parser& parser() noexcept { return _parser; }
    /// True while the shard's part is being destroyed: pools make no new connections.
    bool ending() const noexcept { return _ending; }

private:
    struct origin_entry {
        std::string host;
        std::uint16_t port;
        std::unique_ptr<origin_pool> pool;
    };

    const client_config& _config;
    shard& _home;
    std::span<const resolved_host> _hosts;
    // Declared before _connections, so destroyed after it: a connection leaving tells its pool.
    std::vector<origin_entry> _origins;
    net::connection_set _connections;
    response_parser _parser;
    bool _ending = false;
};

} // namespace corio::http::detail
