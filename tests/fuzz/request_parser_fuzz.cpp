// SPDX-License-Identifier: MIT
// Fuzz target for request_parser: arbitrary bytes, parsed request after request as the server
// does. Checks the invariants the connection relies on: a complete request consumes at least one
// byte and no more than it was given, every view lies inside the input, the input is never
// rewritten, a complete request is also complete when parsed alone, and one byte less of it is
// not complete. Input byte 0 picks the limits (small ones reach the 413/414/431 paths).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "request_parser.hpp"

namespace {

using corio::http::parse_outcome;
using corio::http::request;
using corio::http::request_parser;

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view view, const std::string& buffer, std::string_view scratch_body) {
    if (view.empty()) return true;
    const char* b = buffer.data();
    if (view.data() >= b && view.data() + view.size() <= b + buffer.size()) return true;
    return view.data() == scratch_body.data() && view.size() == scratch_body.size(); // de-chunked body
}

request_parser& parser_for(std::uint8_t selector) {
    static request_parser roomy({8192, 16384, 64, 1 << 20});
    static request_parser tight({32, 128, 4, 64});
    return (selector & 1) != 0 ? tight : roomy;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    request_parser& parser = parser_for(data[0]);
    std::string buffer(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::string original = buffer;
    request req;
    std::size_t offset = 0;
    while (offset < buffer.size()) {
        std::span<char> rest(buffer.data() + offset, buffer.size() - offset);
        const parse_outcome out = parser.parse(rest, req);
        check(buffer == original);
        if (out.what != parse_outcome::kind::complete) break;
        check(out.consumed > 0 && out.consumed <= rest.size());
        for (std::string_view v : {req.method_name(), req.target(), req.query()})
            check(inside(v, buffer, req.body()));
        // An absolute-form target without a path ("http://host") routes as "/", a literal.
        check(inside(req.path(), buffer, {}) || req.path() == "/");
        for (const auto& h : req.headers())
            check(inside(h.name, buffer, {}) && inside(h.value, buffer, {}));
        const std::string body(req.body());
        // The same request alone parses the same way; one byte less of it is not complete.
        const parse_outcome alone = parser.parse(rest.first(out.consumed), req);
        check(alone.what == parse_outcome::kind::complete && alone.consumed == out.consumed && req.body() == body);
        check(parser.parse(rest.first(out.consumed - 1), req).what != parse_outcome::kind::complete);
        offset += out.consumed;
    }
    return 0;
}
