#include "registry/api/exchange.h"

#include "common/large_buffer.h"
#include "common/oci/errors.h"

namespace berth::registry {

namespace {

// Large bodies (layers) are read in large pieces straight from the socket into one buffer:
// few system calls per megabyte. Small ones (manifests, chunks of a chunked upload) need less.
constexpr uint64_t kLargeBody = 256 * 1024;
constexpr size_t kLargeRead = 1 << 20;
constexpr size_t kSmallRead = 64 * 1024;

}  // namespace

BodySource Exchange::body() {
  return [this](const ChunkSink& sink) {
    if (bodyConsumed || !reader.hasBody()) return true;
    bodyConsumed = true;
    const std::optional<uint64_t> length = reader.declaredLength();
    LargeBuffer buffer(length && *length < kLargeBody ? kSmallRead : kLargeRead);
    while (true) {
      auto n = reader.read(buffer.data(), buffer.size());
      if (!n) return false;  // cut short, stalled past registry.readTimeout or malformed
      if (*n == 0) return true;
      bytesIn += *n;
      if (!sink(buffer.data(), *n)) return false;
    }
  };
}

common::Result<std::string> Exchange::readBody(uint64_t limit) {
  if (auto length = contentLength(); length && *length > limit) {
    drainBody();
    return common::Error{common::ErrorCode::SizeInvalid,
                         "body exceeds the limit of " + std::to_string(limit) + " bytes",
                         std::to_string(*length)};
  }
  std::string out;
  bool tooLarge = false;
  const bool complete = body()([&](const char* data, size_t size) {
    if (out.size() + size > limit) tooLarge = true;
    if (!tooLarge) out.append(data, size);
    return true;  // keep reading: the connection must stay in step
  });
  if (tooLarge) {
    return common::Error{common::ErrorCode::SizeInvalid,
                         "body exceeds the limit of " + std::to_string(limit) + " bytes"};
  }
  if (!complete) {
    return common::Error{common::ErrorCode::BlobUploadInvalid, "the request body ended early"};
  }
  return out;
}

void Exchange::drainBody() {
  (void)body()([](const char*, size_t) { return true; });
}

std::optional<uint64_t> Exchange::contentLength() const {
  if (req.framing != http::BodyFraming::Length) return std::nullopt;
  return req.contentLength;
}

std::string Exchange::param(const char* key) const { return req.param(key); }

void sendError(Exchange& ex, const common::Error& error, common::Logger& logger) {
  const oci::OciErrorInfo& info = oci::ociError(error.code);
  if (oci::isInternal(error)) {
    logger.error("registry request failed", {{"method", ex.req.method},
                                             {"path", ex.req.path},
                                             {"error", error.message},
                                             {"detail", error.detail}});
  } else {
    logger.debug("registry request refused", {{"method", ex.req.method},
                                              {"path", ex.req.path},
                                              {"code", info.ociCode},
                                              {"error", error.message}});
  }
  ex.res.status = info.httpStatus;
  ex.res.setContent(oci::errorEnvelope(error), "application/json");
}

std::string repositoryUrl(const std::string& name, const std::string& suffix) {
  return "/v2/" + name + "/" + suffix;
}

}  // namespace berth::registry
