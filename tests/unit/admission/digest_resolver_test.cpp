#include "admission/digest_resolver.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "common/base64.h"
#include "tests/support/temp_dir.h"

namespace berth::admission {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'c');

// A registry that knows three tags of one repository; "slow" answers after a second.
class FakeRegistry {
 public:
  FakeRegistry() {
    server_.Get(R"(/v2/(.+)/manifests/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  lastPath_ = req.path;
                  lastAccept_ = req.get_header_value("Accept");
                  lastMethod_ = req.method;
                  lastAuthorization_ = req.get_header_value("Authorization");
                  const std::string tag = req.matches[2];
                  if (tag == "slow") std::this_thread::sleep_for(std::chrono::seconds(1));
                  if (tag == "1.0" || tag == "slow") {
                    res.set_header("Docker-Content-Digest", kDigest);
                  } else if (tag == "nodigest") {
                    res.set_header("Docker-Content-Digest", "md5:abc");
                  } else {
                    res.status = 404;
                  }
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::string lastPath_;
  std::string lastAccept_;
  std::string lastMethod_;
  std::string lastAuthorization_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

Deadline in(std::chrono::milliseconds ms) { return std::chrono::steady_clock::now() + ms; }

TEST(DigestResolverTest, ReadsDockerContentDigestOfAHeadRequest) {
  FakeRegistry registry;
  RegistryDigestResolver resolver(registry.url() + "/", false);
  auto digest = resolver.resolve("docker.io/library/nginx", "1.0", in(std::chrono::seconds(5)));
  ASSERT_TRUE(digest) << digest.error().message;
  EXPECT_EQ(*digest, kDigest);
  EXPECT_EQ(registry.lastMethod_, "HEAD");
  EXPECT_EQ(registry.lastPath_, "/v2/docker.io/library/nginx/manifests/1.0");
  for (const char* type :
       {"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json"}) {
    EXPECT_NE(registry.lastAccept_.find(type), std::string::npos) << type;
  }
}

TEST(DigestResolverTest, ReportsMissingTagsAndBadDigests) {
  FakeRegistry registry;
  RegistryDigestResolver resolver(registry.url(), false);
  auto missing = resolver.resolve("app", "2.0", in(std::chrono::seconds(5)));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("app:2.0"), std::string::npos);
  EXPECT_NE(missing.error().message.find("HTTP 404"), std::string::npos);
  auto bad = resolver.resolve("app", "nodigest", in(std::chrono::seconds(5)));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("no valid Docker-Content-Digest"), std::string::npos);
}

TEST(DigestResolverTest, GivesUpAtTheDeadline) {
  FakeRegistry registry;
  RegistryDigestResolver resolver(registry.url(), false);
  const auto start = std::chrono::steady_clock::now();
  auto slow = resolver.resolve("app", "slow", in(std::chrono::milliseconds(300)));
  EXPECT_FALSE(slow);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  auto late = resolver.resolve("app", "1.0", in(std::chrono::milliseconds(-1)));
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("no time left"), std::string::npos);
}

TEST(DigestResolverTest, ReportsAnUnreachableRegistry) {
  int port = 0;
  {
    httplib::Server closed;
    port = closed.bind_to_any_port("127.0.0.1");
  }
  RegistryDigestResolver resolver("http://127.0.0.1:" + std::to_string(port), false);
  auto result = resolver.resolve("app", "1.0", in(std::chrono::seconds(2)));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("unreachable"), std::string::npos)
      << result.error().message;
}

TEST(DigestResolverTest, DefaultsToThisProcesssRegistry) {
  common::WebhookConfig webhook;
  common::RegistryConfig registry;
  registry.listen = "0.0.0.0:5000";
  EXPECT_EQ(registryUrlFor(webhook, registry), "http://0.0.0.0:5000");
  registry.tls = {"c.pem", "k.pem"};
  EXPECT_EQ(registryUrlFor(webhook, registry), "https://0.0.0.0:5000");
  webhook.registryUrl = "https://registry.berth.svc:5000";
  EXPECT_EQ(registryUrlFor(webhook, registry), "https://registry.berth.svc:5000");
}

TEST(DigestResolverTest, LooksUpUnderTheWebhooksOwnCredentialOnly) {
  FakeRegistry registry;
  RegistryDigestResolver anonymous(registry.url(), false);
  ASSERT_TRUE(anonymous.resolve("team/app", "1.0", in(std::chrono::seconds(5))));
  EXPECT_EQ(registry.lastAuthorization_, "");
  testing::TempDir dir;
  common::WebhookConfig webhook;
  webhook.registryAuth = {"berth-webhook", dir.write("password", "s3cret\n")};
  auto authorization = resolverAuthorization(webhook);
  ASSERT_TRUE(authorization) << authorization.error().message;
  EXPECT_EQ(*authorization, "Basic " + common::base64Encode("berth-webhook:s3cret"));
  RegistryDigestResolver resolver(registry.url(), false, *authorization);
  ASSERT_TRUE(resolver.resolve("team/app", "1.0", in(std::chrono::seconds(5))));
  EXPECT_EQ(registry.lastAuthorization_, *authorization);
  // An unreadable password file is an error, never an anonymous lookup.
  webhook.registryAuth.passwordFile = dir.file("missing");
  EXPECT_FALSE(resolverAuthorization(webhook));
  EXPECT_TRUE(resolverAuthorization(common::WebhookConfig{})->empty());
}

}  // namespace
}  // namespace berth::admission
