#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace berth::supplychain {

// Where the content that judges an image (its signatures) is read from: admission asks
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
  // The bytes of a blob of `repository`, refused (PayloadTooLarge) above maxBytes.
  virtual common::Result<std::string> blob(const std::string& repository, const std::string& digest,
                                           uint64_t maxBytes) = 0;
};

}  // namespace berth::supplychain
