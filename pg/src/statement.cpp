// SPDX-License-Identifier: MIT
#include <corio/pg/statement.hpp>

#include <atomic>

#include <fmt/format.h>

namespace corio::pg {

namespace {
// Dense ids: each connection keeps its prepared set as a vector indexed by id.
std::atomic<std::uint32_t> next_statement_id{0};
} // namespace

statement::statement(std::string sql)
    : _sql(std::move(sql)), _id(next_statement_id.fetch_add(1, std::memory_order_relaxed)), _name{} {
    fmt::format_to_n(_name, sizeof _name - 1, "corio_{}", _id);
}

} // namespace corio::pg
