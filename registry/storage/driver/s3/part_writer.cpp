#include "registry/storage/driver/s3/part_writer.h"

#include <algorithm>
#include <cstring>

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

PartWriter::PartWriter(Objects& objects, std::string fileKey, uint64_t partSize)
    : objects_(objects), fileKey_(std::move(fileKey)), partSize_(partSize), buffer_(partSize) {}

common::Result<std::unique_ptr<StorageWriter>> PartWriter::open(Objects& objects,
                                                                std::string fileKey,
                                                                std::vector<Part> existing,
                                                                uint64_t partSize) {
  std::unique_ptr<PartWriter> writer(new PartWriter(objects, std::move(fileKey), partSize));
  writer->created_ = !existing.empty();
  writer->parts_ = existing.size();
  writer->base_ = totalSize(existing);
  if (!existing.empty() && existing.back().size < Objects::kMinPartBytes) {
    // Reopen the small last part: it is rewritten grown, or left as it is if nothing comes.
    const Part& tail = existing.back();
    BERTH_TRY_ASSIGN(RangeRead got,
                     objects.getRange(tail.key, 0, std::max<uint64_t>(tail.size, 1)));
    if (got.bytes.size() != tail.size) {
      return Error{ErrorCode::Internal, "storage failure",
                   tail.key + " changed while an append opened it"};
    }
    std::memcpy(writer->buffer_.data(), got.bytes.data(), got.bytes.size());
    writer->used_ = got.bytes.size();
    writer->base_ = tail.offset;
    writer->parts_ -= 1;
  }
  return std::unique_ptr<StorageWriter>(std::move(writer));
}

common::Status PartWriter::store(std::string_view bytes) {
  if (parts_ >= Objects::kMaxParts) {
    return Error{ErrorCode::SizeInvalid, "upload too large",
                 fileKey_ + ": more than " + std::to_string(Objects::kMaxParts) + " parts"};
  }
  BERTH_TRY(objects_.put(partKey(fileKey_, base_), bytes));
  created_ = true;
  return {};
}

common::Status PartWriter::write(std::string_view data) {
  while (!data.empty()) {
    const size_t n = std::min(partSize_ - used_, data.size());
    std::memcpy(buffer_.data() + used_, data.data(), n);
    used_ += n;
    data.remove_prefix(n);
    dirty_ = true;
    if (used_ == partSize_) {
      BERTH_TRY(store({buffer_.data(), used_}));
      base_ += used_;
      ++parts_;
      used_ = 0;
      dirty_ = false;
    }
  }
  return {};
}

common::Status PartWriter::commit() {
  // A new file with no bytes still exists afterwards (an upload session just started): an
  // empty part at offset 0 says so, and the first bytes replace it.
  if (dirty_ || !created_) BERTH_TRY(store({buffer_.data(), used_}));
  dirty_ = false;
  return {};
}

}  // namespace berth::registry::s3
