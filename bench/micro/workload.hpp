// SPDX-License-Identifier: MIT
// workload: one named operation of the HTTP path (parse, route, serialize, a whole request through
// the connection), set up once and then run many times. The Google Benchmark program and the
// callgrind driver run the same workloads, so ns/request and instructions/request describe the
// same code.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace corio::bench {

/// One operation under measurement; construction does the set-up, run() the measured work.
class workload {
public:
    virtual ~workload() = default;
    /// Runs the operation once; returns how many requests (or JSON items) it handled.
    virtual std::size_t run() = 0;
};

/// A workload's name ("parse/plaintext", ...) and its factory (null result: cannot run here).
struct workload_entry {
    std::string_view name;
    std::unique_ptr<workload> (*make)();
};

/// Every workload, in report order.
std::span<const workload_entry> workloads() noexcept;

/// The request parser workloads: one request, 16 pipelined.
std::unique_ptr<workload> make_parse_plaintext();
/// 16 pipelined requests parsed one after another from one buffer.
std::unique_ptr<workload> make_parse_pipelined16();
/// Router lookup of a known path in a TechEmpower-sized table.
std::unique_ptr<workload> make_route_hit();
/// Router lookup of an unknown path (the 404 path).
std::unique_ptr<workload> make_route_miss();
/// A plaintext response built and serialized into a connection's output.
std::unique_ptr<workload> make_response_plaintext();
/// A JSON response built (json_writer) and serialized into a connection's output.
std::unique_ptr<workload> make_response_json();
/// json_writer: {"message":"Hello, World!"}.
std::unique_ptr<workload> make_json_message();
/// json_writer: an array of 20 {"id":n,"randomNumber":m} objects (TechEmpower queries=20).
std::unique_ptr<workload> make_json_worlds20();
/// One plaintext request through the server's connection code, from memory.
std::unique_ptr<workload> make_connection_plaintext();
/// 16 pipelined plaintext requests in one receive through the server's connection code.
std::unique_ptr<workload> make_connection_pipelined16();
/// One JSON request through the server's connection code, from memory.
std::unique_ptr<workload> make_connection_json();

} // namespace corio::bench
