// SPDX-License-Identifier: MIT
#include "fortunes.hpp"

#include <algorithm>
#include <charconv>

namespace techempower {

namespace {

void append(corio::http::response::buffer& out, std::string_view text) {
    out.append(text.data(), text.data() + text.size());
}

} // namespace

void append_html_escaped(corio::http::response::buffer& out, std::string_view text) {
    // Copies runs of plain bytes at once; only the five special characters are replaced.
    std::size_t plain = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string_view reference;
        switch (text[i]) {
        case '&':
            reference = "&amp;";
            break;
        case '<':
            reference = "&lt;";
            break;
        case '>':
            reference = "&gt;";
            break;
        case '"':
            reference = "&quot;";
            break;
        case '\'':
            reference = "&#39;";
            break;
        default:
            continue;
        }
        append(out, text.substr(plain, i - plain));
        append(out, reference);
        plain = i + 1;
    }
    append(out, text.substr(plain));
}

void render_fortunes(std::vector<fortune>& rows, corio::http::response& res) {
    rows.push_back(added_fortune);
    std::sort(rows.begin(), rows.end(), [](const fortune& a, const fortune& b) { return a.message < b.message; });
    res.set_content_type("text/html; charset=utf-8");
    corio::http::response::buffer& out = res.body_buffer();
    append(out, "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
                "<tr><th>id</th><th>message</th></tr>");
    for (const fortune& f : rows) {
        append(out, "<tr><td>");
        char digits[16];
        const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, f.id);
        append(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
        append(out, "</td><td>");
        append_html_escaped(out, f.message);
        append(out, "</td></tr>");
    }
    append(out, "</table></body></html>");
}

} // namespace techempower
