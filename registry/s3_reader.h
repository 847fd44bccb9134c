#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/s3_objects.h"
#include "registry/storage_driver.h"

namespace berth::registry::s3 {

// One object of the sequence a reader goes through: the object itself, or the parts of a
// file made by writer().
struct Piece {
  std::string key;
  uint64_t size = 0;
};

// Reads pieces in order with ranged GETs whose window grows from 1 MiB to 8 MiB: small blobs
// cost one request, large ones few, and a reader never holds more than one window. A failed
// window is retried by the client on its own, so a pull survives a dropped connection.
class S3Reader final : public StorageReader {
 public:
  // `position` is the offset into the whole sequence; `prefetched` the bytes that follow it,
  // already read by whoever opened the reader (may be empty).
  S3Reader(Objects& objects, std::vector<Piece> pieces, uint64_t position,
           std::string prefetched);

  common::Result<size_t> read(char* buffer, size_t size) override;

  static constexpr uint64_t kFirstWindow = 1 << 20;
  static constexpr uint64_t kMaxWindow = 8 << 20;

 private:
  common::Status fill();

  Objects& objects_;
  std::vector<Piece> pieces_;
  uint64_t position_;  // offset of window_[used_] in the sequence
  std::string window_;
  size_t used_ = 0;
  uint64_t nextWindow_ = kFirstWindow;
};

}  // namespace berth::registry::s3
