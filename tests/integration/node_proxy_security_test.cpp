// The node-local endpoint never serves what the registry would refuse (issue #15, item 6), and
// fetches blob bytes with an account of its own that never decides who may read (item 11).
// A real `berth serve` registry with htpasswd and access rules (public/* anonymously pullable,
// private/* not) and a real `berth serve --node-proxy-listen` in front of it; the registry is
// stopped to play the network partition an attacker on the node would wait for.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/base64.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/json_lines.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using Headers = std::multimap<std::string, std::string>;

constexpr const char* kNodePassword = "node-secret-7d1f";

Headers basic(const std::string& user, const std::string& password) {
  return {{"Authorization", "Basic " + common::base64Encode(user + ":" + password)}};
}
const Headers kAlice = basic("alice", "wonderland");

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class NodeProxySecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    requireTool("htpasswd");
    for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
             {"alice", "wonderland"}, {"bob", "builder"}, {"node", kNodePassword}}) {
      std::vector<std::string> argv = {"htpasswd", "-B", "-b"};
      if (!std::filesystem::exists(regDir_.file("htpasswd"))) argv.push_back("-c");
      argv.insert(argv.end(), {regDir_.file("htpasswd"), user, password});
      ASSERT_EQ(runCommand(argv).exitCode, 0);
    }
    startRegistry(true);
    nodePasswordFile_ = nodeDir_.write("node-password", std::string(kNodePassword) + "\n");
    startNode();
  }

  // alice may do everything, bob nothing, the node account may pull everything; anonymous
  // clients may pull public/* only while `anonymousPublic`.
  void startRegistry(bool anonymousPublic, int port = 0) {
    std::string config =
        "registry:\n"
        "  auth:\n"
        "    htpasswd: " +
        regDir_.file("htpasswd") +
        "\n"
        "    access:\n"
        "      - {account: alice, repository: '.*', actions: ['*']}\n"
        "      - {account: node, repository: '.*', actions: [pull]}\n";
    if (anonymousPublic) {
      config += "      - {account: anonymous, repository: 'public/.*', actions: [pull]}\n";
    }
    config += "  audit: {path: " + regDir_.file("audit.log") + "}\n";
    std::vector<std::string> args = {"--config", regDir_.write("registry.yaml", config)};
    if (port != 0) {
      args.insert(args.end(), {"--registry-listen", "127.0.0.1:" + std::to_string(port)});
    }
    registry_.reset();
    registry_ = std::make_unique<BerthServer>(args, regDir_.path());
  }

  void startNode(const std::string& password = {}) {
    const std::string file =
        password.empty() ? nodePasswordFile_ : nodeDir_.write("other-password", password);
    const std::string config = nodeDir_.write(
        "node.yaml", "nodeProxy:\n  cacheDir: " + nodeDir_.file("cache") +
                         "\n  registryAuth:\n    username: node\n    passwordFile: " + file + "\n");
    node_.reset();
    node_ = std::make_unique<BerthServer>(
        std::vector<std::string>{"--node-proxy-listen", "127.0.0.1:0", "--upstream-registry",
                                 "http://" + registry_->registryAddress(), "--config", config},
        nodeDir_.path());
  }

  std::string push(const std::string& repo, const std::string& bytes) {
    HttpClient client("127.0.0.1", registry_->registryPort());
    const std::string digest = sha256Of(bytes);
    auto r =
        client.request("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, bytes, kAlice);
    EXPECT_EQ(r.status, 201) << r.body;
    return digest;
  }

  HttpResponse viaNode(const std::string& method, const std::string& repo,
                       const std::string& digest, const Headers& headers = {}) {
    HttpClient client("127.0.0.1", node_->registryPort());
    return client.request(method, "/v2/" + repo + "/blobs/" + digest, {}, headers);
  }

  bool cached(const std::string& digest) const {
    const std::string hex = digest.substr(7);
    return std::filesystem::exists(
        nodeDir_.file("cache/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data"));
  }

  // The registry's audit lines for blob GETs of `digest`.
  std::vector<nlohmann::json> blobPulls(const std::string& digest) const {
    std::vector<nlohmann::json> out;
    for (auto& line : readJsonLines(regDir_.file("audit.log"))) {
      if (line["operation"] == "pull-blob" && line["digest"] == digest) out.push_back(line);
    }
    return out;
  }

  void expectUnavailable(const HttpResponse& r) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(errorCode(r), "UNAVAILABLE") << r.body;
  }

  TempDir regDir_;
  TempDir nodeDir_;
  std::string nodePasswordFile_;
  std::unique_ptr<BerthServer> registry_;
  std::unique_ptr<BerthServer> node_;
};

