// SPDX-License-Identifier: MIT
#include "reactor_epoll.hpp"

#include <algorithm>
#include <cerrno>
#include <corio/core/log.hpp>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "uring.hpp" // the layout of the provided-buffer ring this backend reads

namespace corio {

static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT && EPOLLPRI == POLLPRI && EPOLLERR == POLLERR &&
                  EPOLLHUP == POLLHUP && EPOLLRDHUP == POLLRDHUP,
              "poll() results are epoll's event bits");

namespace {

// The kinds of request armed on a descriptor, one of each at a time (see fd_state).
enum : std::uint32_t { where_input = 0, where_connect = 1, where_poll = 2 };
// Descriptor numbers past this are refused (EBADF); the table is reserved for RLIMIT_NOFILE.
constexpr int max_fd = 1 << 29;
// epoll_event.data of a waiting send (else: the descriptor number).
constexpr std::uint64_t send_tag = 1ULL << 63;
// Fairness: most system calls one readiness report makes before the loop looks at the others.
constexpr int max_accepts_per_wake = 64;
constexpr int max_recvs_per_wake = 16;
// Readiness reports per epoll_wait. The turn's output is flushed after all of them, and each answer
// sits in a 4 KiB pooled chunk until then: 512 held 2 MiB at once under 10,000 busy connections
// (peak RSS 6.5 MiB, bench/load/peak_rss.sh); 128 hold 512 KiB (5.1 MiB), at one more epoll_wait
// per 128 ready descriptors.
constexpr int max_events = 128;

std::int64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace

// --- request_index ---

namespace detail {

request_index::request_index() : _slots(1024) {}

std::size_t request_index::home(std::uint64_t user_data) const noexcept {
    // user_data is a pointer with a tag: multiply to spread the aligned low bits.
    return static_cast<std::size_t>((user_data * 0x9E3779B97F4A7C15ULL) >> 32) & (_slots.size() - 1);
}

void request_index::grow() {
    std::vector<entry> old(_slots.size() * 2);
    old.swap(_slots);
    _count = 0;
    for (const entry& e : old) {
        if (e.user_data != 0) insert(e.user_data, e.where);
    }
}

void request_index::insert(std::uint64_t user_data, std::uint32_t where) {
    if ((_count + 1) * 4 > _slots.size() * 3) grow(); // at most 3/4 full: short linear probes
    const std::size_t mask = _slots.size() - 1;
    std::size_t i = home(user_data);
    while (_slots[i].user_data != 0)
        i = (i + 1) & mask;
    _slots[i] = {user_data, where};
    ++_count;
}

void request_index::erase(std::uint64_t user_data, std::uint32_t where) noexcept {
    const std::size_t mask = _slots.size() - 1;
    std::size_t i = home(user_data);
    while (_slots[i].user_data != 0 && (_slots[i].user_data != user_data || _slots[i].where != where))
        i = (i + 1) & mask;
    if (_slots[i].user_data == 0) return;
    // Backward shift: pull later entries of the cluster into the hole unless that moves one
    // before its home slot; no tombstones, so lookups stay short however long the index lives.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask; _slots[j].user_data != 0; j = (j + 1) & mask) {
        const std::size_t h = home(_slots[j].user_data);
        if (((j - h) & mask) >= ((j - hole) & mask)) {
            _slots[hole] = _slots[j];
            hole = j;
        }
    }
    _slots[hole] = {};
    --_count;
}

unsigned request_index::find(std::uint64_t user_data, std::uint32_t* out, unsigned max) const noexcept {
    const std::size_t mask = _slots.size() - 1;
    unsigned n = 0;
    for (std::size_t i = home(user_data); _slots[i].user_data != 0 && n < max; i = (i + 1) & mask) {
        if (_slots[i].user_data == user_data) out[n++] = _slots[i].where;
    }
    return n;
}

} // namespace detail

// --- set-up ---

