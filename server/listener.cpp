#include "server/listener.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "server/elastic_thread_pool.h"
#include "webhook-certs/tls_reloader.h"

namespace berth::server {

namespace {

// httplib 0.11 bounds each header line (8 KiB) but not how many there are.
constexpr size_t kMaxHeaderBytes = 64 * 1024;

// Threads added above Options::threads for connections that find none idle end after this long
// without work.
constexpr std::chrono::seconds kExtraThreadIdleExit{60};

}  // namespace

Listener::Listener(Options options, common::Logger& logger)
    : options_(std::move(options)), logger_(logger) {}

Listener::~Listener() { stop(); }

common::Status Listener::prepare() {
  if (options_.tls.enabled()) {
    tls_ = std::make_unique<webhook_certs::TlsReloader>(options_.tls.certFile,
                                                        options_.tls.keyFile, logger_);
    BERTH_TRY(tls_->loadInitial());
    auto* reloader = tls_.get();
    server_ = std::make_unique<httplib::SSLServer>(
        [reloader](SSL_CTX& ctx) { return reloader->configure(ctx); });
    if (!server_->is_valid()) {
      return common::Error{common::ErrorCode::InvalidArgument,
                           options_.name + ": cannot set up TLS with " + options_.tls.certFile +
                               " and " + options_.tls.keyFile};
    }
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  const size_t threads = options_.threads;
  const size_t maxThreads = options_.maxThreads;
  server_->new_task_queue = [threads, maxThreads] {
    return new ElasticThreadPool(threads, maxThreads, kExtraThreadIdleExit);
  };
  server_->set_keep_alive_max_count(10000);
  server_->set_keep_alive_timeout(30);
  server_->set_read_timeout(options_.readTimeoutSeconds, 0);
  server_->set_write_timeout(30, 0);
  server_->set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second server silently share
  // the port (and half the connections); a busy port must be an error instead.
  server_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listenSocket_ = sock;  // the last one offered is the one httplib binds
  });
  if (options_.payloadMaxBytes > 0) server_->set_payload_max_length(options_.payloadMaxBytes);
  // Requests whose header fields add up to more than kMaxHeaderBytes are refused before any
  // handler (or body read) runs.
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    size_t total = 0;
    for (const auto& [name, value] : req.headers) total += name.size() + value.size() + 4;
    if (total <= kMaxHeaderBytes) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 431;
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  return {};
}

httplib::Server& Listener::server() { return *server_; }

common::Result<int> Listener::bind() {
  BERTH_TRY_ASSIGN(auto hostPort, common::parseHostPort(options_.address));
  int port = hostPort.port;
  if (port == 0) {
    port = server_->bind_to_any_port(hostPort.host.c_str());
  } else if (!server_->bind_to_port(hostPort.host.c_str(), port)) {
    port = -1;
  }
  if (port < 0) {
    return common::Error{common::ErrorCode::Unavailable,
                         options_.name + ": cannot listen on " + options_.address};
  }
  // httplib 0.11 listens with a backlog of 5. When more clients connect at once (64 keep-alive
  // connections from wrk; every node of a cluster after a rollout) the kernel drops the rest of
  // the handshakes and those clients wait a 1 s SYN-ACK retransmission: p99 latencies of
  // 200-700 ms and timeouts, with the server idle. Listening again only raises the backlog.
  if (listenSocket_ >= 0) ::listen(listenSocket_, SOMAXCONN);
  return port;
}

void Listener::startServing() {
  listenReturned_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listenReturned_ = true;
  });
  // httplib's stop() does nothing to a server whose accept loop has not started yet, so a stop()
  // right after this would be lost and the join would wait forever.
  while (!server_->is_running() && !listenReturned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void Listener::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

bool Listener::checkTls() { return tls_ ? tls_->checkNow() : false; }

}  // namespace berth::server
