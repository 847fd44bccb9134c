#pragma once

// OpenSSL helpers shared by the files of webhook-certs (and their tests); never included by
// headers of other modules, so OpenSSL stays behind this folder's own types.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::webhook_certs {

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Drains OpenSSL's error queue of this thread into one line ("" when empty).
std::string opensslErrors();

common::Result<std::string> readTextFile(const std::string& path);

// Every certificate of a PEM text, in order (leaf first by convention). Errors name `source`.
common::Result<std::vector<X509Ptr>> parseCertificates(const std::string& pem,
                                                       const std::string& source);
// The first private key of a PEM text (PKCS#8, or the traditional RSA/EC forms).
common::Result<PkeyPtr> parsePrivateKey(const std::string& pem, const std::string& source);

std::string certificateToPem(X509* certificate);
std::string privateKeyToPem(EVP_PKEY* key);

// "2026-01-31T12:00:00Z"
std::string formatTime(const ASN1_TIME* time);
// Whole days from now until `time`; negative when it is in the past.
int daysUntil(const ASN1_TIME* time);
// Serial number in hex, and SHA-256 fingerprint as colon-separated hex.
std::string serialHex(X509* certificate);
std::string sha256Fingerprint(X509* certificate);

}  // namespace berth::webhook_certs
