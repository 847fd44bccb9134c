#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "common/result.h"
#include "registry/storage/driver/s3/credentials.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

struct OpenedStorage {
  std::unique_ptr<StorageDriver> driver;
  std::string description;  // "/var/lib/berth" or "s3://bucket/prefix at https://host", for logs
};

// The driver the registry config chooses: the S3 bucket when registry.s3 names one (checked
// to answer before this returns), otherwise the directory registry.storage (created if absent).
common::Result<OpenedStorage> openStorage(
    const common::RegistryConfig& config, const common::Clock& clock,
    const s3::EnvironmentLookup& environment = s3::processEnvironment());

}  // namespace berth::registry
