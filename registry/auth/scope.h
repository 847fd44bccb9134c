#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::registry {

// One Docker token scope: `repository:team/app:pull,push`, `registry:catalog:*`.
struct Scope {
  std::string type;  // "repository", "registry"; a "(class)" suffix is dropped
  std::string name;  // may contain ':' (host:port/repo); only the first and last split
  std::vector<std::string> actions;  // in the order given, duplicates removed
};

inline constexpr size_t kMaxScopeBytes = 1024;

// Parses one scope. Malformed input is InvalidArgument naming the problem.
common::Result<Scope> parseScope(std::string_view text);

// Parses every `scope` query value; a value may hold several scopes separated by spaces.
common::Result<std::vector<Scope>> parseScopes(const std::vector<std::string>& values);

// `type:name:a,b`, the inverse of parseScope.
std::string formatScope(const Scope& scope);

}  // namespace berth::registry
