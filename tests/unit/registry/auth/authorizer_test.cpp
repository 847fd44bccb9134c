#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/log.h"
#include "registry/auth/authorizer.h"
#include "registry/auth/challenge.h"
#include "registry/auth/token_signer.h"
#include "tests/support/manual_clock.h"
#include "tests/unit/registry/auth/test_support.h"

namespace berth::registry {
namespace {

using berth::testing::TempDir;
using testing::addHtpasswdUser;
using Query = std::multimap<std::string, std::string>;

const std::string kHost = "registry.example:5000";

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + common::base64Encode(user + ":" + password);
}

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    addHtpasswdUser(htpasswd_, "alice", "wonderland");
    addHtpasswdUser(htpasswd_, "reader", "readonly");
    config_.htpasswdFile = htpasswd_;
    config_.realm = "berth-test";
    config_.tokenKeyFile = dir_.write("token.key", std::string(48, 'z'));
  }

  std::unique_ptr<Authorizer> make(AuthorizerOptions options = {}) {
    auto created = Authorizer::create(config_, logger_, clock_, options);
    EXPECT_TRUE(created) << created.error().message;
    return created ? std::move(created).value() : nullptr;
  }

  // Asks the token endpoint and returns "Bearer TOKEN".
  std::string bearer(Authorizer& auth, const std::string& authorization,
                     std::vector<std::string> scopes) {
    Query query{{"service", config_.realm}};
    for (auto& scope : scopes) query.emplace("scope", scope);
    const TokenResponse response = auth.issueToken(authorization, query);
    EXPECT_EQ(response.status, 200) << response.body;
    const auto body = nlohmann::json::parse(response.body);
    return "Bearer " + body["token"].get<std::string>();
  }

  TempDir dir_;
  std::string htpasswd_ = dir_.file("htpasswd");
  common::RegistryAuthConfig config_;
  common::Logger logger_{common::LogLevel::Error, stderr};
  berth::testing::ManualClock clock_{common::SystemClock().unixSeconds()};
};

TEST_F(AuthorizerTest, WithoutHtpasswdEverythingIsAllowed) {
  auto created = Authorizer::create(common::RegistryAuthConfig{}, logger_, clock_);
  ASSERT_TRUE(created);
  Authorizer& auth = **created;
  EXPECT_FALSE(auth.enabled());
  const AuthDecision decision = auth.authorize("", kHost, "team/app", AccessAction::Delete);
  EXPECT_TRUE(decision.allowed);
  EXPECT_TRUE(decision.principal.anonymous());
  EXPECT_EQ(auth.issueToken("", {}).status, 404);
}

TEST_F(AuthorizerTest, CreateFailsOnMisconfiguration) {
  config_.htpasswdFile = dir_.file("missing");
  EXPECT_FALSE(Authorizer::create(config_, logger_, clock_));
  config_.htpasswdFile = htpasswd_;
  config_.tokenKeyFile = dir_.write("short.key", "short");
  EXPECT_FALSE(Authorizer::create(config_, logger_, clock_));
  config_.tokenKeyFile.clear();  // a random key is fine
  EXPECT_TRUE(Authorizer::create(config_, logger_, clock_));
  config_.access = {{"alice", "(", {"pull"}}};
  EXPECT_FALSE(Authorizer::create(config_, logger_, clock_));
  config_.access.clear();
  config_.tokenTtlSeconds = 0;
  EXPECT_FALSE(Authorizer::create(config_, logger_, clock_));
}

TEST_F(AuthorizerTest, BasicAuthWorksOnEveryRequest) {
  auto auth = make();
  ASSERT_TRUE(auth->enabled());
  const AuthDecision decision =
      auth->authorize(basic("alice", "wonderland"), kHost, "team/app", AccessAction::Push);
  EXPECT_TRUE(decision.allowed) << decision.message;
  EXPECT_EQ(decision.principal.account, "alice");
  EXPECT_TRUE(auth->authorize(basic("alice", "wonderland"), kHost, "", AccessAction::Pull).allowed);
}

