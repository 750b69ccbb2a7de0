// SPDX-License-Identifier: MIT
// pg_cluster: the PostgreSQL that database tests use. ctest's fixture "postgres"
// (tests/pg_cluster.cmake) starts a throwaway cluster with toolchains/pgtest.sh and hands its state
// directory to the tests that corio_pg_tests() registers, as CORIO_PGTEST_DIR; CORIO_PG_URL names
// another database instead. A test that needs the database starts with
//
//     auto url = corio::test::database_url();
//     if (!url) GTEST_SKIP() << corio::test::no_database_reason();
//
// and fault tests stop and restart the cluster with pause_database() / resume_database(), or a
// paused_database for a scope (registered with corio_pg_tests(PAUSES ...), they run alone). In
// cross builds there is never a database (no PostgreSQL in the arm64 VM): such tests skip, and the
// VM runner reports the skip as exit code 77.
#pragma once

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace corio::test {

/// The database's libpq URL: $CORIO_PG_URL when set, else the url file of $CORIO_PGTEST_DIR (TechEmpower's
/// hello_world as benchmarkdbuser over 127.0.0.1); nothing when neither is there, and always nothing in
/// cross builds.
std::optional<std::string> database_url();

/// Why database_url() gives nothing, in words for GTEST_SKIP().
std::string no_database_reason();

/// A superuser conninfo over the cluster's Unix socket (the admin file of $CORIO_PGTEST_DIR); nothing
/// when the database is not the throwaway cluster (see database_is_throwaway()).
std::optional<std::string> admin_conninfo();

/// Whether database_url() is the cluster of $CORIO_PGTEST_DIR, which pause_database() controls, rather than a
/// database of your own named by CORIO_PG_URL. Fault tests skip when it is not.
bool database_is_throwaway();

/// Stops the throwaway cluster (pgtest.sh pause; fast shutdown): open connections break, new ones are
/// refused, until resume_database(). Blocks until the server has exited.
testing::AssertionResult pause_database();

/// Starts the paused cluster again on the same port (pgtest.sh resume); returns when it accepts connections.
testing::AssertionResult resume_database();

/// Pauses the throwaway cluster for its own lifetime: the destructor resumes it (a failure to resume is a test
/// failure), so the tests after a fault test whose assertion returned early still find the database up.
class paused_database {
public:
    paused_database() : _paused(pause_database()) {}
    paused_database(const paused_database&) = delete;
    paused_database& operator=(const paused_database&) = delete;
    ~paused_database() {
        if (_paused) {
            EXPECT_TRUE(resume());
        }
    }

    /// Whether the pause worked (and why not): `ASSERT_TRUE(paused.paused())`.
    const testing::AssertionResult& paused() const { return _paused; }

    /// Resumes now rather than at the end of the scope.
    testing::AssertionResult resume() {
        if (!_paused) return testing::AssertionSuccess();
        _paused = testing::AssertionFailure() << "resumed";
        return resume_database();
    }

private:
    testing::AssertionResult _paused;
};

} // namespace corio::test
