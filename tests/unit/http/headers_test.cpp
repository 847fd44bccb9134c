#include "common/http/headers.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

TEST(HeadersTest, TokensSplitEveryValueTrimAndLowerCase) {
  Headers headers{
      {"Connection", "keep-alive, Close"}, {"connection", " Upgrade\t"}, {"Other", "x"}};
  EXPECT_EQ(headerTokens(headers, "CONNECTION"),
            (std::vector<std::string>{"keep-alive", "close", "upgrade"}));
  EXPECT_EQ(headerTokens(headers, "Transfer-Encoding"), std::vector<std::string>{});
  // Empty elements are kept: "chunked," does not end with chunked.
  EXPECT_EQ(headerTokens(Headers{{"Transfer-Encoding", "chunked,"}}, "transfer-encoding"),
            (std::vector<std::string>{"chunked", ""}));
}

TEST(HeadersTest, NamesCompareWithoutCase) {
  Headers headers;
  setHeader(headers, "Content-Type", "a");
  setHeader(headers, "content-type", "b");
  EXPECT_EQ(headerCount(headers, "CONTENT-TYPE"), 1u);
  EXPECT_EQ(headerValue(headers, "Content-type"), "b");
  EXPECT_TRUE(hasHeader(headers, "content-TYPE"));
  EXPECT_EQ(headerValue(headers, "missing", "fallback"), "fallback");
}

}  // namespace
}  // namespace berth::http
