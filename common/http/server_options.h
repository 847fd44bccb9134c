#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/http/head_parser.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace berth::http {

// Everything a Server is configured with. The defaults suit a registry in a cluster.
struct ServerOptions {
  std::string name = "http";  // in log lines

  // Worker threads: `threads` are kept, more are added while every one is busy, up to
  // maxThreads; further requests queue. A thread serves a request from its complete head to
  // the end of its response; slow or idle clients never hold one.
  size_t threads = 8;
  size_t maxThreads = 1024;
  std::chrono::milliseconds idleThreadExit{std::chrono::seconds(60)};

  HeadLimits head;
  // The whole request head must arrive within this, from its first byte (from the accept, TLS
  // handshake included, for a connection's first request). Not restarted by each byte.
  std::chrono::milliseconds headTimeout{std::chrono::seconds(30)};
  // A connection with no request in progress is closed after this.
  std::chrono::milliseconds keepAliveTimeout{std::chrono::seconds(30)};
  // Each read of a request body by a handler waits at most this for the client.
  std::chrono::milliseconds readTimeout{std::chrono::seconds(30)};
  // Each write of a response waits at most this for the client.
  std::chrono::milliseconds writeTimeout{std::chrono::seconds(30)};

  // Open connections: in all, and from one client address (excess ones are closed at once).
  size_t maxConnections = 10000;
  size_t maxConnectionsPerClient = 64;
  // A body a handler left unread is read and dropped up to this size to keep the connection;
  // a larger one closes it.
  uint64_t drainBytes = 64 * 1024;
  // stop() lets requests in progress finish for this long, then cuts their connections.
  std::chrono::milliseconds stopGrace{std::chrono::seconds(5)};

  // Set: TLS (1.2 and newer). Called once on the server's SSL_CTX to install the certificate
  // (or a certificate callback); false fails start-up.
  std::function<bool(SSL_CTX&)> tlsSetup;
};

}  // namespace berth::http
