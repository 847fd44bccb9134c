#include "node/node_proxy.h"

#include <atomic>
#include <chrono>
#include <shared_mutex>

#include "common/http/client.h"
#include "common/http/router.h"
#include "common/http/url.h"
#include "common/oci/errors.h"
#include "node/anonymous_pulls.h"
#include "registry/proxy/blob_fetch.h"
#include "registry/proxy/lru.h"
#include "registry/proxy/upstream_client.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/paths.h"
#include "registry/storage/upload_store.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

constexpr const char* kV2Pattern = R"(/v2(/.*)?)";
constexpr size_t kMaxForwardedBody = 16 << 20;
// The cache is a Berth store of its own: blobs by digest, and upload sessions of this one
// repository while a blob streams in.
constexpr const char* kCacheRepository = "node-cache";
// Response headers a registry client needs, copied from the registry's answer.
constexpr const char* kForwardedHeaders[] = {"Content-Type",
                                             "Docker-Content-Digest",
                                             "WWW-Authenticate",
                                             "ETag",
                                             "Docker-Distribution-API-Version",
                                             "Link",
                                             "OCI-Subject",
                                             "Location",
                                             "Content-Range",
                                             "Accept-Ranges"};

// A blob read: the registry decides per repository, so both parts matter.
struct BlobRequest {
  std::string repository;
  oci::Digest digest;
};

// "/v2/<name>/blobs/sha256:<hex>" (not uploads): the name and digest, else nothing.
std::optional<BlobRequest> blobRequestOf(const std::string& path) {
  constexpr std::string_view kPrefix = "/v2/";
  const auto at = path.rfind("/blobs/");
  if (at == std::string::npos || at <= kPrefix.size() ||
      path.find("/blobs/uploads") != std::string::npos) {
    return std::nullopt;
  }
  auto digest = oci::Digest::parse(path.substr(at + 7));
  if (!digest) return std::nullopt;
  return BlobRequest{path.substr(kPrefix.size(), at - kPrefix.size()), *digest};
}

void sendError(http::ServerResponse& res, const Error& error) {
  res.status = oci::ociError(error.code).httpStatus;
  res.setContent(oci::errorEnvelope(error), "application/json");
}

// The error a refused blob read stands for: a HEAD carries no body, so a GET gets this one.
Error refusalFor(int status) {
  switch (status) {
    case 401:
      return Error{ErrorCode::Unauthenticated, "authentication required"};
    case 403:
      return Error{ErrorCode::PermissionDenied, "requested access to the resource is denied"};
    case 404:
      return Error{ErrorCode::BlobUnknown, "blob unknown to registry"};
    default:
      return Error{ErrorCode::Unavailable, "registry answered HTTP " + std::to_string(status)};
  }
}

}  // namespace

struct NodeProxyService::Impl {
  Impl(const common::NodeProxyConfig& c, NodeProxyParts p, common::Logger& l, common::Metrics& m,
       const common::Clock& k)
      : config(c),
        logger(l),
        clock(k),
        hits(m.counter("berth_node_proxy_cache_hits_total", "Blobs served from the node cache.")),
        misses(m.counter("berth_node_proxy_cache_misses_total",
                         "Blobs fetched from the registry into the node cache.")),
        upstreamErrors(m.counter("berth_node_proxy_upstream_errors_total",
                                 "Failed requests to the registry.")),
        upstreamBytes(m.counter("berth_node_proxy_upstream_bytes_total",
                                "Blob bytes received from the registry.")),
        requests(m.counter("berth_node_proxy_requests_total", "Requests forwarded.")),
        basePath(std::move(p.basePath)),
        authorization(std::move(p.authorization)),
        registry(p.registry),
        driver(p.cache),
        blobs(p.blobs),
        uploads(p.uploads),
        anonymousPulls(p.anonymousPulls) {}

  const common::NodeProxyConfig& config;
  common::Logger& logger;
  const common::Clock& clock;
  common::Counter& hits;
  common::Counter& misses;
  common::Counter& upstreamErrors;
  common::Counter& upstreamBytes;
  common::Counter& requests;
  const std::string basePath;       // a path prefix of the registry URL, usually ""
  const std::string authorization;  // the node's own credential; "" when none is configured
  http::Client& registry;
  StorageDriver& driver;
  BlobStore& blobs;
  UploadStore& uploads;
  AnonymousPullRecords& anonymousPulls;
  std::mutex lruMutex;
  ProxyLru lru;
  BlobFetches fetches;
  std::atomic<bool> stopping{false};

