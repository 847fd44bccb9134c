#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "registry/auth/authorizer.h"

namespace re2 {
class RE2;
}

namespace berth::registry {

// A set of AccessActions as bits, so grants intersect with '&'.
using ActionSet = unsigned;
inline constexpr ActionSet kPull = 1;
inline constexpr ActionSet kPush = 2;
inline constexpr ActionSet kDelete = 4;
inline constexpr ActionSet kAllActions = kPull | kPush | kDelete;

ActionSet actionBit(AccessAction action);
const char* actionName(AccessAction action);
// "pull", "push", "delete", "*" (all); anything else is nullopt.
std::optional<ActionSet> parseActionName(std::string_view name);
// In the fixed order pull, push, delete.
std::vector<std::string> actionNames(ActionSet actions);

// The `access` rules of the config, compiled once. Immutable after compile(): safe to share.
class AccessPolicy {
 public:
  // Errors name the rule (access[i]) and the invalid pattern, action or account.
  static common::Result<AccessPolicy> compile(const common::RegistryAuthConfig& config);

  // What `account` ("" for anonymous) may do to `repository`: the union of matching rules, plus
  // pull for anonymous users when anonymousPull is set. With no rules, authenticated users may
  // do everything.
  ActionSet permitted(const std::string& account, const std::string& repository) const;

 private:
  struct Rule {
    std::string account;
    std::shared_ptr<const re2::RE2> pattern;
    ActionSet actions = 0;
  };

  std::vector<Rule> rules_;
  bool anonymousPull_ = false;
};

}  // namespace berth::registry
