#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "registry/storage/driver/s3/objects.h"

namespace berth::registry::s3 {

// A file made by StorageDriver::writer() (an upload session's data) is not one object: each
// flush stores a part object "<file key>/.part-<offset>" (offset zero-padded to 20 digits, so
// listing order is file order). Any replica can append, stat, read or assemble the file from
// the bucket alone. Every part but the last is at least Objects::kMinPartBytes, so the parts
// can become one object by a multipart copy. The "." keeps parts out of directory listings.
struct Part {
  std::string key;
  uint64_t offset = 0;
  uint64_t size = 0;
  int64_t modifiedUnixSeconds = 0;
};

constexpr std::string_view kPartMarker = ".part-";

std::string partKey(const std::string& fileKey, uint64_t offset);
// The offset a part's name (the text after "<file key>/") encodes; nullopt for other names.
std::optional<uint64_t> partOffset(std::string_view name);

// The parts among `entries` (a listing of "<file key>/"), checked to join up without gaps or
// overlaps; an empty vector when there are none.
common::Result<std::vector<Part>> partsOf(const std::string& fileKey,
                                          const std::vector<ObjectEntry>& entries);
common::Result<std::vector<Part>> listParts(Objects& objects, const std::string& fileKey);

uint64_t totalSize(const std::vector<Part>& parts);
int64_t lastModified(const std::vector<Part>& parts);

}  // namespace berth::registry::s3
