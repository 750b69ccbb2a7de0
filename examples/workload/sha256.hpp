// SPDX-License-Identifier: MIT
// sha256: SHA-256 over OpenSSL's libcrypto (EVP), with the digest fetched once per process and a
// digest context per thread (per shard) reused from call to call: hashing allocates nothing after
// a thread's first call. No OpenSSL type appears here.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace workload {

/// A SHA-256 digest.
using sha256_digest = std::array<unsigned char, 32>;

/// Hashes `data` into `out`; false only when libcrypto fails (out of memory, no SHA-256 provider).
[[nodiscard]] bool sha256(std::string_view data, sha256_digest& out) noexcept;

/// Writes `digest` as 64 lower-case hex digits into `out`.
void to_hex(const sha256_digest& digest, std::array<char, 64>& out) noexcept;

} // namespace workload
