// SPDX-License-Identifier: MIT
// response_writer: serializes a response (status line, the server's headers, the handler's
// headers, body) straight into a connection's output chain; and the other bytes the server frames:
// the interim 100 Continue, and a streamed body's chunks.
#pragma once

#include <string_view>

#include <corio/http/response.hpp>
#include <corio/net/tcp_connection.hpp>

namespace corio::http {

/// How the server frames a response.
struct response_framing {
    std::string_view date_line;     ///< "Date: ...\r\n"
    bool head = false;              ///< HEAD request: send the headers only
    bool close = false;             ///< add "Connection: close"
    bool keep_alive_header = false; ///< HTTP/1.0 keep-alive: add "Connection: keep-alive"
    bool chunked = false;           ///< streamed body: add "Transfer-Encoding: chunked"
};

/// Appends `res` to `out`'s output (does not flush); for a streamed response only its head.
void write_response(net::tcp_connection& out, const response& res, const response_framing& framing);
/// Appends the interim "HTTP/1.1 100 Continue" response.
void write_continue(net::tcp_connection& out);
/// Appends `bytes` (not empty: an empty chunk ends the body) as one chunk of a chunked body.
void write_chunk(net::tcp_connection& out, std::string_view bytes);
/// Appends the last chunk, which ends a chunked body (no trailers).
void write_last_chunk(net::tcp_connection& out);

} // namespace corio::http
