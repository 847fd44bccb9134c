// Hostile credentials against a real `berth serve` with htpasswd users and access rules: none,
// wrong or malformed, expired and forged tokens, tokens for another repository, and pushes by a
// user who may only pull. Each gets 401 or 403 with the OCI code and the challenge clients need.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "registry/auth/token_signer.h"
#include "tests/integration/hostile_support.h"
#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using Headers = std::multimap<std::string, std::string>;

const std::string kTokenKey = "hostile-test-token-key-of-at-least-32-bytes";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string codeOf(const HttpResponse& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("errors") || body["errors"].empty()) return "";
  return body["errors"][0].value("code", "");
}

Headers basic(const std::string& user, const std::string& password) {
  return {{"Authorization", "Basic " + common::base64Encode(user + ":" + password)}};
}

Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A token as the server would sign it, for the claims the test chooses.
std::string craftToken(const std::string& key, const std::string& subject,
                       const std::string& repository, std::vector<std::string> actions,
                       int64_t issuedAt, int64_t expiresAt) {
  registry::TokenClaims claims;
  claims.issuer = "berth";
  claims.subject = subject;
  claims.audience = "berth";
  claims.id = "hostile";
  claims.issuedAt = issuedAt;
  claims.notBefore = issuedAt;
  claims.expiresAt = expiresAt;
  claims.access.push_back({"repository", repository, std::move(actions)});
  return registry::TokenSigner(key).sign(claims);
}

class HostileAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string htpasswd = dir_->file("htpasswd");
    const CommandResult alice = runCommand({"htpasswd", "-Bbc", htpasswd, "alice", "wonderland"});
    ASSERT_EQ(alice.exitCode, 0) << "htpasswd (apache2-utils) is required: " << alice.err;
    const CommandResult reader = runCommand({"htpasswd", "-Bb", htpasswd, "reader", "readonly"});
    ASSERT_EQ(reader.exitCode, 0) << reader.err;
    const std::string key = dir_->write("token.key", kTokenKey + "\n");
    const std::string config =
        dir_->write("config.yaml",
                    "registry:\n  auth:\n    htpasswd: " + htpasswd + "\n    tokenKeyFile: " + key +
                        "\n    access:\n"
                        "      - {account: alice, repository: '.*', actions: ['*']}\n"
                        "      - {account: reader, repository: '.*', actions: [pull]}\n");
    server_ = new BerthServer({"--config", config}, dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  static HttpResponse request(const std::string& method, const std::string& path,
                              const Headers& headers = {}) {
    HttpClient client("127.0.0.1", server_->registryPort());
    return client.request(method, path, {}, headers);
  }
  static std::string token(const Headers& credentials, const std::string& scope) {
    const HttpResponse answer =
        request("GET", "/v2/token?service=berth&scope=" + scope, credentials);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return nlohmann::json::parse(answer.body).value("token", "");
  }

  static TempDir* dir_;
  static BerthServer* server_;
};
TempDir* HostileAuthTest::dir_ = nullptr;
BerthServer* HostileAuthTest::server_ = nullptr;

TEST_F(HostileAuthTest, MissingUnknownAndMalformedCredentialsGet401) {
  const std::vector<Headers> cases = {
      {},
      basic("mallory", "wonderland"),
      basic("alice", "Wonderland"),
      basic("alice", ""),
      basic("", ""),
      {{"Authorization", "Basic"}},
      {{"Authorization", "Basic !!!not-base64!!!"}},
      {{"Authorization", "Basic " + common::base64Encode("no-colon-at-all")}},
      {{"Authorization", "Basic " + common::base64Encode("alice\xff:wonderland")}},
      {{"Authorization", "Bearer"}},
      {{"Authorization", "Bearer not.a.token"}},
      {{"Authorization", "Digest username=\"alice\""}},
      {{"Authorization", "Basic " + std::string(6 * 1024, 'A')}},
  };
  for (const Headers& headers : cases) {
    const std::string shown = headers.empty() ? "(none)" : headers.begin()->second.substr(0, 60);
    const HttpResponse answer = request("GET", "/v2/team/app/tags/list", headers);
    EXPECT_EQ(answer.status, 401) << shown << ": " << answer.body;
    EXPECT_EQ(codeOf(answer), "UNAUTHORIZED") << shown << ": " << answer.body;
    EXPECT_TRUE(contains(answer.header("WWW-Authenticate"), "Bearer realm=")) << shown;
  }
  // Over httplib's 8 KiB header line limit: refused before authentication.
  const HttpResponse huge = request("GET", "/v2/team/app/tags/list",
                                    {{"Authorization", "Basic " + std::string(20 * 1024, 'A')}});
  EXPECT_EQ(huge.status, 400);
  // Wrong passwords at the token endpoint get no token.
  const HttpResponse noToken = request(
      "GET", "/v2/token?service=berth&scope=repository:team/app:pull", basic("alice", "nope"));
  EXPECT_EQ(noToken.status, 401);
  EXPECT_FALSE(contains(noToken.body, "\"token\""));
}

