#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace berth::registry {

// One challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="..."`.
struct AuthChallenge {
  std::string scheme;                                       // as sent; compare case-insensitively
  std::vector<std::pair<std::string, std::string>> params;  // names lower-cased, in order
  std::string token68;                                      // the rare `Scheme token68` form

  // The value of a parameter, "" when absent.
  std::string param(std::string_view name) const;
  bool isScheme(std::string_view name) const;
};

inline constexpr size_t kMaxChallengeHeaderBytes = 16 * 1024;

// Parses a header value that may hold several challenges (RFC 7235 section 4.1):
// `Basic realm="a", Bearer realm="b",scope="x"`. Quoted strings may contain escaped quotes and
// commas. Malformed input is InvalidArgument; it comes from upstream registries we do not trust.
common::Result<std::vector<AuthChallenge>> parseWwwAuthenticate(std::string_view header);

// `Scheme name="value",name="value"`, quoting and escaping every value.
std::string formatChallenge(const AuthChallenge& challenge);

}  // namespace berth::registry
