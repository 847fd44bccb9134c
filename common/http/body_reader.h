#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "common/http/connection.h"
#include "common/http/server_request.h"
#include "common/result.h"

namespace berth::http {

// Why a body read failed.
enum class BodyFailure { None, Timeout, Closed, Malformed };

// Reads one request's body from its connection: Content-Length or chunked framing, each read
// waiting at most the read timeout for the client, "100 Continue" sent before the first read
// when the client asked for it. Failures are values; after one the connection cannot carry
// another request and is closed.
class BodyReader {
 public:
  // `conn` may be null for a request without a body.
  BodyReader(Connection* conn, const ServerRequest& request, std::chrono::milliseconds readTimeout,
             std::chrono::milliseconds writeTimeout);

  bool hasBody() const {
    return framing_ == BodyFraming::Chunked || (framing_ == BodyFraming::Length && declared_ > 0);
  }
  // The Content-Length, when the body has one.
  std::optional<uint64_t> declaredLength() const;

  // Up to `max` bytes of the body; 0 once it is complete.
  common::Result<size_t> read(char* dst, size_t max);
  // Reads to the end, handing each piece to `sink`; a sink that returns false stops the read
  // (the rest stays unread). Pieces are up to `bufferSize` bytes.
  common::Status readAll(const std::function<bool(const char*, size_t)>& sink,
                         size_t bufferSize = 64 * 1024);
  // Reads and drops what is left when it is at most `maxBytes` and keeps arriving within
  // `timeout` per read; true when the body is then complete.
  bool drain(uint64_t maxBytes, std::chrono::milliseconds timeout);

  bool complete() const { return state_ == State::Done; }
  BodyFailure failure() const { return failure_; }
  uint64_t bytesRead() const { return bytesRead_; }
  // The client waits for "100 Continue" that no read has sent yet.
  bool continuePending() const { return expectContinue_ && !continueSent_ && !complete(); }

 private:
  enum class State { Length, ChunkSize, ChunkData, ChunkEnd, Trailers, Done, Failed };

  common::Error fail(BodyFailure failure);
  common::Error failIo(IoStatus status);
  // Ensures a CRLF-terminated line is buffered; its length without CRLF, or an error.
  common::Result<size_t> bufferedLine(size_t maxLength);
  common::Status readChunkSize();
  common::Status readChunkEnd();
  common::Status readTrailers();

  Connection* conn_;
  BodyFraming framing_;
  uint64_t declared_;
  std::chrono::milliseconds readTimeout_;
  std::chrono::milliseconds writeTimeout_;
  bool expectContinue_;
  bool continueSent_ = false;
  State state_;
  uint64_t remaining_ = 0;  // of the body (Length) or of the current chunk
  uint64_t bytesRead_ = 0;
  BodyFailure failure_ = BodyFailure::None;
};

}  // namespace berth::http
