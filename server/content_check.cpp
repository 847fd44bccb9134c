#include "server/content_check.h"

#include <chrono>

#include "admission/digest_resolver.h"
#include "admission/registry_source.h"
#include "admission/signature_gates.h"
#include "admission/vulnerability_gates.h"
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

nlohmann::json reportsToJson(const supplychain::VulnerabilityAssessment& assessment) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& report : assessment.reports) {
    out.push_back({{"manifest", report.manifestDigest},
                   {"artifactType", report.artifactType},
                   {"scanner", report.scanner},
                   {"createdAt",
                    report.createdAt ? nlohmann::json(*report.createdAt) : nlohmann::json(nullptr)},
                   {"entries", report.findings},
                   {"stale", report.stale}});
  }
  return out;
}

nlohmann::json findingsToJson(const std::vector<supplychain::Vulnerability>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : findings) {
    out.push_back({{"id", v.id},
                   {"package", v.package},
                   {"installedVersion", v.installedVersion},
                   {"fixedVersion", v.fixedVersion},
                   {"severity", supplychain::severityName(v.severity)}});
  }
  return out;
}

nlohmann::json gateJson(const std::string& policy, const std::string& rule,
                        const std::string& image, supplychain::Outcome outcome,
                        const std::string& reason) {
  return {{"policy", policy},
          {"rule", rule},
          {"image", image},
          {"outcome", supplychain::outcomeName(outcome)},
          {"reason", reason}};
}

void printSignatures(const nlohmann::json& check, std::ostream& out) {
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

void printReports(const nlohmann::json& check, std::ostream& out) {
  for (const auto& report : check["reports"]) {
    out << "    " << report["manifest"].get<std::string>() << ": "
        << report["artifactType"].get<std::string>();
    if (!report["scanner"].get<std::string>().empty()) {
      out << " by " << report["scanner"].get<std::string>();
    }
    out << ", " << report["entries"].get<size_t>() << " entries"
        << (report["stale"].get<bool>() ? ", too old or undated: not counted" : "") << "\n";
  }
  for (const auto& finding : check["blocking"]) {
    out << "    blocking: " << finding["id"].get<std::string>() << " in "
        << finding["package"].get<std::string>() << " "
        << finding["installedVersion"].get<std::string>() << " ("
        << finding["severity"].get<std::string>() << ", "
        << (finding["fixedVersion"].get<std::string>().empty()
                ? "no fix yet"
                : "fixed in " + finding["fixedVersion"].get<std::string>())
        << ")\n";
  }
}

}  // namespace

nlohmann::json checkContent(const policy::Decision& decision, const std::string& image,
                            const policy::LoadOptions& options,
                            admission::RegistryDigestResolver& resolver) {
  nlohmann::json checks = {{"signatureChecks", nlohmann::json::array()},
                           {"vulnerabilityChecks", nlohmann::json::array()}};
  if (decision.verdict == policy::Verdict::Deny ||
      (decision.signatureGates.empty() && decision.vulnerabilityGates.empty())) {
    return checks;
  }
  const auto deadline = std::chrono::steady_clock::now() + kBudget;
  const std::string running = decision.rewritten.value_or(image);
  admission::ImageJudgement judgement;
  judgement.decision = decision;
  if (auto resolved = pinned(running, options, resolver, deadline)) {
    judgement.container.image = *resolved;
  } else {
    judgement.container.image = running;  // checked as it is: unverifiable, with the reason
    checks["pinError"] = {{"image", running}, {"error", resolved.error().message}};
  }
  common::SystemClock clock;
  const admission::VerdictCacheOptions noCache{0, std::chrono::seconds(0)};
  admission::RegistrySignatureVerifier verifier(resolver.endpoint(), clock, noCache);
  for (const auto& gate : admission::checkSignatureGates(judgement, options, &verifier, deadline)) {
    auto check = gateJson(gate.gate->policy, gate.gate->rule, judgement.container.image,
                          gate.report.outcome, gate.report.reason);
    check["signatures"] = signaturesToJson(gate.report);
    checks["signatureChecks"].push_back(std::move(check));
  }
  admission::RegistryVulnerabilityChecker checker(resolver.endpoint(), clock, noCache);
  for (const auto& gate :
       admission::checkVulnerabilityGates(judgement, options, &checker, deadline)) {
    auto check = gateJson(gate.gate->policy, gate.gate->rule, judgement.container.image,
                          gate.assessment.outcome, gate.assessment.reason);
    check["reports"] = reportsToJson(gate.assessment);
    check["blocking"] = findingsToJson(gate.assessment.blocking);
    check["ignored"] = gate.assessment.ignored;
    check["notAffected"] = gate.assessment.notAffected;
    checks["vulnerabilityChecks"].push_back(std::move(check));
  }
  return checks;
}

void printContentChecks(const nlohmann::json& checks, std::ostream& out) {
  if (checks.contains("pinError")) {
    out << "  cannot pin " << checks["pinError"]["image"].get<std::string>() << ": "
        << checks["pinError"]["error"].get<std::string>() << "\n";
  }
  for (const char* kind : {"signatureChecks", "vulnerabilityChecks"}) {
    const bool signatures = std::string(kind) == "signatureChecks";
    for (const auto& check : checks[kind]) {
      out << "  " << (signatures ? "signatures" : "vulnerability reports") << " (rule "
          << check["rule"].get<std::string>() << " of policy " << check["policy"].get<std::string>()
          << ") of " << check["image"].get<std::string>() << ": "
          << check["outcome"].get<std::string>() << ": " << check["reason"].get<std::string>()
          << "\n";
      if (signatures) {
        printSignatures(check, out);
      } else {
        printReports(check, out);
      }
    }
  }
}

}  // namespace berth::server
