// SPDX-License-Identifier: MIT
// json_body: typed reading of a JSON request body (simdjson on-demand underneath, never in this
// header). A handler makes a json_reader over req.body(), asks for fields by name into typed
// outputs, then checks ok() once; the first problem wins and becomes a ready JSON error response:
//   400 {"error":"malformed JSON","detail":"..."}                    (not JSON at all)
//   422 {"error":"invalid field","field":"items[1].price","expected":"number"} (missing or wrong type)
// The whole body is validated when the reader is made, so a malformed document is always a 400, never
// a 422 for the fields read before the damage. No exception is thrown for a bad body. Field names are
// compared with the keys as written in the body (simdjson's lookup): "pr\u0069ce" is not "price".
//
//   corio::http::json_reader body(req.body());
//   std::string_view name;
//   double price = 0;
//   body.field("name", name).field("price", price);
//   if (!body.ok()) return body.error_response();
//
// simdjson reads up to json_padding bytes past the end of its input. request::body() does not say
// how much memory follows the body (it lies in a receive buffer or the parser's scratch string), so
// json_reader(body) copies it once into a per-thread padded buffer that is reused from request to
// request; json_reader(body, capacity) skips the copy when the caller knows the bytes after the body
// are allocated. Parser and buffer are per thread (per shard) and reused: no allocation per request in
// the steady state, except on the error path. String views read from a body stay valid while its
// reader lives; copy into std::string what must outlive it.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <corio/http/json.hpp>
#include <corio/http/response.hpp>

namespace corio::http {

/// Bytes simdjson may read past the end of its input (SIMDJSON_PADDING).
inline constexpr std::size_t json_padding = 64;

/// Deepest nesting of objects and arrays a body may have (deeper is malformed).
inline constexpr unsigned json_max_depth = 64;

/// What went wrong with a JSON body, if anything.
enum class json_error_kind : std::uint8_t { none, malformed, invalid_field };

/// The first problem found in a JSON body.
struct json_error {
    json_error_kind kind = json_error_kind::none;
    std::string field; ///< invalid_field: path of the field ("price", "address.city", "tags[2]"; "$" is the root)
    std::string_view expected; ///< invalid_field: "string", "number", "integer", "boolean", "object" or "array"
    std::string_view detail;   ///< malformed: what is wrong ("empty body", "invalid number", ...)

