#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/http/server.h"
#include "tests/unit/http/raw_client.h"
#include "webhook-certs/cert_generator.h"

namespace berth::http {
namespace {

using namespace std::chrono_literals;

// Installs a PEM certificate and key on a server context, as TlsReloader does with files.
bool usePair(SSL_CTX& ctx, const std::string& certPem, const std::string& keyPem) {
  BIO* certBio = BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size()));
  BIO* keyBio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
  X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
  const bool ok = cert != nullptr && key != nullptr && SSL_CTX_use_certificate(&ctx, cert) == 1 &&
                  SSL_CTX_use_PrivateKey(&ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(certBio);
  BIO_free(keyBio);
  return ok;
}

// A blocking TLS client that verifies the server against the test CA.
class TlsClient {
 public:
  TlsClient(int port, const std::string& caPem, int maxVersion = 0) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (maxVersion != 0) {
      // Allow the old version on this side, so that only the server can refuse it.
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, maxVersion);
    }
    BIO* bio = BIO_new_mem_buf(caPem.data(), static_cast<int>(caPem.size()));
    X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
    X509_free(ca);
    BIO_free(bio);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "localhost");
    handshake_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool handshake() const { return handshake_; }
  bool send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }
  // Reads until `expected` bytes arrived after the head, or the connection ends.
  std::string readResponse() {
    std::string out;
    char buffer[4096];
    while (true) {
      const size_t headEnd = out.find("\r\n\r\n");
      if (headEnd != std::string::npos) {
        const std::string length = test::headerOf(out, "Content-Length");
        if (!length.empty() && out.size() >= headEnd + 4 + std::stoul(length)) return out;
      }
      const int n = SSL_read(ssl_, buffer, sizeof(buffer));
      if (n <= 0) return out;
      out.append(buffer, static_cast<size_t>(n));
    }
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool handshake_ = false;
};

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    webhook_certs::CertificateRequest request;
    request.service = "berth";
    request.namespaceName = "test";
    request.extraDnsNames = {"localhost"};
    auto generated = webhook_certs::generateCertificates(request);
    ASSERT_TRUE(generated) << generated.error().message;
    certs_ = *generated;
  }

  void start(ServerOptions options) {
    options.name = "tls-test";
    const std::string cert = certs_.certPem;
    const std::string key = certs_.keyPem;
    options.tlsSetup = [cert, key](SSL_CTX& ctx) { return usePair(ctx, cert, key); };
    server_ = std::make_unique<Server>(std::move(options), logger_);
    server_->router().add("GET", "/hello",
                          [](const ServerRequest& req, ServerResponse& res, BodyReader&) {
                            res.setContent(req.tls ? "hello over tls" : "plain?", "text/plain");
                          });
    server_->router().add(
        "POST", "/echo",
        [](const ServerRequest&, ServerResponse& res, BodyReader& body) {
          std::string got;
          (void)body.readAll([&](const char* d, size_t n) {
            got.append(d, n);
            return true;
          });
          res.setContent(got, "text/plain");
        },
        Body::Accepted);
    auto port = server_->bind("127.0.0.1", 0);
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    ASSERT_TRUE(server_->start());
  }

  common::Logger logger_{common::LogLevel::Error, stderr};
  webhook_certs::GeneratedCertificates certs_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ServerTlsTest, ARequestRoundTripsOverTlsWithKeepAlive) {
  start({});
  TlsClient c(port_, certs_.caCertPem);
  ASSERT_TRUE(c.handshake());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const std::string r = c.readResponse();
    EXPECT_EQ(test::statusOf(r), 200) << r;
    EXPECT_EQ(test::bodyOf(r), "hello over tls");
  }
  const std::string big(300000, 'z');  // many TLS records, read by the worker
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                     std::to_string(big.size()) + "\r\n\r\n" + big));
  EXPECT_EQ(test::bodyOf(c.readResponse()), big);
}

TEST_F(ServerTlsTest, Tls11IsRefused) {
  start({});
  TlsClient old(port_, certs_.caCertPem, TLS1_1_VERSION);
  EXPECT_FALSE(old.handshake());
  TlsClient current(port_, certs_.caCertPem);
  EXPECT_TRUE(current.handshake());
}

TEST_F(ServerTlsTest, AStalledHandshakeIsClosedByTheHeadDeadline) {
  ServerOptions options;
  options.headTimeout = 1s;
  start(options);
  test::RawClient stalled(port_);
  ASSERT_TRUE(stalled.send(std::string("\x16\x03\x01", 3)));  // a ClientHello that never ends
  EXPECT_TRUE(stalled.closedByPeer(10000));
  TlsClient c(port_, certs_.caCertPem);
  ASSERT_TRUE(c.handshake());
}

TEST_F(ServerTlsTest, AHugeHeaderLineOverTlsIsRefusedAfterItsBound) {
  start({});
  TlsClient c(port_, certs_.caCertPem);
  ASSERT_TRUE(c.handshake());
  c.send("GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Huge: " + std::string(100000, 'h'));
  const std::string r = c.readResponse();
  EXPECT_EQ(test::statusOf(r), 400) << r.substr(0, 100);
}

TEST(ServerTlsSetupTest, AFailingSetupFailsStartUp) {
  common::Logger logger(common::LogLevel::Error, stderr);
  ServerOptions options;
  options.tlsSetup = [](SSL_CTX&) { return false; };
  Server server(std::move(options), logger);
  EXPECT_FALSE(server.prepare());
  EXPECT_FALSE(server.bind("127.0.0.1", 0));
}

}  // namespace
}  // namespace berth::http
