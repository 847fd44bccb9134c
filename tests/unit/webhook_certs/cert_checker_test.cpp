#include "webhook-certs/cert_checker.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "tests/support/temp_dir.h"
#include "webhook-certs/cert_generator.h"
#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs {
namespace {

using berth::testing::TempDir;

// A self-signed certificate with the given validity window (seconds from now) and extensions,
// for the cases generateCertificates never produces.
std::string craft(long fromSeconds, long toSeconds, const std::string& san,
                  const std::string& eku) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("crafted"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), fromSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), toSeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair<int, std::string>{NID_subject_alt_name, san}, {NID_ext_key_usage, eku}}) {
    if (value.empty()) continue;
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return certificateToPem(cert.get());
}

bool hasProblem(const CheckReport& report, const std::string& part) {
  for (const auto& p : report.problems) {
    if (p.find(part) != std::string::npos) return true;
  }
  return false;
}

class CertCheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto generated = generateCertificates({"hook", "berth", {}, 10, KeyType::Ecdsa});
    ASSERT_TRUE(generated);
    certFile_ = dir_.write("tls.crt", generated->certPem);
    caFile_ = dir_.write("ca.crt", generated->caCertPem);
  }
  CheckReport check(CheckRequest request) {
    auto report = checkCertificate(request);
    EXPECT_TRUE(report) << report.error().message;
    return report ? std::move(report).value() : CheckReport{};
  }

  TempDir dir_;
  std::string certFile_;
  std::string caFile_;
};

TEST_F(CertCheckerTest, AGeneratedPairIsOk) {
  const CheckReport report = check({certFile_, caFile_, "hook", "berth", 5});
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0]);
  bool chainVerified = false;
  for (const auto& fact : report.facts) {
    chainVerified = chainVerified || fact == "chain: verified against the CA bundle";
  }
  EXPECT_TRUE(chainVerified);
}

TEST_F(CertCheckerTest, ReportsAnotherServiceName) {
  const CheckReport report = check({certFile_, caFile_, "other", "berth", 0});
  EXPECT_TRUE(hasProblem(report, "does not cover other.berth.svc"));
}

TEST_F(CertCheckerTest, ReportsTooFewDaysLeft) {
  const CheckReport report = check({certFile_, "", "", "", 30});
  EXPECT_TRUE(hasProblem(report, "fewer than --min-days 30"));
  EXPECT_EQ(report.problems.size(), 1u);
}

TEST_F(CertCheckerTest, ReportsAChainToAnotherCa) {
  auto other = generateCertificates({"hook", "berth", {}, 10, KeyType::Ecdsa});
  ASSERT_TRUE(other);
  const std::string otherCa = dir_.write("other-ca.crt", other->caCertPem);
  const CheckReport report = check({certFile_, otherCa, "", "", 0});
  EXPECT_TRUE(hasProblem(report, "chain: does not verify against the CA bundle"));
}

TEST_F(CertCheckerTest, ReportsExpiredAndNotYetValidCertificates) {
  const std::string expired = dir_.write("expired.crt", craft(-7200, -3600, "DNS:x", ""));
  EXPECT_TRUE(hasProblem(check({expired, "", "", "", 0}), "expired on"));
  const std::string future = dir_.write("future.crt", craft(3600, 7200, "DNS:x", ""));
  EXPECT_TRUE(hasProblem(check({future, "", "", "", 0}), "not valid yet"));
}

// IP address SANs are listed beside the DNS names (a webhook reached by clientConfig.url with an
// address needs them), IPv4 and IPv6.
TEST_F(CertCheckerTest, ListsDnsNamesAndIpAddresses) {
  const std::string both =
      dir_.write("both.crt", craft(-60, 86400, "DNS:hook.berth.svc,IP:10.96.0.12,IP:fd00::1", ""));
  const CheckReport report = check({both, "", "", "", 0});
  const std::vector<std::string>& facts = report.facts;
  EXPECT_NE(std::find(facts.begin(), facts.end(), "DNS names: hook.berth.svc"), facts.end());
  EXPECT_NE(std::find(facts.begin(), facts.end(), "IP addresses: 10.96.0.12, fd00::1"), facts.end())
      << ::testing::PrintToString(facts);
  const CheckReport generated = check({certFile_, caFile_, "hook", "berth", 5});
  EXPECT_NE(std::find(generated.facts.begin(), generated.facts.end(), "IP addresses: (none)"),
            generated.facts.end());
}

TEST_F(CertCheckerTest, ReportsMissingSansAndClientOnlyUsage) {
  const std::string noSan = dir_.write("nosan.crt", craft(-60, 86400, "", ""));
  EXPECT_TRUE(hasProblem(check({noSan, "", "", "", 0}), "no DNS subjectAltName"));
  const std::string client = dir_.write("client.crt", craft(-60, 86400, "DNS:x", "clientAuth"));
  EXPECT_TRUE(hasProblem(check({client, "", "", "", 0}), "does not allow serverAuth"));
}

TEST_F(CertCheckerTest, UnreadableOrEmptyFilesAreErrors) {
  auto missing = checkCertificate({dir_.file("absent.crt"), "", "", "", 0});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read"), std::string::npos);
  const std::string junk = dir_.write("junk.crt", "not a certificate\n");
  auto notPem = checkCertificate({junk, "", "", "", 0});
  ASSERT_FALSE(notPem);
  EXPECT_NE(notPem.error().message.find("no PEM certificate"), std::string::npos);
  auto badCa = checkCertificate({certFile_, junk, "", "", 0});
  ASSERT_FALSE(badCa);
}

}  // namespace
}  // namespace berth::webhook_certs
