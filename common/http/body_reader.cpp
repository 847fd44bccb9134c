#include "common/http/body_reader.h"

#include <vector>

#include "common/http/url.h"

namespace berth::http {

using common::Error;
using common::ErrorCode;

namespace {

// A chunk-size line with its extensions, and the trailer section: more is not a real client.
constexpr size_t kMaxChunkLine = 4 * 1024;
constexpr size_t kMaxTrailerBytes = 16 * 1024;
constexpr int kMaxChunkSizeDigits = 16;  // below 2^64

}  // namespace

BodyReader::BodyReader(Connection* conn, const ServerRequest& request,
                       std::chrono::milliseconds readTimeout,
                       std::chrono::milliseconds writeTimeout)
    : conn_(conn),
      framing_(conn == nullptr ? BodyFraming::None : request.framing),
      declared_(request.contentLength),
      readTimeout_(readTimeout),
      writeTimeout_(writeTimeout),
      expectContinue_(request.expectContinue) {
  if (!hasBody()) {
    state_ = State::Done;
  } else if (framing_ == BodyFraming::Length) {
    state_ = State::Length;
    remaining_ = declared_;
  } else {
    state_ = State::ChunkSize;
  }
}

std::optional<uint64_t> BodyReader::declaredLength() const {
  if (framing_ == BodyFraming::Length) return declared_;
  if (framing_ == BodyFraming::None) return 0;
  return std::nullopt;
}

Error BodyReader::fail(BodyFailure failure) {
  state_ = State::Failed;
  failure_ = failure;
  switch (failure) {
    case BodyFailure::Timeout:
      return Error{ErrorCode::Unavailable, "the client stopped sending the request body"};
    case BodyFailure::Closed:
      return Error{ErrorCode::Unavailable, "the connection closed before the request body ended"};
    case BodyFailure::Malformed:
    case BodyFailure::None:
      break;
  }
  return Error{ErrorCode::InvalidArgument, "malformed chunked request body"};
}

Error BodyReader::failIo(IoStatus status) {
  return fail(status == IoStatus::Timeout ? BodyFailure::Timeout : BodyFailure::Closed);
}

common::Result<size_t> BodyReader::bufferedLine(size_t maxLength) {
  while (true) {
    const std::string_view have = conn_->buffered();
    const size_t end = have.find("\r\n");
    if (end != std::string_view::npos) {
      if (end > maxLength || have.substr(0, end).find_first_of("\r\n") != std::string_view::npos) {
        return fail(BodyFailure::Malformed);
      }
      return end;
    }
    if (have.size() > maxLength + 1) return fail(BodyFailure::Malformed);
    const IoResult r = conn_->fill(readTimeout_);
    if (r.status != IoStatus::Ok) return failIo(r.status);
  }
}

// chunk-size [ chunk-ext ] CRLF, the size in hex.
common::Status BodyReader::readChunkSize() {
  BERTH_TRY_ASSIGN(const size_t length, bufferedLine(kMaxChunkLine));
  const std::string_view line = conn_->buffered().substr(0, length);
  uint64_t size = 0;
  int digits = 0;
  size_t i = 0;
  for (; i < line.size() && hexDigitValue(line[i]) >= 0; ++i) {
    if (++digits > kMaxChunkSizeDigits) return fail(BodyFailure::Malformed);
    size = size * 16 + static_cast<uint64_t>(hexDigitValue(line[i]));
  }
  if (digits == 0) return fail(BodyFailure::Malformed);
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i < line.size() && line[i] != ';') return fail(BodyFailure::Malformed);
  conn_->consume(length + 2);
  remaining_ = size;
  state_ = size == 0 ? State::Trailers : State::ChunkData;
  return {};
}

common::Status BodyReader::readChunkEnd() {
  BERTH_TRY_ASSIGN(const size_t length, bufferedLine(0));
  if (length != 0) return fail(BodyFailure::Malformed);
  conn_->consume(2);
  state_ = State::ChunkSize;
  return {};
}

// Trailer fields are read and dropped, up to a bound.
common::Status BodyReader::readTrailers() {
  size_t total = 0;
  while (true) {
    BERTH_TRY_ASSIGN(const size_t length, bufferedLine(kMaxTrailerBytes));
    conn_->consume(length + 2);
    if (length == 0) break;
    total += length + 2;
    if (total > kMaxTrailerBytes) return fail(BodyFailure::Malformed);
  }
  state_ = State::Done;
  return {};
}

common::Result<size_t> BodyReader::read(char* dst, size_t max) {
  if (state_ == State::Failed) return fail(failure_);
  if (state_ == State::Done || max == 0) return size_t{0};
  if (expectContinue_ && !continueSent_) {
    continueSent_ = true;
    if (!conn_->writeAll("HTTP/1.1 100 Continue\r\n\r\n", writeTimeout_)) {
      return fail(BodyFailure::Closed);
    }
  }
  while (true) {
    switch (state_) {
      case State::Length:
      case State::ChunkData: {
        const IoResult r = conn_->read(dst, std::min<uint64_t>(max, remaining_), readTimeout_);
        if (r.status != IoStatus::Ok) return failIo(r.status);
        remaining_ -= r.bytes;
        bytesRead_ += r.bytes;
        if (remaining_ == 0) state_ = state_ == State::Length ? State::Done : State::ChunkEnd;
        return r.bytes;
      }
      case State::ChunkSize:
        BERTH_TRY(readChunkSize());
        break;
      case State::ChunkEnd:
        BERTH_TRY(readChunkEnd());
        break;
      case State::Trailers:
        BERTH_TRY(readTrailers());
        break;
      case State::Done:
        return size_t{0};
      case State::Failed:
        return fail(failure_);
    }
  }
}

common::Status BodyReader::readAll(const std::function<bool(const char*, size_t)>& sink,
                                   size_t bufferSize) {
  std::vector<char> buffer(std::max<size_t>(bufferSize, 1));
  while (true) {
    BERTH_TRY_ASSIGN(const size_t n, read(buffer.data(), buffer.size()));
    if (n == 0) return {};
    if (!sink(buffer.data(), n)) return {};
  }
}

bool BodyReader::drain(uint64_t maxBytes, std::chrono::milliseconds timeout) {
  if (complete()) return true;
  if (state_ == State::Failed || continuePending()) return false;
  if (state_ == State::Length && remaining_ > maxBytes) return false;
  const auto saved = readTimeout_;
  readTimeout_ = timeout;
  char buffer[16 * 1024];
  uint64_t drained = 0;
  while (!complete() && drained <= maxBytes) {
    auto n = read(buffer, sizeof(buffer));
    if (!n) break;
    drained += *n;
  }
  readTimeout_ = saved;
  return complete();
}

}  // namespace berth::http
