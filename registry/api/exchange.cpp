#include "registry/api/exchange.h"

#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/large_buffer.h"
#include "common/oci/errors.h"

namespace berth::registry {

namespace {

// A request has a body only with a Content-Length or chunked encoding; asking httplib to read
// one otherwise would wait for the connection to close.
bool hasBody(const httplib::Request& req) {
  if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) return true;
  return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

// httplib hands a request body over in 4 KiB pieces, each one poll(2) and one recv(2): Debian
// builds the library with CPPHTTPLIB_RECV_BUFSIZ fixed. That made a 256 MiB push 130,000
// system calls and most of the server's CPU. Large plain-HTTP bodies are therefore read
// straight from the connection's socket in large reads, once httplib has passed on the bytes
// it buffered with the headers.
constexpr uint64_t kDirectMinBody = 256 * 1024;
constexpr size_t kDirectRead = 1 << 20;

// Only bodies httplib would pass through unchanged: no TLS, no chunking, no decompression.
bool directReadable(const httplib::Request& req, std::optional<uint64_t> length) {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  if (req.ssl != nullptr) return false;
#endif
  return length && *length >= kDirectMinBody && !req.has_header("Transfer-Encoding") &&
         !req.has_header("Content-Encoding") && req.remote_port > 0 && req.local_port > 0;
}

// Formats an address as httplib does for remote_addr and local_addr.
bool sameEndpoint(const sockaddr_storage& addr, socklen_t size, const std::string& host,
                  int port) {
  char text[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), size, text, sizeof(text), service,
                    sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  return host == text && std::atoi(service) == port;
}

// The socket of the request's connection: httplib does not expose it, but a TCP connection is
// unique by its two endpoints, which the request carries. -1 when no descriptor matches.
int connectionSocket(const httplib::Request& req) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd == ::dirfd(dir)) continue;
    sockaddr_storage local{};
    socklen_t localSize = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localSize) != 0) continue;
    if (local.ss_family != AF_INET && local.ss_family != AF_INET6) continue;
    sockaddr_storage peer{};
    socklen_t peerSize = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerSize) != 0) continue;
    if (sameEndpoint(local, localSize, req.local_addr, req.local_port) &&
        sameEndpoint(peer, peerSize, req.remote_addr, req.remote_port)) {
      found = fd;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

// Reads exactly `length` bytes (never into the next request) in pieces of up to kDirectRead.
// False when the peer closes or stalls first; the connection is then shut down for reading so
// httplib does not parse the rest of the body as a request.
bool readDirect(int fd, uint64_t length, int timeoutMs, const ChunkSink& sink) {
  LargeBuffer buffer(kDirectRead);
  while (length > 0) {
    const ssize_t n = ::recv(fd, buffer.data(), std::min<uint64_t>(length, kDirectRead),
                             MSG_DONTWAIT);
    if (n > 0) {
      length -= static_cast<uint64_t>(n);
      if (!sink(buffer.data(), static_cast<size_t>(n))) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) break;
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, timeoutMs);
    if (ready == 0 || (ready < 0 && errno != EINTR)) break;
  }
  if (length == 0) return true;
  ::shutdown(fd, SHUT_RD);
  return false;
}

}  // namespace

BodySource Exchange::body() {
  return [this](const ChunkSink& sink) {
    if (bodyConsumed || reader == nullptr || !hasBody(req)) return true;
    bodyConsumed = true;
    const std::optional<uint64_t> length = contentLength();
    bool direct = directReadable(req, length);
    bool tookOver = false;
    bool directComplete = false;
    const ChunkSink counted = [&](const char* data, size_t size) {
      bytesIn += size;
      return sink(data, size);
    };
    const bool complete = (*reader)([&](const char* data, size_t size) {
      if (!counted(data, size)) return false;
      if (!direct) return true;
      // After its first piece httplib's own buffer is empty (it asks for 4 KiB, more than the
      // bytes left over from the headers): the socket holds the rest of the body.
      direct = false;
      const int fd = connectionSocket(req);
      if (fd < 0) return true;
      tookOver = true;
      directComplete = readDirect(fd, *length - bytesIn, readTimeoutMs, counted);
      return false;  // ends httplib's read loop; the body has been consumed
    });
    return tookOver ? directComplete : complete;
  };
}

common::Result<std::string> Exchange::readBody(uint64_t limit) {
  if (auto length = contentLength(); length && *length > limit) {
    drainBody();
    return common::Error{common::ErrorCode::SizeInvalid,
                         "body exceeds the limit of " + std::to_string(limit) + " bytes",
                         std::to_string(*length)};
  }
  std::string out;
  bool tooLarge = false;
  const bool complete = body()([&](const char* data, size_t size) {
    if (out.size() + size > limit) tooLarge = true;
    if (!tooLarge) out.append(data, size);
    return true;  // keep reading: the connection must stay in step
  });
  if (tooLarge) {
    return common::Error{common::ErrorCode::SizeInvalid,
                         "body exceeds the limit of " + std::to_string(limit) + " bytes"};
  }
  if (!complete) {
    return common::Error{common::ErrorCode::BlobUploadInvalid, "the request body ended early"};
  }
  return out;
}

void Exchange::drainBody() {
  (void)body()([](const char*, size_t) { return true; });
}

std::optional<uint64_t> Exchange::contentLength() const {
  if (!req.has_header("Content-Length")) return std::nullopt;
  try {
    return std::stoull(req.get_header_value("Content-Length"));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Exchange::param(const char* key) const { return req.get_param_value(key); }

void sendError(Exchange& ex, const common::Error& error, common::Logger& logger) {
  const oci::OciErrorInfo& info = oci::ociError(error.code);
  if (oci::isInternal(error)) {
    logger.error("registry request failed", {{"method", ex.req.method},
                                             {"path", ex.req.path},
                                             {"error", error.message},
                                             {"detail", error.detail}});
  } else {
    logger.debug("registry request refused", {{"method", ex.req.method},
                                              {"path", ex.req.path},
                                              {"code", info.ociCode},
                                              {"error", error.message}});
  }
  ex.res.status = info.httpStatus;
  ex.res.set_content(oci::errorEnvelope(error), "application/json");
}

std::string repositoryUrl(const std::string& name, const std::string& suffix) {
  return "/v2/" + name + "/" + suffix;
}

}  // namespace berth::registry
