#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace berth::http {

// Where a client connects: scheme, host and port, the unit connections are pooled by and the
// boundary credentials do not cross.
struct Origin {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name or address, lower case, IPv6 without brackets
  int port = 0;

  // "https://host:443": the port always written, so two spellings of one origin compare equal.
  std::string str() const;
  // "host:443" (brackets around an IPv6 address), for messages.
  std::string hostPort() const;
  bool operator==(const Origin&) const = default;
};

// "scheme://host[:port]" with an optional trailing '/', nothing after it.
common::Result<Origin> parseOrigin(std::string_view baseUrl);

// "https://host:port/path?q" -> {"https://host:port", "/path?q"}; nothing for other text.
std::optional<std::pair<std::string, std::string>> splitUrl(std::string_view url);

// A decoded path (and an encoded query after it) made fit for the request line: the bytes
// cpp-httplib's own encoder escapes (space, '+', quote, ',', ';', non-ASCII) plus every control
// byte, so nothing a server decoded can end the request line early.
std::string encodeTarget(std::string_view decoded);

// A request target goes on the wire as given: one with a control byte or a space could end
// the request line and smuggle a header or a second request.
bool isWireSafeTarget(std::string_view target);

}  // namespace berth::http
