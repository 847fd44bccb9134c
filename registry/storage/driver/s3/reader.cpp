#include "registry/storage/driver/s3/reader.h"

#include <algorithm>
#include <cstring>

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

common::Result<std::unique_ptr<StorageReader>> S3Reader::openObject(Objects& objects,
                                                                    const std::string& key,
                                                                    uint64_t offset) {
  auto reader = std::make_unique<S3Reader>(objects, std::vector<Piece>{Piece{key}}, offset);
  // One request both finds the object and starts reading it.
  BERTH_TRY(reader->fill());
  return std::unique_ptr<StorageReader>(std::move(reader));
}

S3Reader::S3Reader(Objects& objects, std::vector<Piece> pieces, uint64_t position)
    : objects_(objects), pieces_(std::move(pieces)), position_(position) {}

common::Status S3Reader::fill() {
  filled_ = 0;
  used_ = 0;
  uint64_t start = 0;
  for (auto& piece : pieces_) {
    if (position_ - start < piece.size) {  // pieces before were skipped whole
      const uint64_t offset = position_ - start;
      const uint64_t length = piece.size == Piece::kUnknownSize
                                  ? nextWindow_
                                  : std::min(nextWindow_, piece.size - offset);
      BERTH_TRY_ASSIGN(auto got, objects_.getRangeInto(piece.key, offset, length, window_.data()));
      const bool learnt = piece.size == Piece::kUnknownSize;
      piece.size = got.objectSize;
      if (got.bytes == 0) {
        if (learnt && offset >= piece.size) {  // opened at or after the end
          start += piece.size;
          continue;
        }
        // A piece shorter than when the reader opened: its bytes changed under the reader.
        return Error{ErrorCode::Internal, "storage failure",
                     piece.key + " ended at " + std::to_string(offset) + " of " +
                         std::to_string(piece.size) + " bytes"};
      }
      filled_ = got.bytes;
      nextWindow_ = std::min(nextWindow_ * 2, kMaxWindow);
      return {};
    }
    start += piece.size;
  }
  return {};  // at the end: the window stays empty
}

common::Result<size_t> S3Reader::read(char* buffer, size_t size) {
  if (used_ == filled_) BERTH_TRY(fill());
  const size_t n = std::min(size, filled_ - used_);
  std::memcpy(buffer, window_.data() + used_, n);
  used_ += n;
  position_ += n;
  return n;
}

}  // namespace berth::registry::s3