TEST_F(AuthorizerTest, MissingCredentialsGetABearerChallenge) {
  auto auth = make();
  const AuthDecision decision = auth->authorize("", kHost, "team/app", AccessAction::Push);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.status, 401);
  EXPECT_EQ(decision.challenge,
            R"(Bearer realm="http://registry.example:5000/v2/token",service="berth-test",)"
            R"(scope="repository:team/app:pull,push")");
  EXPECT_EQ(auth->authorize("", kHost, "team/app", AccessAction::Pull).challenge,
            R"(Bearer realm="http://registry.example:5000/v2/token",service="berth-test",)"
            R"(scope="repository:team/app:pull")");
}

TEST_F(AuthorizerTest, RegistryWideChallengeHasNoScopeAndTlsUsesHttps) {
  auto auth = make({.tls = true});
  const AuthDecision decision = auth->authorize("", kHost, "", AccessAction::Pull);
  EXPECT_EQ(decision.status, 401);
  EXPECT_EQ(decision.challenge,
            R"(Bearer realm="https://registry.example:5000/v2/token",service="berth-test")");
}

TEST_F(AuthorizerTest, HostileHostHeadersDoNotReachTheChallenge) {
  auto auth = make();
  const AuthDecision decision =
      auth->authorize("", "evil\"\r\nX-Injected: 1", "team/app", AccessAction::Pull);
  EXPECT_EQ(decision.challenge.find("evil"), std::string::npos);
  EXPECT_NE(decision.challenge.find("http://localhost/v2/token"), std::string::npos);
}

TEST_F(AuthorizerTest, WrongPasswordUnknownUserAndMalformedHeaderAre401) {
  auto auth = make();
  for (const std::string& header : {basic("alice", "nope"), basic("mallory", "wonderland")}) {
    const AuthDecision decision = auth->authorize(header, kHost, "team/app", AccessAction::Pull);
    EXPECT_EQ(decision.status, 401);
    EXPECT_EQ(decision.message, "invalid user name or password");
    EXPECT_FALSE(decision.challenge.empty());
    // Unproven names are not recorded as the client's.
    EXPECT_TRUE(decision.principal.anonymous());
  }
  const AuthDecision malformed =
      auth->authorize("Basic !!!", kHost, "team/app", AccessAction::Pull);
  EXPECT_EQ(malformed.status, 401);
  EXPECT_NE(malformed.message.find("malformed Authorization header"), std::string::npos);
  EXPECT_NE(malformed.challenge.find(R"(error="invalid_request")"), std::string::npos);
}

TEST_F(AuthorizerTest, PullOnlyUserPushingGets403WithAClearMessage) {
  config_.access = {{"reader", ".*", {"pull"}}, {"alice", ".*", {"*"}}};
  auto auth = make();
  const std::string reader = basic("reader", "readonly");
  EXPECT_TRUE(auth->authorize(reader, kHost, "team/app", AccessAction::Pull).allowed);
  const AuthDecision push = auth->authorize(reader, kHost, "team/app", AccessAction::Push);
  EXPECT_FALSE(push.allowed);
  EXPECT_EQ(push.status, 403);
  EXPECT_EQ(push.message, "user 'reader' may not push to repository 'team/app'");
  // Refused, but identified: the audit line names who tried.
  EXPECT_EQ(push.principal.account, "reader");
  const AuthDecision del = auth->authorize(reader, kHost, "team/app", AccessAction::Delete);
  EXPECT_EQ(del.status, 403);
  EXPECT_EQ(del.message, "user 'reader' may not delete from repository 'team/app'");
}

TEST_F(AuthorizerTest, AnonymousPullAllowsAnonymousPullsOnly) {
  config_.anonymousPull = true;
  auto auth = make();
  const AuthDecision pull = auth->authorize("", kHost, "team/app", AccessAction::Pull);
  EXPECT_TRUE(pull.allowed);
  EXPECT_TRUE(pull.principal.anonymous());
  const AuthDecision push = auth->authorize("", kHost, "team/app", AccessAction::Push);
  EXPECT_EQ(push.status, 401);  // sign in, rather than "forbidden"
  EXPECT_EQ(push.message, "authentication required");
  // The ping still answers 401 so clients learn where tokens come from.
  EXPECT_EQ(auth->authorize("", kHost, "", AccessAction::Pull).status, 401);
  // An anonymous token carries the pull grant.
  const std::string token = bearer(*auth, "", {"repository:team/app:pull,push"});
  EXPECT_TRUE(auth->authorize(token, kHost, "team/app", AccessAction::Pull).allowed);
  const AuthDecision tokenPush = auth->authorize(token, kHost, "team/app", AccessAction::Push);
  EXPECT_EQ(tokenPush.status, 401);
}

TEST_F(AuthorizerTest, IssuesTokensGrantingTheIntersection) {
  config_.access = {{"reader", "team/.*", {"pull"}}};
  auto auth = make();
  Query query{{"service", "berth-test"},
              {"scope", "repository:team/app:pull,push"},
              {"scope", "repository:other/app:pull"},
              {"account", "reader"}};
  const TokenResponse response = auth->issueToken(basic("reader", "readonly"), query);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["token"], body["access_token"]);
  EXPECT_EQ(body["expires_in"], 300);
  EXPECT_TRUE(body["issued_at"].is_string());

  const std::string token = body["token"];
  const size_t first = token.find('.') + 1;
  const auto claims = nlohmann::json::parse(
      *common::base64UrlDecode(token.substr(first, token.rfind('.') - first)));
  EXPECT_EQ(claims["sub"], "reader");
  EXPECT_EQ(claims["aud"], "berth-test");
  EXPECT_EQ(claims["iss"], "berth");
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 300);
  EXPECT_EQ(
      claims["access"],
      nlohmann::json::parse(R"([{"type":"repository","name":"team/app","actions":["pull"]}])"));
}

