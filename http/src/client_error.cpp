// SPDX-License-Identifier: MIT
#include <corio/http/client_error.hpp>

#include <string>

namespace corio::http {

namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "corio.http.client"; }
    std::string message(int value) const override {
        switch (static_cast<client_errc>(value)) {
        case client_errc::bad_url:
            return "the URL is not http://host[:port][/target]";
        case client_errc::bad_request:
            return "a request header has a CR, LF or NUL, or sets the framing the client sets itself";
        case client_errc::unresolved:
            return "the host is a name the client has not resolved (client::add_host before the runtime starts)";
        case client_errc::refused:
            return "the connection was refused";
        case client_errc::connect_failed:
            return "the connection could not be made";
        case client_errc::reset:
            return "the connection was reset";
        case client_errc::closed:
            return "the server closed the connection before the response was complete";
        case client_errc::connect_timed_out:
            return "no connection within the connect timeout";
        case client_errc::head_timed_out:
            return "no response head within the head timeout";
        case client_errc::exchange_timed_out:
            return "no complete response within the exchange timeout";
        case client_errc::malformed:
            return "the response is not valid HTTP/1.1";
        case client_errc::too_large:
            return "the response head or body is larger than the client's limit";
        case client_errc::pool_full:
            return "too many calls already wait for a connection to this origin";
        case client_errc::body_timed_out:
            return "no byte of the streamed body within the body timeout";
        }
        return "unknown client error";
    }
};

} // namespace

const std::error_category& client_category() noexcept {
    static const category instance;
    return instance;
}

} // namespace corio::http
