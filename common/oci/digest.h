#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::oci {

// A content digest "algorithm:hex". Only sha256 and sha512 can be stored; everything else is
// rejected at the edge (DIGEST_INVALID), so a Digest value is always safe to put into a path.
struct Digest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string hex;        // lowercase, 64 or 128 characters

  std::string str() const { return algorithm + ":" + hex; }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

  static common::Result<Digest> parse(std::string_view text);
};

// Streams bytes through OpenSSL's EVP digest; one Hasher per content stream.
class Hasher {
 public:
  explicit Hasher(const std::string& algorithm = "sha256");
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(const char* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Ends the stream; the Hasher cannot be updated afterwards.
  Digest finish();
  const std::string& algorithm() const { return algorithm_; }

 private:
  struct State;
  std::string algorithm_;
  std::unique_ptr<State> state_;
};

// Digest of a whole buffer (manifests).
Digest digestOf(std::string_view bytes, const std::string& algorithm = "sha256");

}  // namespace berth::oci
