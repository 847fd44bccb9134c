#pragma once

#include <memory>

namespace berth::common {
class RateLimiter;
}
namespace berth::http {
class Router;
}

namespace berth::registry {

class AuditLog;
class ProxyService;
struct RegistryContext;

// The OCI Distribution API on /v2: admits (rate limit), authorizes, asks the policy, then hands
// each request to its handler or to the pull-through cache, and counts and audits it. It owns
// nothing: server/ builds the stores, auth, audit log and cache it is given, and keeps them.
class RegistryService {
 public:
  // `proxy` is null when no upstream is configured.
  RegistryService(RegistryContext& context, common::RateLimiter& rateLimiter, AuditLog& audit,
                  ProxyService* proxy);
  ~RegistryService();
  RegistryService(const RegistryService&) = delete;
  RegistryService& operator=(const RegistryService&) = delete;

  // Mounts /v2/... (one catch-all route, dispatched by our own router).
  void registerRoutes(http::Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::registry
