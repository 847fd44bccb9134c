// Certificate rotation under a running server: new files (as `berth certs generate` or kubelet
// write them) are served to new connections; a bad pair is refused and the old one kept.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/integration/webhook_test_support.h"
#include "webhook-certs/openssl_util.h"

namespace berth::testing {
namespace {

// The serial of the certificate the server presents to a new TLS connection ("" on failure).
std::string servedSerial(int port, int maxVersion = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  std::string serial;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (maxVersion) SSL_CTX_set_max_proto_version(ctx, maxVersion);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "berth-webhook.berth.svc");
    if (SSL_connect(ssl) == 1) {
      X509* peer = SSL_get1_peer_certificate(ssl);
      if (peer) serial = webhook_certs::serialHex(peer);
      X509_free(peer);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  close(fd);
  webhook_certs::opensslErrors();
  return serial;
}

std::string fileSerial(const std::string& path) {
  auto certs = webhook_certs::parseCertificates(readFile(path), path);
  EXPECT_TRUE(certs);
  return certs ? webhook_certs::serialHex(certs.value()[0].get()) : "";
}

// Polls (the server looks once a second) until `done` or ten seconds pass.
template <typename F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

TEST(WebhookRotationTest, NewConnectionsSeeARotatedCertificate) {
  WebhookServer server({});
  const int port = server.server().webhookPort();
  const std::string first = fileSerial(server.certDir() + "/tls.crt");
  ASSERT_EQ(servedSerial(port), first);

  // Regenerate in place: files are replaced by rename, as kubelet swaps a Secret's ..data.
  generateWebhookCerts(server.certDir(), {"--key-type", "rsa"});
  const std::string second = fileSerial(server.certDir() + "/tls.crt");
  ASSERT_NE(first, second);
  EXPECT_TRUE(eventually([&] { return servedSerial(port) == second; }))
      << "still serving " << servedSerial(port) << "\n"
      << server.server().log();
  EXPECT_TRUE(server.server().log().find("TLS certificate reloaded") != std::string::npos);

  // A verifying client with the new CA bundle talks to the webhook.
  const HttpsAnswer answer = server.post("/validate", admissionFixture("pod-delete.json"));
  EXPECT_EQ(answer.status, 200) << answer.body;
}

TEST(WebhookRotationTest, ABadPairKeepsTheOldCertificate) {
  WebhookServer server({});
  const int port = server.server().webhookPort();
  const std::string first = fileSerial(server.certDir() + "/tls.crt");
  TempDir other;
  generateWebhookCerts(other.path());
  // A certificate without its key: the pair does not match.
  const std::string tmp = server.certDir() + "/tls.crt.swap";
  std::filesystem::copy_file(other.file("tls.crt"), tmp);
  std::filesystem::rename(tmp, server.certDir() + "/tls.crt");
  EXPECT_TRUE(eventually([&] {
    return server.server().log().find("TLS certificate not reloaded") != std::string::npos;
  })) << server.server().log();
  EXPECT_EQ(servedSerial(port), first);
  EXPECT_TRUE(server.server().process().running());
  // The key arrives: now the new pair is served.
  std::filesystem::copy_file(other.file("tls.key"), tmp);
  std::filesystem::rename(tmp, server.certDir() + "/tls.key");
  const std::string second = fileSerial(other.file("tls.crt"));
  EXPECT_TRUE(eventually([&] { return servedSerial(port) == second; }));
}

TEST(WebhookRotationTest, OnlyTls12AndNewerAreAccepted) {
  WebhookServer server({});
  const int port = server.server().webhookPort();
  EXPECT_FALSE(servedSerial(port, TLS1_2_VERSION).empty());
  EXPECT_TRUE(servedSerial(port, TLS1_1_VERSION).empty());
}

}  // namespace
}  // namespace berth::testing
