#include "admission/admission_review.h"

#include <cctype>

#include "admission/json_patch.h"
#include "common/base64.h"

namespace berth::admission {
namespace {

using nlohmann::json;

// Thrown by the parser callback to stop at the first too-deep value; caught below.
struct TooDeep {};

common::Error invalid(std::string message) {
  return common::Error{common::ErrorCode::InvalidArgument, std::move(message)};
}

// Reads an optional string member; a present non-string value is an error.
bool readString(const json& parent, const char* key, std::string& out, std::string& problem) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return true;
  if (!it->is_string()) {
    problem = std::string("request.") + key + " must be a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

common::Result<AdmissionRequest> fromJson(json& root) {
  if (!root.is_object()) {
    return invalid("the body is not a JSON object (expected an AdmissionReview)");
  }
  const auto apiVersion = root.find("apiVersion");
  const auto kind = root.find("kind");
  if (kind == root.end() || !kind->is_string() || *kind != "AdmissionReview") {
    return invalid("the body is not an AdmissionReview (kind must be \"AdmissionReview\")");
  }
  if (apiVersion == root.end() || !apiVersion->is_string() ||
      apiVersion->get_ref<const std::string&>() != kAdmissionApiVersion) {
    const std::string got = apiVersion != root.end() && apiVersion->is_string()
                                ? apiVersion->get<std::string>()
                                : std::string("(missing)");
    return invalid("unsupported AdmissionReview apiVersion " + got + ": only " +
                   std::string(kAdmissionApiVersion) +
                   " is served (set admissionReviewVersions: [v1] in the webhook configuration)");
  }
  const auto requestIt = root.find("request");
  if (requestIt == root.end() || !requestIt->is_object()) {
    return invalid("the AdmissionReview has no request object");
  }
  json& request = *requestIt;
  AdmissionRequest out;
  std::string problem;
  if (!readString(request, "uid", out.uid, problem)) return invalid(problem);
  if (out.uid.empty()) return invalid("the AdmissionReview request has no uid");
  if (!readString(request, "operation", out.operation, problem) ||
      !readString(request, "namespace", out.namespaceName, problem) ||
      !readString(request, "name", out.name, problem) ||
      !readString(request, "subResource", out.subResource, problem)) {
    return invalid(problem);
  }
  if (out.operation.empty()) return invalid("the AdmissionReview request has no operation");
  const auto kindIt = request.find("kind");
  if (kindIt == request.end() || !kindIt->is_object()) {
    return invalid("the AdmissionReview request has no kind object");
  }
  if (!readString(*kindIt, "group", out.kind.group, problem) ||
      !readString(*kindIt, "version", out.kind.version, problem) ||
      !readString(*kindIt, "kind", out.kind.kind, problem)) {
    return invalid("kind: " + problem);
  }
  if (const auto res = request.find("resource"); res != request.end() && res->is_object()) {
    if (!readString(*res, "resource", out.resource, problem)) return invalid(problem);
  }
  if (const auto user = request.find("userInfo"); user != request.end() && user->is_object()) {
    if (!readString(*user, "username", out.userName, problem)) {
      return invalid("userInfo: " + problem);
    }
  }
  if (const auto dry = request.find("dryRun"); dry != request.end() && !dry->is_null()) {
    if (!dry->is_boolean()) return invalid("request.dryRun must be a boolean");
    out.dryRun = dry->get<bool>();
  }
  for (const char* key : {"object", "oldObject"}) {
    const auto it = request.find(key);
    if (it == request.end() || it->is_null()) continue;
    if (!it->is_object()) return invalid(std::string("request.") + key + " must be an object");
    (std::string_view(key) == "object" ? out.object : out.oldObject) = std::move(*it);
  }
  return out;
}

}  // namespace

common::Result<AdmissionRequest> decodeAdmissionReview(std::string_view body,
                                                       const DecodeLimits& limits) {
  if (body.size() > limits.maxBodyBytes) {
    return invalid("the request body is " + std::to_string(body.size()) + " bytes, more than the " +
                   std::to_string(limits.maxBodyBytes) + " allowed");
  }
  if (body.empty()) return invalid("the request body is empty (expected an AdmissionReview)");
  const int maxDepth = limits.maxDepth;
  json root;
  try {
    root = json::parse(body.begin(), body.end(),
                       [maxDepth](int depth, json::parse_event_t event, json&) {
                         if ((event == json::parse_event_t::object_start ||
                              event == json::parse_event_t::array_start) &&
                             depth >= maxDepth) {
                           throw TooDeep{};
                         }
                         return true;
                       });
  } catch (const TooDeep&) {
    return invalid("the request body nests deeper than " + std::to_string(maxDepth) + " levels");
  } catch (const json::exception& e) {
    return invalid(std::string("the request body is not valid JSON: ") + e.what());
  }
  return fromJson(root);
}

std::optional<std::string> findRequestUid(std::string_view prefix) {
  const size_t request = prefix.find("\"request\"");
  if (request == std::string_view::npos) return std::nullopt;
  size_t at = prefix.find("\"uid\"", request);
  if (at == std::string_view::npos) return std::nullopt;
  at += 5;
  auto skipSpace = [&] {
    while (at < prefix.size() && std::isspace(static_cast<unsigned char>(prefix[at]))) ++at;
  };
  skipSpace();
  if (at >= prefix.size() || prefix[at] != ':') return std::nullopt;
  ++at;
  skipSpace();
  if (at >= prefix.size() || prefix[at] != '"') return std::nullopt;
  const size_t start = ++at;
  // A UID is a UUID from the API server: letters, digits and dashes, never escaped.
  while (at < prefix.size() && at - start <= 128 &&
         (std::isalnum(static_cast<unsigned char>(prefix[at])) || prefix[at] == '-')) {
    ++at;
  }
  if (at >= prefix.size() || prefix[at] != '"' || at == start) return std::nullopt;
  return std::string(prefix.substr(start, at - start));
}

std::string encodeAdmissionReview(const AdmissionResponse& response) {
  json r = {{"uid", response.uid}, {"allowed", response.allowed}};
  if (response.code != 0 || !response.message.empty()) {
    json status = {{"message", response.message}};
    if (response.code != 0) status["code"] = response.code;
    if (!response.allowed) status["status"] = "Failure";
    r["status"] = std::move(status);
  }
  if (!response.patch.empty()) {
    r["patchType"] = "JSONPatch";
    r["patch"] = common::base64Encode(response.patch);
  }
  if (!response.warnings.empty()) r["warnings"] = response.warnings;
  if (!response.auditAnnotations.empty()) r["auditAnnotations"] = response.auditAnnotations;
  const json review = {{"apiVersion", std::string(kAdmissionApiVersion)},
                       {"kind", "AdmissionReview"},
                       {"response", std::move(r)}};
  return review.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace berth::admission
