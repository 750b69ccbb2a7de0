// SPDX-License-Identifier: MIT
#include <corio/pg/statement.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>

#include <fmt/format.h>

#include <corio/core/ascii.hpp>

namespace corio::pg {

namespace {
// Dense ids: each connection keeps its prepared set as a vector indexed by id.
std::atomic<std::uint32_t> next_statement_id{0};
} // namespace

statement::statement(std::string sql)
    : _sql(std::move(sql)), _may_write(detail::may_write(_sql)),
      _id(next_statement_id.fetch_add(1, std::memory_order_relaxed)), _name{} {
    fmt::format_to_n(_name, sizeof _name - 1, "corio_{}", _id);
}

namespace detail {

namespace {
bool starts_with_word(std::string_view text, std::string_view word) noexcept {
    if (!starts_with_ignoring_case(text, word)) return false;
    return text.size() == word.size() || !std::isalnum(static_cast<unsigned char>(text[word.size()]));
}
} // namespace

bool may_write(std::string_view sql) noexcept {
    std::size_t start = 0;
    while (start < sql.size() && (std::isspace(static_cast<unsigned char>(sql[start])) || sql[start] == '('))
        ++start;
    const std::string_view head = sql.substr(start);
    if (!starts_with_word(head, "select") && !starts_with_word(head, "values") && !starts_with_word(head, "show") &&
        !starts_with_word(head, "table"))
        return true;
    // A row-locking read holds its locks to the end of its transaction, like a write.
    for (std::size_t at = 0; at + 3 < sql.size(); ++at) {
        if (!starts_with_word(sql.substr(at), "for") ||
            (at > 0 && std::isalnum(static_cast<unsigned char>(sql[at - 1]))))
            continue;
        std::size_t next = at + 3;
        while (next < sql.size() && std::isspace(static_cast<unsigned char>(sql[next])))
            ++next;
        const std::string_view rest = sql.substr(next);
        if (starts_with_word(rest, "update") || starts_with_word(rest, "share") || starts_with_word(rest, "no") ||
            starts_with_word(rest, "key"))
            return true;
    }
    return false;
}

} // namespace detail

} // namespace corio::pg
