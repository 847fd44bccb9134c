#pragma once

#include <memory>
#include <string_view>

#include "common/http/client_error.h"
#include "common/http/client_options.h"
#include "common/http/client_request.h"
#include "common/http/client_response.h"
#include "common/http/client_url.h"
#include "common/result.h"

namespace berth::http {

class ConnectionPool;

// The one HTTP(S) client of Berth, for one origin (scheme://host:port). Safe to share between
// threads: each request borrows one of a pool of kept-alive connections. Every transport
// failure comes back as the same common::Error for the same cause (client_error.h); every HTTP
// status is a Response. Redirects are followed as ClientOptions says, without Authorization
// once they leave the current origin; a hop to another origin uses a connection of its own.
class Client {
 public:
  static common::Result<Client> create(std::string_view baseUrl, ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  common::Result<Response> send(const Request& request) const;

  const Origin& origin() const { return origin_; }
  const ClientOptions& options() const { return options_; }
  // Connections parked for reuse with their socket open.
  size_t idleConnections() const;

 private:
  Client(Origin origin, ClientOptions options);

  Origin origin_;
  ClientOptions options_;
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace berth::http
