// HTTP adapter for /v2/<name>/manifests/<reference>: GET, HEAD, PUT, DELETE.
#include <shared_mutex>
#include <sstream>

#include "registry/api/exchange.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

Error immutableError(const std::string& repository, const std::string& tag, const std::string& rule,
                     const std::string& what) {
  return Error{
      ErrorCode::Denied,
      "tag " + repository + ":" + tag + " is immutable (policy rule '" + rule + "'): " + what,
      rule};
}

// Splits Accept headers into media types (parameters and q-values dropped).
std::vector<std::string> acceptedTypes(const httplib::Request& req) {
  std::vector<std::string> out;
  const size_t count = req.get_header_value_count("Accept");
  for (size_t i = 0; i < count; ++i) {
    std::stringstream values(req.get_header_value("Accept", i));
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
bool acceptable(const httplib::Request& req, const std::string& mediaType) {
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
  const std::string& mediaType = manifest.mediaType;
  if (!acceptable(ex.req, mediaType)) {
    return Error{ErrorCode::ManifestUnknown,
                 "manifest media type " + mediaType + " is not in the request's Accept header",
                 mediaType};
  }
  ex.res.status = 200;
  ex.res.set_header("Docker-Content-Digest", digest.str());
  ex.res.set_header("ETag", "\"" + digest.str() + "\"");
  if (!head) ex.bytesOut = manifest.bytes->size();
  ex.res.set_content(*manifest.bytes, mediaType);
  return {};
}

common::Status checkReferences(RegistryContext& ctx, const std::string& repository,
                               const oci::ManifestInfo& info) {
  for (const auto& blob : info.blobs) {
    if (!ctx.blobs.linked(repository, blob) || !ctx.blobs.touch(blob)) {
      return Error{ErrorCode::ManifestBlobUnknown, "manifest references an unknown blob",
                   blob.str()};
    }
  }
  for (const auto& child : info.manifests) {
    if (!ctx.manifests.exists(repository, child)) {
      return Error{ErrorCode::ManifestBlobUnknown, "index references an unknown manifest",
                   child.str()};
    }
    (void)ctx.blobs.touch(child);
  }
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
                   oci::parseManifest(bytes, ex.req.get_header_value("Content-Type")));

  std::unique_lock<std::mutex> tagLock;
  std::optional<std::string> immutable;  // the rule that makes the tag immutable
  if (!ex.route.referenceIsDigest) {
    tagLock = std::unique_lock(ctx.tagLocks.forTag(ex.route.name, ex.route.reference));
    BERTH_TRY_ASSIGN(immutable, ctx.gate.immutableRule(ex.route.name, ex.route.reference));
    if (immutable) {
      auto current = ctx.manifests.resolveTag(ex.route.name, ex.route.reference);
      if (current && *current != digest) {
        return immutableError(ex.route.name, ex.route.reference, *immutable,
                              "it already points at " + current->str());
      }
    }
  }
  {
    // Shared with other pushes, exclusive with the garbage collector's sweep: the references
    // checked here stay valid until the manifest that holds them is written.
    std::shared_lock commit(ctx.blobs.commitLock());
    BERTH_TRY(checkReferences(ctx, ex.route.name, info));
    BERTH_TRY(ctx.manifests.put(ex.route.name, digest, bytes, info));
    if (immutable) {
      // The check above is per process; another replica may create the tag meanwhile. Only
      // the first version of an immutable tag is ever written, create-only in storage.
      BERTH_TRY_ASSIGN(oci::Digest current,
                       ctx.manifests.createTag(ex.route.name, ex.route.reference, digest));
      if (current != digest) {
        return immutableError(ex.route.name, ex.route.reference, *immutable,
                              "it already points at " + current.str());
      }
    } else if (!ex.route.referenceIsDigest) {
      BERTH_TRY(ctx.manifests.setTag(ex.route.name, ex.route.reference, digest));
    }
  }
  ex.res.status = 201;
  ex.res.set_header("Location", repositoryUrl(ex.route.name, "manifests/" + digest.str()));
  ex.res.set_header("Docker-Content-Digest", digest.str());
  if (info.subject) ex.res.set_header("OCI-Subject", info.subject->str());
  return {};
}

common::Status deleteManifest(RegistryContext& ctx, Exchange& ex) {
  if (!ctx.manifests.repositoryExists(ex.route.name)) {
    return Error{ErrorCode::NameUnknown, "repository name not known to registry", ex.route.name};
  }
  if (!ex.route.referenceIsDigest) {
    std::lock_guard tagLock(ctx.tagLocks.forTag(ex.route.name, ex.route.reference));
    BERTH_TRY_ASSIGN(oci::Digest digest, ctx.manifests.resolveTag(ex.route.name, ex.route.reference));
    ex.digest = digest.str();
    BERTH_TRY_ASSIGN(auto rule, ctx.gate.immutableRule(ex.route.name, ex.route.reference));
    if (rule) {
      return immutableError(ex.route.name, ex.route.reference, *rule, "it cannot be deleted");
    }
    BERTH_TRY(ctx.manifests.removeTag(ex.route.name, ex.route.reference));
  } else {
    ex.digest = ex.route.reference;
    BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(ex.route.reference));
    if (!ctx.manifests.exists(ex.route.name, digest)) {
      return Error{ErrorCode::ManifestUnknown, "manifest unknown to registry", digest.str()};
    }
    // Deleting by digest would drop its tags too: an immutable one forbids it.
    BERTH_TRY_ASSIGN(auto tags, ctx.manifests.tagsPointingAt(ex.route.name, digest));
    for (const auto& tag : tags) {
      BERTH_TRY_ASSIGN(auto rule, ctx.gate.immutableRule(ex.route.name, tag));
      if (rule) {
        return immutableError(ex.route.name, tag, *rule, "its manifest cannot be deleted");
      }
    }
    BERTH_TRY(ctx.manifests.removeRevision(ex.route.name, digest));
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