TEST_F(NodeProxySecurityTest, AnonymousClientGetsNoPrivateBlobFromTheCacheWhenTheRegistryIsDown) {
  const std::string bytes = "a private layer";
  const std::string digest = push("private/app", bytes);
  const auto refused = viaNode("GET", "private/app", digest);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(errorCode(refused), "UNAUTHORIZED") << refused.body;
  EXPECT_TRUE(contains(refused.header("WWW-Authenticate"), "realm="))
      << refused.header("WWW-Authenticate");
  const auto alice = viaNode("GET", "private/app", digest, kAlice);
  ASSERT_EQ(alice.status, 200);
  EXPECT_EQ(alice.body, bytes);
  ASSERT_TRUE(cached(digest));  // what the attacker is after is on the node
  EXPECT_EQ(viaNode("GET", "private/app", digest).status, 401);

  registry_->stop();
  expectUnavailable(viaNode("GET", "private/app", digest));
  EXPECT_EQ(viaNode("HEAD", "private/app", digest).status, 503);
  expectUnavailable(viaNode("GET", "private/app", digest, basic("alice", "wrong")));
  // Nobody can tell the node that alice may still read it.
  expectUnavailable(viaNode("GET", "private/app", digest, kAlice));
  // Manifests and tags are never cached: without the registry there is no answer.
  HttpClient node("127.0.0.1", node_->registryPort());
  expectUnavailable(node.get("/v2/private/app/manifests/latest", kAlice));
  expectUnavailable(node.get("/v2/private/app/tags/list"));
}

TEST_F(NodeProxySecurityTest, PublicBlobIsServedWhileTheRegistryIsDownAndAfterARestart) {
  const std::string byAliceBytes = "a public layer alice pulled";
  const std::string byAnonymousBytes = "a public layer pulled anonymously";
  const std::string byAlice = push("public/app", byAliceBytes);
  const std::string byAnonymous = push("public/app", byAnonymousBytes);
  const std::string neverPulled = push("public/app", "a public layer nobody pulled");
  ASSERT_EQ(viaNode("GET", "public/app", byAlice, kAlice).status, 200);
  ASSERT_EQ(viaNode("GET", "public/app", byAnonymous).status, 200);

  registry_->stop();
  auto expectServed = [&](const std::string& digest, const std::string& bytes) {
    const auto r = viaNode("GET", "public/app", digest);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, bytes);
    const auto head = viaNode("HEAD", "public/app", digest);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), std::to_string(bytes.size()));
  };
  expectServed(byAlice, byAliceBytes);
  expectServed(byAnonymous, byAnonymousBytes);
  expectUnavailable(viaNode("GET", "public/app", neverPulled));

  startNode();  // the records are in the cache directory
  expectServed(byAlice, byAliceBytes);
  expectServed(byAnonymous, byAnonymousBytes);
  EXPECT_TRUE(contains(node_->log(), "serving a cached anonymously pullable blob"));
}

TEST_F(NodeProxySecurityTest, ARecordIsPerRepository) {
  const std::string bytes = "one layer in a public and a private repository";
  const std::string digest = push("private/app", bytes);
  ASSERT_EQ(push("public/app", bytes), digest);
  ASSERT_EQ(viaNode("GET", "public/app", digest).status, 200);
  EXPECT_EQ(viaNode("GET", "private/app", digest).status, 401);
  ASSERT_EQ(viaNode("GET", "private/app", digest, kAlice).status, 200);

  registry_->stop();
  expectUnavailable(viaNode("GET", "private/app", digest));
  expectUnavailable(viaNode("GET", "private/app", digest, kAlice));
  expectUnavailable(viaNode("GET", "private/other", digest));
  EXPECT_EQ(viaNode("GET", "public/app", digest).body, bytes);
}

TEST_F(NodeProxySecurityTest, ARecordFollowsTheRegistrysLatestAnswer) {
  const std::string digest = push("public/app", "a layer that stops being public");
  ASSERT_EQ(viaNode("GET", "public/app", digest, kAlice).status, 200);
  const int port = registry_->registryPort();
  registry_->stop();
  ASSERT_EQ(viaNode("GET", "public/app", digest).status, 200);

  // public/* is no longer anonymously pullable; alice's next read teaches the node so.
  startRegistry(false, port);
  EXPECT_EQ(viaNode("GET", "public/app", digest).status, 401);
  registry_->stop();
  expectUnavailable(viaNode("GET", "public/app", digest));

  startRegistry(true, port);
  ASSERT_EQ(viaNode("GET", "public/app", digest, kAlice).status, 200);
  startRegistry(false, port);
  ASSERT_EQ(viaNode("GET", "public/app", digest, kAlice).status, 200);
  registry_->stop();
  expectUnavailable(viaNode("GET", "public/app", digest));
}

