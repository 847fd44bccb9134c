#include "server/registry_assembly.h"

#include "common/rate_limiter.h"
#include "registry/api/exchange.h"
#include "registry/api/policy_gate.h"
#include "registry/api/pull_through.h"
#include "registry/api/registry_metrics.h"
#include "registry/api/registry_service.h"
#include "registry/audit/audit_log.h"
#include "registry/auth/authorizer.h"
#include "registry/proxy/credentials.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver_factory.h"
#include "registry/storage/garbage_collector.h"
#include "registry/storage/manifest_store.h"
#include "registry/storage/repositories.h"
#include "registry/storage/store_maintenance.h"
#include "registry/storage/upload_quota.h"
#include "registry/storage/upload_store.h"

namespace berth::server {

using registry::AuditLog;
using registry::Authorizer;
using registry::AuthorizerOptions;
using registry::BlobStore;
using registry::ManifestStore;
using registry::OpenedStorage;
using registry::PolicyGate;
using registry::ProxyService;
using registry::RegistryContext;
using registry::RegistryMetrics;
using registry::RegistryService;
using registry::Repositories;
using registry::StorageDriver;
using registry::StoreMaintenance;
using registry::StoreMaintenanceOptions;
using registry::StoreUsage;
using registry::UploadQuota;
using registry::UploadQuotaOptions;
using registry::UploadStore;

namespace {

AuthorizerOptions authorizerOptions(const common::RegistryConfig& config) {
  AuthorizerOptions options;
  options.tls = config.tls.enabled();
  return options;
}

}  // namespace

// Declared in the order they are built: each part refers only to parts above it, and members
// are destroyed in reverse.
struct RegistryAssembly::Parts {
  Parts(const common::RegistryConfig& c, common::Metrics& m, const common::Clock& clock)
      : metrics(m),
        rateLimiter(common::RateLimiterOptions{static_cast<double>(c.limits.requestsPerSecond),
                                               static_cast<double>(c.limits.burst)},
                    clock),
        uploadQuota(UploadQuotaOptions{
            c.limits.maxUploadSessionsPerUser, c.limits.maxUploadSessionsPerRepository,
            c.limits.maxBlobBytes, [this](const char* limit) { metrics.limitRefused(limit); }}) {}

  RegistryMetrics metrics;
  common::RateLimiter rateLimiter;
  UploadQuota uploadQuota;
  std::unique_ptr<StorageDriver> driver;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<UploadStore> uploads;
  std::unique_ptr<ManifestStore> manifests;
  std::unique_ptr<Repositories> repositories;
  std::unique_ptr<Authorizer> auth;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<PolicyGate> gate;
  std::unique_ptr<RegistryContext> context;
  std::unique_ptr<ProxyService> proxy;  // set when upstreams are configured
  std::unique_ptr<StoreMaintenance> maintenance;
  std::unique_ptr<RegistryService> service;
};

common::Status RegistryAssembly::validate(const common::RegistryConfig& config,
                                          common::Logger& logger) {
  common::SystemClock clock;
  BERTH_TRY(Authorizer::create(config.auth, logger, clock, authorizerOptions(config)));
  BERTH_TRY(registry::loadDockerConfigJson(config.proxy.dockerConfigJson));
  return {};
}

common::Result<std::unique_ptr<RegistryAssembly>> RegistryAssembly::open(
    const common::RegistryConfig& config, policy::PolicySource& policy, common::Logger& logger,
    common::Metrics& metrics, const common::Clock& clock) {
  BERTH_TRY(validate(config, logger));
  auto p = std::make_unique<Parts>(config, metrics, clock);
  BERTH_TRY_ASSIGN(OpenedStorage storage, registry::openStorage(config, clock));
  p->driver = std::move(storage.driver);
  p->blobs = std::make_unique<BlobStore>(*p->driver);
  p->uploads = std::make_unique<UploadStore>(*p->driver, *p->blobs, clock,
                                             config.uploadExpirySeconds, &p->uploadQuota);
  p->manifests = std::make_unique<ManifestStore>(*p->driver, *p->blobs, config.maxManifestBytes);
  p->repositories = std::make_unique<Repositories>(*p->blobs, *p->manifests);
  BERTH_TRY_ASSIGN(p->auth,
                   Authorizer::create(config.auth, logger, clock, authorizerOptions(config)));
  BERTH_TRY_ASSIGN(p->audit, AuditLog::open(config.audit));
  p->gate = std::make_unique<PolicyGate>(policy, logger, config.proxy);
  p->context = std::make_unique<RegistryContext>(
      RegistryContext{config, logger, clock, policy, *p->driver, *p->blobs, *p->uploads,
                      *p->manifests, *p->auth, p->metrics, *p->repositories, *p->gate});
  if (config.proxy.enabled()) {
    p->proxy = std::make_unique<ProxyService>(config.proxy, *p->context, *p->audit, metrics);
    BERTH_TRY(p->proxy->open());
  }
  // Measuring reads the size of every blob: one HEAD request each on S3, too many at startup
  // for a large bucket, so the stored-bytes gauges are left out there.
  const bool measures = !config.s3.enabled();
  StoreUsage usage;
  if (measures) {
    BERTH_TRY_ASSIGN(usage, registry::measureStore(*p->driver));
    p->metrics.setStored(usage.bytes, usage.blobs);
  }
  logger.info("registry storage opened", {{"path", storage.description},
                                          {"durability", config.durability},
                                          {"blobs", usage.blobs},
                                          {"bytes", usage.bytes},
                                          {"auth", p->auth->enabled()}});
  StoreMaintenanceOptions maintenance;
  maintenance.uploadExpirySeconds = config.uploadExpirySeconds;
  maintenance.gcIntervalSeconds = config.gcIntervalSeconds;
  maintenance.maxExpiryTickSeconds = config.s3.enabled() ? 900 : 60;
  maintenance.measuresStore = measures;
  RegistryMetrics* gauges = &p->metrics;
  p->maintenance = std::make_unique<StoreMaintenance>(
      *p->driver, *p->blobs, *p->uploads, maintenance, logger, clock,
      [gauges](const StoreUsage& measured) { gauges->setStored(measured.bytes, measured.blobs); });
  p->maintenance->start();
  p->service =
      std::make_unique<RegistryService>(*p->context, p->rateLimiter, *p->audit, p->proxy.get());
  return std::unique_ptr<RegistryAssembly>(new RegistryAssembly(std::move(p)));
}

RegistryAssembly::RegistryAssembly(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

RegistryAssembly::~RegistryAssembly() { stop(); }

RegistryService& RegistryAssembly::service() { return *parts_->service; }

void RegistryAssembly::stop() {
  parts_->maintenance->stop();
  if (parts_->proxy) parts_->proxy->stop();
}

}  // namespace berth::server
