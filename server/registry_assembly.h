#pragma once

#include <memory>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"
#include "policy/policy.h"

namespace berth::registry {
class RegistryService;
}

namespace berth::server {

// The registry, put together from its config: the storage driver and the stores on it, the rate
// limiter and upload quota, auth, the audit log, the policy gate, the pull-through cache, the
// background maintenance, and the service that serves /v2 with them. It owns every part.
class RegistryAssembly {
 public:
  // What open() checks before it touches storage or files it would write: the htpasswd file and
  // its hashes, the access rules, the token key and the upstreams' docker config. `berth serve
  // --check-config` runs exactly this, so a config it passes does not fail to start on these.
  static common::Status validate(const common::RegistryConfig& config, common::Logger& logger);

  // Opens storage, auth, the audit log and the cache index, and starts maintenance; an error
  // here stops the server from starting.
  static common::Result<std::unique_ptr<RegistryAssembly>> open(
      const common::RegistryConfig& config, policy::PolicySource& policy, common::Logger& logger,
      common::Metrics& metrics, const common::Clock& clock);

  ~RegistryAssembly();
  RegistryAssembly(const RegistryAssembly&) = delete;
  RegistryAssembly& operator=(const RegistryAssembly&) = delete;

  registry::RegistryService& service();
  // Stops background work (maintenance, cache fetches); requests in flight still finish.
  void stop();

 private:
  struct Parts;
  explicit RegistryAssembly(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace berth::server
