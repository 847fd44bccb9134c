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

// A tag pushed twice with different content, each pulled by someone: one row per digest, each
// with its own pushes and pulls, so the old content's pullers stay visible.
TEST(AuditSummaryTest, EachDigestOfAMovedTagIsItsOwnImage) {
  AuditSummary summary;
  auto line = [&](const char* operation, const char* user, const char* digest, int64_t millis) {
    AuditRecord r;
    r.time = "t" + std::to_string(millis);
    r.timeMillis = millis;
    r.user = user;
    r.operation = operation;
    r.repository = "team/app";
    r.reference = "v1";
    r.digest = digest;
    r.status = 200;
    summary.add(r);
  };
  line("push-manifest", "ci", "sha256:aaa", 1);
  line("pull-manifest", "node-1", "sha256:aaa", 2);
  line("push-manifest", "ci", "sha256:bbb", 3);
  line("pull-manifest", "node-1", "sha256:aaa", 4);
  line("pull-manifest", "node-2", "sha256:bbb", 5);
  line("pull-blob", "node-2", "sha256:ccc", 6);
  ASSERT_EQ(summary.images().size(), 2u);
  const AuditImage& old = summary.images().at({"team/app", "v1", "sha256:aaa"});
  EXPECT_EQ(old.actions.at("push").at("ci").count, 1u);
  EXPECT_EQ(old.actions.at("pull").at("node-1").count, 2u);
  EXPECT_EQ(old.actions.at("pull").at("node-1").last, "t4");
  EXPECT_EQ(old.actions.at("pull").count("node-2"), 0u);
  const AuditImage& current = summary.images().at({"team/app", "v1", "sha256:bbb"});
  EXPECT_EQ(current.digest, "sha256:bbb");
  EXPECT_EQ(current.actions.at("pull").at("node-2").count, 1u);
  EXPECT_EQ(current.actions.at("pull").count("node-1"), 0u);
}

}  // namespace
}  // namespace berth::registry
