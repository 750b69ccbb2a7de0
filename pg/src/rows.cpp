// SPDX-License-Identifier: MIT
// rows over libpq's PGresult; one of the two files that include libpq-fe.h (connection.cpp is the other).
#include <corio/core/ascii.hpp>
#include <corio/core/log.hpp>
#include <corio/pg/rows.hpp>

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>

static_assert(std::is_same_v<PGresult, ::pg_result>, "rows.hpp re-declares libpq's PGresult as struct pg_result");

namespace corio::pg {

namespace detail {

namespace {
// The whole text must be the number: "12abc" and "" are not numbers (from_chars alone accepts a prefix).
template <class T>
bool parse_number(std::string_view text, T& out) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
        // PostgreSQL spells the special values NaN, Infinity and -Infinity; from_chars reads "inf"/"nan".
        if (text == "NaN") return out = std::numeric_limits<T>::quiet_NaN(), true;
        if (text == "Infinity") return out = std::numeric_limits<T>::infinity(), true;
        if (text == "-Infinity") return out = -std::numeric_limits<T>::infinity(), true;
    }
    const char* first = text.data();
    const char* last = first + text.size();
    const auto [end, ec] = std::from_chars(first, last, out);
    return ec == std::errc() && end == last && first != last;
}
} // namespace

bool parse(std::string_view text, bool& out) noexcept {
    // boolout writes "t" or "f"; accept the other spellings boolin reads for text that came from elsewhere.
    if (text == "t" || text == "true" || text == "1") return out = true, true;
    if (text == "f" || text == "false" || text == "0") return out = false, true;
    return false;
}
bool parse(std::string_view text, std::int16_t& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, std::int32_t& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, std::int64_t& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, std::uint16_t& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, std::uint32_t& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, std::uint64_t& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, double& out) noexcept {
    return parse_number(text, out);
}
bool parse(std::string_view text, float& out) noexcept {
    return parse_number(text, out);
}

error conversion_error(const rows& r, int column, std::string_view type, std::string_view text, errc code) {
    if (code == errc::null_value)
        return error(code, fmt::format("column {} (\"{}\") is NULL; read it as std::optional<{}>", column,
                                       r.column_name(column), type));
    constexpr std::size_t shown = 64; // the text may be a megabyte: the message shows its start
    return error(code, fmt::format("column {} (\"{}\") holds \"{}{}\", not {}", column, r.column_name(column),
                                   text.substr(0, shown), text.size() > shown ? "..." : "", type));
}

error missing_column(const rows& r, int column) {
    return error(errc::no_such_column, fmt::format("no column {}: the rows have {}", column, r.columns()));
}

error missing_column(std::string_view name) {
    return error(errc::no_such_column, fmt::format("no column named \"{}\"", name));
}

} // namespace detail

bool row::is_null(int column) const noexcept {
    return column >= 0 && column < _rows->columns() && _rows->cell(_index, column).null;
}

std::size_t rows::size() const noexcept {
    return _result == nullptr ? 0 : static_cast<std::size_t>(PQntuples(_result));
}

int rows::columns() const noexcept {
    return _result == nullptr ? 0 : PQnfields(_result);
}

std::string_view rows::column_name(int column) const noexcept {
    const char* name = _result == nullptr ? nullptr : PQfname(_result, column);
    return name == nullptr ? std::string_view() : std::string_view(name);
}

result<int> rows::column_index(std::string_view name) const {
    const int n = columns();
    for (int i = 0; i < n; ++i)
        if (column_name(i) == name) return i;
    for (int i = 0; i < n; ++i)
        if (equal_ignoring_case(column_name(i), name)) return i;
    return tl::unexpected(detail::missing_column(name));
}

std::uint64_t rows::affected() const noexcept {
    if (_result == nullptr) return 0;
    const char* text = PQcmdTuples(_result);
    std::uint64_t n = 0;
    std::from_chars(text, text + std::strlen(text), n);
    return n;
}

std::string_view rows::command() const noexcept {
    const char* status = _result == nullptr ? nullptr : PQcmdStatus(_result);
    return status == nullptr ? std::string_view() : std::string_view(status);
}

row rows::operator[](std::size_t index) const noexcept {
    if (index >= size()) {
        fatal("pg::rows[" + std::to_string(index) + "] on rows of size " + std::to_string(size()) +
              "; check size() first");
    }
    return {*this, index};
}

detail::cell rows::cell(std::size_t row_index, int column) const noexcept {
    const int r = static_cast<int>(row_index);
    return {PQgetvalue(_result, r, column), static_cast<std::size_t>(PQgetlength(_result, r, column)),
            PQgetisnull(_result, r, column) != 0};
}

void rows::reset() noexcept {
    if (_result != nullptr) PQclear(_result);
    _result = nullptr;
}

} // namespace corio::pg
