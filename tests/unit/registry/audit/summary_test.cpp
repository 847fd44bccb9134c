#include <gtest/gtest.h>

#include "registry/audit/summary.h"

namespace berth::registry {
namespace {

TEST(AuditSinceTest, ParsesDurationsAndTimes) {
  EXPECT_EQ(*parseSince("90s", 100'000), 10'000);
  EXPECT_EQ(*parseSince("2m", 200'000), 80'000);
  EXPECT_EQ(*parseSince("1h", 3'600'000), 0);
  EXPECT_EQ(*parseSince("1d", 86'400'000), 0);
  EXPECT_EQ(*parseSince("1970-01-01T00:00:10Z", 0), 10'000);
  EXPECT_FALSE(parseSince("", 0));
  EXPECT_FALSE(parseSince("h", 0));
  EXPECT_FALSE(parseSince("99999999999d", 0));
}

TEST(AuditSummaryTest, CountsManifestOperationsOnly) {
  EXPECT_EQ(manifestAction("pull-manifest"), "pull");
  EXPECT_EQ(manifestAction("push-manifest"), "push");
  EXPECT_EQ(manifestAction("delete-manifest"), "delete");
  EXPECT_EQ(manifestAction("delete-tag"), "delete");
  EXPECT_EQ(manifestAction("pull-blob"), "");
  EXPECT_EQ(manifestAction("mount-blob"), "");
  EXPECT_EQ(manifestAction("-manifest"), "");
}

}  // namespace
}  // namespace berth::registry