result<std::unique_ptr<reactor::epoll_state>> reactor::epoll_state::create(std::string& error_message) {
    auto e = std::make_unique<epoll_state>();
    e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epoll_fd < 0) {
        error_message = std::string("epoll_create1 failed: ") + std::strerror(errno);
        return last_system_error();
    }
    e->_events.resize(max_events);
    e->_posted.reserve(1024);
    e->_delivering.reserve(1024);
    rlimit files{};
    const std::size_t wanted = getrlimit(RLIMIT_NOFILE, &files) == 0 ? files.rlim_cur : 1024;
    if (!e->reserve_fds(std::clamp<std::size_t>(wanted, 1024, std::size_t{1} << 20))) {
        error_message = std::string("reserving the descriptor table failed: ") + std::strerror(errno);
        return last_system_error();
    }
    return e;
}

reactor::epoll_state::~epoll_state() {
    for (const pending_send& s : _sends) {
        if (s.fd >= 0) ::close(s.fd);
    }
    for (int fd : _slots) {
        if (fd >= 0) ::close(fd);
    }
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (_fds != nullptr) munmap(_fds, _fd_count * sizeof(fd_state));
}

bool reactor::epoll_state::reserve_fds(std::size_t count) noexcept {
    const std::size_t bytes = count * sizeof(fd_state);
    void* p = _fds == nullptr
                  ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                  : mremap(_fds, _fd_count * sizeof(fd_state), bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return false;
    _fds = static_cast<fd_state*>(p);
    _fd_count = count;
    return true;
}

reactor::epoll_state::fd_state& reactor::epoll_state::state(int fd) {
    return _fds[static_cast<std::size_t>(fd)]; // valid_fd() made room
}

bool reactor::epoll_state::valid_fd(int fd, std::uint64_t user_data) {
    if (fd < 0 || fd >= max_fd) {
        post(user_data, -EBADF);
        return false;
    }
    // Past the reservation only when RLIMIT_NOFILE was raised after start-up.
    if (static_cast<std::size_t>(fd) >= _fd_count &&
        !reserve_fds(std::max(_fd_count * 2, static_cast<std::size_t>(fd) + 1))) {
        post(user_data, -ENOMEM);
        return false;
    }
    return true;
}

void reactor::epoll_state::post(std::uint64_t user_data, int result, std::uint32_t flags) {
    if (user_data != 0) _posted.push_back({user_data, result, flags});
}

// --- interest ---

int reactor::epoll_state::update_interest(int fd) noexcept {
    fd_state& s = _fds[static_cast<std::size_t>(fd)];
    std::uint32_t want = 0;
    if (s.in == input::recv || s.in == input::recv_once) want |= EPOLLIN | EPOLLRDHUP;
    if (s.in == input::accept || s.in == input::read) want |= EPOLLIN;
    if (s.out_data != 0) want |= EPOLLOUT;
    if (s.poll_data != 0) want |= s.poll_events & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP);
    if (want == s.registered && !s.unsure) return 0;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = static_cast<std::uint64_t>(fd);
    int op = s.registered == 0 && !s.unsure ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    int ret = epoll_ctl(epoll_fd, op, fd, &ev);
    // What we believed registered may be gone (the descriptor was closed and its number reused),
    // or registered when we believed it gone: either way the other operation says what is true.
    if (ret < 0 && errno == ENOENT && op == EPOLL_CTL_MOD) ret = epoll_ctl(epoll_fd, op = EPOLL_CTL_ADD, fd, &ev);
    if (ret < 0 && errno == EEXIST && op == EPOLL_CTL_ADD) ret = epoll_ctl(epoll_fd, op = EPOLL_CTL_MOD, fd, &ev);
    if (ret < 0 && op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF)) ret = 0;
    if (ret < 0) return -errno;
    s.registered = static_cast<std::uint16_t>(want);
    s.unsure = false;
    return 0;
}

