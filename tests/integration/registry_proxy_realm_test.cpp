// Upstream credentials go only where they belong: the pull-through cache follows an upstream's
// `WWW-Authenticate` challenge, and the upstream (or an attacker on a plain-HTTP path) chooses
// the token realm. A fake upstream and a fake token realm on 127.0.0.x over plain HTTP record
// every Authorization header they receive.
#include <gtest/gtest.h>

#include <httplib.h>

#include <mutex>
#include <thread>

#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

// "alice:s3cret" in base64, the Basic credentials Berth is configured with.
constexpr const char* kBasicAlice = "Basic YWxpY2U6czNjcmV0";

// An http server on one loopback address that records the Authorization header of every
// request (an empty string when there was none).
class RecordingServer {
 public:
  explicit RecordingServer(const std::string& address) : address_(address) {
    // Berth keeps its connections to an upstream alive, and httplib's stop() waits out the
    // keep-alive timeout (5 s by default) of every idle one.
    server_.set_keep_alive_timeout(1);
  }
  ~RecordingServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  void start() {
    port_ = server_.bind_to_any_port(address_);
    ASSERT_GT(port_, 0) << "cannot bind " << address_;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  std::string hostPort() const { return address_ + ":" + std::to_string(port_); }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 protected:
  void record(const httplib::Request& req) {
    std::lock_guard lock(mutex_);
    seen_.push_back(req.get_header_value("Authorization"));
  }
  httplib::Server server_;

 private:
  std::string address_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

// A token service: any request gets a token that says whether credentials came with it.
class FakeTokenRealm : public RecordingServer {
 public:
  explicit FakeTokenRealm(const std::string& address) : RecordingServer(address) {
    server_.Get("/token", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      const bool credentials = !req.get_header_value("Authorization").empty();
      res.set_content(std::string(R"({"token":")") + (credentials ? "tok-alice" : "tok-anon") +
                          R"(","expires_in":300})",
                      "application/json");
    });
    start();
  }
  std::string realm() const { return "http://" + hostPort() + "/token"; }
};

// Blob storage on a host of its own, as registries use CDNs: serves kLayer at /cdn/<anything>.
constexpr const char* kLayer = "layer bytes kept on a CDN";

class FakeCdn : public RecordingServer {
 public:
  explicit FakeCdn(const std::string& address) : RecordingServer(address) {
    server_.Get(R"(/cdn/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_content(kLayer, "application/octet-stream");
    });
    start();
  }
  std::string url() const { return "http://" + hostPort() + "/cdn"; }
};

// A registry with one public manifest at team/app:1, behind a Bearer challenge that names
// `realm` (or a Basic challenge when `realm` is empty). Any token opens it. With `cdn`, blob
// requests are redirected there, signed in the query as a CDN would want.
class FakeUpstream : public RecordingServer {
 public:
  FakeUpstream(const std::string& address, std::string realm, std::string cdn = {})
      : RecordingServer(address), realm_(std::move(realm)) {
    manifest_ = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":)"
                R"("sha256:)" +
                std::string(64, 'c') + R"(","size":2},"layers":[]})";
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      const std::string authorization = req.get_header_value("Authorization");
      if (authorization.rfind("Bearer tok-", 0) != 0) {
        res.status = 401;
        res.set_header("WWW-Authenticate",
                       realm_.empty() ? R"(Basic realm="fake")"
                                      : R"(Bearer realm=")" + realm_ +
                                            R"(",service="fake",scope="repository:team/app:pull")");
        return;
      }
      res.set_header("Docker-Content-Digest", sha256Of(manifest_));
      res.set_content(manifest_, "application/vnd.oci.image.manifest.v1+json");
    };
    server_.Get("/v2/team/app/manifests/1", handler);
    server_.Get(R"(/v2/team/app/blobs/(sha256:[0-9a-f]{64}))",
                [this, cdn](const httplib::Request& req, httplib::Response& res) {
                  handlerFor401(req, res);
                  if (res.status == 401) return;
                  res.set_redirect(cdn + "/" + req.matches[1].str() + "?signature=s", 307);
                });
    start();
  }
  // The 401 with its challenge when the request carries no token of ours.
  void handlerFor401(const httplib::Request& req, httplib::Response& res) {
    record(req);
    if (req.get_header_value("Authorization").rfind("Bearer tok-", 0) == 0) return;
    res.status = 401;
    res.set_header("WWW-Authenticate", R"(Bearer realm=")" + realm_ +
                                           R"(",service="fake",scope="repository:team/app:pull")");
  }
  const std::string& manifest() const { return manifest_; }

 private:
  std::string realm_;
  std::string manifest_;
};

