// SPDX-License-Identifier: MIT
// The kvstore example's routes on 2 shards over loopback: every operation answered whichever shard
// holds the connection and whichever owns the key (so through submit_to), values longer than the
// small-string buffer and of 1 MiB intact, and many clients at once writing and reading keys that
// live on both shards (the cross-shard path under ASan and TSan).
#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "kvstore.hpp"
#include "loopback_client.hpp"

namespace {

using corio::test::loopback_client;
using corio::test::reply;
using corio::test::served;

std::string put(std::string_view key, std::string_view value) {
    return fmt::format("PUT /kv/{} HTTP/1.1\r\nHost: loopback\r\nContent-Length: {}\r\n\r\n{}", key, value.size(),
                       value);
}

std::string get(std::string_view key) {
    return fmt::format("GET /kv/{} HTTP/1.1\r\nHost: loopback\r\n\r\n", key);
}

std::string del(std::string_view key) {
    return fmt::format("DELETE /kv/{} HTTP/1.1\r\nHost: loopback\r\n\r\n", key);
}

std::string form(std::string_view body) {
    return fmt::format("POST /kv HTTP/1.1\r\nHost: loopback\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       "Content-Length: {}\r\n\r\n{}",
                       body.size(), body);
}

// A value of `size` bytes that differs for every key.
std::string value_for(std::string_view key, std::size_t size) {
    std::string v;
    v.reserve(size);
    while (v.size() < size)
        v.append(key).push_back('|');
    v.resize(size);
    return v;
}

struct kv_server {
    kv_server() : s(corio::test::loopback_config(), 2, routes(store)) {}
    static corio::http::router routes(kvstore::store& store) {
        corio::http::router r;
        kvstore::add_routes(r, store);
        return r;
    }
    kvstore::store store; // outlives the runtime inside `s` (declared first, destroyed last)
    served s;
};

TEST(kvstore, put_get_replace_delete_on_either_shard) {
    kv_server kv;
    CORIO_START_OR_SKIP(kv.s.rt, kv.s.srv);
    loopback_client client(kv.s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    // Twenty keys: whatever shard holds this connection, some keys live on the other one.
    for (int i = 0; i < 20; ++i) {
        const std::string key = "key" + std::to_string(i);
        const std::string value = value_for(key, 40); // longer than the small-string buffer
        ASSERT_TRUE(client.roundtrip(get(key), r)) << client.error();
        EXPECT_EQ(r.status, 404);
        ASSERT_TRUE(client.roundtrip(put(key, value), r)) << client.error();
        EXPECT_EQ(r.status, 201);
        ASSERT_TRUE(client.roundtrip(get(key), r)) << client.error();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, value);
        ASSERT_TRUE(client.roundtrip(put(key, "second"), r)) << client.error();
        EXPECT_EQ(r.status, 204);
        ASSERT_TRUE(client.roundtrip(get(key), r)) << client.error();
        EXPECT_EQ(r.body, "second");
        ASSERT_TRUE(client.roundtrip(del(key), r)) << client.error();
        EXPECT_EQ(r.status, 204);
        ASSERT_TRUE(client.roundtrip(del(key), r)) << client.error();
        EXPECT_EQ(r.status, 404);
    }
    // The classic form post, percent-decoded ('+' is a space), and its refusals.
    ASSERT_TRUE(client.roundtrip(form("my%20key=hello+world%21%26"), r)) << client.error();
    EXPECT_EQ(r.status, 201);
    ASSERT_TRUE(client.roundtrip(get("my%20key"), r)) << client.error();
    EXPECT_EQ(r.body, "hello world!&");
    ASSERT_TRUE(client.roundtrip(form("novalue"), r)) << client.error();
    EXPECT_EQ(r.status, 400);
    ASSERT_TRUE(client.roundtrip(form("bad%2=x"), r)) << client.error();
    EXPECT_EQ(r.status, 400);
    ASSERT_TRUE(client.roundtrip(get("bad%zz"), r)) << client.error();
    EXPECT_EQ(r.status, 400);
    corio::test::stop_and_join(kv.s.rt);
}

TEST(kvstore, one_mebibyte_values_round_trip_and_larger_are_refused) {
    kv_server kv;
    CORIO_START_OR_SKIP(kv.s.rt, kv.s.srv);
    loopback_client client(kv.s.port(), 10000, (1 << 20) + 4096);
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    for (const std::string key : {"big-a", "big-b", "big-c"}) { // on both shards whichever holds us
        const std::string value = value_for(key, 1 << 20);
        ASSERT_TRUE(client.roundtrip(put(key, value), r)) << client.error();
        EXPECT_EQ(r.status, 201);
        ASSERT_TRUE(client.roundtrip(get(key), r)) << client.error();
        EXPECT_EQ(r.status, 200);
        EXPECT_TRUE(r.body == value) << "a 1 MiB value came back changed for " << key;
    }
    ASSERT_TRUE(client.roundtrip(put("big-d", std::string((1 << 20) + 1, 'x')), r)) << client.error();
    EXPECT_EQ(r.status, 413);
    corio::test::stop_and_join(kv.s.rt);
}

TEST(kvstore, many_clients_at_once_see_every_value) {
    kv_server kv;
    CORIO_START_OR_SKIP(kv.s.rt, kv.s.srv);
    constexpr int clients = 8;
    constexpr int keys_each = 60;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            loopback_client client(kv.s.port());
            if (!client.connected()) {
                ++wrong;
                return;
            }
            reply r;
            for (int i = 0; i < keys_each; ++i) {
                const std::string key = fmt::format("c{}-k{}", c, i);
                if (!client.roundtrip(put(key, value_for(key, 16 + static_cast<std::size_t>(i) * 7)), r) ||
                    r.status != 201)
                    ++wrong;
            }
            // Pipelined reads: the answers come back in order even though the keys live on both shards.
            std::string batch;
            for (int i = 0; i < keys_each; ++i)
                batch += get(fmt::format("c{}-k{}", c, i));
            if (!client.send_all(batch)) ++wrong;
            for (int i = 0; i < keys_each; ++i) {
                const std::string key = fmt::format("c{}-k{}", c, i);
                if (!client.read_response(r) || r.status != 200 ||
                    r.body != value_for(key, 16 + static_cast<std::size_t>(i) * 7))
                    ++wrong;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(wrong.load(), 0);

    loopback_client client(kv.s.port());
    ASSERT_TRUE(client.connected()) << client.error();
    reply r;
    ASSERT_TRUE(client.roundtrip("GET /debug/shards HTTP/1.1\r\nHost: loopback\r\n\r\n", r)) << client.error();
    ASSERT_EQ(r.status, 200);
    unsigned shard0 = 0;
    unsigned shard1 = 0;
    ASSERT_EQ(std::sscanf(std::string(r.body).c_str(), "shard 0 keys %u\nshard 1 keys %u", &shard0, &shard1), 2)
        << r.body;
    EXPECT_EQ(shard0 + shard1, static_cast<unsigned>(clients * keys_each));
    EXPECT_GT(shard0, 0U);
    EXPECT_GT(shard1, 0U);
    corio::test::stop_and_join(kv.s.rt);
}

} // namespace