    /// 400 or 422 with the JSON error body described at the top of this header.
    response to_response() const;
};

/// The C++ types a JSON scalar can be read into: strings, double, bool and every integer type (a
/// number that is not a whole number, or does not fit the type, is an invalid_field error whose
/// `expected` gives the type's range, e.g. "integer from 0 to 255").
template <class T>
concept json_scalar = std::same_as<T, std::string_view> || std::same_as<T, std::string> || std::same_as<T, double> ||
    std::same_as<T, bool> || json_integer<T>;

namespace detail {
class json_state;
/// A callback taking one argument of type Arg&, called without type erasure cost or allocation.
template <class Arg>
struct json_callback {
    void* target;
    void (*call)(void* target, Arg& arg);
};
template <class Arg, class F>
json_callback<Arg> make_json_callback(F& f) noexcept {
    return {&f, [](void* t, Arg& a) { (*static_cast<F*>(t))(a); }};
}
} // namespace detail

class json_value;

/// One JSON object inside a json_reader's body; valid while the callback that received it runs.
class json_object {
public:
    /// Reads the required field `name` into `out`; a missing field or another type is an invalid_field error.
    template <json_scalar T>
    json_object& field(std::string_view name, T& out);
    /// Reads the field `name` into `out` if present and not null (else `out` is left alone).
    template <json_scalar T>
    json_object& optional(std::string_view name, T& out);
    /// Calls `fn(json_object&)` with the required nested object `name`.
    template <class F>
    json_object& object(std::string_view name, F&& fn) {
        nested_object(name, detail::make_json_callback<json_object>(fn));
        return *this;
    }
    /// Calls `fn(json_value&)` for each element of the required array `name`, in order.
    template <class F>
    json_object& array(std::string_view name, F&& fn) {
        nested_array(name, detail::make_json_callback<json_value>(fn));
        return *this;
    }
    /// True while no error has been found in the whole body.
    bool ok() const noexcept;

private:
    friend class json_reader;
    friend class json_value;
    friend class detail::json_state;
    json_object(detail::json_state* state, unsigned depth) noexcept : _state(state), _depth(depth) {}
    void nested_object(std::string_view name, detail::json_callback<json_object> fn);
    void nested_array(std::string_view name, detail::json_callback<json_value> fn);
    detail::json_state* _state;
    unsigned _depth;
};

/// One JSON value (an array element or the root); valid while the callback that received it runs.
class json_value {
public:
    /// Reads the value into `out`; another type is an invalid_field error.
    template <json_scalar T>
    json_value& get(T& out);
    /// Calls `fn(json_object&)` with the value, which must be an object.
    template <class F>
    json_value& object(F&& fn) {
        as_object(detail::make_json_callback<json_object>(fn));
        return *this;
    }
    /// Calls `fn(json_value&)` for each element of the value, which must be an array.
    template <class F>
    json_value& array(F&& fn) {
        as_array(detail::make_json_callback<json_value>(fn));
        return *this;
    }
    /// True when the value is null (false, and nothing recorded, after an earlier error).
    bool is_null();
    /// True while no error has been found in the whole body.
    bool ok() const noexcept;

private:
    friend class json_reader;
    friend class json_object;
    friend class detail::json_state;
    json_value(detail::json_state* state, unsigned depth) noexcept : _state(state), _depth(depth) {}
    void as_object(detail::json_callback<json_object> fn);
    void as_array(detail::json_callback<json_value> fn);
    detail::json_state* _state;
    unsigned _depth;
};

/// A validated JSON body and the first error found in it; use on one thread, in one handler.
class json_reader {
public:
    /// Validates `body`, copied into this thread's reusable padded buffer.
    explicit json_reader(std::string_view body);
    /// Validates `body` in place when `capacity` (bytes allocated from body.data()) leaves json_padding
    /// bytes after it; copies it as the other constructor does otherwise.
    json_reader(std::string_view body, std::size_t capacity);
    ~json_reader();
    json_reader(json_reader&&) noexcept;
    json_reader& operator=(json_reader&&) noexcept;
    json_reader(const json_reader&) = delete;
    json_reader& operator=(const json_reader&) = delete;

    /// True while no error has been found.
    bool ok() const noexcept;
    /// The first error found (kind none while ok()).
    const json_error& error() const noexcept;
    /// The error as a 400/422 response with a JSON body (call when !ok()).
    response error_response() const { return error().to_response(); }

    /// The root value, whatever its type.
    json_value root() noexcept;
    /// The root as an object (an invalid_field error for "$" when it is something else).
    json_object object();

    /// Reads the required field `name` of the root object into `out`.
    template <json_scalar T>
    json_reader& field(std::string_view name, T& out) {
        object().field(name, out);
        return *this;
    }
    /// Reads the field `name` of the root object into `out` if present and not null.
    template <json_scalar T>
    json_reader& optional(std::string_view name, T& out) {
        object().optional(name, out);
        return *this;
    }
    /// Calls `fn(json_object&)` with the required nested object `name` of the root object.
    template <class F>
    json_reader& object(std::string_view name, F&& fn) {
        object().object(name, std::forward<F>(fn));
        return *this;
    }
    /// Calls `fn(json_value&)` for each element of the required array `name` of the root object.
    template <class F>
    json_reader& array(std::string_view name, F&& fn) {
        object().array(name, std::forward<F>(fn));
        return *this;
    }

private:
    std::unique_ptr<detail::json_state> _state;
};

} // namespace corio::http
