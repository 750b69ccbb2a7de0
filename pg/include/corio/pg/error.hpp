// SPDX-License-Identifier: MIT
// pg errors: every failure of the PostgreSQL client is a value, `pg::result<T>` =
// tl::expected<T, pg::error>. corio::result<T> carries only a std::error_code, which cannot keep what
// a database error needs to be diagnosed: pg::error holds a std::error_code of the pg category
// (`err.code() == pg::errc::pool_full`, comparable directly: `err == pg::errc::pool_full`), the
// server's SQLSTATE ("23505") and its message, or libpq's own message for a failed connection
// ("password authentication failed for user ..."). A handler maps the code (pool_full → 503).
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <tl/expected.hpp>

namespace corio::pg {

/// What went wrong, as the code of a pg::error (category pg::category()).
enum class errc {
    connection_failed = 1, ///< no connection could be opened (refused, unreachable, timed out, bad conninfo)
    authentication_failed, ///< the server refused the credentials (libpq's message names the user)
    server_error,          ///< the server answered the query with an error: see sqlstate() and message()
    connection_lost,       ///< the connection broke while the query was in flight; it may or may not have run
    pool_full,             ///< the shard's wait queue is full (a handler answers 503)
    timed_out,             ///< a deadline of the client passed (connect timeout)
    aborted,               ///< not executed: an earlier statement of the same transaction failed
    bad_parameter,         ///< a parameter cannot be sent as text (a NUL byte in a string)
    type_mismatch,         ///< a column's text does not convert to the requested type (or is out of its range)
    null_value,            ///< a NULL column read as a non-optional type
    no_such_column,        ///< a column index or name the rows do not have
    transaction_done,      ///< the transaction was already committed, rolled back or moved from
};

/// The error category of errc ("corio.pg").
const std::error_category& category() noexcept;

/// Makes a std::error_code of the pg category (found by ADL, so errc converts implicitly).
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), category()};
}

/// A failure: its code, and for server errors the SQLSTATE and the server's message (for connection
/// failures libpq's message; for conversions, which column and value). Copying it copies the text.
class error {
public:
    /// An error of `code` with `message` and, for server errors, the five-character `sqlstate`.
    error(errc code, std::string message = {}, std::string_view sqlstate = {})
        : _code(make_error_code(code)), _message(std::move(message)) {
        set_sqlstate(sqlstate);
    }

    /// The code, for handlers: `if (r.error().code() == pg::errc::pool_full) return 503`.
    const std::error_code& code() const noexcept { return _code; }
    /// The SQLSTATE the server reported ("42P01"), or "" when the server did not answer.
    std::string_view sqlstate() const noexcept { return {_sqlstate, _sqlstate_size}; }
    /// Human-readable text: the server's or libpq's message, or what the client refused.
    const std::string& message() const noexcept { return _message; }
    /// The code as a std::error_code (for corio::result<T>-returning callers).
    operator std::error_code() const noexcept { return _code; }

    /// True if the code is `e`.
    friend bool operator==(const error& err, errc e) noexcept { return err._code == make_error_code(e); }

private:
    void set_sqlstate(std::string_view s) noexcept {
        _sqlstate_size = static_cast<unsigned char>(s.size() < sizeof _sqlstate ? s.size() : sizeof _sqlstate);
        for (unsigned i = 0; i < _sqlstate_size; ++i)
            _sqlstate[i] = s[i];
    }
    std::error_code _code;
    std::string _message;
    char _sqlstate[5] = {};
    unsigned char _sqlstate_size = 0;
};

/// The value of a PostgreSQL operation, or the pg::error that stopped it.
template <class T>
using result = tl::expected<T, error>;

} // namespace corio::pg

template <>
struct std::is_error_code_enum<corio::pg::errc> : std::true_type {};
