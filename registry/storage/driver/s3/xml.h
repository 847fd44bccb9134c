#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::registry::s3 {

// Just enough XML for S3's responses: elements, character data, entities, CDATA; comments,
// the prolog and attributes are skipped; a DOCTYPE is refused, so no entity expansion can grow
// the input. Depth and element count are bounded; malformed input is an error, never a crash.
struct XmlElement {
  std::string name;  // local name: a namespace prefix is dropped
  std::string text;  // the character data directly inside, decoded
  std::vector<XmlElement> children;

  const XmlElement* child(std::string_view childName) const;
  std::string childText(std::string_view childName) const;  // "" when absent
  std::vector<const XmlElement*> childrenNamed(std::string_view childName) const;
};

common::Result<XmlElement> parseXml(std::string_view document);

std::string xmlEscape(std::string_view text);

struct ObjectEntry {
  std::string key;
  uint64_t size = 0;
  int64_t modifiedUnixSeconds = 0;
};

// One page of ListObjectsV2.
struct ListPage {
  std::vector<ObjectEntry> objects;
  std::vector<std::string> commonPrefixes;
  bool truncated = false;
  std::string nextContinuationToken;
};

struct ErrorInfo {
  std::string code;  // "NoSuchKey", "SlowDown", ...
  std::string message;
};

struct DeleteFailure {
  std::string key;
  ErrorInfo error;
};

common::Result<ListPage> parseListObjects(std::string_view document);
// The <Error> of a failed request; nullopt when the document is not one. S3 also answers some
// CopyObject and CompleteMultipartUpload failures with status 200 and an <Error> body.
std::optional<ErrorInfo> parseError(std::string_view document);
common::Result<std::string> parseUploadId(std::string_view document);  // InitiateMultipartUpload
common::Result<std::string> parseCopyETag(std::string_view document);  // CopyObject, UploadPartCopy
common::Result<std::vector<DeleteFailure>> parseDeleteResult(std::string_view document);

// Request bodies. Parts are numbered from 1 in the order given.
std::string completeMultipartBody(const std::vector<std::string>& partETags);
std::string deleteObjectsBody(const std::vector<std::string>& keys);  // quiet mode

}  // namespace berth::registry::s3
