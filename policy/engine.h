#pragma once

#include <string_view>

#include "common/oci/image_reference.h"
#include "common/result.h"
#include "policy/policy.h"

namespace berth::policy {

// Evaluation is pure and thread-safe: it reads an immutable snapshot and allocates only the
// Decision. Precedence is documented in docs/POLICY.md.
Decision evaluate(const CompiledPolicy& policy, const oci::ImageReference& image,
                  std::string_view namespaceName, Operation operation);

// Parses the reference first; an unparsable reference is an error for the caller to report.
common::Result<Decision> evaluate(const CompiledPolicy& policy, std::string_view image,
                                  std::string_view namespaceName, Operation operation);

}  // namespace berth::policy

namespace berth::policy {

// For the registry: the decision for `repository` (a name inside this registry, such as
// "release/app" or "docker.io/library/nginx") at `reference` (a tag or a digest). The reference is
// judged as it is pulled by Pods: under the default rewrite target's host, so a pushed
// "release/app:1.0" is matched as "localhost:5005/release/app:1.0", and a proxied
// "docker.io/library/nginx:1.25" as the upstream image it mirrors. Decision::immutable says
// whether the tag may be overwritten; Decision::immutableRule names the rule.
common::Result<Decision> evaluateForRegistry(const CompiledPolicy& policy,
                                             std::string_view repository,
                                             std::string_view reference, Operation operation);

}  // namespace berth::policy
