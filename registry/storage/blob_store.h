#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "common/oci/digest.h"
#include "common/result.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

// Content-addressed blobs shared by all repositories, and the per-repository links that make a
// blob visible in a repository.
//
// Garbage collection safety: anything that makes a blob (newly) referenced — committing an
// upload, linking, mounting, pushing a manifest that lists it — holds commitLock() shared and
// touches the blob's data, so its modification time is fresh. The collector deletes a blob only
// under the exclusive lock and only when its data is older than the grace period.
class BlobStore {
 public:
  explicit BlobStore(StorageDriver& driver);

  // Size of the stored blob; BLOB_UNKNOWN when absent.
  common::Result<uint64_t> size(const oci::Digest& digest);
  // Size when the blob is linked into `repository` and present; BLOB_UNKNOWN otherwise.
  common::Result<uint64_t> sizeIn(const std::string& repository, const oci::Digest& digest);
  bool linked(const std::string& repository, const oci::Digest& digest);

  common::Result<std::unique_ptr<StorageReader>> open(const oci::Digest& digest, uint64_t offset);

  // Moves a verified file (an upload's data) into place. Returns true when the blob is new.
  // Concurrent commits of the same digest are safe: each renames identical bytes.
  common::Result<bool> commitFile(const std::string& sourcePath, const oci::Digest& digest,
                                  uint64_t size);
  // Stores bytes already hashed to `digest` (manifests). Returns true when the blob is new.
  common::Result<bool> putBytes(const oci::Digest& digest, std::string_view bytes);

  common::Status link(const std::string& repository, const oci::Digest& digest);
  // BLOB_UNKNOWN when the repository does not hold it.
  common::Status unlink(const std::string& repository, const oci::Digest& digest);
  // Refreshes the blob's modification time (see the class comment).
  common::Status touch(const oci::Digest& digest);

  std::shared_mutex& commitLock() { return commitLock_; }
  StorageDriver& driver() { return driver_; }

 private:
  StorageDriver& driver_;
  std::shared_mutex commitLock_;
};

}  // namespace berth::registry
