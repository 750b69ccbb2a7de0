// SPDX-License-Identifier: MIT
#include <corio/http/json_body.hpp>

#include <array>
#include <cassert>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include <corio/http/json.hpp>

namespace corio::http {

static_assert(json_padding == simdjson::SIMDJSON_PADDING, "json_padding must match simdjson's");

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace detail {

namespace {

// A body or parser bigger than this is not kept for the next request: one large upload must not pin
// megabytes per shard.
constexpr std::size_t retained_bytes = std::size_t{1} << 20;

std::string_view malformed_detail(error_code e) noexcept {
    switch (e) {
    case simdjson::EMPTY:
        return "empty body";
    case simdjson::UTF8_ERROR:
        return "invalid UTF-8";
    case simdjson::UNCLOSED_STRING:
        return "unclosed string";
    case simdjson::UNESCAPED_CHARS:
        return "unescaped control character in a string";
    case simdjson::STRING_ERROR:
        return "invalid string escape";
    case simdjson::NUMBER_ERROR:
        return "invalid number (or beyond the range of a double)";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
    case simdjson::INCORRECT_TYPE:
        return "invalid literal";
    case simdjson::DEPTH_ERROR:
        return "nested too deeply";
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC:
        return "body too large to parse";
    case simdjson::TRAILING_CONTENT:
        return "trailing content after the JSON value";
    default:
        return "unexpected structure (brackets, commas, colons or keys)";
    }
}

// Errors of a typed read from a body that has been validated: the value is of another type (or an
// integer out of range), not damaged JSON.
bool is_type_error(error_code e) noexcept {
    return e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_OUT_OF_RANGE || e == simdjson::NUMBER_ERROR ||
           e == simdjson::NO_SUCH_FIELD;
}

// "integer from MIN to MAX" for the integer type T, built at compile time.
template <class T>
struct integer_range_name {
    static constexpr std::size_t put(char* at, T number) noexcept {
        char reversed[24] = {};
        std::size_t n = 0;
        const bool negative = number < 0;
        // Digit by digit from the value itself: -MIN does not fit in T.
        do {
            const int digit = static_cast<int>(number % 10);
            reversed[n++] = static_cast<char>('0' + (digit < 0 ? -digit : digit));
            number = static_cast<T>(number / 10);
        } while (number != 0);
        std::size_t used = 0;
        if (negative) at[used++] = '-';
        while (n != 0)
            at[used++] = reversed[--n];
        return used;
    }
    static constexpr auto make() noexcept {
        std::array<char, 64> text{};
        constexpr std::string_view prefix = "integer from ";
        constexpr std::string_view middle = " to ";
        std::size_t at = 0;
        for (char c : prefix)
            text[at++] = c;
        at += put(text.data() + at, std::numeric_limits<T>::min());
        for (char c : middle)
            text[at++] = c;
        at += put(text.data() + at, std::numeric_limits<T>::max());
        return std::pair{text, at};
    }
    static constexpr auto made = make();
    static constexpr std::string_view value{made.first.data(), made.second};
};

template <class T>
constexpr std::string_view expected_name() noexcept {
    if constexpr (std::is_same_v<T, double>)
        return "number";
    else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, long long>)
        return "integer";
    else if constexpr (json_integer<T>)
        return integer_range_name<T>::value;
    else if constexpr (std::is_same_v<T, bool>)
        return "boolean";
    else
        return "string";
}

// V is od::value or od::document (the root): both have the same typed getters.
template <class V>
error_code read(V& v, std::string_view& out) noexcept {
    return v.get_string().get(out);
}
template <class V>
error_code read(V& v, std::string& out) {
    std::string_view s;
    const error_code e = v.get_string().get(s);
    if (e == simdjson::SUCCESS) out.assign(s);
    return e;
}
template <class V>
error_code read(V& v, double& out) noexcept {
    return v.get_double().get(out);
}
template <class V, json_integer T>
error_code read(V& v, T& out) noexcept {
    if constexpr (std::is_signed_v<T>) {
        std::int64_t n = 0;
        if (error_code e = v.get_int64().get(n)) return e;
        if (n < std::numeric_limits<T>::min() || n > std::numeric_limits<T>::max())
            return simdjson::NUMBER_OUT_OF_RANGE;
        out = static_cast<T>(n);
    } else {
        std::uint64_t n = 0;
        if (error_code e = v.get_uint64().get(n)) return e;
        if (n > std::numeric_limits<T>::max()) return simdjson::NUMBER_OUT_OF_RANGE;
        out = static_cast<T>(n);
    }
    return simdjson::SUCCESS;
}
template <class V>
error_code read(V& v, bool& out) noexcept {
    return v.get_bool().get(out);
}

// Checks a scalar of `type` (V is od::value or, for a scalar root, od::document).
template <class V>
error_code validate_scalar(V& v, od::json_type type) noexcept {
    switch (type) {
    case od::json_type::string: {
        std::string_view s;
        return v.get_string().get(s);
    }
    case od::json_type::number: {
        double d = 0; // get_double accepts every valid JSON number a double can hold
        return v.get_double().get(d);
    }
    case od::json_type::boolean: {
        bool b = false;
        return v.get_bool().get(b);
    }
    case od::json_type::null: {
        bool null = false;
        if (error_code e = v.is_null().get(null)) return e;
        return null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
    default:
        return simdjson::TAPE_ERROR;
    }
}

// Walks every value once so that a malformed document is found before the handler reads any field:
// on-demand parsing only checks what it visits.
error_code validate(od::value v, unsigned depth) noexcept {
    if (depth > json_max_depth) return simdjson::DEPTH_ERROR;
    od::json_type type{};
    if (error_code e = v.type().get(type)) return e;
    if (type == od::json_type::object) {
        od::object object;
        if (error_code e = v.get_object().get(object)) return e;
        for (auto field : object) {
            std::string_view key;
            if (error_code e = field.unescaped_key().get(key)) return e;
            if (error_code e = validate(field.value(), depth + 1)) return e;
        }
        return simdjson::SUCCESS;
    }
    if (type == od::json_type::array) {
        od::array array;
        if (error_code e = v.get_array().get(array)) return e;
        for (auto element : array) {
            od::value item;
            if (error_code e = element.get(item)) return e;
            if (error_code e = validate(item, depth + 1)) return e;
        }
        return simdjson::SUCCESS;
    }
    return validate_scalar(v, type);
}

// A scalar root document cannot be turned into an od::value (SCALAR_DOCUMENT_AS_VALUE).
error_code validate_root(od::document& doc) noexcept {
    od::json_type type{};
    if (error_code e = doc.type().get(type)) return e;
    if (type != od::json_type::object && type != od::json_type::array) return validate_scalar(doc, type);
    od::value v;
    if (error_code e = doc.get_value().get(v)) return e;
    return validate(v, 1);
}

} // namespace

// One level of the handler's walk through the body: the object or array element it is in, and the
// path segment that names it in an error.
struct json_frame {
    enum class segment : std::uint8_t { none, name, index, name_index };
    od::object object;
    od::value value;
    std::string_view name;
    std::size_t index = 0;
    segment kind = segment::none;
};

// Per-thread parser, padded copy of the body, the document and the frames of the handler's walk.
// Frame 0 is the root (read through the document itself); frame 1 the root object.
class json_state {
public:
    void start(std::string_view body, std::size_t capacity);
    bool failed() const noexcept { return _error.kind != json_error_kind::none; }
    const json_error& error() const noexcept { return _error; }
    bool retainable() const noexcept { return _padded_size <= retained_bytes && _parser.capacity() <= retained_bytes; }

    void malformed(error_code e) {
        if (failed()) return;
        _error.kind = json_error_kind::malformed;
        _error.detail = malformed_detail(e);
    }
    // An invalid_field error for the value at `depth`, or for its field `leaf` when not empty.
    void invalid(unsigned depth, std::string_view leaf, std::string_view expected);
    // Classifies an error of a typed read: the wrong type (422) or, should it ever happen after the
    // validation, damaged JSON (400).
    void fail(error_code e, unsigned depth, std::string_view leaf, std::string_view expected) {
        if (is_type_error(e))
            invalid(depth, leaf, expected);
        else
            malformed(e);
    }

    // The field `name` of the object at `depth`; false (and an error unless optional) when absent.
    bool find(unsigned depth, std::string_view name, std::string_view expected, bool required, od::value& out);
    // Frame depth + 1, or null (and an error) past the frame stack.
    json_frame* push(unsigned depth) {
        if (depth + 1 >= _frames.size()) {
            malformed(simdjson::DEPTH_ERROR);
            return nullptr;
        }
        return &_frames[depth + 1];
    }
    json_frame& frame(unsigned depth) noexcept { return _frames[depth]; }
    od::document& document() noexcept { return _doc; }
    // The root object at frame 1, made once.
    bool root_object();
    // Calls fn for each element of `array`, each at frame depth + 1 named by `name` and its index.
    void each(od::array& array, unsigned depth, std::string_view name, json_callback<json_value> fn);

private:
    od::parser _parser;
    std::unique_ptr<char[]> _padded;
    std::size_t _padded_size = 0;
    od::document _doc;
    bool _root_object_ready = false;
    json_error _error;
    std::array<json_frame, 2 * json_max_depth + 4> _frames; // a value and an object per level at most
};

void json_state::start(std::string_view body, std::size_t capacity) {
    _error = json_error{};
    _root_object_ready = false;
    const char* data = body.data();
    if (data == nullptr || capacity < body.size() + json_padding) {
        // Copy so that simdjson's reads past the end stay inside our allocation.
        const std::size_t need = body.size() + json_padding;
        if (_padded_size < need) {
            const std::size_t size = std::max(need, 2 * _padded_size);
            _padded = std::make_unique_for_overwrite<char[]>(size);
            _padded_size = size;
        }
        if (!body.empty()) std::memcpy(_padded.get(), body.data(), body.size());
        std::memset(_padded.get() + body.size(), 0, json_padding);
        data = _padded.get();
        capacity = _padded_size;
    }
    if (error_code e = _parser.iterate(data, body.size(), capacity).get(_doc)) {
        malformed(e);
        return;
    }
    if (error_code e = validate_root(_doc)) {
        malformed(e);
        return;
    }
    // A location left after the root value means more than one value in the body.
    const char* rest = nullptr;
    if (_doc.current_location().get(rest) == simdjson::SUCCESS) {
        malformed(simdjson::TRAILING_CONTENT);
        return;
    }
    _doc.rewind();
}

void json_state::invalid(unsigned depth, std::string_view leaf, std::string_view expected) {
    if (failed()) return;
    _error.kind = json_error_kind::invalid_field;
    _error.expected = expected;
    std::string path;
    auto append_name = [&path](std::string_view name) {
        if (!path.empty()) path.push_back('.');
        path.append(name);
    };
    for (unsigned d = 1; d <= depth; ++d) {
        const json_frame& f = _frames[d];
        if (f.kind == json_frame::segment::name || f.kind == json_frame::segment::name_index) append_name(f.name);
        if (f.kind == json_frame::segment::index || f.kind == json_frame::segment::name_index)
            fmt::format_to(std::back_inserter(path), "[{}]", f.index);
    }
    if (!leaf.empty()) append_name(leaf);
    _error.field = path.empty() ? std::string("$") : std::move(path);
}

bool json_state::find(unsigned depth, std::string_view name, std::string_view expected, bool required, od::value& out) {
    const error_code e = _frames[depth].object.find_field_unordered(name).get(out);
    if (e == simdjson::NO_SUCH_FIELD) {
        if (required) invalid(depth, name, expected);
        return false;
    }
    if (e != simdjson::SUCCESS) {
        malformed(e);
        return false;
    }
    return true;
}

bool json_state::root_object() {
    if (failed()) return false;
    if (!_root_object_ready) {
        _frames[1] = json_frame{};
        if (_doc.get_object().get(_frames[1].object) != simdjson::SUCCESS) {
            invalid(0, {}, "object");
            return false;
        }
        _root_object_ready = true;
    }
    return true;
}

void json_state::each(od::array& array, unsigned depth, std::string_view name, json_callback<json_value> fn) {
    std::size_t index = 0;
    for (auto element : array) {
        json_frame* f = push(depth);
        if (f == nullptr) return;
        *f = json_frame{};
        if (error_code e = element.get(f->value)) {
            malformed(e);
            return;
        }
        f->name = name;
        f->index = index++;
        f->kind = name.empty() ? json_frame::segment::index : json_frame::segment::name_index;
        json_value v(this, depth + 1);
        fn.call(fn.target, v);
        if (failed()) return;
    }
}

namespace {
// One idle state per thread, handed to the next reader; a second reader alive at the same time on
// the same thread (an async handler holding one across a co_await) gets a state of its own.
thread_local std::unique_ptr<json_state> idle_state;

std::unique_ptr<json_state> acquire() {
    if (idle_state) return std::move(idle_state);
    return std::make_unique<json_state>();
}

void release(std::unique_ptr<json_state> state) {
    if (state && !idle_state && state->retainable()) idle_state = std::move(state);
}
} // namespace

} // namespace detail

// json_error

response json_error::to_response() const {
    response res(kind == json_error_kind::malformed ? status::bad_request : status::unprocessable_entity);
    json_writer out = json_body(res);
    out.begin_object();
    switch (kind) {
    case json_error_kind::malformed:
        out.key("error").value("malformed JSON").key("detail").value(detail);
        break;
    case json_error_kind::invalid_field:
        out.key("error").value("invalid field").key("field").value(field).key("expected").value(expected);
        break;
    case json_error_kind::none:
        // Contract: only a failed reader has an error response.
        assert(false && "json_error::to_response called without an error");
        res.set_status(status::internal_server_error);
        out.key("error").value("internal error");
        break;
    }
    out.end_object();
    return res;
}

// json_object

template <json_scalar T>
json_object& json_object::field(std::string_view name, T& out) {
    od::value v;
    if (_state->failed() || !_state->find(_depth, name, detail::expected_name<T>(), true, v)) return *this;
    if (error_code e = detail::read(v, out)) _state->fail(e, _depth, name, detail::expected_name<T>());
    return *this;
}

template <json_scalar T>
json_object& json_object::optional(std::string_view name, T& out) {
    od::value v;
    if (_state->failed() || !_state->find(_depth, name, detail::expected_name<T>(), false, v)) return *this;
    od::json_type type{};
    if (error_code e = v.type().get(type)) {
        _state->malformed(e);
        return *this;
    }
    if (type == od::json_type::null) return *this;
    if (error_code e = detail::read(v, out)) _state->fail(e, _depth, name, detail::expected_name<T>());
    return *this;
}

void json_object::nested_object(std::string_view name, detail::json_callback<json_object> fn) {
    od::value v;
    if (_state->failed() || !_state->find(_depth, name, "object", true, v)) return;
    detail::json_frame* f = _state->push(_depth);
    if (f == nullptr) return;
    *f = detail::json_frame{};
    if (error_code e = v.get_object().get(f->object)) {
        _state->fail(e, _depth, name, "object");
        return;
    }
    f->name = name;
    f->kind = detail::json_frame::segment::name;
    json_object child(_state, _depth + 1);
    fn.call(fn.target, child);
}

void json_object::nested_array(std::string_view name, detail::json_callback<json_value> fn) {
    od::value v;
    if (_state->failed() || !_state->find(_depth, name, "array", true, v)) return;
    od::array array;
    if (error_code e = v.get_array().get(array)) {
        _state->fail(e, _depth, name, "array");
        return;
    }
    _state->each(array, _depth, name, fn);
}

bool json_object::ok() const noexcept {
    return !_state->failed();
}

// json_value

template <json_scalar T>
json_value& json_value::get(T& out) {
    if (_state->failed()) return *this;
    const error_code e =
        _depth == 0 ? detail::read(_state->document(), out) : detail::read(_state->frame(_depth).value, out);
    if (e != simdjson::SUCCESS) _state->fail(e, _depth, {}, detail::expected_name<T>());
    return *this;
}

void json_value::as_object(detail::json_callback<json_object> fn) {
    if (_state->failed()) return;
    detail::json_frame* f = _state->push(_depth);
    if (f == nullptr) return;
    *f = detail::json_frame{};
    const error_code e = _depth == 0 ? _state->document().get_object().get(f->object)
                                     : _state->frame(_depth).value.get_object().get(f->object);
    if (e != simdjson::SUCCESS) {
        _state->fail(e, _depth, {}, "object");
        return;
    }
    json_object child(_state, _depth + 1);
    fn.call(fn.target, child);
}

void json_value::as_array(detail::json_callback<json_value> fn) {
    if (_state->failed()) return;
    od::array array;
    const error_code e =
        _depth == 0 ? _state->document().get_array().get(array) : _state->frame(_depth).value.get_array().get(array);
    if (e != simdjson::SUCCESS) {
        _state->fail(e, _depth, {}, "array");
        return;
    }
    _state->each(array, _depth, {}, fn);
}

bool json_value::is_null() {
    if (_state->failed()) return false;
    od::json_type type{};
    const error_code e =
        _depth == 0 ? _state->document().type().get(type) : _state->frame(_depth).value.type().get(type);
    return e == simdjson::SUCCESS && type == od::json_type::null;
}

bool json_value::ok() const noexcept {
    return !_state->failed();
}

// json_reader

json_reader::json_reader(std::string_view body) : json_reader(body, 0) {}

json_reader::json_reader(std::string_view body, std::size_t capacity) : _state(detail::acquire()) {
    _state->start(body, capacity);
}

json_reader::~json_reader() {
    detail::release(std::move(_state));
}

json_reader::json_reader(json_reader&&) noexcept = default;

json_reader& json_reader::operator=(json_reader&& other) noexcept {
    if (this != &other) {
        detail::release(std::move(_state));
        _state = std::move(other._state);
    }
    return *this;
}

bool json_reader::ok() const noexcept {
    return !_state->failed();
}

const json_error& json_reader::error() const noexcept {
    return _state->error();
}

json_value json_reader::root() noexcept {
    return json_value(_state.get(), 0);
}

json_object json_reader::object() {
    _state->root_object();
    return json_object(_state.get(), 1);
}

#define CORIO_JSON_SCALAR(T)                                                                                           \
    template json_object& json_object::field<T>(std::string_view, T&);                                                 \
    template json_object& json_object::optional<T>(std::string_view, T&);                                              \
    template json_value& json_value::get<T>(T&);
CORIO_JSON_SCALAR(std::string_view)
CORIO_JSON_SCALAR(std::string)
CORIO_JSON_SCALAR(double)
CORIO_JSON_SCALAR(bool)
CORIO_JSON_SCALAR(signed char)
CORIO_JSON_SCALAR(short)
CORIO_JSON_SCALAR(int)
CORIO_JSON_SCALAR(long)
CORIO_JSON_SCALAR(long long)
CORIO_JSON_SCALAR(unsigned char)
CORIO_JSON_SCALAR(unsigned short)
CORIO_JSON_SCALAR(unsigned int)
CORIO_JSON_SCALAR(unsigned long)
CORIO_JSON_SCALAR(unsigned long long)
#undef CORIO_JSON_SCALAR

} // namespace corio::http
