#include "registry/storage/manifest_store.h"

#include <algorithm>

#include "registry/storage/paths.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

constexpr uint64_t kMaxLinkBytes = 512;

Error manifestUnknown(std::string detail) {
  return Error{ErrorCode::ManifestUnknown, "manifest unknown to registry", std::move(detail)};
}

// Directory entries named by hex digests of one algorithm; anything else is ignored.
std::vector<oci::Digest> digestsIn(StorageDriver& driver, const std::string& dir,
                                   const std::string& algorithm) {
  std::vector<oci::Digest> out;
  auto names = driver.list(dir);
  if (!names) return out;
  for (const auto& hex : *names) {
    if (auto d = oci::Digest::parse(algorithm + ":" + hex)) out.push_back(*d);
  }
  return out;
}

constexpr const char* kAlgorithms[] = {"sha256", "sha512"};

// Memory for cached manifests: thousands of typical (2-10 KiB) manifests, well under the RSS
// budget; larger manifests are served from disk.
constexpr size_t kServedCacheBytes = 4 << 20;
constexpr size_t kServedMaxEntryBytes = 256 << 10;

}  // namespace

ManifestStore::ManifestStore(StorageDriver& driver, BlobStore& blobs, int64_t maxManifestBytes)
    : driver_(driver), blobs_(blobs), maxManifestBytes_(maxManifestBytes) {}

bool ManifestStore::repositoryExists(const std::string& repository) {
  auto info = driver_.stat(paths::repository(repository));
  return info && info->isDirectory;
}

bool ManifestStore::exists(const std::string& repository, const oci::Digest& digest) {
  return driver_.stat(paths::manifestRevisionLink(repository, digest)).has_value();
}

common::Result<std::string> ManifestStore::get(const std::string& repository,
                                               const oci::Digest& digest) {
  if (!exists(repository, digest)) return manifestUnknown(digest.str());
  auto bytes =
      driver_.getContent(paths::blobData(digest), static_cast<uint64_t>(maxManifestBytes_) * 4);
  if (!bytes && bytes.error().code == ErrorCode::NotFound) return manifestUnknown(digest.str());
  return bytes;
}

common::Result<ManifestStore::Served> ManifestStore::getForServing(const std::string& repository,
                                                                   const oci::Digest& digest) {
  if (!exists(repository, digest)) return manifestUnknown(digest.str());
  const std::string key = digest.str();
  {
    std::lock_guard lock(servedMutex_);
    if (auto it = served_.find(key); it != served_.end()) return it->second;
  }
  BERTH_TRY_ASSIGN(std::string bytes, get(repository, digest));
  Served entry{std::make_shared<const std::string>(std::move(bytes)), {}};
  entry.mediaType = oci::storedManifestMediaType(*entry.bytes);
  if (entry.bytes->size() <= kServedMaxEntryBytes) {
    std::lock_guard lock(servedMutex_);
    if (servedBytes_ + entry.bytes->size() > kServedCacheBytes) {
      served_.clear();  // rare enough that a full reset beats tracking recency
      servedBytes_ = 0;
    }
    if (served_.emplace(key, entry).second) servedBytes_ += entry.bytes->size();
  }
  return entry;
}

common::Result<oci::Digest> ManifestStore::resolveTag(const std::string& repository,
                                                      const std::string& tag) {
  auto link = driver_.getContent(paths::tagLink(repository, tag), kMaxLinkBytes);
  if (!link) {
    if (link.error().code == ErrorCode::NotFound) return manifestUnknown(tag);
    return std::move(link).error();
  }
  auto digest = oci::Digest::parse(*link);
  if (!digest) {
    return Error{ErrorCode::Internal, "corrupt tag link", paths::tagLink(repository, tag)};
  }
  return digest.value();
}

common::Status ManifestStore::put(const std::string& repository, const oci::Digest& digest,
                                  std::string_view bytes, const oci::ManifestInfo& info) {
  BERTH_TRY(blobs_.putBytes(digest, bytes));
  BERTH_TRY(driver_.putContent(paths::manifestRevisionLink(repository, digest), digest.str()));
  if (info.subject) {
    BERTH_TRY(
        driver_.putContent(paths::referrerLink(repository, *info.subject, digest), digest.str()));
  }
  return {};
}

