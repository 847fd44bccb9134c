#pragma once

// Keys made with OpenSSL and cosign-shaped signatures made with them, for the supplychain
// tests: what a signer (cosign, skopeo) would produce, without one.
#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "supplychain/cosign_signature.h"
#include "supplychain/public_key.h"
#include "supplychain/simple_signing.h"

namespace berth::supplychain::fixtures {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

KeyPtr ecKey(const char* curve);
KeyPtr rsaKey(unsigned bits);
KeyPtr ed25519Key();

std::string publicPem(EVP_PKEY* key);
// The signature cosign writes: ECDSA (DER) or RSA PKCS#1 v1.5 over SHA-256 of `data`.
std::string sign(EVP_PKEY* key, const std::string& data);
PublicKey loaded(EVP_PKEY* key, const std::string& name);

// A simple-signing payload naming `reference` and `digest`.
std::string payloadFor(const std::string& reference, const std::string& digest,
                       const std::string& type = std::string(kSimpleSigningType));
SignatureLayer layerFor(const std::string& payload, const std::string& signature);
// The layer as it appears in a signature manifest.
nlohmann::json signatureLayerJson(const std::string& payload, const std::string& signature);

}  // namespace berth::supplychain::fixtures
