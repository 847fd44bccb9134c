#include "registry/proxy_cache_index.h"

#include <chrono>

#include "registry/http_exchange.h"
#include "registry/paths.h"
#include "registry/repository_walker.h"

namespace berth::registry {

namespace {

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProxyCacheIndex::ProxyCacheIndex(RegistryContext& ctx, const UpstreamTable& upstreams,
                                 uint64_t maxBytes)
    : ctx_(ctx), upstreams_(upstreams), maxBytes_(maxBytes) {}

common::Status ProxyCacheIndex::load() {
  BERTH_TRY_ASSIGN(auto repositories, walkRepositories(ctx_.driver));
  std::lock_guard lock(mutex_);
  for (const auto& repo : repositories) {
    if (!upstreams_.isProxiedRepository(repo.name)) continue;
    std::vector<Digest> digests;
    if (auto revisions = ctx_.manifests.revisions(repo.name)) digests = *revisions;
    if (auto layers = ctx_.driver.list(paths::layersDir(repo.name, "sha256"))) {
      for (const auto& hex : *layers) {
        if (auto d = Digest::parse("sha256:" + hex)) digests.push_back(*d);
      }
    }
    for (const auto& digest : digests) {
      auto info = ctx_.driver.stat(paths::blobData(digest));
      if (!info) continue;
      lru_.use(digest.str(), repo.name, info->size, info->modifiedUnixSeconds);
    }
  }
  return {};
}

void ProxyCacheIndex::used(const std::string& repository, const Digest& digest, uint64_t size) {
  (void)ctx_.blobs.touch(digest);
  std::lock_guard lock(mutex_);
  lru_.use(digest.str(), repository, size, nowSeconds());
  if (maxBytes_ > 0 && lru_.totalBytes() > maxBytes_) evict(digest.str());
}

uint64_t ProxyCacheIndex::totalBytes() {
  std::lock_guard lock(mutex_);
  return lru_.totalBytes();
}

bool ProxyCacheIndex::linkedLocally(const Digest& digest) {
  auto repositories = walkRepositories(ctx_.driver);
  if (!repositories) return true;  // unsure: keep the data
  for (const auto& repo : *repositories) {
    if (upstreams_.isProxiedRepository(repo.name)) continue;
    if (ctx_.blobs.linked(repo.name, digest) || ctx_.manifests.exists(repo.name, digest)) {
      return true;
    }
  }
  return false;
}

void ProxyCacheIndex::evict(const std::string& keep) {
  for (const auto& victim : lru_.victims(maxBytes_, keep)) {
    auto digest = Digest::parse(victim);
    const ProxyLru::Entry* entry = lru_.find(victim);
    if (!digest || entry == nullptr) continue;
    // Exclusive, like the garbage collector's sweep: no push can link the blob meanwhile.
    std::unique_lock commit(ctx_.blobs.commitLock());
    for (const auto& repo : entry->repositories) {
      if (ctx_.manifests.exists(repo, *digest)) (void)ctx_.manifests.removeRevision(repo, *digest);
      if (ctx_.blobs.linked(repo, *digest)) (void)ctx_.blobs.unlink(repo, *digest);
    }
    bool removed = false;
    if (!linkedLocally(*digest)) {
      const std::string data = paths::blobData(*digest);
      removed = static_cast<bool>(ctx_.driver.remove(data.substr(0, data.rfind('/'))));
      if (removed) ctx_.metrics.blobRemoved(entry->size);
    }
    ctx_.logger.info("proxy cache evicted", {{"digest", victim},
                                             {"bytes", entry->size},
                                             {"dataRemoved", removed}});
    lru_.forget(victim);
  }
}

}  // namespace berth::registry
