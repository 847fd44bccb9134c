#pragma once

#include <array>
#include <mutex>
#include <optional>
#include <string>

#include "common/oci/digest.h"
#include "common/oci/manifest.h"
#include "common/result.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/manifest_store.h"

namespace berth::registry {

// Which tags may never change, decided above storage (by the policy's immutable rules).
class TagRules {
 public:
  virtual ~TagRules() = default;
  // The name of the rule that makes `repository:tag` immutable, or none.
  virtual common::Result<std::optional<std::string>> immutableRule(
      const std::string& repository, const std::string& tag) const = 0;
};

// What a stored manifest may reference.
enum class References {
  MustExist,     // a push: every blob and child manifest is already in the repository
  FetchedLater,  // the pull-through cache: blobs come from the upstream when first read
};

// The manifest and tag rules of every repository, in one place: a manifest is stored only with
// its references present, a tag moves only under its lock, an immutable tag is written once
// (create-only in storage, so replicas cannot race it) and never deleted, and every write holds
// the blob store's commit lock shared, so the garbage collector's sweep never removes what a
// manifest being written references.
class Repositories {
 public:
  Repositories(BlobStore& blobs, ManifestStore& manifests);

  // Stores `bytes` (already parsed into `info`, hashed into `digest`) in `repository`, and
  // points `tag` at it when given. `rules` says which tags are immutable (null: none are).
  common::Status putManifest(const std::string& repository, const oci::Digest& digest,
                             const std::string& bytes, const oci::ManifestInfo& info,
                             const std::optional<std::string>& tag, References references,
                             const TagRules* rules);
  // Removes a tag; returns the digest it pointed at. Refused for an immutable tag.
  common::Result<oci::Digest> deleteTag(const std::string& repository, const std::string& tag,
                                        const TagRules* rules);
  // Removes a manifest and the tags pointing at it. Refused when one of them is immutable.
  common::Status deleteManifest(const std::string& repository, const oci::Digest& digest,
                                const TagRules* rules);

 private:
  std::mutex& lockFor(const std::string& repository, const std::string& tag);
  common::Status checkReferences(const std::string& repository, const oci::ManifestInfo& info);

  BlobStore& blobs_;
  ManifestStore& manifests_;
  // Serialises writes of one tag (check immutability, then write) inside this process.
  std::array<std::mutex, 64> tagLocks_;
};

}  // namespace berth::registry
