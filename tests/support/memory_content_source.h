#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "supplychain/content_source.h"

namespace berth::supplychain::fixtures {

// Content kept in maps, with an error to answer instead when set: an image's signatures and
// reports without a registry.
class MemoryContentSource : public supplychain::ContentSource {
 public:
  common::Result<std::string> manifest(const std::string& repository,
                                       const std::string& reference) override {
    if (manifestError) return *manifestError;
    const auto it = manifests.find(repository + ":" + reference);
    if (it == manifests.end()) {
      return common::Error{common::ErrorCode::ManifestUnknown, "manifest unknown"};
    }
    return it->second;
  }
  common::Result<std::vector<supplychain::Referrer>> referrers(
      const std::string& repository, const std::string& digest,
      const std::vector<std::string_view>& artifactTypes) override {
    if (referrersError) return *referrersError;
    std::vector<supplychain::Referrer> found;
    for (const auto& [key, type] : referrerTypes) {
      if (key.rfind(repository + "@" + digest + ">", 0) == 0 &&
          std::find(artifactTypes.begin(), artifactTypes.end(), type) != artifactTypes.end()) {
        found.push_back({key.substr(key.find('>') + 1), type});
      }
    }
    return found;
  }
  common::Result<std::string> blob(const std::string& repository, const std::string& digest,
                                   uint64_t maxBytes) override {
    fetched.insert(digest);
    if (blobError) return *blobError;
    const auto it = blobs.find(repository + "@" + digest);
    if (it == blobs.end()) return common::Error{common::ErrorCode::BlobUnknown, "blob unknown"};
    if (it->second.size() > maxBytes) {
      return common::Error{common::ErrorCode::PayloadTooLarge, "too large"};
    }
    return it->second;
  }

  std::map<std::string, std::string> manifests;
  std::map<std::string, std::string> blobs;
  // "repository@subject>referrer digest" -> artifactType; the referrer's bytes are in manifests
  // under "repository:referrer digest".
  std::map<std::string, std::string> referrerTypes;
  std::optional<common::Error> manifestError;
  std::optional<common::Error> referrersError;
  std::optional<common::Error> blobError;
  std::set<std::string> fetched;
};

}  // namespace berth::supplychain::fixtures