reactor::epoll_state::fd_state& reactor::epoll_state::claim(int fd, std::uint32_t kind, std::uint64_t user_data) {
    fd_state& s = state(fd);
    std::uint64_t& data = data_of(fd, kind);
    if (data != 0) {
        // Still armed: its socket was closed without a cancel and the number reused (or the request
        // is armed twice). Forget the old request, and do not trust what epoll was told: the next
        // update re-registers.
        s.unsure = true;
    }
    data = user_data;
    _fd_end = std::max(_fd_end, static_cast<std::size_t>(fd) + 1);
    return s;
}

void reactor::epoll_state::armed(int fd, std::uint32_t kind, std::uint64_t user_data) {
    if (const int err = update_interest(fd); err < 0) {
        // EBADF, EPERM (a regular file), ENOMEM: the request fails as io_uring's would.
        disarm(fd, kind);
        post(user_data, err);
    }
}

std::uint64_t& reactor::epoll_state::data_of(int fd, std::uint32_t kind) noexcept {
    fd_state& s = _fds[static_cast<std::size_t>(fd)];
    return kind == where_input ? s.in_data : kind == where_connect ? s.out_data : s.poll_data;
}

void reactor::epoll_state::disarm(int fd, std::uint32_t kind) noexcept {
    data_of(fd, kind) = 0;
    if (kind == where_input) _fds[static_cast<std::size_t>(fd)].in = input::none;
    // Deregistered at once: the owner may close the socket right after (epoll would keep a
    // registration alive as long as any duplicate of the socket is open).
    update_interest(fd);
}

// --- operations ---

void reactor::epoll_state::accept_multishot(int fd, std::uint64_t user_data) {
    if (!valid_fd(fd, user_data)) return;
    // A readiness report can be stale (another process on the same port took the connection):
    // accept must not block then.
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || ((fl & O_NONBLOCK) == 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
        post(user_data, -errno);
        return;
    }
    claim(fd, where_input, user_data).in = input::accept;
    armed(fd, where_input, user_data);
}

void reactor::epoll_state::recv_multishot(int fd, std::uint16_t group, std::uint64_t user_data) {
    arm_recv(fd, group, user_data, input::recv);
}

void reactor::epoll_state::recv_once(int fd, std::uint16_t group, std::uint64_t user_data) {
    arm_recv(fd, group, user_data, input::recv_once);
}

void reactor::epoll_state::arm_recv(int fd, std::uint16_t group, std::uint64_t user_data, input kind) {
    if (!valid_fd(fd, user_data)) return;
    if (find_group(group) == nullptr) {
        post(user_data, -ENOENT); // io_uring: no such buffer group
        return;
    }
    fd_state& s = claim(fd, where_input, user_data);
    s.in = kind;
    s.group = group;
    armed(fd, where_input, user_data);
}

void reactor::epoll_state::read(int fd, void* data, std::size_t size, std::uint64_t user_data) {
    if (!valid_fd(fd, user_data)) return;
    claim(fd, where_input, user_data).in = input::read;
    const read_target target{fd, static_cast<std::uint32_t>(std::min<std::size_t>(size, UINT32_MAX)), data};
    if (auto it = std::find_if(_reads.begin(), _reads.end(), [&](const read_target& r) { return r.fd == fd; });
        it != _reads.end()) {
        *it = target;
    } else {
        _reads.push_back(target);
    }
    armed(fd, where_input, user_data);
}

void reactor::epoll_state::poll(int fd, unsigned events, std::uint64_t user_data) {
    if (!valid_fd(fd, user_data)) return;
    claim(fd, where_poll, user_data).poll_events = static_cast<std::uint16_t>(events & 0xffff);
    armed(fd, where_poll, user_data);
}

