// HTTP adapter for /v2/<name>/manifests/<reference>: GET, HEAD, PUT, DELETE.
#include <sstream>

#include "registry/api/exchange.h"
#include "registry/api/pull_gates.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

// Splits Accept headers into media types (parameters and q-values dropped).
std::vector<std::string> acceptedTypes(const http::ServerRequest& req) {
  std::vector<std::string> out;
  for (const std::string& accept : req.headerValues("Accept")) {
    std::stringstream values(accept);
    std::string item;
    while (std::getline(values, item, ',')) {
      std::string type = oci::baseMediaType(item);
      if (!type.empty()) out.push_back(type);
    }
  }
  return out;
}

// Content negotiation: refuse only a client that named manifest types and not this one
// (an old Docker client asking for schema 2 but given an OCI index, say).
bool acceptable(const http::ServerRequest& req, const std::string& mediaType) {
  const auto types = acceptedTypes(req);
  bool namesManifestTypes = false;
  for (const auto& t : types) {
    if (t == mediaType || t == "*/*" || t == "application/*") return true;
    namesManifestTypes = namesManifestTypes || oci::isSupportedManifestType(t);
  }
  return !namesManifestTypes;
}

common::Result<oci::Digest> resolve(RegistryContext& ctx, const Route& route) {
  if (route.referenceIsDigest) return oci::Digest::parse(route.reference);
  return ctx.manifests.resolveTag(route.name, route.reference);
}

common::Status getManifest(RegistryContext& ctx, Exchange& ex) {
  const bool head = ex.req.method == "HEAD";
  if (!ctx.manifests.repositoryExists(ex.route.name)) {
    return Error{ErrorCode::NameUnknown, "repository name not known to registry", ex.route.name};
  }
  BERTH_TRY_ASSIGN(oci::Digest digest, resolve(ctx, ex.route));
  ex.digest = digest.str();
  BERTH_TRY_ASSIGN(ManifestStore::Served manifest,
                   ctx.manifests.getForServing(ex.route.name, digest));
  // A HEAD answers with the digest, not the content: the mutating webhook pins tags with it, so
  // that admission can judge the image and say why; the GET a node runs the image from is gated.
  if (!head) BERTH_TRY(checkPullGates(ctx, ex, digest, *manifest.bytes));
  const std::string& mediaType = manifest.mediaType;
  if (!acceptable(ex.req, mediaType)) {
    return Error{ErrorCode::ManifestUnknown,
                 "manifest media type " + mediaType + " is not in the request's Accept header",
                 mediaType};
  }
  ex.res.status = 200;
  ex.res.setHeader("Docker-Content-Digest", digest.str());
  ex.res.setHeader("ETag", "\"" + digest.str() + "\"");
  if (!head) ex.bytesOut = manifest.bytes->size();
  ex.res.setContent(*manifest.bytes, mediaType);
  return {};
}

common::Status putManifest(RegistryContext& ctx, Exchange& ex) {
  const auto limit = static_cast<uint64_t>(ctx.config.maxManifestBytes);
  auto body = ex.readBody(limit);
  if (!body) {
    if (body.error().code == ErrorCode::SizeInvalid) {
      // 413, as the distribution spec asks of a manifest over the registry's limit.
      return Error{ErrorCode::PayloadTooLarge,
                   "manifest exceeds the limit of " + std::to_string(limit) + " bytes"};
    }
    return std::move(body).error();
  }
  const std::string& bytes = *body;
  const std::string algorithm = ex.route.referenceIsDigest
                                    ? ex.route.reference.substr(0, ex.route.reference.find(':'))
                                    : "sha256";
  const oci::Digest digest = oci::digestOf(bytes, algorithm);
  ex.digest = digest.str();
  if (ex.route.referenceIsDigest && digest.str() != ex.route.reference) {
    return Error{ErrorCode::DigestInvalid, "manifest digest does not match the reference",
                 digest.str()};
  }
  BERTH_TRY_ASSIGN(oci::ManifestInfo info,
                   oci::parseManifest(bytes, ex.req.header("Content-Type")));

  std::optional<std::string> tag;
  if (!ex.route.referenceIsDigest) tag = ex.route.reference;
  BERTH_TRY(ctx.repositories.putManifest(ex.route.name, digest, bytes, info, tag,
                                         References::MustExist, &ctx.gate));
  ex.res.status = 201;
  ex.res.setHeader("Location", repositoryUrl(ex.route.name, "manifests/" + digest.str()));
  ex.res.setHeader("Docker-Content-Digest", digest.str());
  if (info.subject) ex.res.setHeader("OCI-Subject", info.subject->str());
  return {};
}

common::Status deleteManifest(RegistryContext& ctx, Exchange& ex) {
  if (!ctx.manifests.repositoryExists(ex.route.name)) {
    return Error{ErrorCode::NameUnknown, "repository name not known to registry", ex.route.name};
  }
  if (!ex.route.referenceIsDigest) {
    // Known before the delete, so a refused attempt is audited with what it aimed at.
    if (auto current = ctx.manifests.resolveTag(ex.route.name, ex.route.reference)) {
      ex.digest = current->str();
    }
    BERTH_TRY(ctx.repositories.deleteTag(ex.route.name, ex.route.reference, &ctx.gate));
  } else {
    ex.digest = ex.route.reference;
    BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.route.reference));
    BERTH_TRY(ctx.repositories.deleteManifest(ex.route.name, digest, &ctx.gate));
  }
  ex.res.status = 202;
  return {};
}

}  // namespace

common::Status handleManifest(RegistryContext& ctx, Exchange& ex) {
  const std::string& m = ex.req.method;
  if (m == "GET" || m == "HEAD") return getManifest(ctx, ex);
  if (m == "PUT") return putManifest(ctx, ex);
  if (m == "DELETE") return deleteManifest(ctx, ex);
  return Error{ErrorCode::Unsupported, "method not allowed on manifests", m};
}

}  // namespace berth::registry
