#pragma once

#include "admission/registry_endpoint.h"
#include "supplychain/content_source.h"

namespace berth::admission {

// Reads an image's signatures from Berth's registry for one review, giving up by its deadline.
// Images of upstreams come through the pull-through cache, so their signatures are fetched
// from the upstream and cached like any content.
class RegistryContentSource : public supplychain::ContentSource {
 public:
  RegistryContentSource(const RegistryEndpoint& endpoint, Deadline deadline)
      : endpoint_(endpoint), deadline_(deadline) {}

  common::Result<std::string> manifest(const std::string& repository,
                                       const std::string& reference) override;
  common::Result<std::vector<supplychain::Referrer>> referrers(
      const std::string& repository, const std::string& digest,
      const std::vector<std::string_view>& artifactTypes) override;
  common::Result<std::string> blob(const std::string& repository, const std::string& digest,
                                   uint64_t maxBytes) override;

 private:
  const RegistryEndpoint& endpoint_;
  Deadline deadline_;
};

}  // namespace berth::admission
