// The pull-through cache against a real upstream (Debian's docker-registry, CNCF distribution
// 2.8.2) seeded by skopeo with an image built by umoci, and the node-local endpoint in front of
// a Berth registry. A missing tool fails the test.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/hostile_support.h"
#include "tests/integration/proxy_test_support.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using nlohmann::json;

CommandResult run(const std::vector<std::string>& argv) {
  auto result = runCommand(argv);
  std::string line;
  for (const auto& a : argv) line += a + " ";
  EXPECT_EQ(result.exitCode, 0) << line << "\n" << result.out << result.err;
  return result;
}

// An OCI layout with tags v1 and v2 (different configs, same 3 MiB layer).
void buildImages(const TempDir& dir) {
  const std::string image = dir.file("layout") + ":v1";
  run({"umoci", "init", "--layout", dir.file("layout")});
  run({"umoci", "new", "--image", image});
  dir.write("src/hello.txt", "hello through the proxy\n");
  // Incompressible, so the layer is really 3 MiB and streams in many pieces.
  std::string data(3 << 20, '\0');
  uint32_t state = 12345;
  for (char& c : data) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 24);
  }
  dir.write("src/data.bin", data);
  run({"umoci", "insert", "--image", image, dir.file("src"), "/app"});
  run({"umoci", "config", "--image", image, "--config.label", "version=1"});
  run({"umoci", "config", "--image", image, "--config.label", "version=2", "--tag", "v2"});
}

std::string layoutDigest(const std::string& layout, const std::string& tag) {
  const auto index = json::parse(readFile(layout + "/index.json"));
  for (const auto& m : index.at("manifests")) {
    if (m.at("annotations").at("org.opencontainers.image.ref.name") == tag) {
      return m.at("digest").get<std::string>();
    }
  }
  return "";
}

void seed(const TempDir& dir, const UpstreamRegistry& up, const std::string& tag,
          const std::string& destTag, const std::vector<std::string>& creds = {}) {
  std::vector<std::string> argv = {"skopeo", "copy", "--dest-tls-verify=false"};
  argv.insert(argv.end(), creds.begin(), creds.end());
  argv.push_back("oci:" + dir.file("layout") + ":" + tag);
  argv.push_back("docker://" + up.address() + "/team/app:" + destTag);
  run(argv);
}

std::string inspectDigest(const std::string& ref) {
  const auto raw = run({"skopeo", "inspect", "--raw", "--tls-verify=false", ref}).out;
  return sha256Of(raw);
}

// The largest layer of a manifest.
std::string bigLayer(HttpClient& client, const std::string& repo, const std::string& ref) {
  auto r = client.get("/v2/" + repo + "/manifests/" + ref,
                      {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  const auto m = json::parse(r.body);
  std::string best;
  int64_t size = -1;
  for (const auto& l : m.at("layers")) {
    if (l.at("size").get<int64_t>() > size) {
      size = l.at("size").get<int64_t>();
      best = l.at("digest").get<std::string>();
    }
  }
  return best;
}

double metric(HttpClient& client, const std::string& series) {
  const std::string text = client.get("/metrics").body;
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + series.size() + 2));
}

size_t countLines(const std::string& text, const std::string& needle, const std::string& also) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos && line.find(also) != std::string::npos) ++n;
  }
  return n;
}

class RegistryProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"umoci", "skopeo", "docker-registry", "htpasswd"}) requireTool(tool);
    buildImages(dir_);
    v1_ = layoutDigest(dir_.file("layout"), "v1");
    v2_ = layoutDigest(dir_.file("layout"), "v2");
  }

  // Berth with the upstream configured; `extra` goes under registry.proxy.
  void startBerth(const UpstreamRegistry& up, const std::string& extra = {},
                  const std::string& upstreamExtra = {}) {
    const std::string config = dir_.write(
        "berth.yaml",
        "registry:\n  proxy:\n" + extra + "    upstreams:\n      - host: " + up.address() +
            "\n        url: http://" + up.address() +
            "\n        insecure: true\n        alias: upstream-test\n" + upstreamExtra);
    berth_ = std::make_unique<BerthServer>(
        std::vector<std::string>{"--config", config, "--audit-log", dir_.file("audit.log"),
                                 "--log-level", "debug"},
        dir_.path());
    client_ = std::make_unique<HttpClient>("127.0.0.1", berth_->registryPort());
  }
  std::string ref(const UpstreamRegistry& up, const std::string& tag) const {
    return "docker://" + berth_->registryAddress() + "/" + up.host() + "/team/app:" + tag;
  }

  TempDir dir_;
  std::string v1_, v2_;
  std::unique_ptr<BerthServer> berth_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RegistryProxyTest, PullsByRewrittenNameAliasAndMirrorFormAndAudits) {
  UpstreamRegistry up(dir_, "up");
  seed(dir_, up, "v1", "1");
  startBerth(up);
  EXPECT_EQ(inspectDigest(ref(up, "1")), v1_);
  run({"skopeo", "copy", "--src-tls-verify=false", ref(up, "1"),
       "oci:" + dir_.file("back") + ":1"});
  EXPECT_EQ(layoutDigest(dir_.file("back"), "1"), v1_);
  EXPECT_EQ(inspectDigest("docker://" + berth_->registryAddress() + "/upstream-test/team/app:1"),
            v1_);

  // containerd as a mirror: HEAD and GET /v2/<path>/manifests/<ref>?ns=<host>.
  const auto head = client_->request("HEAD", "/v2/team/app/manifests/1?ns=" + up.address());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Docker-Content-Digest"), v1_);
  const std::string layer = bigLayer(*client_, up.host() + "/team/app", "1");
  const auto blob = client_->get("/v2/team/app/blobs/" + layer + "?ns=" + up.address());
  EXPECT_EQ(blob.status, 200);
  EXPECT_EQ(sha256Of(blob.body), layer);

  // Cached under the rewritten name, listed like any repository.
  const auto catalog = json::parse(client_->get("/v2/_catalog").body);
  EXPECT_EQ(catalog.at("repositories"), json({up.host() + "/team/app"}));

  const std::string audit = readFile(dir_.file("audit.log"));
  EXPECT_EQ(countLines(audit, "\"proxy-fetch-manifest\"", v1_), 1u) << audit;
  EXPECT_EQ(countLines(audit, "\"proxy-fetch-blob\"", layer), 1u) << audit;
  EXPECT_GE(metric(*client_, "berth_proxy_cache_hits_total{kind=\"blob\"}"), 1);
  EXPECT_GE(metric(*client_, "berth_proxy_upstream_bytes_total"), 3 << 20);
}

TEST_F(RegistryProxyTest, UpstreamWithBasicAuth) {
  UpstreamRegistry up(dir_, "up", "alice", "s3cret");
  seed(dir_, up, "v1", "1", {"--dest-creds", "alice:s3cret"});
  startBerth(up, "",
             "        credentials:\n          - {pathPrefix: team, username: alice, "
             "password: s3cret}\n");
  EXPECT_EQ(inspectDigest(ref(up, "1")), v1_);
  run({"skopeo", "copy", "--src-tls-verify=false", ref(up, "1"),
       "oci:" + dir_.file("back") + ":1"});
}

