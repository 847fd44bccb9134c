#include "registry/api/store_content_source.h"

#include <algorithm>

#include "common/oci/digest.h"
#include "common/oci/image_reference.h"
#include "common/oci/manifest.h"

namespace berth::registry {

common::Result<std::string> StoreContentSource::manifest(const std::string& repository,
                                                         const std::string& reference) {
  oci::Digest digest;
  if (oci::isValidDigest(reference)) {
    BERTH_TRY_ASSIGN(digest, oci::Digest::parse(reference));
  } else {
    BERTH_TRY_ASSIGN(digest, ctx_.manifests.resolveTag(repository, reference));
  }
  return ctx_.manifests.get(repository, digest);
}

common::Result<std::vector<supplychain::Referrer>> StoreContentSource::referrers(
    const std::string& repository, const std::string& digestText,
    const std::vector<std::string_view>& artifactTypes) {
  BERTH_TRY_ASSIGN(oci::Digest subject, oci::Digest::parse(digestText));
  BERTH_TRY_ASSIGN(auto referrers, ctx_.manifests.referrers(repository, subject));
  std::vector<supplychain::Referrer> found;
  for (const auto& digest : referrers) {
    auto bytes = ctx_.manifests.get(repository, digest);
    if (!bytes) continue;  // deleted while we listed
    auto info = oci::parseManifest(*bytes, "");
    if (!info) continue;
    if (std::find(artifactTypes.begin(), artifactTypes.end(), info->artifactType) !=
        artifactTypes.end()) {
      found.push_back({digest.str(), info->artifactType});
    }
  }
  return found;
}

common::Result<std::string> StoreContentSource::blob(const std::string& repository,
                                                     const std::string& digestText,
                                                     uint64_t maxBytes) {
  BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(digestText));
  BERTH_TRY_ASSIGN(uint64_t size, ctx_.blobs.sizeIn(repository, digest));
  if (size > maxBytes) {
    return common::Error{common::ErrorCode::PayloadTooLarge,
                         "blob " + digestText + " is larger than " + std::to_string(maxBytes)};
  }
  BERTH_TRY_ASSIGN(auto reader, ctx_.blobs.open(digest, 0));
  std::string bytes(size, '\0');
  size_t filled = 0;
  while (filled < size) {
    BERTH_TRY_ASSIGN(size_t n, reader->read(bytes.data() + filled, size - filled));
    if (n == 0) break;
    filled += n;
  }
  bytes.resize(filled);  // a short blob fails the digest check, which names it
  return bytes;
}

}  // namespace berth::registry
