// SPDX-License-Identifier: MIT
// statement: SQL with $1.. placeholders that the pool prepares once per connection, lazily (the
// Parse goes out in the same pipelined write as its first execution) and then executes by name.
// Make statements once (a static, a member of a service) and reuse them: `pool.execute(stmt, id)`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace corio::pg {

/// A prepared statement's SQL and its process-wide id; any shard may use it. It must outlive every
/// execute() that names it (the SQL is read when a connection first prepares it).
class statement {
public:
    /// Keeps (owns) `sql`; gives the statement a new id, hence a new server-side name.
    explicit statement(std::string sql);
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    /// The SQL text.
    const std::string& sql() const noexcept { return _sql; }
    /// Its id: the server-side name is "corio_<id>"; ids start at 0 and are dense.
    std::uint32_t id() const noexcept { return _id; }
    /// The server-side name (NUL-terminated).
    const char* name() const noexcept { return _name; }
    /// False when the SQL is a plain read (SELECT, VALUES, SHOW, TABLE without FOR UPDATE/SHARE):
    /// the pool commits every other statement on its own (see pool.hpp).
    bool may_write() const noexcept { return _may_write; }

private:
    std::string _sql;
    bool _may_write;
    std::uint32_t _id;
    char _name[20];
};

namespace detail {
/// True unless `sql` is a plain read: it starts with SELECT, VALUES, SHOW or TABLE (case-insensitive,
/// after blanks and opening parentheses) and locks no rows (no FOR UPDATE / FOR SHARE / FOR NO KEY
/// UPDATE / FOR KEY SHARE). A data-modifying WITH, a function with side effects called from a SELECT
/// and anything unrecognised count as writes or as reads as these rules say: err on "write".
bool may_write(std::string_view sql) noexcept;
} // namespace detail

} // namespace corio::pg
