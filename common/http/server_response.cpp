#include "common/http/server_response.h"

namespace berth::http {

void ServerResponse::setContent(std::string content, std::string_view contentType) {
  body = std::move(content);
  provider = nullptr;
  chunkedProvider = nullptr;
  setHeader("Content-Type", contentType);
}

void ServerResponse::setContentProvider(uint64_t length, std::string_view contentType,
                                        ContentProvider contentProvider) {
  body.clear();
  provider = std::move(contentProvider);
  providerLength = length;
  chunkedProvider = nullptr;
  setHeader("Content-Type", contentType);
}

void ServerResponse::setChunkedContentProvider(std::string_view contentType,
                                               ChunkedContentProvider contentProvider) {
  body.clear();
  provider = nullptr;
  chunkedProvider = std::move(contentProvider);
  setHeader("Content-Type", contentType);
}

}  // namespace berth::http
