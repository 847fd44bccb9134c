#pragma once

#include <memory>
#include <string>

#include "common/http/router.h"
#include "common/http/server_options.h"
#include "common/log.h"
#include "common/result.h"

namespace berth::http {

// Berth's HTTP/1.1 server: an epoll loop owns the connections between requests (see
// EventLoop) and an elastic pool of workers runs the handlers (see RequestRunner). Routes are
// added to router() before start(); bind() may be called for several addresses.
class Server {
 public:
  Server(ServerOptions options, common::Logger& logger);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Router& router();
  // Sets up TLS when configured; bind() and start() do it when not done yet.
  common::Status prepare();
  // Listens on host:port (port 0: one the kernel picks); the bound port.
  common::Result<int> bind(const std::string& host, int port);
  // Serves on background threads. Raises the open-file soft limit to the hard one first.
  common::Status start();
  // Stops accepting, closes waiting connections, lets requests in progress finish within
  // ServerOptions::stopGrace and then cuts them, and joins every thread.
  void stop();

  size_t connections() const;         // open, waiting or being served
  size_t workers() const;             // live worker threads
  size_t refusedConnections() const;  // closed at once by a connection cap

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::http
