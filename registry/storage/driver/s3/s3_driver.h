#pragma once

#include <memory>
#include <string>

#include "registry/storage/driver/s3/client.h"
#include "registry/storage/driver/s3/objects.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

// A StorageDriver on an S3-compatible bucket (AWS S3, Ceph RGW, MinIO, ...), under a key
// prefix. Directories are key prefixes: one "exists" while a key lies below it. Several
// registry replicas can share a bucket (docs/STORAGE.md):
// - putContent is one PUT, which S3 makes visible whole or not at all;
// - putIfAbsent is one PUT with "If-None-Match: *", which the server refuses (412) when the
//   key exists; of concurrent ones exactly one succeeds (AWS S3, Ceph RGW, MinIO);
// - files made by writer() are part objects (parts.h), so any replica can continue them;
// - move is a server-side copy (a multipart copy of the parts of an upload), then a delete;
// - touch copies an object onto itself with new metadata, which renews its Last-Modified, the
//   time garbage collection and upload expiry read.
class S3Driver final : public StorageDriver {
 public:
  S3Driver(std::unique_ptr<s3::Client> client, std::string keyPrefix, uint64_t partSize);
  ~S3Driver() override;

  // Checks that the bucket answers with these credentials, and that the server honours
  // conditional writes, which immutable tags rely on (startup fails early otherwise).
  common::Status check();

  common::Result<std::string> getContent(const std::string& path, uint64_t maxBytes) override;
  common::Status putContent(const std::string& path, std::string_view content) override;
  common::Result<CreateOutcome> putIfAbsent(const std::string& path,
                                            std::string_view content) override;
  common::Result<std::unique_ptr<StorageReader>> reader(const std::string& path,
                                                        uint64_t offset) override;
  common::Result<std::unique_ptr<StorageWriter>> writer(const std::string& path,
                                                        bool append) override;
  common::Result<FileInfo> stat(const std::string& path) override;
  common::Result<std::vector<std::string>> list(const std::string& path) override;
  common::Status move(const std::string& from, const std::string& to) override;
  common::Status remove(const std::string& path) override;
  common::Status touch(const std::string& path) override;

  // The object key of a driver path ("/blobs/x" -> "<prefix>blobs/x").
  std::string key(const std::string& path) const;
  // The key prefix of a driver directory's entries ("/blobs" -> "<prefix>blobs/").
  std::string dirPrefix(const std::string& path) const;

  // touch() leaves objects written this recently alone: garbage collection's grace period is
  // counted in hours, and each touch of a big blob is a server-side copy.
  static constexpr int64_t kTouchResolutionSeconds = 60;

 private:
  common::Status checkConditionalWrites();

  std::unique_ptr<s3::Client> client_;
  s3::Objects objects_;
  std::string prefix_;  // empty or ending in "/"
  uint64_t partSize_;
};

}  // namespace berth::registry
