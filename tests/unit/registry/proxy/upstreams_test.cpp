#include "registry/proxy/upstreams.h"

#include <gtest/gtest.h>

#include "registry/proxy/upstream_client.h"

namespace berth::registry {
namespace {

common::ProxyConfig twoUpstreams() {
  common::ProxyConfig config;
  config.upstreams.push_back({"docker.io", "", false, "", {}});
  config.upstreams.push_back(
      {"127.0.0.1:5001", "http://127.0.0.1:5001", true, "upstream-test", {}});
  return config;
}

TEST(ProxyUpstreamsTest, DecodesPortSuffixOfTheFirstComponent) {
  EXPECT_EQ(decodeUpstreamComponent("127.0.0.1_5001"), "127.0.0.1:5001");
  EXPECT_EQ(decodeUpstreamComponent("registry.local_443"), "registry.local:443");
  EXPECT_EQ(decodeUpstreamComponent("docker.io"), "docker.io");
  EXPECT_EQ(decodeUpstreamComponent("my_team"), "my_team");  // not digits: not a port
  EXPECT_EQ(decodeUpstreamComponent("host_"), "host_");
  EXPECT_EQ(common::encodeUpstreamHost("127.0.0.1:5001"), "127.0.0.1_5001");
}

TEST(ProxyUpstreamsTest, ResolvesEncodedHostAliasAndMirrorForm) {
  const UpstreamTable table(twoUpstreams());
  auto hub = table.resolve("docker.io/library/nginx", "");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->upstream->host, "docker.io");
  EXPECT_EQ(hub->remoteName, "library/nginx");
  EXPECT_EQ(hub->storeName, "docker.io/library/nginx");

  auto port = table.resolve("127.0.0.1_5001/team/app", "");
  ASSERT_TRUE(port);
  EXPECT_EQ(port->remoteName, "team/app");
  EXPECT_EQ(port->storeName, "127.0.0.1_5001/team/app");

  auto alias = table.resolve("upstream-test/team/app", "");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->storeName, "127.0.0.1_5001/team/app");  // one cache for both names

  auto mirror = table.resolve("library/nginx", "docker.io");
  ASSERT_TRUE(mirror);
  EXPECT_EQ(mirror->storeName, "docker.io/library/nginx");
  EXPECT_EQ(mirror->remoteName, "library/nginx");
  auto mirrorPort = table.resolve("team/app", "127.0.0.1:5001");
  ASSERT_TRUE(mirrorPort);
  EXPECT_EQ(mirrorPort->storeName, "127.0.0.1_5001/team/app");
}

TEST(ProxyUpstreamsTest, UnconfiguredFirstComponentIsALocalRepository) {
  const UpstreamTable table(twoUpstreams());
  EXPECT_FALSE(table.resolve("team/app", ""));
  EXPECT_FALSE(table.resolve("ghcr.io/a/b", ""));
  EXPECT_FALSE(table.resolve("127.0.0.1_5002/team/app", ""));
  EXPECT_FALSE(table.resolve("docker.io", ""));  // a single component names no upstream path
  EXPECT_FALSE(table.resolve("library/nginx", "quay.io"));
  EXPECT_TRUE(table.isProxiedRepository("docker.io/library/nginx"));
  EXPECT_TRUE(table.isProxiedRepository("127.0.0.1_5001/team/app"));
  EXPECT_FALSE(table.isProxiedRepository("upstream-test/team/app"));
  EXPECT_FALSE(table.isProxiedRepository("team/app"));
}

TEST(ProxyUpstreamsTest, BaseUrlDefaults) {
  EXPECT_EQ(UpstreamTable::baseUrl({"docker.io", "", false, "", {}}),
            "https://registry-1.docker.io");
  EXPECT_EQ(UpstreamTable::baseUrl({"ghcr.io", "", false, "", {}}), "https://ghcr.io");
  EXPECT_EQ(UpstreamTable::baseUrl({"h:1", "http://h:1/", true, "", {}}), "http://h:1");
}

TEST(ProxyConfigTest, ParsesTheProxySectionStrictly) {
  auto config = common::parseConfigText(R"(registry:
  proxy:
    manifestTtl: 5m
    cacheMaxBytes: 1048576
    upstreams:
      - host: docker.io
        url: https://registry-1.docker.io
      - host: 127.0.0.1:5001
        url: http://127.0.0.1:5001
        insecure: true
        alias: upstream-test
        credentials:
          - {pathPrefix: "team", username: u, password: p}
nodeProxy:
  listen: 127.0.0.1:5005
  upstreamRegistry: http://berth:5000
)",
                                        "config.yaml");
  ASSERT_TRUE(config) << config.error().message;
  const auto& proxy = config->registry.proxy;
  EXPECT_EQ(proxy.manifestTtlSeconds, 300);
  EXPECT_EQ(proxy.cacheMaxBytes, 1048576);
  ASSERT_EQ(proxy.upstreams.size(), 2u);
  EXPECT_TRUE(proxy.upstreams[1].insecure);
  EXPECT_EQ(proxy.upstreams[1].alias, "upstream-test");
  ASSERT_EQ(proxy.upstreams[1].credentials.size(), 1u);
  EXPECT_EQ(proxy.upstreams[1].credentials[0].pathPrefix, "team");
  EXPECT_TRUE(config->nodeProxy.enabled());
  EXPECT_TRUE(common::validateConfig(*config).empty());

  auto unknown = common::parseConfigText(
      "registry:\n  proxy:\n    upstreams:\n      - host: a\n"
      "        colour: red\n",
      "bad.yaml");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("bad.yaml:5"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("colour"), std::string::npos);
}

TEST(ProxyConfigTest, ValidationRejectsBadHostsAndDuplicateNames) {
  common::Config config;
  config.registry.proxy.upstreams.push_back({"Docker.IO", "", false, "", {}});
  config.registry.proxy.upstreams.push_back({"a.io", "ftp://a.io", false, "x", {}});
  config.registry.proxy.upstreams.push_back({"b.io", "", false, "x", {}});
  const auto problems = common::validateConfig(config);
  EXPECT_EQ(problems.size(), 3u);
  common::Config node;
  node.nodeProxy.listen = "127.0.0.1:5005";
  EXPECT_EQ(common::validateConfig(node).size(), 1u);  // no upstreamRegistry
}

}  // namespace
}  // namespace berth::registry
