#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/http/server_response.h"
#include "common/oci/digest.h"
#include "common/result.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

// One blob download from an upstream in progress. A fetch thread appends the upstream body to
// a private file (an upload session) while hashing it; any number of responses stream from that
// growing file at once. The last byte is released only after the digest is verified and the
// blob committed, so a corrupt body is never served whole (the response is cut short) nor
// cached.
class BlobFetch {
 public:
  enum class Phase { Connecting, Streaming, Done, Failed };

  explicit BlobFetch(oci::Digest digest) : digest_(std::move(digest)) {}

  // Fetch thread side.
  void started(uint64_t length, std::string dataPath);
  void wrote(uint64_t bytes);
  void finished(common::Status outcome);

  // Waits until the headers are known (or the fetch failed); the length, or the failure.
  common::Result<uint64_t> waitForStart();
  // Waits until the blob is committed or the fetch failed.
  common::Status waitForEnd();
  // Streams bytes [offset, offset + size) as they become available; false when the fetch
  // failed (the response must be aborted) or `stopping` became true.
  bool read(StorageDriver& driver, BlobStore& blobs, uint64_t offset, char* buffer, size_t size,
            size_t* got);
  void abortWaiters();
  const oci::Digest& digest() const { return digest_; }

 private:
  oci::Digest digest_;
  std::mutex mutex_;
  std::condition_variable changed_;
  Phase phase_ = Phase::Connecting;
  common::Status outcome_;
  uint64_t length_ = 0;
  uint64_t written_ = 0;
  std::string dataPath_;
  bool aborted_ = false;
};

// The fetches in flight, by digest: the first request for a blob starts one, later requests
// join it, so each blob crosses the network once however many clients ask at the same time.
class BlobFetches {
 public:
  using Runner = std::function<void(BlobFetch& fetch)>;

  ~BlobFetches();
  // The fetch for `digest`, starting `run` on a new thread when none is in flight.
  std::shared_ptr<BlobFetch> join(const oci::Digest& digest, Runner run);
  // The same, shared only by requests of one `scope` (a repository): a fetch proves that the
  // blob belongs to the repository it is fetched for, and to no other.
  std::shared_ptr<BlobFetch> join(const std::string& scope, const oci::Digest& digest, Runner run);
  // Cuts waiting readers loose and waits for fetch threads to end.
  void stop();

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  std::map<std::string, std::shared_ptr<BlobFetch>> inFlight_;
  size_t running_ = 0;
  bool stopping_ = false;
};

// A response body that streams `fetch` as its bytes arrive, through one 1 MiB buffer allocated
// on first use (the pull-through cache and the node endpoint serve blobs this way).
http::ContentProvider streamFetch(std::shared_ptr<BlobFetch> fetch, StorageDriver& driver,
                                  BlobStore& blobs);

}  // namespace berth::registry
