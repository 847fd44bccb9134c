#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/http/headers.h"

namespace berth::http {

// Where a content provider writes: each write goes to the connection (bounded by the write
// timeout). false: the client is gone, stop producing.
class DataSink {
 public:
  virtual ~DataSink() = default;
  virtual bool write(const char* data, size_t size) = 0;
  // Whether sendFile works here: a plain connection and a body of known length. Over TLS or
  // in chunks the bytes must pass through write().
  virtual bool canSendFile() const { return false; }
  // Sends `size` bytes of the open file `file` from its current position, advancing it, without
  // copying them through user space. Only when canSendFile().
  virtual bool sendFile(int file, size_t size) {
    (void)file;
    (void)size;
    return false;
  }
  // Ends a body of unknown length (chunked); ignored for a known length.
  void done() { done_ = true; }
  bool isDone() const { return done_; }

 private:
  bool done_ = false;
};

// Produces the bytes from `offset` on, at most `length` of them, in one or more sink writes.
// false aborts the response (the connection is closed: the client sees a short body).
using ContentProvider = std::function<bool(uint64_t offset, uint64_t length, DataSink& sink)>;
// For a body of unknown length: writes the next bytes from `offset`, and calls sink.done()
// after the last.
using ChunkedContentProvider = std::function<bool(uint64_t offset, DataSink& sink)>;

// What a handler answers: a status, header fields and a body that is a string, a provider of a
// known length (sent with Content-Length) or a provider of unknown length (sent chunked).
struct ServerResponse {
  int status = 200;
  Headers headers;
  std::string body;
  ContentProvider provider;
  uint64_t providerLength = 0;
  ChunkedContentProvider chunkedProvider;

  void setHeader(std::string_view name, std::string_view value) {
    http::setHeader(headers, name, value);
  }
  std::string header(std::string_view name) const { return headerValue(headers, name); }
  bool hasHeader(std::string_view name) const { return http::hasHeader(headers, name); }
  void eraseHeader(std::string_view name) { headers.erase(std::string(name)); }

  void setContent(std::string content, std::string_view contentType);
  void setContentProvider(uint64_t length, std::string_view contentType,
                          ContentProvider contentProvider);
  void setChunkedContentProvider(std::string_view contentType,
                                 ChunkedContentProvider contentProvider);
};

}  // namespace berth::http
