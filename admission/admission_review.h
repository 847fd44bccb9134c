#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::admission {

inline constexpr std::string_view kAdmissionApiVersion = "admission.k8s.io/v1";

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

// The parts of an AdmissionReview v1 request the webhooks use. The object stays a JSON document:
// the webhooks read a few fields of it and patch by JSON pointer, so a typed copy would only
// cost time.
struct AdmissionRequest {
  std::string uid;
  GroupVersionKind kind;
  std::string resource;     // "pods", "deployments", ...
  std::string subResource;  // "ephemeralcontainers" or empty
  std::string operation;    // CREATE, UPDATE, DELETE, CONNECT
  std::string namespaceName;
  std::string name;
  std::string userName;
  bool dryRun = false;
  nlohmann::json object;     // null for DELETE
  nlohmann::json oldObject;  // set for UPDATE and DELETE
};

// What the API server can send: it accepts request bodies up to 3 MiB, and an UPDATE review
// carries the new object (up to that) and the stored old one (again up to that), both with
// their managedFields, plus the review's own fields. 2 x 3 MiB and 2 MiB for the rest.
inline constexpr size_t kDefaultMaxReviewBytes = 8 * 1024 * 1024;

struct DecodeLimits {
  size_t maxBodyBytes = kDefaultMaxReviewBytes;
  // Kubernetes objects nest about 15 levels; anything far deeper is an attack on the parser.
  int maxDepth = 64;
};

// Decodes an AdmissionReview v1 request. Every failure (too large, not JSON, too deep, another
// apiVersion, not an AdmissionReview, no request.uid, wrongly typed fields) is an
// InvalidArgument error whose message is safe to send back: without a uid there is no review to
// answer, so the webhook replies HTTP 400. This is the only place nlohmann parses input.
common::Result<AdmissionRequest> decodeAdmissionReview(std::string_view body,
                                                       const DecodeLimits& limits);

struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  int code = 0;  // status.code; 0 leaves status out (only when allowed and no message)
  std::string message;
  std::string patch;  // JSON Patch document (plain, not base64); empty: no patch
  std::vector<std::string> warnings;
  std::map<std::string, std::string> auditAnnotations;
};

// request.uid from the first bytes of a review too large to decode, so that it can still be
// answered with a denial instead of an HTTP error (which failurePolicy: Ignore would admit).
// The API server writes the uid near the start of the document.
std::optional<std::string> findRequestUid(std::string_view prefix);

// The AdmissionReview v1 response document; the patch is base64-encoded here.
std::string encodeAdmissionReview(const AdmissionResponse& response);

}  // namespace berth::admission
