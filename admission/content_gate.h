#pragma once

#include <string>
#include <string_view>

#include "admission/judge.h"
#include "policy/loader.h"
#include "policy/policy.h"
#include "supplychain/gate_outcome.h"

namespace berth::admission {

// What one gate on an image's content (verify-signature, check-vulnerabilities) does to the
// review.
enum class GateEffect { Pass, Deny, Warn, Audit };

struct GateJudgement {
  GateEffect effect = GateEffect::Pass;
  std::string message;  // for the denial, warning or audit annotation; empty on Pass
};

// Where an admitted image's content is read (the repository inside Berth and the digest), the
// repository it was judged as, or why it cannot be read: content describes a digest, so an
// image without one cannot be checked; neither can one Berth does not serve.
struct ContentSubject {
  std::string repository;
  std::string digest;
  std::string judgedRepository;
  std::string problem;
};
ContentSubject contentSubjectOf(const ImageJudgement& judgement,
                                const policy::LoadOptions& options);

// What a gate's outcome does: an unsatisfied enforce gate denies; one that cannot be checked
// denies unless it says onUnverifiable: allow (then it warns); warn- and audit-mode gates warn
// or record. `content` names what was checked and `checked` how ("signatures", "verified";
// "vulnerability reports", "read").
struct GateRule {
  const std::string& policy;
  const std::string& rule;
  policy::Mode mode;
  bool allowUnverifiable;
};
GateJudgement judgeGate(const GateRule& gate, supplychain::Outcome outcome,
                        const std::string& reason, const ImageJudgement& judgement,
                        std::string_view content, std::string_view checked);

}  // namespace berth::admission
