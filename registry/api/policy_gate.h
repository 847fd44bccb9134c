#pragma once

#include <optional>
#include <string>

#include "common/config.h"
#include "common/log.h"
#include "common/result.h"
#include "policy/policy.h"
#include "registry/proxy/upstreams.h"
#include "registry/storage/repositories.h"

namespace berth::registry {

// The registry's side of the policy (docs/POLICY.md, "Operations"): push and pull rules are
// enforced here, on the repository name and reference as Pods pull them. A policy that cannot
// judge a reference refuses (fail closed): the name already passed the spec grammar, so that is
// a bug worth a refusal, not a silent allow.
class PolicyGate final : public TagRules {
 public:
  PolicyGate(policy::PolicySource& policy, common::Logger& logger, const common::ProxyConfig& proxy)
      : policy_(policy), logger_(logger), upstreams_(proxy) {}

  // DENIED with the rule's message when a pull or push rule denies `repository` at `reference`
  // (a tag or a digest). A pull that passes returns its decision, whose signature gates are
  // checked once the manifest is known.
  common::Result<policy::Decision> checkPull(const std::string& repository,
                                             const std::string& reference) const;
  common::Status checkPush(const std::string& repository, const std::string& reference) const;

  // The rule that makes `tag` of `repository` immutable, if any.
  common::Result<std::optional<std::string>> immutableRule(const std::string& repository,
                                                           const std::string& tag) const override;

  // DENIED for a push into a name only an upstream may have: a first path component that is a
  // configured upstream's encoded host or alias, or that is shaped like a host ("." in it, a
  // "_<port>" suffix, "localhost"). Content there would be judged and pulled as that upstream's
  // image under the rewrite target.
  common::Status checkWritableName(const std::string& repository) const;

 private:
  common::Result<policy::Decision> decide(const std::string& repository,
                                          const std::string& reference,
                                          policy::Operation operation) const;
  common::Result<policy::Decision> enforce(const std::string& repository,
                                           const std::string& reference,
                                           policy::Operation operation) const;

  policy::PolicySource& policy_;
  common::Logger& logger_;
  UpstreamTable upstreams_;
};

}  // namespace berth::registry