  // The registry's URL for a request's path (and query): the path prefix, re-encoded as the
  // client received it.
  std::string targetOf(const http::ServerRequest& req, bool withQuery) const;
  http::Headers forwardHeaders(const http::ServerRequest& req) const;
  http::Headers anonymousHeaders(const http::ServerRequest& req) const;
  http::Headers fetchHeaders(const http::ServerRequest& req) const;
  common::Result<http::Response> head(const std::string& target, http::Headers headers) const;
  void copyHeaders(const http::Response& from, http::ServerResponse& to) const;
  void forward(const http::ServerRequest& req, http::ServerResponse& res);
  void serveBlob(const http::ServerRequest& req, http::ServerResponse& res,
                 const BlobRequest& blob);
  void serveWhileUnreachable(const http::ServerRequest& req, http::ServerResponse& res,
                             const BlobRequest& blob);
  void learnAnonymous(const http::ServerRequest& req, const BlobRequest& blob, int clientStatus);
  void sendBlob(const http::ServerRequest& req, http::ServerResponse& res,
                const oci::Digest& digest, std::shared_ptr<BlobFetch> fetch, uint64_t length);
  std::shared_ptr<BlobFetch> cachedFetch(const oci::Digest& digest, uint64_t length);
  void runFetch(BlobFetch& fetch, const std::string& path, const http::Headers& headers);
  void used(const oci::Digest& digest, uint64_t size);
};

std::string NodeProxyService::Impl::targetOf(const http::ServerRequest& req, bool withQuery) const {
  std::string target = basePath + req.path;
  if (withQuery && !req.params.empty()) {
    target += "?" + http::encodeQuery(req.params);
  }
  return http::encodeTarget(target);
}

http::Headers NodeProxyService::Impl::forwardHeaders(const http::ServerRequest& req) const {
  http::Headers out;
  for (const char* name : {"Authorization", "Accept", "User-Agent"}) {
    for (const std::string& value : req.headerValues(name)) out.emplace(name, value);
  }
  return out;
}

// The client's request without its credential: what the registry gives anyone.
http::Headers NodeProxyService::Impl::anonymousHeaders(const http::ServerRequest& req) const {
  http::Headers out = forwardHeaders(req);
  out.erase("Authorization");
  return out;
}

// The blob bytes are fetched with the node's own credential once the client's HEAD was allowed:
// the fetch is shared by every client waiting for the blob, and one client's token expiring
// must not cut it for the others.
http::Headers NodeProxyService::Impl::fetchHeaders(const http::ServerRequest& req) const {
  if (authorization.empty()) return forwardHeaders(req);
  http::Headers out = anonymousHeaders(req);
  out.emplace("Authorization", authorization);
  return out;
}

common::Result<http::Response> NodeProxyService::Impl::head(const std::string& target,
                                                            http::Headers headers) const {
  http::Request request;
  request.method = "HEAD";
  request.target = target;
  request.headers = std::move(headers);
  return registry.send(request);
}

void NodeProxyService::Impl::copyHeaders(const http::Response& from,
                                         http::ServerResponse& to) const {
  for (const char* name : kForwardedHeaders) {
    if (http::hasHeader(from.headers, name)) to.setHeader(name, from.header(name));
  }
}

void NodeProxyService::Impl::used(const oci::Digest& digest, uint64_t size) {
  std::lock_guard lock(lruMutex);
  lru.use(digest.str(), "", size, clock.unixSeconds());
  for (const auto& victim :
       lru.victims(static_cast<uint64_t>(config.cacheMaxBytes), digest.str())) {
    if (auto d = oci::Digest::parse(victim)) {
      std::unique_lock commit(blobs.commitLock());
      const std::string data = paths::blobData(*d);
      (void)driver.remove(data.substr(0, data.rfind('/')));
      (void)anonymousPulls.forget(*d);
    }
    lru.forget(victim);
  }
}

// Manifests, tags, the base endpoint and token requests: small answers, forwarded whole.
void NodeProxyService::Impl::forward(const http::ServerRequest& req, http::ServerResponse& res) {
  const bool isHead = req.method == "HEAD";
  http::Request request;
  request.method = isHead ? "HEAD" : "GET";
  request.target = targetOf(req, true);
  request.headers = forwardHeaders(req);
  request.maxBodyBytes = kMaxForwardedBody;
  auto upstream = registry.send(request);
  if (!upstream) {
    upstreamErrors.inc();
    logger.warn("node proxy: registry unreachable",
                {{"path", req.path}, {"error", upstream.error().message}});
    return sendError(res, Error{ErrorCode::Unavailable, "registry unreachable"});
  }
  res.status = upstream->status;
  copyHeaders(*upstream, res);
  const std::string type = upstream->header("Content-Type");
  if (isHead) {
    if (http::hasHeader(upstream->headers, "Content-Length")) {
      res.setHeader("Content-Length", upstream->header("Content-Length"));
    }
    return;
  }
  res.setContent(std::move(upstream->body), type.empty() ? "application/octet-stream" : type);
}

