#include "registry/storage/driver/s3/parts.h"

#include <algorithm>
#include <cstdio>

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

namespace {
constexpr size_t kOffsetDigits = 20;
}  // namespace

std::string partKey(const std::string& fileKey, uint64_t offset) {
  char digits[kOffsetDigits + 1];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(offset));
  return fileKey + "/" + std::string(kPartMarker) + digits;
}

std::optional<uint64_t> partOffset(std::string_view name) {
  if (name.size() != kPartMarker.size() + kOffsetDigits ||
      name.substr(0, kPartMarker.size()) != kPartMarker) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : name.substr(kPartMarker.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

common::Result<std::vector<Part>> partsOf(const std::string& fileKey,
                                          const std::vector<ObjectEntry>& entries) {
  const std::string prefix = fileKey + "/";
  std::vector<Part> parts;
  for (const auto& entry : entries) {
    if (entry.key.compare(0, prefix.size(), prefix) != 0) continue;
    auto offset = partOffset(std::string_view(entry.key).substr(prefix.size()));
    if (!offset) continue;
    parts.push_back(Part{entry.key, *offset, entry.size, entry.modifiedUnixSeconds});
  }
  std::sort(parts.begin(), parts.end(),
            [](const Part& a, const Part& b) { return a.offset < b.offset; });
  uint64_t expected = 0;
  for (const auto& part : parts) {
    // Only two writers appending to one session at once could do this; clients never do.
    if (part.offset != expected) {
      return Error{ErrorCode::Internal, "storage failure",
                   fileKey + ": part at " + std::to_string(part.offset) + " where " +
                       std::to_string(expected) + " was expected"};
    }
    expected += part.size;
  }
  return parts;
}

common::Result<std::vector<Part>> listParts(Objects& objects, const std::string& fileKey) {
  BERTH_TRY_ASSIGN(auto entries, objects.listAll(fileKey + "/" + std::string(kPartMarker)));
  return partsOf(fileKey, entries);
}

uint64_t totalSize(const std::vector<Part>& parts) {
  return parts.empty() ? 0 : parts.back().offset + parts.back().size;
}

int64_t lastModified(const std::vector<Part>& parts) {
  int64_t out = 0;
  for (const auto& part : parts) out = std::max(out, part.modifiedUnixSeconds);
  return out;
}

}  // namespace berth::registry::s3
