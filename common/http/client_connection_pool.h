#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/http/client_options.h"
#include "common/http/client_url.h"

namespace httplib {
class Client;
}

namespace berth::http {

using Connection = httplib::Client;

// A configured cpp-httplib client for `origin`, not yet connected. One request at a time.
std::unique_ptr<Connection> openConnection(const Origin& origin, const ClientOptions& options);

// Connections to one origin, each lent to one request at a time (a cpp-httplib client is not
// safe for concurrent requests) and parked afterwards with its socket kept alive, so the next
// request skips the TCP and TLS handshakes. As many are open as requests run at once; at most
// maxIdleConnections stay parked.
class ConnectionPool {
 public:
  ConnectionPool(Origin origin, ClientOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  std::unique_ptr<Connection> acquire();
  // Takes back a connection after its request, whatever became of it: cpp-httplib reconnects a
  // client whose socket was closed, and a parked client keeps its TLS context.
  void release(std::unique_ptr<Connection> connection);
  // Parked connections whose socket is still open.
  size_t idleOpen() const;

 private:
  const Origin origin_;
  const ClientOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace berth::http
