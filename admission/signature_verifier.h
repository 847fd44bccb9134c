#pragma once

#include <cstddef>
#include <string>

#include "admission/registry_endpoint.h"
#include "admission/verdict_cache.h"
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
  size_t cachedVerdicts() const { return cache_.size(); }

 private:
  const RegistryEndpoint& endpoint_;
  VerdictCache<supplychain::SignatureReport> cache_;
};

}  // namespace berth::admission
