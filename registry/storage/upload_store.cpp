#include "registry/storage/upload_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <shared_mutex>

#include "common/large_buffer.h"
#include "registry/storage/paths.h"
#include "registry/storage/repository_walker.h"
#include "registry/storage/upload_range.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

// Chunks arrive from the socket in small pieces; they are gathered into writes of this size.
constexpr size_t kWriteBuffer = 1 << 20;

Error uploadUnknown() { return Error{ErrorCode::BlobUploadUnknown, "upload session unknown"}; }

std::string newUploadId() {
  unsigned char b[16];
  RAND_bytes(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < sizeof(b); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

}  // namespace

// The running SHA-256 of a session's bytes, so completing a streamed upload does not read the
// file again. After a restart the state is gone and completion re-reads the file instead.
struct UploadStore::Session {
  std::mutex mutex;
  oci::Hasher hasher{"sha256"};
  uint64_t hashed = 0;
  bool hashValid = true;
};

UploadStore::UploadStore(StorageDriver& driver, BlobStore& blobs, const common::Clock& clock,
                         int64_t expirySeconds, UploadQuota* quota)
    : driver_(driver), blobs_(blobs), clock_(clock), expirySeconds_(expirySeconds), quota_(quota) {}

std::shared_ptr<UploadStore::Session> UploadStore::session(const std::string& repository,
                                                           const std::string& id) {
  std::lock_guard lock(mutex_);
  auto& slot = sessions_[repository + "@" + id];
  if (!slot) slot = std::make_shared<Session>();
  return slot;
}

// Every end of a session (complete, cancel, expiry, discard) comes through here.
void UploadStore::forget(const std::string& repository, const std::string& id) {
  if (quota_) quota_->close(repository, id);
  std::lock_guard lock(mutex_);
  sessions_.erase(repository + "@" + id);
}

common::Result<UploadState> UploadStore::start(const std::string& repository,
                                               const std::string& owner) {
  const std::string id = newUploadId();
  // Counted before anything is written, so a refused start costs no storage.
  if (quota_) BERTH_TRY(quota_->open(owner, repository, id));
  auto created = [&]() -> common::Status {
    BERTH_TRY_ASSIGN(auto writer, driver_.writer(paths::uploadData(repository, id), false));
    return writer->commit();
  }();
  if (!created) {
    if (quota_) quota_->close(repository, id);
    return created.error();
  }
  return UploadState{id, 0};
}

common::Status UploadStore::discardTooLarge(const std::string& repository, const std::string& id,
                                            uint64_t size) {
  (void)driver_.remove(paths::uploadDir(repository, id));
  forget(repository, id);
  return quota_->checkBlobSize(size);
}

common::Result<UploadState> UploadStore::status(const std::string& repository,
                                                const std::string& id) {
  auto info = driver_.stat(paths::uploadData(repository, id));
  if (!info) {
    if (info.error().code == ErrorCode::NotFound) return uploadUnknown();
    return std::move(info).error();
  }
  if (expirySeconds_ > 0 && clock_.unixSeconds() - info->modifiedUnixSeconds > expirySeconds_) {
    (void)cancel(repository, id);
    return uploadUnknown();
  }
  return UploadState{id, info->size};
}

common::Status UploadStore::stream(const std::string& repository, const std::string& id, Session& s,
                                   const BodySource& body, std::optional<uint64_t> bodyLength,
                                   uint64_t* bytesRead) {
  BERTH_TRY_ASSIGN(auto writer, driver_.writer(paths::uploadData(repository, id), true));
  const uint64_t existing = writer->size();
  // The declared length refuses before a byte is stored; the count below holds the limit when
  // there is none (chunked transfer coding) or it understates the body.
  const uint64_t maxBytes =
      quota_ && quota_->maxBlobBytes() > 0 ? static_cast<uint64_t>(quota_->maxBlobBytes()) : 0;
  if (maxBytes > 0 && bodyLength && existing + *bodyLength > maxBytes) {
    writer.reset();
    return discardTooLarge(repository, id, existing + *bodyLength);
  }
  bool tooLarge = false;
  if (s.hashed != writer->size()) s.hashValid = false;
  LargeBuffer buffer(kWriteBuffer);
  size_t buffered = 0;
  common::Status written;
  uint64_t received = 0;
  auto flush = [&]() {
    if (buffered == 0 || !written) return;
    written = writer->write({buffer.data(), buffered});
    buffered = 0;
  };
  const bool complete = body([&](const char* data, size_t size) {
    received += size;
    if (maxBytes > 0 && existing + received > maxBytes) tooLarge = true;
    // Keep draining the body so the connection stays usable, storing nothing more.
    if (!written || tooLarge) return true;
    if (s.hashValid) s.hasher.update(data, size);
    if (buffered == 0 && size >= kWriteBuffer / 2) {
      written = writer->write({data, size});  // already large: skip the copy
      return true;
    }
    while (size > 0 && written) {
      const size_t n = std::min(size, kWriteBuffer - buffered);
      std::memcpy(buffer.data() + buffered, data, n);
      buffered += n;
      data += n;
      size -= n;
      if (buffered == kWriteBuffer) flush();
    }
    return true;
  });
  if (bytesRead) *bytesRead += received;
  if (tooLarge) {
    writer.reset();
    return discardTooLarge(repository, id, existing + received);
  }
  flush();
  if (written) written = writer->commit();
  if (s.hashValid) s.hashed += received;
  if (!written) {
    s.hashValid = false;
    return written;
  }
  if (!complete) {
    // The bytes that did arrive are kept; the client can ask for the status and resume.
    return Error{ErrorCode::BlobUploadInvalid, "the request body ended early"};
  }
  return {};
}

common::Result<UploadState> UploadStore::append(const std::string& repository,
                                                const std::string& id,
                                                std::optional<std::string_view> contentRange,
                                                std::optional<uint64_t> bodyLength,
                                                const BodySource& body, uint64_t* bytesRead) {
  BERTH_TRY_ASSIGN(UploadState state, status(repository, id));
  auto s = session(repository, id);
  std::lock_guard lock(s->mutex);
  BERTH_TRY_ASSIGN(state, status(repository, id));  // the size may have moved while we waited
  if (contentRange) {
    BERTH_TRY_ASSIGN(ByteRange range, parseContentRange(*contentRange));
    BERTH_TRY(checkChunkRange(state.size, range, bodyLength));
  }
  BERTH_TRY(stream(repository, id, *s, body, bodyLength, bytesRead));
  return status(repository, id);
}

common::Result<oci::Digest> UploadStore::digestOfUpload(const std::string& repository,
                                                        const std::string& id, Session& s,
                                                        const std::string& algorithm) {
  BERTH_TRY_ASSIGN(UploadState state, status(repository, id));
  if (algorithm == "sha256" && s.hashValid && s.hashed == state.size) {
    s.hashValid = false;  // finish() ends the running state
    return s.hasher.finish();
  }
  oci::Hasher hasher(algorithm);
  BERTH_TRY_ASSIGN(auto reader, driver_.reader(paths::uploadData(repository, id), 0));
  LargeBuffer buffer(kWriteBuffer);
  while (true) {
    BERTH_TRY_ASSIGN(size_t n, reader->read(buffer.data(), buffer.size()));
    if (n == 0) break;
    hasher.update(buffer.data(), n);
  }
  return hasher.finish();
}

common::Result<CompletedUpload> UploadStore::complete(
    const std::string& repository, const std::string& id, const oci::Digest& expected,
    const BodySource* finalChunk, uint64_t* bytesRead, std::optional<uint64_t> finalChunkLength) {
  BERTH_TRY(status(repository, id));
  auto s = session(repository, id);
  std::lock_guard lock(s->mutex);
  if (finalChunk) {
    BERTH_TRY(stream(repository, id, *s, *finalChunk, finalChunkLength, bytesRead));
  }
  BERTH_TRY_ASSIGN(UploadState state, status(repository, id));
  BERTH_TRY_ASSIGN(oci::Digest actual, digestOfUpload(repository, id, *s, expected.algorithm));
  if (actual != expected) {
    (void)driver_.remove(paths::uploadDir(repository, id));
    forget(repository, id);
    return Error{ErrorCode::DigestInvalid, "provided digest did not match uploaded content",
                 expected.str()};
  }
  CompletedUpload done{actual, state.size, false};
  {
    std::shared_lock commit(blobs_.commitLock());
    BERTH_TRY_ASSIGN(done.newBlob,
                     blobs_.commitFile(paths::uploadData(repository, id), actual, state.size));
    BERTH_TRY(blobs_.link(repository, actual));
  }
  (void)driver_.remove(paths::uploadDir(repository, id));
  forget(repository, id);
  return done;
}

common::Status UploadStore::cancel(const std::string& repository, const std::string& id) {
  if (!driver_.stat(paths::uploadDir(repository, id))) return uploadUnknown();
  BERTH_TRY(driver_.remove(paths::uploadDir(repository, id)));
  forget(repository, id);
  return {};
}

}  // namespace berth::registry

namespace berth::registry {

common::Result<size_t> UploadStore::expire(int64_t nowUnixSeconds, bool dryRun) {
  BERTH_TRY_ASSIGN(auto repositories, walkRepositories(driver_));
  size_t removed = 0;
  for (const auto& repo : repositories) {
    if (!repo.hasUploads) continue;
    auto ids = driver_.list(paths::uploadsDir(repo.name));
    if (!ids) continue;
    for (const auto& id : *ids) {
      auto info = driver_.stat(paths::uploadData(repo.name, id));
      // A session directory without data is either being started right now (start() creates
      // the directory, then the file) or the debris of a crash in between: judge it by the
      // directory's own age, so the first is left alone and the second expires like any other.
      if (!info) info = driver_.stat(paths::uploadDir(repo.name, id));
      if (!info) continue;  // completed or cancelled meanwhile
      if (nowUnixSeconds - info->modifiedUnixSeconds <= expirySeconds_) continue;
      ++removed;
      if (!dryRun) {
        BERTH_TRY(driver_.remove(paths::uploadDir(repo.name, id)));
        forget(repo.name, id);
      }
    }
  }
  return removed;
}

}  // namespace berth::registry
