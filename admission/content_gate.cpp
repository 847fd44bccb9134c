#include "admission/content_gate.h"

#include "admission/registry_source.h"
#include "common/oci/image_reference.h"

namespace berth::admission {

ContentSubject contentSubjectOf(const ImageJudgement& judgement,
                                const policy::LoadOptions& options) {
  ContentSubject subject;
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
  subject.judgedRepository = judged ? judged->repository() : running->repository();
  return subject;
}

GateJudgement judgeGate(const GateRule& gate, supplychain::Outcome outcome,
                        const std::string& reason, const ImageJudgement& judgement,
                        std::string_view content, std::string_view checked) {
  using supplychain::Outcome;
  GateJudgement result;
  if (outcome == Outcome::Satisfied) return result;
  const std::string what = describeContainer(judgement);
  const std::string ruleText = "rule \"" + gate.rule + "\" of policy \"" + gate.policy + "\"";
  if (outcome == Outcome::Unverifiable && gate.allowUnverifiable) {
    result.effect = GateEffect::Warn;
    result.message = what + ": " + std::string(content) + " required by " + ruleText +
                     " could not be " + std::string(checked) + " (" + reason +
                     "); allowed by onUnverifiable: allow";
    return result;
  }
  const std::string why =
      outcome == Outcome::Unverifiable
          ? "its " + std::string(content) + " could not be " + std::string(checked) + ": " + reason
          : reason;
  switch (gate.mode) {
    case policy::Mode::Enforce:
      result.effect = GateEffect::Deny;
      result.message = what + " is denied by " + ruleText + ": " + why;
      break;
    case policy::Mode::Warn:
    case policy::Mode::Audit:
      result.effect = gate.mode == policy::Mode::Warn ? GateEffect::Warn : GateEffect::Audit;
      result.message = what + ": " + policy::modeName(gate.mode) + "-mode " + ruleText +
                       " would deny it: " + why;
      break;
  }
  return result;
}

}  // namespace berth::admission
