// SPDX-License-Identifier: MIT
#include <corio/pg/params.hpp>

#include <charconv>
#include <cmath>

namespace corio::pg::detail {

void param_sink::clear() noexcept {
    _slots.clear();
    _values.clear();
    _scratch.clear();
    _refused = 0;
    _refused_reason = nullptr;
}

void param_sink::refuse(const char* reason) noexcept {
    if (_refused == 0) {
        _refused = static_cast<int>(_slots.size());
        _refused_reason = reason;
    }
}

void param_sink::null() {
    _slots.push_back({nullptr, -1});
}

void param_sink::borrowed(const char* text, std::size_t size) {
    _slots.push_back({text, 0});
    // libpq sends a text parameter up to its NUL: an embedded NUL would cut the value short unseen.
    if (std::memchr(text, '\0', size) != nullptr) refuse("a string parameter holds a NUL byte (text cannot)");
}

void param_sink::copied(std::string_view text) {
    _slots.push_back({nullptr, static_cast<std::ptrdiff_t>(_scratch.size())});
    _scratch.insert(_scratch.end(), text.begin(), text.end());
    _scratch.push_back('\0');
    if (text.find('\0') != std::string_view::npos) refuse("a string parameter holds a NUL byte (text cannot)");
}

void param_sink::integer(std::int64_t value) {
    char text[24];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    copied({text, static_cast<std::size_t>(end - text)});
}

void param_sink::integer(std::uint64_t value) {
    char text[24];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    copied({text, static_cast<std::size_t>(end - text)});
}

void param_sink::real(double value) {
    if (std::isnan(value)) return copied("NaN");
    if (std::isinf(value)) return copied(value > 0 ? "Infinity" : "-Infinity");
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr; // shortest form that reads back exactly
    copied({text, static_cast<std::size_t>(end - text)});
}

const char* const* param_sink::values() {
    _values.resize(_slots.size());
    for (std::size_t i = 0; i < _slots.size(); ++i) {
        const slot& s = _slots[i];
        _values[i] = s.borrowed != nullptr ? s.borrowed : s.offset < 0 ? nullptr : _scratch.data() + s.offset;
    }
    return _values.data();
}

} // namespace corio::pg::detail
