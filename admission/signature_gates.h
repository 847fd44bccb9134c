#pragma once

#include <string>
#include <vector>

#include "admission/content_gate.h"
#include "admission/judge.h"
#include "admission/signature_verifier.h"
#include "policy/loader.h"

namespace berth::admission {

// What became of one verify-signature gate for one container image.
struct GateOutcome {
  const policy::SignatureGate* gate = nullptr;
  supplychain::SignatureReport report;
  using Effect = GateEffect;
  Effect effect = Effect::Pass;
  std::string message;  // for the denial, warning or audit annotation; empty on Pass
};

// Checks every signature gate of an allowed image, as it will run (`judgement.container.image`
// in the object under review: after the mutating webhook rewrote and pinned it). Signatures
// sign a digest, so an image without one cannot be verified; neither can one Berth does not
// serve. An unsatisfied enforce gate denies; one that cannot be verified denies unless it says
// onUnverifiable: allow (then it warns). Warn- and audit-mode gates warn or record. Without a
// verifier every gate is unverifiable.
std::vector<GateOutcome> checkSignatureGates(const ImageJudgement& judgement,
                                             const policy::LoadOptions& options,
                                             SignatureVerifier* verifier, Deadline deadline);

}  // namespace berth::admission
