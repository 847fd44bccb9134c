#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/config.h"
#include "common/log.h"
#include "common/result.h"

namespace httplib {
class Server;
}

namespace berth::webhook_certs {
class TlsReloader;
}

namespace berth::server {

// One HTTP or HTTPS listener with its own elastic thread pool, started on a background thread.
class Listener {
 public:
  struct Options {
    std::string name;  // "registry", "webhook": for logs
    std::string address;
    common::TlsFiles tls;
    size_t threads = 32;  // kept alive; one connection holds one for as long as it stays open
    size_t payloadMaxBytes = 0;  // 0: unlimited (the handlers stream and bound what they read)
    size_t maxThreads = 1024;    // threads are added up to this; further connections queue
    // A client silent this long mid-request is disconnected.
    time_t readTimeoutSeconds = common::kDefaultReadTimeoutSeconds;
  };

  Listener(Options options, common::Logger& logger);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Builds the server (loading TLS files); routes are registered on server() after this.
  common::Status prepare();
  httplib::Server& server();
  // Binds; returns the bound port (useful with port 0) or an error.
  common::Result<int> bind();
  void startServing();
  void stop();
  // Re-reads changed TLS files; true when a new certificate was installed.
  bool checkTls();

 private:
  Options options_;
  common::Logger& logger_;
  std::unique_ptr<webhook_certs::TlsReloader> tls_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int listenSocket_ = -1;
  std::atomic<bool> listenReturned_{false};
};

}  // namespace berth::server
