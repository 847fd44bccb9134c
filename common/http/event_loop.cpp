#include "common/http/event_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/http/head_intake.h"
#include "common/http/response_writer.h"

namespace berth::http {

namespace {

// Deadlines are checked this often: precise enough for timeouts of seconds, and one pass over
// the waiting connections costs little at 10 per second.
constexpr std::chrono::milliseconds kSweepInterval{100};
// Out of file descriptors: accepting pauses this long rather than spinning on EMFILE.
constexpr std::chrono::milliseconds kAcceptPause{100};
// Refused connections are logged at most this often, with the count since the last line.
constexpr std::chrono::seconds kRefusalLogInterval{10};
// Accepts per readiness event of a listener, so a connection flood cannot starve the rest.
constexpr int kAcceptBatch = 256;
constexpr int kMaxEvents = 256;

Peer peerOf(const sockaddr_storage& addr, int localPort) {
  Peer peer;
  peer.localPort = localPort;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    peer.port = ntohs(v4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      ::inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    }
    peer.port = ntohs(v6->sin6_port);
  }
  peer.address = text;
  return peer;
}

}  // namespace

EventLoop::EventLoop(const ServerOptions& options, const Router& router, ConnectionLimits& limits,
                     SSL_CTX* tls, common::Logger& logger, Handoff handoff)
    : options_(options),
      router_(router),
      limits_(limits),
      tls_(tls),
      logger_(logger),
      handoff_(std::move(handoff)) {}

EventLoop::~EventLoop() {
  waiting_.clear();
  for (const Listening& l : listeners_) ::close(l.fd);
  if (wake_ >= 0) ::close(wake_);
  if (epoll_ >= 0) ::close(epoll_);
}

common::Status EventLoop::open() {
  if (epoll_ >= 0) return {};
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || wake_ < 0) {
    return common::Error{common::ErrorCode::Unavailable,
                         options_.name + ": cannot create the event loop: " + std::strerror(errno)};
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  return {};
}

void EventLoop::addListener(int fd, int port) {
  listeners_.push_back(Listening{fd, port, false});
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

void EventLoop::stop() {
  stopping_ = true;
  if (wake_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof(one));
  }
}

void EventLoop::adopt(std::shared_ptr<Connection> conn) {
  std::lock_guard lock(adoptMutex_);
  if (!accepting_) return;  // the loop has ended: `conn` closes here
  adopted_.push_back(std::move(conn));
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof(one));
}

void EventLoop::noteRefused(const std::string& address, const char* cap) {
  ++refused_;
  ++refusedSinceLog_;
  const auto now = Clock::now();
  if (now - lastRefusalLog_ < kRefusalLogInterval) return;
  logger_.warn("connections refused: a connection cap is reached",
               {{"listener", options_.name},
                {"cap", cap},
                {"lastClient", address},
                {"refusedSinceLastLine", refusedSinceLog_},
                {"maxConnections", options_.maxConnections},
                {"maxConnectionsPerClient", options_.maxConnectionsPerClient}});
  lastRefusalLog_ = now;
  refusedSinceLog_ = 0;
}

void EventLoop::acceptFrom(Listening& listener) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage addr{};
    socklen_t size = sizeof(addr);
    const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&addr), &size,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        logger_.warn("cannot accept a connection; pausing",
                     {{"listener", options_.name}, {"error", std::strerror(errno)}});
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener.fd, nullptr);
        listener.paused = true;
        resumeAccept_ = Clock::now() + kAcceptPause;
      }
      return;
    }
    admit(fd, peerOf(addr, listener.port));
  }
}

void EventLoop::admit(int fd, const Peer& peer) {
  switch (limits_.admit(peer.address)) {
    case ConnectionLimits::Admission::Admitted:
      break;
    case ConnectionLimits::Admission::TotalFull:
      noteRefused(peer.address, "maxConnections");
      ::close(fd);
      return;
    case ConnectionLimits::Admission::AddressFull:
      noteRefused(peer.address, "maxConnectionsPerClient");
      ::close(fd);
      return;
  }
  ConnectionLimits* limits = &limits_;
  auto release = [limits, address = peer.address] { limits->release(address); };
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    ssl = SSL_new(tls_);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
      ERR_clear_error();
      if (ssl != nullptr) SSL_free(ssl);
      ::close(fd);
      release();
      return;
    }
    SSL_set_accept_state(ssl);
  }
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  auto conn = std::make_shared<Connection>(fd, ssl, peer, options_.head, std::move(release));
  Waiting waiting{std::move(conn), Clock::now() + options_.headTimeout,
                  ssl != nullptr ? Phase::Handshake : Phase::Head, EPOLLIN};
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) return;  // `waiting` closes it
  waiting_.emplace(fd, std::move(waiting));
}

