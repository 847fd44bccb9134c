#include "registry/api/pull_through.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <shared_mutex>
#include <sstream>

#include "registry/api/exchange.h"
#include "registry/audit/audit_log.h"
#include "registry/proxy/blob_fetch.h"
#include "registry/proxy/cache_index.h"
#include "registry/proxy/credentials.h"
#include "registry/proxy/lru.h"
#include "registry/proxy/upstream_client.h"
#include "registry/storage/paths.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

// The Prometheus series of the pull-through cache.
struct ProxyMetrics {
  explicit ProxyMetrics(common::Metrics& m)
      : manifestHits(m.counter("berth_proxy_cache_hits_total", "Pull-through cache hits.",
                               {{"kind", "manifest"}})),
        blobHits(m.counter("berth_proxy_cache_hits_total", "Pull-through cache hits.",
                           {{"kind", "blob"}})),
        manifestMisses(m.counter("berth_proxy_cache_misses_total",
                                 "Pull-through cache misses (fetched upstream).",
                                 {{"kind", "manifest"}})),
        blobMisses(m.counter("berth_proxy_cache_misses_total",
                             "Pull-through cache misses (fetched upstream).", {{"kind", "blob"}})),
        upstreamErrors(m.counter("berth_proxy_upstream_errors_total",
                                 "Failed requests to upstream registries.")),
        upstreamBytes(m.counter("berth_proxy_upstream_bytes_total",
                                "Bytes received from upstream registries.")) {}
  common::Counter& manifestHits;
  common::Counter& blobHits;
  common::Counter& manifestMisses;
  common::Counter& blobMisses;
  common::Counter& upstreamErrors;
  common::Counter& upstreamBytes;
};

Error upstreamStatusError(int status, bool manifest, const std::string& what) {
  if (status == 404) {
    return manifest ? Error{ErrorCode::ManifestUnknown, "manifest unknown to upstream", what}
                    : Error{ErrorCode::BlobUnknown, "blob unknown to upstream", what};
  }
  if (status == 401 || status == 403) {
    return Error{ErrorCode::Denied, "the upstream registry refused access", what};
  }
  if (status == 429) return Error{ErrorCode::TooManyRequests, "the upstream registry is busy"};
  return Error{ErrorCode::Unavailable, "upstream registry error",
               what + ": HTTP " + std::to_string(status)};
}

// Who caused an upstream fetch, copied out of the request: a blob fetch outlives it.
struct Requester {
  std::string clientAddress;
  std::string user;
  std::string repository;
  std::string reference;
};

Requester requesterOf(const Exchange& ex) {
  return Requester{ex.req.remoteAddr, ex.principal.account, ex.route.name, ex.route.reference};
}

}  // namespace

struct ProxyService::Impl {
  Impl(const common::ProxyConfig& c, RegistryContext& x, AuditLog& a, common::Metrics& m)
      : config(c),
        ctx(x),
        audit(a),
        metrics(m),
        upstreams(c),
        index(CacheStores{x.driver, x.blobs, x.manifests, x.logger, x.clock,
                          [&metrics = x.metrics](uint64_t bytes) { metrics.blobRemoved(bytes); }},
              upstreams, static_cast<uint64_t>(c.cacheMaxBytes)),
        freshness(c.manifestTtlSeconds) {}

  const common::ProxyConfig& config;
  RegistryContext& ctx;
  AuditLog& audit;
  ProxyMetrics metrics;
  UpstreamTable upstreams;
  ProxyCacheIndex index;
  UpstreamTokenCache tokens;
  UpstreamConnections connections{config.timeoutSeconds};
  std::map<std::string, UpstreamCredential> dockerConfig;
  std::mutex freshnessMutex;
  TagFreshness freshness;
  BlobFetches fetches;
  std::atomic<bool> stopping{false};

  UpstreamClient client(const UpstreamTarget& t) {
    return UpstreamClient(*t.upstream, t.remoteName,
                          selectCredential(*t.upstream, t.remoteName, dockerConfig), connections,
                          tokens, ctx.logger);
  }
  void auditFetch(const Requester& who, AuditOperation op, const std::string& digest, int status,
                  uint64_t bytes, double seconds);
  bool fresh(const std::string& repo, const std::string& tag) {
    std::lock_guard lock(freshnessMutex);
    return freshness.fresh(repo, tag, ctx.clock.unixSeconds());
  }
  void confirm(const std::string& repo, const std::string& tag) {
    std::lock_guard lock(freshnessMutex);
    freshness.confirmed(repo, tag, ctx.clock.unixSeconds());
  }
  common::Status ensureManifest(Exchange& ex, const UpstreamTarget& t);
  common::Status fetchManifest(Exchange& ex, const UpstreamTarget& t);
  common::Status serveBlob(Exchange& ex, const UpstreamTarget& t);
  void runBlobFetch(BlobFetch& fetch, const UpstreamTarget& t, const Requester& who);
};

