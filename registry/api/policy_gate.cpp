#include "registry/api/policy_gate.h"

#include "policy/engine.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

std::string image(const std::string& repository, const std::string& reference) {
  return repository + (reference.find(':') != std::string::npos ? "@" : ":") + reference;
}

}  // namespace

common::Result<policy::Decision> PolicyGate::decide(const std::string& repository,
                                                    const std::string& reference,
                                                    policy::Operation operation) const {
  const policy::PolicySnapshot snapshot = policy_.current();
  if (!snapshot) return policy::Decision{};
  auto decision = policy::evaluateForRegistry(*snapshot, repository, reference, operation);
  if (!decision) {
    logger_.error("the policy cannot judge a registry reference; refused",
                  {{"repository", repository},
                   {"reference", reference},
                   {"operation", policy::operationName(operation)},
                   {"error", decision.error().message}});
    return Error{ErrorCode::Denied,
                 "the policy cannot judge " + image(repository, reference) + "; refused"};
  }
  return decision;
}

common::Result<policy::Decision> PolicyGate::enforce(const std::string& repository,
                                                     const std::string& reference,
                                                     policy::Operation operation) const {
  BERTH_TRY_ASSIGN(policy::Decision decision, decide(repository, reference, operation));
  if (decision.verdict != policy::Verdict::Deny) return decision;
  const std::string rule = decision.rule.value_or("default");
  return Error{ErrorCode::Denied,
               std::string(policy::operationName(operation)) + " of " +
                   image(repository, reference) + " denied by policy rule '" + rule +
                   "': " + decision.reason,
               rule};
}

common::Result<policy::Decision> PolicyGate::checkPull(const std::string& repository,
                                                       const std::string& reference) const {
  return enforce(repository, reference, policy::Operation::Pull);
}

common::Status PolicyGate::checkPush(const std::string& repository,
                                     const std::string& reference) const {
  BERTH_TRY(enforce(repository, reference, policy::Operation::Push));
  return {};
}

common::Result<std::optional<std::string>> PolicyGate::immutableRule(const std::string& repository,
                                                                     const std::string& tag) const {
  BERTH_TRY_ASSIGN(policy::Decision decision, decide(repository, tag, policy::Operation::Push));
  if (!decision.immutable) return std::optional<std::string>();
  return std::optional<std::string>(
      decision.immutableRule.value_or(decision.rule.value_or("immutable-tags")));
}

common::Status PolicyGate::checkWritableName(const std::string& repository) const {
  const auto slash = repository.find('/');
  if (slash == std::string::npos) return {};
  const std::string first = repository.substr(0, slash);
  const bool upstream = upstreams_.resolve(repository, "").has_value();
  // A "_<port>" suffix decodes: "127.0.0.1_5001" is the host "127.0.0.1:5001".
  const bool hostShaped = first.find('.') != std::string::npos ||
                          decodeUpstreamComponent(first) != first || first == "localhost";
  if (!upstream && !hostShaped) return {};
  return Error{
      ErrorCode::Denied,
      "repository " + repository + " is refused: its first path component '" + first + "' names " +
          (upstream ? std::string("a pull-through upstream") : std::string("a registry host")) +
          ", and only images fetched from that upstream may be stored under it"};
}

}  // namespace berth::registry
