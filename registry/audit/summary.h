#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "registry/audit/line.h"

namespace berth::registry {

// Who did one action to one image, how often, and when last.
struct AuditUserCount {
  uint64_t count = 0;
  std::string last;  // RFC 3339, as logged
  int64_t lastMillis = 0;
};

// One image (repository + reference as requested + the content digest it served or stored) and
// its successful manifest pulls, pushes and deletes, per user ("" is anonymous). A tag that
// moved is one image per digest, so who still pulls the old content shows. Blob requests are
// left out: one image pull makes many.
struct AuditImage {
  std::string repository;
  std::string reference;
  std::string digest;  // empty when the line named none (an untag)
  std::map<std::string, std::map<std::string, AuditUserCount>> actions;  // action -> user -> count
};

// repository, reference, digest
using AuditImageKey = std::tuple<std::string, std::string, std::string>;

class AuditSummary {
 public:
  explicit AuditSummary(int64_t sinceMillis = 0) : sinceMillis_(sinceMillis) {}

  // Counts one record if it is a successful manifest operation at or after `since`.
  void add(const AuditRecord& record);
  const std::map<AuditImageKey, AuditImage>& images() const { return images_; }

 private:
  int64_t sinceMillis_;
  std::map<AuditImageKey, AuditImage> images_;
};

// "pull-manifest" -> "pull", "delete-tag" -> "delete"; "" for operations not counted.
std::string manifestAction(const std::string& operation);

}  // namespace berth::registry

namespace berth::registry {

// `--since`: a duration back from `nowMillis` ("90s", "30m", "12h", "7d") or an RFC 3339 time or
// date. Returns milliseconds since the epoch; InvalidArgument says what is accepted.
common::Result<int64_t> parseSince(const std::string& text, int64_t nowMillis);

}  // namespace berth::registry