void EventLoop::watch(Waiting& waiting, uint32_t events) {
  if (waiting.events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = waiting.conn->fd();
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, waiting.conn->fd(), &ev);
  waiting.events = events;
}

void EventLoop::close(int fd, int status, const std::string& reason) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  // A short answer fits the socket buffer; one that does not is dropped with the connection.
  if (status != 0) (void)it->second.conn->trySend(closingResponse(status, reason));
  waiting_.erase(it);
}

void EventLoop::advance(int fd) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return;
  Waiting& w = it->second;
  Connection& conn = *w.conn;
  if (w.phase == Phase::Handshake) {
    switch (conn.handshake()) {
      case IoStatus::Ok:
        w.phase = Phase::Head;
        break;
      case IoStatus::WantRead:
        return watch(w, EPOLLIN);
      case IoStatus::WantWrite:
        return watch(w, EPOLLOUT);
      default:
        return close(fd);
    }
  }
  while (true) {
    if (!conn.buffered().empty()) {
      HeadStep step = takeHead(conn, router_);
      if (step.kind == HeadStep::Kind::Refused) return close(fd, step.status, step.reason);
      if (step.kind == HeadStep::Kind::Ready) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        std::shared_ptr<Connection> handed = std::move(w.conn);
        waiting_.erase(it);
        return handoff_(std::move(handed), std::move(step.request));
      }
    }
    const IoResult r = conn.receive(options_.head.maxHeadBytes + 1);
    if (r.status == IoStatus::WantRead) return watch(w, EPOLLIN);
    if (r.status == IoStatus::WantWrite) return watch(w, EPOLLOUT);
    if (r.status != IoStatus::Ok) return close(fd);
    if (w.phase == Phase::Idle) {
      // The head deadline runs from a request's first byte.
      w.phase = Phase::Head;
      w.deadline = Clock::now() + options_.headTimeout;
    }
  }
}

void EventLoop::takeAdopted() {
  std::vector<std::shared_ptr<Connection>> adopted;
  {
    std::lock_guard lock(adoptMutex_);
    adopted.swap(adopted_);
  }
  const auto now = Clock::now();
  for (auto& conn : adopted) {
    const int fd = conn->fd();
    const bool started = !conn->buffered().empty();
    Waiting waiting{std::move(conn),
                    now + (started ? options_.headTimeout : options_.keepAliveTimeout),
                    started ? Phase::Head : Phase::Idle, EPOLLIN};
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) continue;
    waiting_.emplace(fd, std::move(waiting));
    // Bytes may wait inside TLS, where epoll cannot see them.
    advance(fd);
  }
}

void EventLoop::sweep(Clock::time_point now) {
  std::vector<int> expired;
  for (const auto& [fd, waiting] : waiting_) {
    if (now >= waiting.deadline) expired.push_back(fd);
  }
  for (int fd : expired) {
    const Waiting& w = waiting_.at(fd);
    // Part of a head arrived: say why the connection ends. Nothing at all: just close it.
    if (w.phase == Phase::Head && !w.conn->buffered().empty()) {
      close(fd, 408, "the request head did not arrive in time");
    } else {
      close(fd);
    }
  }
  for (Listening& l : listeners_) {
    if (!l.paused || now < resumeAccept_) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = l.fd;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, l.fd, &ev);
    l.paused = false;
  }
}

void EventLoop::run() {
  epoll_event events[kMaxEvents];
  auto lastSweep = Clock::now();
  while (!stopping_.load()) {
    const int n =
        ::epoll_wait(epoll_, events, kMaxEvents, static_cast<int>(kSweepInterval.count()));
    if (n < 0 && errno != EINTR) {
      logger_.error("event loop failed",
                    {{"listener", options_.name}, {"error", std::strerror(errno)}});
      break;
    }
    for (int i = 0; i < n && !stopping_.load(); ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_) {
        uint64_t count = 0;
        (void)!::read(wake_, &count, sizeof(count));
        takeAdopted();
        continue;
      }
      bool listener = false;
      for (Listening& l : listeners_) {
        if (l.fd != fd) continue;
        listener = true;
        acceptFrom(l);
      }
      if (!listener) advance(fd);
    }
    const auto now = Clock::now();
    if (now - lastSweep >= kSweepInterval) {
      sweep(now);
      lastSweep = now;
    }
  }
  {
    std::lock_guard lock(adoptMutex_);
    accepting_ = false;
    adopted_.clear();
  }
  waiting_.clear();
  for (const Listening& l : listeners_) ::close(l.fd);
  listeners_.clear();
}

}  // namespace berth::http
