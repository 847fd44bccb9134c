// Attacks on who may read and write what in a running `berth serve` (issue #15, items 1, 2
// and 4): content belongs to the repository it was pushed to, mounted into or fetched for;
// names that belong to upstreams cannot be pushed to; push and pull rules of the policy refuse.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "tests/integration/proxy_test_support.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using Headers = std::multimap<std::string, std::string>;

Headers basic(const std::string& user, const std::string& password) {
  return {{"Authorization", "Basic " + common::base64Encode(user + ":" + password)}};
}

void addUser(const std::string& htpasswd, const std::string& user, const std::string& password) {
  std::vector<std::string> argv = {"htpasswd", "-B", "-b"};
  if (!std::filesystem::exists(htpasswd)) argv.push_back("-c");
  argv.insert(argv.end(), {htpasswd, user, password});
  const CommandResult made = runCommand(argv);
  ASSERT_EQ(made.exitCode, 0) << "htpasswd (apache2-utils) is required: " << made.err;
}

std::string lines(const std::string& text, const std::string& needle) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out += line + "\n";
    start = end + 1;
  }
  return out;
}

// A registry with auth: alice may do everything, mallory may pull only from the pull-through
// cache of one upstream and push to her own repositories.
class ContentOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    up_ = std::make_unique<UpstreamRegistry>(dir_, "up");
    const std::string htpasswd = dir_.file("htpasswd");
    addUser(htpasswd, "alice", "wonderland");
    addUser(htpasswd, "mallory", "evil");
    const std::string config = dir_.write(
        "config.yaml",
        "registry:\n"
        "  auth:\n"
        "    htpasswd: " +
            htpasswd +
            "\n"
            "    access:\n"
            "      - {account: alice, repository: '.*', actions: ['*']}\n"
            "      - {account: mallory, repository: '" +
            up_->host() +
            "/.*', actions: [pull]}\n"
            "      - {account: mallory, repository: 'mallory/.*', actions: [pull, push]}\n"
            "  audit:\n"
            "    path: " +
            dir_.file("audit.log") +
            "\n"
            "  proxy:\n"
            "    upstreams:\n"
            "      - host: " +
            up_->address() +
            "\n"
            "        url: http://" +
            up_->address() +
            "\n"
            "        insecure: true\n");
    berth_ =
        std::make_unique<BerthServer>(std::vector<std::string>{"--config", config}, dir_.path());
    client_ = std::make_unique<HttpClient>("127.0.0.1", berth_->registryPort());
    // alice's private blob, stored in the shared content-addressed store.
    secret_ = "alice's private layer";
    digest_ = sha256Of(secret_);
    auto pushed = client_->request("POST", "/v2/private/app/blobs/uploads/?digest=" + digest_,
                                   secret_, alice_);
    ASSERT_EQ(pushed.status, 201) << pushed.body;
  }

  TempDir dir_;
  std::unique_ptr<UpstreamRegistry> up_;
  std::unique_ptr<BerthServer> berth_;
  std::unique_ptr<HttpClient> client_;
  const Headers alice_ = basic("alice", "wonderland");
  const Headers mallory_ = basic("mallory", "evil");
  std::string secret_;
  std::string digest_;
};

TEST_F(ContentOwnershipTest, APrivateBlobIsNotServedThroughAProxiedRepository) {
  ASSERT_EQ(client_->get("/v2/private/app/blobs/" + digest_, mallory_).status, 403);
  // The upstream does not hold the blob: asking it must not be skipped because the bytes are
  // already stored.
  for (const std::string method : {"GET", "HEAD"}) {
    auto through =
        client_->request(method, "/v2/" + up_->host() + "/anything/blobs/" + digest_, {}, mallory_);
    EXPECT_EQ(through.status, 404) << method << " " << through.body;
    EXPECT_NE(through.body, secret_);
    auto mirror = client_->request(
        method, "/v2/anything/blobs/" + digest_ + "?ns=" + up_->address(), {}, mallory_);
    EXPECT_EQ(mirror.status, 404) << method << " " << mirror.body;
  }
  EXPECT_EQ(errorCode(client_->get("/v2/" + up_->host() + "/anything/blobs/" + digest_, mallory_)),
            "BLOB_UNKNOWN");
}