TEST_F(RegistryProxyTest, ServesFromCacheWhenUpstreamIsDownAndRevalidatesAfterTtl) {
  UpstreamRegistry up(dir_, "up");
  seed(dir_, up, "v1", "1");
  startBerth(up, "    manifestTtl: 1\n");
  EXPECT_EQ(inspectDigest(ref(up, "1")), v1_);
  run({"skopeo", "copy", "--src-tls-verify=false", ref(up, "1"), "oci:" + dir_.file("a") + ":1"});

  // The tag moves upstream: served until the TTL passes, then the new digest.
  seed(dir_, up, "v2", "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(inspectDigest(ref(up, "1")), v2_);
  run({"skopeo", "copy", "--src-tls-verify=false", ref(up, "1"), "oci:" + dir_.file("a2") + ":1"});

  up.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // stale again
  EXPECT_EQ(inspectDigest(ref(up, "1")), v2_);
  run({"skopeo", "copy", "--src-tls-verify=false", ref(up, "1"), "oci:" + dir_.file("b") + ":1"});
  EXPECT_NE(berth_->log().find("serving a stale cached manifest"), std::string::npos);
  EXPECT_GE(metric(*client_, "berth_proxy_upstream_errors_total"), 1);

  // A tag never cached, with the upstream down: the client and the log say what happened.
  const auto uncached = client_->get("/v2/" + up.host() + "/team/app/manifests/v9");
  EXPECT_EQ(uncached.status, 503);
  EXPECT_EQ(errorCode(uncached), "UNAVAILABLE");
  for (const std::string& expected :
       {"upstream registry unreachable: " + up.address() + ": connection refused",
        "; no cached copy of " + up.host() + "/team/app:v9"}) {
    EXPECT_NE(uncached.body.find(expected), std::string::npos) << uncached.body;
    EXPECT_NE(berth_->log().find(expected), std::string::npos) << berth_->log();
  }
}

TEST_F(RegistryProxyTest, CorruptUpstreamBlobIsNeitherServedNorCached) {
  UpstreamRegistry up(dir_, "up");
  seed(dir_, up, "v1", "1");
  startBerth(up);
  const std::string repo = up.host() + "/team/app";
  const std::string layer = bigLayer(*client_, repo, "1");
  {
    std::fstream f(up.blobFile(layer), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open());
    f.seekp(1000);
    f.write("XXXX", 4);
  }
  // The response is refused or cut short before its last byte (a read error for the client).
  try {
    const auto got = client_->get("/v2/" + repo + "/blobs/" + layer);
    EXPECT_NE(sha256Of(got.body), layer);
  } catch (const std::runtime_error&) {
    SUCCEED();
  }
  const std::string hex = layer.substr(7);
  EXPECT_FALSE(std::filesystem::exists(
      dir_.file("storage/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data")));
  EXPECT_GE(metric(*client_, "berth_proxy_upstream_errors_total"), 1);
}

TEST_F(RegistryProxyTest, PushIntoProxiedPathIsDenied) {
  UpstreamRegistry up(dir_, "up");
  startBerth(up);
  for (const std::string& name :
       std::vector<std::string>{up.host() + "/team/app", "upstream-test/team/app"}) {
    const auto post = client_->request("POST", "/v2/" + name + "/blobs/uploads/");
    EXPECT_EQ(post.status, 403);
    EXPECT_EQ(errorCode(post), "DENIED");
    EXPECT_NE(post.body.find("pull-through cache"), std::string::npos) << post.body;
  }
  const auto put = client_->request("PUT", "/v2/" + up.host() + "/team/app/manifests/1", "{}",
                                    {{"Content-Type", kOciManifestType}});
  EXPECT_EQ(errorCode(put), "DENIED");
  // A host-shaped first component that is no upstream is refused too: only upstreams own host
  // names (docs/REDIRECTION.md). Any other first component is an ordinary local repository.
  const auto hostShaped = client_->request("POST", "/v2/127.0.0.1_1/team/app/blobs/uploads/");
  EXPECT_EQ(hostShaped.status, 403);
  EXPECT_NE(hostShaped.body.find("registry host"), std::string::npos) << hostShaped.body;
  EXPECT_EQ(client_->request("POST", "/v2/team/app/blobs/uploads/").status, 202);
}

TEST_F(RegistryProxyTest, ConcurrentPullsOfOneBlobFetchItOnce) {
  UpstreamRegistry up(dir_, "up");
  seed(dir_, up, "v1", "1");
  startBerth(up);
  const std::string repo = up.host() + "/team/app";
  const std::string layer = bigLayer(*client_, repo, "1");
  std::atomic<int> good{0};
  std::vector<std::thread> pulls;
  for (int i = 0; i < 6; ++i) {
    pulls.emplace_back([&] {
      HttpClient c("127.0.0.1", berth_->registryPort());
      auto r = c.get("/v2/" + repo + "/blobs/" + layer);
      if (r.status == 200 && sha256Of(r.body) == layer) ++good;
    });
  }
  for (auto& t : pulls) t.join();
  EXPECT_EQ(good.load(), 6);
  // Every request missed the cache, but they joined one upstream fetch.
  EXPECT_LT(metric(*client_, "berth_proxy_upstream_bytes_total"), 2 * (3 << 20));
  EXPECT_EQ(countLines(up.log(), "\"GET /v2/team/app/blobs/" + layer, ""), 1u) << up.log();
}

TEST_F(RegistryProxyTest, EvictsLeastRecentlyUsedBeyondCacheMaxBytes) {
  UpstreamRegistry up(dir_, "up");
  seed(dir_, up, "v1", "1");
  startBerth(up, "    cacheMaxBytes: 1048576\n");
  const std::string repo = up.host() + "/team/app";
  const std::string layer = bigLayer(*client_, repo, "1");
  EXPECT_EQ(sha256Of(client_->get("/v2/" + repo + "/blobs/" + layer).body), layer);
  // The big layer is larger than the cache: the next fetch evicts it (and the manifest).
  run({"skopeo", "inspect", "--tls-verify=false", ref(up, "1")});
  EXPECT_NE(berth_->log().find("proxy cache evicted"), std::string::npos) << berth_->log();
  const std::string hex = layer.substr(7);
  EXPECT_FALSE(std::filesystem::exists(
      dir_.file("storage/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data")));
  // Evicted content is fetched again on demand.
  EXPECT_EQ(sha256Of(client_->get("/v2/" + repo + "/blobs/" + layer).body), layer);
}

TEST_F(RegistryProxyTest, NodeProxyForwardsPullsRefusesWritesAndCachesBlobs) {
  TempDir regDir;
  BerthServer registry({"--audit-log", regDir.file("audit.log")}, regDir.path());
  const std::string image = "docker://" + registry.registryAddress() + "/team/app:1";
  run({"skopeo", "copy", "--dest-tls-verify=false", "oci:" + dir_.file("layout") + ":v1", image});

  TempDir nodeDir;
  BerthServer node(
      {"--node-proxy-listen", "127.0.0.1:0", "--upstream-registry",
       "http://" + registry.registryAddress(), "--config",
       nodeDir.write("node.yaml", "nodeProxy:\n  cacheDir: " + nodeDir.file("cache") + "\n")},
      nodeDir.path());
  EXPECT_EQ(node.log().find("\"listener\":\"registry\""), std::string::npos);
  const std::string viaNode = "docker://" + node.registryAddress() + "/team/app:1";
  EXPECT_EQ(inspectDigest(viaNode), v1_);
  run({"skopeo", "copy", "--src-tls-verify=false", viaNode, "oci:" + dir_.file("n1") + ":1"});
  run({"skopeo", "copy", "--src-tls-verify=false", viaNode, "oci:" + dir_.file("n2") + ":1"});
  EXPECT_EQ(layoutDigest(dir_.file("n2"), "1"), v1_);

  HttpClient nodeClient("127.0.0.1", node.registryPort());
  const std::string layer = bigLayer(nodeClient, "team/app", "1");
  const std::string audit = readFile(regDir.file("audit.log"));
  EXPECT_EQ(countLines(audit, "\"pull-blob\"", layer), 1u) << audit;
  EXPECT_GE(metric(nodeClient, "berth_node_proxy_cache_hits_total"), 1);
  EXPECT_EQ(nodeClient.get("/readyz").status, 200);

  const auto post = nodeClient.request("POST", "/v2/team/app/blobs/uploads/");
  EXPECT_EQ(errorCode(post), "UNSUPPORTED");
  // A POST without Content-Length gets the same OCI error JSON, not a bare status.
  RawConnection raw(node.registryPort());
  ASSERT_TRUE(raw.send("POST /v2/team/app/blobs/uploads/ HTTP/1.1\r\nHost: node\r\n\r\n"));
  const std::string answer = raw.readResponse();
  const auto body = nlohmann::json::parse(bodyOf(answer), nullptr, false);
  ASSERT_TRUE(body.is_object()) << answer;
  EXPECT_EQ(body["errors"][0]["code"], "UNSUPPORTED") << answer;
  EXPECT_NE(answer.find("pull-only"), std::string::npos) << answer;
  EXPECT_EQ(errorCode(nodeClient.request("DELETE", "/v2/team/app/manifests/" + v1_)),
            "UNSUPPORTED");
}

}  // namespace
}  // namespace berth::testing
