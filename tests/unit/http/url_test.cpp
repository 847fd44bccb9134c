#include "common/http/url.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

TEST(UrlTest, PercentDecodingKeepsBrokenEscapes) {
  EXPECT_EQ(percentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(percentDecode("100%", false), "100%");
  EXPECT_EQ(percentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percentDecode("a+b", false), "a+b");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
}

TEST(UrlTest, QueriesKeepRepeatedNamesAndEmptyValues) {
  const Params p = parseQuery("scope=a&scope=b&flag&empty=&&x=1%262");
  EXPECT_EQ(p.count("scope"), 2u);
  EXPECT_EQ(p.find("flag")->second, "");
  EXPECT_EQ(p.find("empty")->second, "");
  EXPECT_EQ(p.find("x")->second, "1&2");
  EXPECT_EQ(p.size(), 5u);
}

TEST(UrlTest, EncodingRoundTrips) {
  const Params p = {{"scope", "repository:a/b:pull,push"}, {"n", "1 2&3"}};
  EXPECT_EQ(parseQuery(encodeQuery(p)), p);
}

}  // namespace
}  // namespace berth::http
