// RegistrySignatureVerifier over HTTP against a registry that counts what it is asked: verdicts
// are remembered per requirement and digest until they expire, unknown answers never are, and
// the cache stays within its bound.
#include "admission/signature_verifier.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "tests/support/manual_clock.h"
#include "tests/support/temp_dir.h"

namespace berth::admission {
namespace {

using Outcome = supplychain::SignatureReport::Outcome;

std::string digestOf(char c) { return "sha256:" + std::string(64, c); }

// Every signature manifest it has holds no layers (an image signed by nobody); "broken"
// answers 500.
class CountingRegistry {
 public:
  CountingRegistry() {
    server_.Get(R"(/v2/(.+)/manifests/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  ++manifestGets;
                  if (req.matches[1] == "broken") {
                    res.status = 500;
                    return;
                  }
                  res.set_content(R"({"schemaVersion":2,"layers":[]})",
                                  "application/vnd.oci.image.manifest.v1+json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~CountingRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::atomic<int> manifestGets{0};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

supplychain::SignatureRequirement requirement(size_t minimum = 1) {
  auto key = supplychain::PublicKey::fromPem(berth::testing::readFile(berth::testing::sourcePath(
                                                 "tests/fixtures/policy/keys/release.pub")),
                                             "release.pub");
  EXPECT_TRUE(key);
  return supplychain::SignatureRequirement{{*key}, minimum, false};
}

class SignatureVerifierTest : public ::testing::Test {
 protected:
  supplychain::SignatureReport verify(RegistrySignatureVerifier& verifier,
                                      const std::string& repository, char digest,
                                      size_t minimum = 1) {
    return verifier.verify(repository, digestOf(digest), requirement(minimum), repository,
                           std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
  CountingRegistry registry_;
  RegistryEndpoint endpoint_{registry_.url(), false};
  berth::testing::ManualClock clock_;
};

TEST_F(SignatureVerifierTest, AVerdictIsReadOnceThenRememberedUntilItExpires) {
  RegistrySignatureVerifier verifier(endpoint_, clock_, {16, std::chrono::seconds(60)});
  auto report = verify(verifier, "release/app", 'a');
  EXPECT_EQ(report.outcome, Outcome::Unsatisfied) << report.reason;
  EXPECT_EQ(verify(verifier, "release/app", 'a').outcome, Outcome::Unsatisfied);
  EXPECT_EQ(registry_.manifestGets.load(), 1);
  // Another requirement (minimum 2 is another policy) is another verdict.
  verify(verifier, "release/app", 'a', 2);
  EXPECT_EQ(registry_.manifestGets.load(), 2);

  clock_.advance(std::chrono::seconds(61));  // a signature pushed since then must be seen
  verify(verifier, "release/app", 'a');
  EXPECT_EQ(registry_.manifestGets.load(), 3);
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