void NodeProxyService::Impl::runFetch(BlobFetch& fetch, const std::string& path,
                                      const http::Headers& headers) {
  auto upload = uploads.start(kCacheRepository);
  if (!upload) return fetch.finished(std::move(upload).error());
  const std::string id = upload->id;
  common::Status transfer;
  BodySource body = [&](const ChunkSink& sink) {
    http::Request request;
    request.target = path;
    request.headers = headers;
    int status = 0;
    request.onResponse = [&](const http::Response& r) {
      status = r.status;
      const auto length = r.contentLength();
      if (status != 200 || !length) return http::BodyAction::Stop;
      fetch.started(*length, paths::uploadData(kCacheRepository, id));
      return http::BodyAction::Stream;
    };
    request.sink = [&](const char* data, size_t size) {
      if (stopping.load() || !sink(data, size)) return false;
      upstreamBytes.inc(static_cast<double>(size));
      fetch.wrote(size);
      return true;
    };
    auto result = registry.send(request);
    if (!result || status != 200) {
      // A refused status stops the transfer at its headers: name the status then.
      const bool refused = status != 0 && status != 200;
      transfer =
          Error{ErrorCode::Unavailable, "registry blob fetch failed",
                refused || result ? "HTTP " + std::to_string(status) : result.error().message};
      return false;
    }
    return true;
  };
  uint64_t bytes = 0;
  auto appended = uploads.append(kCacheRepository, id, std::nullopt, std::nullopt, body, &bytes);
  if (!transfer || !appended) {
    (void)uploads.cancel(kCacheRepository, id);
    upstreamErrors.inc();
    // A 401 here means the node's own credential (nodeProxy.registryAuth) is wrong.
    logger.warn("node proxy: blob fetch failed",
                {{"digest", fetch.digest().str()},
                 {"error", !transfer ? transfer.error().message + ": " + transfer.error().detail
                                     : appended.error().message}});
    return fetch.finished(!transfer ? transfer : common::Status(std::move(appended).error()));
  }
  auto completed = uploads.complete(kCacheRepository, id, fetch.digest(), nullptr, &bytes);
  if (!completed) {
    upstreamErrors.inc();
    logger.warn("node proxy: blob failed verification", {{"digest", fetch.digest().str()}});
    return fetch.finished(Error{ErrorCode::Unavailable, "blob failed verification"});
  }
  used(fetch.digest(), completed->size);
  fetch.finished({});
}

// The registry decides who may read a blob, cached or not, with the client's own credential
// (never the node's): a HEAD costs no blob bytes.
void NodeProxyService::Impl::serveBlob(const http::ServerRequest& req, http::ServerResponse& res,
                                       const BlobRequest& blob) {
  const std::string path = targetOf(req, false);
  auto check = head(path, forwardHeaders(req));
  if (!check) return serveWhileUnreachable(req, res, blob);
  learnAnonymous(req, blob, check->status);
  if (check->status != 200) {
    copyHeaders(*check, res);
    if (req.method != "HEAD") {
      res.setContent(oci::errorEnvelope(refusalFor(check->status)), "application/json");
    }
    res.status = check->status;
    return;
  }
  if (auto cached = blobs.size(blob.digest)) {
    hits.inc();
    return sendBlob(req, res, blob.digest, cachedFetch(blob.digest, *cached), *cached);
  }
  misses.inc();
  auto fetch = fetches.join(blob.digest, [this, path, headers = fetchHeaders(req)](BlobFetch& f) {
    runFetch(f, path, headers);
  });
  auto started = fetch->waitForStart();
  if (!started) return sendError(res, started.error());
  sendBlob(req, res, blob.digest, std::move(fetch), *started);
}

// Without the registry nobody can say who may read what, so only what it serves to anyone
// (as last learnt, per repository) leaves the cache; everything else fails closed.
void NodeProxyService::Impl::serveWhileUnreachable(const http::ServerRequest& req,
                                                   http::ServerResponse& res,
                                                   const BlobRequest& blob) {
  upstreamErrors.inc();
  auto cached = blobs.size(blob.digest);
  if (!cached || !anonymousPulls.allowed(blob.repository, blob.digest)) {
    return sendError(res, Error{ErrorCode::Unavailable, "registry unreachable",
                                "only blobs the registry serves anonymously are served from "
                                "the node cache while it cannot be asked"});
  }
  logger.warn("node proxy: registry unreachable; serving a cached anonymously pullable blob",
              {{"repository", blob.repository}, {"digest", blob.digest.str()}});
  hits.inc();
  sendBlob(req, res, blob.digest, cachedFetch(blob.digest, *cached), *cached);
}

