// SPDX-License-Identifier: MIT
#include "output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace corio::load {

bool write_output_file(std::string_view flag, const std::string& path, std::string_view text, std::string& error) {
    // In the same directory, so that the rename cannot cross file systems.
    std::string temporary = path + ".XXXXXX";
    const int fd = mkstemp(temporary.data());
    if (fd < 0) {
        error = fmt::format("{} {}: cannot write it ({})", flag, path, std::strerror(errno));
        return false;
    }
    std::size_t done = 0;
    int err = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    // mkstemp makes the file 0600; a result file is as readable as any other the user writes.
    const mode_t mask = umask(0);
    umask(mask);
    if (err == 0 && fchmod(fd, 0666 & ~mask) != 0) err = errno;
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && std::rename(temporary.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        unlink(temporary.c_str());
        error = fmt::format("{} {}: writing it failed ({})", flag, path, std::strerror(err));
        return false;
    }
    return true;
}

} // namespace corio::load
