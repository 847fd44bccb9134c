#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace berth::registry::s3 {

// The times S3 speaks, as Unix seconds (UTC).

// "20130524T000000Z", the x-amz-date of Signature Version 4.
std::string amzDate(int64_t unixSeconds);
// "2009-10-12T17:50:30.000Z" (ListObjectsV2 LastModified); fractions are dropped.
std::optional<int64_t> parseIso8601(const std::string& text);
// "Wed, 12 Oct 2009 17:50:00 GMT" (the Last-Modified header, RFC 7231 IMF-fixdate).
std::optional<int64_t> parseHttpDate(const std::string& text);

}  // namespace berth::registry::s3
