// HTTP adapter for uploads: POST /v2/<name>/blobs/uploads/ (session, monolithic, mount) and
// PATCH, PUT, GET, DELETE on /v2/<name>/blobs/uploads/<uuid>.
#include <optional>
#include <shared_mutex>

#include "common/oci/image_reference.h"
#include "registry/api/exchange.h"
#include "registry/storage/repository_walker.h"
#include "registry/storage/upload_quota.h"
#include "registry/storage/upload_range.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

void sessionHeaders(Exchange& ex, const UploadState& state) {
  ex.res.setHeader("Location", repositoryUrl(ex.route.name, "blobs/uploads/" + state.id));
  ex.res.setHeader("Docker-Upload-UUID", state.id);
  ex.res.setHeader("Range", uploadRangeHeader(state.size));
}

void blobCreated(RegistryContext& ctx, Exchange& ex, const CompletedUpload& done) {
  if (done.newBlob) ctx.metrics.blobAdded(done.size);
  ex.digest = done.digest.str();
  ex.blobBytes = done.size;
  ex.res.status = 201;
  ex.res.setHeader("Location", repositoryUrl(ex.route.name, "blobs/" + done.digest.str()));
  ex.res.setHeader("Docker-Content-Digest", done.digest.str());
}

common::Result<oci::Digest> digestParam(Exchange& ex) {
  if (!ex.hasParam("digest")) {
    return Error{ErrorCode::DigestInvalid, "the digest query parameter is required"};
  }
  return oci::Digest::parse(ex.param("digest"));
}

// A mount reads the source: both the access rules and the pull rules of the policy must let
// the client read it there.
bool mayPull(RegistryContext& ctx, Exchange& ex, const std::string& repository,
             const oci::Digest& digest) {
  return ctx.auth
             .authorize(ex.req.header("Authorization"), ex.req.header("Host"), repository,
                        AccessAction::Pull)
             .allowed &&
         ctx.gate.checkPull(repository, digest.str());
}

// The repository a blob can be mounted from: `from` when given, otherwise any repository that
// holds it and that the client may read. nullopt: mount not possible, start an upload instead.
std::optional<std::string> mountSource(RegistryContext& ctx, Exchange& ex,
                                       const oci::Digest& digest) {
  if (ex.hasParam("from")) {
    const std::string from = ex.param("from");
    if (!oci::isValidRepositoryPath(from)) return std::nullopt;
    if (ctx.blobs.linked(from, digest) && mayPull(ctx, ex, from, digest)) return from;
    return std::nullopt;
  }
  auto repositories = walkRepositories(ctx.driver);
  if (!repositories) return std::nullopt;
  for (const auto& repo : *repositories) {
    if (repo.name != ex.route.name && ctx.blobs.linked(repo.name, digest) &&
        mayPull(ctx, ex, repo.name, digest)) {
      return repo.name;
    }
  }
  return std::nullopt;
}

std::string sessionOwner(const Exchange& ex) {
  return uploadOwner(ex.principal.account, ex.req.remoteAddr);
}

common::Status startSession(RegistryContext& ctx, Exchange& ex) {
  ex.drainBody();
  BERTH_TRY_ASSIGN(UploadState state, ctx.uploads.start(ex.route.name, sessionOwner(ex)));
  ex.res.status = 202;
  sessionHeaders(ex, state);
  return {};
}

}  // namespace

common::Status handleUploadStart(RegistryContext& ctx, Exchange& ex) {
  if (ex.req.method != "POST") {
    return Error{ErrorCode::Unsupported, "method not allowed on uploads", ex.req.method};
  }
  if (ex.hasParam("mount")) {
    BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.param("mount")));
    ex.digest = digest.str();
    if (ex.hasParam("from") && !oci::isValidRepositoryPath(ex.param("from"))) {
      return Error{ErrorCode::NameInvalid, "invalid repository name in from", ex.param("from")};
    }
    if (auto source = mountSource(ctx, ex, digest)) {
      ex.drainBody();
      std::shared_lock commit(ctx.blobs.commitLock());
      BERTH_TRY_ASSIGN(uint64_t size, ctx.blobs.size(digest));
      BERTH_TRY(ctx.blobs.link(ex.route.name, digest));
      blobCreated(ctx, ex, CompletedUpload{digest, size, false});
      return {};
    }
    return startSession(ctx, ex);  // the spec's fallback when a mount is not possible
  }
  if (ex.hasParam("digest")) {
    BERTH_TRY_ASSIGN(oci::Digest digest, digestParam(ex));
    ex.digest = digest.str();
    BERTH_TRY_ASSIGN(UploadState state, ctx.uploads.start(ex.route.name, sessionOwner(ex)));
    const BodySource body = ex.body();
    auto done =
        ctx.uploads.complete(ex.route.name, state.id, digest, &body, nullptr, ex.contentLength());
    if (!done) {
      (void)ctx.uploads.cancel(ex.route.name, state.id);
      return std::move(done).error();
    }
    blobCreated(ctx, ex, *done);
    return {};
  }
  return startSession(ctx, ex);
}

common::Status handleUpload(RegistryContext& ctx, Exchange& ex) {
  const std::string& m = ex.req.method;
  const std::string& id = ex.route.reference;
  if (m == "GET") {
    BERTH_TRY_ASSIGN(UploadState state, ctx.uploads.status(ex.route.name, id));
    ex.res.status = 204;
    sessionHeaders(ex, state);
    return {};
  }
  if (m == "PATCH") {
    std::optional<std::string> contentRange;
    if (ex.req.hasHeader("Content-Range")) contentRange = ex.req.header("Content-Range");
    auto state =
        ctx.uploads.append(ex.route.name, id, contentRange, ex.contentLength(), ex.body(), nullptr);
    if (!state) {
      ex.drainBody();
      if (state.error().code == ErrorCode::RangeInvalid) {
        if (auto current = ctx.uploads.status(ex.route.name, id)) sessionHeaders(ex, *current);
      }
      return std::move(state).error();
    }
    ex.res.status = 202;
    sessionHeaders(ex, *state);
    return {};
  }
  if (m == "PUT") {
    auto digest = digestParam(ex);
    if (!digest) {
      ex.drainBody();
      return std::move(digest).error();
    }
    ex.digest = digest->str();
    if (ex.req.hasHeader("Content-Range")) {
      auto state = ctx.uploads.status(ex.route.name, id);
      auto range = parseContentRange(ex.req.header("Content-Range"));
      common::Status ok = !state   ? common::Status(state.error())
                          : !range ? common::Status(range.error())
                                   : checkChunkRange(state->size, *range, ex.contentLength());
      if (!ok) {
        ex.drainBody();
        return ok;
      }
    }
    const BodySource body = ex.body();
    auto done =
        ctx.uploads.complete(ex.route.name, id, *digest, &body, nullptr, ex.contentLength());
    ex.drainBody();
    BERTH_TRY(done);
    blobCreated(ctx, ex, *done);
    return {};
  }
  if (m == "DELETE") {
    BERTH_TRY(ctx.uploads.cancel(ex.route.name, id));
    ex.res.status = 204;
    return {};
  }
  return Error{ErrorCode::Unsupported, "method not allowed on upload sessions", m};
}

}  // namespace berth::registry
