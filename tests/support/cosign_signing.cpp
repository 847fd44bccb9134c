#include "tests/support/cosign_signing.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "common/base64.h"
#include "common/oci/digest.h"

namespace berth::supplychain::fixtures {

KeyPtr ecKey(const char* curve) { return KeyPtr(EVP_EC_gen(curve), &EVP_PKEY_free); }
KeyPtr rsaKey(unsigned bits) { return KeyPtr(EVP_RSA_gen(bits), &EVP_PKEY_free); }
KeyPtr ed25519Key() {
  return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
}

std::string publicPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string sign(EVP_PKEY* key, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string out(length, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()),
            1);
  out.resize(length);
  return out;
}

PublicKey loaded(EVP_PKEY* key, const std::string& name) {
  auto k = PublicKey::fromPem(publicPem(key), name);
  EXPECT_TRUE(k) << k.error().message;
  return *k;
}

std::string payloadFor(const std::string& reference, const std::string& digest,
                       const std::string& type) {
  return nlohmann::json{{"critical",
                         {{"identity", {{"docker-reference", reference}}},
                          {"image", {{"docker-manifest-digest", digest}}},
                          {"type", type}}},
                        {"optional", {{"creator", "test"}}}}
      .dump();
}

SignatureLayer layerFor(const std::string& payload, const std::string& signature) {
  SignatureLayer layer;
  layer.payloadDigest = oci::digestOf(payload).str();
  layer.payloadSize = payload.size();
  layer.signature = signature;
  return layer;
}

nlohmann::json signatureLayerJson(const std::string& payload, const std::string& signature) {
  return {{"mediaType", kSimpleSigningMediaType},
          {"digest", oci::digestOf(payload).str()},
          {"size", payload.size()},
          {"annotations", {{std::string(kSignatureAnnotation), common::base64Encode(signature)}}}};
}

}  // namespace berth::supplychain::fixtures