// Records whether the registry serves the blob to a client without credentials: the client's
// own answer when it sent none, otherwise an anonymous HEAD (only once the client may read, so
// a refused client costs one request). An unreachable registry leaves the record as it was.
void NodeProxyService::Impl::learnAnonymous(const http::ServerRequest& req, const BlobRequest& blob,
                                            int clientStatus) {
  bool anonymous = clientStatus == 200;
  if (req.hasHeader("Authorization")) {
    if (clientStatus != 200) return;
    auto probe = head(targetOf(req, false), anonymousHeaders(req));
    if (!probe) return;
    anonymous = probe->status == 200;
  }
  if (auto learnt = anonymousPulls.learn(blob.repository, blob.digest, anonymous); !learnt) {
    logger.warn("node proxy: cannot record anonymous pull",
                {{"digest", blob.digest.str()}, {"error", learnt.error().message}});
  }
}

std::shared_ptr<BlobFetch> NodeProxyService::Impl::cachedFetch(const oci::Digest& digest,
                                                               uint64_t length) {
  used(digest, length);
  auto fetch = std::make_shared<BlobFetch>(digest);
  fetch->started(length, "");
  fetch->finished({});
  return fetch;
}

void NodeProxyService::Impl::sendBlob(const http::ServerRequest& req, http::ServerResponse& res,
                                      const oci::Digest& digest, std::shared_ptr<BlobFetch> fetch,
                                      uint64_t length) {
  res.status = 200;
  res.setHeader("Docker-Content-Digest", digest.str());
  res.setHeader("ETag", "\"" + digest.str() + "\"");
  if (req.method == "HEAD") {
    res.setHeader("Content-Length", std::to_string(length));
    return;
  }
  if (length == 0) {
    if (auto end = fetch->waitForEnd(); !end) return sendError(res, end.error());
    res.setContent("", "application/octet-stream");
    return;
  }
  res.setContentProvider(length, "application/octet-stream",
                         streamFetch(std::move(fetch), driver, blobs));
}

NodeProxyService::NodeProxyService(const common::NodeProxyConfig& config, NodeProxyParts parts,
                                   common::Logger& logger, common::Metrics& metrics,
                                   const common::Clock& clock)
    : impl_(std::make_unique<Impl>(config, std::move(parts), logger, metrics, clock)) {}

NodeProxyService::~NodeProxyService() { stop(); }

void NodeProxyService::indexCache() {
  auto& s = *impl_;
  (void)s.driver.remove(paths::repository(kCacheRepository));  // sessions of a previous run
  if (auto prefixes = s.driver.list(paths::blobAlgorithmDir("sha256"))) {
    for (const auto& prefix : *prefixes) {
      auto hexes = s.driver.list(paths::blobAlgorithmDir("sha256") + "/" + prefix);
      if (!hexes) continue;
      for (const auto& hex : *hexes) {
        auto digest = oci::Digest::parse("sha256:" + hex);
        if (!digest) continue;
        if (auto info = s.driver.stat(paths::blobData(*digest))) {
          s.lru.use(digest->str(), "", info->size, info->modifiedUnixSeconds);
        }
      }
    }
  }
  s.logger.info("node proxy cache opened", {{"path", s.config.cacheDir},
                                            {"bytes", s.lru.totalBytes()},
                                            {"registry", s.config.upstreamRegistry},
                                            {"registryUser", s.config.registryAuth.username}});
}

void NodeProxyService::registerRoutes(http::Router& router) {
  Impl* s = impl_.get();
  router.addPattern(
      "GET", kV2Pattern,
      [s](const http::ServerRequest& req, http::ServerResponse& res, http::BodyReader&) {
        s->requests.inc();
        res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
        if (auto blob = blobRequestOf(req.path)) return s->serveBlob(req, res, *blob);
        s->forward(req, res);
      });
  // Pushes are refused before any byte of their body is read: the server answers a body sent
  // to a route that takes none and closes the connection.
  auto refuse = [](const http::ServerRequest&, http::ServerResponse& res, http::BodyReader&) {
    sendError(res, Error{ErrorCode::Unsupported,
                         "the node-local endpoint is pull-only; push to the registry"});
  };
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    router.addPattern(method, kV2Pattern, refuse);
  }
}

void NodeProxyService::stop() {
  impl_->stopping = true;
  impl_->fetches.stop();
}

}  // namespace berth::registry
