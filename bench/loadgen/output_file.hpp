// SPDX-License-Identifier: MIT
// output_file: how corio-load writes a result file (JSON, interval log, merged result): into a
// temporary file beside it, then renamed over it, so that a reader, or a run that fails half-way,
// never finds a half-written file under the name asked for.
#pragma once

#include <string>
#include <string_view>

namespace corio::load {

/// Writes `text` to `path` through a temporary file and a rename. False with `error` naming `flag`
/// (e.g. "--json"), the path and the reason; the temporary file is then removed.
bool write_output_file(std::string_view flag, const std::string& path, std::string_view text, std::string& error);

} // namespace corio::load
