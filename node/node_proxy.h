#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"

namespace berth::http {
class Client;
class Router;
}  // namespace berth::http

namespace berth::registry {

class AnonymousPullRecords;
class BlobStore;
class StorageDriver;
class UploadStore;

// What the node endpoint works with; server/node_proxy_assembly builds them from the
// nodeProxy config and keeps them.
struct NodeProxyParts {
  http::Client& registry;     // the registry Service: kept-alive connections every request shares
  std::string basePath;       // a path prefix of the registry URL, usually ""
  std::string authorization;  // the node's own credential for blob fetches; "" when none
  StorageDriver& cache;       // the node cache directory
  BlobStore& blobs;
  UploadStore& uploads;
  AnonymousPullRecords& anonymousPulls;
};

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
  NodeProxyService(const common::NodeProxyConfig& config, NodeProxyParts parts,
                   common::Logger& logger, common::Metrics& metrics, const common::Clock& clock);
  ~NodeProxyService();
  NodeProxyService(const NodeProxyService&) = delete;
  NodeProxyService& operator=(const NodeProxyService&) = delete;

  // Drops upload sessions an earlier run left and indexes the blobs the cache holds.
  void indexCache();
  void registerRoutes(http::Router& router);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::registry
