#include "registry/audit/line.h"

#include <charconv>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/civil_time.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;
using nlohmann::json;

bool readInt(std::string_view text, size_t pos, size_t length, int& out) {
  if (pos + length > text.size()) return false;
  const char* begin = text.data() + pos;
  for (size_t i = 0; i < length; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return false;
  }
  return std::from_chars(begin, begin + length, out).ec == std::errc();
}

std::string stringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string formatAuditLine(const AuditEvent& event, const std::string& time) {
  // Milliseconds with microsecond resolution: enough to tell fast requests apart.
  const double durationMs = std::round(event.durationSeconds * 1e6) / 1e3;
  const json line = {{"time", time},
                     {"client", event.clientAddress},
                     {"user", event.user},
                     {"userAgent", event.userAgent},
                     {"operation", auditOperationName(event.operation)},
                     {"repository", event.repository},
                     {"reference", event.reference},
                     {"digest", event.digest},
                     {"status", event.status},
                     {"bytes", event.bytes},
                     {"durationMs", durationMs}};
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

common::Result<int64_t> parseRfc3339Millis(std::string_view text) {
  const Error invalid{ErrorCode::InvalidArgument,
                      "expected an RFC 3339 time such as 2024-05-01T12:00:00Z"};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readInt(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !readInt(text, 5, 2, month) || text[7] != '-' || !readInt(text, 8, 2, day)) {
    return invalid;
  }
  size_t pos = 10;
  int64_t millis = 0;
  int64_t offsetSeconds = 0;
  if (pos < text.size()) {
    if ((text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') ||
        !readInt(text, pos + 1, 2, hour) || text.size() < pos + 9 || text[pos + 3] != ':' ||
        !readInt(text, pos + 4, 2, minute) || text[pos + 6] != ':' ||
        !readInt(text, pos + 7, 2, second)) {
      return invalid;
    }
    pos += 9;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int64_t scale = 100;
      const size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        millis += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return invalid;
    }
    if (pos >= text.size()) return invalid;  // a time of day needs a zone
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      int offsetHours = 0, offsetMinutes = 0;
      if (!readInt(text, pos + 1, 2, offsetHours) || text.size() < pos + 6 ||
          text[pos + 3] != ':' || !readInt(text, pos + 4, 2, offsetMinutes) || offsetHours > 23 ||
          offsetMinutes > 59) {
        return invalid;
      }
      offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (text[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return invalid;
    }
    if (pos != text.size()) return invalid;
  }
  const auto seconds = common::unixSecondsOfUtc(year, month, day, hour, minute, second);
  if (!seconds) return invalid;
  return (*seconds - offsetSeconds) * 1000 + millis;
}

common::Result<AuditRecord> parseAuditLine(std::string_view line) {
  const json object = json::parse(line, nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    return Error{ErrorCode::InvalidArgument, "not a JSON object"};
  }
  AuditRecord record;
  record.time = stringField(object, "time");
  auto millis = parseRfc3339Millis(record.time);
  if (!millis) return Error{ErrorCode::InvalidArgument, "missing or invalid \"time\""};
  record.timeMillis = *millis;
  record.client = stringField(object, "client");
  record.user = stringField(object, "user");
  record.userAgent = stringField(object, "userAgent");
  record.operation = stringField(object, "operation");
  record.repository = stringField(object, "repository");
  record.reference = stringField(object, "reference");
  record.digest = stringField(object, "digest");
  if (auto it = object.find("status"); it != object.end() && it->is_number_integer()) {
    record.status = it->get<int>();
  }
  if (auto it = object.find("bytes"); it != object.end() && it->is_number_unsigned()) {
    record.bytes = it->get<uint64_t>();
  }
  return record;
}

}  // namespace berth::registry
