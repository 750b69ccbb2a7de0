// SPDX-License-Identifier: MIT
#include <corio/http/metrics.hpp>

#include <charconv>
#include <cstddef>

namespace corio::http {

namespace {

// One metric: its name, type, help text and where its value is in server_stats.
struct metric {
    std::string_view name;
    std::string_view type;
    std::string_view help;
    std::uint64_t server_stats::*field;
};

constexpr metric metrics[] = {
    {"corio_http_requests_total", "counter", "Requests read far enough to be answered (head parsed).",
     &server_stats::requests},
    {"corio_http_parse_errors_total", "counter",
     "Requests refused as malformed or over a limit (400, 413, 414, 431, 501, 505; the connection closes).",
     &server_stats::parse_errors},
    {"corio_http_handler_timeouts_total", "counter", "Asynchronous handlers cut at their deadline (answered 503).",
     &server_stats::handler_timeouts},
    {"corio_http_connections_accepted_total", "counter", "Connections accepted.", &server_stats::connections_opened},
    {"corio_http_connections_closed_total", "counter", "Connections closed.", &server_stats::connections_closed},
    {"corio_http_connections_open", "gauge", "Connections open.", &server_stats::connections_open},
    {"corio_http_received_bytes_total", "counter", "Bytes received.", &server_stats::bytes_in},
    {"corio_http_sent_bytes_total", "counter", "Bytes sent (taken by the kernel).", &server_stats::bytes_out},
    {"corio_http_recv_no_buffers_total", "counter",
     "Receives that found the shard's buffer ring empty and were re-armed.", &server_stats::recv_no_buffers},
    {"corio_http_output_pending_bytes", "gauge",
     "Response bytes written and not yet taken by the kernel (bounded by max_shard_pending_output).",
     &server_stats::output_pending},
    {"corio_http_accept_backoffs_total", "counter",
     "Times accepting paused after an error such as running out of file descriptors.", &server_stats::accept_backoffs},
};

constexpr std::string_view responses_name = "corio_http_responses_total";
constexpr std::string_view responses_help =
    "Final responses queued (error answers included, interim 100 Continue not), by status class.";
constexpr std::string_view class_names[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

void append_number(std::string& out, std::uint64_t value) {
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

void append_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// `name{shard="N"` (the caller closes the label set).
void append_sample_start(std::string& out, std::string_view name, std::size_t shard) {
    out.append(name).append("{shard=\"");
    append_number(out, shard);
    out.append("\"");
}

} // namespace

std::string prometheus_text(std::span<const server_stats> shards) {
    std::string out;
    // About 60 bytes per sample and 150 per metric's two comment lines.
    out.reserve((std::size(metrics) + 1) * 150 + shards.size() * (std::size(metrics) + 5) * 64);
    for (const metric& m : metrics) {
        append_header(out, m.name, m.type, m.help);
        for (std::size_t shard = 0; shard < shards.size(); ++shard) {
            append_sample_start(out, m.name, shard);
            out.append("} ");
            append_number(out, shards[shard].*m.field);
            out.append("\n");
        }
    }
    append_header(out, responses_name, "counter", responses_help);
    for (std::size_t shard = 0; shard < shards.size(); ++shard) {
        for (std::size_t c = 0; c < std::size(class_names); ++c) {
            append_sample_start(out, responses_name, shard);
            out.append(",class=\"").append(class_names[c]).append("\"} ");
            append_number(out, shards[shard].responses[c]);
            out.append("\n");
        }
    }
    return out;
}

} // namespace corio::http
