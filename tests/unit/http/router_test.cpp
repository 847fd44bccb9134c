#include "common/http/router.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

void nothing(const ServerRequest&, ServerResponse&, BodyReader&) {}

TEST(RouterTest, ExactPathsThenPatternsInOrderAndHeadFallsBackToGet) {
  Router router;
  router.add("GET", "/healthz", nothing);
  ASSERT_TRUE(router.addPattern("GET", "/v2(/.*)?", nothing));
  ASSERT_TRUE(router.addPattern("PUT", "/v2(/.*)?", nothing, Body::Accepted));
  EXPECT_FALSE(router.addPattern("GET", "(unclosed", nothing));

  ASSERT_NE(router.find("GET", "/healthz"), nullptr);
  EXPECT_EQ(router.find("GET", "/healthz")->path, "/healthz");
  EXPECT_EQ(router.find("GET", "/healthz/"), nullptr);
  EXPECT_NE(router.find("GET", "/v2/"), nullptr);
  EXPECT_NE(router.find("GET", "/v2"), nullptr);
  EXPECT_EQ(router.find("GET", "/v2x"), nullptr);  // the whole path must match
  EXPECT_EQ(router.find("HEAD", "/v2/a")->method, "GET");
  EXPECT_EQ(router.find("PUT", "/v2/a")->body, Body::Accepted);
  EXPECT_EQ(router.find("GET", "/v2/a")->body, Body::None);
  EXPECT_EQ(router.find("DELETE", "/v2/a"), nullptr);
  EXPECT_EQ(router.find("PUT", "/healthz"), nullptr);
}

// A decoded path is bytes: invalid UTF-8 or a newline must still reach the handler that refuses
// the name with its own error.
TEST(RouterTest, PatternsMatchPathsThatAreNotUtf8) {
  Router router;
  ASSERT_TRUE(router.addPattern("GET", "/v2(/.*)?", nothing));
  EXPECT_NE(router.find("GET", "/v2/bad\xff\xfe/tags/list"), nullptr);
  EXPECT_NE(router.find("GET", "/v2/over\xc0\xaelong/tags/list"), nullptr);
  EXPECT_NE(router.find("GET", "/v2/a\nb/tags/list"), nullptr);
  EXPECT_NE(router.find("GET", std::string_view("/v2/a\0b", 7)), nullptr);
}

}  // namespace
}  // namespace berth::http
