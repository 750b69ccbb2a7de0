// SPDX-License-Identifier: MIT
#include "pg_cluster.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace corio::test {
namespace {

std::optional<std::string> env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

// The first line of $CORIO_PGTEST_DIR/<name>, as pgtest.sh wrote it.
std::optional<std::string> state_file(const char* name) {
    auto dir = env("CORIO_PGTEST_DIR");
    if (!dir) return std::nullopt;
    std::ifstream in(*dir + "/" + name);
    std::string line;
    if (!std::getline(in, line) || line.empty()) return std::nullopt;
    return line;
}

// Runs pgtest.sh VERB $CORIO_PGTEST_DIR; the script's own messages go into a failure.
testing::AssertionResult pgtest(const char* verb) {
#ifdef CORIO_PGTEST_NO_SERVER
    return testing::AssertionFailure() << "pgtest.sh " << verb << ": no PostgreSQL in the arm64 VM";
#else
    if (!database_is_throwaway()) {
        return testing::AssertionFailure()
               << "pgtest.sh " << verb << ": the database is not the throwaway cluster of CORIO_PGTEST_DIR";
    }
    // Single quotes keep the directory one word for the shell; a quote inside it is closed, escaped, reopened.
    std::string dir;
    for (char c : env("CORIO_PGTEST_DIR").value_or("")) {
        dir += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    std::string command = std::string("bash '") + CORIO_PGTEST_SCRIPT + "' " + verb + " '" + dir + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) return testing::AssertionFailure() << "cannot run " << command;
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr)
        output += buffer;
    int status = pclose(pipe.release());
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return testing::AssertionFailure() << command << " failed:\n" << output;
    }
    return testing::AssertionSuccess();
#endif
}

} // namespace

std::optional<std::string> database_url() {
#ifdef CORIO_PGTEST_NO_SERVER
    return std::nullopt;
#else
    if (auto url = env("CORIO_PG_URL")) return url;
    return state_file("url");
#endif
}

std::string no_database_reason() {
#ifdef CORIO_PGTEST_NO_SERVER
    return "no PostgreSQL in the arm64 VM";
#else
    if (auto dir = env("CORIO_PGTEST_DIR")) {
        return "no test database: " + *dir + "/url is missing (toolchains/pgtest.sh start " + *dir + " makes it)";
    }
    return "no test database: run under ctest (its postgres fixture starts one), or `bash toolchains/pgtest.sh "
           "start` and `eval \"$(bash toolchains/pgtest.sh env)\"`, or set CORIO_PG_URL";
#endif
}

bool database_is_throwaway() {
#ifdef CORIO_PGTEST_NO_SERVER
    return false;
#else
    auto own = state_file("url");
    return own && database_url() == own;
#endif
}

std::optional<std::string> admin_conninfo() {
    if (!database_is_throwaway()) return std::nullopt;
    return state_file("admin");
}

testing::AssertionResult pause_database() {
    return pgtest("pause");
}

testing::AssertionResult resume_database() {
    return pgtest("resume");
}

} // namespace corio::test
