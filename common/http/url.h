#pragma once

#include <map>
#include <string>
#include <string_view>

namespace berth::http {

// Query parameters in the order received within one name.
using Params = std::multimap<std::string, std::string>;

// The value of a hex digit, or -1.
int hexDigitValue(char c);

// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is. With plusIsSpace
// (query strings) '+' becomes ' '; in a path it stays '+'.
std::string percentDecode(std::string_view text, bool plusIsSpace);

// Splits "a=1&b=&c" into {a:1, b:"", c:""}, decoding names and values.
Params parseQuery(std::string_view query);

// The inverse, for forwarding a request: names and values escaped except unreserved characters.
std::string encodeQuery(const Params& params);

}  // namespace berth::http