TEST_F(NodeProxySecurityTest, TheNodesOwnCredentialNeverDecidesWhoMayRead) {
  const std::string bytes = "a private layer the node account may pull";
  const std::string digest = push("private/app", bytes);
  // The node account could read it; the clients below cannot, and the registry says so.
  for (const auto& method : {"GET", "HEAD"}) {
    const auto anonymous = viaNode(method, "private/app", digest);
    EXPECT_EQ(anonymous.status, 401) << method;
    EXPECT_TRUE(contains(anonymous.header("WWW-Authenticate"), "realm=")) << method;
  }
  const auto bob = viaNode("GET", "private/app", digest, basic("bob", "builder"));
  EXPECT_EQ(bob.status, 403);
  EXPECT_EQ(errorCode(bob), "DENIED") << bob.body;
  EXPECT_EQ(viaNode("GET", "private/app", digest, basic("alice", "wrong")).status, 401);
  EXPECT_EQ(viaNode("GET", "private/app", digest, basic("node", "guess")).status, 401);
  EXPECT_FALSE(cached(digest));
  EXPECT_TRUE(blobPulls(digest).empty());

  ASSERT_EQ(viaNode("GET", "private/app", digest, kAlice).body, bytes);
  // Cached now; still the client's own credential decides.
  EXPECT_EQ(viaNode("GET", "private/app", digest).status, 401);
  EXPECT_EQ(viaNode("GET", "private/app", digest, basic("bob", "builder")).status, 403);

  // The bytes crossed once, fetched by the node's account, not alice's.
  const auto pulls = blobPulls(digest);
  ASSERT_EQ(pulls.size(), 1u) << readFile(regDir_.file("audit.log"));
  EXPECT_EQ(pulls[0]["user"], "node") << pulls[0].dump();
  EXPECT_EQ(pulls[0]["status"], 200) << pulls[0].dump();
  EXPECT_FALSE(contains(node_->log(), kNodePassword));
  EXPECT_FALSE(contains(node_->log(), common::base64Encode(std::string("node:") + kNodePassword)));
}

TEST_F(NodeProxySecurityTest, AWrongNodeCredentialFailsClosedInsteadOfBorrowingTheClients) {
  startNode("not-the-node-password");
  const std::string digest = push("private/app", "a layer behind a wrong node password");
  expectUnavailable(viaNode("GET", "private/app", digest, kAlice));
  EXPECT_FALSE(cached(digest));
  for (const auto& pull : blobPulls(digest)) EXPECT_NE(pull["user"], "alice") << pull.dump();
  EXPECT_TRUE(contains(node_->log(), "registry blob fetch failed: HTTP 401")) << node_->log();
  EXPECT_FALSE(contains(node_->log(), "not-the-node-password"));
}

TEST(NodeProxyCredentialConfigTest, AnUnusableCredentialStopsServe) {
  TempDir dir;
  auto serve = [&](const std::string& registryAuth, bool checkOnly) {
    const std::string config =
        dir.write("node.yaml",
                  "nodeProxy:\n  listen: 127.0.0.1:0\n  upstreamRegistry: http://127.0.0.1:1\n"
                  "  cacheDir: " +
                      dir.file("cache") + "\n  registryAuth:\n" + registryAuth);
    std::vector<std::string> argv = {berthBinary(), "serve", "--config", config};
    if (checkOnly) argv.push_back("--check-config");
    return runCommand(argv);
  };
  for (bool checkOnly : {false, true}) {
    const auto missing =
        serve("    username: node\n    passwordFile: " + dir.file("absent") + "\n", checkOnly);
    EXPECT_EQ(missing.exitCode, 2) << missing.out << missing.err;
    EXPECT_TRUE(contains(missing.err,
                         "nodeProxy.registryAuth.passwordFile: cannot read " + dir.file("absent")))
        << missing.err;

    const auto userOnly = serve("    username: node\n", checkOnly);
    EXPECT_EQ(userOnly.exitCode, 2) << userOnly.out << userOnly.err;
    EXPECT_TRUE(contains(userOnly.err, dir.file("node.yaml") + ":6:")) << userOnly.err;
    EXPECT_TRUE(contains(userOnly.err, "'registryAuth' needs both 'username' and 'passwordFile'"))
        << userOnly.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("cache")));
}

}  // namespace
}  // namespace berth::testing
