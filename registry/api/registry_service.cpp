#include "registry/api/registry_service.h"

#include <chrono>

#include "common/http/router.h"
#include "common/oci/errors.h"
#include "common/rate_limiter.h"
#include "registry/api/audited_operation.h"
#include "registry/api/exchange.h"
#include "registry/api/pull_gates.h"
#include "registry/api/pull_through.h"
#include "registry/api/registry_metrics.h"
#include "registry/api/router.h"
#include "registry/audit/audit_log.h"
#include "registry/auth/authorizer.h"

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
  RegistryContext& ctx;
  common::RateLimiter& rateLimiter;
  AuditLog& audit;
  ProxyService* proxy;  // null when no upstream is configured

  void dispatch(const http::ServerRequest& req, http::ServerResponse& res,
                http::BodyReader& reader);
  common::Status handle(Exchange& ex);
  common::Status admit(Exchange& ex);
  common::Status authorize(Exchange& ex);
  common::Status checkPolicy(Exchange& ex, bool proxied) const;
  void record(const Exchange& ex, double seconds);
};

common::Status RegistryService::Impl::authorize(Exchange& ex) {
  const bool registryWide = ex.route.kind == RouteKind::Base || ex.route.kind == RouteKind::Catalog;
  const AuthDecision decision =
      ctx.auth.authorize(ex.req.header("Authorization"), ex.req.header("Host"),
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
common::Status RegistryService::Impl::checkPolicy(Exchange& ex, bool proxied) const {
  const std::string& method = ex.req.method;
  const bool read = method == "GET" || method == "HEAD";
  // A proxied repository refuses every write itself, with its own message.
  if (!read && method != "DELETE" && !proxied) BERTH_TRY(ctx.gate.checkWritableName(ex.route.name));
  if (ex.route.kind != RouteKind::Manifest && ex.route.kind != RouteKind::Blob) return {};
  if (read) {
    BERTH_TRY_ASSIGN(ex.pullDecision, ctx.gate.checkPull(ex.route.name, ex.route.reference));
    return {};
  }
  if (method == "PUT" && ex.route.kind == RouteKind::Manifest) {
    return ctx.gate.checkPush(ex.route.name, ex.route.reference);
  }
  return {};
}

// registry.limits.requestsPerSecond, before authentication: a flood of bad credentials costs a
// bcrypt verification each, so it is held back like any other.
common::Status RegistryService::Impl::admit(Exchange& ex) {
  const std::string client = common::clientAddressKey(ex.req.remoteAddr);
  const common::RateDecision decision = rateLimiter.admit(client);
  if (decision.allowed) return {};
  ctx.metrics.limitRefused("requestsPerSecond");
  ex.res.setHeader("Retry-After", std::to_string(decision.retryAfterSeconds));
  return Error{ErrorCode::TooManyRequests,
               "too many requests from this client: at most " +
                   std::to_string(ctx.config.limits.requestsPerSecond) + " a second, " +
                   std::to_string(ctx.config.limits.burst) +
                   " at once (registry.limits.requestsPerSecond, burst); retry after " +
                   std::to_string(decision.retryAfterSeconds) + "s",
               client};
}

common::Status RegistryService::Impl::handle(Exchange& ex) {
  if (ex.route.kind == RouteKind::Token) {
    const TokenResponse token = ctx.auth.issueToken(ex.req.header("Authorization"), ex.req.params);
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
  if (upstream) {
    // HEAD only resolves a digest (the webhook pins with it); GET serves what a node runs.
    if (ex.req.method == "GET") BERTH_TRY(checkProxiedPullGates(ex));
    return proxy->handle(ex, *upstream);
  }
  switch (ex.route.kind) {
    case RouteKind::Base:
      ex.res.status = 200;
      ex.res.setContent("{}", "application/json");
      return {};
    case RouteKind::Catalog:
      return handleCatalog(ctx, ex);
    case RouteKind::Tags:
      return handleTags(ctx, ex);
    case RouteKind::Manifest:
      return handleManifest(ctx, ex);
    case RouteKind::Blob:
      return handleBlob(ctx, ex);
    case RouteKind::UploadStart:
      return handleUploadStart(ctx, ex);
    case RouteKind::Upload:
      return handleUpload(ctx, ex);
    case RouteKind::Referrers:
      return handleReferrers(ctx, ex);
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
      ctx.metrics.limitRefused("maxManifestBytes");
    }
    res.headers.erase("Location");
    res.headers.erase("Docker-Content-Digest");
    sendError(ex, outcome.error(), ctx.logger);
  }
  ex.drainBody();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ctx.metrics.request(operation, res.status, seconds);
  ctx.metrics.received(ex.bytesIn);
  if (res.status < 300) ctx.metrics.sent(ex.bytesOut);
  record(ex, seconds);
}

void RegistryService::Impl::record(const Exchange& ex, double seconds) {
  if (!ex.operation || !audit.enabled()) return;
  AuditEvent event;
  event.clientAddress = ex.req.remoteAddr;
  event.user = ex.principal.account;
  event.userAgent = ex.req.header("User-Agent");
  event.operation = *ex.operation;
  event.repository = ex.route.name;
  // A blob push is named by its digest, not by the upload session that carried it.
  event.reference = *ex.operation == AuditOperation::PushBlob && !ex.digest.empty()
                        ? ex.digest
                        : ex.route.reference;
  event.digest = ex.digest;
  event.status = ex.res.status;
  // Content moved: a refused or failed request stored and served nothing.
  event.bytes = ex.res.status >= 300 ? 0 : ex.blobBytes ? *ex.blobBytes : ex.bytesIn + ex.bytesOut;
  event.durationSeconds = seconds;
  audit.record(event);
}

RegistryService::RegistryService(RegistryContext& context, common::RateLimiter& rateLimiter,
                                 AuditLog& audit, ProxyService* proxy)
    : impl_(std::make_unique<Impl>(Impl{context, rateLimiter, audit, proxy})) {}

RegistryService::~RegistryService() = default;

void RegistryService::registerRoutes(http::Router& router) {
  Impl* s = impl_.get();
  auto dispatch = [s](const http::ServerRequest& req, http::ServerResponse& res,
                      http::BodyReader& body) { s->dispatch(req, res, body); };
  router.addPattern("GET", kV2Pattern, dispatch);  // HEAD too: the router falls back to GET
  for (const char* method : {"DELETE", "POST", "PUT", "PATCH"}) {
    router.addPattern(method, kV2Pattern, dispatch, http::Body::Accepted);
  }
}

}  // namespace berth::registry