TEST_F(HostileAuthTest, ExpiredAndForgedTokensAreRefused) {
  const int64_t now = nowSeconds();
  const std::string good = craftToken(kTokenKey, "alice", "team/app", {"pull"}, now - 5, now + 600);
  EXPECT_EQ(request("GET", "/v2/team/app/tags/list", bearer(good)).status, 404);  // allowed in

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"expired", craftToken(kTokenKey, "alice", "team/app", {"pull"}, now - 7200, now - 3600)},
      {"not yet valid",
       craftToken(kTokenKey, "alice", "team/app", {"pull"}, now + 3600, now + 7200)},
      {"another key", craftToken("another-key-that-is-also-at-least-32-bytes", "alice", "team/app",
                                 {"pull"}, now - 5, now + 600)},
      {"unknown user", craftToken(kTokenKey, "mallory", "team/app", {"pull"}, now - 5, now + 600)},
      {"alg none", common::base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                       good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1) + "."},
      {"payload swapped",
       good.substr(0, good.find('.') + 1) +
           common::base64UrlEncode(R"({"iss":"berth","sub":"alice","aud":"berth","exp":9999999999,)"
                                   R"("iat":0,"access":[{"type":"repository","name":"team/app",)"
                                   R"("actions":["*"]}]})") +
           good.substr(good.rfind('.'))},
  };
  for (const auto& [what, token] : cases) {
    const HttpResponse answer = request("GET", "/v2/team/app/tags/list", bearer(token));
    EXPECT_EQ(answer.status, 401) << what << ": " << answer.body;
    EXPECT_EQ(codeOf(answer), "UNAUTHORIZED") << what;
    EXPECT_TRUE(contains(answer.header("WWW-Authenticate"), "error=\"invalid_token\""))
        << what << ": " << answer.header("WWW-Authenticate");
  }
}

TEST_F(HostileAuthTest, ATokenForOneRepositoryOpensNoOther) {
  const std::string forA = token(basic("alice", "wonderland"), "repository:team/a:pull,push");
  ASSERT_FALSE(forA.empty());
  EXPECT_EQ(request("POST", "/v2/team/a/blobs/uploads/", bearer(forA)).status, 202);
  for (const std::string& path :
       {std::string("/v2/team/b/tags/list"), std::string("/v2/team/a-other/tags/list"),
        std::string("/v2/team/a/sub/tags/list"), std::string("/v2/team/tags/list")}) {
    const HttpResponse answer = request("GET", path, bearer(forA));
    EXPECT_EQ(answer.status, 401) << path << ": " << answer.body;
    EXPECT_EQ(codeOf(answer), "UNAUTHORIZED") << path;
    EXPECT_TRUE(contains(answer.header("WWW-Authenticate"), "error=\"insufficient_scope\""))
        << path;
  }
  const HttpResponse push = request("POST", "/v2/team/b/blobs/uploads/", bearer(forA));
  EXPECT_EQ(push.status, 401) << push.body;
  // A crafted token naming a pattern instead of a repository grants nothing either.
  const int64_t now = nowSeconds();
  const std::string pattern = craftToken(kTokenKey, "alice", ".*", {"*"}, now - 5, now + 600);
  EXPECT_EQ(request("GET", "/v2/team/b/tags/list", bearer(pattern)).status, 401);
}

TEST_F(HostileAuthTest, APullOnlyUserCannotPushWithPasswordOrToken) {
  const Headers reader = basic("reader", "readonly");
  const HttpResponse direct = request("POST", "/v2/team/app/blobs/uploads/", reader);
  EXPECT_EQ(direct.status, 403) << direct.body;
  EXPECT_EQ(codeOf(direct), "DENIED");

  // Asking for push gets a token with pull only; the push with it is denied.
  const std::string granted = token(reader, "repository:team/app:pull,push,delete");
  ASSERT_FALSE(granted.empty());
  EXPECT_EQ(request("GET", "/v2/team/app/tags/list", bearer(granted)).status, 404);
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/v2/team/app/blobs/uploads/"},
                                                        {"PUT", "/v2/team/app/manifests/v1"},
                                                        {"DELETE", "/v2/team/app/manifests/v1"}}) {
    const HttpResponse answer = request(method, path, bearer(granted));
    EXPECT_EQ(answer.status, 403) << method << " " << path << ": " << answer.body;
    EXPECT_EQ(codeOf(answer), "DENIED") << method << " " << path;
  }
  // A token the reader forged with push rights is not honoured: rules are checked again.
  const int64_t now = nowSeconds();
  const std::string forged =
      craftToken(kTokenKey, "reader", "team/app", {"pull", "push"}, now - 5, now + 600);
  const HttpResponse forgedPush = request("POST", "/v2/team/app/blobs/uploads/", bearer(forged));
  EXPECT_EQ(forgedPush.status, 403) << forgedPush.body;
}

}  // namespace
}  // namespace berth::testing
