#include "registry/storage/driver_factory.h"

#include <filesystem>

#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "registry/storage/driver/s3/client.h"
#include "registry/storage/driver/s3/s3_driver.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

common::Result<OpenedStorage> openS3(const common::S3StorageConfig& config,
                                     const common::Clock& clock,
                                     const s3::EnvironmentLookup& environment) {
  BERTH_TRY_ASSIGN(s3::Endpoint endpoint, s3::Endpoint::fromConfig(config));
  BERTH_TRY_ASSIGN(s3::Credentials credentials, s3::resolveCredentials(config, environment));
  s3::ClientOptions options;
  options.timeoutSeconds = config.timeoutSeconds;
  options.insecureSkipVerify = config.insecureSkipVerify;
  options.caFile = config.caFile;
  options.retry.maxAttempts = static_cast<int>(config.maxAttempts);
  const std::string description =
      "s3://" + config.bucket + "/" + config.prefix + " at " + endpoint.baseUrl();
  auto driver = std::make_unique<S3Driver>(
      std::make_unique<s3::Client>(std::move(endpoint), std::move(credentials), options, clock),
      config.prefix, static_cast<uint64_t>(config.partSizeBytes));
  BERTH_TRY(driver->check());
  return OpenedStorage{std::move(driver), description};
}

}  // namespace

common::Result<OpenedStorage> openStorage(const common::RegistryConfig& config,
                                          const common::Clock& clock,
                                          const s3::EnvironmentLookup& environment) {
  if (config.s3.enabled()) return openS3(config.s3, clock, environment);
  std::error_code ec;
  std::filesystem::create_directories(config.storage, ec);
  if (ec) {
    return Error{ErrorCode::Unavailable,
                 "cannot create storage directory " + config.storage + ": " + ec.message()};
  }
  return OpenedStorage{
      std::make_unique<FilesystemDriver>(config.storage, parseDurability(config.durability)),
      config.storage};
}

}  // namespace berth::registry
