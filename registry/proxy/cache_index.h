#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/oci/digest.h"
#include "common/result.h"
#include "registry/proxy/lru.h"
#include "registry/proxy/upstreams.h"

namespace berth::registry {

class BlobStore;
class ManifestStore;
class StorageDriver;

// What the cache index reads and prunes.
struct CacheStores {
  StorageDriver& driver;
  BlobStore& blobs;
  ManifestStore& manifests;
  common::Logger& logger;
  const common::Clock& clock;
  std::function<void(uint64_t bytes)> blobRemoved;  // for the registry's metrics
};

// The size bound of the pull-through cache. Every use of cached content is recorded; when the
// total exceeds `maxBytes` the least recently used digests lose their links in proxied
// repositories, and their data is deleted unless a local repository links it too. Locally
// pushed content is never touched. Last use survives restarts as the blob data's modification
// time (refreshed on each use), which the garbage collector reads the same way.
class ProxyCacheIndex {
 public:
  ProxyCacheIndex(CacheStores stores, const UpstreamTable& upstreams, uint64_t maxBytes);

  // Scans the proxied repositories already in storage.
  common::Status load();
  // Records a use and evicts what no longer fits (never `digest` itself).
  void used(const std::string& repository, const oci::Digest& digest, uint64_t size);
  uint64_t totalBytes();

 private:
  void evict(const std::string& keep);
  bool linkedLocally(const oci::Digest& digest);

  CacheStores stores_;
  const UpstreamTable& upstreams_;
  uint64_t maxBytes_;
  std::mutex mutex_;
  ProxyLru lru_;
};

}  // namespace berth::registry
