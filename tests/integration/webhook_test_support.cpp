#include "tests/integration/webhook_test_support.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace berth::testing {

void generateWebhookCerts(const std::string& dir, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {berthBinary(),
                                   "certs",
                                   "generate",
                                   "--service",
                                   kWebhookService,
                                   "--namespace",
                                   kWebhookNamespace,
                                   "--dns",
                                   "localhost",
                                   "--out",
                                   dir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const CommandResult result = runCommand(argv);
  ASSERT_EQ(result.exitCode, 0) << result.err;
}

WebhookServer::WebhookServer(std::vector<std::string> extraArgs) {
  certDir_ = dir_.file("certs");
  generateWebhookCerts(certDir_);
  std::vector<std::string> args = {"--webhook-tls-cert", certDir_ + "/tls.crt", "--webhook-tls-key",
                                   certDir_ + "/tls.key"};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  server_ = std::make_unique<BerthServer>(args, dir_.path());
  client_ = std::make_unique<httplib::SSLClient>("localhost", server_->webhookPort());
  client_->set_ca_cert_path((certDir_ + "/ca.crt").c_str());
  client_->enable_server_certificate_verification(true);
  client_->set_keep_alive(true);
  client_->set_read_timeout(30, 0);
  client_->set_address_family(AF_INET);
  client_->set_tcp_nodelay(true);  // as Go clients do; otherwise each review waits 40 ms
}

WebhookServer::~WebhookServer() = default;

namespace {

HttpsAnswer toAnswer(const httplib::Result& res) {
  HttpsAnswer answer;
  if (!res) return answer;
  answer.status = res->status;
  answer.body = res->body;
  answer.json = nlohmann::json::parse(res->body, nullptr, false);
  if (answer.json.is_discarded()) answer.json = nullptr;
  return answer;
}

}  // namespace

HttpsAnswer WebhookServer::post(const std::string& path, const std::string& body) {
  return toAnswer(client_->Post(path.c_str(), body, "application/json"));
}

HttpsAnswer WebhookServer::get(const std::string& path) {
  return toAnswer(client_->Get(path.c_str()));
}

HttpsAnswer WebhookServer::rawExchange(const std::string& bytes) {
  HttpsAnswer answer;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, (certDir_ + "/ca.crt").c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(server_->webhookPort()));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set1_host(ssl, "localhost");
  std::string received;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0 && SSL_connect(ssl) == 1 &&
      SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size())) ==
          static_cast<int>(bytes.size())) {
    char buffer[4096];
    int n = 0;
    while ((n = SSL_read(ssl, buffer, sizeof(buffer))) > 0) {
      received.append(buffer, static_cast<size_t>(n));
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  ::close(fd);
  const size_t headEnd = received.find("\r\n\r\n");
  if (received.rfind("HTTP/1.", 0) != 0 || headEnd == std::string::npos) return answer;
  answer.status = std::atoi(received.c_str() + 9);
  answer.body = received.substr(headEnd + 4);
  answer.json = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.json.is_discarded()) answer.json = nullptr;
  return answer;
}

std::string admissionFixture(const std::string& name) {
  return readFile(sourcePath("tests/fixtures/admission/" + name));
}

std::string withObject(const std::string& reviewText, const nlohmann::json& object) {
  auto review = nlohmann::json::parse(reviewText);
  review["request"]["object"] = object;
  return review.dump();
}

std::string podReview(const std::string& image) {
  using nlohmann::json;
  return json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request",
               {{"uid", "review-1"},
                {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                {"namespace", "team-a"},
                {"operation", "CREATE"},
                {"userInfo", {{"username", "alice"}}},
                {"object",
                 {{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata", {{"name", "p"}}},
                  {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}}
      .dump();
}

::testing::AssertionResult pinnedByMutation(WebhookServer& server, const std::string& image,
                                            const std::string& digest) {
  const HttpsAnswer mutated = server.post("/mutate?timeout=10s", podReview(image));
  if (mutated.status != 200 || !mutated.json.is_object()) {
    return ::testing::AssertionFailure() << "HTTP " << mutated.status << ": " << mutated.body;
  }
  if (mutated.json["response"]["allowed"] != true) {
    return ::testing::AssertionFailure() << "not admitted: " << mutated.body;
  }
  if (responsePatch(mutated.json).find(image + "@" + digest) == std::string::npos) {
    return ::testing::AssertionFailure() << "not pinned to " << digest << ": " << mutated.body;
  }
  return ::testing::AssertionSuccess();
}

std::string responsePatch(const nlohmann::json& review) {
  const auto& response = review.at("response");
  if (!response.contains("patch")) return "";
  EXPECT_EQ(response.value("patchType", ""), "JSONPatch");
  const std::string encoded = response["patch"].get<std::string>();
  std::string out(encoded.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(encoded.data()),
                                static_cast<int>(encoded.size()));
  EXPECT_GE(n, 0) << "patch is not base64";
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

nlohmann::json kubectlPatch(const nlohmann::json& object, const std::string& patch) {
  TempDir dir;
  const std::string objectFile = dir.write("object.json", object.dump());
  const std::string patchFile = dir.write("patch.json", patch);
  const CommandResult result = runCommand({"kubectl", "patch", "--local", "--type=json", "-f",
                                           objectFile, "--patch-file", patchFile, "-o", "json"});
  EXPECT_EQ(result.exitCode, 0) << "kubectl patch failed (is kubectl installed?): " << result.err;
  auto patched = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(patched.is_discarded()) << result.out;
  return patched.is_discarded() ? nlohmann::json() : patched;
}

}  // namespace berth::testing
