// SPDX-License-Identifier: MIT
// rows: the answer to one query, owning libpq's result (one PGresult: the single allocation a query
// costs beyond libpq's own buffers; nothing is copied out of it). `rows[i]` is a row;
// `row.get<std::int32_t>(0)` or `row.get<std::string_view>("message")` converts a column, and a
// conversion that fails (text that is not a number, out of range, NULL read as a non-optional) is a
// pg::error, never undefined behaviour. Values come in PostgreSQL's text format and are parsed with
// std::from_chars. A std::string_view read from a row points into the result: valid while the rows live.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <corio/pg/error.hpp>

struct pg_result; // libpq's PGresult (checked against libpq-fe.h in rows.cpp)

namespace corio::pg {

class rows;

namespace detail {
// One column of one row, as the server sent it; `data` is NUL-terminated inside the result.
struct cell {
    const char* data;
    std::size_t size;
    bool null;
};
// Conversions from PostgreSQL's text format; false when the text is not a valid value of the type.
bool parse(std::string_view text, bool& out) noexcept;
bool parse(std::string_view text, std::int16_t& out) noexcept;
bool parse(std::string_view text, std::int32_t& out) noexcept;
bool parse(std::string_view text, std::int64_t& out) noexcept;
bool parse(std::string_view text, std::uint16_t& out) noexcept;
bool parse(std::string_view text, std::uint32_t& out) noexcept;
bool parse(std::string_view text, std::uint64_t& out) noexcept;
bool parse(std::string_view text, double& out) noexcept;
bool parse(std::string_view text, float& out) noexcept;
inline bool parse(std::string_view text, std::string_view& out) noexcept {
    out = text;
    return true;
}
inline bool parse(std::string_view text, std::string& out) {
    out.assign(text);
    return true;
}
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
// The error for a cell that did not convert: names the column, the type and the text.
error conversion_error(const rows& r, int column, std::string_view type, std::string_view text, errc code);
error missing_column(const rows& r, int column);
error missing_column(std::string_view name);
template <class T>
constexpr std::string_view type_name() noexcept {
    if constexpr (std::is_same_v<T, bool>)
        return "bool";
    else if constexpr (std::is_floating_point_v<T>)
        return "a floating-point number";
    else if constexpr (std::is_integral_v<T>)
        return std::is_signed_v<T> ? "a signed integer" : "an unsigned integer";
    else
        return "text";
}
} // namespace detail

/// One row of a rows; a view, valid while its rows live.
class row {
public:
    /// Column `column` (0-based) converted to T: bool, std::int16_t/int32_t/int64_t (or unsigned),
    /// double, float, std::string_view (into the result), std::string (a copy), or std::optional of
    /// one of them (empty for NULL). Errors: no_such_column, null_value (NULL into a non-optional),
    /// type_mismatch (text that is not a T, or out of T's range).
    template <class T>
    result<T> get(int column) const;
    /// The same for the column named `name` (a linear search over the result's column names).
    template <class T>
    result<T> get(std::string_view name) const;
    /// True if column `column` is NULL (false for a column that does not exist).
    bool is_null(int column) const noexcept;
    /// This row's index in its rows.
    std::size_t index() const noexcept { return _index; }

private:
    friend class rows;
    row(const rows& owner, std::size_t index) noexcept : _rows(&owner), _index(index) {}
    const rows* _rows;
    std::size_t _index;
};

/// The rows (and command status) a query returned; owns the libpq result, movable, not copyable.
class rows {
public:
    /// No rows (what a moved-from rows holds).
    rows() noexcept = default;
    /// Takes ownership of libpq result `res` (the client does this; not for users).
    explicit rows(::pg_result* res) noexcept : _result(res) {}
    rows(rows&& other) noexcept : _result(std::exchange(other._result, nullptr)) {}
    rows& operator=(rows&& other) noexcept {
        if (this != &other) {
            reset();
            _result = std::exchange(other._result, nullptr);
        }
        return *this;
    }
    ~rows() { reset(); }

    /// Number of rows.
    std::size_t size() const noexcept;
    /// True if there are no rows.
    bool empty() const noexcept { return size() == 0; }
    /// Number of columns.
    int columns() const noexcept;
    /// The name of column `column`, or "" if there is no such column.
    std::string_view column_name(int column) const noexcept;
    /// The index of the column named `name`, or no_such_column. An exact match first, then one that
    /// ignores ASCII case: PostgreSQL folds unquoted names to lower case (randomNumber → randomnumber).
    result<int> column_index(std::string_view name) const;
    /// Rows affected by INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH, COPY (0 otherwise).
    std::uint64_t affected() const noexcept;
    /// The command status tag ("SELECT 1", "UPDATE 3", "COMMIT"; "ROLLBACK" for a failed transaction's COMMIT).
    std::string_view command() const noexcept;
    /// Row `index`; a contract: index < size() (aborts with a message otherwise).
    row operator[](std::size_t index) const noexcept;

    /// Iteration over the rows (`for (pg::row r : rows)`).
    class iterator {
    public:
        row operator*() const noexcept { return (*_rows)[_index]; }
        iterator& operator++() noexcept {
            ++_index;
            return *this;
        }
        bool operator==(const iterator& other) const noexcept { return _index == other._index; }

    private:
        friend class rows;
        iterator(const rows& r, std::size_t i) noexcept : _rows(&r), _index(i) {}
        const rows* _rows;
        std::size_t _index;
    };
    /// The first row.
    iterator begin() const noexcept { return {*this, 0}; }
    /// Past the last row.
    iterator end() const noexcept { return {*this, size()}; }

    /// The raw cell (used by row::get; no bounds are checked beyond what libpq checks).
    detail::cell cell(std::size_t row_index, int column) const noexcept;

private:
    void reset() noexcept;
    ::pg_result* _result = nullptr;
};

template <class T>
result<T> row::get(int column) const {
    if (column < 0 || column >= _rows->columns()) return tl::unexpected(detail::missing_column(*_rows, column));
    const detail::cell c = _rows->cell(_index, column);
    if constexpr (detail::is_optional<T>::value) {
        if (c.null) return T();
        auto inner = get<typename T::value_type>(column);
        if (!inner) return tl::unexpected(std::move(inner.error()));
        return T(std::move(*inner));
    } else {
        if (c.null)
            return tl::unexpected(
                detail::conversion_error(*_rows, column, detail::type_name<T>(), {}, errc::null_value));
        const std::string_view text(c.data, c.size);
        T value{};
        if (!detail::parse(text, value))
            return tl::unexpected(
                detail::conversion_error(*_rows, column, detail::type_name<T>(), text, errc::type_mismatch));
        return value;
    }
}

template <class T>
result<T> row::get(std::string_view name) const {
    const result<int> column = _rows->column_index(name);
    if (!column) return tl::unexpected(column.error());
    return get<T>(*column);
}

} // namespace corio::pg
