#include "policy/decision_json.h"

namespace berth::policy {
namespace {

nlohmann::json findingsToJson(const std::vector<Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings) {
    out.push_back({{"policy", f.policy},
                   {"rule", f.rule},
                   {"message", f.message},
                   {"mode", modeName(f.mode)}});
  }
  return out;
}

nlohmann::json gatesToJson(const std::vector<SignatureGate>& gates) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gates) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& key : g.requirement->keys) keys.push_back(key.name());
    out.push_back({{"policy", g.policy},
                   {"rule", g.rule},
                   {"mode", modeName(g.mode)},
                   {"keys", std::move(keys)},
                   {"minimum", g.requirement->minimum},
                   {"matchRepository", g.requirement->matchRepository},
                   {"onUnverifiable", g.allowUnverifiable ? "allow" : "deny"}});
  }
  return out;
}

nlohmann::json gatesToJson(const std::vector<VulnerabilityGate>& gates) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gates) {
    const auto& r = *g.requirement;
    out.push_back({{"policy", g.policy},
                   {"rule", g.rule},
                   {"mode", modeName(g.mode)},
                   {"maxSeverity", supplychain::severityName(r.maxSeverity)},
                   {"ignore", r.ignored},
                   {"requireReport", r.requireReport},
                   {"maxReportAgeSeconds",
                    r.maxAgeSeconds ? nlohmann::json(*r.maxAgeSeconds) : nlohmann::json(nullptr)},
                   {"onUnverifiable", g.allowUnverifiable ? "allow" : "deny"}});
  }
  return out;
}

nlohmann::json optionalString(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json decisionToJson(const Decision& d) {
  return {
      {"image", d.image},
      {"decision", verdictName(d.verdict)},
      {"rewritten", optionalString(d.rewritten)},
      {"pin", d.pin},
      {"onPinFailure", d.onPinFailure == PinFailure::Allow ? "allow" : "deny"},
      {"immutable", d.immutable},
      {"immutableRule", optionalString(d.immutableRule)},
      {"policy", optionalString(d.policy)},
      {"rule", optionalString(d.rule)},
      {"reason", d.reason},
      {"mode", modeName(d.mode)},
      {"warnings", findingsToJson(d.warnings)},
      {"audits", findingsToJson(d.audits)},
      {"signatureGates", gatesToJson(d.signatureGates)},
      {"vulnerabilityGates", gatesToJson(d.vulnerabilityGates)},
  };
}

}  // namespace berth::policy
