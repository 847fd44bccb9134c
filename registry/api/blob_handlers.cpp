// HTTP adapter for /v2/<name>/blobs/<digest>: GET (ranges), HEAD, DELETE.
#include <algorithm>
#include <memory>

#include "common/large_buffer.h"
#include "registry/api/exchange.h"
#include "registry/storage/upload_range.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

// Large reads keep syscalls few; one buffer per download bounds memory per connection.
constexpr size_t kReadBuffer = 1 << 20;
// A file sent with sendfile goes in pieces of this size, so the server sees progress between.
constexpr size_t kSendFilePiece = 16 << 20;

struct Download {
  BlobStore& blobs;
  oci::Digest digest;
  uint64_t first;  // the first byte of the (range of the) blob that is sent
  bool sendfile;   // registry.sendfile
  std::unique_ptr<StorageReader> reader;
  uint64_t position = 0;                // offset within what is sent
  std::unique_ptr<LargeBuffer> buffer;  // allocated on the first read (HEAD needs none)
};

// The server asks for content from `offset` on; the reader follows, reopening only on a jump.
bool provide(Download& d, size_t offset, size_t length, http::DataSink& sink) {
  if (!d.reader || d.position != offset) {
    auto reader = d.blobs.open(d.digest, d.first + offset);
    if (!reader) return false;
    d.reader = std::move(reader).value();
    d.position = offset;
  }
  if (const int file = d.reader->localFile(); d.sendfile && file >= 0 && sink.canSendFile()) {
    const size_t piece = static_cast<size_t>(std::min<uint64_t>(length, kSendFilePiece));
    if (!sink.sendFile(file, piece)) return false;
    d.position += piece;
    return true;
  }
  if (!d.buffer) d.buffer = std::make_unique<LargeBuffer>(kReadBuffer);
  auto n = d.reader->read(d.buffer->data(), std::min(length, d.buffer->size()));
  if (!n || *n == 0) return false;  // a blob shorter than its stat: abort the response
  d.position += *n;
  return sink.write(d.buffer->data(), *n);
}

common::Status getBlob(RegistryContext& ctx, Exchange& ex) {
  const bool head = ex.req.method == "HEAD";
  ex.digest = ex.route.reference;
  BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.route.reference));
  BERTH_TRY_ASSIGN(uint64_t size, ctx.blobs.sizeIn(ex.route.name, digest));
  ex.res.setHeader("Docker-Content-Digest", digest.str());
  ex.res.setHeader("ETag", "\"" + digest.str() + "\"");
  ex.res.setHeader("Accept-Ranges", "bytes");
  ex.res.setHeader("Cache-Control", "max-age=31536000");

  ByteRange range{0, size == 0 ? 0 : size - 1};
  ex.res.status = 200;
  if (!head && ex.req.hasHeader("Range")) {
    auto resolved = resolveDownloadRange(ex.req.header("Range"), size);
    if (!resolved) {
      ex.res.setHeader("Content-Range", "bytes */" + std::to_string(size));
      return std::move(resolved).error();
    }
    if (*resolved) {
      range = **resolved;
      ex.res.status = 206;
      ex.res.setHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                            std::to_string(range.last) + "/" +
                                            std::to_string(size));
    }
  }
  if (size == 0) {
    ex.res.setContent("", "application/octet-stream");
    return {};
  }
  const uint64_t length = range.length();
  if (!head) ex.bytesOut = length;
  auto download = std::make_shared<Download>(
      Download{ctx.blobs, digest, range.first, ctx.config.sendfile, {}, 0, {}});
  ex.res.setContentProvider(length, "application/octet-stream",
                            [download](size_t offset, size_t len, http::DataSink& sink) {
                              return provide(*download, offset, len, sink);
                            });
  return {};
}

common::Status deleteBlob(RegistryContext& ctx, Exchange& ex) {
  ex.digest = ex.route.reference;
  BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.route.reference));
  BERTH_TRY(ctx.blobs.unlink(ex.route.name, digest));
  ex.res.status = 202;
  return {};
}

}  // namespace

common::Status handleBlob(RegistryContext& ctx, Exchange& ex) {
  const std::string& m = ex.req.method;
  if (m == "GET" || m == "HEAD") return getBlob(ctx, ex);
  if (m == "DELETE") return deleteBlob(ctx, ex);
  return Error{ErrorCode::Unsupported, "method not allowed on blobs", m};
}

}  // namespace berth::registry
