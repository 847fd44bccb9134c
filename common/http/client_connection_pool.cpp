#include "common/http/client_connection_pool.h"

#include <httplib.h>

namespace berth::http {

std::unique_ptr<Connection> openConnection(const Origin& origin, const ClientOptions& options) {
  auto connection = std::make_unique<Connection>(origin.str());
  connection->set_keep_alive(true);
  connection->set_tcp_nodelay(true);       // no 40 ms delayed-ACK stall between headers and body
  connection->set_follow_location(false);  // redirects are followed in client.cpp, by policy
  connection->set_url_encode(false);       // targets go out exactly as the caller wrote them
  connection->set_decompress(options.decompress);
  if (origin.scheme == "https") {
    connection->enable_server_certificate_verification(!options.tls.insecureSkipVerify);
    if (!options.tls.caFile.empty()) connection->set_ca_cert_path(options.tls.caFile);
  }
  return connection;
}

ConnectionPool::ConnectionPool(Origin origin, ClientOptions options)
    : origin_(std::move(origin)), options_(std::move(options)) {}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<Connection> ConnectionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return openConnection(origin_, options_);
}

void ConnectionPool::release(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    if (idle_.size() < options_.maxIdleConnections) {
      idle_.push_back(std::move(connection));
      return;
    }
  }
  connection.reset();  // closed outside the lock
}

size_t ConnectionPool::idleOpen() const {
  std::lock_guard lock(mutex_);
  size_t open = 0;
  for (const auto& connection : idle_) open += connection->is_socket_open() > 0 ? 1 : 0;
  return open;
}

}  // namespace berth::http
