// SPDX-License-Identifier: MIT
// The test database itself (tests/pg_cluster.hpp, toolchains/pgtest.sh), through libpq's blocking API:
// TechEmpower's tables with their exact contents, SCRAM required of benchmarkdbuser (a wrong password is
// an authentication error), benchmarkdbuser allowed to end its own sessions (the pool fault tests do),
// and pause/resume as the fault tests use them.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "pg_cluster.hpp"

namespace {

using connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using result = std::unique_ptr<PGresult, decltype(&PQclear)>;

connection connect(const std::string& conninfo) {
    return {PQconnectdb(conninfo.c_str()), &PQfinish};
}

// The single value of a one-row query, or the error message prefixed with "error: ".
std::string value(PGconn* conn, const char* sql) {
    result res(PQexec(conn, sql), &PQclear);
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) return std::string("error: ") + PQerrorMessage(conn);
    if (PQntuples(res.get()) != 1 || PQnfields(res.get()) != 1) return "error: not one value";
    return PQgetvalue(res.get(), 0, 0);
}

class pg_cluster : public testing::Test {
protected:
    void SetUp() override {
        auto url = corio::test::database_url();
        if (!url) GTEST_SKIP() << corio::test::no_database_reason();
        _url = std::move(*url);
    }
    std::string _url;
};

TEST_F(pg_cluster, has_techempowers_tables) {
    auto conn = connect(_url);
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    EXPECT_EQ(value(conn.get(), "select count(*) from world"), "10000");
    EXPECT_EQ(value(conn.get(), "select count(*) from world where id between 1 and 10000"), "10000");
    EXPECT_EQ(value(conn.get(), "select count(*) from world where randomnumber between 1 and 10000"), "10000");
    EXPECT_EQ(value(conn.get(), "select count(*) from fortune"), "12");
    EXPECT_EQ(value(conn.get(), "select message from fortune where id = 11"),
              "<script>alert(\"This should not be displayed in a browser alert box.\");</script>");
    EXPECT_EQ(value(conn.get(), "select message from fortune where id = 12"),
              "\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af");
    EXPECT_EQ(value(conn.get(), "select pg_encoding_to_char(encoding) from pg_database where datname = "
                                "current_database()"),
              "UTF8");
    // benchmarkdbuser owns both tables: the updates test writes World.
    EXPECT_EQ(value(conn.get(), "select count(*) from pg_tables where tablename in ('world', 'fortune') and "
                                "tableowner = current_user"),
              "2");
}

TEST_F(pg_cluster, requires_scram) {
    auto wrong = _url;
    auto at = wrong.find(":benchmarkdbpass@");
    if (at == std::string::npos) GTEST_SKIP() << "CORIO_PG_URL is not TechEmpower's benchmarkdbuser URL";
    wrong.replace(at, 17, ":wrong-password@");
    auto conn = connect(wrong);
    EXPECT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("password authentication failed"), std::string::npos)
        << PQerrorMessage(conn.get());

    auto admin_conninfo = corio::test::admin_conninfo();
    if (!admin_conninfo) GTEST_SKIP() << "not the throwaway cluster: its settings are not checked";
    auto admin = connect(*admin_conninfo);
    ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK) << PQerrorMessage(admin.get());
    EXPECT_EQ(value(admin.get(), "select left(rolpassword, 14) from pg_authid where rolname = 'benchmarkdbuser'"),
              "SCRAM-SHA-256$");
    // Every rule that can admit benchmarkdbuser (all but the admin's socket line) asks for SCRAM.
    EXPECT_EQ(value(admin.get(), "select string_agg(distinct auth_method, ',') from pg_hba_file_rules "
                                 "where user_name <> '{postgres}'"),
              "scram-sha-256");
    EXPECT_EQ(value(admin.get(), "show listen_addresses"), "127.0.0.1");
}

TEST_F(pg_cluster, user_terminates_its_own_sessions) {
    auto victim = connect(_url);
    auto killer = connect(_url);
    ASSERT_EQ(PQstatus(victim.get()), CONNECTION_OK) << PQerrorMessage(victim.get());
    ASSERT_EQ(PQstatus(killer.get()), CONNECTION_OK) << PQerrorMessage(killer.get());
    std::string pid = std::to_string(PQbackendPID(victim.get()));
    EXPECT_EQ(value(killer.get(), ("select pg_terminate_backend(" + pid + ")").c_str()), "t");
    EXPECT_EQ(value(victim.get(), "select 1").rfind("error: ", 0), 0u);
    EXPECT_EQ(PQstatus(victim.get()), CONNECTION_BAD);
}

TEST_F(pg_cluster, pause_and_resume_functions) {
    if (!corio::test::database_is_throwaway()) GTEST_SKIP() << "CORIO_PG_URL names a database pgtest.sh does not run";
    ASSERT_TRUE(corio::test::pause_database());
    ASSERT_TRUE(corio::test::pause_database()) << "pausing twice is harmless";
    ASSERT_TRUE(corio::test::resume_database());
    ASSERT_TRUE(corio::test::resume_database()) << "resuming a running cluster is harmless";
    auto conn = connect(_url);
    EXPECT_EQ(value(conn.get(), "select count(*) from fortune"), "12");
}

TEST_F(pg_cluster, pauses_and_resumes) {
    if (!corio::test::database_is_throwaway()) GTEST_SKIP() << "CORIO_PG_URL names a database pgtest.sh does not run";
    auto before = connect(_url);
    ASSERT_EQ(PQstatus(before.get()), CONNECTION_OK) << PQerrorMessage(before.get());
    {
        corio::test::paused_database paused;
        ASSERT_TRUE(paused.paused());
        EXPECT_EQ(value(before.get(), "select 1").rfind("error: ", 0), 0u);
        auto refused = connect(_url);
        EXPECT_EQ(PQstatus(refused.get()), CONNECTION_BAD);
        EXPECT_NE(std::string(PQerrorMessage(refused.get())).find("Connection refused"), std::string::npos)
            << PQerrorMessage(refused.get());
    }
    auto after = connect(_url);
    ASSERT_EQ(PQstatus(after.get()), CONNECTION_OK) << PQerrorMessage(after.get());
    EXPECT_EQ(value(after.get(), "select count(*) from world"), "10000");
}

} // namespace
