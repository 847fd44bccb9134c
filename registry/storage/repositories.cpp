#include "registry/storage/repositories.h"

#include <functional>
#include <shared_mutex>

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

Error immutableError(const std::string& repository, const std::string& tag, const std::string& rule,
                     const std::string& what) {
  return Error{
      ErrorCode::Denied,
      "tag " + repository + ":" + tag + " is immutable (policy rule '" + rule + "'): " + what,
      rule};
}

common::Result<std::optional<std::string>> ruleFor(const TagRules* rules,
                                                   const std::string& repository,
                                                   const std::string& tag) {
  if (!rules) return std::optional<std::string>{};
  return rules->immutableRule(repository, tag);
}

}  // namespace

Repositories::Repositories(BlobStore& blobs, ManifestStore& manifests)
    : blobs_(blobs), manifests_(manifests) {}

std::mutex& Repositories::lockFor(const std::string& repository, const std::string& tag) {
  return tagLocks_[std::hash<std::string>{}(repository + ":" + tag) % tagLocks_.size()];
}

common::Status Repositories::checkReferences(const std::string& repository,
                                             const oci::ManifestInfo& info) {
  for (const auto& blob : info.blobs) {
    if (!blobs_.linked(repository, blob) || !blobs_.touch(blob)) {
      return Error{ErrorCode::ManifestBlobUnknown, "manifest references an unknown blob",
                   blob.str()};
    }
  }
  for (const auto& child : info.manifests) {
    if (!manifests_.exists(repository, child)) {
      return Error{ErrorCode::ManifestBlobUnknown, "index references an unknown manifest",
                   child.str()};
    }
    (void)blobs_.touch(child);
  }
  return {};
}

common::Status Repositories::putManifest(const std::string& repository, const oci::Digest& digest,
                                         const std::string& bytes, const oci::ManifestInfo& info,
                                         const std::optional<std::string>& tag,
                                         References references, const TagRules* rules) {
  // Lock order, everywhere: the tag's lock, then the commit lock.
  std::unique_lock<std::mutex> tagLock;
  std::optional<std::string> immutable;  // the rule that makes the tag immutable
  if (tag) {
    tagLock = std::unique_lock(lockFor(repository, *tag));
    BERTH_TRY_ASSIGN(immutable, ruleFor(rules, repository, *tag));
    if (immutable) {
      auto current = manifests_.resolveTag(repository, *tag);
      if (current && *current != digest) {
        return immutableError(repository, *tag, *immutable,
                              "it already points at " + current->str());
      }
    }
  }
  // Shared with other writes, exclusive with the garbage collector's sweep: the references
  // checked here stay valid until the manifest that holds them is written.
  std::shared_lock commit(blobs_.commitLock());
  if (references == References::MustExist) BERTH_TRY(checkReferences(repository, info));
  BERTH_TRY(manifests_.put(repository, digest, bytes, info));
  if (!tag) return {};
  if (!immutable) return manifests_.setTag(repository, *tag, digest);
  // The check above is per process; another replica may create the tag meanwhile. Only the
  // first version of an immutable tag is ever written, create-only in storage.
  BERTH_TRY_ASSIGN(oci::Digest current, manifests_.createTag(repository, *tag, digest));
  if (current != digest) {
    return immutableError(repository, *tag, *immutable, "it already points at " + current.str());
  }
  return {};
}

common::Result<oci::Digest> Repositories::deleteTag(const std::string& repository,
                                                    const std::string& tag, const TagRules* rules) {
  std::lock_guard tagLock(lockFor(repository, tag));
  BERTH_TRY_ASSIGN(oci::Digest digest, manifests_.resolveTag(repository, tag));
  BERTH_TRY_ASSIGN(auto rule, ruleFor(rules, repository, tag));
  if (rule) return immutableError(repository, tag, *rule, "it cannot be deleted");
  BERTH_TRY(manifests_.removeTag(repository, tag));
  return digest;
}

common::Status Repositories::deleteManifest(const std::string& repository,
                                            const oci::Digest& digest, const TagRules* rules) {
  if (!manifests_.exists(repository, digest)) {
    return Error{ErrorCode::ManifestUnknown, "manifest unknown to registry", digest.str()};
  }
  // Deleting by digest would drop its tags too: an immutable one forbids it.
  BERTH_TRY_ASSIGN(auto tags, manifests_.tagsPointingAt(repository, digest));
  for (const auto& tag : tags) {
    BERTH_TRY_ASSIGN(auto rule, ruleFor(rules, repository, tag));
    if (rule) return immutableError(repository, tag, *rule, "its manifest cannot be deleted");
  }
  return manifests_.removeRevision(repository, digest);
}

}  // namespace berth::registry
