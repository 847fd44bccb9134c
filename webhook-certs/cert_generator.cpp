#include "webhook-certs/cert_generator.h"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs {
namespace {

constexpr int kRsaBits = 2048;
constexpr long kBackdateSeconds = 5 * 60;

common::Error internal(const std::string& what) {
  return common::Error{common::ErrorCode::Internal, what + ": " + opensslErrors()};
}

common::Result<PkeyPtr> generateKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::Rsa
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kRsaBits))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!key) return internal("cannot generate a key");
  return PkeyPtr(key);
}

// 127 random bits: positive, unique in practice, and within RFC 5280's 20-octet limit.
bool setRandomSerial(X509* certificate) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return false;
  bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  if (!bn) return false;
  const bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(certificate)) != nullptr;
  BN_free(bn);
  return ok;
}

bool addExtension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  if (!extension) return false;
  const bool ok = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return ok;
}

struct Extension {
  int nid;
  std::string value;
};

// issuer null: self-signed with `key`.
common::Result<X509Ptr> makeCertificate(const std::string& commonName, EVP_PKEY* key, X509* issuer,
                                        EVP_PKEY* issuerKey, int days,
                                        const std::vector<Extension>& extensions) {
  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      !setRandomSerial(certificate.get())) {
    return internal("cannot create a certificate");
  }
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), issuer ? X509_get_subject_name(issuer)
                                                 : X509_get_subject_name(certificate.get()));
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kBackdateSeconds);
  X509_time_adj_ex(X509_getm_notAfter(certificate.get()), days, 0, nullptr);
  if (X509_set_pubkey(certificate.get(), key) != 1) return internal("cannot set the public key");
  X509* signer = issuer ? issuer : certificate.get();
  for (const auto& extension : extensions) {
    if (!addExtension(certificate.get(), signer, extension.nid, extension.value)) {
      return internal("cannot add the extension " + std::string(OBJ_nid2sn(extension.nid)));
    }
  }
  if (X509_sign(certificate.get(), issuerKey ? issuerKey : key, EVP_sha256()) <= 0) {
    return internal("cannot sign the certificate");
  }
  return certificate;
}

bool isLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

std::vector<std::string> serviceDnsNames(const std::string& service,
                                         const std::string& namespaceName) {
  const std::string qualified = service + "." + namespaceName;
  return {service, qualified, qualified + ".svc", qualified + ".svc.cluster.local"};
}

bool isDnsLabel(std::string_view text) {
  if (text.empty() || text.size() > 63 || text.front() == '-' || text.back() == '-') return false;
  for (const char c : text) {
    if (!isLabelChar(c)) return false;
  }
  return true;
}

bool isDnsName(std::string_view text) {
  if (text.substr(0, 2) == "*.") text.remove_prefix(2);
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    if (!isDnsLabel(text.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

common::Result<GeneratedCertificates> generateCertificates(const CertificateRequest& request) {
  if (request.days <= 0) {
    return common::Error{common::ErrorCode::InvalidArgument, "days must be positive"};
  }
  BERTH_TRY_ASSIGN(PkeyPtr caKey, generateKey(request.keyType));
  BERTH_TRY_ASSIGN(PkeyPtr key, generateKey(request.keyType));
  BERTH_TRY_ASSIGN(X509Ptr ca,
                   makeCertificate(request.service + "." + request.namespaceName + " webhook CA",
                                   caKey.get(), nullptr, nullptr, request.days,
                                   {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                    {NID_subject_key_identifier, "hash"},
                                    {NID_authority_key_identifier, "keyid:always"}}));

  std::vector<std::string> names = serviceDnsNames(request.service, request.namespaceName);
  for (const auto& extra : request.extraDnsNames) {
    if (std::find(names.begin(), names.end(), extra) == names.end()) names.push_back(extra);
  }
  std::string san;
  for (const auto& n : names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
  for (const auto& ip : request.ipAddresses) san += ",IP:" + ip;
  // keyEncipherment only means something for RSA key exchange.
  const std::string keyUsage = request.keyType == KeyType::Rsa
                                   ? "critical,digitalSignature,keyEncipherment"
                                   : "critical,digitalSignature";
  BERTH_TRY_ASSIGN(X509Ptr certificate,
                   makeCertificate(names[2], key.get(), ca.get(), caKey.get(), request.days,
                                   {{NID_basic_constraints, "critical,CA:FALSE"},
                                    {NID_key_usage, keyUsage},
                                    {NID_ext_key_usage, "serverAuth"},
                                    {NID_subject_alt_name, san},
                                    {NID_subject_key_identifier, "hash"},
                                    {NID_authority_key_identifier, "keyid:always"}}));
  return GeneratedCertificates{certificateToPem(ca.get()), privateKeyToPem(caKey.get()),
                               certificateToPem(certificate.get()), privateKeyToPem(key.get())};
}

}  // namespace berth::webhook_certs
