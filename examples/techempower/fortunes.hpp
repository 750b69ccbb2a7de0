// SPDX-License-Identifier: MIT
// fortunes: the page of TechEmpower's Fortunes test. The rows read from the database get one more,
// "Additional fortune added at request time." with id 0, are sorted by message (byte order, as the
// test's reference implementations compare UTF-8 strings) and rendered as the HTML table the test
// checks, every message HTML-escaped (the database holds a <script> fortune).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <corio/http/response.hpp>

namespace techempower {

/// One row of the Fortune table; `message` points into the query's rows (valid while they live).
struct fortune {
    std::int32_t id;
    std::string_view message;
};

/// The fortune every page adds to the rows from the database.
inline constexpr fortune added_fortune{0, "Additional fortune added at request time."};

/// Appends `text` to `out` with &, <, >, " and ' replaced by their HTML character references.
void append_html_escaped(corio::http::response::buffer& out, std::string_view text);

/// Adds added_fortune to `rows`, sorts them by message and renders the page into `res`
/// (text/html; charset=utf-8).
void render_fortunes(std::vector<fortune>& rows, corio::http::response& res);

} // namespace techempower
