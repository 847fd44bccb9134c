#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/http/client_response.h"
#include "common/http/headers.h"

namespace berth::http {

// What becomes of the body of the final answer, decided once its status and headers are known.
enum class BodyAction {
  Keep,     // into Response::body, up to Request::maxBodyBytes
  Stream,   // to Request::sink, chunk by chunk
  Discard,  // read and dropped, so the connection can serve the next request
  Stop,     // not read: the request ends with a Stopped error and the connection is closed
};

// Takes one piece of a request body; false when the connection cannot take it.
using BodyWriter = std::function<bool(const char* data, size_t size)>;
// Writes the request body from `offset` on, at most `maxLength` bytes, through `write`; false
// abandons the request. Called again from a later offset until the announced length is sent.
using BodyProvider =
    std::function<bool(uint64_t offset, size_t maxLength, const BodyWriter& write)>;
// Takes one piece of a streamed response body; false stops the transfer.
using BodySink = std::function<bool(const char* data, size_t size)>;

struct Request {
  std::string method = "GET";
  // Path and query exactly as they go on the wire (percent-encoded by the caller; see
  // encodeTarget). A target with a control byte or space is refused.
  std::string target = "/";
  Headers headers;
  // The body, when `provider` is unset. Set Content-Type in `headers` when it matters.
  std::string body;
  // A streamed body of `providerLength` bytes (sent with Content-Length), e.g. from a buffer
  // the caller keeps alive for the call (see providerOf).
  BodyProvider provider;
  uint64_t providerLength = 0;
  // Replaces the client's connect, read and write timeouts for this request, e.g. the time
  // left until a caller's deadline.
  std::optional<std::chrono::milliseconds> timeout;
  // Called once with the final answer's status and headers (no body yet); absent: Keep.
  std::function<BodyAction(const Response& head)> onResponse;
  BodySink sink;  // receives the body when onResponse said Stream
  // A kept body past this fails the request (TooLarge): a peer cannot exhaust our memory.
  size_t maxBodyBytes = 16 << 20;
};

// A provider that sends `body` (which must outlive the request) without copying it.
BodyProvider providerOf(std::string_view body);

}  // namespace berth::http
