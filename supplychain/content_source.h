#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::supplychain {

// A manifest attached to an image (OCI 1.1 referrers): a signature, a report.
struct Referrer {
  std::string digest;
  std::string artifactType;
};

// Where the content that judges an image (its signatures, its reports) is read from: admission asks
// Berth's registry over HTTP, the registry reads its own stores. Implementations bound their
// own time (a deadline given when they are made).
class ContentSource {
 public:
  virtual ~ContentSource() = default;
  // The manifest of `repository` at `reference` (a tag or a digest). An error with code
  // NotFound or ManifestUnknown when there is none (an unsigned image); any other error when
  // it could not be read (the answer is unknown).
  virtual common::Result<std::string> manifest(const std::string& repository,
                                               const std::string& reference) = 0;
  // The manifests in `repository` whose subject is `digest` and whose artifactType is one of
  // `artifactTypes` (the OCI 1.1 referrers API), in the registry's order. Empty when there are
  // none or the registry has no referrers API; an error only when the answer is unknown.
  virtual common::Result<std::vector<Referrer>> referrers(
      const std::string& repository, const std::string& digest,
      const std::vector<std::string_view>& artifactTypes) = 0;
  // The bytes of a blob of `repository`, refused (PayloadTooLarge) above maxBytes.
  virtual common::Result<std::string> blob(const std::string& repository, const std::string& digest,
                                           uint64_t maxBytes) = 0;
};

}  // namespace berth::supplychain
