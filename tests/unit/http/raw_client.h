#pragma once

#include <chrono>
#include <string>

namespace berth::http::test {

// A TCP client driven byte by byte, for requests no HTTP library would send. Connects from
// `source` (another loopback address is another client) to 127.0.0.1:port.
class RawClient {
 public:
  explicit RawClient(int port, const std::string& source = "127.0.0.1");
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes every byte; false when the peer closed or reset.
  bool send(const std::string& bytes);
  // Reads one response: its head and a Content-Length or chunked body (or, for a HEAD answer
  // when headOnly, the head alone), or what arrived before the peer closed or waitMs passed.
  std::string readResponse(int waitMs = 10000, bool headOnly = false);
  // True when the peer closes (EOF or reset) within waitMs; data that arrives first is kept.
  bool closedByPeer(int waitMs);
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  bool eof_ = false;
  std::string pending_;
};

// "HTTP/1.1 404 Not Found..." -> 404; 0 when there is no status line.
int statusOf(const std::string& response);
// The body: what follows the blank line (chunked bodies decoded).
std::string bodyOf(const std::string& response);
// A header's value in a raw response ("" when absent), the name compared without case.
std::string headerOf(const std::string& response, const std::string& name);

// Open file descriptors of this process.
int openDescriptors();
// Live threads of this process.
int liveThreads();

}  // namespace berth::http::test
