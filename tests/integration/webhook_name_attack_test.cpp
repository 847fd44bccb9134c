// Attacks on the name an image is judged by, through the webhooks over HTTPS (issue #15,
// items 2, 3 and 5): an odd spelling of a denied host, a host-shaped name under the rewrite
// target posing as an upstream's image, and a pin that would ask a same-named local repository.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "tests/integration/webhook_test_support.h"

namespace berth::testing {
namespace {

constexpr const char* kPolicy = R"(apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: no-evil}
spec:
  rules:
    - {name: no-evil, match: {images: ['ghcr\.io/evil/.*']}, action: deny, message: evil is banned}
    - name: pin
      match: {images: ['ghcr\.io/pinned/.*', 'registry\.example\.com/pinned/.*']}
      action: require-digest
      pin: true
      onPinFailure: deny
---
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: prod-allowlist}
spec:
  namespaces: [prod]
  default: {action: deny, message: only team-a images in prod}
  rules:
    - {name: team-a, match: {images: ['registry\.example\.com/team-a/.*']}, action: allow}
)";

// A registry that knows every tag, recording the manifest paths it is asked for.
class RecordingRegistry {
 public:
  RecordingRegistry() {
    server_.Get(R"(/v2/(.+)/manifests/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mutex_);
                  asked_.push_back(req.path);
                  res.set_header("Docker-Content-Digest", "sha256:" + std::string(64, 'f'));
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> asked_;
};

class WebhookNameAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string policy = dir_.write("policy.yaml", kPolicy);
    const std::string config =
        dir_.write("config.yaml", "webhook:\n  registryUrl: " + registry_.url() +
                                      "\nregistry:\n  proxy:\n    upstreams:\n"
                                      "      - {host: docker.io}\n      - {host: ghcr.io}\n");
    server_ = std::make_unique<WebhookServer>(
        std::vector<std::string>{"--config", config, "--policy", policy});
  }

  // The answer to a review of a Pod with one container running `image` in `ns`.
  nlohmann::json review(const std::string& path, const std::string& image,
                        const std::string& ns = "default") {
    auto body = nlohmann::json::parse(admissionFixture("pod-create-denied.json"));
    body["request"]["namespace"] = ns;
    body["request"]["object"]["metadata"]["namespace"] = ns;
    body["request"]["object"]["spec"]["containers"] =
        nlohmann::json::array({{{"name", "app"}, {"image", image}}});
    body["request"]["object"]["spec"].erase("initContainers");
    const HttpsAnswer answer = server_->post(path, body.dump());
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.json.is_object() ? answer.json["response"] : nlohmann::json::object();
  }

  static std::string message(const nlohmann::json& response) {
    return response.contains("status") ? response["status"].value("message", "") : "";
  }

  TempDir dir_;
  RecordingRegistry registry_;
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(WebhookNameAttackTest, ADeniedHostIsDeniedHoweverItIsSpelled) {
  for (const std::string image : {"ghcr.io/evil/miner:1", "GHCR.IO/evil/miner:1",
                                  "ghcr.io:443/evil/miner:1", "Ghcr.Io:443/evil/miner:1"}) {
    const auto response = review("/validate", image);
    EXPECT_EQ(response["allowed"], false) << image << " " << response;
    EXPECT_NE(message(response).find("evil is banned"), std::string::npos) << response;
  }
}

TEST_F(WebhookNameAttackTest, AReferenceThatCannotBeNormalisedIsDeniedWithTheReason) {
  const auto response = review("/validate", "Evil/miner:1");
  EXPECT_EQ(response["allowed"], false) << response;
  EXPECT_NE(message(response).find("must be lowercase"), std::string::npos) << response;
}

TEST_F(WebhookNameAttackTest, AHostShapedNameUnderTheTargetDoesNotPassAsThatHost) {
  EXPECT_EQ(review("/validate", "registry.example.com/team-a/app:1", "prod")["allowed"], true);
  const auto laundered =
      review("/validate", "localhost:5005/registry.example.com/team-a/app:1", "prod");
  EXPECT_EQ(laundered["allowed"], false) << laundered;
  EXPECT_NE(message(laundered).find("only team-a images in prod"), std::string::npos) << laundered;
}

TEST_F(WebhookNameAttackTest, APinAsksOnlyTheImagesRealSource) {
  const auto upstream = review("/mutate", "ghcr.io/pinned/app:1");
  EXPECT_EQ(upstream["allowed"], true) << upstream;
  EXPECT_TRUE(upstream.contains("patch")) << upstream;
  EXPECT_EQ(registry_.asked(), std::vector<std::string>{"/v2/ghcr.io/pinned/app/manifests/1"});

  // Not an upstream: a same-named repository of Berth's own must not answer for it.
  const auto external = review("/mutate", "registry.example.com/pinned/app:1");
  EXPECT_EQ(external["allowed"], false) << external;
  EXPECT_NE(message(external).find("not a pull-through upstream"), std::string::npos) << external;
  EXPECT_EQ(registry_.asked().size(), 1u);
}

}  // namespace
}  // namespace berth::testing
