#pragma once

#include <cstdint>
#include <optional>

namespace berth::common {

// Seconds since the Unix epoch of a UTC calendar time, or none when the fields name no such
// time (month 13, February 30th, a year before 1970 or after 9999).
std::optional<int64_t> unixSecondsOfUtc(int year, int month, int day, int hour, int minute,
                                        int second);

}  // namespace berth::common
