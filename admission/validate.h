#pragma once

#include "admission/admission_review.h"
#include "admission/judge.h"
#include "admission/signature_verifier.h"
#include "admission/vulnerability_checker.h"
#include "policy/compiled_policy.h"

namespace berth::admission {

// The validating webhook: denies (403) when an enforce-mode policy denies an image, an image
// reference is invalid, or an image that must be pinned reached it unpinned under
// onPinFailure: deny; the message names each offending container, its image and the rule.
// Warn-mode findings become warnings; audit-mode findings are only recorded. It sees the object
// after the mutating webhook, so rewritten images are judged as the upstream they mirror.
// Images under verify-signature gates are checked through `verifier` and those under
// check-vulnerabilities gates through `vulnerabilities` (null: none can be checked), each
// giving up by `deadline`.
struct ValidateContext {
  const policy::CompiledPolicy& policy;
  SignatureVerifier* verifier;
  Deadline deadline;
  VulnerabilityChecker* vulnerabilities = nullptr;
};
Review validate(const AdmissionRequest& request, const ValidateContext& context);
// With no verifier or checker: content gates cannot be checked (and deny unless they allow
// that).
Review validate(const AdmissionRequest& request, const policy::CompiledPolicy& policy);

}  // namespace berth::admission
