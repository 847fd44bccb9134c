#include "webhook-certs/tls_reloader.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "tests/unit/webhook_certs/tls_test_support.h"
#include "webhook-certs/cert_generator.h"

namespace berth::webhook_certs {
namespace {

using berth::testing::TempDir;

struct Pair {
  std::string cert;
  std::string key;
  std::string serial;
};

Pair newPair() {
  auto generated = generateCertificates({"hook", "berth", {}, 10, KeyType::Ecdsa});
  EXPECT_TRUE(generated);
  auto chain = parseCertificates(generated->certPem, "tls.crt");
  return {generated->certPem, generated->keyPem, serialHex(chain.value()[0].get())};
}

// Captures what the reloader logs.
class LogCapture {
 public:
  LogCapture() : file_(std::tmpfile()), logger_(common::LogLevel::Info, file_) {}
  ~LogCapture() { std::fclose(file_); }
  common::Logger& logger() { return logger_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buffer[4096];
    while (const size_t n = std::fread(buffer, 1, sizeof(buffer), file_)) out.append(buffer, n);
    return out;
  }

 private:
  std::FILE* file_;
  common::Logger logger_;
};

class TlsReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ctx_ = SSL_CTX_new(TLS_server_method()); }
  void TearDown() override { SSL_CTX_free(ctx_); }
  // Writes a file through a rename, as `berth certs generate` and kubelet do.
  void put(const std::string& name, const std::string& content) {
    const std::string tmp = dir_.write(name + ".new", content);
    std::filesystem::rename(tmp, dir_.file(name));
  }

  TempDir dir_;
  LogCapture log_;
  SSL_CTX* ctx_ = nullptr;
};

TEST_F(TlsReloaderTest, ServesTheInitialPairWithTls12Minimum) {
  const Pair a = newPair();
  put("tls.crt", a.cert);
  put("tls.key", a.key);
  TlsReloader reloader(dir_.file("tls.crt"), dir_.file("tls.key"), log_.logger());
  ASSERT_TRUE(reloader.loadInitial());
  ASSERT_TRUE(reloader.configure(*ctx_));
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx_), TLS1_2_VERSION);
  EXPECT_EQ(test::servedSerial(ctx_), a.serial);
  EXPECT_FALSE(reloader.checkNow());  // nothing changed
}

TEST_F(TlsReloaderTest, PicksUpANewPairAndKeepsTheOldOneOnABadPair) {
  const Pair a = newPair();
  const Pair b = newPair();
  const Pair c = newPair();
  put("tls.crt", a.cert);
  put("tls.key", a.key);
  TlsReloader reloader(dir_.file("tls.crt"), dir_.file("tls.key"), log_.logger());
  ASSERT_TRUE(reloader.loadInitial());
  ASSERT_TRUE(reloader.configure(*ctx_));

  put("tls.crt", b.cert);
  put("tls.key", b.key);
  EXPECT_TRUE(reloader.checkNow());
  EXPECT_EQ(test::servedSerial(ctx_), b.serial);
  EXPECT_NE(log_.text().find("TLS certificate reloaded"), std::string::npos);

  // A certificate whose key is not the one beside it: keep serving b.
  put("tls.crt", c.cert);
  EXPECT_FALSE(reloader.checkNow());
  EXPECT_EQ(test::servedSerial(ctx_), b.serial);
  EXPECT_NE(log_.text().find("does not belong to the certificate"), std::string::npos);
  // Logged once per change, not on every check.
  const std::string logged = log_.text();
  EXPECT_FALSE(reloader.checkNow());
  EXPECT_EQ(log_.text(), logged);

  // The key follows: now the pair is good.
  put("tls.key", c.key);
  EXPECT_TRUE(reloader.checkNow());
  EXPECT_EQ(test::servedSerial(ctx_), c.serial);

  // Garbage and a missing key keep c.
  put("tls.crt", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
  EXPECT_FALSE(reloader.checkNow());
  std::filesystem::remove(dir_.file("tls.key"));
  EXPECT_FALSE(reloader.checkNow());
  EXPECT_EQ(test::servedSerial(ctx_), c.serial);
}

TEST_F(TlsReloaderTest, FollowsAKubernetesSecretVolumeSymlinkSwap) {
  // kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..2024_01_01_v1/
  const Pair a = newPair();
  const Pair b = newPair();
  dir_.write("..v1/tls.crt", a.cert);
  dir_.write("..v1/tls.key", a.key);
  dir_.write("..v2/tls.crt", b.cert);
  dir_.write("..v2/tls.key", b.key);
  std::filesystem::create_directory_symlink("..v1", dir_.file("..data"));
  std::filesystem::create_symlink("..data/tls.crt", dir_.file("tls.crt"));
  std::filesystem::create_symlink("..data/tls.key", dir_.file("tls.key"));
  TlsReloader reloader(dir_.file("tls.crt"), dir_.file("tls.key"), log_.logger());
  ASSERT_TRUE(reloader.loadInitial());
  ASSERT_TRUE(reloader.configure(*ctx_));
  EXPECT_EQ(test::servedSerial(ctx_), a.serial);
  std::filesystem::create_directory_symlink("..v2", dir_.file("..data_tmp"));
  std::filesystem::rename(dir_.file("..data_tmp"), dir_.file("..data"));
  EXPECT_TRUE(reloader.checkNow());
  EXPECT_EQ(test::servedSerial(ctx_), b.serial);
}

TEST_F(TlsReloaderTest, InitialLoadErrorsNameTheProblem) {
  const Pair a = newPair();
  const Pair b = newPair();
  put("tls.crt", a.cert);
  put("tls.key", b.key);
  TlsReloader mismatched(dir_.file("tls.crt"), dir_.file("tls.key"), log_.logger());
  auto loaded = mismatched.loadInitial();
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("does not belong"), std::string::npos);
  TlsReloader missing(dir_.file("absent.crt"), dir_.file("tls.key"), log_.logger());
  auto absent = missing.loadInitial();
  ASSERT_FALSE(absent);
  EXPECT_NE(absent.error().message.find("cannot read"), std::string::npos);
  put("junk.key", "junk");
  TlsReloader junk(dir_.file("tls.crt"), dir_.file("junk.key"), log_.logger());
  auto bad = junk.loadInitial();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("no usable PEM private key"), std::string::npos);
}

}  // namespace
}  // namespace berth::webhook_certs
