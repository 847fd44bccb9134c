#include "registry/auth/header.h"

#include <strings.h>

#include "common/base64.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool hasControlCharacters(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

Error malformed(const std::string& why) {
  return Error{ErrorCode::InvalidArgument, "malformed Authorization header: " + why};
}

common::Result<Credentials> parseBasic(std::string_view encoded) {
  auto decoded = common::base64Decode(encoded);
  if (!decoded) return malformed("Basic credentials are not valid base64");
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return malformed("Basic credentials lack a ':'");
  Credentials credentials;
  credentials.scheme = Credentials::Scheme::Basic;
  credentials.user = decoded->substr(0, colon);
  credentials.password = decoded->substr(colon + 1);
  if (credentials.user.empty()) return malformed("Basic credentials have an empty user name");
  if (hasControlCharacters(credentials.user) || hasControlCharacters(credentials.password)) {
    return malformed("Basic credentials contain control characters");
  }
  return credentials;
}

// A token68 (RFC 7235): what a JWT is made of, so anything else cannot be one of our tokens.
bool isToken68(std::string_view text) {
  if (text.empty()) return false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  while (i < text.size() && text[i] == '=') ++i;
  return i == text.size();
}

}  // namespace

common::Result<Credentials> parseAuthorization(std::string_view header) {
  if (header.size() > kMaxAuthorizationBytes) return malformed("too long");
  header = trim(header);
  if (header.empty()) return Credentials{};
  size_t space = 0;
  while (space < header.size() && !isSpace(header[space])) ++space;
  const std::string_view scheme = header.substr(0, space);
  const std::string_view rest = trim(header.substr(space));
  if (rest.empty()) return malformed("no credentials after the scheme");
  if (equalsIgnoreCase(scheme, "Basic")) return parseBasic(rest);
  if (equalsIgnoreCase(scheme, "Bearer")) {
    if (!isToken68(rest)) return malformed("the Bearer token has invalid characters");
    Credentials credentials;
    credentials.scheme = Credentials::Scheme::Bearer;
    credentials.token = std::string(rest);
    return credentials;
  }
  return malformed("unsupported scheme (use Basic or Bearer)");
}

}  // namespace berth::registry
