#pragma once

#include <memory>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"

namespace berth::registry {
class NodeProxyService;
}

namespace berth::server {

// The node-local endpoint, put together from the nodeProxy config: the client for the registry
// Service, the cache directory and the stores on it, and the service that serves /v2 from them.
// It owns every part.
class NodeProxyAssembly {
 public:
  // Creates the cache directory and indexes what it holds.
  static common::Result<std::unique_ptr<NodeProxyAssembly>> open(
      const common::NodeProxyConfig& config, common::Logger& logger, common::Metrics& metrics,
      const common::Clock& clock);

  ~NodeProxyAssembly();
  NodeProxyAssembly(const NodeProxyAssembly&) = delete;
  NodeProxyAssembly& operator=(const NodeProxyAssembly&) = delete;

  registry::NodeProxyService& service();
  void stop();

 private:
  struct Parts;
  explicit NodeProxyAssembly(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace berth::server
