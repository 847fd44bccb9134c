#include "registry/audit/summary.h"

#include <charconv>

#include "common/civil_time.h"

namespace berth::registry {

std::string manifestAction(const std::string& operation) {
  // Untagging removes the image from the reference just as deleting the manifest does.
  if (operation == "delete-tag") return "delete";
  static constexpr std::string_view kSuffix = "-manifest";
  if (operation.size() <= kSuffix.size() ||
      operation.compare(operation.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return {};
  }
  const std::string verb = operation.substr(0, operation.size() - kSuffix.size());
  return verb == "pull" || verb == "push" || verb == "delete" ? verb : std::string();
}

void AuditSummary::add(const AuditRecord& record) {
  if (record.timeMillis < sinceMillis_ || record.status < 200 || record.status > 299) return;
  const std::string action = manifestAction(record.operation);
  if (action.empty()) return;
  AuditImage& image = images_[{record.repository, record.reference, record.digest}];
  image.repository = record.repository;
  image.reference = record.reference;
  image.digest = record.digest;
  AuditUserCount& count = image.actions[action][record.user];
  ++count.count;
  if (count.count == 1 || record.timeMillis >= count.lastMillis) {
    count.last = record.time;
    count.lastMillis = record.timeMillis;
  }
}

}  // namespace berth::registry

namespace berth::registry {

common::Result<int64_t> parseSince(const std::string& text, int64_t nowMillis) {
  const common::Error invalid{common::ErrorCode::InvalidArgument,
                              "invalid --since '" + text +
                                  "': use a duration such as 30m, 12h or 7d, or a time such as "
                                  "2024-05-01T12:00:00Z"};
  if (text.empty()) return invalid;
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60 * 1000;
      break;
    case 'h':
      unit = 3600 * 1000;
      break;
    case 'd':
      unit = 86400 * 1000;
      break;
    default:
      break;
  }
  if (unit != 0) {
    int64_t value = 0;
    const char* end = text.data() + text.size() - 1;
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    // Ten years of days fits easily; the bound keeps value * unit from overflowing.
    if (ec == std::errc() && ptr == end && value >= 0 && value <= 1'000'000'000) {
      return nowMillis - value * unit;
    }
    return invalid;
  }
  auto time = common::parseRfc3339Millis(text);
  if (!time) return invalid;
  return *time;
}

}  // namespace berth::registry
