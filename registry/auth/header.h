#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::registry {

// A parsed `Authorization` request header.
struct Credentials {
  enum class Scheme { None, Basic, Bearer };
  Scheme scheme = Scheme::None;
  std::string user;      // Basic
  std::string password;  // Basic
  std::string token;     // Bearer
};

// Longer headers are rejected before any decoding: no credential of ours comes near it.
inline constexpr size_t kMaxAuthorizationBytes = 16 * 1024;

// "" gives Scheme::None. "Basic base64(user:password)" and "Bearer TOKEN" (schemes are
// case-insensitive). Anything else is InvalidArgument with a message safe for the client.
common::Result<Credentials> parseAuthorization(std::string_view header);

}  // namespace berth::registry
