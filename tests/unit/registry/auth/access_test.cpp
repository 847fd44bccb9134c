#include <gtest/gtest.h>

#include "registry/auth/access.h"

namespace berth::registry {
namespace {

common::RegistryAuthConfig configWith(std::vector<common::AccessRule> rules, bool anonymousPull) {
  common::RegistryAuthConfig config;
  config.htpasswdFile = "unused";
  config.access = std::move(rules);
  config.anonymousPull = anonymousPull;
  return config;
}

TEST(AccessPolicyTest, NoRulesLetAuthenticatedUsersDoEverything) {
  auto policy = AccessPolicy::compile(configWith({}, false));
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->permitted("alice", "any/repo"), kAllActions);
  EXPECT_EQ(policy->permitted("", "any/repo"), 0u);
}

TEST(AccessPolicyTest, AnonymousPullAddsPullForAnonymousOnly) {
  auto policy = AccessPolicy::compile(configWith({{"alice", "team/.*", {"push"}}}, true));
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->permitted("", "anything"), kPull);
  EXPECT_EQ(policy->permitted("alice", "team/app"), kPush);
  EXPECT_EQ(policy->permitted("bob", "team/app"), 0u);
}

TEST(AccessPolicyTest, RulesMatchAccountsAndAnchoredPatterns) {
  auto policy = AccessPolicy::compile(configWith({{"*", "public/.*", {"pull"}},
                                                  {"ci", "team/.*", {"pull", "push"}},
                                                  {"admin", ".*", {"*"}},
                                                  {"anonymous", "public/docs", {"pull"}}},
                                                 false));
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->permitted("dev", "public/app"), kPull);
  EXPECT_EQ(policy->permitted("dev", "team/app"), 0u);
  EXPECT_EQ(policy->permitted("ci", "team/app"), kPull | kPush);
  EXPECT_EQ(policy->permitted("ci", "myteam/app"), 0u);            // anchored at the start
  EXPECT_EQ(policy->permitted("dev", "public/app/extra"), kPull);  // ".*" spans slashes
  EXPECT_EQ(policy->permitted("admin", "x"), kAllActions);
  EXPECT_EQ(policy->permitted("", "public/docs"), kPull);
  EXPECT_EQ(policy->permitted("", "public/docs2"), 0u);  // anchored at the end
  EXPECT_EQ(policy->permitted("", "public/app"), 0u);    // "*" is authenticated users only
}

TEST(AccessPolicyTest, InvalidRulesAreStartupErrors) {
  auto badPattern = AccessPolicy::compile(configWith({{"a", "team/(", {"pull"}}}, false));
  ASSERT_FALSE(badPattern);
  EXPECT_NE(badPattern.error().message.find("access[0]"), std::string::npos);
  EXPECT_NE(badPattern.error().message.find("invalid repository pattern"), std::string::npos);

  auto badAction = AccessPolicy::compile(
      configWith({{"a", ".*", {"pull"}}, {"b", ".*", {"pull", "write"}}}, false));
  ASSERT_FALSE(badAction);
  EXPECT_NE(badAction.error().message.find("access[1]"), std::string::npos);
  EXPECT_NE(badAction.error().message.find("'write'"), std::string::npos);

  EXPECT_FALSE(AccessPolicy::compile(configWith({{"", ".*", {"pull"}}}, false)));
  EXPECT_FALSE(AccessPolicy::compile(configWith({{"a", ".*", {}}}, false)));
}

TEST(AccessPolicyTest, ActionNamesRoundTrip) {
  EXPECT_EQ(parseActionName("*"), kAllActions);
  EXPECT_FALSE(parseActionName("PULL"));
  EXPECT_EQ(actionNames(kPull | kDelete), (std::vector<std::string>{"pull", "delete"}));
}

}  // namespace
}  // namespace berth::registry
