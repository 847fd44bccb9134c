#include <gtest/gtest.h>

#include "common/base64.h"
#include "registry/auth/header.h"

namespace berth::registry {
namespace {

using Scheme = Credentials::Scheme;

std::string basic(const std::string& userColonPassword) {
  return "Basic " + common::base64Encode(userColonPassword);
}

TEST(AuthorizationHeaderTest, EmptyIsNoCredentials) {
  auto parsed = parseAuthorization("");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scheme, Scheme::None);
  EXPECT_EQ(parseAuthorization("   ")->scheme, Scheme::None);
}

TEST(AuthorizationHeaderTest, ParsesBasic) {
  auto parsed = parseAuthorization(basic("alice:s3cret:with:colons"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->scheme, Scheme::Basic);
  EXPECT_EQ(parsed->user, "alice");
  EXPECT_EQ(parsed->password, "s3cret:with:colons");
}

TEST(AuthorizationHeaderTest, SchemeIsCaseInsensitiveAndSpacesAreTolerated) {
  auto parsed = parseAuthorization("  bAsIc   " + common::base64Encode("bob:pw") + "  ");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->user, "bob");
  EXPECT_EQ(parsed->password, "pw");
}

TEST(AuthorizationHeaderTest, AllowsAnEmptyPassword) {
  auto parsed = parseAuthorization(basic("carol:"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->password, "");
}

TEST(AuthorizationHeaderTest, ParsesBearer) {
  auto parsed = parseAuthorization("Bearer abc.def-_.ghi");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scheme, Scheme::Bearer);
  EXPECT_EQ(parsed->token, "abc.def-_.ghi");
}

TEST(AuthorizationHeaderTest, RejectsMalformedBasic) {
  for (const std::string& header :
       {std::string("Basic"), std::string("Basic "), std::string("Basic not*base64"),
        basic("no-colon"), basic(":password-only"), basic("user:pass\nword"),
        std::string("Basic Zm8")}) {
    auto parsed = parseAuthorization(header);
    ASSERT_FALSE(parsed) << header;
    EXPECT_EQ(parsed.error().code, common::ErrorCode::InvalidArgument);
    EXPECT_NE(parsed.error().message.find("malformed Authorization header"), std::string::npos);
  }
}

TEST(AuthorizationHeaderTest, RejectsMalformedBearerAndUnknownSchemes) {
  EXPECT_FALSE(parseAuthorization("Bearer"));
  EXPECT_FALSE(parseAuthorization("Bearer a b"));
  EXPECT_FALSE(parseAuthorization("Bearer \"quoted\""));
  EXPECT_FALSE(parseAuthorization("Bearer ==abc"));
  auto digest = parseAuthorization("Digest username=\"x\"");
  ASSERT_FALSE(digest);
  EXPECT_NE(digest.error().message.find("unsupported scheme"), std::string::npos);
}

TEST(AuthorizationHeaderTest, RejectsHugeHeadersBeforeDecoding) {
  const std::string huge = "Basic " + std::string(kMaxAuthorizationBytes, 'A');
  auto parsed = parseAuthorization(huge);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("too long"), std::string::npos);
  // Just under the limit still parses: the limit is on size, not on content.
  const std::string token(kMaxAuthorizationBytes - 7, 'a');
  EXPECT_TRUE(parseAuthorization("Bearer " + token));
}

TEST(AuthorizationHeaderTest, SurvivesArbitraryBytes) {
  std::string input;
  for (int i = 0; i < 512; ++i) {
    input += static_cast<char>((i * 131) % 256);
    (void)parseAuthorization(input);
    (void)parseAuthorization("Basic " + input);
  }
  SUCCEED();
}

}  // namespace
}  // namespace berth::registry
