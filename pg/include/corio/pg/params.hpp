// SPDX-License-Identifier: MIT
// params: how query parameters become the text PostgreSQL parses. Every parameter goes as a separate
// text value of the extended protocol (never spliced into the SQL, so quotes and `'; drop table` are
// just data): integers of every width, float/double (shortest exact form), bool ("t"/"f"),
// std::string, std::string_view, const char*, and std::optional<T> or std::nullopt for NULL. libpq
// reads text parameters up to their NUL terminator, so a string holding a NUL byte is refused
// (errc::bad_parameter) rather than silently truncated. Encoding happens when a query is written
// (again if it has to be re-sent), into the shard's reusable scratch: no allocation per query.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace corio::pg::detail {

/// The text values of one query's parameters, collected for one send; reused (one per shard).
class param_sink {
public:
    /// Starts a new query's parameters.
    void clear() noexcept;
    /// A NULL parameter.
    void null();
    /// A parameter whose NUL-terminated text `text` (of `size` bytes) stays valid during the send.
    void borrowed(const char* text, std::size_t size);
    /// A parameter copied into the scratch (and NUL-terminated there).
    void copied(std::string_view text);
    /// A signed or unsigned integer.
    void integer(std::int64_t value);
    void integer(std::uint64_t value);
    /// A double, in its shortest exact decimal form (NaN and infinities as PostgreSQL spells them).
    void real(double value);

    /// After the parameters: the value pointers libpq reads (null for NULL), valid until clear().
    const char* const* values();
    /// Number of parameters collected.
    int count() const noexcept { return static_cast<int>(_slots.size()); }
    /// The first refused parameter, if any: its 1-based index (0: none) and why.
    int refused() const noexcept { return _refused; }
    const char* refused_reason() const noexcept { return _refused_reason; }

private:
    void refuse(const char* reason) noexcept;
    // A parameter: a borrowed pointer, or an offset into the scratch (borrowed == nullptr, offset
    // >= 0), or NULL (borrowed == nullptr, offset < 0). Offsets, because the scratch may move as it grows.
    struct slot {
        const char* borrowed;
        std::ptrdiff_t offset;
    };
    std::vector<slot> _slots;
    std::vector<const char*> _values;
    std::vector<char> _scratch;
    int _refused = 0;
    const char* _refused_reason = nullptr;
};

/// Encoders, one per supported parameter type (ADL finds none of them for a type that is not
/// supported: the compile error names encode_param and the type).
inline void encode_param(param_sink& sink, bool value) {
    sink.borrowed(value ? "t" : "f", 1);
}
template <std::signed_integral T>
requires(!std::same_as<T, bool> && !std::same_as<T, char>) void encode_param(param_sink& sink, T value) {
    sink.integer(static_cast<std::int64_t>(value));
}
template <std::unsigned_integral T>
requires(!std::same_as<T, bool> && !std::same_as<T, char>) void encode_param(param_sink& sink, T value) {
    sink.integer(static_cast<std::uint64_t>(value));
}
inline void encode_param(param_sink& sink, double value) {
    sink.real(value);
}
inline void encode_param(param_sink& sink, float value) {
    sink.real(static_cast<double>(value));
}
inline void encode_param(param_sink& sink, const std::string& value) {
    sink.borrowed(value.c_str(), value.size());
}
inline void encode_param(param_sink& sink, std::string_view value) {
    sink.copied(value);
}
inline void encode_param(param_sink& sink, const char* value) {
    if (value == nullptr)
        sink.null();
    else
        sink.borrowed(value, std::strlen(value));
}
inline void encode_param(param_sink& sink, std::nullopt_t) {
    sink.null();
}
template <class T>
void encode_param(param_sink& sink, const std::optional<T>& value) {
    if (value)
        encode_param(sink, *value);
    else
        sink.null();
}

/// Encodes a tuple of parameters (the decayed copies a query's coroutine frame holds).
template <class Tuple>
void encode_tuple(const void* params, param_sink& sink) {
    std::apply([&sink](const auto&... p) { (encode_param(sink, p), ...); }, *static_cast<const Tuple*>(params));
}

} // namespace corio::pg::detail
