#include "registry/api/pull_gates.h"

#include "common/oci/image_reference.h"
#include "registry/api/store_content_source.h"
#include "supplychain/attached_artifact.h"
#include "supplychain/image_signatures.h"
#include "supplychain/image_vulnerabilities.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;
using supplychain::Outcome;

template <typename Gate>
std::vector<const Gate*> enforced(const std::vector<Gate>& gates) {
  std::vector<const Gate*> out;
  for (const auto& gate : gates) {
    if (gate.mode == policy::Mode::Enforce) out.push_back(&gate);
  }
  return out;
}

bool gatesApply(const Exchange& ex) {
  return ex.pullDecision && ex.pullDecision->verdict != policy::Verdict::Deny;
}

Error refusal(const Route& route, const std::string& digest, const std::string& rule,
              const std::string& why) {
  return Error{
      ErrorCode::Denied,
      "pull of " + route.name + "@" + digest + " denied by policy rule '" + rule + "': " + why,
      rule};
}

// The answer of one gate: nothing when it passes, the refusal otherwise.
template <typename Gate>
common::Status judged(RegistryContext& ctx, const Exchange& ex, const std::string& digest,
                      const Gate& gate, Outcome outcome, const std::string& reason,
                      const char* content) {
  if (outcome == Outcome::Satisfied) return {};
  if (outcome == Outcome::Unverifiable && gate.allowUnverifiable) {
    ctx.logger.warn(std::string(content) + " could not be read at pull; allowed by onUnverifiable",
                    {{"repository", ex.route.name},
                     {"digest", digest},
                     {"rule", gate.rule},
                     {"reason", reason}});
    return {};
  }
  return refusal(ex.route, digest, gate.rule,
                 outcome == Outcome::Unverifiable
                     ? "its " + std::string(content) + " could not be read: " + reason
                     : reason);
}

}  // namespace

common::Status checkPullGates(RegistryContext& ctx, const Exchange& ex, const oci::Digest& digest,
                              std::string_view manifest) {
  if (!gatesApply(ex)) return {};
  const auto signatureGates = enforced(ex.pullDecision->signatureGates);
  const auto vulnerabilityGates = enforced(ex.pullDecision->vulnerabilityGates);
  if (signatureGates.empty() && vulnerabilityGates.empty()) return {};
  if (supplychain::isAttachedArtifact(manifest)) return {};
  const Route& route = ex.route;
  StoreContentSource source(ctx);
  if (!signatureGates.empty()) {
    auto judgedImage = oci::parseImageReference(ex.pullDecision->judgedImage);
    const std::string signedRepository = judgedImage ? judgedImage->repository() : route.name;
    for (const policy::SignatureGate* gate : signatureGates) {
      const supplychain::SignatureReport report = supplychain::verifyImageSignatures(
          source, route.name, digest.str(), *gate->requirement, signedRepository);
      BERTH_TRY(judged(ctx, ex, digest.str(), *gate, report.outcome, report.reason, "signatures"));
    }
  }
  for (const policy::VulnerabilityGate* gate : vulnerabilityGates) {
    const supplychain::VulnerabilityAssessment assessment = supplychain::assessImageVulnerabilities(
        source, route.name, digest.str(), *gate->requirement, ctx.clock.unixSeconds());
    BERTH_TRY(judged(ctx, ex, digest.str(), *gate, assessment.outcome, assessment.reason,
                     "vulnerability reports"));
  }
  return {};
}

common::Status checkProxiedPullGates(const Exchange& ex) {
  const Route& route = ex.route;
  if (route.kind != RouteKind::Manifest || !gatesApply(ex)) return {};
  // The webhook reads an upstream image's signatures through here; a signature manifest cannot
  // be run, and the registry cannot see the content before the proxy serves it.
  if (!route.referenceIsDigest && supplychain::isSignatureTag(route.reference)) return {};
  auto refuse = [&](const auto& gates, const char* what) -> common::Status {
    for (const auto* gate : enforced(gates)) {
      if (gate->allowUnverifiable) continue;
      return refusal(route, route.reference, gate->rule,
                     std::string("the registry does not check ") + what +
                         " of images it mirrors from an upstream at pull (admission does); set "
                         "onUnverifiable: allow on the rule to let nodes pull them");
    }
    return {};
  };
  BERTH_TRY(refuse(ex.pullDecision->signatureGates, "signatures"));
  return refuse(ex.pullDecision->vulnerabilityGates, "vulnerability reports");
}

}  // namespace berth::registry
