// Hostile AdmissionReviews against the webhooks of a real `berth serve` (HTTPS with certificates
// from `berth certs generate`): namespaces a policy's rules exclude, invalid UTF-8, deep nesting,
// and catastrophic-backtracking patterns evaluated against long inputs. RE2 is linear-time, so
// these only need the right answer; no test here measures time.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/webhook_test_support.h"

namespace berth::testing {
namespace {

using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Policy "scoped" governs every namespace but kube-system; its mirror rule excludes infra-*.
// Policy "catastrophic" holds patterns that take exponential time in a backtracking engine.
constexpr const char* kPolicy = R"(apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: scoped}
spec:
  namespaces: {exclude: ['kube-system']}
  rules:
    - name: mirror
      match:
        images: ['docker\.io/.*']
        namespaces: {exclude: ['infra-.*']}
      action: rewrite
      target: localhost:5005
---
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: catastrophic}
spec:
  rules:
    - name: nested-quantifiers
      match: {images: ['evil\.example/(a+)+b:.*', 'evil\.example/(a|aa)+c:.*']}
      action: deny
      message: nested quantifiers matched
    - name: backtracking-namespace
      match: {images: ['.*'], namespaces: ['(x+x+)+y', '(.*a){25}']}
      action: deny
      message: namespace pattern matched
)";

class HostileWebhookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    policyDir_ = new TempDir();
    server_ = new WebhookServer({"--policy", policyDir_->write("policy.yaml", kPolicy)});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete policyDir_;
    policyDir_ = nullptr;
  }

  // The pod-create fixture with a single container, its image and the namespace replaced.
  static std::string podReview(const std::string& ns, const json& image) {
    auto review = json::parse(admissionFixture("pod-create.json"));
    review["request"]["namespace"] = ns;
    review["request"]["object"]["metadata"]["namespace"] = ns;
    review["request"]["object"]["spec"].erase("initContainers");
    auto& containers = review["request"]["object"]["spec"]["containers"];
    containers = json::array({containers[0]});
    containers[0]["image"] = image;
    return review.dump();
  }
  // Posts to the webhook and returns the response object of a 200 answer.
  static json respond(const std::string& path, const std::string& body) {
    const HttpsAnswer answer = server_->post(path, body);
    EXPECT_EQ(answer.status, 200) << answer.body;
    if (!answer.json.is_object() || !answer.json.contains("response")) return json::object();
    return answer.json["response"];
  }
  static void expectServing() {
    EXPECT_EQ(respond("/validate", podReview("team-a", "registry.example.com/ok:1"))["allowed"],
              true);
    EXPECT_TRUE(server_->server().process().running()) << server_->server().log();
  }

  static TempDir* policyDir_;
  static WebhookServer* server_;
};
TempDir* HostileWebhookTest::policyDir_ = nullptr;
WebhookServer* HostileWebhookTest::server_ = nullptr;

TEST_F(HostileWebhookTest, NamespacesThePolicyOrItsRulesExcludeAreAllowedUntouched) {
  // Governed and matched: rewritten (the contrast that shows the policy is live).
  const json governed = respond("/mutate", podReview("team-a", "nginx:1.25"));
  EXPECT_EQ(governed["allowed"], true);
  EXPECT_TRUE(governed.contains("patch"));
  for (const std::string& ns : {std::string("kube-system"), std::string("infra-tools")}) {
    for (const char* path : {"/mutate", "/validate"}) {
      const json response = respond(path, podReview(ns, "nginx:1.25"));
      EXPECT_EQ(response["allowed"], true) << ns << " " << path << ": " << response.dump();
      EXPECT_FALSE(response.contains("patch")) << ns << " " << path << ": " << response.dump();
      EXPECT_FALSE(response.contains("warnings")) << ns << " " << path;
    }
  }
  // Exclusion is by the whole name (patterns are anchored): look-alikes are governed.
  for (const std::string& ns : {std::string("kube-system-evil"), std::string("x-kube-system")}) {
    const json response = respond("/mutate", podReview(ns, "nginx:1.25"));
    EXPECT_TRUE(response.contains("patch")) << ns << ": " << response.dump();
  }
}

