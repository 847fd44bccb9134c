#include "common/http/connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace berth::http {

namespace {

// One receive into the buffer at a time: large enough for a whole head or a TLS record.
constexpr size_t kReceiveChunk = 16 * 1024;
// A buffer emptied above this capacity is freed: idle connections should hold no memory.
constexpr size_t kKeptCapacity = 4 * 1024;

IoResult sslOutcome(SSL* ssl, int ret) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return {IoStatus::WantRead, 0};
    case SSL_ERROR_WANT_WRITE:
      return {IoStatus::WantWrite, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {IoStatus::Eof, 0};
    default:
      break;
  }
  // A peer that closes without close_notify, or a socket error: the connection is over.
  ERR_clear_error();
  return {IoStatus::Error, 0};
}

}  // namespace

Connection::Connection(int fd, SSL* ssl, Peer peer, HeadLimits limits,
                       std::function<void()> onClose)
    : fd_(fd),
      ssl_(ssl),
      peer_(std::move(peer)),
      onClose_(std::move(onClose)),
      handshakeDone_(ssl == nullptr),
      scanner_(limits) {}

Connection::~Connection() {
  if (ssl_ != nullptr) {
    // close_notify, best effort: the socket is non-blocking and the peer may be gone.
    if (handshakeDone_) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
    }
    SSL_free(ssl_);
    ERR_clear_error();
  }
  ::close(fd_);
  if (onClose_) onClose_();
}

IoStatus Connection::handshake() {
  if (handshakeDone_) return IoStatus::Ok;
  ERR_clear_error();
  const int ret = SSL_accept(ssl_);
  if (ret == 1) {
    handshakeDone_ = true;
    return IoStatus::Ok;
  }
  return sslOutcome(ssl_, ret).status;
}

IoResult Connection::rawRead(char* dst, size_t max) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, dst, static_cast<int>(std::min<size_t>(max, 1 << 30)));
    if (n > 0) return {IoStatus::Ok, static_cast<size_t>(n)};
    return sslOutcome(ssl_, n);
  }
  while (true) {
    const ssize_t n = ::recv(fd_, dst, max, 0);
    if (n > 0) return {IoStatus::Ok, static_cast<size_t>(n)};
    if (n == 0) return {IoStatus::Eof, 0};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::WantRead, 0};
    return {IoStatus::Error, 0};
  }
}

IoResult Connection::rawWrite(const char* src, size_t size) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int n = SSL_write(ssl_, src, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) return {IoStatus::Ok, static_cast<size_t>(n)};
    return sslOutcome(ssl_, n);
  }
  while (true) {
    const ssize_t n = ::send(fd_, src, size, MSG_NOSIGNAL);
    if (n > 0 || (n == 0 && size == 0)) return {IoStatus::Ok, static_cast<size_t>(n)};
    if (n == 0) return {IoStatus::WantWrite, 0};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::WantWrite, 0};
    return {IoStatus::Error, 0};
  }
}

IoResult Connection::receive(size_t maxBytes) {
  const size_t old = in_.size();
  in_.resize(old + std::min(maxBytes, kReceiveChunk));
  const IoResult result = rawRead(in_.data() + old, in_.size() - old);
  in_.resize(old + result.bytes);
  return result;
}

IoResult Connection::trySend(std::string_view data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const IoResult r = rawWrite(data.data() + sent, data.size() - sent);
    if (r.status != IoStatus::Ok) return {r.status, sent};
    sent += r.bytes;
  }
  return {IoStatus::Ok, sent};
}

void Connection::consume(size_t bytes) {
  inPos_ = std::min(in_.size(), inPos_ + bytes);
  if (inPos_ < in_.size()) return;
  inPos_ = 0;
  if (in_.capacity() > kKeptCapacity) {
    std::string().swap(in_);
  } else {
    in_.clear();
  }
}

bool Connection::wait(IoStatus want, std::chrono::milliseconds timeout, bool* timedOut) {
  pollfd p{fd_, static_cast<short>(want == IoStatus::WantWrite ? POLLOUT : POLLIN), 0};
  while (true) {
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready > 0) return true;
    if (ready == 0) {
      *timedOut = true;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

IoResult Connection::read(char* dst, size_t max, std::chrono::milliseconds timeout) {
  if (max == 0) return {IoStatus::Ok, 0};
  const std::string_view have = buffered();
  if (!have.empty()) {
    const size_t n = std::min(max, have.size());
    std::memcpy(dst, have.data(), n);
    consume(n);
    return {IoStatus::Ok, n};
  }
  while (true) {
    const IoResult r = rawRead(dst, max);
    if (r.status != IoStatus::WantRead && r.status != IoStatus::WantWrite) return r;
    bool timedOut = false;
    if (!wait(r.status, timeout, &timedOut)) {
      return {timedOut ? IoStatus::Timeout : IoStatus::Error, 0};
    }
  }
}

IoResult Connection::fill(std::chrono::milliseconds timeout) {
  while (true) {
    const IoResult r = receive(kReceiveChunk);
    if (r.status != IoStatus::WantRead && r.status != IoStatus::WantWrite) return r;
    bool timedOut = false;
    if (!wait(r.status, timeout, &timedOut)) {
      return {timedOut ? IoStatus::Timeout : IoStatus::Error, 0};
    }
  }
}

bool Connection::writeAll(std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    const IoResult r = rawWrite(data.data(), data.size());
    if (r.status == IoStatus::Ok) {
      data.remove_prefix(r.bytes);
      continue;
    }
    if (r.status != IoStatus::WantRead && r.status != IoStatus::WantWrite) return false;
    bool timedOut = false;
    if (!wait(r.status, timeout, &timedOut)) return false;
  }
  return true;
}

bool Connection::sendFile(int file, size_t size, std::chrono::milliseconds timeout) {
  if (ssl_ != nullptr) return false;
  while (size > 0) {
    const ssize_t n = ::sendfile(fd_, file, nullptr, size);
    if (n > 0) {
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return false;  // the file is shorter than promised
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    bool timedOut = false;
    if (!wait(IoStatus::WantWrite, timeout, &timedOut)) return false;
  }
  return true;
}

void Connection::shutdownSocket(int how) { ::shutdown(fd_, how); }

}  // namespace berth::http
