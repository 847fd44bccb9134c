#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "common/config.h"
#include "common/metrics.h"
#include "common/result.h"
#include "registry/proxy/upstreams.h"

namespace berth::registry {

class AuditLog;
struct Exchange;
struct RegistryContext;
struct Route;

// The pull-through cache: requests for repositories under a configured upstream (by encoded
// host, alias, or the containerd mirror form `?ns=<host>`) are served from the store, and
// fetched from the upstream on a miss. Cached content lives in the ordinary content-addressed
// store under "<encoded host>/<path>", so catalog and tags list it like any repository.
class ProxyService {
 public:
  ProxyService(const common::ProxyConfig& config, RegistryContext& ctx, AuditLog& audit,
               common::Metrics& metrics);
  ~ProxyService();
  ProxyService(const ProxyService&) = delete;
  ProxyService& operator=(const ProxyService&) = delete;

  // Reads the docker config Secret and indexes the content already cached.
  common::Status open();
  // The upstream a request is for; nothing for local repositories.
  std::optional<UpstreamTarget> match(const Route& route, std::string_view ns) const;
  // Serves a request whose route name is already the store name of `target`. Writes are
  // DENIED: a proxied repository mirrors its upstream.
  common::Status handle(Exchange& ex, const UpstreamTarget& target);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::registry
