#include "admission/webhook_service.h"

#include <array>
#include <chrono>

#include "admission/admission_review.h"
#include "admission/digest_resolver.h"
#include "admission/mutate.h"
#include "admission/request_timeout.h"
#include "admission/signature_verifier.h"
#include "admission/validate.h"
#include "admission/vulnerability_checker.h"
#include "common/http/router.h"
#include "policy/compiled_policy.h"

namespace berth::admission {
namespace {

enum class Webhook { Mutate = 0, Validate = 1 };

nlohmann::json gateResultsToJson(const std::vector<GateResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& result : results) {
    out.push_back({{"policy", result.policy},
                   {"rule", result.rule},
                   {"outcome", result.outcome},
                   {"reason", result.reason}});
  }
  return out;
}
constexpr std::array<const char*, 2> kWebhookNames = {"mutate", "validate"};
constexpr std::array<const char*, 6> kResults = {"allowed", "patched", "warned",
                                                 "denied",  "invalid", "bad_request"};
// The kinds with their own latency series; anything else is "other", which bounds cardinality.
constexpr std::array<const char*, 10> kKinds = {"Pod",
                                                "EphemeralContainers",
                                                "ReplicationController",
                                                "Deployment",
                                                "StatefulSet",
                                                "DaemonSet",
                                                "ReplicaSet",
                                                "Job",
                                                "CronJob",
                                                "other"};

size_t kindIndex(const std::string& kind) {
  for (size_t i = 0; i + 1 < kKinds.size(); ++i) {
    if (kind == kKinds[i]) return i;
  }
  return kKinds.size() - 1;
}

size_t resultIndex(const std::string& result) {
  for (size_t i = 0; i < kResults.size(); ++i) {
    if (result == kResults[i]) return i;
  }
  return 0;
}

// One entry per container; the reason only where it explains a refusal, since this line is
// written for every review and its size is most of the webhook's logging cost.
nlohmann::json imagesToJson(const std::vector<ImageJudgement>& images) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& j : images) {
    nlohmann::json entry = {{"container", j.container.pointer}, {"image", j.container.image}};
    if (j.unchanged) {
      entry["decision"] = "unchanged";
    } else if (!j.decision) {
      entry["decision"] = "invalid";
      entry["reason"] = j.invalidReference;
    } else {
      const policy::Decision& d = *j.decision;
      entry["decision"] = policy::verdictName(d.verdict);
      if (d.rule) entry["rule"] = *d.rule;
      if (d.verdict == policy::Verdict::Deny) entry["reason"] = d.reason;
      if (!j.patchedImage.empty()) entry["patched"] = j.patchedImage;
      if (!j.signatures.empty()) entry["signatures"] = gateResultsToJson(j.signatures);
      if (!j.vulnerabilities.empty()) {
        entry["vulnerabilities"] = gateResultsToJson(j.vulnerabilities);
      }
      if (!d.audits.empty() || !d.warnings.empty()) {
        nlohmann::json findings = nlohmann::json::array();
        for (const auto* list : {&d.warnings, &d.audits}) {
          for (const auto& f : *list) {
            findings.push_back({{"policy", f.policy},
                                {"rule", f.rule},
                                {"mode", policy::modeName(f.mode)},
                                {"message", f.message}});
          }
        }
        entry["findings"] = std::move(findings);
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

struct WebhookService::Impl {
  Impl(const common::WebhookConfig& webhook, std::string registryAuthorization,
       const common::RegistryConfig& registry, policy::PolicySource& source, common::Logger& log,
       common::Metrics& metrics, const common::Clock& clock)
      : policy(source),
        logger(log),
        resolver(registryUrlFor(webhook, registry), !webhook.registryUrl.empty(),
                 std::move(registryAuthorization)),
        verifier(resolver.endpoint(), clock),
        vulnerabilities(resolver.endpoint(), clock),
        maxBodyBytes(static_cast<size_t>(webhook.maxBodyBytes)) {
    limits.maxBodyBytes = maxBodyBytes;
    for (size_t w = 0; w < kWebhookNames.size(); ++w) {
      for (size_t r = 0; r < kResults.size(); ++r) {
        decisions[w][r] = &metrics.counter(
            "berth_webhook_decisions_total", "Admission reviews answered, by webhook and result",
            {{"webhook", kWebhookNames[w]}, {"result", kResults[r]}});
      }
      for (size_t k = 0; k < kKinds.size(); ++k) {
        latency[w][k] =
            &metrics.histogram("berth_webhook_request_duration_seconds",
                               "Time to answer an admission review, by webhook and object kind",
                               {{"webhook", kWebhookNames[w]}, {"kind", kKinds[k]}});
      }
    }
  }

  void handle(Webhook webhook, const http::ServerRequest& req, http::ServerResponse& res,
              http::BodyReader& reader);
  void refuseHuge(Webhook webhook, http::ServerResponse& res);
  void refuseOversize(Webhook webhook, const http::ServerRequest& req, http::ServerResponse& res,
                      std::string_view prefix, uint64_t bytes);
  void record(Webhook webhook, const AdmissionRequest& request, const Review& review,
              std::chrono::steady_clock::duration elapsed);

  policy::PolicySource& policy;
  common::Logger& logger;
  RegistryDigestResolver resolver;
  RegistrySignatureVerifier verifier;
  RegistryVulnerabilityChecker vulnerabilities;
  size_t maxBodyBytes;
  DecodeLimits limits;
  std::array<std::array<common::Counter*, kResults.size()>, kWebhookNames.size()> decisions{};
  std::array<std::array<common::Histogram*, kKinds.size()>, kWebhookNames.size()> latency{};
};

// A review over webhook.maxBodyBytes is answered with a denial, not an HTTP error: under
// failurePolicy: Ignore an error admits the object unchecked.
void WebhookService::Impl::refuseOversize(Webhook webhook, const http::ServerRequest& req,
                                          http::ServerResponse& res, std::string_view prefix,
                                          uint64_t bytes) {
  const size_t w = static_cast<size_t>(webhook);
  const std::string why = "the AdmissionReview is " + std::to_string(bytes) +
                          " bytes, more than webhook.maxBodyBytes (" +
                          std::to_string(maxBodyBytes) + ")";
  logger.warn("admission review too large; refused",
              {{"webhook", kWebhookNames[w]}, {"remote", req.remoteAddr}, {"bytes", bytes}});
  const auto uid = findRequestUid(prefix);
  if (!uid) {
    res.status = 413;
    res.setContent("berth: " + why + " and names no request.uid\n", "text/plain; charset=utf-8");
    decisions[w][resultIndex("bad_request")]->inc();
    return;
  }
  AdmissionResponse response;
  response.uid = *uid;
  response.allowed = false;
  response.code = 413;
  response.message = "berth: " + why + "; the object cannot be checked, so it is refused";
  res.setContent(encodeAdmissionReview(response), "application/json");
  decisions[w][resultIndex("denied")]->inc();
}

// Past twice webhook.maxBodyBytes nothing more is read (not even to find the uid): an HTTP
// error that says why, and the connection is closed.
void WebhookService::Impl::refuseHuge(Webhook webhook, http::ServerResponse& res) {
  res.status = 413;
  res.setHeader("Connection", "close");
  res.setContent("berth: the request body is larger than twice webhook.maxBodyBytes (" +
                     std::to_string(2 * maxBodyBytes) + " bytes)\n",
                 "text/plain; charset=utf-8");
  decisions[static_cast<size_t>(webhook)][resultIndex("bad_request")]->inc();
}

void WebhookService::Impl::handle(Webhook webhook, const http::ServerRequest& req,
                                  http::ServerResponse& res, http::BodyReader& reader) {
  const auto start = std::chrono::steady_clock::now();
  const size_t w = static_cast<size_t>(webhook);
  const uint64_t hugeAbove = 2 * static_cast<uint64_t>(maxBodyBytes);
  if (auto declared = reader.declaredLength(); declared && *declared > hugeAbove) {
    return refuseHuge(webhook, res);
  }
  // Up to twice the limit is read so that an oversize review can be denied by its uid; bytes
  // past the limit are counted and dropped: memory stays bounded by the limit.
  std::string body;
  uint64_t bytes = 0;
  const common::Status read = reader.readAll([&](const char* data, size_t length) {
    bytes += length;
    body.append(data, std::min(length, maxBodyBytes - std::min(maxBodyBytes, body.size())));
    return bytes <= hugeAbove;
  });
  if (bytes > hugeAbove) return refuseHuge(webhook, res);  // chunked, without a length
  if (!read) {
    res.status = 400;
    res.setContent("berth: the request body was cut short\n", "text/plain; charset=utf-8");
    decisions[w][resultIndex("bad_request")]->inc();
    return;
  }
  if (bytes > maxBodyBytes) return refuseOversize(webhook, req, res, body, bytes);
  const Deadline deadline = start + reviewBudget(req.param("timeout"));
  auto decoded = decodeAdmissionReview(body, limits);
  if (!decoded) {
    res.status = 400;
    res.setContent("berth: " + decoded.error().message + "\n", "text/plain; charset=utf-8");
    decisions[w][resultIndex("bad_request")]->inc();
    latency[w][kKinds.size() - 1]->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    logger.warn("admission review rejected", {{"webhook", kWebhookNames[w]},
                                              {"remote", req.remoteAddr},
                                              {"error", decoded.error().message}});
    return;
  }
  const AdmissionRequest& request = *decoded;
  const policy::PolicySnapshot snapshot = policy.current();
  Review review =
      webhook == Webhook::Mutate
          ? mutate(request, MutateContext{*snapshot, resolver, deadline})
          : validate(request, ValidateContext{*snapshot, &verifier, deadline, &vulnerabilities});
  res.setContent(encodeAdmissionReview(review.response), "application/json");
  record(webhook, request, review, std::chrono::steady_clock::now() - start);
}

void WebhookService::Impl::record(Webhook webhook, const AdmissionRequest& request,
                                  const Review& review,
                                  std::chrono::steady_clock::duration elapsed) {
  const size_t w = static_cast<size_t>(webhook);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  decisions[w][resultIndex(review.result)]->inc();
  latency[w][kindIndex(request.kind.kind)]->observe(seconds);
  if (!logger.enabled(common::LogLevel::Info)) return;
  logger.info("admission review", {{"webhook", kWebhookNames[w]},
                                   {"uid", request.uid},
                                   {"operation", request.operation},
                                   {"namespace", request.namespaceName},
                                   {"kind", request.kind.kind},
                                   {"subResource", request.subResource},
                                   {"name", request.name},
                                   {"user", request.userName},
                                   {"images", imagesToJson(review.images)},
                                   {"decision", review.result},
                                   {"allowed", review.response.allowed},
                                   {"rule", review.rule ? nlohmann::json(*review.rule) : nullptr},
                                   {"message", review.response.message},
                                   {"warnings", review.response.warnings},
                                   {"dryRun", request.dryRun},
                                   {"durationMs", common::logMilliseconds(seconds)}});
}

WebhookService::WebhookService(const common::WebhookConfig& webhook,
                               std::string registryAuthorization,
                               const common::RegistryConfig& registry, policy::PolicySource& policy,
                               common::Logger& logger, common::Metrics& metrics,
                               const common::Clock& clock)
    : impl_(std::make_unique<Impl>(webhook, std::move(registryAuthorization), registry, policy,
                                   logger, metrics, clock)) {}

WebhookService::~WebhookService() = default;

void WebhookService::registerRoutes(http::Router& router) {
  Impl* impl = impl_.get();
  router.add(
      "POST", "/mutate",
      [impl](const http::ServerRequest& req, http::ServerResponse& res, http::BodyReader& body) {
        impl->handle(Webhook::Mutate, req, res, body);
      },
      http::Body::Accepted);
  router.add(
      "POST", "/validate",
      [impl](const http::ServerRequest& req, http::ServerResponse& res, http::BodyReader& body) {
        impl->handle(Webhook::Validate, req, res, body);
      },
      http::Body::Accepted);
}

}  // namespace berth::admission
