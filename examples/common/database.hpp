// SPDX-License-Identifier: MIT
// database: what the example servers that query PostgreSQL share: the flags that configure their
// corio::pg::pool (--db URL, --db-connections N) and the default database, which is the throwaway
// cluster of toolchains/pgtest.sh unless CORIO_PG_URL names another.
#pragma once

#include <string>
#include <vector>

#include <corio/pg/pool.hpp>

#include "options.hpp"

namespace corio::examples {

/// $CORIO_PG_URL if set, else the url file of `toolchains/pgtest.sh start` (in its default state
/// directory, ${TMPDIR:-/tmp}/corio-pgtest), else "".
std::string default_database_url();

/// --db URL (a postgresql:// URL or libpq conninfo) and --db-connections N (per shard), stored into `pool`.
std::vector<extra_flag> database_flags(corio::pg::pool_config& pool);

/// The message for a server started without a database: how to name one or start the throwaway one.
inline constexpr const char* no_database_help =
    "no database: give --db URL, set CORIO_PG_URL, or start the throwaway one with `bash toolchains/pgtest.sh start`";

} // namespace corio::examples