void reactor::epoll_state::connect(int fd, const sockaddr* address, socklen_t length, std::uint64_t user_data) {
    if (!valid_fd(fd, user_data)) return;
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || ((fl & O_NONBLOCK) == 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
        post(user_data, -errno);
        return;
    }
    int ret = ::connect(fd, address, length);
    while (ret < 0 && errno == EINTR)
        ret = ::connect(fd, address, length);
    if (ret == 0 || errno != EINPROGRESS) {
        post(user_data, ret == 0 ? 0 : -errno);
        return;
    }
    claim(fd, where_connect, user_data);
    armed(fd, where_connect, user_data);
}

void reactor::epoll_state::send(int fd, const void* data, std::size_t size, std::uint64_t user_data, bool all) {
    if (!valid_fd(fd, user_data)) return;
    // Tried at once: the socket usually has room, and then the send costs no readiness round.
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR)
        n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN) {
        post(user_data, -errno);
        return;
    }
    const std::size_t done = n < 0 ? 0 : static_cast<std::size_t>(n);
    if (n >= 0 && (!all || done == size)) {
        post(user_data, static_cast<int>(n));
        return;
    }
    // It has to wait for room: on a duplicate of its own, as io_uring's request holds its own file
    // reference, so that the owner may close the socket meanwhile and the send still ends.
    const int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) {
        post(user_data, done > 0 ? static_cast<int>(done) : -errno);
        return;
    }
    std::uint32_t slot = 0;
    if (_free_sends.empty()) {
        slot = static_cast<std::uint32_t>(_sends.size());
        _sends.emplace_back();
    } else {
        slot = _free_sends.back();
        _free_sends.pop_back();
    }
    _sends[slot] = {dup_fd, static_cast<const char*>(data), size, done, user_data, all};
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = send_tag | slot;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, dup_fd, &ev) < 0) { // ENOMEM, ENOSPC (max_user_watches)
        const int err = errno;
        ::close(dup_fd);
        _sends[slot].fd = -1;
        _free_sends.push_back(slot);
        post(user_data, done > 0 ? static_cast<int>(done) : -err);
        return;
    }
    _sending.insert(user_data, slot);
}

void reactor::epoll_state::timeout_at(const uring_timespec& when, std::uint64_t user_data) {
    _timeouts.push_back({when.tv_sec * 1000000000 + static_cast<std::int64_t>(when.tv_nsec), user_data});
    std::push_heap(_timeouts.begin(), _timeouts.end(),
                   [](const timeout& a, const timeout& b) { return a.at_ns > b.at_ns; });
}

void reactor::epoll_state::cancel(int fd, std::uint64_t user_data) {
    if (fd >= 0 && static_cast<std::size_t>(fd) < _fd_end) {
        for (const std::uint32_t kind : {where_input, where_connect, where_poll}) {
            if (data_of(fd, kind) != user_data) continue;
            disarm(fd, kind);
            post(user_data, -ECANCELED);
        }
    }
    cancel_sends_and_timeouts(user_data);
}

void reactor::epoll_state::cancel(std::uint64_t user_data) {
    // Requests on descriptors are not indexed (an index entry per idle connection would cost more
    // than its state here): without the descriptor, every one in use is looked at.
    for (std::size_t fd = 0; fd < _fd_end; ++fd) {
        for (const std::uint32_t kind : {where_input, where_connect, where_poll}) {
            if (data_of(static_cast<int>(fd), kind) != user_data) continue;
            disarm(static_cast<int>(fd), kind);
            post(user_data, -ECANCELED);
        }
    }
    cancel_sends_and_timeouts(user_data);
}

void reactor::epoll_state::cancel_sends_and_timeouts(std::uint64_t user_data) {
    std::uint32_t found[8];
    const unsigned n = _sending.find(user_data, found, 8);
    for (unsigned i = 0; i < n; ++i) {
        // A send_all cut short reports what went, as io_uring's does.
        const std::size_t done = _sends[found[i]].done;
        post(release_send(found[i]), done > 0 ? static_cast<int>(done) : -ECANCELED);
    }
    const auto later = [](const timeout& a, const timeout& b) { return a.at_ns > b.at_ns; };
    const auto removed =
        std::remove_if(_timeouts.begin(), _timeouts.end(), [&](const timeout& t) { return t.user_data == user_data; });
    if (removed != _timeouts.end()) {
        for (auto it = removed; it != _timeouts.end(); ++it)
            post(user_data, -ECANCELED);
        _timeouts.erase(removed, _timeouts.end());
        std::make_heap(_timeouts.begin(), _timeouts.end(), later);
    }
}

