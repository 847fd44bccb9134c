#include "registry/s3_reader.h"

#include <algorithm>
#include <cstring>

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

S3Reader::S3Reader(Objects& objects, std::vector<Piece> pieces, uint64_t position,
                   std::string prefetched)
    : objects_(objects),
      pieces_(std::move(pieces)),
      position_(position),
      window_(std::move(prefetched)) {
  if (!window_.empty()) nextWindow_ = std::min<uint64_t>(kFirstWindow * 2, kMaxWindow);
}

common::Status S3Reader::fill() {
  window_.clear();
  used_ = 0;
  uint64_t start = 0;
  for (const auto& piece : pieces_) {
    if (position_ < start + piece.size) {
      const uint64_t offset = position_ - start;
      const uint64_t length = std::min(nextWindow_, piece.size - offset);
      BERTH_TRY_ASSIGN(RangeRead got, objects_.getRange(piece.key, offset, length));
      // A piece shorter than when the reader opened: its bytes changed under the reader.
      if (got.bytes.empty()) {
        return Error{ErrorCode::Internal, "storage failure",
                     piece.key + " ended at " + std::to_string(offset) + " of " +
                         std::to_string(piece.size) + " bytes"};
      }
      window_ = std::move(got.bytes);
      nextWindow_ = std::min(nextWindow_ * 2, kMaxWindow);
      return {};
    }
    start += piece.size;
  }
  return {};  // at the end: the window stays empty
}

common::Result<size_t> S3Reader::read(char* buffer, size_t size) {
  if (used_ == window_.size()) BERTH_TRY(fill());
  const size_t n = std::min(size, window_.size() - used_);
  std::memcpy(buffer, window_.data() + used_, n);
  used_ += n;
  position_ += n;
  return n;
}

}  // namespace berth::registry::s3
