#include "registry/storage/repository_walker.h"

#include <algorithm>

#include "registry/storage/paths.h"

namespace berth::registry {

namespace {

// Names are at most 255 characters, so nesting is bounded; the depth limit is a second guard.
constexpr int kMaxDepth = 128;

common::Status walk(StorageDriver& driver, const std::string& relative, int depth,
                    std::vector<RepositoryEntry>& out) {
  if (depth > kMaxDepth) return {};
  const std::string dir =
      relative.empty() ? paths::repositoriesRoot() : paths::repository(relative);
  auto entries = driver.list(dir);
  if (!entries) {
    if (entries.error().code == common::ErrorCode::NotFound) return {};
    return std::move(entries).error();
  }
  RepositoryEntry self{relative};
  bool isRepository = false;
  for (const auto& entry : *entries) {
    if (paths::isRepositoryMetadataDir(entry)) {
      isRepository = true;
      self.hasManifests = self.hasManifests || entry == paths::kManifestsDirName;
      self.hasUploads = self.hasUploads || entry == paths::kUploadsDirName;
      continue;
    }
    BERTH_TRY(walk(driver, relative.empty() ? entry : relative + "/" + entry, depth + 1, out));
  }
  if (isRepository && !relative.empty()) out.push_back(std::move(self));
  return {};
}

}  // namespace

common::Result<std::vector<RepositoryEntry>> walkRepositories(StorageDriver& driver) {
  std::vector<RepositoryEntry> out;
  BERTH_TRY(walk(driver, "", 0, out));
  std::sort(out.begin(), out.end(),
            [](const RepositoryEntry& a, const RepositoryEntry& b) { return a.name < b.name; });
  return out;
}

}  // namespace berth::registry
