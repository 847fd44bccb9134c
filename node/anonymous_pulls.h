#pragma once

#include <string>

#include "common/oci/digest.h"
#include "common/result.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

// What the node endpoint learnt about which (repository, digest) pairs the registry serves to a
// client without credentials. Only those may be served from the node cache while the registry
// cannot be asked; everything else fails closed. The registry answers per repository, so a
// digest public in one repository says nothing about another.
//
// One file per pair under /anonymous-pull/<algorithm>/<hex>/ of the cache's driver, named by
// the SHA-256 of the repository name (any name, no path characters) and holding the name.
// Written temp + rename, so a crash leaves a record whole or absent, and it outlives a restart.
// No in-memory state: safe to share between threads.
class AnonymousPullRecords {
 public:
  explicit AnonymousPullRecords(StorageDriver& driver) : driver_(driver) {}

  bool allowed(const std::string& repository, const oci::Digest& digest);
  // What the registry just answered an anonymous client for the pair.
  common::Status learn(const std::string& repository, const oci::Digest& digest, bool anonymous);
  // Every record of a digest (the blob left the cache).
  common::Status forget(const oci::Digest& digest);

 private:
  StorageDriver& driver_;
};

}  // namespace berth::registry
