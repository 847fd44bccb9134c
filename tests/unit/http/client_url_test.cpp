#include "common/http/client_url.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

TEST(HttpOriginTest, NormalisesSchemeHostAndPort) {
  auto plain = parseOrigin("http://Registry.Example");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->str(), "http://registry.example:80");
  auto tls = parseOrigin("https://r.example/");
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->port, 443);
  auto v6 = parseOrigin("http://[::1]:5000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->hostPort(), "[::1]:5000");
  EXPECT_EQ(*parseOrigin("https://r.example:443"), *tls);
  EXPECT_FALSE(*parseOrigin("http://r.example:443") == *tls);
}

TEST(HttpOriginTest, RefusesWhatIsNotAnOrigin) {
  for (const char* bad : {"", "r.example", "ftp://r", "http://", "http://:5", "http://r:0",
                          "http://r:65536", "http://r:5x", "http://r/x", "http://[::1]x",
                          "http://[zz]:5", "http://us@r", "http://r?x", "http://r#x"}) {
    EXPECT_FALSE(parseOrigin(bad)) << bad;
  }
}

TEST(HttpUrlTest, SplitsOriginFromTarget) {
  auto split = splitUrl("https://auth.docker.io/token?x=1");
  ASSERT_TRUE(split);
  EXPECT_EQ(split->first, "https://auth.docker.io");
  EXPECT_EQ(split->second, "/token?x=1");
  EXPECT_EQ(splitUrl("http://h:5")->second, "/");
  EXPECT_FALSE(splitUrl("ftp://h/x"));
  EXPECT_FALSE(splitUrl("h/x"));
}

TEST(HttpUrlTest, EncodesWhatWouldBreakTheRequestLine) {
  EXPECT_EQ(encodeTarget("/v2/team/app/manifests/v1?n=10&last=a%2Fb"),
            "/v2/team/app/manifests/v1?n=10&last=a%2Fb");
  EXPECT_EQ(encodeTarget("/a b"), "/a%20b");
  EXPECT_EQ(encodeTarget("/a\r\nX: 1"), "/a%0D%0AX:%201");
  EXPECT_EQ(encodeTarget("/a+b,c;d'e"), "/a%2Bb%2Cc%3Bd%27e");
  EXPECT_EQ(encodeTarget("/\x7f\xc3\xa9"), "/%7F%C3%A9");
  EXPECT_TRUE(isWireSafeTarget(encodeTarget("/a\r\n b\t")));
}

TEST(HttpUrlTest, OnlyOriginFormTargetsWithoutControlBytesAreWireSafe) {
  EXPECT_TRUE(isWireSafeTarget("/"));
  EXPECT_TRUE(isWireSafeTarget("/v2/x/blobs/sha256:ab?x=%20"));
  EXPECT_FALSE(isWireSafeTarget(""));
  EXPECT_FALSE(isWireSafeTarget("v2/x"));
  EXPECT_FALSE(isWireSafeTarget("/a b"));
  EXPECT_FALSE(isWireSafeTarget("/a\tb"));
  EXPECT_FALSE(isWireSafeTarget("/a\rb"));
  EXPECT_FALSE(isWireSafeTarget(std::string("/a\0b", 4)));
  EXPECT_FALSE(isWireSafeTarget("/a\x7f"));
}

}  // namespace
}  // namespace berth::http