void ProxyService::Impl::auditFetch(const Requester& who, AuditOperation op,
                                    const std::string& digest, int status, uint64_t bytes,
                                    double seconds) {
  if (!audit.enabled()) return;
  AuditEvent event;
  event.clientAddress = who.clientAddress;
  event.user = who.user;
  event.userAgent = "berth-proxy";
  event.operation = op;
  event.repository = who.repository;
  event.reference = who.reference;
  event.digest = digest;
  event.status = status;
  event.bytes = bytes;
  event.durationSeconds = seconds;
  audit.record(event);
}

// Gets the manifest from upstream and stores it (and the tag); the bytes are verified against
// the requested digest, or against the upstream's Docker-Content-Digest for a tag.
common::Status ProxyService::Impl::fetchManifest(Exchange& ex, const UpstreamTarget& t) {
  const auto started = std::chrono::steady_clock::now();
  metrics.manifestMisses.inc();
  auto reply = client(t).manifest(false, ex.route.reference);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!reply || reply->status != 200) {
    metrics.upstreamErrors.inc();
    auditFetch(requesterOf(ex), AuditOperation::ProxyFetchManifest, "", reply ? reply->status : 503,
               0, seconds);
    if (!reply) {
      Error failed = std::move(reply).error();
      // Every caller that gets this has no copy to serve instead (a stale tag is served by
      // ensureManifest before this reaches a client).
      if (failed.code == ErrorCode::Unavailable) {
        failed.message += "; no cached copy of " + ex.route.name +
                          (ex.route.referenceIsDigest ? "@" : ":") + ex.route.reference;
      }
      return failed;
    }
    return upstreamStatusError(reply->status, true, t.remoteName + ":" + ex.route.reference);
  }
  metrics.upstreamBytes.inc(static_cast<double>(reply->body.size()));
  const std::string algorithm = ex.route.referenceIsDigest
                                    ? ex.route.reference.substr(0, ex.route.reference.find(':'))
                                    : "sha256";
  const oci::Digest digest = oci::digestOf(reply->body, algorithm);
  const std::string expected = ex.route.referenceIsDigest ? ex.route.reference : reply->digest;
  if (!expected.empty() && expected.rfind(algorithm + ":", 0) == 0 && expected != digest.str()) {
    metrics.upstreamErrors.inc();
    auditFetch(requesterOf(ex), AuditOperation::ProxyFetchManifest, digest.str(), 502,
               reply->body.size(), seconds);
    return Error{ErrorCode::Unavailable, "upstream manifest does not match its digest",
                 expected + " != " + digest.str()};
  }
  BERTH_TRY_ASSIGN(oci::ManifestInfo info, oci::parseManifest(reply->body, reply->contentType));
  std::optional<std::string> tag;
  if (!ex.route.referenceIsDigest) tag = ex.route.reference;
  // The upstream decides what its tags point at: no immutable rules, and the blobs come from it
  // when first read.
  BERTH_TRY(ctx.repositories.putManifest(ex.route.name, digest, reply->body, info, tag,
                                         References::FetchedLater, nullptr));
  if (!ex.route.referenceIsDigest) confirm(ex.route.name, ex.route.reference);
  index.used(ex.route.name, digest, reply->body.size());
  auditFetch(requesterOf(ex), AuditOperation::ProxyFetchManifest, digest.str(), 200,
             reply->body.size(), seconds);
  ctx.logger.info(
      "proxy fetched manifest",
      {{"repository", ex.route.name}, {"reference", ex.route.reference}, {"digest", digest.str()}});
  return {};
}

