#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/http/head_parser.h"

typedef struct ssl_st SSL;

namespace berth::http {

// The outcome of one read or write: Ok with a byte count, or why nothing moved.
enum class IoStatus { Ok, WantRead, WantWrite, Eof, Timeout, Error };
struct IoResult {
  IoStatus status = IoStatus::Ok;
  size_t bytes = 0;
};

// Where a connection comes from and arrives at.
struct Peer {
  std::string address;  // numeric, IPv4-mapped IPv6 addresses as IPv4
  int port = 0;
  int localPort = 0;
};

// One client connection, plain or TLS, over a non-blocking socket, with the bytes received but
// not yet consumed. The event loop drives it with the non-blocking calls; a worker thread with
// the waiting ones, each wait bounded by poll(2). Owned by one thread at a time.
class Connection {
 public:
  // Takes the socket and, for TLS, an SSL object already attached to it in accept state.
  // `onClose` runs once the socket is closed (releases the connection's slot in the limits).
  Connection(int fd, SSL* ssl, Peer peer, HeadLimits limits = {},
             std::function<void()> onClose = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }
  const Peer& peer() const { return peer_; }

  // Non-blocking, for the event loop. Ok when the TLS handshake is complete (plain: at once).
  IoStatus handshake();
  bool handshakeDone() const { return handshakeDone_; }
  // One attempt to receive into the buffer, at most maxBytes.
  IoResult receive(size_t maxBytes);
  // One attempt to send; best effort for short answers from the event loop.
  IoResult trySend(std::string_view data);

  // Bytes received and not yet consumed; the head scanner walks them.
  std::string_view buffered() const { return std::string_view(in_).substr(inPos_); }
  void consume(size_t bytes);
  HeadScanner& scanner() { return scanner_; }

  // Waiting, for workers: each call waits at most `timeout` for the socket.
  // Reads buffered bytes first, then straight from the socket into dst.
  IoResult read(char* dst, size_t max, std::chrono::milliseconds timeout);
  // Receives at least one more byte into the buffer.
  IoResult fill(std::chrono::milliseconds timeout);
  // Sends every byte, each wait for the socket bounded by `timeout`; false on failure.
  bool writeAll(std::string_view data, std::chrono::milliseconds timeout);
  // Sends `size` bytes of the open file `file` from its current position on, with sendfile(2),
  // so they never pass through user space; plain sockets only (tls() is false). Each wait for
  // the socket is bounded by `timeout`; false on failure or when the file ends early.
  bool sendFile(int file, size_t size, std::chrono::milliseconds timeout);

  // Ends the socket's reading and/or writing (shutdown(2)), waking a worker blocked on it.
  void shutdownSocket(int how);

 private:
  IoResult rawRead(char* dst, size_t max);
  IoResult rawWrite(const char* src, size_t size);
  bool wait(IoStatus want, std::chrono::milliseconds timeout, bool* timedOut);

  int fd_;
  SSL* ssl_;
  Peer peer_;
  std::function<void()> onClose_;
  bool handshakeDone_;
  std::string in_;
  size_t inPos_ = 0;
  HeadScanner scanner_;
};

}  // namespace berth::http
