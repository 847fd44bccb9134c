#include "common/http/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "common/http/connection_limits.h"
#include "common/http/elastic_thread_pool.h"
#include "common/http/event_loop.h"
#include "common/http/request_runner.h"
#include "common/http/tls_context.h"

namespace berth::http {

using common::Error;
using common::ErrorCode;

namespace {

// Descriptors beyond the connection cap: listeners, storage files, outgoing connections.
constexpr rlim_t kSpareDescriptors = 256;

// The soft open-file limit (often 1024) would stop accepting long before the connection caps.
void raiseOpenFileLimit(const ServerOptions& options, common::Logger& logger) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t needed = static_cast<rlim_t>(options.maxConnections) + kSpareDescriptors;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    logger.warn("the open-file limit is below what the connection cap needs",
                {{"listener", options.name},
                 {"limit", static_cast<uint64_t>(limit.rlim_cur)},
                 {"maxConnections", options.maxConnections}});
  }
}

// Connections being served by workers, so that stop() can cut them.
class ActiveConnections {
 public:
  void add(const std::shared_ptr<Connection>& conn) {
    std::lock_guard lock(mutex_);
    active_.insert(conn);
  }
  void remove(const std::shared_ptr<Connection>& conn) {
    std::lock_guard lock(mutex_);
    active_.erase(conn);
    if (active_.empty()) empty_.notify_all();
  }
  // Waits until none is left or `until` passes.
  bool waitEmpty(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    return empty_.wait_until(lock, until, [&] { return active_.empty(); });
  }
  void shutdownAll(int how) {
    std::lock_guard lock(mutex_);
    for (const auto& conn : active_) conn->shutdownSocket(how);
  }

 private:
  std::mutex mutex_;
  std::condition_variable empty_;
  std::set<std::shared_ptr<Connection>> active_;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, common::Logger& l)
      : options(std::move(o)),
        logger(l),
        limits(options.maxConnections, options.maxConnectionsPerClient),
        runner(options, router, logger, stopping) {}

  void serve(std::shared_ptr<Connection> conn, ServerRequest req);

  ServerOptions options;
  common::Logger& logger;
  Router router;
  ConnectionLimits limits;
  std::atomic<bool> stopping{false};
  RequestRunner runner;
  TlsContext tls;
  std::unique_ptr<ElasticThreadPool> pool;
  std::unique_ptr<EventLoop> loop;
  ActiveConnections active;
  std::thread loopThread;
  bool started = false;
  bool stopped = false;
};

void Server::Impl::serve(std::shared_ptr<Connection> conn, ServerRequest req) {
  active.add(conn);
  std::shared_ptr<Connection> parked = runner.run(conn, std::move(req));
  active.remove(conn);
  if (parked) loop->adopt(std::move(parked));
}

Server::Server(ServerOptions options, common::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), logger)) {
  // A client that goes away mid-response must not kill the process: TLS writes go through
  // write(2), which raises SIGPIPE where send(MSG_NOSIGNAL) would not.
  ::signal(SIGPIPE, SIG_IGN);
}

Server::~Server() { stop(); }

Router& Server::router() { return impl_->router; }

common::Status Server::prepare() {
  auto& s = *impl_;
  if (!s.tls && s.options.tlsSetup) {
    s.tls = makeServerTlsContext(s.options.tlsSetup);
    if (!s.tls) {
      return Error{ErrorCode::InvalidArgument, s.options.name + ": cannot set up TLS"};
    }
  }
  if (!s.loop) {
    Impl* impl = impl_.get();
    s.loop = std::make_unique<EventLoop>(
        s.options, s.router, s.limits, s.tls.get(), s.logger,
        [impl](std::shared_ptr<Connection> conn, ServerRequest req) {
          impl->pool->enqueue([impl, conn = std::move(conn), req = std::move(req)]() mutable {
            impl->serve(std::move(conn), std::move(req));
          });
        });
    BERTH_TRY(s.loop->open());
  }
  return {};
}

common::Result<int> Server::bind(const std::string& host, int port) {
  BERTH_TRY(prepare());
  auto& s = *impl_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc =
      ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return Error{ErrorCode::Unavailable, s.options.name + ": cannot resolve " + host,
                 ::gai_strerror(rc)};
  }
  std::string failure = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // No SO_REUSEPORT: a second server on the same port must fail, not share the connections.
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      failure = std::strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t size = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
    const int boundPort = bound.ss_family == AF_INET6
                              ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                              : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    ::freeaddrinfo(found);
    s.loop->addListener(fd, boundPort);
    return boundPort;
  }
  ::freeaddrinfo(found);
  return Error{ErrorCode::Unavailable,
               s.options.name + ": cannot listen on " + host + ":" + std::to_string(port), failure};
}

common::Status Server::start() {
  auto& s = *impl_;
  if (s.started) return {};
  BERTH_TRY(prepare());
  raiseOpenFileLimit(s.options, s.logger);
  s.pool = std::make_unique<ElasticThreadPool>(s.options.threads, s.options.maxThreads,
                                               s.options.idleThreadExit);
  s.started = true;
  s.loopThread = std::thread([loop = s.loop.get()] { loop->run(); });
  return {};
}

void Server::stop() {
  auto& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  if (s.loop) s.loop->stop();
  if (s.loopThread.joinable()) s.loopThread.join();
  if (s.pool) {
    // Requests in progress answer and close (no keep-alive while stopping).
    if (!s.active.waitEmpty(std::chrono::steady_clock::now() + s.options.stopGrace)) {
      s.active.shutdownAll(SHUT_RDWR);
    }
    s.pool->shutdown();
  }
  if (!s.started) s.loop.reset();  // closes listeners that never served
}

size_t Server::connections() const { return impl_->limits.total(); }

size_t Server::workers() const { return impl_->pool ? impl_->pool->threadCount() : 0; }

size_t Server::refusedConnections() const {
  return impl_->loop ? impl_->loop->refusedConnections() : 0;
}

}  // namespace berth::http
