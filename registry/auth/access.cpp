#include "registry/auth/access.h"

#include <re2/re2.h>

#include "common/regex.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

ActionSet actionBit(AccessAction action) {
  switch (action) {
    case AccessAction::Pull:
      return kPull;
    case AccessAction::Push:
      return kPush;
    case AccessAction::Delete:
      return kDelete;
  }
  return 0;
}

const char* actionName(AccessAction action) {
  switch (action) {
    case AccessAction::Pull:
      return "pull";
    case AccessAction::Push:
      return "push";
    case AccessAction::Delete:
      return "delete";
  }
  return "";
}

std::optional<ActionSet> parseActionName(std::string_view name) {
  if (name == "pull") return kPull;
  if (name == "push") return kPush;
  if (name == "delete") return kDelete;
  if (name == "*") return kAllActions;
  return std::nullopt;
}

std::vector<std::string> actionNames(ActionSet actions) {
  std::vector<std::string> names;
  if (actions & kPull) names.emplace_back("pull");
  if (actions & kPush) names.emplace_back("push");
  if (actions & kDelete) names.emplace_back("delete");
  return names;
}

common::Result<AccessPolicy> AccessPolicy::compile(const common::RegistryAuthConfig& config) {
  AccessPolicy policy;
  policy.anonymousPull_ = config.anonymousPull;
  for (size_t i = 0; i < config.access.size(); ++i) {
    const common::AccessRule& source = config.access[i];
    const std::string where = "registry.auth.access[" + std::to_string(i) + "]: ";
    if (source.account.empty()) {
      return Error{ErrorCode::InvalidArgument,
                   where + "'account' must be a user name, '*' or 'anonymous'"};
    }
    Rule rule;
    rule.account = source.account;
    auto pattern = common::compileRegex(source.repository);
    if (!pattern) {
      return Error{ErrorCode::InvalidArgument, where + "invalid repository pattern '" +
                                                   source.repository +
                                                   "': " + pattern.error().message};
    }
    rule.pattern = std::move(pattern).value();
    if (source.actions.empty()) {
      return Error{ErrorCode::InvalidArgument, where + "'actions' must not be empty"};
    }
    for (const std::string& name : source.actions) {
      auto bit = parseActionName(name);
      if (!bit) {
        return Error{ErrorCode::InvalidArgument,
                     where + "unknown action '" + name + "' (use pull, push, delete or *)"};
      }
      rule.actions |= *bit;
    }
    policy.rules_.push_back(std::move(rule));
  }
  return policy;
}

ActionSet AccessPolicy::permitted(const std::string& account, const std::string& repository) const {
  const bool anonymous = account.empty();
  ActionSet actions = (anonymous && anonymousPull_) ? kPull : 0;
  if (rules_.empty()) return anonymous ? actions : kAllActions;
  for (const Rule& rule : rules_) {
    const bool applies =
        anonymous ? rule.account == "anonymous" : (rule.account == "*" || rule.account == account);
    if (applies && (actions & rule.actions) != rule.actions &&
        RE2::FullMatch(repository, *rule.pattern)) {
      actions |= rule.actions;
    }
  }
  return actions;
}

}  // namespace berth::registry
