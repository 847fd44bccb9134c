#include "supplychain/public_key.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "common/oci/digest.h"

namespace berth::supplychain {

namespace {

constexpr int kMinimumRsaBits = 2048;

common::Error keyError(std::string_view name, const std::string& detail) {
  return common::Error{common::ErrorCode::InvalidArgument,
                       "public key " + std::string(name) + ": " + detail};
}

std::string curveOf(EVP_PKEY* key) {
  char group[64] = {};
  size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &length) != 1) return "";
  return std::string(group, length);
}

// sha256 of the SubjectPublicKeyInfo DER: the same key has the same fingerprint whatever its
// PEM's line breaks or the name it was loaded under.
std::string fingerprintOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return "";
  std::string fingerprint =
      oci::digestOf(std::string_view(reinterpret_cast<const char*>(der), length)).str();
  OPENSSL_free(der);
  return fingerprint;
}

}  // namespace

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> key, std::string name, std::string kind)
    : key_(std::move(key)),
      name_(std::move(name)),
      kind_(std::move(kind)),
      fingerprint_(fingerprintOf(key_.get())) {}

common::Result<PublicKey> PublicKey::fromPem(std::string_view pem, std::string_view name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return keyError(name, "out of memory");
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (raw == nullptr) return keyError(name, "not a PEM PUBLIC KEY block");
  std::shared_ptr<evp_pkey_st> key(raw, &EVP_PKEY_free);
  switch (EVP_PKEY_get_base_id(raw)) {
    case EVP_PKEY_EC: {
      const std::string curve = curveOf(raw);
      if (curve != "prime256v1" && curve != "P-256") {
        return keyError(name, "ECDSA keys must be on P-256, this one is on " +
                                  (curve.empty() ? std::string("an unknown curve") : curve));
      }
      return PublicKey(std::move(key), std::string(name), "ecdsa-p256");
    }
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(raw);
      if (bits < kMinimumRsaBits) {
        return keyError(name, "RSA keys must have at least " + std::to_string(kMinimumRsaBits) +
                                  " bits, this one has " + std::to_string(bits));
      }
      return PublicKey(std::move(key), std::string(name), "rsa-" + std::to_string(bits));
    }
    default:
      return keyError(name, "only ECDSA P-256 and RSA keys are supported");
  }
}

bool PublicKey::verifies(std::string_view data, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx) return false;
  const bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace berth::supplychain
