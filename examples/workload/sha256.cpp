// SPDX-License-Identifier: MIT
#include "sha256.hpp"

#include <memory>

#include <openssl/evp.h>

namespace workload {

namespace {

// OpenSSL 3 looks an algorithm up in its provider tables each time EVP_sha256() is passed to an
// init call ("implicit fetch", a locked table lookup); fetching it once avoids that per request.
// The EVP_MD is immutable and shared by every thread.
const EVP_MD* sha256_method() noexcept {
    static EVP_MD* const method = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return method;
}

struct context_deleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

} // namespace

bool sha256(std::string_view data, sha256_digest& out) noexcept {
    thread_local const std::unique_ptr<EVP_MD_CTX, context_deleter> context(EVP_MD_CTX_new());
    const EVP_MD* method = sha256_method();
    if (method == nullptr || context == nullptr) return false;
    unsigned int size = 0;
    return EVP_DigestInit_ex2(context.get(), method, nullptr) == 1 &&
           EVP_DigestUpdate(context.get(), data.data(), data.size()) == 1 &&
           EVP_DigestFinal_ex(context.get(), out.data(), &size) == 1 && size == out.size();
}

void to_hex(const sha256_digest& digest, std::array<char, 64>& out) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < digest.size(); ++i) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0x0f];
    }
}

} // namespace workload
