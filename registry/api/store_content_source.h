#pragma once

#include "registry/api/exchange.h"
#include "supplychain/content_source.h"

namespace berth::registry {

// An image's signatures as the registry itself holds them: manifests from the manifest store,
// blobs from the blob store (only those linked into the repository).
class StoreContentSource : public supplychain::ContentSource {
 public:
  explicit StoreContentSource(RegistryContext& ctx) : ctx_(ctx) {}

  common::Result<std::string> manifest(const std::string& repository,
                                       const std::string& reference) override;
  common::Result<std::vector<supplychain::Referrer>> referrers(
      const std::string& repository, const std::string& digest,
      const std::vector<std::string_view>& artifactTypes) override;
  common::Result<std::string> blob(const std::string& repository, const std::string& digest,
                                   uint64_t maxBytes) override;

 private:
  RegistryContext& ctx_;
};

}  // namespace berth::registry
