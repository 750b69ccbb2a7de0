// SPDX-License-Identifier: MIT
#include "workload.hpp"

#include <array>

namespace corio::bench {

std::span<const workload_entry> workloads() noexcept {
    static constexpr std::array<workload_entry, 11> all{{
        {"parse/plaintext", make_parse_plaintext},
        {"parse/pipelined16", make_parse_pipelined16},
        {"route/hit", make_route_hit},
        {"route/miss", make_route_miss},
        {"response/plaintext", make_response_plaintext},
        {"response/json", make_response_json},
        {"json/message", make_json_message},
        {"json/worlds20", make_json_worlds20},
        {"connection/plaintext", make_connection_plaintext},
        {"connection/pipelined16", make_connection_pipelined16},
        {"connection/json", make_connection_json},
    }};
    return all;
}

} // namespace corio::bench
