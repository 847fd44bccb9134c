#include "common/civil_time.h"

#include <ctime>

namespace berth::common {

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

}  // namespace berth::common
