#include "server/listener.h"

#include "common/http/server.h"
#include "webhook-certs/tls_reloader.h"

namespace berth::server {

Listener::Listener(Options options, common::Logger& logger)
    : options_(std::move(options)), logger_(logger) {}

Listener::~Listener() { stop(); }

common::Status Listener::prepare() {
  http::ServerOptions server;
  server.name = options_.name;
  server.threads = options_.threads;
  server.maxThreads = options_.maxThreads;
  server.readTimeout = std::chrono::seconds(options_.readTimeoutSeconds);
  server.headTimeout = server.readTimeout;
  if (options_.tls.enabled()) {
    tls_ = std::make_unique<webhook_certs::TlsReloader>(options_.tls.certFile, options_.tls.keyFile,
                                                        logger_);
    BERTH_TRY(tls_->loadInitial());
    auto* reloader = tls_.get();
    server.tlsSetup = [reloader](SSL_CTX& ctx) { return reloader->configure(ctx); };
  }
  server_ = std::make_unique<http::Server>(std::move(server), logger_);
  if (!server_->prepare()) {
    return common::Error{common::ErrorCode::InvalidArgument,
                         options_.name + ": cannot set up TLS with " + options_.tls.certFile +
                             " and " + options_.tls.keyFile};
  }
  return {};
}

http::Router& Listener::router() { return server_->router(); }

common::Result<int> Listener::bind() {
  BERTH_TRY_ASSIGN(auto hostPort, common::parseHostPort(options_.address));
  auto port = server_->bind(hostPort.host, hostPort.port);
  if (!port) {
    return common::Error{
        common::ErrorCode::Unavailable,
        options_.name + ": cannot listen on " + options_.address + ": " + port.error().detail};
  }
  return port;
}

common::Status Listener::startServing() { return server_->start(); }

void Listener::stop() {
  if (server_) server_->stop();
}

bool Listener::checkTls() { return tls_ ? tls_->checkNow() : false; }

}  // namespace berth::server
