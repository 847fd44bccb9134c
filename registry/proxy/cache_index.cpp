#include "registry/proxy/cache_index.h"

#include "registry/storage/blob_store.h"
#include "registry/storage/manifest_store.h"
#include "registry/storage/paths.h"
#include "registry/storage/repository_walker.h"

namespace berth::registry {

ProxyCacheIndex::ProxyCacheIndex(CacheStores stores, const UpstreamTable& upstreams,
                                 uint64_t maxBytes)
    : stores_(std::move(stores)), upstreams_(upstreams), maxBytes_(maxBytes) {}

common::Status ProxyCacheIndex::load() {
  BERTH_TRY_ASSIGN(auto repositories, walkRepositories(stores_.driver));
  std::lock_guard lock(mutex_);
  for (const auto& repo : repositories) {
    if (!upstreams_.isProxiedRepository(repo.name)) continue;
    std::vector<oci::Digest> digests;
    if (auto revisions = stores_.manifests.revisions(repo.name)) digests = *revisions;
    if (auto layers = stores_.driver.list(paths::layersDir(repo.name, "sha256"))) {
      for (const auto& hex : *layers) {
        if (auto d = oci::Digest::parse("sha256:" + hex)) digests.push_back(*d);
      }
    }
    for (const auto& digest : digests) {
      auto info = stores_.driver.stat(paths::blobData(digest));
      if (!info) continue;
      lru_.use(digest.str(), repo.name, info->size, info->modifiedUnixSeconds);
    }
  }
  return {};
}

void ProxyCacheIndex::used(const std::string& repository, const oci::Digest& digest,
                           uint64_t size) {
  (void)stores_.blobs.touch(digest);
  std::lock_guard lock(mutex_);
  lru_.use(digest.str(), repository, size, stores_.clock.unixSeconds());
  if (maxBytes_ > 0 && lru_.totalBytes() > maxBytes_) evict(digest.str());
}

uint64_t ProxyCacheIndex::totalBytes() {
  std::lock_guard lock(mutex_);
  return lru_.totalBytes();
}

bool ProxyCacheIndex::linkedLocally(const oci::Digest& digest) {
  auto repositories = walkRepositories(stores_.driver);
  if (!repositories) return true;  // unsure: keep the data
  for (const auto& repo : *repositories) {
    if (upstreams_.isProxiedRepository(repo.name)) continue;
    if (stores_.blobs.linked(repo.name, digest) || stores_.manifests.exists(repo.name, digest)) {
      return true;
    }
  }
  return false;
}

void ProxyCacheIndex::evict(const std::string& keep) {
  for (const auto& victim : lru_.victims(maxBytes_, keep)) {
    auto digest = oci::Digest::parse(victim);
    const ProxyLru::Entry* entry = lru_.find(victim);
    if (!digest || entry == nullptr) continue;
    // Exclusive, like the garbage collector's sweep: no push can link the blob meanwhile.
    std::unique_lock commit(stores_.blobs.commitLock());
    for (const auto& repo : entry->repositories) {
      if (stores_.manifests.exists(repo, *digest))
        (void)stores_.manifests.removeRevision(repo, *digest);
      if (stores_.blobs.linked(repo, *digest)) (void)stores_.blobs.unlink(repo, *digest);
    }
    bool removed = false;
    if (!linkedLocally(*digest)) {
      const std::string data = paths::blobData(*digest);
      removed = static_cast<bool>(stores_.driver.remove(data.substr(0, data.rfind('/'))));
      if (removed) stores_.blobRemoved(entry->size);
    }
    stores_.logger.info("proxy cache evicted",
                        {{"digest", victim}, {"bytes", entry->size}, {"dataRemoved", removed}});
    lru_.forget(victim);
  }
}

}  // namespace berth::registry
