#include "admission/validate.h"

#include "admission/signature_gates.h"
#include "admission/vulnerability_gates.h"
#include "common/oci/image_reference.h"

namespace berth::admission {
namespace {

std::string ruleText(const policy::Decision& decision) {
  std::string text = decision.rule ? "rule \"" + *decision.rule + "\"" : "the default";
  if (decision.policy) text += " of policy \"" + *decision.policy + "\"";
  return text;
}

std::string findingText(const ImageJudgement& judgement, const policy::Finding& finding) {
  return describeContainer(judgement) + ": rule \"" + finding.rule + "\" of " +
         policy::modeName(finding.mode) + "-mode policy \"" + finding.policy +
         "\": " + finding.message;
}

}  // namespace

Review validate(const AdmissionRequest& request, const policy::CompiledPolicy& policy) {
  return validate(request, ValidateContext{policy, nullptr, std::chrono::steady_clock::now()});
}

Review validate(const AdmissionRequest& request, const ValidateContext& context) {
  Review review;
  review.response.uid = request.uid;
  auto judged = judgeImages(request, context.policy);
  if (!judged) {
    review.result = "invalid";
    review.response.allowed = false;
    review.response.code = 400;
    review.response.message = "berth: " + judged.error().message;
    return review;
  }
  review.images = std::move(judged).value();
  std::vector<std::string> denials;
  std::string audits;
  for (auto& judgement : review.images) {
    if (!judgement.invalidReference.empty()) {
      denials.push_back(describeContainer(judgement) +
                        " is not a valid image reference: " + judgement.invalidReference);
      continue;
    }
    if (!judgement.decision) continue;
    const policy::Decision& decision = *judgement.decision;
    if (decision.verdict == policy::Verdict::Deny) {
      denials.push_back(describeContainer(judgement) + " is denied by " + ruleText(decision) +
                        ": " + decision.reason);
      if (!review.rule) review.rule = decision.rule;
    } else if (decision.pin) {
      // The mutating webhook pins or denies; reaching here unpinned means it did not run.
      const std::string problem = describeContainer(judgement) + " must be pinned to a digest by " +
                                  ruleText(decision) +
                                  " and is not (is the mutating webhook installed?)";
      if (decision.onPinFailure == policy::PinFailure::Deny) {
        denials.push_back(problem);
        if (!review.rule) review.rule = decision.rule;
      } else {
        review.response.warnings.push_back("berth: " + problem);
      }
    }
    auto apply = [&](GateEffect effect, const std::string& message, const std::string& rule) {
      switch (effect) {
        case GateEffect::Pass:
          break;
        case GateEffect::Deny:
          denials.push_back(message);
          if (!review.rule) review.rule = rule;
          break;
        case GateEffect::Warn:
          review.response.warnings.push_back("berth: " + message);
          break;
        case GateEffect::Audit:
          audits += (audits.empty() ? "" : "; ") + message;
          break;
      }
    };
    for (const GateOutcome& gate : checkSignatureGates(judgement, context.policy.options,
                                                       context.verifier, context.deadline)) {
      judgement.signatures.push_back({gate.gate->policy, gate.gate->rule,
                                      supplychain::outcomeName(gate.report.outcome),
                                      gate.report.reason});
      apply(gate.effect, gate.message, gate.gate->rule);
    }
    for (const auto& gate : checkVulnerabilityGates(judgement, context.policy.options,
                                                    context.vulnerabilities, context.deadline)) {
      judgement.vulnerabilities.push_back({gate.gate->policy, gate.gate->rule,
                                           supplychain::outcomeName(gate.assessment.outcome),
                                           gate.assessment.reason});
      apply(gate.effect, gate.message, gate.gate->rule);
    }
    for (const auto& finding : decision.warnings) {
      review.response.warnings.push_back("berth: " + findingText(judgement, finding));
    }
    for (const auto& finding : decision.audits) {
      audits += (audits.empty() ? "" : "; ") + findingText(judgement, finding);
    }
  }
  if (!audits.empty()) review.response.auditAnnotations["policy-audit"] = audits;
  if (!denials.empty()) {
    review.result = "denied";
    review.response.allowed = false;
    review.response.code = 403;
    review.response.message = "berth: ";
    for (size_t i = 0; i < denials.size(); ++i) {
      review.response.message += (i ? "; " : "") + denials[i];
    }
  } else if (!review.response.warnings.empty()) {
    review.result = "warned";
  }
  return review;
}

}  // namespace berth::admission
