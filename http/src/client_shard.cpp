// SPDX-License-Identifier: MIT
#include "client_shard.hpp"

#include <corio/http/client_error.hpp>

namespace corio::http::detail {

client_shard::client_shard(const client_config& config, shard& home, std::span<const resolved_host> hosts,
                           net::transport* over)
    : _config(config), _home(home), _hosts(hosts), _connections(home, nullptr, over),
      _parser(response_limits{config.max_head_bytes, config.max_headers}) {}

client_shard::~client_shard() {
    _ending = true;
    // The loop has stopped: no completion will come for what is in flight, so the connections go
    // now (each tells its pool), then the pools and their connect attempts.
    _connections.destroy_all();
}

result<origin_pool*> client_shard::origin(std::string_view host, std::uint16_t port) {
    for (const origin_entry& o : _origins)
        if (o.port == port && o.host == host) return o.pool.get();
    // Numeric addresses need no resolver; `localhost` is the loopback address; any other name must
    // have been resolved before the shards started (client::add_host).
    result<net::socket_address> address = net::socket_address::parse(host == "localhost" ? "127.0.0.1" : host, port);
    if (!address) {
        address = tl::unexpected(make_error_code(client_errc::unresolved));
        for (const resolved_host& h : _hosts)
            if (h.name == host) address = h.address.with_port(port);
        if (!address) return tl::unexpected(address.error());
    }
    _origins.push_back({std::string(host), port, std::make_unique<origin_pool>(*this, *address)});
    return _origins.back().pool.get();
}

} // namespace corio::http::detail
