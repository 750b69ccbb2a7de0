// SPDX-License-Identifier: MIT
// A service as an embedder writes it, built outside corio's build (find_package or add_subdirectory):
// one GET route, a server on 127.0.0.1 (port 0 or argv[1]), a runtime. It asks itself for a page
// over a real TCP connection, checks the answer and exits 0; 77 (a skip) when there is no io_uring.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <corio/core/runtime.hpp>
#include <corio/http/server.hpp>

// Sends `request` to 127.0.0.1:port and returns everything read until the server closes (5 s at most).
static std::string fetch(std::uint16_t port, const std::string& request) {
    std::string answer;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in to{
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {htonl(INADDR_LOOPBACK)}, .sin_zero = {}};
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        char piece[4096];
        for (ssize_t n; (n = ::recv(fd, piece, sizeof piece, 0)) > 0;)
            answer.append(piece, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

int main(int argc, char** argv) {
    corio::http::router routes;
    routes.get("/hello/:name", [](corio::http::request& req) {
        return corio::http::response::copy_of("hello " + std::string(req.param("name")), "text/plain");
    });
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
    corio::http::server server(std::move(routes), {.address = "127.0.0.1", .port = port});
    corio::runtime runtime({.shards = 1});
    if (!runtime.start(server)) {
        std::fprintf(stderr, "consumer: %s\n", runtime.error_message().c_str());
        return runtime.error_message().find("io_uring") != std::string::npos ? 77 : 1;
    }

    const std::string answer = fetch(server.port(), "GET /hello/consumer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                    "Connection: close\r\n\r\n");
    runtime.stop();
    runtime.join();
    const std::string expected_body = "\r\n\r\nhello consumer";
    if (answer.rfind("HTTP/1.1 200 ", 0) != 0 || !answer.ends_with(expected_body)) {
        std::fprintf(stderr, "consumer: unexpected answer from port %u:\n%s\n", server.port(), answer.c_str());
        return 1;
    }
    std::printf("consumer: GET /hello/consumer on port %u answered 200 \"hello consumer\"\n", server.port());
    return 0;
}
