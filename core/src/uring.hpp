// SPDX-License-Identifier: MIT
// The one header that includes liburing.h: the ring state behind corio::reactor.
#pragma once

#include <liburing.h>

#include <corio/core/reactor.hpp>

namespace corio {

struct reactor::ring_state {
    io_uring ring{};
    unsigned setup_flags = 0;

    /// A free SQE; submits what is queued when the submission queue is full.
    io_uring_sqe* sqe();
};

} // namespace corio
