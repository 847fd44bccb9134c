#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/large_buffer.h"
#include "registry/storage/driver/s3/objects.h"
#include "registry/storage/driver/s3/parts.h"
#include "registry/storage/driver/storage_driver.h"

namespace berth::registry::s3 {

// Appends to a file made of part objects (parts.h). Bytes are gathered into a buffer of
// `partSize` and stored one part per full buffer, the rest at commit(). A last part smaller
// than the S3 minimum is read back into the buffer when the next writer opens, and stored
// again grown, so only the last part is ever small. Each part is one PUT: after a crash, the
// file is whole up to the last part stored.
class PartWriter final : public StorageWriter {
 public:
  // `existing`: the file's parts now (empty for a new or truncated file).
  static common::Result<std::unique_ptr<StorageWriter>> open(Objects& objects, std::string fileKey,
                                                             std::vector<Part> existing,
                                                             uint64_t partSize);

  common::Status write(std::string_view data) override;
  uint64_t size() const override { return base_ + used_; }
  common::Status commit() override;

 private:
  PartWriter(Objects& objects, std::string fileKey, uint64_t partSize);
  common::Status store(std::string_view bytes);

  Objects& objects_;
  std::string fileKey_;
  uint64_t partSize_;
  uint64_t base_ = 0;  // file offset of buffer_[0]
  size_t parts_ = 0;   // parts before base_
  // Mapped from the kernel, so only the pages a request fills become resident, and all of them
  // are returned when the writer goes (common/large_buffer.h says why not malloc).
  LargeBuffer buffer_;
  size_t used_ = 0;       // bytes in buffer_
  bool dirty_ = false;    // buffer_ holds bytes no part has
  bool created_ = false;  // some part exists, so commit() of nothing need not store one
};

}  // namespace berth::registry::s3
