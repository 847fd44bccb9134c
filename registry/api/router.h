#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::registry {

enum class RouteKind {
  Base,         // GET /v2/
  Catalog,      // GET /v2/_catalog
  Token,        // GET /v2/token
  Tags,         // /v2/<name>/tags/list
  Manifest,     // /v2/<name>/manifests/<tag|digest>
  Blob,         // /v2/<name>/blobs/<digest>
  UploadStart,  // /v2/<name>/blobs/uploads/
  Upload,       // /v2/<name>/blobs/uploads/<uuid>
  Referrers,    // /v2/<name>/referrers/<digest>
};

const char* routeKindName(RouteKind kind);

struct Route {
  RouteKind kind = RouteKind::Base;
  std::string name;       // validated repository name; empty for Base/Catalog/Token
  std::string reference;  // validated tag, digest or upload id
  bool referenceIsDigest = false;
};

// Splits a request path into repository name, operation and reference. Names contain "/", so
// the operation is found from the end of the path, where the grammar leaves no ambiguity.
// `decodedPath` is the percent-decoded path; `rawTarget` the request target as sent, which must
// not hide separators or dots behind escapes. Every part is validated here, at the edge:
// NAME_INVALID, TAG_INVALID, DIGEST_INVALID, BLOB_UPLOAD_UNKNOWN, or NotFound for any other
// path. A GET or HEAD of a manifest reference that is neither a tag nor a digest is
// MANIFEST_UNKNOWN (the `method` matters only there).
common::Result<Route> parseRoute(std::string_view method, std::string_view decodedPath,
                                 std::string_view rawTarget);

// An upload session id as we generate them: 36 characters of lowercase hex and dashes.
bool isValidUploadId(std::string_view id);

}  // namespace berth::registry
