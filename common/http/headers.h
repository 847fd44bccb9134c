#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::http {

// HTTP field names compare without case (RFC 9110 5.1).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};

// Header fields of a request or response, in the order received within one name.
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// The first value of `name`, or `fallback` when there is none.
std::string headerValue(const Headers& headers, std::string_view name,
                        std::string_view fallback = {});
bool hasHeader(const Headers& headers, std::string_view name);
size_t headerCount(const Headers& headers, std::string_view name);
// The comma-separated elements of every value of `name` (RFC 9110 5.6.1), trimmed and
// lower-cased: "Connection: keep-alive, Close" -> {"keep-alive", "close"}.
std::vector<std::string> headerTokens(const Headers& headers, std::string_view name);
// Replaces every value of `name` with `value`.
void setHeader(Headers& headers, std::string_view name, std::string_view value);

}  // namespace berth::http
