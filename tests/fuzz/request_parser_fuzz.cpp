// SPDX-License-Identifier: MIT
// Fuzz target for request_parser: arbitrary bytes, parsed request after request as the server
// does. Checks the invariants the connection relies on: a complete request consumes at least one
// byte and no more than it was given, every view lies inside the input, the input is never
// rewritten, a complete request is also complete when parsed alone, and one byte less of it is
// not complete. Input byte 0 picks the limits (small ones reach the 413/414/431 paths). And every
// parse agrees with llhttp alone: what request_scan reads must come out as llhttp would have it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <corio/http/response.hpp>
#include <corio/http/router.hpp>

#include "request_parser.hpp"
#include "same_parse.hpp"

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

// A few routes, so that route lookup, captures and per-route body limits take part.
const corio::http::router& routes() {
    static const corio::http::router table = [] {
        corio::http::router r;
        const auto ok = [](request&) { return corio::http::response{}; };
        r.get("/plaintext", ok).get("/p/:x", ok).post("/b", ok, {.max_body_bytes = 8});
        return r;
    }();
    return table;
}

// The parser under test (selector bit 0: the limits), and its twin that only uses llhttp.
request_parser& parser_for(std::uint8_t selector, bool scan = true) {
    static const corio::http::parse_limits roomy{8192, 16384, 64, 1 << 20}, tight{32, 128, 4, 64};
    static request_parser parsers[2][2] = {{request_parser(roomy, &routes()), request_parser(tight, &routes())},
                                           {request_parser(roomy, &routes()), request_parser(tight, &routes())}};
    static const bool once = [] {
        parsers[1][0].set_scan(false);
        parsers[1][1].set_scan(false);
        return true;
    }();
    (void)once;
    return parsers[scan ? 0 : 1][selector & 1];
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    request_parser& parser = parser_for(data[0]);
    request_parser& llhttp_only = parser_for(data[0], false);
    std::string buffer(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::string original = buffer;
    request req, twin;
    std::size_t offset = 0;
    while (offset < buffer.size()) {
        std::span<char> rest(buffer.data() + offset, buffer.size() - offset);
        const parse_outcome out = parser.parse(rest, req);
        check(buffer == original);
        check(corio::test::same_parse(out, req, llhttp_only.parse(rest, twin), twin));
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