void reactor::epoll_state::end_requests(int fd, bool complete) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= _fd_count) return;
    for (const std::uint32_t kind : {where_input, where_connect, where_poll}) {
        const std::uint64_t data = data_of(fd, kind);
        if (data == 0) continue;
        disarm(fd, kind);
        if (complete) post(data, -ECANCELED);
    }
}

void reactor::epoll_state::close(int fd) {
    // As with io_uring's close, requests still armed on it do not complete: forget them.
    end_requests(fd, false);
    if (fd >= 0) ::close(fd);
}

// --- buffers and the fixed-file table ---

result<void> reactor::epoll_state::register_buffer_ring(void* ring, unsigned entries, std::uint16_t group) {
    if (entries == 0 || (entries & (entries - 1)) != 0 || find_group(group) != nullptr) return system_error(EINVAL);
    _groups.push_back({ring, entries - 1, 0, group});
    return {};
}

void reactor::epoll_state::unregister_buffer_ring(std::uint16_t group) noexcept {
    std::erase_if(_groups, [&](const group_ring& g) { return g.group == group; });
}

result<std::uint16_t> reactor::epoll_state::buffer_ring_head(std::uint16_t group) noexcept {
    const group_ring* g = find_group(group);
    if (g == nullptr) return system_error(ENOENT);
    return g->head;
}

reactor::epoll_state::group_ring* reactor::epoll_state::find_group(std::uint16_t group) noexcept {
    for (group_ring& g : _groups) {
        if (g.group == group) return &g;
    }
    return nullptr;
}

result<void> reactor::epoll_state::register_files(unsigned count) {
    if (_files_registered) return system_error(EBUSY);
    _slots.assign(count, -1);
    _files_registered = true;
    return {};
}

result<void> reactor::epoll_state::update_files(unsigned first, const int* fds, unsigned count) {
    if (!_files_registered) return system_error(ENXIO);
    if (first > _slots.size() || count > _slots.size() - first) return system_error(EINVAL);
    for (unsigned i = 0; i < count; ++i) {
        const int copy = fds[i] < 0 ? -1 : fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
        if (fds[i] >= 0 && copy < 0) return last_system_error();
        int& slot = _slots[first + i];
        if (slot >= 0) {
            // io_uring lets requests on the old socket run to their end; here they end now.
            end_requests(slot, true);
            ::close(slot);
        }
        slot = copy;
    }
    return {};
}

int reactor::epoll_state::slot_fd(fixed_file slot) const noexcept {
    return slot.index < _slots.size() ? _slots[slot.index] : -1;
}

// --- the loop ---

void reactor::run_epoll() {
    epoll_state& poller = *_epoll;
    while (!_stopping) {
        run_turn_hooks();
        if (_stopping) break;
        // The timer wheel's next tick bounds the wait, as the EXT_ARG timeout does on io_uring.
        const int timeout_ms = _poll_next_turn ? 0 : _timers.next_timeout_ms(_now_ms);
        _poll_next_turn = false;
        poller.wait(timeout_ms < 0 ? -1 : std::int64_t{timeout_ms} * 1000000);
        update_clock();
        poller.dispatch(_stopping);
        _timers.advance(_now_ms);
    }
}

std::int64_t reactor::epoll_state::earliest_timeout_ns() const noexcept {
    return _timeouts.empty() ? -1 : _timeouts.front().at_ns;
}

