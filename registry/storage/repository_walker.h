#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

struct RepositoryEntry {
  std::string name;
  bool hasManifests = false;  // listed by the catalog
  bool hasUploads = false;
};

// Every repository directory in storage, sorted by name. Names nest ("a" and "a/b" can both be
// repositories), so the walk descends into every directory that is not layout metadata.
common::Result<std::vector<RepositoryEntry>> walkRepositories(StorageDriver& driver);

}  // namespace berth::registry
