#pragma once

#include <string>

#include "common/result.h"

namespace berth::registry {

inline constexpr size_t kMinTokenKeyBytes = 32;

// The HMAC key for registry tokens from a file (its bytes, trailing newlines dropped so
// `openssl rand -hex 32 > key` works). Fewer than kMinTokenKeyBytes is an error.
common::Result<std::string> loadTokenKey(const std::string& path);

// A fresh random key: tokens then stop verifying when the process restarts, which only costs
// clients one more token request.
std::string randomTokenKey();

// `bytes` random bytes as lower-case hex, from the OpenSSL CSPRNG.
std::string randomHex(size_t bytes);

}  // namespace berth::registry
