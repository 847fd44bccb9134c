#include "registry/storage/driver/s3/objects.h"

#include <openssl/evp.h>

#include <charconv>
#include <cstring>
#include <ctime>

#include "registry/storage/driver/s3/amz_time.h"

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

namespace {

// DeleteObjects takes at most this many keys.
constexpr size_t kDeleteBatch = 1000;
// Parts of a multipart copy of an object over 5 GiB: 10000 of them reach S3's 5 TiB maximum.
constexpr uint64_t kCopyPartBytes = 512ULL << 20;

Error failure(const Request& request, const Response& response) {
  const ErrorInfo info =
      response.error().value_or(ErrorInfo{"HTTP" + std::to_string(response.status), ""});
  const bool missing =
      response.status == 404 || info.code == "NoSuchKey" || info.code == "NoSuchUpload";
  std::string detail = "S3 " + request.method + " " + request.key + ": " +
                       std::to_string(response.status) + " " + info.code;
  if (!info.message.empty()) detail += ": " + info.message;
  if (missing) return Error{ErrorCode::NotFound, "not found", detail};
  return Error{ErrorCode::Internal, "storage failure", detail};
}

std::string contentMd5(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(body.data(), body.size(), digest, &length, EVP_md5(), nullptr);
  unsigned char encoded[64];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<size_t>(n));
}

