// SPDX-License-Identifier: MIT
// socket_activation: listening sockets handed over by systemd (sd_listen_fds(3)): a unit with a
// .socket (or any parent following the protocol) starts the process with the sockets open from
// descriptor 3 on, $LISTEN_FDS saying how many and $LISTEN_PID naming the process they are for.
// http::server listens on such a socket in place of binding (server_config::socket_activation), so
// the port is held by systemd across restarts and connections wait in its backlog meanwhile.
#pragma once

#include <vector>

#include <corio/core/result.hpp>

namespace corio::net {

/// The descriptors systemd passed to this process (3, 4, ... as $LISTEN_FDS says), taken once:
/// the variables are unset and each descriptor made close-on-exec, so neither a second call nor a
/// child process takes them again. Empty when none were passed or $LISTEN_PID is another process.
/// EINVAL when $LISTEN_FDS or $LISTEN_PID is not a number. Reads the environment: call it at
/// start-up on one thread.
[[nodiscard]] result<std::vector<int>> take_inherited_sockets();

/// Whether `fd` is a listening TCP (stream) socket; made non-blocking when it is (as shards need).
/// EBADF/ENOTSOCK from the kernel; EINVAL when it is a socket that is not listening or not a stream.
[[nodiscard]] result<void> adopt_listening_socket(int fd);

} // namespace corio::net
