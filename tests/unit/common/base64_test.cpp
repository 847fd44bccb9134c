#include "common/base64.h"

#include <gtest/gtest.h>

namespace berth::common {
namespace {

TEST(Base64Test, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(base64Decode(base64Encode(data)), data);
    ASSERT_EQ(base64UrlDecode(base64UrlEncode(data)), data);
    data += static_cast<char>(i * 37 + 200);
  }
}

TEST(Base64Test, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\xff\xfe\x00", 3)), "//4A");
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(base64Decode("Zm8"));        // missing padding
  EXPECT_FALSE(base64Decode("Zm=8"));       // padding in the middle
  EXPECT_FALSE(base64Decode("Zm9v YmFy"));  // whitespace
  EXPECT_FALSE(base64Decode("Zh=="));       // non-zero trailing bits
  EXPECT_FALSE(base64Decode("===="));
  EXPECT_FALSE(base64UrlDecode("Zm8="));  // no padding in base64url
  EXPECT_FALSE(base64UrlDecode("A"));     // impossible length
  EXPECT_FALSE(base64UrlDecode("ab+/"));  // standard alphabet
}

}  // namespace
}  // namespace berth::common