TEST_F(ContentOwnershipTest, WithTheUpstreamDownAStoredBlobIsStillNotServed) {
  up_->stop();
  for (const std::string method : {"GET", "HEAD"}) {
    auto through =
        client_->request(method, "/v2/" + up_->host() + "/anything/blobs/" + digest_, {}, mallory_);
    EXPECT_EQ(through.status, 503) << method << " " << through.body;
    EXPECT_NE(through.body, secret_);
    auto mirror = client_->request(
        method, "/v2/anything/blobs/" + digest_ + "?ns=" + up_->address(), {}, mallory_);
    EXPECT_EQ(mirror.status, 503) << method << " " << mirror.body;
  }
}

TEST_F(ContentOwnershipTest, AMountCannotTakeABlobFromARepositoryItWasNeverFetchedFor) {
  up_->stop();
  (void)client_->get("/v2/" + up_->host() + "/anything/blobs/" + digest_, mallory_);
  // Mount from the proxied repository the probe above named, and from wherever the blob is.
  for (const std::string& query : std::vector<std::string>{
           "?mount=" + digest_ + "&from=" + up_->host() + "/anything", "?mount=" + digest_}) {
    auto mount = client_->request("POST", "/v2/mallory/loot/blobs/uploads/" + query, {}, mallory_);
    EXPECT_EQ(mount.status, 202) << query << ": " << mount.body;  // an upload, not a mount
    EXPECT_EQ(client_->get("/v2/mallory/loot/blobs/" + digest_, mallory_).status, 404) << query;
  }
  // alice may read the source: her mount works.
  auto mount = client_->request(
      "POST", "/v2/team/app/blobs/uploads/?mount=" + digest_ + "&from=private/app", {}, alice_);
  EXPECT_EQ(mount.status, 201) << mount.body;
}

