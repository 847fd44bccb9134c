#include "registry/http_exchange.h"

#include "registry/oci_errors.h"

namespace berth::registry {

namespace {

// A request has a body only with a Content-Length or chunked encoding; asking httplib to read
// one otherwise would wait for the connection to close.
bool hasBody(const httplib::Request& req) {
  if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) return true;
  return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

}  // namespace

BodySource Exchange::body() {
  return [this](const ChunkSink& sink) {
    if (bodyConsumed || reader == nullptr || !hasBody(req)) return true;
    bodyConsumed = true;
    return (*reader)([&](const char* data, size_t size) {
      bytesIn += size;
      return sink(data, size);
    });
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
  if (!req.has_header("Content-Length")) return std::nullopt;
  try {
    return std::stoull(req.get_header_value("Content-Length"));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Exchange::param(const char* key) const { return req.get_param_value(key); }

void sendError(Exchange& ex, const common::Error& error, common::Logger& logger) {
  const OciErrorInfo& info = ociError(error.code);
  if (isInternal(error)) {
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
  ex.res.set_content(errorEnvelope(error), "application/json");
}

std::string repositoryUrl(const std::string& name, const std::string& suffix) {
  return "/v2/" + name + "/" + suffix;
}

}  // namespace berth::registry
