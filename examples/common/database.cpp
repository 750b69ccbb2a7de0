// SPDX-License-Identifier: MIT
#include "database.hpp"

#include <cstdlib>
#include <fstream>
#include <string_view>

namespace corio::examples {

std::string default_database_url() {
    if (const char* url = std::getenv("CORIO_PG_URL"); url != nullptr && *url != '\0') return url;
    const char* tmp = std::getenv("TMPDIR");
    std::ifstream file(std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/corio-pgtest/url");
    std::string url;
    std::getline(file, url);
    return url;
}

std::vector<extra_flag> database_flags(corio::pg::pool_config& pool) {
    std::vector<extra_flag> flags;
    flags.push_back({"--db", "URL",
                     "the database: a postgresql:// URL or libpq conninfo (default: $CORIO_PG_URL, else the cluster "
                     "of toolchains/pgtest.sh)",
                     [&pool](std::string_view v) {
                         if (v.empty()) return false;
                         pool.conninfo = std::string(v);
                         return true;
                     }});
    flags.push_back({"--db-connections", "N",
                     "database connections per shard (default " + std::to_string(pool.connections_per_shard) + ")",
                     [&pool](std::string_view v) {
                         unsigned long long n = 0;
                         if (!parse_number(v, 1000, n) || n == 0) return false;
                         pool.connections_per_shard = static_cast<unsigned>(n);
                         return true;
                     }});
    return flags;
}

} // namespace corio::examples
