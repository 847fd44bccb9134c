#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/large_buffer.h"
#include "registry/storage/driver/s3/objects.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry::s3 {

// One object of the sequence a reader goes through: the object itself, or the parts of a
// file made by writer().
struct Piece {
  std::string key;
  uint64_t size = kUnknownSize;  // learnt from the first answer for a whole object
  static constexpr uint64_t kUnknownSize = std::numeric_limits<uint64_t>::max();
};

// Reads pieces in order with ranged GETs whose window grows from 1 MiB to 8 MiB: small blobs
// cost one request, large ones few. The window is a mapped buffer the body is received into
// directly, so a reader holds at most 8 MiB, only the pages used are resident, and all are
// returned when it goes. A failed window is retried by the client on its own, so a pull
// survives a dropped connection.
class S3Reader final : public StorageReader {
 public:
  // The object `key` from `offset`, its first window read already: NotFound when absent.
  static common::Result<std::unique_ptr<StorageReader>> openObject(Objects& objects,
                                                                   const std::string& key,
                                                                   uint64_t offset);
  // The pieces (of known sizes) from `position`, an offset into their sequence.
  S3Reader(Objects& objects, std::vector<Piece> pieces, uint64_t position);

  common::Result<size_t> read(char* buffer, size_t size) override;

  static constexpr uint64_t kFirstWindow = 1 << 20;
  static constexpr uint64_t kMaxWindow = 8 << 20;

 private:
  common::Status fill();

  Objects& objects_;
  std::vector<Piece> pieces_;
  uint64_t position_;  // offset of window_[used_] in the sequence
  LargeBuffer window_{kMaxWindow};
  size_t filled_ = 0;  // bytes in window_
  size_t used_ = 0;    // of which already read
  uint64_t nextWindow_ = kFirstWindow;
};

}  // namespace berth::registry::s3
