#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace berth::registry {

// An inclusive byte range [first, last].
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
};

// The Content-Range of a chunk PATCH: "0-1023" as Docker sends it; "bytes 0-1023/*" and
// "bytes=0-1023" are accepted too. Malformed text is RangeInvalid.
common::Result<ByteRange> parseContentRange(std::string_view header);

// A chunk may only continue the upload where it ends: anything else (a gap, an overlap, a
// retransmission) is RangeInvalid (416). `bodyLength` is the Content-Length when known.
common::Status checkChunkRange(uint64_t currentSize, const ByteRange& range,
                               std::optional<uint64_t> bodyLength);

// The value of the Range header of an upload status: "0-<last byte>" ("0-0" when empty, as
// distribution and Docker expect).
std::string uploadRangeHeader(uint64_t size);

// A download's Range header ("bytes=first-last", "bytes=first-", "bytes=-suffix") resolved
// against the blob size. nullopt: no Range header. RangeInvalid: unsatisfiable or several ranges.
common::Result<std::optional<ByteRange>> resolveDownloadRange(std::string_view header,
                                                              uint64_t size);

}  // namespace berth::registry
