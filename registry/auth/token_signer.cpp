#include "registry/auth/token_signer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/hmac.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;
using nlohmann::json;

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Error invalid(const std::string& why) { return Error{ErrorCode::Unauthenticated, why}; }

bool readString(const json& object, const char* name, std::string& out) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool readTime(const json& object, const char* name, int64_t& out) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

// `aud` may be a string or a list of strings (RFC 7519 section 4.1.3).
bool hasAudience(const json& claims, const std::string& audience, std::string& first) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) {
    first = it->get<std::string>();
    return first == audience;
  }
  if (!it->is_array()) return false;
  for (const json& value : *it) {
    if (value.is_string() && value.get<std::string>() == audience) {
      first = audience;
      return true;
    }
  }
  return false;
}

bool readAccess(const json& claims, std::vector<TokenAccess>& out) {
  auto it = claims.find("access");
  if (it == claims.end() || it->is_null()) return true;
  if (!it->is_array()) return false;
  for (const json& entry : *it) {
    if (!entry.is_object()) return false;
    TokenAccess access;
    if (!readString(entry, "type", access.type) || !readString(entry, "name", access.name)) {
      return false;
    }
    auto actions = entry.find("actions");
    if (actions != entry.end() && !actions->is_null()) {
      if (!actions->is_array()) return false;
      for (const json& action : *actions) {
        if (!action.is_string()) return false;
        access.actions.push_back(action.get<std::string>());
      }
    }
    out.push_back(std::move(access));
  }
  return true;
}

// Fills `out` from the payload; `audienceMatches` tells whether `audience` is among "aud".
common::Result<TokenClaims> decodeClaims(const std::string& payload, const std::string& audience,
                                         bool& audienceMatches) {
  // The signature was checked first, so this is our own JSON; still no exceptions escape.
  const json claims = json::parse(payload, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return invalid("malformed token claims");
  TokenClaims out;
  readString(claims, "sub", out.subject);
  readString(claims, "jti", out.id);
  if (!readString(claims, "iss", out.issuer) || !readTime(claims, "exp", out.expiresAt) ||
      !readTime(claims, "iat", out.issuedAt) || !readAccess(claims, out.access)) {
    return invalid("malformed token claims");
  }
  if (!readTime(claims, "nbf", out.notBefore)) out.notBefore = out.issuedAt;
  audienceMatches = hasAudience(claims, audience, out.audience);
  return out;
}

}  // namespace

std::string TokenSigner::mac(std::string_view signingInput) const {
  return common::hmacSha256(key_, signingInput);
}

std::string TokenSigner::sign(const TokenClaims& claims) const {
  json access = json::array();
  for (const TokenAccess& grant : claims.access) {
    access.push_back({{"type", grant.type}, {"name", grant.name}, {"actions", grant.actions}});
  }
  const json payload = {{"iss", claims.issuer},    {"sub", claims.subject},
                        {"aud", claims.audience},  {"exp", claims.expiresAt},
                        {"nbf", claims.notBefore}, {"iat", claims.issuedAt},
                        {"jti", claims.id},        {"access", access}};
  // Names come from clients: replace invalid UTF-8 rather than throw.
  const std::string text = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string input = common::base64UrlEncode(kHeader) + "." + common::base64UrlEncode(text);
  const std::string signature = common::base64UrlEncode(mac(input));
  return input + "." + signature;
}

common::Result<TokenClaims> TokenSigner::verify(std::string_view token,
                                                const TokenExpectations& expected) const {
  const size_t firstDot = token.find('.');
  const size_t lastDot = token.rfind('.');
  if (firstDot == std::string_view::npos || firstDot == lastDot ||
      token.find('.', firstDot + 1) != lastDot) {
    return invalid("malformed token");
  }
  const std::string_view signingInput = token.substr(0, lastDot);
  auto header = common::base64UrlDecode(token.substr(0, firstDot));
  auto signature = common::base64UrlDecode(token.substr(lastDot + 1));
  if (!header || !signature) return invalid("malformed token");
  const json headerJson = json::parse(*header, nullptr, false);
  if (headerJson.is_discarded() || !headerJson.is_object()) return invalid("malformed token");
  std::string algorithm;
  if (!readString(headerJson, "alg", algorithm) || algorithm != "HS256") {
    return invalid("unsupported token algorithm");
  }
  const std::string computed = mac(signingInput);
  if (signature->size() != computed.size() ||
      CRYPTO_memcmp(signature->data(), computed.data(), computed.size()) != 0) {
    return invalid("invalid token signature");
  }
  auto payload = common::base64UrlDecode(token.substr(firstDot + 1, lastDot - firstDot - 1));
  if (!payload) return invalid("malformed token");
  bool audienceMatches = false;
  TokenClaims claims;
  BERTH_TRY_ASSIGN(claims, decodeClaims(*payload, expected.audience, audienceMatches));
  if (claims.issuer != expected.issuer) return invalid("token from another issuer");
  if (!audienceMatches) return invalid("token for another service");
  if (expected.now >= claims.expiresAt) return invalid("token expired");
  if (expected.now < claims.notBefore) return invalid("token not yet valid");
  return claims;
}

}  // namespace berth::registry
