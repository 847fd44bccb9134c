#pragma once

#include <memory>
#include <string>

#include "common/config.h"
#include "common/log.h"
#include "common/result.h"

namespace berth::http {
class Router;
class Server;
}  // namespace berth::http

namespace berth::webhook_certs {
class TlsReloader;
}

namespace berth::server {

// One HTTP or HTTPS listener: Berth's HTTP server (common/http) on one address, with its TLS
// files reloaded when they change.
class Listener {
 public:
  struct Options {
    std::string name;  // "registry", "webhook": for logs
    std::string address;
    common::TlsFiles tls;
    size_t threads = 32;       // workers kept alive; a request holds one until it is answered
    size_t maxThreads = 1024;  // workers are added up to this; further requests queue
    // A client silent this long in the middle of a request body is disconnected, and a request
    // head must arrive whole within it.
    time_t readTimeoutSeconds = common::kDefaultReadTimeoutSeconds;
  };

  Listener(Options options, common::Logger& logger);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Builds the server (loading TLS files); routes are added to router() after this.
  common::Status prepare();
  http::Router& router();
  // Binds; returns the bound port (useful with port 0) or an error.
  common::Result<int> bind();
  common::Status startServing();
  void stop();
  // Re-reads changed TLS files; true when a new certificate was installed.
  bool checkTls();

 private:
  Options options_;
  common::Logger& logger_;
  std::unique_ptr<webhook_certs::TlsReloader> tls_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace berth::server
