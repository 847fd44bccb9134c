#include "registry/storage/driver/s3/amz_time.h"

#include <ctime>

#include "common/civil_time.h"

namespace berth::registry::s3 {

namespace {

bool digits(const std::string& text, size_t at, size_t count, int& out) {
  if (at + count > text.size()) return false;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

}  // namespace

std::string amzDate(int64_t unixSeconds) {
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof(out), "%Y%m%dT%H%M%SZ", &tm);
  return out;
}

std::optional<int64_t> parseIso8601(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) || text[10] != 'T' ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) ||
      text[16] != ':' || !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  size_t at = 19;
  if (text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
  return common::unixSecondsOfUtc(year, month, day, hour, minute, second);
}

std::optional<int64_t> parseHttpDate(const std::string& text) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Wed, 12 Oct 2009 17:50:00 GMT": fixed width, 29 characters.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.compare(25, 4, " GMT") != 0) {
    return std::nullopt;
  }
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, month = 0;
  for (int m = 0; m < 12; ++m) {
    if (text.compare(8, 3, kMonths[m]) == 0) month = m + 1;
  }
  if (month == 0 || !digits(text, 5, 2, day) || !digits(text, 12, 4, year) ||
      !digits(text, 17, 2, hour) || !digits(text, 20, 2, minute) || !digits(text, 23, 2, second)) {
    return std::nullopt;
  }
  return common::unixSecondsOfUtc(year, month, day, hour, minute, second);
}

}  // namespace berth::registry::s3