void reactor::epoll_state::wait(std::int64_t timeout_ns) {
    if (!_posted.empty()) timeout_ns = 0;
    if (const std::int64_t at = earliest_timeout_ns(); at >= 0 && timeout_ns != 0) {
        const std::int64_t until = std::max<std::int64_t>(at - monotonic_ns(), 0);
        timeout_ns = timeout_ns < 0 ? until : std::min(timeout_ns, until);
    }
    int n = -1;
    if (_has_pwait2) {
        // Nanoseconds: the load generator paces requests to exact instants (timeout_at).
        timespec ts{};
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        n = epoll_pwait2(epoll_fd, _events.data(), max_events, timeout_ns >= 0 ? &ts : nullptr, nullptr);
        if (n < 0 && errno == ENOSYS) _has_pwait2 = false; // gVisor, old seccomp profiles
    }
    if (!_has_pwait2) {
        const int ms = timeout_ns < 0 ? -1 : static_cast<int>((timeout_ns + 999999) / 1000000);
        n = epoll_wait(epoll_fd, _events.data(), max_events, ms);
    }
    if (n < 0) {
        if (errno != EINTR) {
            fatal(std::string("epoll_wait failed: ") + std::strerror(errno));
        }
        n = 0;
    }
    _ready = n;
}

void reactor::epoll_state::dispatch(const bool& stopping) {
    // Completions posted by the last turn's handlers: a handler posting now waits for the next turn.
    _delivering.swap(_posted);
    for (const completion& c : _delivering) {
        if (stopping) break;
        deliver_completion(c.user_data, c.result, c.flags);
    }
    _delivering.clear();
    for (int i = 0; i < _ready && !stopping; ++i) {
        const epoll_event ev = _events[static_cast<std::size_t>(i)];
        if ((ev.data.u64 & send_tag) != 0) {
            on_send_ready(static_cast<std::uint32_t>(ev.data.u64 & ~send_tag));
        } else {
            on_ready(static_cast<int>(ev.data.u64), ev.events);
        }
    }
    _ready = 0;
    if (!_timeouts.empty()) expire_timeouts(stopping);
}

void reactor::epoll_state::expire_timeouts(const bool& stopping) {
    const auto later = [](const timeout& a, const timeout& b) { return a.at_ns > b.at_ns; };
    const std::int64_t now = monotonic_ns();
    while (!_timeouts.empty() && _timeouts.front().at_ns <= now && !stopping) {
        std::pop_heap(_timeouts.begin(), _timeouts.end(), later);
        const std::uint64_t user_data = _timeouts.back().user_data;
        _timeouts.pop_back();
        deliver_completion(user_data, -ETIME, 0);
    }
}

