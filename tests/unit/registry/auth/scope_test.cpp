#include <gtest/gtest.h>

#include "registry/auth/scope.h"

namespace berth::registry {
namespace {

TEST(ScopeTest, ParsesRepositoryScope) {
  auto scope = parseScope("repository:team/app:pull,push");
  ASSERT_TRUE(scope) << scope.error().message;
  EXPECT_EQ(scope->type, "repository");
  EXPECT_EQ(scope->name, "team/app");
  EXPECT_EQ(scope->actions, (std::vector<std::string>{"pull", "push"}));
  EXPECT_EQ(formatScope(*scope), "repository:team/app:pull,push");
}

TEST(ScopeTest, NameMayContainColonsAndClassIsDropped) {
  auto scope = parseScope("repository(plugin):localhost:5000/x:pull");
  ASSERT_TRUE(scope) << scope.error().message;
  EXPECT_EQ(scope->type, "repository");
  EXPECT_EQ(scope->name, "localhost:5000/x");
}

TEST(ScopeTest, DuplicateActionsAreMergedAndWildcardKept) {
  auto scope = parseScope("registry:catalog:*,*");
  ASSERT_TRUE(scope);
  EXPECT_EQ(scope->actions, (std::vector<std::string>{"*"}));
}

TEST(ScopeTest, RejectsMalformedScopes) {
  for (const char* text :
       {"", "repository", "repository:name", "repository::pull", ":name:pull",
        "repository:name:", "repository:name:pull,,push", "repository:name:PULL",
        "repo(x:name:pull", "Repo:name:pull", "repository:na me:pull", "repository:a\"b:pull"}) {
    auto scope = parseScope(text);
    ASSERT_FALSE(scope) << text;
    EXPECT_EQ(scope.error().code, common::ErrorCode::InvalidArgument);
    EXPECT_NE(scope.error().message.find("invalid scope"), std::string::npos);
  }
}

TEST(ScopeTest, RejectsOverlongScopes) {
  const std::string text = "repository:" + std::string(kMaxScopeBytes, 'a') + ":pull";
  EXPECT_FALSE(parseScope(text));
}

TEST(ScopeTest, ParsesSeveralValuesAndSpaceSeparatedScopes) {
  auto scopes = parseScopes({"repository:a:pull repository:b:push", "", "repository:c:delete"});
  ASSERT_TRUE(scopes) << scopes.error().message;
  ASSERT_EQ(scopes->size(), 3u);
  EXPECT_EQ((*scopes)[1].name, "b");
  EXPECT_EQ((*scopes)[2].actions[0], "delete");
  EXPECT_FALSE(parseScopes({"repository:a:pull", "bogus"}));
}

}  // namespace
}  // namespace berth::registry
