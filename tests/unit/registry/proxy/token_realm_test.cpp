#include "registry/proxy/token_realm.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

TEST(CredentialRouteTest, HttpsRealmsGetTheCredentialsOnAnyHost) {
  EXPECT_TRUE(credentialRoute("https://registry-1.docker.io", false, "https://auth.docker.io/token")
                  .allowed);
  EXPECT_TRUE(credentialRoute("https://ghcr.io", false, "https://ghcr.io/token").allowed);
  EXPECT_TRUE(credentialRoute("http://10.0.0.5:5000", true, "https://auth.example/t").allowed);
  EXPECT_TRUE(credentialRoute("https://ghcr.io", false, "HTTPS://GHCR.IO/token").allowed);
}

TEST(CredentialRouteTest, PlainHttpRealmOfASecureUpstreamIsRefused) {
  // An https upstream (or an attacker on its path) naming a plain-HTTP realm: a downgrade.
  auto route = credentialRoute("https://ghcr.io", false, "http://ghcr.io/token");
  EXPECT_FALSE(route.allowed);
  EXPECT_NE(route.reason.find("not configured insecure"), std::string::npos) << route.reason;
  // A plain-HTTP upstream that was not declared insecure gets no exception either.
  EXPECT_FALSE(credentialRoute("http://127.0.0.2:5000", false, "http://127.0.0.2:5001/t").allowed);
  EXPECT_FALSE(credentialRoute("http://127.0.0.2:5000", false, "http://127.0.0.2:5000").allowed);
}

TEST(CredentialRouteTest, PlainHttpGoesOnlyToTheInsecureUpstreamsOwnHost) {
  EXPECT_TRUE(
      credentialRoute("http://127.0.0.2:5000", true, "http://127.0.0.2:5001/token").allowed);
  EXPECT_TRUE(credentialRoute("http://registry.lan:5000", true, "http://REGISTRY.lan./t").allowed);
  EXPECT_TRUE(credentialRoute("http://[::1]:5000", true, "http://[::1]:9000/token").allowed);
  // Insecure covers the upstream, not whatever host it names as its realm.
  auto elsewhere = credentialRoute("http://127.0.0.2:5000", true, "http://127.0.0.3:5000/token");
  EXPECT_FALSE(elsewhere.allowed);
  EXPECT_NE(elsewhere.reason.find("another host"), std::string::npos) << elsewhere.reason;
  EXPECT_FALSE(credentialRoute("http://registry.lan", true, "http://registry.lan.evil/t").allowed);
  EXPECT_FALSE(credentialRoute("http://registry.lan", true, "http://evil/t").allowed);
}

TEST(CredentialRouteTest, UserInfoAndOddUrlsDoNotFoolTheHostCheck) {
  // "http://registry.lan@evil/" is a request to evil.
  EXPECT_FALSE(credentialRoute("http://registry.lan", true, "http://registry.lan@evil/t").allowed);
  EXPECT_FALSE(
      credentialRoute("http://registry.lan", true, "http://registry.lan:1@evil:80/t").allowed);
  EXPECT_FALSE(credentialRoute("http://registry.lan", true, "ftp://registry.lan/t").allowed);
  EXPECT_FALSE(credentialRoute("http://registry.lan", true, "registry.lan/t").allowed);
  EXPECT_FALSE(credentialRoute("http://registry.lan", true, "http:///t").allowed);
  EXPECT_FALSE(credentialRoute("http://[::1]", true, "http://[::1/t").allowed);
}

TEST(UrlHostTest, TakesTheHostAlone) {
  EXPECT_EQ(urlHost("https://Auth.Docker.IO:443/token?x=1"), "auth.docker.io");
  EXPECT_EQ(urlHost("http://user:pw@host:8080"), "host");
  EXPECT_EQ(urlHost("http://[FE80::1]:5000/v2/"), "fe80::1");
  EXPECT_EQ(urlHost("http://host#frag"), "host");
  EXPECT_EQ(urlHost("file:///etc/passwd"), "");
  EXPECT_EQ(urlHost("not a url"), "");
}

}  // namespace
}  // namespace berth::registry
