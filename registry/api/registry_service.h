#pragma once

#include <memory>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"
#include "policy/policy.h"

namespace httplib {
class Server;
}

namespace berth::registry {

// The OCI Distribution registry: owns the store, auth and audit log; the server owns it and
// mounts its routes on the registry listener.
class RegistryService {
 public:
  RegistryService(const common::RegistryConfig& config, policy::PolicySource& policy,
                  common::Logger& logger, common::Metrics& metrics, const common::Clock& clock);
  ~RegistryService();
  RegistryService(const RegistryService&) = delete;
  RegistryService& operator=(const RegistryService&) = delete;

  // What open() checks before it touches storage or files it would write: the htpasswd file and
  // its hashes, the access rules, the token key and the upstreams' docker config. `berth serve
  // --check-config` runs exactly this, so a config it passes does not fail to start on these.
  static common::Status validate(const common::RegistryConfig& config, common::Logger& logger);
  // Opens storage, auth and the audit log; an error here stops the server from starting.
  common::Status open();
  // Mounts /v2/... (one catch-all route, dispatched by our own router).
  void registerRoutes(httplib::Server& server);
  // Stops background work (online GC, upload expiry).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::registry
