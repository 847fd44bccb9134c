#include "registry/api/pull_signatures.h"

#include "common/oci/image_reference.h"
#include "registry/api/store_content_source.h"
#include "supplychain/image_signatures.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;
using Outcome = supplychain::SignatureReport::Outcome;

std::vector<const policy::SignatureGate*> enforcedGates(const Exchange& ex) {
  std::vector<const policy::SignatureGate*> gates;
  if (!ex.pullDecision || ex.pullDecision->verdict == policy::Verdict::Deny) return gates;
  for (const auto& gate : ex.pullDecision->signatureGates) {
    if (gate.mode == policy::Mode::Enforce) gates.push_back(&gate);
  }
  return gates;
}

Error refusal(const Route& route, const std::string& digest, const policy::SignatureGate& gate,
              const std::string& why) {
  return Error{
      ErrorCode::Denied,
      "pull of " + route.name + "@" + digest + " denied by policy rule '" + gate.rule + "': " + why,
      gate.rule};
}

}  // namespace

common::Status checkPullSignatures(RegistryContext& ctx, const Exchange& ex,
                                   const oci::Digest& digest, std::string_view manifest) {
  const auto gates = enforcedGates(ex);
  if (gates.empty() || supplychain::isSignatureManifest(manifest)) return {};
  const Route& route = ex.route;
  auto judged = oci::parseImageReference(ex.pullDecision->judgedImage);
  const std::string signedRepository = judged ? judged->repository() : route.name;
  StoreContentSource source(ctx);
  for (const policy::SignatureGate* gate : gates) {
    const supplychain::SignatureReport report = supplychain::verifyImageSignatures(
        source, route.name, digest.str(), *gate->requirement, signedRepository);
    if (report.outcome == Outcome::Satisfied) continue;
    if (report.outcome == Outcome::Unverifiable && gate->allowUnverifiable) {
      ctx.logger.warn("signatures could not be verified at pull; allowed by onUnverifiable",
                      {{"repository", route.name},
                       {"digest", digest.str()},
                       {"rule", gate->rule},
                       {"reason", report.reason}});
      continue;
    }
    return refusal(route, digest.str(), *gate,
                   report.outcome == Outcome::Unverifiable
                       ? "its signatures could not be verified: " + report.reason
                       : report.reason);
  }
  return {};
}

common::Status checkProxiedPullSignatures(const Exchange& ex) {
  const Route& route = ex.route;
  if (route.kind != RouteKind::Manifest) return {};
  // The webhook reads an upstream image's signatures through here; a signature manifest cannot
  // be run, and the registry cannot see the content before the proxy serves it.
  if (!route.referenceIsDigest && supplychain::isSignatureTag(route.reference)) return {};
  for (const policy::SignatureGate* gate : enforcedGates(ex)) {
    if (gate->allowUnverifiable) continue;
    return refusal(route, route.reference, *gate,
                   "the registry does not verify signatures of images it mirrors from an "
                   "upstream at pull (admission does); set onUnverifiable: allow on the rule to "
                   "let nodes pull them");
  }
  return {};
}

}  // namespace berth::registry
