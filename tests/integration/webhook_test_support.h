#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace httplib {
class SSLClient;
}

namespace berth::testing {

inline constexpr const char* kWebhookService = "berth-webhook";
inline constexpr const char* kWebhookNamespace = "berth";

// Runs `berth certs generate` for the webhook Service (plus "localhost", which the tests dial)
// into DIR; fails the calling test when it does not succeed.
void generateWebhookCerts(const std::string& dir, const std::vector<std::string>& extra = {});

struct HttpsAnswer {
  int status = 0;  // 0: no answer (connection or TLS failure)
  std::string body;
  nlohmann::json json;  // the body parsed, or null
};

// `berth serve` with the webhook on HTTPS (certificates from `berth certs generate`) and an
// HTTPS keep-alive client that verifies the server against the generated CA.
class WebhookServer {
 public:
  // extraArgs are added to `berth serve` (--policy, --config, ...).
  explicit WebhookServer(std::vector<std::string> extraArgs);
  ~WebhookServer();

  HttpsAnswer post(const std::string& path, const std::string& body);
  HttpsAnswer get(const std::string& path);
  // Sends `bytes` as they are over a new verified TLS connection and reads until the server
  // closes it: for requests a client library would not send (a head without its body).
  HttpsAnswer rawExchange(const std::string& bytes);
  const std::string& certDir() const { return certDir_; }
  BerthServer& server() { return *server_; }
  TempDir& dir() { return dir_; }

 private:
  TempDir dir_;
  std::string certDir_;
  std::unique_ptr<BerthServer> server_;
  std::unique_ptr<httplib::SSLClient> client_;
};

// The fixture text of tests/fixtures/admission/NAME.
std::string admissionFixture(const std::string& name);
// The review with request.object replaced (for a second review of a patched object).
std::string withObject(const std::string& reviewText, const nlohmann::json& object);
// An AdmissionReview of a Pod CREATE in namespace team-a whose one container runs `image`.
std::string podReview(const std::string& image);
// The decoded JSON Patch of an AdmissionReview response ("" when none).
std::string responsePatch(const nlohmann::json& review);
// Posts a Pod on `image` (a tag) to the mutating webhook: success when it is admitted with the
// tag pinned to `digest` (`image@digest` in the patch).
::testing::AssertionResult pinnedByMutation(WebhookServer& server, const std::string& image,
                                            const std::string& digest);
// Applies a JSON Patch to an object with `kubectl patch --local --type=json`; returns the
// patched object. Fails the calling test if kubectl is missing or refuses.
nlohmann::json kubectlPatch(const nlohmann::json& object, const std::string& patch);

}  // namespace berth::testing
