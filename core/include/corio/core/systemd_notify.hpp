// SPDX-License-Identifier: MIT
// systemd_notify: the service manager's readiness protocol (sd_notify(3)) for units of
// Type=notify: one datagram of "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET
// (a path, or an abstract name written with a leading '@'), and the watchdog interval systemd
// passes in $WATCHDOG_USEC. runtime::wait_for_signal() speaks it for a service: READY=1 once
// every shard listens, WATCHDOG=1 at half the interval while the service is live, STOPPING=1 when
// the drain starts. Without $NOTIFY_SOCKET every call does nothing.
//
// Our own few lines rather than libsystemd's sd_notify(): the protocol is a documented, stable
// datagram, and linking libsystemd (libsystemd-dev) would add a shared-library dependency, with
// its own dependencies, to every corio binary for the sake of one sendto().
#pragma once

#include <cstdint>
#include <string_view>

#include <corio/core/result.hpp>

namespace corio {

/// Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...", several separated by '\n')
/// to $NOTIFY_SOCKET. Returns true when sent, false when $NOTIFY_SOCKET is unset or empty (not
/// started by systemd, or the unit is not Type=notify); an error names what failed (EAFNOSUPPORT
/// for a socket kind other than AF_UNIX, such as vsock:, ENAMETOOLONG, or sendto()'s errno).
/// Reads the environment: call it from one thread at a time, never racing setenv().
[[nodiscard]] result<bool> systemd_notify(std::string_view state);

/// The watchdog interval systemd asks for ($WATCHDOG_USEC, when $WATCHDOG_PID is unset or is
/// this process) in milliseconds, at least 1; 0 when there is none. WATCHDOG=1 is due at half of it.
std::uint64_t systemd_watchdog_ms();

} // namespace corio
