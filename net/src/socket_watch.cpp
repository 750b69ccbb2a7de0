// SPDX-License-Identifier: MIT
#include <corio/net/socket_watch.hpp>

#include <poll.h>

#include <bit>

#include <corio/core/log.hpp>

namespace corio::net {

void socket_watch::set_fd(int fd) noexcept {
    for (std::uint8_t& tag : _tag) {
        // The cancelled poll still completes (-ECANCELED, or its events if it raced): its tag is
        // no longer current, so on_completion drops it.
        if (tag != no_tag) _loop.cancel(_fd, make_user_data(this, tag));
        tag = no_tag;
    }
    _fd = fd < 0 ? -1 : fd;
}

void socket_watch::arm(direction d) noexcept {
    std::uint8_t& tag = _tag[static_cast<unsigned>(d)];
    if (tag != no_tag || _fd < 0) return;
    // A tag not used by any poll still in the ring: eight tags leave room for three generations of
    // cancelled polls per direction, and a cancelled poll completes within a loop turn or two.
    const unsigned free_tags = ~static_cast<unsigned>(_in_ring) & 0xffU;
    if (free_tags == 0) {
        fatal("socket_watch has eight polls in the ring; a watched descriptor changes faster than the ring "
              "completes cancellations");
    }
    tag = static_cast<std::uint8_t>(std::countr_zero(free_tags));
    _in_ring = static_cast<std::uint8_t>(_in_ring | (1U << tag));
    _loop.poll(_fd, d == direction::read ? POLLIN : POLLOUT, make_user_data(this, tag));
}

void socket_watch::on_completion(unsigned op, int result, std::uint32_t) {
    _in_ring = static_cast<std::uint8_t>(_in_ring & ~(1U << op));
    for (unsigned d = 0; d < 2; ++d) {
        if (_tag[d] != op) continue;
        _tag[d] = no_tag;
        _on_ready(_context, static_cast<direction>(d), result);
        return;
    }
}

} // namespace corio::net