TEST_F(HostileWebhookTest, CatastrophicPatternsAgainstLongInputsGiveTheRightAnswer) {
  const std::string as(200, 'a');
  struct Case {
    std::string ns;
    std::string image;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"team-a", "evil.example/" + as + ":1", true},
      {"team-a", "evil.example/" + as + "b:1", false},
      {"team-a", "evil.example/" + as + "c:1", false},
      {"team-a", "evil.example/" + as + "d:1", true},
      {std::string(60, 'x'), "registry.example.com/ok:1", true},
      {std::string(60, 'x') + "y", "registry.example.com/ok:1", false},
      // Longer than Kubernetes allows: the webhook does not trust the API server to check.
      {std::string(100000, 'x'), "registry.example.com/ok:1", true},
      {std::string(100000, 'x') + "y", "registry.example.com/ok:1", false},
      {std::string(100000, 'b'), "registry.example.com/ok:1", true},
      {std::string(100000, 'a'), "registry.example.com/ok:1", false},
  };
  for (const Case& k : cases) {
    const json response = respond("/validate", podReview(k.ns, k.image));
    EXPECT_EQ(response["allowed"], k.allowed)
        << k.ns.substr(0, 70) << " " << k.image << ": " << response.dump().substr(0, 500);
    if (!k.allowed) {
      EXPECT_TRUE(contains(response.dump(), "matched")) << response.dump().substr(0, 500);
    }
  }
  // The same through the CLI, which evaluates with the same engine.
  const CommandResult cli =
      runCommand({berthBinary(), "policy", "test", "--policy", policyDir_->file("policy.yaml"),
                  "--namespace", std::string(50000, 'x'), "--image", "evil.example/" + as + ":1",
                  "--image", "evil.example/" + as + "b:1"});
  EXPECT_EQ(cli.exitCode, 0) << cli.err;
  EXPECT_TRUE(contains(cli.out, "nested-quantifiers")) << cli.out;
  EXPECT_TRUE(contains(cli.out, "allow")) << cli.out;
  expectServing();
}

TEST_F(HostileWebhookTest, InvalidUtf8IsRefusedOrDeniedNeverPassedOn) {
  // Raw invalid bytes in the JSON text: not JSON at all.
  std::string raw = podReview("team-a", "IMAGE_PLACEHOLDER");
  raw.replace(raw.find("IMAGE_PLACEHOLDER"), 17, "nginx\xff\xfe:1");
  for (const char* path : {"/mutate", "/validate"}) {
    const HttpsAnswer answer = server_->post(path, raw);
    EXPECT_EQ(answer.status, 400) << path << ": " << answer.body;
    EXPECT_TRUE(contains(answer.body, "not valid JSON")) << answer.body;
  }
  // A lone surrogate escape is invalid too.
  std::string surrogate = podReview("team-a", "IMAGE_PLACEHOLDER");
  surrogate.replace(surrogate.find("IMAGE_PLACEHOLDER"), 17, "nginx\\ud800:1");
  EXPECT_EQ(server_->post("/validate", surrogate).status, 400);
  // Valid UTF-8 that is not a valid reference: denied by validation, never rewritten.
  for (const std::string& image :
       {std::string("ngin\xc3\xa9x:1"), std::string("nginx:\xe2\x82\xac"),
        std::string("docker.io/library/nginx\xef\xbb\xbf:1")}) {
    const json validated = respond("/validate", podReview("team-a", image));
    EXPECT_EQ(validated["allowed"], false) << image << ": " << validated.dump();
    EXPECT_TRUE(contains(validated.dump(), "not a valid image reference")) << validated.dump();
    const json mutated = respond("/mutate", podReview("team-a", image));
    EXPECT_FALSE(mutated.contains("patch")) << image << ": " << mutated.dump();
  }
  expectServing();
}

TEST_F(HostileWebhookTest, DeeplyNestedReviewsAreRefusedAndTheServerSurvives) {
  const size_t depth = 500000;
  std::string objects;
  for (size_t i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  auto review = json::parse(podReview("team-a", "nginx:1.25"));
  review["request"]["object"]["metadata"]["labels"] = "NESTED";
  std::string body = review.dump();
  body.replace(body.find("\"NESTED\""), 8, objects);
  for (const char* path : {"/mutate", "/validate"}) {
    const HttpsAnswer answer = server_->post(path, body);
    EXPECT_EQ(answer.status, 400) << path;
    EXPECT_TRUE(contains(answer.body, "nests deeper")) << answer.body.substr(0, 300);
  }
  // Nesting within the limit where an image string belongs: judged invalid, not crashed.
  json nested = "nginx:1.25";
  for (int i = 0; i < 40; ++i) nested = json::array({nested});
  const HttpsAnswer answer = server_->post("/validate", podReview("team-a", nested));
  EXPECT_TRUE(answer.status == 200 || answer.status == 400) << answer.status;
  if (answer.status == 200) {
    EXPECT_EQ(answer.json["response"]["allowed"], false) << answer.body;
  }
  expectServing();
}

}  // namespace
}  // namespace berth::testing