// An anonymous registry (no htpasswd): anyone may push, so names that stand for upstreams
// must be refused to everyone.
TEST(UpstreamNamesTest, PushesUnderHostShapedOrUpstreamNamesAreDenied) {
  TempDir dir;
  const std::string config = dir.write("config.yaml",
                                       "registry:\n"
                                       "  proxy:\n"
                                       "    upstreams:\n"
                                       "      - {host: 'ghcr.io', alias: corp}\n");
  BerthServer berth({"--config", config, "--storage", dir.file("store")}, dir.path());
  HttpClient client("127.0.0.1", berth.registryPort());
  const std::string imageConfig = R"({"architecture":"amd64","os":"linux"})";
  const std::string layer = "planted layer";
  const std::string manifest = imageManifest(imageConfig, {layer});
  for (const std::string repo :
       {"registry.example.com/team-a/app", "registry.example.com_443/team-a/app",
        "127.0.0.1_5999/app", "localhost/app", "ghcr.io/team/app", "corp/team/app",
        "my.team/app"}) {
    auto upload =
        client.request("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + sha256Of(layer), layer);
    EXPECT_EQ(upload.status, 403) << repo << ": " << upload.body;
    EXPECT_EQ(errorCode(upload), "DENIED") << repo;
    auto session = client.request("POST", "/v2/" + repo + "/blobs/uploads/");
    EXPECT_EQ(session.status, 403) << repo;
    auto put = putManifest(client, repo, "1", manifest);
    EXPECT_EQ(put.status, 403) << repo << ": " << put.body;
    EXPECT_EQ(errorCode(put), "DENIED") << repo;
  }
  auto refused = putManifest(client, "registry.example.com/team-a/app", "1", manifest);
  EXPECT_NE(refused.body.find("registry host"), std::string::npos) << refused.body;
  // Berth's own names still take pushes; a dot later in the name is fine.
  pushImage(client, "team-a/app", "1", "own");
  pushImage(client, "team-a/app.v2", "1", "own2");
}

// Push and pull rules of the policy (docs/POLICY.md, "Operations") refuse at the registry, and
// each refusal is an audit line.
TEST(RegistryPolicyRulesTest, PushAndPullRulesRefuseWithTheRuleAndAreAudited) {
  TempDir dir;
  const std::string policy = dir.write(
      "policy.yaml",
      "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: registry-rules}\nspec:\n"
      "  default: {action: deny, message: only for pods}\n"
      "  rules:\n"
      "    - name: frozen\n"
      "      match: {images: ['localhost:5005/frozen/.*']}\n"
      "      operations: [push]\n"
      "      action: deny\n"
      "      message: frozen is read-only\n"
      "    - name: sealed\n"
      "      match: {images: ['localhost:5005/sealed/.*']}\n"
      "      operations: [pull]\n"
      "      action: deny\n"
      "      message: sealed images are not for pulling\n");
  BerthServer berth(
      {"--storage", dir.file("store"), "--policy", policy, "--audit-log", dir.file("audit.log")},
      dir.path());
  HttpClient client("127.0.0.1", berth.registryPort());

  // push: the manifest PUT is refused with the rule's message.
  const std::string config = R"({"architecture":"amd64","os":"linux","seed":"frozen"})";
  const std::string layer = "frozen layer";
  pushBlob(client, "frozen/app", config);
  pushBlob(client, "frozen/app", layer);
  auto put = putManifest(client, "frozen/app", "1", imageManifest(config, {layer}));
  EXPECT_EQ(put.status, 403) << put.body;
  EXPECT_EQ(errorCode(put), "DENIED");
  EXPECT_NE(put.body.find("frozen is read-only"), std::string::npos) << put.body;
  EXPECT_NE(put.body.find("frozen"), std::string::npos) << put.body;
  EXPECT_EQ(client.get("/v2/frozen/app/manifests/1").status, 404);

  // pull: manifests and blobs, by tag and by digest.
  const std::string digest = pushImage(client, "sealed/app", "1", "sealed");
  for (const std::string& path :
       std::vector<std::string>{"/v2/sealed/app/manifests/1", "/v2/sealed/app/manifests/" + digest,
                                "/v2/sealed/app/blobs/" + sha256Of("layer of sealed")}) {
    for (const std::string method : {"GET", "HEAD"}) {
      auto pulled = client.request(method, path);
      EXPECT_EQ(pulled.status, 403) << method << " " << path;
      if (method == "GET") {
        EXPECT_EQ(errorCode(pulled), "DENIED") << path;
        EXPECT_NE(pulled.body.find("sealed images are not for pulling"), std::string::npos)
            << pulled.body;
      }
    }
  }
  // A mount reads its source: it cannot copy a sealed blob out either.
  auto mount =
      client.request("POST", "/v2/other/app/blobs/uploads/?mount=" + sha256Of("layer of sealed") +
                                 "&from=sealed/app");
  EXPECT_EQ(mount.status, 202) << mount.body;

  // The document's default is for Pods: other repositories push and pull as usual.
  pushImage(client, "other/app", "1", "other");
  EXPECT_EQ(client.get("/v2/other/app/manifests/1").status, 200);

  const std::string audit = readFile(dir.file("audit.log"));
  const std::string refusedPush = lines(lines(audit, "\"push-manifest\""), "frozen/app");
  EXPECT_NE(refusedPush.find("\"status\":403"), std::string::npos) << audit;
  const std::string refusedPull = lines(lines(audit, "\"pull-manifest\""), "sealed/app");
  EXPECT_NE(refusedPull.find("\"status\":403"), std::string::npos) << audit;
  EXPECT_NE(lines(lines(audit, "\"pull-blob\""), "sealed/app").find("\"status\":403"),
            std::string::npos)
      << audit;
}

}  // namespace
}  // namespace berth::testing
