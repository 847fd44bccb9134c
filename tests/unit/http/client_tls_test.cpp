#include <gtest/gtest.h>

#include "common/http/client.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/http/fake_server.h"
#include "webhook-certs/cert_generator.h"

namespace berth::http {
namespace {

using testing::FakeServer;

// An https server on 127.0.0.1 with a certificate for that address from a CA of its own.
class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    webhook_certs::CertificateRequest request;
    request.service = "fake";
    request.namespaceName = "test";
    request.days = 1;
    request.ipAddresses = {"127.0.0.1"};
    auto generated = webhook_certs::generateCertificates(request);
    ASSERT_TRUE(generated) << generated.error().message;
    caFile_ = dir_.write("ca.pem", generated->caCertPem);
    const std::string cert = dir_.write("tls.crt", generated->certPem);
    const std::string key = dir_.write("tls.key", generated->keyPem);
    server_ = std::make_unique<FakeServer>(
        std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()), "127.0.0.1", "https");
    server_->server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello", "text/plain");
    });
    server_->start();
  }

  common::Result<Response> hello(ClientOptions options) {
    auto client = Client::create(server_->url(), std::move(options));
    if (!client) return client.error();
    Request request;
    request.target = "/hello";
    return client->send(request);
  }

  ::berth::testing::TempDir dir_;
  std::string caFile_;
  std::unique_ptr<FakeServer> server_;
};

TEST_F(TlsServerTest, AnUnknownCaIsNotTrusted) {
  auto response = hello({});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, common::ErrorCode::Unavailable);
  EXPECT_NE(response.error().message.find(failureText(Failure::TlsUntrusted)), std::string::npos)
      << response.error().message;
}

TEST_F(TlsServerTest, TheServersCaMakesItTrusted) {
  ClientOptions options;
  options.tls.caFile = caFile_;
  auto response = hello(options);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "hello");
}

TEST_F(TlsServerTest, InsecureSkipsTheCheck) {
  ClientOptions options;
  options.tls.insecureSkipVerify = true;
  auto response = hello(options);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "hello");
}

TEST_F(TlsServerTest, AnotherCaIsNotTrusted) {
  webhook_certs::CertificateRequest other;
  other.service = "other";
  other.namespaceName = "test";
  other.ipAddresses = {"127.0.0.1"};
  auto generated = webhook_certs::generateCertificates(other);
  ASSERT_TRUE(generated);
  ClientOptions options;
  options.tls.caFile = dir_.write("other-ca.pem", generated->caCertPem);
  auto response = hello(options);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find(failureText(Failure::TlsUntrusted)), std::string::npos)
      << response.error().message;
}

TEST_F(TlsServerTest, AnUnreadableCaFileIsNamed) {
  ClientOptions options;
  options.tls.caFile = dir_.file("missing.pem");
  auto response = hello(options);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find(failureText(Failure::TlsSetup)), std::string::npos)
      << response.error().message;
}

TEST_F(TlsServerTest, PlainHttpToATlsPortFails) {
  auto client = Client::create("http://127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_TRUE(client);
  Request request;
  request.target = "/hello";
  request.timeout = std::chrono::seconds(5);
  auto response = client->send(request);
  // Never the page: an error, or the 400 a TLS server may send to bytes that are not TLS.
  EXPECT_TRUE(!response || response->status != 200);
}

TEST_F(TlsServerTest, ConnectionsAreReusedOverTls) {
  ClientOptions options;
  options.tls.caFile = caFile_;
  auto client = Client::create(server_->url(), options);
  ASSERT_TRUE(client);
  Request request;
  request.target = "/hello";
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client->send(request));
  EXPECT_EQ(server_->connections(), 1u);
}

}  // namespace
}  // namespace berth::http
