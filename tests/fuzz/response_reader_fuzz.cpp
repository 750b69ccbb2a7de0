// SPDX-License-Identifier: MIT
// Fuzz target for response_reader (response_parser over llhttp, then body_decoder): input byte 0
// seeds a split point and whether the request was HEAD; the rest is what a server sent. It is read
// whole, in two pieces at the split, and byte by byte, each followed by the end of the connection:
// the three readings must agree (outcome, failure, status, body, bytes consumed), consume no more
// than was given, and keep the body within its limit. Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "response_input.hpp"
#include "response_parser.hpp"
#include "response_reader.hpp"

namespace {

using corio::fuzz::check;
using corio::http::client_response;
using corio::http::response_limits;
using corio::http::response_parser;
using reader = corio::http::detail::response_reader;

constexpr std::uint64_t max_body = 4096;

struct reading {
    reader::state where = reader::state::head;
    reader::failure why = reader::failure::none;
    std::uint16_t status = 0;
    std::string body;
    std::size_t consumed = 0;
    bool operator==(const reading& o) const {
        // Where a failure is found (and so how much was consumed before it) depends on the pieces.
        return where == o.where && why == o.why && status == o.status && body == o.body &&
               (where != reader::state::done || consumed == o.consumed);
    }
};

reading read(response_parser& parser, std::string_view input, const std::vector<std::size_t>& cuts, bool to_head) {
    reader r(parser, max_body);
    client_response out;
    r.reset(out, to_head);
    reading result;
    std::string pending;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t to = i < cuts.size() ? cuts[i] : input.size();
        pending.append(input.substr(from, to - from));
        from = to;
        if (r.where() == reader::state::done || r.where() == reader::state::failed) continue;
        const std::size_t used = r.feed(std::span<const char>(pending.data(), pending.size()));
        check(used <= pending.size());
        result.consumed += used;
        pending.erase(0, used);
    }
    r.end_of_input(std::span<const char>(pending.data(), pending.size()));
    result.where = r.where();
    result.why = r.why();
    check(result.where == reader::state::done || result.where == reader::state::failed);
    if (result.where == reader::state::done) {
        result.status = out.status();
        result.body = out.body();
        check(result.body.size() <= max_body);
        check(result.status >= 200 && result.status <= 999);
    }
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = corio::fuzz::response_input::from(data, size);
    if (!in) return 0;
    const auto [to_head, seed, input] = *in;
    static response_parser parser(response_limits{1024, 16});
    const reading whole = read(parser, input, {}, to_head);
    const std::size_t split = input.empty() ? 0 : seed % (input.size() + 1);
    check(read(parser, input, {split}, to_head) == whole);
    if (input.size() <= 512) {
        std::vector<std::size_t> every;
        for (std::size_t i = 1; i < input.size(); ++i)
            every.push_back(i);
        check(read(parser, input, every, to_head) == whole);
    }
    return 0;
}
