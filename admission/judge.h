#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admission/admission_review.h"
#include "admission/pod_specs.h"
#include "common/result.h"
#include "policy/compiled_policy.h"
#include "policy/policy.h"

namespace berth::admission {

// What the content of an image (its signatures, its vulnerability reports) came to under one
// gate, for the audit line.
struct GateResult {
  std::string policy;
  std::string rule;
  std::string outcome;  // satisfied, unsatisfied, unverifiable
  std::string reason;
};

// The policy's view of one container image of a reviewed object.
struct ImageJudgement {
  ContainerImage container;
  bool unchanged = false;                    // UPDATE with the same image: not judged again
  std::optional<policy::Decision> decision;  // absent when unchanged or unparsable
  std::string invalidReference;              // why the image could not be parsed
  std::string patchedImage;                  // set by the mutating webhook when it changed it
  std::vector<GateResult> signatures;        // set by the validating webhook
  std::vector<GateResult> vulnerabilities;   // set by the validating webhook
};

// Finds every container image of a CREATE or UPDATE of a kind with pods and asks the policy
// about each. On UPDATE a container whose image is what it was before (same list, same name) is
// not judged again: labelling a running Pod must not fail because the policy changed since it
// was admitted. Other operations judge nothing. Errors are malformed objects.
common::Result<std::vector<ImageJudgement>> judgeImages(const AdmissionRequest& request,
                                                        const policy::CompiledPolicy& policy);

// "container \"app\" (/spec/containers/0) image \"nginx:1.25\"": how messages name a container.
std::string describeContainer(const ImageJudgement& judgement);

// The outcome of one webhook call, for the response, the audit line and the metrics.
struct Review {
  AdmissionResponse response;
  std::vector<ImageJudgement> images;
  std::string result = "allowed";   // allowed, patched, warned, denied, invalid
  std::optional<std::string> rule;  // the rule behind the result, when one decided it
};

}  // namespace berth::admission
