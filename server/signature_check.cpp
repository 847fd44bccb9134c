#include "server/signature_check.h"

#include <chrono>

#include "admission/digest_resolver.h"
#include "admission/registry_source.h"
#include "admission/signature_gates.h"
#include "common/clock.h"
#include "common/oci/image_reference.h"

namespace berth::server {
namespace {

constexpr std::chrono::seconds kBudget{30};

// The image with its tag resolved to a digest, or the reason it could not be.
common::Result<std::string> pinned(const std::string& image, const policy::LoadOptions& options,
                                   admission::DigestResolver& resolver,
                                   admission::Deadline deadline) {
  BERTH_TRY_ASSIGN(auto reference, oci::parseImageReference(image));
  if (reference.hasDigest()) return image;
  BERTH_TRY_ASSIGN(std::string repository, admission::registrySourceOf(reference, options));
  BERTH_TRY_ASSIGN(reference.digest, resolver.resolve(repository, reference.tag, deadline));
  return reference.str();
}

nlohmann::json signaturesToJson(const supplychain::SignatureReport& report) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& found : report.signatures) {
    out.push_back({{"payload", found.payloadDigest},
                   {"verified", found.check.verified},
                   {"key", found.check.key},
                   {"dockerReference", found.check.dockerReference},
                   {"reason", found.check.reason}});
  }
  return out;
}

}  // namespace

nlohmann::json checkSignatures(const policy::Decision& decision, const std::string& image,
                               const policy::LoadOptions& options,
                               admission::RegistryDigestResolver& resolver) {
  nlohmann::json checks = nlohmann::json::array();
  if (decision.signatureGates.empty() || decision.verdict == policy::Verdict::Deny) return checks;
  const auto deadline = std::chrono::steady_clock::now() + kBudget;
  const std::string running = decision.rewritten.value_or(image);
  admission::ImageJudgement judgement;
  judgement.decision = decision;
  if (auto resolved = pinned(running, options, resolver, deadline)) {
    judgement.container.image = *resolved;
  } else {
    judgement.container.image = running;  // checked as it is: unverifiable, with the reason
    checks.push_back({{"image", running}, {"error", resolved.error().message}});
  }
  common::SystemClock clock;
  admission::RegistrySignatureVerifier verifier(resolver.endpoint(), clock,
                                                {0, std::chrono::seconds(0)});
  for (const auto& gate : admission::checkSignatureGates(judgement, options, &verifier, deadline)) {
    checks.push_back({{"policy", gate.gate->policy},
                      {"rule", gate.gate->rule},
                      {"image", judgement.container.image},
                      {"outcome", supplychain::outcomeName(gate.report.outcome)},
                      {"reason", gate.report.reason},
                      {"signatures", signaturesToJson(gate.report)}});
  }
  return checks;
}

void printSignatureChecks(const nlohmann::json& checks, std::ostream& out) {
  for (const auto& check : checks) {
    if (check.contains("error")) {
      out << "  signatures: cannot pin " << check["image"].get<std::string>() << ": "
          << check["error"].get<std::string>() << "\n";
      continue;
    }
    out << "  signatures (rule " << check["rule"].get<std::string>() << " of policy "
        << check["policy"].get<std::string>() << ") of " << check["image"].get<std::string>()
        << ": " << check["outcome"].get<std::string>() << ": " << check["reason"].get<std::string>()
        << "\n";
    for (const auto& found : check["signatures"]) {
      out << "    " << found["payload"].get<std::string>() << ": ";
      if (found["verified"].get<bool>()) {
        out << "verified by " << found["key"].get<std::string>() << ", signed as "
            << found["dockerReference"].get<std::string>() << "\n";
      } else {
        out << found["reason"].get<std::string>() << "\n";
      }
    }
  }
}

}  // namespace berth::server
