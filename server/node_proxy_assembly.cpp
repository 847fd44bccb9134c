#include "server/node_proxy_assembly.h"

#include <filesystem>

#include "common/http/client.h"
#include "common/http/client_url.h"
#include "node/anonymous_pulls.h"
#include "node/node_proxy.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "registry/storage/upload_store.h"

namespace berth::server {

using common::Error;
using common::ErrorCode;

namespace {

// Upload sessions here are the node's own fetches into the cache: one lasts as long as the
// blob takes to arrive.
constexpr int64_t kCacheFetchExpirySeconds = 3600;

http::ClientOptions registryClientOptions(const common::NodeProxyConfig& config) {
  http::ClientOptions options;
  options.connectTimeout = std::chrono::seconds(10);
  options.readTimeout = std::chrono::seconds(60);
  options.writeTimeout = std::chrono::seconds(5);  // requests without bodies
  options.tls.caFile = config.caFile;
  options.tls.insecureSkipVerify = config.insecure;
  // No connection is parked between requests (one per request, as before the shared client):
  // the client does not retry a request on a parked connection the registry has just closed
  // (its keep-alive timeout, a rollout), so parking one would turn those into failed pulls.
  options.maxIdleConnections = 0;
  return options;
}

}  // namespace

struct NodeProxyAssembly::Parts {
  std::unique_ptr<http::Client> registry;
  std::unique_ptr<registry::FilesystemDriver> cache;
  std::unique_ptr<registry::BlobStore> blobs;
  std::unique_ptr<registry::UploadStore> uploads;
  std::unique_ptr<registry::AnonymousPullRecords> anonymousPulls;
  std::unique_ptr<registry::NodeProxyService> service;
};

common::Result<std::unique_ptr<NodeProxyAssembly>> NodeProxyAssembly::open(
    const common::NodeProxyConfig& config, common::Logger& logger, common::Metrics& metrics,
    const common::Clock& clock) {
  auto split = http::splitUrl(config.upstreamRegistry);
  if (!split) {
    return Error{ErrorCode::InvalidArgument,
                 "nodeProxy.upstreamRegistry is not a URL: " + config.upstreamRegistry};
  }
  auto client = http::Client::create(split->first, registryClientOptions(config));
  if (!client) {
    return Error{ErrorCode::InvalidArgument,
                 "nodeProxy.upstreamRegistry is not a URL: " + config.upstreamRegistry,
                 client.error().message};
  }
  std::string basePath = split->second == "/" ? "" : split->second;
  while (!basePath.empty() && basePath.back() == '/') basePath.pop_back();
  BERTH_TRY_ASSIGN(std::string authorization, common::registryClientAuthorization(
                                                  config.registryAuth, "nodeProxy.registryAuth"));
  std::error_code ec;
  std::filesystem::create_directories(config.cacheDir, ec);
  if (ec) {
    return Error{ErrorCode::Unavailable,
                 "cannot create node cache directory " + config.cacheDir + ": " + ec.message()};
  }
  auto p = std::make_unique<Parts>();
  p->registry = std::make_unique<http::Client>(std::move(*client));
  // The cache can be refetched, so it is not fsynced.
  p->cache = std::make_unique<registry::FilesystemDriver>(config.cacheDir,
                                                          registry::parseDurability("none"));
  p->blobs = std::make_unique<registry::BlobStore>(*p->cache);
  p->uploads = std::make_unique<registry::UploadStore>(*p->cache, *p->blobs, clock,
                                                       kCacheFetchExpirySeconds);
  p->anonymousPulls = std::make_unique<registry::AnonymousPullRecords>(*p->cache);
  p->service = std::make_unique<registry::NodeProxyService>(
      config,
      registry::NodeProxyParts{*p->registry, std::move(basePath), std::move(authorization),
                               *p->cache, *p->blobs, *p->uploads, *p->anonymousPulls},
      logger, metrics, clock);
  p->service->indexCache();
  return std::unique_ptr<NodeProxyAssembly>(new NodeProxyAssembly(std::move(p)));
}

NodeProxyAssembly::NodeProxyAssembly(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

NodeProxyAssembly::~NodeProxyAssembly() { stop(); }

registry::NodeProxyService& NodeProxyAssembly::service() { return *parts_->service; }

void NodeProxyAssembly::stop() { parts_->service->stop(); }

}  // namespace berth::server
