#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::registry {

// One grant of a token, as in the Docker token spec: {"type","name","actions"}.
struct TokenAccess {
  std::string type;
  std::string name;
  std::vector<std::string> actions;
};

struct TokenClaims {
  std::string issuer;     // iss
  std::string subject;    // sub: the account, "" for anonymous
  std::string audience;   // aud: the service (realm)
  std::string id;         // jti
  int64_t issuedAt = 0;   // iat, seconds since the epoch
  int64_t notBefore = 0;  // nbf
  int64_t expiresAt = 0;  // exp
  std::vector<TokenAccess> access;
};

// What a token must match to be accepted.
struct TokenExpectations {
  std::string issuer;
  std::string audience;
  int64_t now = 0;  // seconds since the epoch
};

// JWTs signed with HMAC-SHA256 (header.payload.signature, base64url without padding). Only
// "alg":"HS256" verifies: a token cannot pick a weaker algorithm. Immutable: thread-safe.
class TokenSigner {
 public:
  explicit TokenSigner(std::string key) : key_(std::move(key)) {}

  std::string sign(const TokenClaims& claims) const;
  // Unauthenticated errors say why ("token expired", "invalid token signature", ...).
  common::Result<TokenClaims> verify(std::string_view token,
                                     const TokenExpectations& expected) const;

 private:
  std::string mac(std::string_view signingInput) const;

  std::string key_;
};

}  // namespace berth::registry
