// SPDX-License-Identifier: MIT
#include <corio/pg/error.hpp>

namespace corio::pg {

namespace {

class pg_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "corio.pg"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::connection_failed:
            return "cannot connect to the PostgreSQL server";
        case errc::authentication_failed:
            return "the PostgreSQL server refused the credentials";
        case errc::server_error:
            return "the PostgreSQL server answered with an error";
        case errc::connection_lost:
            return "the connection to the PostgreSQL server was lost";
        case errc::pool_full:
            return "the PostgreSQL pool's wait queue is full";
        case errc::timed_out:
            return "a PostgreSQL client deadline passed";
        case errc::aborted:
            return "not executed: an earlier statement of the transaction failed";
        case errc::bad_parameter:
            return "a query parameter cannot be sent";
        case errc::type_mismatch:
            return "a column does not convert to the requested type";
        case errc::null_value:
            return "a NULL column was read as a non-optional type";
        case errc::no_such_column:
            return "no such column";
        case errc::transaction_done:
            return "the transaction is no longer active";
        }
        return "unknown corio.pg error";
    }
};

} // namespace

const std::error_category& category() noexcept {
    static const pg_category instance;
    return instance;
}

} // namespace corio::pg
