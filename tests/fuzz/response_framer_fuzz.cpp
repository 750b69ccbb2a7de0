// SPDX-License-Identifier: MIT
// Fuzz target for response_framer (corio-load's framing over response_parser and body_decoder),
// replaying response_reader's corpus: input byte 0 seeds a split point and whether the requests
// were HEAD; the rest is what a server sent. It is framed whole, in two pieces at the split, and
// byte by byte, each followed by the end of the connection: the three must agree (responses with
// their status, body size and close flag, and whether the input was refused), and the first
// response must be the one response_reader reads from the same bytes. Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "response_framer.hpp"
#include "response_input.hpp"
#include "response_parser.hpp"
#include "response_reader.hpp"

namespace {

using corio::fuzz::check;
using corio::http::client_response;
using corio::http::framed_response;
using corio::http::response_framer;
using corio::http::response_limits;
using corio::http::response_parser;
using reader = corio::http::detail::response_reader;

struct framing {
    std::vector<framed_response> responses;
    bool ok = true;
    bool operator==(const framing& o) const {
        if (ok != o.ok || responses.size() != o.responses.size()) return false;
        for (std::size_t i = 0; i < responses.size(); ++i) {
            const framed_response& a = responses[i];
            const framed_response& b = o.responses[i];
            if (a.status != b.status || a.body != b.body || a.close != b.close) return false;
        }
        return true;
    }
};

framing frame(response_parser& parser, std::string_view input, std::size_t piece, bool to_head) {
    response_framer f(parser);
    f.set_head_requests(to_head);
    framing result;
    const auto done = [&](const framed_response& r) {
        check(r.status >= 200 && r.status <= 599);
        result.responses.push_back(r);
    };
    for (std::size_t at = 0; at < input.size() && result.ok; at += piece)
        result.ok = f.feed(input.substr(at, piece), done);
    if (result.ok) {
        f.finish(done);
        result.ok = !f.failed();
    }
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = corio::fuzz::response_input::from(data, size);
    if (!in) return 0;
    const auto [to_head, seed, input] = *in;
    static response_parser parser(response_limits{1024, 16});
    const framing whole = frame(parser, input, input.size() + 1, to_head);
    const std::size_t split = input.empty() ? 1 : seed % input.size() + 1;
    check(frame(parser, input, split, to_head) == whole);
    if (input.size() <= 512) check(frame(parser, input, 1, to_head) == whole);

    // The first response as the HTTP client reads it (no body limit that the framer lacks).
    reader r(parser, input.size());
    client_response out;
    r.reset(out, to_head);
    const std::size_t used = r.feed(std::span<const char>(input.data(), input.size()));
    r.end_of_input(std::span<const char>(input.data() + used, input.size() - used));
    if (r.where() == reader::state::done) {
        check(!whole.responses.empty());
        check(whole.responses[0].status == out.status());
        check(whole.responses[0].body == out.body().size());
    } else if (r.why() == reader::failure::malformed) {
        check(whole.responses.empty() && !whole.ok);
    } else if (r.why() == reader::failure::truncated) {
        check(whole.responses.empty());
    }
    return 0;
}
