#include "registry/proxy/blob_fetch.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace berth::registry {

using common::Error;
using common::ErrorCode;

void BlobFetch::started(uint64_t length, std::string dataPath) {
  std::lock_guard lock(mutex_);
  length_ = length;
  dataPath_ = std::move(dataPath);
  phase_ = Phase::Streaming;
  changed_.notify_all();
}

void BlobFetch::wrote(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  written_ += bytes;
  changed_.notify_all();
}

void BlobFetch::finished(common::Status outcome) {
  std::lock_guard lock(mutex_);
  phase_ = outcome ? Phase::Done : Phase::Failed;
  outcome_ = std::move(outcome);
  changed_.notify_all();
}

void BlobFetch::abortWaiters() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  changed_.notify_all();
}

common::Result<uint64_t> BlobFetch::waitForStart() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return phase_ != Phase::Connecting || aborted_; });
  if (phase_ == Phase::Failed) return outcome_.error();
  if (phase_ == Phase::Connecting) return Error{ErrorCode::Unavailable, "shutting down"};
  return length_;
}

common::Status BlobFetch::waitForEnd() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return phase_ == Phase::Done || phase_ == Phase::Failed || aborted_; });
  if (phase_ == Phase::Done) return {};
  if (phase_ == Phase::Failed) return outcome_;
  return Error{ErrorCode::Unavailable, "shutting down"};
}

bool BlobFetch::read(StorageDriver& driver, BlobStore& blobs, uint64_t offset, char* buffer,
                     size_t size, size_t* got) {
  std::unique_lock lock(mutex_);
  // Until verified, one byte is held back: a client never receives a whole corrupt blob.
  auto available = [&] {
    return phase_ == Phase::Done ? length_ : std::min(written_, length_ - 1);
  };
  while (true) {
    changed_.wait(lock, [&] {
      return aborted_ || phase_ == Phase::Failed || phase_ == Phase::Done || available() > offset;
    });
    if (aborted_ || phase_ == Phase::Failed || available() <= offset) return false;
    const uint64_t limit = available();
    const bool done = phase_ == Phase::Done;
    const std::string path = dataPath_;
    lock.unlock();
    // Once committed, the upload file has moved into the blob store.
    auto reader = done ? blobs.open(digest_, offset) : driver.reader(path, offset);
    if (!reader && !done) reader = blobs.open(digest_, offset);
    if (!reader) return false;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(size, limit - offset));
    auto n = (*reader)->read(buffer, want);
    if (!n) return false;
    if (*n > 0) {
      *got = *n;
      return true;
    }
    if (done) return false;  // a committed blob shorter than its length
    // The writer may still hold the bytes it counted in a buffer: look again shortly.
    lock.lock();
    changed_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

BlobFetches::~BlobFetches() { stop(); }

std::shared_ptr<BlobFetch> BlobFetches::join(const oci::Digest& digest, Runner run) {
  return join("", digest, std::move(run));
}

std::shared_ptr<BlobFetch> BlobFetches::join(const std::string& scope, const oci::Digest& digest,
                                             Runner run) {
  const std::string key = scope + "@" + digest.str();
  std::lock_guard lock(mutex_);
  if (auto it = inFlight_.find(key); it != inFlight_.end()) return it->second;
  auto fetch = std::make_shared<BlobFetch>(digest);
  if (stopping_) {
    fetch->finished(Error{ErrorCode::Unavailable, "shutting down"});
    return fetch;
  }
  inFlight_[key] = fetch;
  ++running_;
  std::thread([this, key, fetch, run = std::move(run)] {
    run(*fetch);
    std::lock_guard done(mutex_);
    inFlight_.erase(key);
    --running_;
    idle_.notify_all();
  }).detach();
  return fetch;
}

void BlobFetches::stop() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  for (auto& [digest, fetch] : inFlight_) fetch->abortWaiters();
  idle_.wait(lock, [&] { return running_ == 0; });
}

http::ContentProvider streamFetch(std::shared_ptr<BlobFetch> fetch, StorageDriver& driver,
                                  BlobStore& blobs) {
  constexpr size_t kReadBuffer = 1 << 20;
  auto buffer = std::make_shared<std::vector<char>>();
  return [fetch = std::move(fetch), buffer, &driver, &blobs](uint64_t offset, uint64_t length,
                                                             http::DataSink& sink) {
    if (buffer->empty()) buffer->resize(kReadBuffer);
    size_t got = 0;
    if (!fetch->read(driver, blobs, offset, buffer->data(),
                     std::min<uint64_t>(length, buffer->size()), &got)) {
      return false;
    }
    return sink.write(buffer->data(), got);
  };
}

}  // namespace berth::registry
