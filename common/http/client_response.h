#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/http/headers.h"

namespace berth::http {

// What a server answered to a request, after the redirects the client followed. Any HTTP
// status is an answer for the caller to judge; only a failure to get one is an error.
struct Response {
  int status = 0;
  Headers headers;
  // The body when the request kept it (BodyAction::Keep); empty when streamed or discarded.
  std::string body;
  // The origin that gave this answer ("https://cdn.example:443"), which differs from the
  // client's after a redirect to another host.
  std::string origin;
  int redirects = 0;

  std::string header(std::string_view name) const { return headerValue(headers, name); }
  // Content-Length when present and a number.
  std::optional<uint64_t> contentLength() const;
};

}  // namespace berth::http
