#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/oci/digest.h"
#include "common/result.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver/storage_driver.h"
#include "registry/storage/upload_quota.h"

namespace berth::registry {

// Streams a request body: calls the sink with each piece until the body ends. Returns false when
// the body could not be read (connection lost). Keeps the store free of HTTP types.
using ChunkSink = std::function<bool(const char* data, size_t size)>;
using BodySource = std::function<bool(const ChunkSink& sink)>;

struct UploadState {
  std::string id;
  uint64_t size = 0;
};

struct CompletedUpload {
  oci::Digest digest;
  uint64_t size = 0;
  bool newBlob = false;
};

// Upload sessions of the push workflows. Each session is a private file under the repository;
// completing it verifies the digest and moves the file into the blob store. Requests to one
// session are serialised; different sessions run in parallel. With a quota, sessions are
// counted from start to their end, and a session that grows beyond the maximum blob size is
// removed with what it held.
class UploadStore {
 public:
  UploadStore(StorageDriver& driver, BlobStore& blobs, const common::Clock& clock,
              int64_t expirySeconds, UploadQuota* quota = nullptr);

  // `owner` is who the session counts against in the quota ("" : nobody).
  common::Result<UploadState> start(const std::string& repository, const std::string& owner = {});
  // BLOB_UPLOAD_UNKNOWN when absent or expired.
  common::Result<UploadState> status(const std::string& repository, const std::string& id);
  // Appends a chunk. With `range`, it must start where the upload ends (else RangeInvalid);
  // `bodyLength` is the Content-Length when known.
  common::Result<UploadState> append(const std::string& repository, const std::string& id,
                                     std::optional<std::string_view> contentRange,
                                     std::optional<uint64_t> bodyLength, const BodySource& body,
                                     uint64_t* bytesRead);
  // Appends an optional final chunk, verifies `expected`, moves the blob into place and links
  // it into the repository. DIGEST_INVALID on mismatch (the session is removed).
  // `finalChunkLength` is its Content-Length when known.
  common::Result<CompletedUpload> complete(const std::string& repository, const std::string& id,
                                           const oci::Digest& expected,
                                           const BodySource* finalChunk, uint64_t* bytesRead,
                                           std::optional<uint64_t> finalChunkLength = {});
  common::Status cancel(const std::string& repository, const std::string& id);
  // Removes sessions idle for longer than the expiry; returns how many.
  common::Result<size_t> expire(int64_t nowUnixSeconds, bool dryRun = false);

 private:
  struct Session;
  std::shared_ptr<Session> session(const std::string& repository, const std::string& id);
  void forget(const std::string& repository, const std::string& id);
  common::Status stream(const std::string& repository, const std::string& id, Session& s,
                        const BodySource& body, std::optional<uint64_t> bodyLength,
                        uint64_t* bytesRead);
  // Removes a session that went over the maximum blob size; returns the refusal.
  common::Status discardTooLarge(const std::string& repository, const std::string& id,
                                 uint64_t size);
  common::Result<oci::Digest> digestOfUpload(const std::string& repository, const std::string& id,
                                             Session& s, const std::string& algorithm);

  StorageDriver& driver_;
  BlobStore& blobs_;
  const common::Clock& clock_;
  int64_t expirySeconds_;
  UploadQuota* quota_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace berth::registry
