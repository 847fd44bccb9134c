#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "registry/storage/driver/s3/client.h"
#include "registry/storage/driver/s3/xml.h"

namespace berth::registry::s3 {

struct ObjectInfo {
  uint64_t size = 0;
  int64_t modifiedUnixSeconds = 0;  // Last-Modified, the server's clock
};

// A ranged read: the bytes, and the object's whole size.
struct RangeRead {
  std::string bytes;
  uint64_t objectSize = 0;
};

// The S3 API calls the driver makes, typed. A missing object or upload is ErrorCode::NotFound;
// other failures are Internal (or Unavailable when S3 could not be reached), with the S3 code
// and message in the detail, which is logged and never sent to registry clients.
class Objects {
 public:
  // The largest object a single CopyObject may copy; larger ones are copied in parts.
  static constexpr uint64_t kMaxSingleCopyBytes = 5ULL << 30;
  static constexpr size_t kMaxParts = 10000;
  static constexpr uint64_t kMinPartBytes = 5ULL << 20;

  explicit Objects(Client& client) : client_(client) {}

  common::Result<ObjectInfo> head(const std::string& key);
  common::Result<std::string> get(const std::string& key, uint64_t maxBytes);
  // Up to `length` bytes from `offset`; empty at or after the end of the object.
  common::Result<RangeRead> getRange(const std::string& key, uint64_t offset, uint64_t length);
  // As getRange, into `destination` (room for `length` bytes); returns how many came.
  struct RangeInto {
    size_t bytes = 0;
    uint64_t objectSize = 0;
  };
  common::Result<RangeInto> getRangeInto(const std::string& key, uint64_t offset, uint64_t length,
                                         char* destination);
  common::Status put(const std::string& key, std::string_view body);
  // PUT with "If-None-Match: *": Created, or Exists when the server answered 412 because the
  // key was there. After a retry, a 412 may be this request's own earlier try, whose answer was
  // lost: the object is then read and, holding exactly `body`, counts as Created.
  enum class PutIfAbsent { Created, Exists };
  common::Result<PutIfAbsent> putIfAbsent(const std::string& key, std::string_view body);
  // Server-side copy; `size` is the source's, so objects over 5 GiB go through a multipart
  // copy. `freshen` also replaces the metadata, which a copy onto itself needs (touch).
  common::Status copy(const std::string& from, const std::string& to, uint64_t size,
                      bool freshen = false);
  common::Status remove(const std::string& key);  // absent: not an error
  common::Status removeMany(const std::vector<std::string>& keys);
  common::Result<ListPage> list(const std::string& prefix, bool delimited,
                                const std::string& continuationToken);
  // Every object under `prefix` (all pages, no delimiter).
  common::Result<std::vector<ObjectEntry>> listAll(const std::string& prefix);

  // Multipart uploads, for assembling upload sessions and copying large objects.
  common::Result<std::string> createMultipart(const std::string& key);
  // Copies bytes [first, last] of `source` (all of it when last < first) as part `number`;
  // returns the part's ETag.
  common::Result<std::string> copyPart(const std::string& key, const std::string& uploadId,
                                       size_t number, const std::string& source, uint64_t first,
                                       uint64_t last);
  // `expectedSize` lets a completion whose answer was lost (retried, then NoSuchUpload) be
  // recognised as done by the size of the object it made.
  common::Status completeMultipart(const std::string& key, const std::string& uploadId,
                                   const std::vector<std::string>& partETags,
                                   uint64_t expectedSize);
  void abortMultipart(const std::string& key, const std::string& uploadId);

 private:
  common::Result<Response> send(const Request& request);
  std::string copySource(const std::string& key) const;

  Client& client_;
};

}  // namespace berth::registry::s3
