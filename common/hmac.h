#pragma once

#include <string>
#include <string_view>

namespace berth::common {

// HMAC-SHA256 of `data` under `key`, as raw bytes: the one MAC Berth computes (bearer tokens,
// S3 request signatures).
std::string hmacSha256(std::string_view key, std::string_view data);

}  // namespace berth::common