// Handlers run below may arm, cancel and close anything, this descriptor included, and may grow
// _fds: each step looks the state up again and checks that its request is still the one armed.
// A report that finds nothing to do (a request cancelled meanwhile, data another call took) is
// dropped; the level-triggered registration reports again whatever is still ready.
void reactor::epoll_state::on_ready(int fd, std::uint32_t events) {
    if (static_cast<std::size_t>(fd) >= _fd_count) return;
    if (_fds[static_cast<std::size_t>(fd)].in != input::none &&
        (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0) {
        on_input(fd, events);
    }
    if (const std::uint64_t data = _fds[static_cast<std::size_t>(fd)].out_data;
        data != 0 && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        disarm(fd, where_connect);
        deliver_completion(data, -err, 0);
    }
    const fd_state& s = _fds[static_cast<std::size_t>(fd)];
    if (const std::uint32_t ready = events & (s.poll_events | EPOLLERR | EPOLLHUP); s.poll_data != 0 && ready != 0) {
        const std::uint64_t data = s.poll_data;
        disarm(fd, where_poll);
        deliver_completion(data, static_cast<int>(ready), 0);
    }
}

void reactor::epoll_state::on_input(int fd, std::uint32_t) {
    const auto at = static_cast<std::size_t>(fd);
    const std::uint64_t data = _fds[at].in_data;
    switch (_fds[at].in) {
    case input::none:
        return;
    case input::accept:
        for (int i = 0; i < max_accepts_per_wake && _fds[at].in_data == data; ++i) {
            const int client = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (client >= 0) {
                deliver_completion(data, client, cqe_flags::more);
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            // EMFILE and the like end the multishot accept, as io_uring's does.
            const int err = errno;
            disarm(fd, where_input);
            deliver_completion(data, -err, 0);
            return;
        }
        return;
    case input::read: {
        const auto r = std::find_if(_reads.begin(), _reads.end(), [&](const read_target& t) { return t.fd == fd; });
        if (r == _reads.end()) return; // read() always records one
        const ssize_t n = ::read(fd, r->into, r->size);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return; // not ready after all: stay armed
        const int result = n < 0 ? -errno : static_cast<int>(n);
        disarm(fd, where_input);
        deliver_completion(data, result, 0);
        return;
    }
    case input::recv:
    case input::recv_once:
        break;
    }
    const bool once = _fds[at].in == input::recv_once;
    for (int i = 0; i < max_recvs_per_wake && _fds[at].in_data == data; ++i) {
        group_ring* g = find_group(_fds[at].group);
        auto* ring = g != nullptr ? static_cast<io_uring_buf_ring*>(g->ring) : nullptr;
        // The acquire pairs with buffer_ring's release of the tail, as the kernel's read does.
        if (ring == nullptr || g->head == io_uring_smp_load_acquire(&ring->tail)) {
            // None free: the multishot receive ends with -ENOBUFS and the bytes wait in the socket.
            disarm(fd, where_input);
            deliver_completion(data, ring == nullptr ? -ENOENT : -ENOBUFS, 0);
            return;
        }
        const io_uring_buf& b = ring->bufs[g->head & g->mask];
        const ssize_t n = ::recv(fd, reinterpret_cast<void*>(static_cast<std::uintptr_t>(b.addr)), b.len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return; // a report nothing was behind
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            // The peer's FIN (after all its data) or an error ends the multishot receive.
            const int result = n < 0 ? -errno : 0;
            disarm(fd, where_input);
            deliver_completion(data, result, 0);
            return;
        }
        ++g->head;
        const std::uint32_t flags =
            cqe_flags::buffer | (once ? 0 : cqe_flags::more) | std::uint32_t{b.bid} << cqe_flags::buffer_shift;
        const bool filled = static_cast<std::size_t>(n) == b.len;
        if (once) {
            disarm(fd, where_input);
            deliver_completion(data, static_cast<int>(n), flags);
            return;
        }
        deliver_completion(data, static_cast<int>(n), flags);
        if (!filled) return; // the socket is empty; more data will be reported
    }
}

void reactor::epoll_state::on_send_ready(std::uint32_t slot) {
    if (slot >= _sends.size() || _sends[slot].fd < 0) return;
    pending_send& s = _sends[slot];
    ssize_t n = ::send(s.fd, s.data + s.done, s.size - s.done, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR)
        n = ::send(s.fd, s.data + s.done, s.size - s.done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    const int err = errno;
    if (n > 0) s.done += static_cast<std::size_t>(n);
    if (n >= 0 && s.all && s.done < s.size) return;
    const int result = n < 0 && s.done == 0 ? -err : static_cast<int>(s.done);
    deliver_completion(release_send(slot), result, 0);
}

std::uint64_t reactor::epoll_state::release_send(std::uint32_t slot) noexcept {
    pending_send& s = _sends[slot];
    _sending.erase(s.user_data, slot);
    // Deregistered by hand: epoll drops a registration only when the socket itself is released,
    // not when this duplicate is closed, and the next duplicate may get the same number.
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s.fd, nullptr);
    ::close(s.fd);
    const std::uint64_t data = s.user_data;
    s = {};
    _free_sends.push_back(slot);
    return data;
}

} // namespace corio
