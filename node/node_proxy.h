#pragma once

#include <memory>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"

namespace httplib {
class Server;
}

namespace berth::registry {

// The node-local pull-only endpoint a DaemonSet runs on every node (host network, loopback):
// containerd and CRI-O pull plain HTTP from localhost with no node configuration, and this
// forwards GET/HEAD /v2/... to the registry Service, passing Authorization through. Blobs are
// kept in a node-local, verified, size-bounded cache, so each blob crosses the network once
// per node; every read is authorized by a HEAD to the registry with the client's own
// credential, and the bytes are fetched with the node's (nodeProxy.registryAuth). While the
// registry is unreachable only blobs it serves anonymously in that repository leave the cache.
// Writes are refused with UNSUPPORTED.
class NodeProxyService {
 public:
  NodeProxyService(const common::NodeProxyConfig& config, common::Logger& logger,
                   common::Metrics& metrics, const common::Clock& clock);
  ~NodeProxyService();
  NodeProxyService(const NodeProxyService&) = delete;
  NodeProxyService& operator=(const NodeProxyService&) = delete;

  // Creates the cache directory and indexes what it holds.
  common::Status open();
  void registerRoutes(httplib::Server& server);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::registry
