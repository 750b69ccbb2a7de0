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
    std::string temporary;
    const int fd = open_output_temporary(flag, path, temporary, error);
    if (fd < 0) return false;
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
    if (close(fd) != 0 && err == 0) err = errno;
    return publish_output_temporary(flag, path, temporary, err != 0 ? std::strerror(err) : nullptr, error);
}

int open_output_temporary(std::string_view flag, const std::string& path, std::string& temporary, std::string& error) {
    // In the same directory, so that the rename cannot cross file systems.
    temporary = path + ".XXXXXX";
    const int fd = mkstemp(temporary.data());
    if (fd < 0) error = fmt::format("{} {}: cannot write it ({})", flag, path, std::strerror(errno));
    return fd;
}

bool publish_output_temporary(std::string_view flag, const std::string& path, const std::string& temporary,
                              const char* failure, std::string& error) {
    if (failure == nullptr) {
        // mkstemp makes the file 0600; a result file is as readable as any other the user writes.
        const mode_t mask = umask(0);
        umask(mask);
        if (chmod(temporary.c_str(), 0666 & ~mask) == 0 && std::rename(temporary.c_str(), path.c_str()) == 0) {
            return true;
        }
        failure = std::strerror(errno);
    }
    unlink(temporary.c_str());
    error = fmt::format("{} {}: writing it failed ({})", flag, path, failure);
    return false;
}

} // namespace corio::load
