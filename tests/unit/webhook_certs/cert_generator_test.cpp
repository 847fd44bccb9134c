#include "webhook-certs/cert_generator.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs {
namespace {

std::vector<std::string> sans(X509* certificate) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

struct Parsed {
  X509Ptr ca;
  PkeyPtr caKey;
  X509Ptr cert;
  PkeyPtr key;
};

Parsed generateAndParse(const CertificateRequest& request) {
  auto generated = generateCertificates(request);
  EXPECT_TRUE(generated) << generated.error().message;
  Parsed p;
  p.ca = std::move(parseCertificates(generated->caCertPem, "ca").value()[0]);
  p.caKey = parsePrivateKey(generated->caKeyPem, "ca.key").value();
  p.cert = std::move(parseCertificates(generated->certPem, "tls").value()[0]);
  p.key = parsePrivateKey(generated->keyPem, "tls.key").value();
  return p;
}

TEST(CertGeneratorTest, EcdsaServingCertificateSignedByTheCa) {
  CertificateRequest request{
      "berth-webhook", "berth-system", {"webhook.example.com"}, 30, KeyType::Ecdsa};
  const Parsed p = generateAndParse(request);
  EXPECT_EQ(EVP_PKEY_get_base_id(p.key.get()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(p.key.get()), 256);
  EXPECT_EQ(X509_check_private_key(p.cert.get(), p.key.get()), 1);
  EXPECT_EQ(X509_check_private_key(p.ca.get(), p.caKey.get()), 1);
  EXPECT_EQ(X509_verify(p.cert.get(), X509_get0_pubkey(p.ca.get())), 1);
  EXPECT_GT(X509_check_ca(p.ca.get()), 0);
  EXPECT_EQ(X509_check_ca(p.cert.get()), 0);
  EXPECT_EQ(sans(p.cert.get()),
            (std::vector<std::string>{
                "berth-webhook", "berth-webhook.berth-system", "berth-webhook.berth-system.svc",
                "berth-webhook.berth-system.svc.cluster.local", "webhook.example.com"}));
  EXPECT_TRUE(X509_get_extended_key_usage(p.cert.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(p.cert.get()) & XKU_SSL_CLIENT);
  const int days = daysUntil(X509_get0_notAfter(p.cert.get()));
  EXPECT_TRUE(days == 29 || days == 30) << days;
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(p.cert.get())), 0);
  EXPECT_NE(serialHex(p.cert.get()), serialHex(p.ca.get()));
}

TEST(CertGeneratorTest, RsaKeysAre2048Bits) {
  const Parsed p = generateAndParse({"svc", "ns", {}, 1, KeyType::Rsa});
  EXPECT_EQ(EVP_PKEY_get_base_id(p.key.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(p.key.get()), 2048);
  EXPECT_EQ(EVP_PKEY_get_base_id(p.caKey.get()), EVP_PKEY_RSA);
  EXPECT_EQ(X509_verify(p.cert.get(), X509_get0_pubkey(p.ca.get())), 1);
}

TEST(CertGeneratorTest, ExtraNamesThatRepeatServiceNamesAreNotDuplicated) {
  const Parsed p = generateAndParse({"svc", "ns", {"svc.ns.svc", "other"}, 1, KeyType::Ecdsa});
  const auto names = sans(p.cert.get());
  EXPECT_EQ(std::count(names.begin(), names.end(), "svc.ns.svc"), 1);
  EXPECT_EQ(names.back(), "other");
}

TEST(CertGeneratorTest, RejectsNonPositiveDays) {
  auto generated = generateCertificates({"svc", "ns", {}, 0, KeyType::Ecdsa});
  ASSERT_FALSE(generated);
  EXPECT_NE(generated.error().message.find("days"), std::string::npos);
}

TEST(CertGeneratorTest, DnsNameRules) {
  EXPECT_TRUE(isDnsLabel("berth-webhook"));
  EXPECT_TRUE(isDnsLabel("a1"));
  EXPECT_FALSE(isDnsLabel(""));
  EXPECT_FALSE(isDnsLabel("-a"));
  EXPECT_FALSE(isDnsLabel("a-"));
  EXPECT_FALSE(isDnsLabel("Web"));
  EXPECT_FALSE(isDnsLabel("a_b"));
  EXPECT_FALSE(isDnsLabel(std::string(64, 'a')));
  EXPECT_TRUE(isDnsLabel(std::string(63, 'a')));
  EXPECT_TRUE(isDnsName("webhook.example.com"));
  EXPECT_TRUE(isDnsName("*.example.com"));
  EXPECT_FALSE(isDnsName("bad..name"));
  EXPECT_FALSE(isDnsName("trailing."));
  EXPECT_FALSE(isDnsName("a.*.com"));
  EXPECT_FALSE(isDnsName(""));
}

}  // namespace
}  // namespace berth::webhook_certs
