#include "registry/api/registry_service.h"

#include <chrono>
#include <condition_variable>
#include <thread>

#include "common/http/router.h"
#include "common/oci/errors.h"
#include "common/rate_limiter.h"
#include "registry/api/audited_operation.h"
#include "registry/api/exchange.h"
#include "registry/api/pull_through.h"
#include "registry/api/registry_metrics.h"
#include "registry/api/router.h"
#include "registry/audit/audit_log.h"
#include "registry/auth/authorizer.h"
#include "registry/proxy/credentials.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver_factory.h"
#include "registry/storage/garbage_collector.h"
#include "registry/storage/manifest_store.h"
#include "registry/storage/upload_quota.h"
#include "registry/storage/upload_store.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

// Catch-all patterns: names contain "/", so one pattern per method hands every /v2 path to
// our own router instead of std::regex routes per depth.
constexpr const char* kV2Pattern = R"(/v2(/.*)?)";

AccessAction actionFor(const std::string& method) {
  if (method == "GET" || method == "HEAD") return AccessAction::Pull;
  if (method == "DELETE") return AccessAction::Delete;
  return AccessAction::Push;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

struct RegistryService::Impl {
  Impl(const common::RegistryConfig& c, policy::PolicySource& p, common::Logger& l,
       common::Metrics& m, const common::Clock& k)
      : config(c),
        policy(p),
        logger(l),
        clock(k),
        metrics(m),
        metricsRegistry(m),
        rateLimiter(RateLimiterOptions{static_cast<double>(c.limits.requestsPerSecond),
                                       static_cast<double>(c.limits.burst)}),
        uploadQuota(UploadQuotaOptions{
            c.limits.maxUploadSessionsPerUser, c.limits.maxUploadSessionsPerRepository,
            c.limits.maxBlobBytes, [this](const char* limit) { metrics.limitRefused(limit); }}) {}

  const common::RegistryConfig& config;
  policy::PolicySource& policy;
  common::Logger& logger;
  const common::Clock& clock;
  RegistryMetrics metrics;
  common::Metrics& metricsRegistry;
  std::unique_ptr<StorageDriver> driver;
  std::unique_ptr<BlobStore> blobs;
  RateLimiter rateLimiter;
  UploadQuota uploadQuota;
  std::unique_ptr<UploadStore> uploads;
  std::unique_ptr<ManifestStore> manifests;
  std::unique_ptr<Authorizer> auth;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<Repositories> repositories;
  std::unique_ptr<PolicyGate> gate;
  std::unique_ptr<RegistryContext> context;
  std::unique_ptr<ProxyService> proxy;  // set when upstreams are configured

  std::mutex maintenanceMutex;
  std::condition_variable maintenanceWake;
  bool stopping = false;
  std::thread maintenance;

  void dispatch(const http::ServerRequest& req, http::ServerResponse& res,
                http::BodyReader& reader);
  common::Status handle(Exchange& ex);
  common::Status admit(Exchange& ex);
  common::Status authorize(Exchange& ex);
  common::Status checkPolicy(const Exchange& ex, bool proxied) const;
  void record(const Exchange& ex, double seconds);
  void maintain();
  // Measuring reads the size of every blob: one HEAD request each on S3, too many at startup
  // for a large bucket, so the stored-bytes gauges are left out there.
  bool measuresStore() const { return !config.s3.enabled(); }
};

common::Status RegistryService::Impl::authorize(Exchange& ex) {
  const bool registryWide = ex.route.kind == RouteKind::Base || ex.route.kind == RouteKind::Catalog;
  const AuthDecision decision =
      auth->authorize(ex.req.header("Authorization"), ex.req.header("Host"),
                      registryWide ? std::string() : ex.route.name,
                      registryWide ? AccessAction::Pull : actionFor(ex.req.method));
  ex.principal = decision.principal;
  if (decision.allowed) return {};
  if (decision.status == 401) {
    if (!decision.challenge.empty()) ex.res.setHeader("WWW-Authenticate", decision.challenge);
    return Error{ErrorCode::Unauthorized,
                 decision.message.empty() ? "authentication required" : decision.message};
  }
  return Error{ErrorCode::Denied, decision.message.empty()
                                      ? "requested access to the resource is denied"
                                      : decision.message};
}

// The policy's say, after authorisation (a 401 comes first, so anonymous probes learn nothing
// of the rules): no pushes under names that belong to upstreams, then pull and push rules.
common::Status RegistryService::Impl::checkPolicy(const Exchange& ex, bool proxied) const {
  const std::string& method = ex.req.method;
  const bool read = method == "GET" || method == "HEAD";
  // A proxied repository refuses every write itself, with its own message.
  if (!read && method != "DELETE" && !proxied) BERTH_TRY(gate->checkWritableName(ex.route.name));
  if (ex.route.kind != RouteKind::Manifest && ex.route.kind != RouteKind::Blob) return {};
  if (read) return gate->checkPull(ex.route.name, ex.route.reference);
  if (method == "PUT" && ex.route.kind == RouteKind::Manifest) {
    return gate->checkPush(ex.route.name, ex.route.reference);
  }
  return {};
}

// registry.limits.requestsPerSecond, before authentication: a flood of bad credentials costs a
// bcrypt verification each, so it is held back like any other.
common::Status RegistryService::Impl::admit(Exchange& ex) {
  const std::string client = clientAddressKey(ex.req.remoteAddr);
  const RateDecision decision = rateLimiter.admit(client);
  if (decision.allowed) return {};
  metrics.limitRefused("requestsPerSecond");
  ex.res.setHeader("Retry-After", std::to_string(decision.retryAfterSeconds));
  return Error{ErrorCode::TooManyRequests,
               "too many requests from this client: at most " +
                   std::to_string(config.limits.requestsPerSecond) + " a second, " +
                   std::to_string(config.limits.burst) +
                   " at once (registry.limits.requestsPerSecond, burst); retry after " +
                   std::to_string(decision.retryAfterSeconds) + "s",
               client};
}

common::Status RegistryService::Impl::handle(Exchange& ex) {
  if (ex.route.kind == RouteKind::Token) {
    const TokenResponse token = auth->issueToken(ex.req.header("Authorization"), ex.req.params);
    ex.res.status = token.status;
    if (!token.challenge.empty()) ex.res.setHeader("WWW-Authenticate", token.challenge);
    ex.res.setContent(token.body, "application/json");
    return {};
  }
  // Proxied repositories are authorized under their store name ("docker.io/library/nginx"),
  // whichever form the request used.
  std::optional<UpstreamTarget> upstream;
  if (proxy) upstream = proxy->match(ex.route, ex.req.param("ns"));
  if (upstream) ex.route.name = upstream->storeName;
  BERTH_TRY(authorize(ex));
  BERTH_TRY(checkPolicy(ex, upstream.has_value()));
  if (upstream) return proxy->handle(ex, *upstream);
  switch (ex.route.kind) {
    case RouteKind::Base:
      ex.res.status = 200;
      ex.res.setContent("{}", "application/json");
      return {};
    case RouteKind::Catalog:
      return handleCatalog(*context, ex);
    case RouteKind::Tags:
      return handleTags(*context, ex);
    case RouteKind::Manifest:
      return handleManifest(*context, ex);
    case RouteKind::Blob:
      return handleBlob(*context, ex);
    case RouteKind::UploadStart:
      return handleUploadStart(*context, ex);
    case RouteKind::Upload:
      return handleUpload(*context, ex);
    case RouteKind::Referrers:
      return handleReferrers(*context, ex);
    case RouteKind::Token:
      break;
  }
  return Error{ErrorCode::NotFound, "unknown endpoint"};
}

void RegistryService::Impl::dispatch(const http::ServerRequest& req, http::ServerResponse& res,
                                     http::BodyReader& reader) {
  const auto started = std::chrono::steady_clock::now();
  // Ranges are resolved by the blob handlers alone (the server applies none).
  Exchange ex{req, res, reader, {}, {}, {}, {}, 0, 0, false};
  res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
  std::string operation = "invalid";
  common::Status outcome;
  try {
    auto route = parseRoute(req.method, req.path, req.target);
    if (route) operation = std::string(routeKindName(route->kind)) + "-" + lower(req.method);
    // A request over the rate limit is counted, not audited (a flood would flood the log).
    outcome = admit(ex);
    if (outcome && !route) {
      outcome = std::move(route).error();
    } else if (outcome) {
      ex.route = std::move(route).value();
      ex.operation =
          auditedOperation(ex.route, req.method, req.hasParam("mount"), req.hasParam("digest"));
      outcome = handle(ex);
    }
  } catch (const std::exception& e) {
    outcome = Error{ErrorCode::Internal, "unexpected exception", e.what()};
  }
  if (!outcome) {
    // The manifest limit is enforced where manifests are read; it is counted here.
    if (outcome.error().code == ErrorCode::PayloadTooLarge &&
        ex.route.kind == RouteKind::Manifest) {
      metrics.limitRefused("maxManifestBytes");
    }
    res.headers.erase("Location");
    res.headers.erase("Docker-Content-Digest");
    sendError(ex, outcome.error(), logger);
  }
  ex.drainBody();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics.request(operation, res.status, seconds);
  metrics.received(ex.bytesIn);
  if (res.status < 300) metrics.sent(ex.bytesOut);
  record(ex, seconds);
}

void RegistryService::Impl::record(const Exchange& ex, double seconds) {
  if (!ex.operation || !audit || !audit->enabled()) return;
  AuditEvent event;
  event.clientAddress = ex.req.remoteAddr;
  event.user = ex.principal.account;
  event.userAgent = ex.req.header("User-Agent");
  event.operation = *ex.operation;
  event.repository = ex.route.name;
  event.reference = ex.route.reference;
  event.digest = ex.digest;
  event.status = ex.res.status;
  // Content moved: a refused or failed request stored and served nothing.
  event.bytes = ex.res.status < 300 ? ex.bytesIn + ex.bytesOut : 0;
  event.durationSeconds = seconds;
  audit->record(event);
}

// Upload expiry every minute (or sooner for short expiries) and, when configured, online GC.
void RegistryService::Impl::maintain() {
  // Each expiry pass walks the repository tree: a few directory reads on a disk, but paid LIST
  // requests on S3, made by every replica; there it runs every 15 minutes at most.
  const int64_t expiryTick =
      std::clamp<int64_t>(config.uploadExpirySeconds / 2, 1, config.s3.enabled() ? 900 : 60);
  int64_t nextExpiry = clock.unixSeconds() + expiryTick;
  int64_t nextGc =
      config.gcIntervalSeconds > 0 ? clock.unixSeconds() + config.gcIntervalSeconds : 0;
  std::unique_lock lock(maintenanceMutex);
  while (!stopping) {
    maintenanceWake.wait_for(lock, std::chrono::seconds(1));
    if (stopping) break;
    const int64_t now = clock.unixSeconds();
    lock.unlock();
    if (now >= nextExpiry) {
      if (auto expired = uploads->expire(now); expired && *expired > 0) {
        logger.info("expired upload sessions", {{"count", *expired}});
      }
      nextExpiry = now + expiryTick;
    }
    if (nextGc > 0 && now >= nextGc) {
      GarbageCollector gc(*driver, logger, &blobs->commitLock());
      GcOptions options;
      options.uploadExpirySeconds = config.uploadExpirySeconds;
      options.graceSeconds = std::max<int64_t>(options.graceSeconds, config.gcIntervalSeconds);
      if (auto report = gc.run(options, now); !report) {
        logger.error("gc failed",
                     {{"error", report.error().message}, {"detail", report.error().detail}});
      }
      if (measuresStore()) {
        if (auto usage = measureStore(*driver)) metrics.setStored(usage->bytes, usage->blobs);
      }
      nextGc = now + config.gcIntervalSeconds;
    }
    lock.lock();
  }
}

RegistryService::RegistryService(const common::RegistryConfig& config, policy::PolicySource& policy,
                                 common::Logger& logger, common::Metrics& metrics,
                                 const common::Clock& clock)
    : impl_(std::make_unique<Impl>(config, policy, logger, metrics, clock)) {}

RegistryService::~RegistryService() { stop(); }

common::Status RegistryService::validate(const common::RegistryConfig& config,
                                         common::Logger& logger) {
  AuthorizerOptions authOptions;
  authOptions.tls = config.tls.enabled();
  BERTH_TRY(Authorizer::create(config.auth, logger, authOptions));
  BERTH_TRY(loadDockerConfigJson(config.proxy.dockerConfigJson));
  return {};
}

common::Status RegistryService::open() {
  auto& s = *impl_;
  BERTH_TRY(validate(s.config, s.logger));
  BERTH_TRY_ASSIGN(OpenedStorage storage, openStorage(s.config, s.clock));
  s.driver = std::move(storage.driver);
  s.blobs = std::make_unique<BlobStore>(*s.driver);
  s.uploads = std::make_unique<UploadStore>(*s.driver, *s.blobs, s.clock,
                                            s.config.uploadExpirySeconds, &s.uploadQuota);
  s.manifests = std::make_unique<ManifestStore>(*s.driver, *s.blobs, s.config.maxManifestBytes);
  s.repositories = std::make_unique<Repositories>(*s.blobs, *s.manifests);
  AuthorizerOptions authOptions;
  authOptions.tls = s.config.tls.enabled();
  BERTH_TRY_ASSIGN(s.auth, Authorizer::create(s.config.auth, s.logger, authOptions));
  BERTH_TRY_ASSIGN(s.audit, AuditLog::open(s.config.audit));
  s.gate = std::make_unique<PolicyGate>(s.policy, s.logger, s.config.proxy);
  s.context = std::make_unique<RegistryContext>(
      RegistryContext{s.config, s.logger, s.clock, s.policy, *s.driver, *s.blobs, *s.uploads,
                      *s.manifests, *s.auth, s.metrics, *s.repositories, *s.gate});
  if (s.config.proxy.enabled()) {
    s.proxy =
        std::make_unique<ProxyService>(s.config.proxy, *s.context, *s.audit, s.metricsRegistry);
    BERTH_TRY(s.proxy->open());
  }
  StoreUsage usage;
  if (s.measuresStore()) {
    BERTH_TRY_ASSIGN(usage, measureStore(*s.driver));
    s.metrics.setStored(usage.bytes, usage.blobs);
  }
  s.logger.info("registry storage opened", {{"path", storage.description},
                                            {"durability", s.config.durability},
                                            {"blobs", usage.blobs},
                                            {"bytes", usage.bytes},
                                            {"auth", s.auth->enabled()}});
  s.maintenance = std::thread([&s] { s.maintain(); });
  return {};
}

void RegistryService::registerRoutes(http::Router& router) {
  Impl* s = impl_.get();
  auto dispatch = [s](const http::ServerRequest& req, http::ServerResponse& res,
                      http::BodyReader& body) { s->dispatch(req, res, body); };
  router.addPattern("GET", kV2Pattern, dispatch);  // HEAD too: the router falls back to GET
  for (const char* method : {"DELETE", "POST", "PUT", "PATCH"}) {
    router.addPattern(method, kV2Pattern, dispatch, http::Body::Accepted);
  }
}

void RegistryService::stop() {
  auto& s = *impl_;
  {
    std::lock_guard lock(s.maintenanceMutex);
    s.stopping = true;
  }
  s.maintenanceWake.notify_all();
  if (s.maintenance.joinable()) s.maintenance.join();
  if (s.proxy) s.proxy->stop();
}

}  // namespace berth::registry
