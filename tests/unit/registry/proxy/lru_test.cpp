#include "registry/proxy/lru.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

TEST(ProxyLruTest, CountsEachDigestOnceAcrossRepositories) {
  ProxyLru lru;
  lru.use("sha256:a", "docker.io/x", 100, 1);
  lru.use("sha256:a", "docker.io/y", 100, 2);
  lru.use("sha256:b", "docker.io/x", 50, 3);
  EXPECT_EQ(lru.totalBytes(), 150u);
  ASSERT_NE(lru.find("sha256:a"), nullptr);
  EXPECT_EQ(lru.find("sha256:a")->repositories.size(), 2u);
  EXPECT_EQ(lru.find("sha256:a")->lastUsed, 2);
  lru.forget("sha256:a");
  EXPECT_EQ(lru.totalBytes(), 50u);
  lru.forget("sha256:missing");
  EXPECT_EQ(lru.totalBytes(), 50u);
}

TEST(ProxyLruTest, VictimsAreLeastRecentlyUsedUntilUnderTheLimit) {
  ProxyLru lru;
  lru.use("sha256:old", "r", 40, 10);
  lru.use("sha256:mid", "r", 40, 20);
  lru.use("sha256:new", "r", 40, 30);
  EXPECT_TRUE(lru.victims(120).empty());
  EXPECT_EQ(lru.victims(100), std::vector<std::string>{"sha256:old"});
  EXPECT_EQ(lru.victims(40), (std::vector<std::string>{"sha256:old", "sha256:mid"}));
  lru.use("sha256:old", "r", 40, 40);  // a hit makes it the most recent
  EXPECT_EQ(lru.victims(100), std::vector<std::string>{"sha256:mid"});
}

TEST(ProxyLruTest, NeverChoosesTheContentBeingServed) {
  ProxyLru lru;
  lru.use("sha256:big", "r", 500, 1);
  lru.use("sha256:small", "r", 10, 2);
  EXPECT_EQ(lru.victims(100, "sha256:big"), std::vector<std::string>{"sha256:small"});
}

TEST(TagFreshnessTest, FreshForTheTtlAfterConfirmation) {
  TagFreshness freshness(300);
  EXPECT_FALSE(freshness.fresh("docker.io/nginx", "1", 1000));
  freshness.confirmed("docker.io/nginx", "1", 1000);
  EXPECT_TRUE(freshness.fresh("docker.io/nginx", "1", 1000));
  EXPECT_TRUE(freshness.fresh("docker.io/nginx", "1", 1299));
  EXPECT_FALSE(freshness.fresh("docker.io/nginx", "1", 1300));
  EXPECT_FALSE(freshness.fresh("docker.io/nginx", "2", 1000));
  TagFreshness never(0);
  never.confirmed("r", "t", 5);
  EXPECT_FALSE(never.fresh("r", "t", 5));  // TTL 0: revalidate every time
}

}  // namespace
}  // namespace berth::registry
