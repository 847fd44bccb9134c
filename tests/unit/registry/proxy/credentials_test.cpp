#include "registry/proxy/credentials.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

TEST(ProxyCredentialsTest, ParsesDockerConfigJsonAuthAndUsernamePassword) {
  // "dXNlcjpwYTpzcw==" is base64("user:pa:ss"): only the first colon separates.
  auto parsed = parseDockerConfigJson(R"({"auths":{
      "https://index.docker.io/v1/":{"auth":"dXNlcjpwYTpzcw=="},
      "ghcr.io":{"username":"bot","password":"tok"},
      "quay.io":{"identitytoken":"x"}}})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(parsed->at("docker.io"), (UpstreamCredential{"user", "pa:ss"}));
  EXPECT_EQ(parsed->at("ghcr.io"), (UpstreamCredential{"bot", "tok"}));
}

TEST(ProxyCredentialsTest, RejectsMalformedDockerConfig) {
  EXPECT_FALSE(parseDockerConfigJson("{"));
  EXPECT_FALSE(parseDockerConfigJson(R"({"other":{}})"));
  EXPECT_FALSE(parseDockerConfigJson(R"({"auths":{"h":{"auth":"!!!"}}})"));
  EXPECT_FALSE(parseDockerConfigJson(R"({"auths":{"h":{"auth":"bm9jb2xvbg=="}}})"));  // nocolon
  EXPECT_FALSE(parseDockerConfigJson(R"({"auths":{"h":{"auth":7}}})"));
}

TEST(ProxyCredentialsTest, LongestPathPrefixWinsOnWholeComponents) {
  common::ProxyUpstream up{"r.io", "", false, "", {}};
  up.credentials = {{"", "all", "1"}, {"team", "team", "2"}, {"team/app", "app", "3"}};
  const std::map<std::string, UpstreamCredential> none;
  EXPECT_EQ(selectCredential(up, "team/app", none)->username, "app");
  EXPECT_EQ(selectCredential(up, "team/app/sub", none)->username, "app");
  EXPECT_EQ(selectCredential(up, "team/other", none)->username, "team");
  EXPECT_EQ(selectCredential(up, "teammate/x", none)->username, "all");
  EXPECT_EQ(selectCredential(up, "x", none)->username, "all");
}

TEST(ProxyCredentialsTest, FallsBackToDockerConfigThenAnonymous) {
  common::ProxyUpstream up{"r.io", "", false, "", {}};
  up.credentials = {{"private", "p", "1"}};
  const std::map<std::string, UpstreamCredential> docker{{"r.io", {"d", "2"}}};
  EXPECT_EQ(selectCredential(up, "private/a", docker)->username, "p");
  EXPECT_EQ(selectCredential(up, "public/a", docker)->username, "d");
  EXPECT_FALSE(selectCredential(up, "public/a", {}));
}

}  // namespace
}  // namespace berth::registry
