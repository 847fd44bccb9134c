// The Content-Range parser (chunked uploads) and the Range resolver (blob downloads). A resolved
// range always lies inside the blob; an accepted chunk range starts where the upload ends.
#include <cstring>

#include "fuzz/fuzz_check.h"
#include "registry/storage/upload_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::registry;
  if (size < 8) return 0;
  uint64_t blobSize = 0;
  std::memcpy(&blobSize, data, sizeof blobSize);
  blobSize %= (uint64_t{1} << 40);
  const std::string_view header = berth::fuzz::text(data + 8, size - 8);

  auto range = parseContentRange(header);
  if (range) {
    BERTH_FUZZ_CHECK(range->first <= range->last);
    auto check = checkChunkRange(blobSize, *range, range->length());
    if (check) BERTH_FUZZ_CHECK(range->first == blobSize);
    auto unknownLength = checkChunkRange(blobSize, *range, std::nullopt);
    (void)unknownLength;
  }
  auto download = resolveDownloadRange(header, blobSize);
  if (download && download->has_value()) {
    const ByteRange& r = **download;
    BERTH_FUZZ_CHECK(r.first <= r.last);
    BERTH_FUZZ_CHECK(r.last < blobSize);
  }
  BERTH_FUZZ_CHECK(!uploadRangeHeader(blobSize).empty());
  return 0;
}
