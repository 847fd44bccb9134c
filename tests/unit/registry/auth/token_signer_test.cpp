#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "registry/auth/token_key.h"
#include "registry/auth/token_signer.h"
#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

constexpr int64_t kNow = 1'700'000'000;

TokenClaims sampleClaims() {
  TokenClaims claims;
  claims.issuer = "berth";
  claims.subject = "alice";
  claims.audience = "berth-realm";
  claims.id = "abc";
  claims.issuedAt = kNow;
  claims.notBefore = kNow;
  claims.expiresAt = kNow + 300;
  claims.access = {{"repository", "team/app", {"pull", "push"}}};
  return claims;
}

const TokenExpectations kExpected{"berth", "berth-realm", kNow + 10};

TEST(TokenSignerTest, SignsAndVerifies) {
  TokenSigner signer(std::string(32, 'k'));
  const std::string token = signer.sign(sampleClaims());
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  auto claims = signer.verify(token, kExpected);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->id, "abc");
  EXPECT_EQ(claims->expiresAt, kNow + 300);
  ASSERT_EQ(claims->access.size(), 1u);
  EXPECT_EQ(claims->access[0].name, "team/app");
  EXPECT_EQ(claims->access[0].actions, (std::vector<std::string>{"pull", "push"}));
}

TEST(TokenSignerTest, HeaderAndClaimsAreStandardJwt) {
  TokenSigner signer(std::string(32, 'k'));
  const std::string token = signer.sign(sampleClaims());
  const auto header =
      nlohmann::json::parse(*common::base64UrlDecode(token.substr(0, token.find('.'))));
  EXPECT_EQ(header["alg"], "HS256");
  EXPECT_EQ(header["typ"], "JWT");
  const size_t first = token.find('.') + 1;
  const auto payload = nlohmann::json::parse(
      *common::base64UrlDecode(token.substr(first, token.rfind('.') - first)));
  for (const char* claim : {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "access"}) {
    EXPECT_TRUE(payload.contains(claim)) << claim;
  }
}

TEST(TokenSignerTest, RejectsExpiredAndNotYetValidTokens) {
  TokenSigner signer(std::string(32, 'k'));
  const std::string token = signer.sign(sampleClaims());
  auto expired = signer.verify(token, {"berth", "berth-realm", kNow + 300});
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().message, "token expired");
  EXPECT_EQ(expired.error().code, common::ErrorCode::Unauthenticated);
  auto early = signer.verify(token, {"berth", "berth-realm", kNow - 1});
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().message, "token not yet valid");
}

TEST(TokenSignerTest, RejectsOtherAudiencesIssuersAndKeys) {
  TokenSigner signer(std::string(32, 'k'));
  const std::string token = signer.sign(sampleClaims());
  EXPECT_EQ(signer.verify(token, {"berth", "other", kNow}).error().message,
            "token for another service");
  EXPECT_EQ(signer.verify(token, {"someone", "berth-realm", kNow}).error().message,
            "token from another issuer");
  TokenSigner other(std::string(32, 'x'));
  EXPECT_EQ(other.verify(token, kExpected).error().message, "invalid token signature");
}

TEST(TokenSignerTest, RejectsTamperedTokens) {
  TokenSigner signer(std::string(32, 'k'));
  const std::string token = signer.sign(sampleClaims());
  const size_t first = token.find('.') + 1;
  const size_t last = token.rfind('.');

  // Grant ourselves another repository, keep the signature.
  const std::string forgedPayload = common::base64UrlEncode(
      nlohmann::json(
          {{"iss", "berth"},
           {"sub", "alice"},
           {"aud", "berth-realm"},
           {"exp", kNow + 300},
           {"iat", kNow},
           {"access", {{{"type", "repository"}, {"name", "secret/app"}, {"actions", {"pull"}}}}}})
          .dump());
  const std::string swapped = token.substr(0, first) + forgedPayload + token.substr(last);
  EXPECT_EQ(signer.verify(swapped, kExpected).error().message, "invalid token signature");

  std::string flipped = token;
  flipped[last + 3] = flipped[last + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.verify(flipped, kExpected));

  // "alg":"none" with an empty signature must not pass.
  const std::string none = common::base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                           token.substr(first, last - first) + ".";
  EXPECT_EQ(signer.verify(none, kExpected).error().message, "unsupported token algorithm");

  for (const std::string& bad : {std::string(""), std::string("abc"), std::string("a.b"),
                                 std::string("a.b.c.d"), token + "x", "x" + token}) {
    EXPECT_FALSE(signer.verify(bad, kExpected)) << bad;
  }
}

TEST(TokenKeyTest, LoadsKeysAndRejectsShortOrMissingFiles) {
  berth::testing::TempDir dir;
  auto key = loadTokenKey(dir.write("key", std::string(64, 'a') + "\n"));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->size(), 64u);
  auto shortKey = loadTokenKey(dir.write("short", "tooshort\n"));
  ASSERT_FALSE(shortKey);
  EXPECT_NE(shortKey.error().message.find("at least 32"), std::string::npos);
  auto missing = loadTokenKey(dir.file("missing"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read token key file"), std::string::npos);
  EXPECT_NE(randomTokenKey(), randomTokenKey());
  EXPECT_EQ(randomHex(16).size(), 32u);
}

}  // namespace
}  // namespace berth::registry