TEST_F(AuthorizerTest, BearerTokensAreCheckedForScope) {
  auto auth = make();
  const std::string token =
      bearer(*auth, basic("alice", "wonderland"), {"repository:team/app:pull"});
  const AuthDecision pull = auth->authorize(token, kHost, "team/app", AccessAction::Pull);
  EXPECT_TRUE(pull.allowed) << pull.message;
  EXPECT_EQ(pull.principal.account, "alice");
  EXPECT_TRUE(auth->authorize(token, kHost, "", AccessAction::Pull).allowed);

  // Alice may push, the token does not say so: 401 makes the client fetch a wider token.
  const AuthDecision push = auth->authorize(token, kHost, "team/app", AccessAction::Push);
  EXPECT_EQ(push.status, 401);
  EXPECT_NE(push.challenge.find(R"(error="insufficient_scope")"), std::string::npos);
  EXPECT_NE(push.challenge.find(R"(scope="repository:team/app:pull,push")"), std::string::npos);

  // A token for another repository.
  const AuthDecision other = auth->authorize(token, kHost, "team/other", AccessAction::Pull);
  EXPECT_EQ(other.status, 401);
  EXPECT_NE(other.challenge.find("insufficient_scope"), std::string::npos);
}

TEST_F(AuthorizerTest, TokenOfAUserWithoutPermissionIs403) {
  config_.access = {{"reader", ".*", {"pull"}}};
  auto auth = make();
  const std::string token =
      bearer(*auth, basic("reader", "readonly"), {"repository:team/app:pull,push"});
  EXPECT_TRUE(auth->authorize(token, kHost, "team/app", AccessAction::Pull).allowed);
  const AuthDecision push = auth->authorize(token, kHost, "team/app", AccessAction::Push);
  EXPECT_EQ(push.status, 403);
  EXPECT_EQ(push.message, "user 'reader' may not push to repository 'team/app'");
  EXPECT_EQ(push.principal.account, "reader");
}

