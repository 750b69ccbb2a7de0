// SPDX-License-Identifier: MIT
// world: what TechEmpower's database tests share about the World table: its 10,000 rows, the
// random ids and numbers the tests draw, and the query count a request asks for.
#pragma once

#include <cstdint>
#include <string_view>

namespace techempower {

/// One row of the World table.
struct world {
    std::int32_t id;
    std::int32_t random_number;
};

/// Rows of the World table: ids and random numbers are both 1..world_rows.
inline constexpr std::int32_t world_rows = 10'000;

/// Most queries one request may ask for.
inline constexpr int max_queries = 500;

/// The count in parameter `name` of `query` (the query string without '?'), as the tests require:
/// clamped to 1..max_queries; missing, empty or not an integer gives 1.
int query_count(std::string_view query, std::string_view name);

/// A random number 1..world_rows (an id, or a new randomNumber) from the calling thread's generator.
std::int32_t random_world_number() noexcept;

} // namespace techempower
