// RegistrySignatureVerifier over HTTP against a registry that counts what it is asked: a
// satisfied verdict is remembered per requirement and digest until it expires, a refusal or an
// unknown answer never is, and the cache stays within its bound.
#include "admission/signature_verifier.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "common/oci/digest.h"
#include "tests/support/cosign_signing.h"
#include "tests/support/manual_clock.h"

namespace berth::admission {
namespace {

using namespace supplychain::fixtures;
using Outcome = supplychain::SignatureReport::Outcome;

std::string digestOf(char c) { return "sha256:" + std::string(64, c); }

// Serves what the test put at a path; "broken/..." answers 500, anything else unknown 404.
class CountingRegistry {
 public:
  CountingRegistry() {
    server_.Get(R"(/v2/.+)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (req.path.find("/manifests/") != std::string::npos) ++manifestGets;
      if (req.path.rfind("/v2/broken/", 0) == 0) {
        res.status = 500;
        return;
      }
      const auto it = content_.find(req.path);
      if (it == content_.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the listen loop has started is lost, and the join would wait forever.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CountingRegistry() {
    server_.stop();
    thread_.join();
  }
  void put(const std::string& path, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex_);
    content_[path] = body;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::atomic<int> manifestGets{0};

 private:
  httplib::Server server_;
  std::mutex mutex_;
  std::map<std::string, std::string> content_;
  int port_ = 0;
  std::thread thread_;
};

class SignatureVerifierTest : public ::testing::Test {
 protected:
  // Signs digestOf(c) in `repository` with the release key.
  void sign(const std::string& repository, char c) {
    const std::string digest = digestOf(c);
    const std::string payload = payloadFor(repository, digest);
    registry_.put("/v2/" + repository + "/blobs/" + oci::digestOf(payload).str(), payload);
    const nlohmann::json manifest{
        {"schemaVersion", 2},
        {"layers",
         {signatureLayerJson(payload, supplychain::fixtures::sign(key_.get(), payload))}}};
    registry_.put("/v2/" + repository + "/manifests/" + *supplychain::cosignSignatureTag(digest),
                  manifest.dump());
  }
  supplychain::SignatureReport verify(RegistrySignatureVerifier& verifier,
                                      const std::string& repository, char c, size_t minimum = 1) {
    return verifier.verify(repository, digestOf(c), requirement(minimum), repository,
                           std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
  supplychain::SignatureRequirement requirement(size_t minimum) {
    return supplychain::SignatureRequirement{{loaded(key_.get(), "release.pub")}, minimum, false};
  }

  KeyPtr key_ = ecKey("P-256");
  CountingRegistry registry_;
  RegistryEndpoint endpoint_{registry_.url(), false};
  berth::testing::ManualClock clock_;
};

TEST_F(SignatureVerifierTest, ASatisfiedVerdictIsReadOnceThenRememberedUntilItExpires) {
  sign("release/app", 'a');
  RegistrySignatureVerifier verifier(endpoint_, clock_, {16, std::chrono::seconds(60)});
  auto report = verify(verifier, "release/app", 'a');
  EXPECT_EQ(report.outcome, Outcome::Satisfied) << report.reason;
  EXPECT_EQ(verify(verifier, "release/app", 'a').outcome, Outcome::Satisfied);
  EXPECT_EQ(registry_.manifestGets.load(), 1);
  // The same keys loaded again (each call builds its requirement anew, as a policy reload does)
  // share the verdict; another minimum is another requirement.
  EXPECT_EQ(verify(verifier, "release/app", 'a', 1).outcome, Outcome::Satisfied);
  EXPECT_EQ(registry_.manifestGets.load(), 1);
  EXPECT_EQ(verify(verifier, "release/app", 'a', 2).outcome, Outcome::Unsatisfied);
  EXPECT_EQ(registry_.manifestGets.load(), 2);

  clock_.advance(std::chrono::seconds(61));  // a signature deleted since then must be missed
  registry_.put("/v2/release/app/manifests/" + *supplychain::cosignSignatureTag(digestOf('a')),
                R"({"schemaVersion":2,"layers":[]})");
  EXPECT_EQ(verify(verifier, "release/app", 'a').outcome, Outcome::Unsatisfied);
  EXPECT_EQ(registry_.manifestGets.load(), 3);
}

TEST_F(SignatureVerifierTest, ARefusalIsNotRememberedSoASignatureAddedLaterCounts) {
  RegistrySignatureVerifier verifier(endpoint_, clock_);
  EXPECT_EQ(verify(verifier, "release/app", 'b').outcome, Outcome::Unsatisfied);
  sign("release/app", 'b');
  EXPECT_EQ(verify(verifier, "release/app", 'b').outcome, Outcome::Satisfied);
  EXPECT_EQ(registry_.manifestGets.load(), 2);
}

TEST_F(SignatureVerifierTest, AnUnknownAnswerIsNeverRemembered) {
  RegistrySignatureVerifier verifier(endpoint_, clock_);
  const auto report = verify(verifier, "broken", 'a');
  EXPECT_EQ(report.outcome, Outcome::Unverifiable);
  EXPECT_NE(report.reason.find("HTTP 500"), std::string::npos) << report.reason;
  verify(verifier, "broken", 'a');
  EXPECT_EQ(registry_.manifestGets.load(), 2);
  EXPECT_EQ(verifier.cachedVerdicts(), 0u);
}

TEST_F(SignatureVerifierTest, TheCacheKeepsItsBoundByDroppingTheOldest) {
  for (char c : {'a', 'b', 'c'}) sign("release/app", c);
  RegistrySignatureVerifier verifier(endpoint_, clock_, {2, std::chrono::seconds(60)});
  verify(verifier, "release/app", 'a');
  verify(verifier, "release/app", 'b');
  verify(verifier, "release/app", 'c');  // drops a
  EXPECT_EQ(verifier.cachedVerdicts(), 2u);
  verify(verifier, "release/app", 'c');
  EXPECT_EQ(registry_.manifestGets.load(), 3);
  verify(verifier, "release/app", 'a');
  EXPECT_EQ(registry_.manifestGets.load(), 4);
}

TEST_F(SignatureVerifierTest, ARegistryThatIsNotThereIsUnverifiableNotUnsigned) {
  RegistryEndpoint nowhere("http://127.0.0.1:1", false);
  RegistrySignatureVerifier verifier(nowhere, clock_);
  const auto report = verify(verifier, "release/app", 'a');
  EXPECT_EQ(report.outcome, Outcome::Unverifiable);
  EXPECT_NE(report.reason.find("unreachable"), std::string::npos) << report.reason;
}

}  // namespace
}  // namespace berth::admission
