#include "admission/signature_gates.h"

#include "admission/registry_source.h"
#include "common/oci/image_reference.h"

namespace berth::admission {
namespace {

using Outcome = supplychain::SignatureReport::Outcome;

supplychain::SignatureReport unverifiable(std::string reason) {
  supplychain::SignatureReport report;
  report.outcome = Outcome::Unverifiable;
  report.reason = std::move(reason);
  return report;
}

// Where the image's signatures are read (the repository inside Berth and the digest) and the
// repository they must name, or why they cannot be read.
struct Subject {
  std::string repository;
  std::string digest;
  std::string signedRepository;
  std::string problem;
};

Subject subjectOf(const ImageJudgement& judgement, const policy::LoadOptions& options) {
  Subject subject;
  auto running = oci::parseImageReference(judgement.container.image);
  if (!running) {
    subject.problem = running.error().message;
    return subject;
  }
  if (!running->hasDigest()) {
    subject.problem = "it is not pinned to a digest (is the mutating webhook installed?)";
    return subject;
  }
  auto repository = registrySourceOf(*running, options);
  if (!repository) {
    subject.problem = repository.error().message;
    return subject;
  }
  subject.repository = std::move(repository).value();
  subject.digest = running->digest;
  auto judged = oci::parseImageReference(judgement.decision->judgedImage);
  subject.signedRepository = judged ? judged->repository() : running->repository();
  return subject;
}

std::string gateText(const policy::SignatureGate& gate) {
  return "rule \"" + gate.rule + "\" of policy \"" + gate.policy + "\"";
}

GateOutcome judge(const policy::SignatureGate& gate, supplychain::SignatureReport report,
                  const ImageJudgement& judgement) {
  GateOutcome outcome{&gate, std::move(report), GateOutcome::Effect::Pass, ""};
  const Outcome result = outcome.report.outcome;
  if (result == Outcome::Satisfied) return outcome;
  const std::string what = describeContainer(judgement);
  if (result == Outcome::Unverifiable && gate.allowUnverifiable) {
    outcome.effect = GateOutcome::Effect::Warn;
    outcome.message = what + ": signatures required by " + gateText(gate) +
                      " could not be verified (" + outcome.report.reason +
                      "); allowed by onUnverifiable: allow";
    return outcome;
  }
  const std::string why = result == Outcome::Unverifiable
                              ? "its signatures could not be verified: " + outcome.report.reason
                              : outcome.report.reason;
  switch (gate.mode) {
    case policy::Mode::Enforce:
      outcome.effect = GateOutcome::Effect::Deny;
      outcome.message = what + " is denied by " + gateText(gate) + ": " + why;
      break;
    case policy::Mode::Warn:
    case policy::Mode::Audit:
      outcome.effect =
          gate.mode == policy::Mode::Warn ? GateOutcome::Effect::Warn : GateOutcome::Effect::Audit;
      outcome.message = what + ": " + policy::modeName(gate.mode) + "-mode " + gateText(gate) +
                        " would deny it: " + why;
      break;
  }
  return outcome;
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
  const Subject subject = subjectOf(judgement, options);
  for (const auto& gate : gates) {
    supplychain::SignatureReport report;
    if (!subject.problem.empty()) {
      report = unverifiable(subject.problem);
    } else if (verifier == nullptr) {
      report = unverifiable("no signature verifier is configured");
    } else {
      report = verifier->verify(subject.repository, subject.digest, *gate.requirement,
                                subject.signedRepository, deadline);
    }
    outcomes.push_back(judge(gate, std::move(report), judgement));
  }
  return outcomes;
}

}  // namespace berth::admission
