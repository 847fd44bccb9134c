#include "webhook-certs/openssl_util.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace berth::webhook_certs {
namespace {

struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr memoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

common::Error invalid(std::string message) {
  return common::Error{common::ErrorCode::InvalidArgument, std::move(message)};
}

}  // namespace

std::string opensslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    out += (out.empty() ? "" : "; ") + std::string(buffer);
  }
  return out;
}

common::Result<std::string> readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::Error{common::ErrorCode::NotFound, "cannot read " + path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

common::Result<std::vector<X509Ptr>> parseCertificates(const std::string& pem,
                                                       const std::string& source) {
  BioPtr bio = memoryBio(pem);
  std::vector<X509Ptr> out;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(certificate);
  }
  // The loop ends with a "no start line" error at the end of the input: not a failure.
  ERR_clear_error();
  if (out.empty()) return invalid(source + ": no PEM certificate found");
  return out;
}

common::Result<PkeyPtr> parsePrivateKey(const std::string& pem, const std::string& source) {
  BioPtr bio = memoryBio(pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    const std::string why = opensslErrors();
    return invalid(source + ": no usable PEM private key" + (why.empty() ? "" : " (" + why + ")"));
  }
  return key;
}

std::string certificateToPem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate);
  return bioText(bio.get());
}

std::string privateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(bio.get());
}

std::string formatTime(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return "(invalid time)";
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

int daysUntil(const ASN1_TIME* time) {
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, time) != 1) return 0;
  // Round towards the past, so that "0 days" never hides an expiry earlier today.
  if (seconds < 0 && days <= 0) --days;
  return days;
}

std::string serialHex(X509* certificate) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string sha256Fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(certificate, EVP_sha256(), digest, &size);
  std::string out;
  char hex[8];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(hex, sizeof(hex), i ? ":%02X" : "%02X", digest[i]);
    out += hex;
  }
  return out;
}

}  // namespace berth::webhook_certs
