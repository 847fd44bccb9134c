#include "common/civil_time.h"

#include <charconv>
#include <ctime>

namespace berth::common {
namespace {

bool readInt(std::string_view text, size_t pos, size_t length, int& out) {
  if (pos + length > text.size()) return false;
  const char* begin = text.data() + pos;
  for (size_t i = 0; i < length; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return false;
  }
  return std::from_chars(begin, begin + length, out).ec == std::errc();
}

}  // namespace

std::optional<int64_t> unixSecondsOfUtc(int year, int month, int day, int hour, int minute,
                                        int second) {
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = ::timegm(&tm);
  // timegm normalises 2024-02-31 to March: a different day back means the date was invalid.
  if (tm.tm_mday != day || tm.tm_mon != month - 1) return std::nullopt;
  return static_cast<int64_t>(seconds);
}

Result<int64_t> parseRfc3339Millis(std::string_view text) {
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
  const auto seconds = unixSecondsOfUtc(year, month, day, hour, minute, second);
  if (!seconds) return invalid;
  return (*seconds - offsetSeconds) * 1000 + millis;
}

std::string rfc3339OfUnixSeconds(int64_t unixSeconds) {
  const auto seconds = static_cast<time_t>(unixSeconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, n);
}

}  // namespace berth::common
