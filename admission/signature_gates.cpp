#include "admission/signature_gates.h"

#include "admission/content_gate.h"

namespace berth::admission {
namespace {

supplychain::SignatureReport unverifiable(std::string reason) {
  supplychain::SignatureReport report;
  report.outcome = supplychain::Outcome::Unverifiable;
  report.reason = std::move(reason);
  return report;
}

}  // namespace

std::vector<GateOutcome> checkSignatureGates(const ImageJudgement& judgement,
                                             const policy::LoadOptions& options,
                                             SignatureVerifier* verifier, Deadline deadline) {
  std::vector<GateOutcome> outcomes;
  if (!judgement.decision || judgement.decision->verdict == policy::Verdict::Deny) {
    return outcomes;
  }
  const auto& gates = judgement.decision->signatureGates;
  if (gates.empty()) return outcomes;
  const ContentSubject subject = contentSubjectOf(judgement, options);
  for (const auto& gate : gates) {
    supplychain::SignatureReport report;
    if (!subject.problem.empty()) {
      report = unverifiable(subject.problem);
    } else if (verifier == nullptr) {
      report = unverifiable("no signature verifier is configured");
    } else {
      report = verifier->verify(subject.repository, subject.digest, *gate.requirement,
                                subject.judgedRepository, deadline);
    }
    GateJudgement judged =
        judgeGate({gate.policy, gate.rule, gate.mode, gate.allowUnverifiable}, report.outcome,
                  report.reason, judgement, "signatures", "verified");
    outcomes.push_back({&gate, std::move(report), judged.effect, std::move(judged.message)});
  }
  return outcomes;
}

}  // namespace berth::admission
