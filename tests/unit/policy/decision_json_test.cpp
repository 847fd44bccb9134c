#include "policy/decision_json.h"

#include <gtest/gtest.h>

namespace berth::policy {
namespace {

TEST(DecisionJsonTest, HasEveryContractField) {
  Decision d;
  d.image = "docker.io/library/nginx:1";
  d.verdict = Verdict::Rewrite;
  d.rewritten = "localhost:5005/docker.io/library/nginx:1";
  d.pin = true;
  d.rule = "hub";
  d.policy = "mirror";
  d.reason = "served";
  d.mode = Mode::Enforce;
  d.warnings.push_back(Finding{"w", "r", "careful", Mode::Warn});
  const auto j = decisionToJson(d);
  EXPECT_EQ(j["image"], "docker.io/library/nginx:1");
  EXPECT_EQ(j["decision"], "rewrite");
  EXPECT_EQ(j["rewritten"], "localhost:5005/docker.io/library/nginx:1");
  EXPECT_EQ(j["pin"], true);
  EXPECT_EQ(j["immutable"], false);
  EXPECT_EQ(j["rule"], "hub");
  EXPECT_EQ(j["reason"], "served");
  EXPECT_EQ(j["mode"], "enforce");
  EXPECT_EQ(j["warnings"][0]["message"], "careful");
  EXPECT_TRUE(j["audits"].is_array());
}

TEST(DecisionJsonTest, AbsentValuesAreNull) {
  const auto j = decisionToJson(Decision{});
  EXPECT_TRUE(j["rewritten"].is_null());
  EXPECT_TRUE(j["rule"].is_null());
  EXPECT_TRUE(j["immutableRule"].is_null());
  EXPECT_EQ(j["decision"], "allow");
}

}  // namespace
}  // namespace berth::policy
