// SPDX-License-Identifier: MIT
// output_file: how corio-load writes a result file (JSON, interval log, merged result, picture): into
// a temporary file beside it, then renamed over it, so that a reader, or a run that fails half-way,
// never finds a half-written file under the name asked for.
#pragma once

#include <string>
#include <string_view>

namespace corio::load {

/// Writes `text` to `path` through a temporary file and a rename. False with `error` naming `flag`
/// (e.g. "--json"), the path and the reason; the temporary file is then removed.
bool write_output_file(std::string_view flag, const std::string& path, std::string_view text, std::string& error);

/// The two halves of write_output_file(), for a file that another process writes (gnuplot's
/// picture). Opens an empty temporary file beside `path` and returns its descriptor (the caller
/// closes it), its name in `temporary`; -1 with `error` naming `flag` and `path`.
int open_output_temporary(std::string_view flag, const std::string& path, std::string& temporary, std::string& error);

/// Renames `temporary` over `path` with the permissions of any file the user writes, unless
/// `failure` (why writing it failed) is set: then, or when the rename fails, removes it and returns
/// false with `error` naming `flag`, `path` and the reason.
bool publish_output_temporary(std::string_view flag, const std::string& path, const std::string& temporary,
                              const char* failure, std::string& error);

} // namespace corio::load
