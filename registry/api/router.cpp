#include "registry/api/router.h"

#include <vector>

#include "common/oci/digest.h"
#include "common/oci/image_reference.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

constexpr size_t kMaxPath = 4096;

Error unknownPath() { return Error{ErrorCode::NotFound, "unknown endpoint"}; }

Error manifestUnknown(std::string_view reference) {
  return Error{ErrorCode::ManifestUnknown, "manifest unknown",
               std::string(reference.substr(0, 256))};
}

std::vector<std::string_view> splitSegments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

std::string joinSegments(const std::vector<std::string_view>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  return out;
}

bool containsCaseInsensitive(std::string_view text, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    bool match = true;
    for (size_t j = 0; j < needle.size() && match; ++j) {
      char c = text[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == needle[j];
    }
    if (match) return true;
  }
  return false;
}

// Rejects what could move a path outside its directory before any grammar is applied: the
// grammar would reject these too, but traversal deserves its own, explicit wall.
common::Status checkTraversal(std::string_view decodedPath, std::string_view rawTarget) {
  const std::string_view rawPath = rawTarget.substr(0, rawTarget.find('?'));
  if (decodedPath.size() > kMaxPath || rawPath.size() > kMaxPath) {
    return Error{ErrorCode::NameInvalid, "path too long"};
  }
  if (containsCaseInsensitive(rawPath, "%2f") || containsCaseInsensitive(rawPath, "%5c") ||
      containsCaseInsensitive(rawPath, "%00") || containsCaseInsensitive(rawPath, "%2e")) {
    return Error{ErrorCode::NameInvalid, "escaped separators and dots are not allowed"};
  }
  if (decodedPath.find('\0') != std::string_view::npos ||
      decodedPath.find('\\') != std::string_view::npos) {
    return Error{ErrorCode::NameInvalid, "invalid character in path"};
  }
  for (const auto segment : splitSegments(decodedPath)) {
    if (segment == "." || segment == "..") {
      return Error{ErrorCode::NameInvalid, "relative path segments are not allowed"};
    }
  }
  return {};
}

common::Result<std::string> checkName(const std::vector<std::string_view>& segments, size_t count) {
  if (count == 0) return Error{ErrorCode::NameInvalid, "missing repository name"};
  std::string name = joinSegments(segments, count);
  if (!oci::isValidRepositoryPath(name)) {
    return Error{ErrorCode::NameInvalid, "invalid repository name", name.substr(0, 256)};
  }
  return name;
}

}  // namespace

const char* routeKindName(RouteKind kind) {
  switch (kind) {
    case RouteKind::Base:
      return "base";
    case RouteKind::Catalog:
      return "catalog";
    case RouteKind::Token:
      return "token";
    case RouteKind::Tags:
      return "tags";
    case RouteKind::Manifest:
      return "manifest";
    case RouteKind::Blob:
      return "blob";
    case RouteKind::UploadStart:
      return "upload-start";
    case RouteKind::Upload:
      return "upload";
    case RouteKind::Referrers:
      return "referrers";
  }
  return "unknown";
}

bool isValidUploadId(std::string_view id) {
  if (id.size() != 36) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
  }
  return true;
}

common::Result<Route> parseRoute(std::string_view method, std::string_view decodedPath,
                                 std::string_view rawTarget) {
  BERTH_TRY(checkTraversal(decodedPath, rawTarget));
  if (!decodedPath.starts_with("/v2")) return unknownPath();
  std::string_view rest = decodedPath.substr(3);
  if (rest.empty() || rest == "/") return Route{RouteKind::Base, {}, {}, false};
  if (rest.front() != '/') return unknownPath();
  rest.remove_prefix(1);
  if (rest == "_catalog") return Route{RouteKind::Catalog, {}, {}, false};
  if (rest == "token") return Route{RouteKind::Token, {}, {}, false};

  const auto seg = splitSegments(rest);
  const size_t n = seg.size();
  auto at = [&](size_t fromEnd) -> std::string_view {
    return fromEnd < n ? seg[n - 1 - fromEnd] : std::string_view();
  };

  Route route;
  size_t nameSegments = 0;
  if (n >= 3 && at(1) == "tags" && at(0) == "list") {
    route.kind = RouteKind::Tags;
    nameSegments = n - 2;
  } else if (n >= 3 && at(1) == "manifests") {
    route.kind = RouteKind::Manifest;
    nameSegments = n - 2;
  } else if (n >= 3 && at(1) == "referrers") {
    route.kind = RouteKind::Referrers;
    nameSegments = n - 2;
  } else if (n >= 4 && at(2) == "blobs" && at(1) == "uploads") {
    route.kind = at(0).empty() ? RouteKind::UploadStart : RouteKind::Upload;
    nameSegments = n - 3;
  } else if (n >= 3 && at(1) == "blobs" && at(0) == "uploads") {
    route.kind = RouteKind::UploadStart;  // POST without the trailing slash
    nameSegments = n - 2;
  } else if (n >= 3 && at(1) == "blobs") {
    route.kind = RouteKind::Blob;
    nameSegments = n - 2;
  } else {
    return unknownPath();
  }
  BERTH_TRY_ASSIGN(route.name, checkName(seg, nameSegments));

  const std::string_view ref = at(0);
  switch (route.kind) {
    case RouteKind::Manifest: {
      // A read of a reference that cannot exist finds nothing, as the distribution spec's
      // conformance tests expect; a write of one is refused for what is wrong with it.
      const bool read = method == "GET" || method == "HEAD";
      if (ref.find(':') != std::string_view::npos) {
        auto digest = oci::Digest::parse(ref);
        if (!digest && read) return manifestUnknown(ref);
        if (!digest) return std::move(digest).error();
        route.reference = digest->str();
        route.referenceIsDigest = true;
      } else if (oci::isValidTag(ref)) {
        route.reference = std::string(ref);
      } else if (read) {
        return manifestUnknown(ref);
      } else {
        return Error{ErrorCode::TagInvalid, "invalid tag", std::string(ref.substr(0, 256))};
      }
      break;
    }
    case RouteKind::Blob:
    case RouteKind::Referrers: {
      BERTH_TRY_ASSIGN(auto digest, oci::Digest::parse(ref));
      route.reference = digest.str();
      route.referenceIsDigest = true;
      break;
    }
    case RouteKind::Upload:
      if (!isValidUploadId(ref)) {
        return Error{ErrorCode::BlobUploadUnknown, "unknown upload session"};
      }
      route.reference = std::string(ref);
      break;
    default:
      break;
  }
  return route;
}

}  // namespace berth::registry
