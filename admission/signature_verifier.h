#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "admission/registry_endpoint.h"
#include "common/clock.h"
#include "supplychain/image_signatures.h"

namespace berth::admission {

// Judges an image's signatures for the webhooks. The seam between admission and the
// registry, so that validation is tested without one.
class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  // `repository` is the name inside Berth's registry that serves the image, `digest` its
  // manifest's; `signedRepository` is what a signature must name when the requirement matches
  // repositories. Gives up by the deadline (Unverifiable).
  virtual supplychain::SignatureReport verify(const std::string& repository,
                                              const std::string& digest,
                                              const supplychain::SignatureRequirement& requirement,
                                              const std::string& signedRepository,
                                              Deadline deadline) = 0;
};

struct VerdictCacheOptions {
  size_t maxEntries = 4096;
  std::chrono::seconds ttl{300};
};

// Reads signatures from Berth's registry and remembers each satisfied verdict by requirement,
// repository and digest for a while (a deleted signature counts until its verdict expires).
// Refusals are not kept: an image signed a moment after a Pod was refused must be admitted on
// the next try, and asking again costs one manifest lookup. The oldest entry goes when the
// cache is full. Safe from any thread.
class RegistrySignatureVerifier : public SignatureVerifier {
 public:
  RegistrySignatureVerifier(const RegistryEndpoint& endpoint, const common::Clock& clock,
                            VerdictCacheOptions options = {});
  supplychain::SignatureReport verify(const std::string& repository, const std::string& digest,
                                      const supplychain::SignatureRequirement& requirement,
                                      const std::string& signedRepository,
                                      Deadline deadline) override;
  size_t cachedVerdicts() const;

 private:
  struct Entry {
    supplychain::SignatureReport report;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator age;  // position in order_
  };
  const RegistryEndpoint& endpoint_;
  const common::Clock& clock_;
  VerdictCacheOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // oldest first
};

}  // namespace berth::admission
