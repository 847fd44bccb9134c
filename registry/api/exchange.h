#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "common/error.h"
#include "common/http/body_reader.h"
#include "common/http/server_request.h"
#include "common/http/server_response.h"
#include "common/log.h"
#include "policy/policy.h"
#include "registry/api/policy_gate.h"
#include "registry/api/registry_metrics.h"
#include "registry/api/router.h"
#include "registry/audit/operation.h"
#include "registry/auth/authorizer.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver/storage_driver.h"
#include "registry/storage/manifest_store.h"
#include "registry/storage/repositories.h"
#include "registry/storage/upload_store.h"

namespace berth::registry {

// Everything a handler may use; server/registry_assembly builds and owns each part.
struct RegistryContext {
  const common::RegistryConfig& config;
  common::Logger& logger;
  const common::Clock& clock;
  policy::PolicySource& policy;
  StorageDriver& driver;
  BlobStore& blobs;
  UploadStore& uploads;
  ManifestStore& manifests;
  Authorizer& auth;
  RegistryMetrics& metrics;
  Repositories& repositories;
  const PolicyGate& gate;
};

// One request in flight: the parsed route, who asked, and what the audit line will say.
struct Exchange {
  const http::ServerRequest& req;
  http::ServerResponse& res;
  http::BodyReader& reader;  // reads nothing for a request without a body
  Route route;
  Principal principal;
  std::optional<AuditOperation> operation;  // auditedOperation(); none: not audited
  std::string digest;                       // the content's digest, when known
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  bool bodyConsumed = false;
  // The policy's decision for a GET or HEAD of a manifest or blob, made once before the
  // handler runs; the signature check at pull reads its gates.
  std::optional<policy::Decision> pullDecision;
  // A push that completed a blob: its size, which the audit line gives as the bytes pushed (the
  // final PUT of a chunked upload carries few or none of them).
  std::optional<uint64_t> blobBytes;

  // The request body as a stream; may be used once.
  BodySource body();
  // Reads a body of at most `limit` bytes; SIZE_INVALID beyond (the rest is drained).
  common::Result<std::string> readBody(uint64_t limit);
  // Reads and discards an unread body (each read bounded by registry.readTimeout) so that the
  // connection can carry the next request.
  void drainBody();
  std::optional<uint64_t> contentLength() const;
  std::string param(const char* key) const;
  bool hasParam(const char* key) const { return req.hasParam(key); }
};

// The one envelope writer: status and {"errors":[...]} from the OCI error table. Internal
// causes are logged here and never sent.
void sendError(Exchange& ex, const common::Error& error, common::Logger& logger);

// Location of a repository resource: "/v2/<name>/<suffix>".
std::string repositoryUrl(const std::string& name, const std::string& suffix);

// Handlers, one file per resource. Each returns an error for the dispatcher to send.
common::Status handleManifest(RegistryContext& ctx, Exchange& ex);
common::Status handleBlob(RegistryContext& ctx, Exchange& ex);
common::Status handleUploadStart(RegistryContext& ctx, Exchange& ex);
common::Status handleUpload(RegistryContext& ctx, Exchange& ex);
common::Status handleTags(RegistryContext& ctx, Exchange& ex);
common::Status handleCatalog(RegistryContext& ctx, Exchange& ex);
common::Status handleReferrers(RegistryContext& ctx, Exchange& ex);

}  // namespace berth::registry
