// SPDX-License-Identifier: MIT
// run_on_shards: runs a coroutine test body on shard 0 of a real runtime (other shards idle, ready
// for cross-shard calls) and stops the runtime when the body ends; skips without io_uring.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <corio/core/runtime.hpp>
#include <corio/core/shard.hpp>
#include <corio/core/task.hpp>

namespace corio::test {

/// The calling shard's id.
inline unsigned here() {
    return corio::shard::current()->id();
}

// Runs `body` on shard 0 of a runtime with `config`, then stops the runtime.
class body_service final : public corio::service {
public:
    body_service(std::function<corio::task<void>()> body, corio::runtime& rt) : _body(std::move(body)), _rt(rt) {}
    corio::result<void> start(corio::shard& s) override {
        if (s.id() == 0) corio::spawn(run());
        return {};
    }
    void stop(corio::shard&) override {}
    std::atomic<bool> finished{false};

private:
    corio::task<void> run() {
        try {
            co_await _body();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the test body threw: " << e.what();
        }
        finished.store(true);
        _rt.stop();
    }
    std::function<corio::task<void>()> _body;
    corio::runtime& _rt;
};

inline void run_on_shards(corio::runtime_config config, std::function<corio::task<void>()> body) {
    config.pin = false;
    corio::runtime rt(config);
    body_service service(std::move(body), rt);
    if (auto started = rt.start(service); !started) {
        if (rt.error_message().find("io_uring") != std::string::npos) GTEST_SKIP() << rt.error_message();
        FAIL() << rt.error_message();
    }
    for (int i = 0; i < 6000 && !service.finished.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(service.finished.load()) << "the test body did not finish within 60 s";
    rt.stop();
    rt.join();
}

/// A runtime of `n` shards with small receive rings.
inline corio::runtime_config small_shards(unsigned n) {
    corio::runtime_config config;
    config.shards = n;
    config.recv_buffers = 16;
    return config;
}

} // namespace corio::test
