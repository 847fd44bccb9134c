#include "server/listener.h"

#include <httplib.h>

#include "webhook-certs/tls_reloader.h"

namespace berth::server {

namespace {

// httplib 0.11 bounds each header line (8 KiB) but not how many there are.
constexpr size_t kMaxHeaderBytes = 64 * 1024;

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
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_max_count(10000);
  server_->set_keep_alive_timeout(30);
  server_->set_read_timeout(30, 0);
  server_->set_write_timeout(30, 0);
  server_->set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second server silently share
  // the port (and half the connections); a busy port must be an error instead.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
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
  return port;
}

void Listener::startServing() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void Listener::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

bool Listener::checkTls() { return tls_ ? tls_->checkNow() : false; }

}  // namespace berth::server
