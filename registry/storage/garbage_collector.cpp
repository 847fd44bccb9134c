#include "registry/storage/garbage_collector.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "common/oci/manifest.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/manifest_store.h"
#include "registry/storage/paths.h"
#include "registry/storage/repository_walker.h"
#include "registry/storage/upload_store.h"

namespace berth::registry {

namespace {

constexpr const char* kAlgorithms[] = {"sha256", "sha512"};

// Calls `visit(digest, dataPath)` for every stored blob.
template <typename Visit>
common::Status forEachBlob(StorageDriver& driver, Visit visit) {
  for (const char* algorithm : kAlgorithms) {
    auto prefixes = driver.list(paths::blobAlgorithmDir(algorithm));
    if (!prefixes) continue;
    for (const auto& prefix : *prefixes) {
      auto hexes = driver.list(paths::blobAlgorithmDir(algorithm) + "/" + prefix);
      if (!hexes) continue;
      for (const auto& hex : *hexes) {
        auto digest = oci::Digest::parse(std::string(algorithm) + ":" + hex);
        if (!digest) continue;
        BERTH_TRY(visit(*digest));
      }
    }
  }
  return {};
}

}  // namespace

GarbageCollector::GarbageCollector(StorageDriver& driver, common::Logger& logger,
                                   std::shared_mutex* commitLock)
    : driver_(driver), logger_(logger), commitLock_(commitLock) {}

common::Result<GcReport> GarbageCollector::run(const GcOptions& options, int64_t now) {
  GcReport report;
  BlobStore blobs(driver_);
  ManifestStore manifests(driver_, blobs, 64 << 20);
  BERTH_TRY_ASSIGN(auto repositories, walkRepositories(driver_));

  // Mark.
  std::set<oci::Digest> marked;
  for (const auto& repo : repositories) {
    ++report.repositories;
    BERTH_TRY_ASSIGN(auto revisions, manifests.revisions(repo.name));
    for (const auto& digest : revisions) {
      ++report.manifests;
      marked.insert(digest);
      auto bytes = manifests.get(repo.name, digest);
      if (!bytes) continue;
      auto info = oci::parseManifest(*bytes, "");
      if (!info) {
        logger_.warn("gc: unreadable manifest kept with its blobs unknown",
                     {{"repository", repo.name}, {"digest", digest.str()}});
        continue;
      }
      marked.insert(info->blobs.begin(), info->blobs.end());
      marked.insert(info->manifests.begin(), info->manifests.end());
    }
  }

  // Sweep blobs.
  std::set<oci::Digest> doomed;
  auto sweep = [&](const oci::Digest& digest) -> common::Status {
    if (marked.count(digest)) {
      ++report.blobsKept;
      return {};
    }
    std::unique_lock<std::shared_mutex> lock;
    if (commitLock_ && !options.dryRun) lock = std::unique_lock(*commitLock_);
    auto info = driver_.stat(paths::blobData(digest));
    if (!info) {
      ++report.blobsKept;
      return {};
    }
    if (now - info->modifiedUnixSeconds < options.graceSeconds) {
      ++report.blobsKept;
      ++report.blobsInGrace;
      report.bytesInGrace += info->size;
      report.graceEndsUnixSeconds =
          std::max(report.graceEndsUnixSeconds, info->modifiedUnixSeconds + options.graceSeconds);
      return {};
    }
    doomed.insert(digest);
    ++report.blobsDeleted;
    report.bytesFreed += info->size;
    report.deleted.push_back(digest.str());
    if (options.dryRun) return {};
    // Links first, then data: a crash in between leaves only an unlinked blob for next time.
    for (const auto& repo : repositories) {
      if (blobs.linked(repo.name, digest)) {
        const std::string link = paths::layerLink(repo.name, digest);
        BERTH_TRY(driver_.remove(link.substr(0, link.rfind('/'))));
        ++report.linksDeleted;
      }
    }
    const std::string data = paths::blobData(digest);
    return driver_.remove(data.substr(0, data.rfind('/')));
  };
  BERTH_TRY(forEachBlob(driver_, sweep));
  logger_.info("gc finished", {{"dryRun", options.dryRun},
                               {"repositories", report.repositories},
                               {"manifests", report.manifests},
                               {"blobsKept", report.blobsKept},
                               {"blobsDeleted", report.blobsDeleted},
                               {"bytesFreed", report.bytesFreed}});

  // Expired upload sessions.
  const auto asOfNow = common::FixedClock::atUnixSeconds(now);
  UploadStore uploads(driver_, blobs, asOfNow, options.uploadExpirySeconds);
  BERTH_TRY_ASSIGN(report.uploadsExpired, uploads.expire(now, options.dryRun));
  return report;
}

common::Result<StoreUsage> measureStore(StorageDriver& driver) {
  StoreUsage usage;
  BERTH_TRY(forEachBlob(driver, [&](const oci::Digest& digest) -> common::Status {
    if (auto info = driver.stat(paths::blobData(digest))) {
      ++usage.blobs;
      usage.bytes += info->size;
    }
    return {};
  }));
  return usage;
}

}  // namespace berth::registry
