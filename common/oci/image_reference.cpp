#include "common/oci/image_reference.h"

#include <cctype>

namespace berth::oci {
namespace {

using common::Error;
using common::ErrorCode;

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
bool isValidPathComponent(std::string_view c) {
  if (c.empty() || !isLowerAlnum(c.front()) || !isLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (isLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    // A separator run: ".", "_", "__" or one or more "-".
    const size_t start = i;
    if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else {
      return false;
    }
    if (i == start || i >= c.size() || !isLowerAlnum(c[i])) return false;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool isValidDomainComponent(std::string_view c) {
  if (c.empty() || !isAlnum(c.front()) || !isAlnum(c.back())) return false;
  for (char ch : c) {
    if (!isAlnum(ch) && ch != '-') return false;
  }
  return true;
}

bool isValidDomain(std::string_view domain) {
  std::string_view host = domain;
  if (const auto colon = domain.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = domain.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char ch : port) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
    }
    host = domain.substr(0, colon);
  }
  if (host.empty()) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    if (!isValidDomainComponent(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// Docker's rule: the first component is a domain when it has a "." or ":", is "localhost", or
// has uppercase letters (which a path component cannot have).
bool looksLikeDomain(std::string_view first) {
  if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") return true;
  for (char c : first) {
    if (std::isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

Error invalid(std::string_view text, const std::string& why) {
  return Error{ErrorCode::InvalidArgument,
               "invalid image reference '" + std::string(text) + "': " + why};
}

}  // namespace

std::string canonicalRegistryHost(std::string_view host) {
  std::string out(host);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kHttpsPort = ":443";
  if (out.size() > kHttpsPort.size() &&
      out.compare(out.size() - kHttpsPort.size(), kHttpsPort.size(), kHttpsPort) == 0) {
    // "a:443/b" keeps its port: "a/b" would be the Docker Hub repository a/b.
    const std::string portless = out.substr(0, out.size() - kHttpsPort.size());
    if (portless.find('.') != std::string::npos || portless == "localhost") out = portless;
  }
  if (out == "index.docker.io" || out == "registry-1.docker.io") out = "docker.io";
  return out;
}

bool isValidRepositoryPath(std::string_view path) {
  if (path.empty() || path.size() > 255) return false;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    if (!isValidPathComponent(path.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool isValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return isAlnum(c) || c == '_'; };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool isValidDigest(std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view encoded = digest.substr(colon + 1);
  auto isHex = [](std::string_view s) {
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  };
  if (algorithm == "sha256") return encoded.size() == 64 && isHex(encoded);
  if (algorithm == "sha512") return encoded.size() == 128 && isHex(encoded);
  // Other registered algorithms: algorithm-component ([+._-] algorithm-component)*, and an
  // encoded part of [a-zA-Z0-9=_-]+ of at least 32 characters.
  for (char c : algorithm) {
    if (!isLowerAlnum(c) && c != '+' && c != '.' && c != '_' && c != '-') return false;
  }
  if (!isLowerAlnum(algorithm.front()) || !isLowerAlnum(algorithm.back())) return false;
  if (encoded.size() < 32) return false;
  for (char c : encoded) {
    if (!isAlnum(c) && c != '=' && c != '_' && c != '-') return false;
  }
  return true;
}

common::Result<ImageReference> parseImageReference(std::string_view text) {
  if (text.empty()) return invalid(text, "empty reference");
  if (text.size() > 4096) return invalid(text.substr(0, 64), "reference too long");
  ImageReference ref;
  std::string_view rest = text;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!isValidDigest(ref.digest)) {
      return invalid(text, "bad digest '" + ref.digest +
                               "' (want sha256:<64 lowercase hex> or sha512:<128 lowercase hex>)");
    }
  }
  // A tag follows the last ":" that comes after the last "/" (a ":" before it is a port).
  const auto lastSlash = rest.rfind('/');
  const auto lastColon = rest.rfind(':');
  if (lastColon != std::string_view::npos &&
      (lastSlash == std::string_view::npos || lastColon > lastSlash)) {
    ref.tag = std::string(rest.substr(lastColon + 1));
    rest = rest.substr(0, lastColon);
    if (!isValidTag(ref.tag)) {
      return invalid(text, "bad tag '" + ref.tag + "' (want [A-Za-z0-9_][A-Za-z0-9._-]{0,127})");
    }
  }
  if (rest.empty()) return invalid(text, "missing repository name");
  std::string_view path = rest;
  const auto firstSlash = rest.find('/');
  if (firstSlash != std::string_view::npos && looksLikeDomain(rest.substr(0, firstSlash))) {
    ref.domain = std::string(rest.substr(0, firstSlash));
    path = rest.substr(firstSlash + 1);
    if (!isValidDomain(ref.domain)) return invalid(text, "bad registry host '" + ref.domain + "'");
    const std::string canonical = canonicalRegistryHost(ref.domain);
    if (!looksLikeDomain(canonical)) {
      // Lower-cased it would read as a Docker Hub path: no one name, so no name at all.
      return invalid(text, "repository name must be lowercase ('" + ref.domain +
                               "' is no registry host: it has no '.' or ':' and is not "
                               "localhost)");
    }
    ref.domain = canonical;
  } else {
    ref.domain = "docker.io";
  }
  if (path.empty()) return invalid(text, "missing repository name");
  for (char c : path) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      return invalid(text, "repository name must be lowercase");
    }
  }
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view component = path.substr(start, slash - start);
    if (component.empty()) return invalid(text, "empty path component");
    if (!isValidPathComponent(component)) {
      return invalid(text, "bad path component '" + std::string(component) +
                               "' (lowercase letters and digits, separated by '.', '_', '__' "
                               "or '-')");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  ref.path = std::string(path);
  if (ref.domain == "docker.io" && ref.path.find('/') == std::string::npos) {
    ref.path = "library/" + ref.path;
  }
  if (ref.repository().size() > 255) {
    return invalid(text.substr(0, 64), "repository name longer than 255 characters");
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string ImageReference::repository() const { return domain + "/" + path; }

std::string ImageReference::str() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

}  // namespace berth::oci
