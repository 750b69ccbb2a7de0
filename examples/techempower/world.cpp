// SPDX-License-Identifier: MIT
#include "world.hpp"

#include <charconv>
#include <random>
#include <system_error>

namespace techempower {

int query_count(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        if (eq == std::string_view::npos) return 1;
        const std::string_view value = pair.substr(eq + 1);
        long long n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (end != value.data() + value.size() || value.empty()) return 1; // "foo", "5x", ""
        if (ec == std::errc::result_out_of_range) return value.front() == '-' ? 1 : max_queries;
        if (n < 1) return 1;
        return n > max_queries ? max_queries : static_cast<int>(n);
    }
    return 1;
}

std::int32_t random_world_number() noexcept {
    // One generator per thread (per shard): no sharing, no lock; quality is not a concern here.
    thread_local std::minstd_rand generator{std::random_device{}()};
    return static_cast<std::int32_t>(generator() % world_rows) + 1;
}

} // namespace techempower
