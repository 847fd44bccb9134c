#include "policy/loader.h"

#include "policy/compiled_policy.h"

namespace berth::policy {

PolicySnapshot emptyPolicy(const LoadOptions& options) {
  auto policy = std::make_shared<CompiledPolicy>();
  policy->options = options;
  policy->rewriteTargets = {options.defaultRewriteTarget};
  return policy;
}

common::Result<PolicySnapshot> loadPolicyText(const std::string&, const std::string&,
                                              const LoadOptions& options) {
  return emptyPolicy(options);
}

common::Result<PolicySnapshot> loadPolicyPath(const std::string&, const LoadOptions& options) {
  return emptyPolicy(options);
}

}  // namespace berth::policy
