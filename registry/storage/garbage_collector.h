#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

struct GcOptions {
  bool dryRun = false;
  // Blobs younger than this are live even when no manifest references them yet: a push
  // uploads its blobs first and the manifest after them.
  int64_t graceSeconds = 3600;
  int64_t uploadExpirySeconds = 24 * 3600;
};

struct GcReport {
  size_t repositories = 0;
  size_t manifests = 0;
  size_t blobsKept = 0;
  size_t blobsDeleted = 0;
  uint64_t bytesFreed = 0;
  size_t linksDeleted = 0;
  size_t uploadsExpired = 0;
  std::vector<std::string> deleted;  // digests of deleted (or, dry run, deletable) blobs
  // Unreferenced blobs kept only because they are younger than the grace period (counted in
  // blobsKept too), and when the last of them becomes deletable.
  size_t blobsInGrace = 0;
  uint64_t bytesInGrace = 0;
  int64_t graceEndsUnixSeconds = 0;
};

// Mark and sweep over the store.
//
// Mark: every manifest revision of every repository marks itself, its config and layers and,
// for an index, its children. Sweep: a blob that is unmarked and whose data is older than the
// grace period is deleted, with the repository links to it.
//
// Racing a push: every operation that makes a blob referenced (upload commit, mount, manifest
// push) refreshes the blob's modification time while holding the store's commit lock shared.
// The sweep re-checks each candidate's modification time under that lock held exclusively, so
// a blob referenced after the mark began is seen as fresh and kept. Within one process this is
// exact; `berth gc` run beside a live server (another process) relies on the grace period.
class GarbageCollector {
 public:
  // `commitLock` is the live server's BlobStore lock, or nullptr offline.
  GarbageCollector(StorageDriver& driver, common::Logger& logger,
                   std::shared_mutex* commitLock = nullptr);

  common::Result<GcReport> run(const GcOptions& options, int64_t nowUnixSeconds);

 private:
  StorageDriver& driver_;
  common::Logger& logger_;
  std::shared_mutex* commitLock_;
};

// Counts stored blobs and their bytes (for the gauges at start-up).
struct StoreUsage {
  uint64_t blobs = 0;
  uint64_t bytes = 0;
};
common::Result<StoreUsage> measureStore(StorageDriver& driver);

}  // namespace berth::registry