TEST_F(AuthorizerTest, ExpiredTamperedAndForeignTokensAre401InvalidToken) {
  auto auth = make();
  const std::string token = bearer(*auth, basic("alice", "wonderland"), {"repository:a:pull"});

  clock_.advance(std::chrono::seconds(301));
  const AuthDecision expired = auth->authorize(token, kHost, "a", AccessAction::Pull);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.message, "token expired");
  EXPECT_NE(expired.challenge.find(R"(error="invalid_token")"), std::string::npos);
  clock_.advance(-std::chrono::seconds(301));

  // The signature's first character: its last one carries padding bits that base64url decoding
  // may drop, so flipping it can leave the signature as it was (the test failed 1 run in ~30).
  std::string tampered = token;
  char& signed0 = tampered[tampered.rfind('.') + 1];
  signed0 = signed0 == 'A' ? 'B' : 'A';
  EXPECT_EQ(auth->authorize(tampered, kHost, "a", AccessAction::Pull).message,
            "invalid token signature");

  // Same key, another service: the audience does not match.
  common::RegistryAuthConfig otherConfig = config_;
  otherConfig.realm = "elsewhere";
  auto other = Authorizer::create(otherConfig, logger_, clock_);
  ASSERT_TRUE(other);
  const TokenResponse foreign =
      (*other)->issueToken(basic("alice", "wonderland"), {{"scope", "repository:a:pull"}});
  ASSERT_EQ(foreign.status, 200);
  const std::string foreignToken =
      "Bearer " + nlohmann::json::parse(foreign.body)["token"].get<std::string>();
  EXPECT_EQ(auth->authorize(foreignToken, kHost, "a", AccessAction::Pull).message,
            "token for another service");
}

TEST_F(AuthorizerTest, TokensOfRemovedUsersStopWorking) {
  auto auth = make();
  const std::string token = bearer(*auth, basic("reader", "readonly"), {"repository:a:pull"});
  ASSERT_TRUE(auth->authorize(token, kHost, "a", AccessAction::Pull).allowed);
  dir_.write("htpasswd", "");
  addHtpasswdUser(htpasswd_, "alice", "wonderland");
  const AuthDecision decision = auth->authorize(token, kHost, "a", AccessAction::Pull);
  EXPECT_EQ(decision.status, 401);
  EXPECT_EQ(decision.message, "the token's user no longer exists");
}

TEST_F(AuthorizerTest, TokenEndpointErrors) {
  auto auth = make();
  const TokenResponse wrong = auth->issueToken(basic("alice", "nope"), {});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.challenge, R"(Basic realm="berth-test")");
  EXPECT_NE(wrong.body.find("UNAUTHORIZED"), std::string::npos);

  EXPECT_EQ(auth->issueToken("Basic %%%", {}).status, 401);
  EXPECT_EQ(auth->issueToken("Bearer abc", {}).status, 401);

  const TokenResponse service =
      auth->issueToken(basic("alice", "wonderland"), {{"service", "other"}});
  EXPECT_EQ(service.status, 400);
  EXPECT_NE(service.body.find("unknown service"), std::string::npos);

  const TokenResponse scope =
      auth->issueToken(basic("alice", "wonderland"), {{"scope", "repository:only-two"}});
  EXPECT_EQ(scope.status, 400);
  EXPECT_NE(scope.body.find("invalid scope"), std::string::npos);

  Query many;
  for (int i = 0; i < 33; ++i) many.emplace("scope", "repository:r" + std::to_string(i) + ":pull");
  const TokenResponse tooMany = auth->issueToken(basic("alice", "wonderland"), many);
  EXPECT_EQ(tooMany.status, 400);
  EXPECT_NE(tooMany.body.find("too many scopes"), std::string::npos);
}

TEST_F(AuthorizerTest, LoginTokenWithoutScopeOpensTheRegistryWideEndpoints) {
  auto auth = make();
  const std::string token = bearer(*auth, basic("alice", "wonderland"), {});
  EXPECT_TRUE(auth->authorize(token, kHost, "", AccessAction::Pull).allowed);
  EXPECT_EQ(auth->authorize(token, kHost, "team/app", AccessAction::Pull).status, 401);
}

TEST_F(AuthorizerTest, ChallengeParsesBackWithOurOwnParser) {
  auto auth = make();
  const AuthDecision decision = auth->authorize("", kHost, "team/app", AccessAction::Delete);
  auto parsed = parseWwwAuthenticate(decision.challenge);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].param("scope"), "repository:team/app:delete");
  EXPECT_EQ((*parsed)[0].param("service"), "berth-test");
}

}  // namespace
}  // namespace berth::registry