common::Status ManifestStore::setTag(const std::string& repository, const std::string& tag,
                                     const oci::Digest& digest) {
  return driver_.putContent(paths::tagLink(repository, tag), digest.str());
}

common::Result<oci::Digest> ManifestStore::createTag(const std::string& repository,
                                                     const std::string& tag,
                                                     const oci::Digest& digest) {
  const std::string link = paths::tagLink(repository, tag);
  // The link can vanish between the refused write and the read (a delete, allowed while no
  // rule made the tag immutable): then the write is tried again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    BERTH_TRY_ASSIGN(CreateOutcome outcome, driver_.putIfAbsent(link, digest.str()));
    if (outcome == CreateOutcome::Created) return digest;
    auto current = resolveTag(repository, tag);
    if (current || current.error().code != ErrorCode::ManifestUnknown) return current;
  }
  return Error{ErrorCode::Internal, "storage failure", link + " keeps appearing and vanishing"};
}

common::Status ManifestStore::removeTag(const std::string& repository, const std::string& tag) {
  if (!driver_.stat(paths::tagLink(repository, tag))) return manifestUnknown(tag);
  return driver_.remove(paths::tagDir(repository, tag));
}

common::Status ManifestStore::removeRevision(const std::string& repository,
                                             const oci::Digest& digest) {
  BERTH_TRY_ASSIGN(std::string bytes, get(repository, digest));
  // Tags first: a tag must never point at a revision that is gone.
  BERTH_TRY_ASSIGN(auto tagged, tagsPointingAt(repository, digest));
  for (const auto& tag : tagged) BERTH_TRY(driver_.remove(paths::tagDir(repository, tag)));
  if (auto info = oci::parseManifest(bytes, ""); info && info->subject) {
    const std::string link = paths::referrerLink(repository, *info->subject, digest);
    BERTH_TRY(driver_.remove(link.substr(0, link.rfind('/'))));
  }
  const std::string link = paths::manifestRevisionLink(repository, digest);
  return driver_.remove(link.substr(0, link.rfind('/')));
}

common::Result<std::vector<std::string>> ManifestStore::tags(const std::string& repository) {
  if (!repositoryExists(repository)) {
    return Error{ErrorCode::NameUnknown, "repository name not known to registry", repository};
  }
  auto names = driver_.list(paths::tagsDir(repository));
  if (!names) {
    if (names.error().code == ErrorCode::NotFound) return std::vector<std::string>{};
    return std::move(names).error();
  }
  std::vector<std::string> out;
  for (auto& tag : *names) {
    // A tag directory without its link is the debris of a crash or a concurrent delete.
    if (driver_.stat(paths::tagLink(repository, tag))) out.push_back(std::move(tag));
  }
  std::sort(out.begin(), out.end());
  return out;
}

common::Result<std::vector<std::string>> ManifestStore::tagsPointingAt(
    const std::string& repository, const oci::Digest& digest) {
  std::vector<std::string> out;
  auto all = tags(repository);
  if (!all) return out;
  for (const auto& tag : *all) {
    if (auto d = resolveTag(repository, tag); d && *d == digest) out.push_back(tag);
  }
  return out;
}

common::Result<std::vector<oci::Digest>> ManifestStore::revisions(const std::string& repository) {
  std::vector<oci::Digest> out;
  for (const char* algorithm : kAlgorithms) {
    for (auto& d :
         digestsIn(driver_, paths::manifestRevisionsDir(repository, algorithm), algorithm)) {
      if (exists(repository, d)) out.push_back(std::move(d));
    }
  }
  return out;
}

common::Result<std::vector<oci::Digest>> ManifestStore::referrers(const std::string& repository,
                                                                  const oci::Digest& subject) {
  std::vector<oci::Digest> out;
  const std::string dir = paths::referrersDir(repository, subject);
  for (const char* algorithm : kAlgorithms) {
    for (auto& d : digestsIn(driver_, dir + "/" + algorithm, algorithm)) {
      if (exists(repository, d)) out.push_back(std::move(d));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace berth::registry