common::Status ProxyService::Impl::ensureManifest(Exchange& ex, const UpstreamTarget& t) {
  const std::string& repo = ex.route.name;
  if (ex.route.referenceIsDigest) {
    BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.route.reference));
    if (ctx.manifests.exists(repo, digest)) {  // by digest: cached for good
      metrics.manifestHits.inc();
      if (auto size = ctx.blobs.size(digest)) index.used(repo, digest, *size);
      return {};
    }
    return fetchManifest(ex, t);
  }
  auto cached = ctx.manifests.resolveTag(repo, ex.route.reference);
  if (cached && fresh(repo, ex.route.reference)) {
    metrics.manifestHits.inc();
    if (auto size = ctx.blobs.size(*cached)) index.used(repo, *cached, *size);
    return {};
  }
  if (!cached) return fetchManifest(ex, t);
  // Stale: one HEAD tells whether the tag still points at what we hold.
  auto head = client(t).manifest(true, ex.route.reference);
  if (!head || head->status >= 500 || head->status == 429) {
    metrics.upstreamErrors.inc();
    ctx.logger.warn(
        "upstream unreachable; serving a stale cached manifest",
        {{"repository", repo},
         {"tag", ex.route.reference},
         {"digest", cached->str()},
         {"error", head ? "HTTP " + std::to_string(head->status) : head.error().detail}});
    metrics.manifestHits.inc();
    return {};
  }
  if (head->status == 200 && head->digest == cached->str()) {
    confirm(repo, ex.route.reference);
    metrics.manifestHits.inc();
    if (auto size = ctx.blobs.size(*cached)) index.used(repo, *cached, *size);
    return {};
  }
  auto fetched = fetchManifest(ex, t);
  if (!fetched && fetched.error().code == ErrorCode::Unavailable) {
    ctx.logger.warn("upstream fetch failed; serving a stale cached manifest",
                    {{"repository", repo}, {"tag", ex.route.reference}});
    return {};
  }
  return fetched;
}

void ProxyService::Impl::runBlobFetch(BlobFetch& fetch, const UpstreamTarget& t,
                                      const Requester& who) {
  const auto started = std::chrono::steady_clock::now();
  const std::string& repo = who.repository;
  if (auto size = ctx.blobs.sizeIn(repo, fetch.digest())) {  // a fetch that just ended stored it
    fetch.started(*size, "");
    fetch.finished({});
    return;
  }
  auto finish = [&](common::Status outcome, int status, uint64_t bytes) {
    if (!outcome) metrics.upstreamErrors.inc();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auditFetch(who, AuditOperation::ProxyFetchBlob, fetch.digest().str(), status, bytes, seconds);
    fetch.finished(std::move(outcome));
  };
  auto upload = ctx.uploads.start(repo);
  if (!upload) return finish(std::move(upload).error(), 500, 0);
  const std::string id = upload->id;
  UpstreamClient upstream = client(t);
  int status = 0;
  common::Status transfer;
  BodySource body = [&](const ChunkSink& sink) {
    auto reply = upstream.blob(
        false, fetch.digest().str(),
        [&](const UpstreamReply& r) {
          if (!r.length) return false;  // registries always send a length for blobs
          fetch.started(*r.length, paths::uploadData(repo, id));
          return true;
        },
        [&](const char* data, size_t size) {
          if (stopping.load() || !sink(data, size)) return false;
          metrics.upstreamBytes.inc(static_cast<double>(size));
          fetch.wrote(size);
          return true;
        });
    if (!reply) {
      transfer = std::move(reply).error();
      return false;
    }
    status = reply->status;
    if (status != 200) {
      transfer = upstreamStatusError(status, false, t.remoteName + "@" + fetch.digest().str());
    }
    return status == 200;
  };
  uint64_t bytes = 0;
  auto appended = ctx.uploads.append(repo, id, std::nullopt, std::nullopt, body, &bytes);
  if (!transfer) {
    (void)ctx.uploads.cancel(repo, id);
    return finish(std::move(transfer), status == 0 ? 503 : status, bytes);
  }
  if (!appended) {
    (void)ctx.uploads.cancel(repo, id);
    return finish(std::move(appended).error(), 502, bytes);
  }
  // Verifies the digest; a mismatch removes the session, so nothing corrupt is committed.
  auto completed = ctx.uploads.complete(repo, id, fetch.digest(), nullptr, &bytes);
  if (!completed) {
    ctx.logger.warn("upstream blob discarded", {{"repository", repo},
                                                {"digest", fetch.digest().str()},
                                                {"error", completed.error().message}});
    return finish(Error{ErrorCode::Unavailable, "upstream blob failed verification",
                        completed.error().message},
                  502, bytes);
  }
  ctx.metrics.blobAdded(completed->size);
  index.used(repo, fetch.digest(), completed->size);
  finish({}, 200, completed->size);
}

