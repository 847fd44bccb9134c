#pragma once

#include <set>
#include <string>

namespace berth::testing {

// One TCP connection to 127.0.0.1 driven byte by byte, for requests no HTTP client would send:
// raw targets with NUL bytes, lying Content-Length, endless chunked bodies, slow writers.
// `source` binds the client's end to another loopback address (127.0.0.2: another client).
class RawConnection {
 public:
  explicit RawConnection(int port, const std::string& source = {});
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all of the bytes; false when the peer closed the connection.
  bool send(const std::string& bytes);
  // Reads until one complete response (headers and a Content-Length body) has arrived, the peer
  // closed, or waitMs passed. Returns what arrived.
  std::string readResponse(int waitMs = 20000);
  // True when the peer closes (EOF or reset) within waitMs; data that arrives first is read.
  bool closedByPeer(int waitMs);
  void close();

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read beyond the last response
};

// The status code of a raw HTTP response ("HTTP/1.1 400 Bad Request" -> 400), or 0.
int statusOf(const std::string& response);
// The body of a raw HTTP response (everything after the blank line).
std::string bodyOf(const std::string& response);

// Every path under dir (relative, recursively), for "nothing was created here" checks.
std::set<std::string> treeOf(const std::string& dir);

}  // namespace berth::testing
