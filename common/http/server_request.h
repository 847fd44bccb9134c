#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/headers.h"
#include "common/http/url.h"

namespace berth::http {

// How the request's body is delimited (RFC 9112 6.3); the head parser decides, once.
enum class BodyFraming { None, Length, Chunked };

// One parsed request head plus where it came from. Handlers see it read-only.
struct ServerRequest {
  std::string method;
  std::string target;    // as sent: path and query, still escaped
  std::string path;      // the target's path, percent-decoded ('+' kept)
  int versionMinor = 1;  // HTTP/1.<versionMinor>
  Params params;         // the target's query, decoded
  Headers headers;

  BodyFraming framing = BodyFraming::None;
  uint64_t contentLength = 0;   // with BodyFraming::Length
  bool expectContinue = false;  // "Expect: 100-continue" from an HTTP/1.1 client
  bool keepAlive = true;        // what the client asked for (version and Connection header)

  std::string remoteAddr;
  int remotePort = 0;
  int localPort = 0;
  bool tls = false;

  // A body is announced: Content-Length above 0, or chunked.
  bool hasBody() const {
    return framing == BodyFraming::Chunked || (framing == BodyFraming::Length && contentLength > 0);
  }

  // The first value of a header, or `fallback`.
  std::string header(std::string_view name, std::string_view fallback = {}) const {
    return headerValue(headers, name, fallback);
  }
  // Every value of a header, in the order received.
  std::vector<std::string> headerValues(std::string_view name) const;
  bool hasHeader(std::string_view name) const { return http::hasHeader(headers, name); }
  size_t headerCount(std::string_view name) const { return http::headerCount(headers, name); }

  // The first value of a query parameter, or "".
  std::string param(std::string_view name) const;
  bool hasParam(std::string_view name) const;
};

}  // namespace berth::http
