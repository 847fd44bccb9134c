#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

struct evp_pkey_st;

namespace berth::supplychain {

// A key that image signatures are checked against: ECDSA on P-256 or RSA of 2048 bits or more,
// over SHA-256, as cosign and containers/image's sigstore signer produce them. Any other key is
// refused when it is loaded, so a policy naming one fails when it loads, not at admission.
class PublicKey {
 public:
  // A PEM "PUBLIC KEY" block (SubjectPublicKeyInfo). `name` says where the key came from; it
  // appears in errors and in the reasons a signature did or did not verify.
  static common::Result<PublicKey> fromPem(std::string_view pem, std::string_view name);

  // Whether `signature` (ASN.1 DER for ECDSA, PKCS#1 v1.5 for RSA) signs `data` with this key.
  bool verifies(std::string_view data, std::string_view signature) const;

  const std::string& name() const { return name_; }
  // "ecdsa-p256" or "rsa-<bits>"
  const std::string& kind() const { return kind_; }
  // "sha256:<hex>" of the key's DER encoding.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  PublicKey(std::shared_ptr<evp_pkey_st> key, std::string name, std::string kind);

  std::shared_ptr<evp_pkey_st> key_;  // immutable once loaded: shared between copies
  std::string name_;
  std::string kind_;
  std::string fingerprint_;
};

}  // namespace berth::supplychain