class RegistryProxyRealmTest : public ::testing::Test {
 protected:
  // Berth with `upstream` configured (credentials alice:s3cret) and the manifest pulled through.
  HttpResponse pullThrough(const FakeUpstream& upstream, bool insecure) {
    const std::string config = dir_.write(
        "berth.yaml", "registry:\n  proxy:\n    upstreams:\n      - host: " + upstream.hostPort() +
                          "\n        url: http://" + upstream.hostPort() +
                          "\n        insecure: " + (insecure ? "true" : "false") +
                          "\n        credentials:\n          - {username: alice, password: "
                          "s3cret}\n");
    berth_ =
        std::make_unique<BerthServer>(std::vector<std::string>{"--config", config}, dir_.path());
    HttpClient client("127.0.0.1", berth_->registryPort());
    std::string repository = upstream.hostPort();
    repository.replace(repository.find(':'), 1, "_");
    return client.get("/v2/" + repository + "/team/app/manifests/1",
                      {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  }

  // GET /v2/<upstream>/team/app/blobs/<digest> through the running Berth.
  HttpResponse pullBlob(const FakeUpstream& upstream, const std::string& digest) {
    HttpClient client("127.0.0.1", berth_->registryPort());
    std::string repository = upstream.hostPort();
    repository.replace(repository.find(':'), 1, "_");
    return client.get("/v2/" + repository + "/team/app/blobs/" + digest);
  }

  TempDir dir_;
  std::unique_ptr<BerthServer> berth_;
};

TEST_F(RegistryProxyRealmTest, PlainHttpRealmOfAnUpstreamNotInsecureGetsNoCredentials) {
  FakeTokenRealm realm("127.0.0.2");
  FakeUpstream upstream("127.0.0.2", realm.realm());
  const HttpResponse pulled = pullThrough(upstream, false);
  // The token is asked for anonymously, and public content still comes through.
  EXPECT_EQ(pulled.status, 200) << pulled.body;
  EXPECT_EQ(pulled.body, upstream.manifest());
  const auto seen = realm.authorizations();
  ASSERT_FALSE(seen.empty()) << "the realm was never asked";
  for (const auto& authorization : seen) EXPECT_EQ(authorization, "") << "credentials leaked";
  EXPECT_NE(berth_->log().find("upstream credentials withheld from the token realm"),
            std::string::npos)
      << berth_->log();
}

TEST_F(RegistryProxyRealmTest, InsecureUpstreamsOwnHostGetsTheCredentials) {
  FakeTokenRealm realm("127.0.0.2");
  FakeUpstream upstream("127.0.0.2", realm.realm());
  const HttpResponse pulled = pullThrough(upstream, true);
  EXPECT_EQ(pulled.status, 200) << pulled.body;
  EXPECT_EQ(realm.authorizations(), std::vector<std::string>{kBasicAlice});
}

TEST_F(RegistryProxyRealmTest, PlainHttpRealmOnAnotherHostGetsNoCredentialsEvenWhenInsecure) {
  FakeTokenRealm realm("127.0.0.3");
  FakeUpstream upstream("127.0.0.2", realm.realm());
  const HttpResponse pulled = pullThrough(upstream, true);
  EXPECT_EQ(pulled.status, 200) << pulled.body;
  const auto seen = realm.authorizations();
  ASSERT_FALSE(seen.empty()) << "the realm was never asked";
  for (const auto& authorization : seen) EXPECT_EQ(authorization, "") << "credentials leaked";
}

TEST_F(RegistryProxyRealmTest, BasicChallengeOverPlainHttpIsAnsweredOnlyForAnInsecureUpstream) {
  {
    FakeUpstream upstream("127.0.0.2", "");
    const HttpResponse pulled = pullThrough(upstream, false);
    EXPECT_EQ(pulled.status, 403) << pulled.body;
    EXPECT_EQ(errorCode(pulled), "DENIED") << pulled.body;
    const auto seen = upstream.authorizations();
    ASSERT_FALSE(seen.empty());
    for (const auto& authorization : seen) EXPECT_EQ(authorization, "") << "credentials leaked";
    EXPECT_NE(berth_->log().find("upstream credentials withheld from a Basic challenge"),
              std::string::npos)
        << berth_->log();
    berth_.reset();
  }
  FakeUpstream upstream("127.0.0.2", "");
  pullThrough(upstream, true);
  const auto seen = upstream.authorizations();
  EXPECT_NE(std::find(seen.begin(), seen.end(), kBasicAlice), seen.end())
      << "the insecure upstream's own Basic challenge is answered";
}

// The upstream's token goes to the upstream only: a blob it redirects to another host is fetched
// there without it, and arrives whole.
TEST_F(RegistryProxyRealmTest, ABlobRedirectedToAnotherHostIsFetchedThereWithoutCredentials) {
  FakeCdn cdn("127.0.0.3");
  FakeTokenRealm realm("127.0.0.2");
  FakeUpstream upstream("127.0.0.2", realm.realm(), cdn.url());
  ASSERT_EQ(pullThrough(upstream, true).status, 200);
  const std::string digest = sha256Of(kLayer);
  const HttpResponse blob = pullBlob(upstream, digest);
  EXPECT_EQ(blob.status, 200) << blob.body;
  EXPECT_EQ(blob.body, kLayer);
  EXPECT_EQ(cdn.authorizations(), std::vector<std::string>{""}) << "credentials followed";
  const auto seen = upstream.authorizations();
  EXPECT_NE(std::find(seen.begin(), seen.end(), "Bearer tok-alice"), seen.end())
      << "the upstream itself was asked with its token";
}

}  // namespace
}  // namespace berth::testing
