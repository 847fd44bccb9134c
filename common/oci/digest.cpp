#include "common/oci/digest.h"

#include <openssl/evp.h>

#include "common/oci/image_reference.h"

namespace berth::oci {

using common::Error;
using common::ErrorCode;

common::Result<Digest> Digest::parse(std::string_view text) {
  if (!oci::isValidDigest(text)) {
    return Error{ErrorCode::DigestInvalid, "invalid digest", std::string(text.substr(0, 200))};
  }
  const size_t colon = text.find(':');
  Digest d{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (d.algorithm != "sha256" && d.algorithm != "sha512") {
    return Error{ErrorCode::DigestInvalid, "unsupported digest algorithm", d.algorithm};
  }
  for (char c : d.hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Error{ErrorCode::DigestInvalid, "digest must be lowercase hex", d.str()};
    }
  }
  return d;
}

struct Hasher::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(const std::string& algorithm)
    : algorithm_(algorithm == "sha512" ? "sha512" : "sha256"), state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->ctx, algorithm_ == "sha512" ? EVP_sha512() : EVP_sha256(), nullptr);
}

Hasher::~Hasher() = default;

void Hasher::update(const char* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(state_->ctx, data, size);
}

Digest Hasher::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->ctx, out, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xf]);
  }
  return Digest{algorithm_, hex};
}

Digest digestOf(std::string_view bytes, const std::string& algorithm) {
  Hasher hasher(algorithm);
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace berth::oci
