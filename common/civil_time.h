#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::common {

// Seconds since the Unix epoch of a UTC calendar time, or none when the fields name no such
// time (month 13, February 30th, a year before 1970 or after 9999).
std::optional<int64_t> unixSecondsOfUtc(int year, int month, int day, int hour, int minute,
                                        int second);

// "2024-05-01T12:00:00.123Z", "2024-05-01T14:00:00.123456789+02:00", "2024-05-01" (midnight
// UTC) -> milliseconds since the epoch. Any number of fraction digits (RFC 3339 sets no limit;
// Go writes up to nine); digits past the millisecond are dropped, not rounded. InvalidArgument
// for anything else, including a time of day without a zone.
Result<int64_t> parseRfc3339Millis(std::string_view text);

// Seconds since the epoch as "2024-05-01T12:00:00Z".
std::string rfc3339OfUnixSeconds(int64_t unixSeconds);

}  // namespace berth::common
