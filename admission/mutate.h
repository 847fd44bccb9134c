#pragma once

#include "admission/admission_review.h"
#include "admission/digest_resolver.h"
#include "admission/judge.h"
#include "policy/compiled_policy.h"

namespace berth::admission {

// The annotation that records, per container pointer, the image a user asked for.
inline constexpr const char* kOriginalImagesAnnotation = "berth.dev/original-images";

struct MutateContext {
  const policy::CompiledPolicy& policy;
  DigestResolver& resolver;
  Deadline deadline;  // pin lookups give up here (from the API server's ?timeout=)
};

// The mutating webhook: replaces each image the policy rewrites or pins and records the
// originals in an annotation. It never denies for a policy verdict (the validating webhook
// judges), only when a pin fails under onPinFailure: deny, or the object is malformed.
// Reviewing its own output again yields no patch.
Review mutate(const AdmissionRequest& request, const MutateContext& context);

}  // namespace berth::admission
