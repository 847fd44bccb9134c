#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/config.h"
#include "common/http/client.h"
#include "common/result.h"

namespace berth::registry {

// The HTTP clients of the pull-through cache, with its timeout towards upstreams. Each configured
// upstream gets one pooled client, kept for the process's life and shared by every pull (thread-
// safe); addresses an upstream names (token realms) get a client per use, so an upstream cannot
// make us keep connections to hosts of its choosing.
class UpstreamConnections {
 public:
  explicit UpstreamConnections(int64_t timeoutSeconds);

  // The upstream's client at UpstreamTable::baseUrl: redirects (to CDNs) are followed without
  // Authorization once they leave it, and `insecure` skips certificate checks, as configured.
  common::Result<const http::Client*> upstream(const common::ProxyUpstream& upstream);
  // A client for one request to `origin`, following no redirects.
  common::Result<http::Client> oneOff(const std::string& origin, bool insecure) const;

 private:
  http::ClientOptions options(bool insecure, int maxRedirects) const;

  const int64_t timeoutSeconds_;
  std::mutex mutex_;
  // By base URL and insecure flag; never erased, so the clients stay where they are.
  std::map<std::string, http::Client> clients_;
};

}  // namespace berth::registry