common::Status ProxyService::Impl::serveBlob(Exchange& ex, const UpstreamTarget& t) {
  BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.route.reference));
  const std::string& repo = ex.route.name;
  if (auto size = ctx.blobs.sizeIn(repo, digest)) {
    metrics.blobHits.inc();
    index.used(repo, digest, *size);
    return handleBlob(ctx, ex);
  }
  // Neither stored bytes nor a digest the client names prove that the blob belongs to this
  // repository: only its upstream can, so it is asked before anything is linked or served.
  const bool head = ex.req.method == "HEAD";
  std::optional<uint64_t> stored;
  if (auto size = ctx.blobs.size(digest)) stored = *size;
  if (stored || head) {
    auto reply = client(t).blob(true, digest.str(), {}, {});
    if (!reply) {
      metrics.upstreamErrors.inc();
      return std::move(reply).error();
    }
    if (reply->status != 200) {
      return upstreamStatusError(reply->status, false, t.remoteName + "@" + digest.str());
    }
    if (stored) {
      // Identical bytes are already stored (another repository): link them, no second fetch.
      std::shared_lock commit(ctx.blobs.commitLock());
      BERTH_TRY(ctx.blobs.link(repo, digest));
      metrics.blobHits.inc();
      index.used(repo, digest, *stored);
      return handleBlob(ctx, ex);
    }
    ex.res.status = 200;
    ex.res.setHeader("Docker-Content-Digest", digest.str());
    if (reply->length) {
      ex.res.setHeader("Content-Length", std::to_string(*reply->length));
    }
    return {};
  }
  metrics.blobMisses.inc();
  ex.digest = digest.str();
  // The fetch outlives this request when the client goes away: the next pull finds it cached.
  auto fetch = fetches.join(
      repo, digest, [this, t, who = requesterOf(ex)](BlobFetch& f) { runBlobFetch(f, t, who); });
  BERTH_TRY_ASSIGN(uint64_t length, fetch->waitForStart());
  ex.res.status = 200;
  ex.res.setHeader("Docker-Content-Digest", digest.str());
  ex.res.setHeader("ETag", "\"" + digest.str() + "\"");
  if (length == 0) {
    BERTH_TRY(fetch->waitForEnd());
    ex.res.setContent("", "application/octet-stream");
    return {};
  }
  ex.bytesOut = length;
  ex.res.setContentProvider(length, "application/octet-stream",
                            streamFetch(fetch, ctx.driver, ctx.blobs));
  return {};
}

ProxyService::ProxyService(const common::ProxyConfig& config, RegistryContext& ctx, AuditLog& audit,
                           common::Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, ctx, audit, metrics)) {}

ProxyService::~ProxyService() { stop(); }

common::Status ProxyService::open() {
  auto& s = *impl_;
  BERTH_TRY_ASSIGN(s.dockerConfig, loadDockerConfigJson(s.config.dockerConfigJson));
  BERTH_TRY(s.index.load());
  s.ctx.logger.info("pull-through cache enabled", {{"upstreams", s.config.upstreams.size()},
                                                   {"cachedBytes", s.index.totalBytes()},
                                                   {"cacheMaxBytes", s.config.cacheMaxBytes}});
  return {};
}

std::optional<UpstreamTarget> ProxyService::match(const Route& route, std::string_view ns) const {
  if (route.name.empty()) return std::nullopt;
  return impl_->upstreams.resolve(route.name, ns);
}

common::Status ProxyService::handle(Exchange& ex, const UpstreamTarget& target) {
  auto& s = *impl_;
  const std::string& m = ex.req.method;
  if (m != "GET" && m != "HEAD") {
    return Error{ErrorCode::Denied, "repository " + ex.route.name + " is a pull-through cache of " +
                                        target.upstream->host +
                                        "; push to the upstream registry instead"};
  }
  switch (ex.route.kind) {
    case RouteKind::Manifest:
      BERTH_TRY(s.ensureManifest(ex, target));
      return handleManifest(s.ctx, ex);
    case RouteKind::Blob:
      return s.serveBlob(ex, target);
    case RouteKind::Tags:
      return handleTags(s.ctx, ex);
    case RouteKind::Referrers:
      return handleReferrers(s.ctx, ex);
    default:
      break;
  }
  return Error{ErrorCode::Denied, "repository " + ex.route.name + " is a pull-through cache"};
}

void ProxyService::stop() {
  impl_->stopping = true;
  impl_->fetches.stop();
}

}  // namespace berth::registry