bool parseNumber(std::string_view text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

common::Result<Response> Objects::send(const Request& request) {
  BERTH_TRY_ASSIGN(Response response, client_.send(request));
  if (!response.ok()) return failure(request, response);
  return response;
}

std::string Objects::copySource(const std::string& key) const {
  return "/" + client_.endpoint().bucket + "/" + uriEncode(key, false);
}

common::Result<ObjectInfo> Objects::head(const std::string& key) {
  BERTH_TRY_ASSIGN(Response response, send(Request{"HEAD", key, {}, {}, {}}));
  ObjectInfo info;
  if (!parseNumber(response.header("content-length"), info.size)) {
    return Error{ErrorCode::Internal, "storage failure", "S3 HEAD " + key + ": no Content-Length"};
  }
  // An unreadable time counts as old: at worst garbage collection sees the object early.
  info.modifiedUnixSeconds = parseHttpDate(response.header("last-modified")).value_or(0);
  return info;
}

common::Result<std::string> Objects::get(const std::string& key, uint64_t maxBytes) {
  Request request{"GET", key, {}, {}, {}};
  // One byte more than allowed tells "too large" apart from "exactly the limit".
  request.maxResponseBytes = std::max<uint64_t>(maxBytes + 1, 64 << 10);
  BERTH_TRY_ASSIGN(Response response, send(request));
  if (response.body.size() > maxBytes) {
    return Error{ErrorCode::Internal, "storage failure", key + " is larger than expected"};
  }
  return std::move(response.body);
}

common::Result<RangeRead> Objects::getRange(const std::string& key, uint64_t offset,
                                            uint64_t length) {
  Request request{"GET", key, {}, {}, {}};
  request.headers.emplace_back(
      "Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  request.maxResponseBytes = length + (64 << 10);
  BERTH_TRY_ASSIGN(Response response, client_.send(request));
  RangeRead out;
  if (response.status == 416) {
    // The range starts at or after the end: the object exists and nothing is left to read.
    const std::string range = response.header("content-range");  // "bytes */SIZE"
    const size_t slash = range.rfind('/');
    if (slash == std::string_view::npos ||
        !parseNumber(std::string_view(range).substr(slash + 1), out.objectSize)) {
      out.objectSize = offset;
    }
    return out;
  }
  if (!response.ok()) return failure(request, response);
  if (response.status == 200) {
    // The whole object (S3 answers so for an empty one): keep the range asked for.
    out.objectSize = response.body.size();
    if (offset < response.body.size()) {
      out.bytes = response.body.substr(offset, length);
    }
    return out;
  }
  const std::string range = response.header("content-range");  // "bytes A-B/SIZE"
  const size_t slash = range.rfind('/');
  if (response.status != 206 || slash == std::string_view::npos ||
      !parseNumber(std::string_view(range).substr(slash + 1), out.objectSize) ||
      response.body.size() > length) {
    return Error{ErrorCode::Internal, "storage failure",
                 "S3 GET " + key + ": unexpected answer to a range request (" +
                     std::to_string(response.status) + ")"};
  }
  out.bytes = std::move(response.body);
  return out;
}

common::Result<Objects::RangeInto> Objects::getRangeInto(const std::string& key, uint64_t offset,
                                                         uint64_t length, char* destination) {
  Request request{"GET", key, {}, {}, {}};
  request.headers.emplace_back(
      "Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  size_t received = 0;
  uint64_t wholeSize = 0;  // a 200 answer: the whole object, of which the range is kept
  request.bodySink = [&](int status, const char* data, size_t size, uint64_t at) {
    if (at == 0) received = 0;  // a retried try starts over
    uint64_t from = at;
    if (status == 200) {
      wholeSize = at + size;
      // Keep only [offset, offset + length) of the whole object.
      const uint64_t start = std::max(at, offset);
      const uint64_t end = std::min(at + size, offset + length);
      if (start >= end) return true;
      data += start - at;
      size = static_cast<size_t>(end - start);
      from = start - offset;
    }
    if (from + size > length) return false;  // more than was asked for
    std::memcpy(destination + from, data, size);
    received = std::max<size_t>(received, static_cast<size_t>(from + size));
    return true;
  };
  BERTH_TRY_ASSIGN(Response response, client_.send(request));
  RangeInto out;
  if (response.status == 416) {
    const std::string range = response.header("content-range");  // "bytes */SIZE"
    const size_t slash = range.rfind('/');
    if (slash == std::string::npos ||
        !parseNumber(std::string_view(range).substr(slash + 1), out.objectSize)) {
      out.objectSize = offset;
    }
    return out;
  }
  if (!response.ok()) return failure(request, response);
  out.bytes = received;
  if (response.status == 200) {
    out.objectSize = wholeSize;
    return out;
  }
  const std::string range = response.header("content-range");  // "bytes A-B/SIZE"
  const size_t slash = range.rfind('/');
  if (response.status != 206 || slash == std::string::npos ||
      !parseNumber(std::string_view(range).substr(slash + 1), out.objectSize)) {
    return Error{ErrorCode::Internal, "storage failure",
                 "S3 GET " + key + ": unexpected answer to a range request (" +
                     std::to_string(response.status) + ")"};
  }
  return out;
}

common::Status Objects::put(const std::string& key, std::string_view body) {
  BERTH_TRY(send(Request{"PUT", key, {}, {}, body}));
  return {};
}

common::Result<Objects::PutIfAbsent> Objects::putIfAbsent(const std::string& key,
                                                          std::string_view body) {
  Request request{"PUT", key, {}, {{"If-None-Match", "*"}}, body};
  BERTH_TRY_ASSIGN(Response response, client_.send(request));
  if (response.ok()) return PutIfAbsent::Created;
  if (response.status != 412) return failure(request, response);
  if (response.attempts > 1) {
    auto stored = get(key, body.size());
    if (stored && *stored == body) return PutIfAbsent::Created;
  }
  return PutIfAbsent::Exists;
}

common::Status Objects::copy(const std::string& from, const std::string& to, uint64_t size,
                             bool freshen) {
  if (size > kMaxSingleCopyBytes) {
    BERTH_TRY_ASSIGN(std::string uploadId, createMultipart(to));
    std::vector<std::string> etags;
    for (uint64_t first = 0; first < size; first += kCopyPartBytes) {
      const uint64_t last = std::min(size, first + kCopyPartBytes) - 1;
      auto etag = copyPart(to, uploadId, etags.size() + 1, from, first, last);
      if (!etag) {
        abortMultipart(to, uploadId);
        return std::move(etag).error();
      }
      etags.push_back(std::move(*etag));
    }
    return completeMultipart(to, uploadId, etags, size);
  }
  Request request{"PUT", to, {}, {{"x-amz-copy-source", copySource(from)}}, {}};
  if (freshen) {
    // A copy onto itself must change something; new metadata also gives a new Last-Modified.
    request.headers.emplace_back("x-amz-metadata-directive", "REPLACE");
    request.headers.emplace_back("x-amz-meta-berth-touched", amzDate(std::time(nullptr)));
  }
  request.errorMayFollow200 = true;
  BERTH_TRY_ASSIGN(Response response, send(request));
  return {};
}

common::Status Objects::remove(const std::string& key) {
  auto removed = send(Request{"DELETE", key, {}, {}, {}});
  if (!removed && removed.error().code != ErrorCode::NotFound) return std::move(removed).error();
  return {};
}

common::Status Objects::removeMany(const std::vector<std::string>& keys) {
  for (size_t start = 0; start < keys.size(); start += kDeleteBatch) {
    const std::vector<std::string> batch(
        keys.begin() + static_cast<std::ptrdiff_t>(start),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + kDeleteBatch)));
    if (batch.size() == 1) {
      BERTH_TRY(remove(batch.front()));
      continue;
    }
    const std::string body = deleteObjectsBody(batch);
    Request request{"POST", "", {{"delete", ""}}, {}, body};
    // DeleteObjects requires an integrity header; Content-MD5 is the one every server knows.
    request.headers.emplace_back("Content-MD5", contentMd5(body));
    BERTH_TRY_ASSIGN(Response response, send(request));
    BERTH_TRY_ASSIGN(auto failures, parseDeleteResult(response.body));
    for (const auto& f : failures) {
      if (f.error.code == "NoSuchKey") continue;
      return Error{ErrorCode::Internal, "storage failure",
                   "S3 delete " + f.key + ": " + f.error.code + ": " + f.error.message};
    }
  }
  return {};
}

common::Result<ListPage> Objects::list(const std::string& prefix, bool delimited,
                                       const std::string& continuationToken) {
  Request request{"GET", "", {{"list-type", "2"}, {"prefix", prefix}}, {}, {}};
  if (delimited) request.query.emplace_back("delimiter", "/");
  if (!continuationToken.empty())
    request.query.emplace_back("continuation-token", continuationToken);
  BERTH_TRY_ASSIGN(Response response, send(request));
  return parseListObjects(response.body);
}

common::Result<std::vector<ObjectEntry>> Objects::listAll(const std::string& prefix) {
  std::vector<ObjectEntry> out;
  std::string token;
  do {
    BERTH_TRY_ASSIGN(ListPage page, list(prefix, false, token));
    for (auto& entry : page.objects) out.push_back(std::move(entry));
    token = page.truncated ? page.nextContinuationToken : std::string();
  } while (!token.empty());
  return out;
}

common::Result<std::string> Objects::createMultipart(const std::string& key) {
  BERTH_TRY_ASSIGN(Response response, send(Request{"POST", key, {{"uploads", ""}}, {}, {}}));
  return parseUploadId(response.body);
}

common::Result<std::string> Objects::copyPart(const std::string& key, const std::string& uploadId,
                                              size_t number, const std::string& source,
                                              uint64_t first, uint64_t last) {
  Request request{"PUT",
                  key,
                  {{"partNumber", std::to_string(number)}, {"uploadId", uploadId}},
                  {{"x-amz-copy-source", copySource(source)}},
                  {}};
  if (last >= first) {
    request.headers.emplace_back("x-amz-copy-source-range",
                                 "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  }
  request.errorMayFollow200 = true;
  BERTH_TRY_ASSIGN(Response response, send(request));
  return parseCopyETag(response.body);
}

common::Status Objects::completeMultipart(const std::string& key, const std::string& uploadId,
                                          const std::vector<std::string>& partETags,
                                          uint64_t expectedSize) {
  const std::string body = completeMultipartBody(partETags);
  Request request{"POST", key, {{"uploadId", uploadId}}, {}, body};
  request.errorMayFollow200 = true;
  auto completed = send(request);
  if (completed) return {};
  if (completed.error().code == ErrorCode::NotFound) {
    // A retried completion after one whose answer was lost: the upload is gone because it
    // became the object.
    if (auto info = head(key); info && info->size == expectedSize) return {};
  }
  abortMultipart(key, uploadId);
  return std::move(completed).error();
}

void Objects::abortMultipart(const std::string& key, const std::string& uploadId) {
  // Best effort: a bucket lifecycle rule (docs/STORAGE.md) removes what is left behind.
  (void)client_.send(Request{"DELETE", key, {{"uploadId", uploadId}}, {}, {}});
}

}  // namespace berth::registry::s3
