#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/oci/digest.h"
#include "common/oci/manifest.h"
#include "common/result.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

// Manifests (bytes in the blob store, a revision link per repository), tags and the referrers
// index. Writes go in an order that keeps every visible link pointing at complete content.
class ManifestStore {
 public:
  ManifestStore(StorageDriver& driver, BlobStore& blobs, int64_t maxManifestBytes);

  bool repositoryExists(const std::string& repository);
  bool exists(const std::string& repository, const oci::Digest& digest);
  // MANIFEST_UNKNOWN when the repository has no such revision.
  common::Result<std::string> get(const std::string& repository, const oci::Digest& digest);
  // Like get, with the media type the bytes declare (or imply).
  struct Served {
    std::shared_ptr<const std::string> bytes;
    std::string mediaType;
  };
  common::Result<Served> getForServing(const std::string& repository, const oci::Digest& digest);
  // MANIFEST_UNKNOWN for an unknown tag.
  common::Result<oci::Digest> resolveTag(const std::string& repository, const std::string& tag);

  // Stores the bytes and the revision link (and the referrers entry for a subject).
  common::Status put(const std::string& repository, const oci::Digest& digest,
                     std::string_view bytes, const oci::ManifestInfo& info);
  common::Status setTag(const std::string& repository, const std::string& tag,
                        const oci::Digest& digest);
  // Points the tag at `digest` only if the tag does not exist yet, atomically across every
  // process and replica on this storage (immutable tags). Returns the digest the tag points
  // at afterwards: `digest` when this call created it (or it already pointed there).
  common::Result<oci::Digest> createTag(const std::string& repository, const std::string& tag,
                                        const oci::Digest& digest);
  common::Status removeTag(const std::string& repository, const std::string& tag);
  // Removes the revision, the tags that point at it and its referrers entry.
  common::Status removeRevision(const std::string& repository, const oci::Digest& digest);

  // Sorted. NAME_UNKNOWN when the repository does not exist.
  common::Result<std::vector<std::string>> tags(const std::string& repository);
  common::Result<std::vector<std::string>> tagsPointingAt(const std::string& repository,
                                                          const oci::Digest& digest);
  common::Result<std::vector<oci::Digest>> revisions(const std::string& repository);
  common::Result<std::vector<oci::Digest>> referrers(const std::string& repository,
                                                     const oci::Digest& subject);

 private:
  StorageDriver& driver_;
  BlobStore& blobs_;
  int64_t maxManifestBytes_;
  // Manifest bytes and media types by digest, so a pull reads no file and parses no JSON for
  // the content. Content-addressed entries never go stale; whether the repository holds the
  // revision is still checked on disk for every request. Bounded by kServedCacheBytes.
  std::mutex servedMutex_;
  std::unordered_map<std::string, Served> served_;
  size_t servedBytes_ = 0;
};

}  // namespace berth::registry
