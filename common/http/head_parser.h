#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/http/server_request.h"

namespace berth::http {

// Bounds on a request head, applied while its bytes arrive.
struct HeadLimits {
  size_t maxRequestLineBytes = 8 * 1024;  // longer: 414
  size_t maxFieldLineBytes = 8 * 1024;    // one longer header field: 400
  size_t maxHeadBytes = 64 * 1024;        // the whole head longer: 431
};

// Finds the end of a request head in bytes that arrive in pieces, enforcing HeadLimits as it
// goes: a head is refused as soon as a line or the whole grows past its bound, so no more than
// the bound is ever buffered. Each call scans only the bytes it has not seen.
class HeadScanner {
 public:
  enum class State { NeedMore, Complete, Refused };

  explicit HeadScanner(HeadLimits limits = {}) : limits_(limits) {}

  // `bytes` is everything received since the head began: the same prefix on every call.
  State scan(std::string_view bytes);
  // Complete: the head's length, its blank line included (and leading empty lines).
  size_t headLength() const { return headLength_; }
  // Refused: the status to answer (400, 414, 431) and why.
  int errorStatus() const { return errorStatus_; }
  const std::string& errorReason() const { return errorReason_; }
  void reset();

 private:
  State refuse(int status, std::string reason);

  HeadLimits limits_;
  size_t scanned_ = 0;    // bytes already looked at
  size_t lineStart_ = 0;  // where the current line began
  size_t lines_ = 0;      // non-empty lines seen (0: the request line is still coming)
  size_t headLength_ = 0;
  int errorStatus_ = 0;
  std::string errorReason_;
  State state_ = State::NeedMore;
};

// A parsed head, or the status to refuse it with (400, 501, 505) and why.
struct HeadResult {
  ServerRequest request;  // meaningful when ok()
  int status = 0;
  std::string reason;
  bool ok() const { return status == 0; }
};

// Parses a complete head (as delimited by HeadScanner) into a ServerRequest: method, target,
// version, header fields, body framing and keep-alive. Pure; strict where leniency lets a front
// proxy and this server disagree about where a request ends (request smuggling): bare LF, obs-fold,
// whitespace before a colon, duplicate or malformed Content-Length, Content-Length together
// with Transfer-Encoding, and codings other than chunked are all refused.
HeadResult parseHead(std::string_view head);

// Scans and parses one complete head at the start of `bytes` under `limits` (for tests and
// fuzzing: the server feeds the scanner piece by piece).
HeadResult parseRequestHead(std::string_view bytes, const HeadLimits& limits = {});

}  // namespace berth::http
