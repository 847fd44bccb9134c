#include "common/http/client_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace berth::http {

using common::Error;
using common::ErrorCode;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool isControlOrSpace(unsigned char c) { return c <= 0x20 || c == 0x7f; }

}  // namespace

std::string Origin::str() const { return scheme + "://" + hostPort(); }

std::string Origin::hostPort() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

common::Result<Origin> parseOrigin(std::string_view baseUrl) {
  auto invalid = [&] {
    return Error{ErrorCode::InvalidArgument,
                 "'" + std::string(baseUrl) + "' is not http(s)://HOST[:PORT]"};
  };
  Origin origin;
  std::string_view rest = baseUrl;
  const auto scheme = rest.find("://");
  if (scheme == std::string_view::npos) return invalid();
  origin.scheme = lower(rest.substr(0, scheme));
  if (origin.scheme == "https") {
    origin.port = 443;
  } else if (origin.scheme == "http") {
    origin.port = 80;
  } else {
    return invalid();
  }
  rest.remove_prefix(scheme + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::optional<std::string_view> port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return invalid();
    origin.host = lower(rest.substr(1, close - 1));
    if (origin.host.find_first_not_of("0123456789abcdef:.") != std::string::npos) {
      return invalid();
    }
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return invalid();
      port = rest.substr(1);
    }
  } else {
    const auto colon = rest.find(':');
    origin.host = lower(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (origin.host.empty()) return invalid();
  for (unsigned char c : origin.host) {
    if (isControlOrSpace(c) || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\') {
      return invalid();
    }
  }
  if (port) {
    int value = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (port->empty() || ec != std::errc() || end != port->data() + port->size() || value <= 0 ||
        value > 65535) {
      return invalid();
    }
    origin.port = value;
  }
  return origin;
}

std::optional<std::pair<std::string, std::string>> splitUrl(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const std::string_view prefix = url.substr(0, scheme);
  if (prefix != "http" && prefix != "https") return std::nullopt;
  const auto slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return std::make_pair(std::string(url), std::string("/"));
  return std::make_pair(std::string(url.substr(0, slash)), std::string(url.substr(slash)));
}

std::string encodeTarget(std::string_view decoded) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded.size());
  for (unsigned char c : decoded) {
    const bool escape =
        isControlOrSpace(c) || c >= 0x80 || c == '+' || c == '\'' || c == ',' || c == ';';
    if (escape) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool isWireSafeTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  return std::none_of(target.begin(), target.end(),
                      [](unsigned char c) { return isControlOrSpace(c); });
}

}  // namespace berth::http
