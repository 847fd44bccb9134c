#include "registry/auth/scope.h"

#include <algorithm>

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;

Error invalid(std::string_view text, const std::string& why) {
  // Echo at most a bounded prefix: the message goes back to the client.
  std::string shown(text.substr(0, 128));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"') c = '?';
  }
  return Error{ErrorCode::InvalidArgument, "invalid scope \"" + shown + "\": " + why};
}

bool isActionChar(char c) { return (c >= 'a' && c <= 'z') || c == '*' || c == '-' || c == '_'; }

bool isTypeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

common::Result<Scope> parseScope(std::string_view text) {
  if (text.size() > kMaxScopeBytes) return invalid(text, "too long");
  const size_t first = text.find(':');
  const size_t last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return invalid(text, "expected TYPE:NAME:ACTIONS");
  }
  Scope scope;
  std::string_view type = text.substr(0, first);
  // "repository(plugin)" names a resource class we treat like its type.
  if (const size_t paren = type.find('('); paren != std::string_view::npos) {
    if (type.back() != ')') return invalid(text, "unbalanced '(' in the resource type");
    type = type.substr(0, paren);
  }
  if (type.empty() || !std::all_of(type.begin(), type.end(), isTypeChar)) {
    return invalid(text, "the resource type must be lower-case letters, digits or '-'");
  }
  scope.type = std::string(type);
  scope.name = std::string(text.substr(first + 1, last - first - 1));
  if (scope.name.empty()) return invalid(text, "empty resource name");
  for (char c : scope.name) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == ',') {
      return invalid(text, "the resource name has an invalid character");
    }
  }
  std::string_view actions = text.substr(last + 1);
  if (actions.empty()) return invalid(text, "no actions");
  while (true) {
    const size_t comma = actions.find(',');
    const std::string_view action = actions.substr(0, comma);
    if (action.empty() || !std::all_of(action.begin(), action.end(), isActionChar)) {
      return invalid(text, "actions must be a comma-separated list such as pull,push");
    }
    if (std::find(scope.actions.begin(), scope.actions.end(), action) == scope.actions.end()) {
      scope.actions.emplace_back(action);
    }
    if (comma == std::string_view::npos) break;
    actions.remove_prefix(comma + 1);
  }
  return scope;
}

common::Result<std::vector<Scope>> parseScopes(const std::vector<std::string>& values) {
  std::vector<Scope> scopes;
  for (const std::string& value : values) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t space = rest.find(' ');
      const std::string_view one = rest.substr(0, space);
      if (!one.empty()) {
        Scope scope;
        BERTH_TRY_ASSIGN(scope, parseScope(one));
        scopes.push_back(std::move(scope));
      }
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  return scopes;
}

std::string formatScope(const Scope& scope) {
  std::string out = scope.type + ":" + scope.name + ":";
  for (size_t i = 0; i < scope.actions.size(); ++i) {
    if (i > 0) out += ',';
    out += scope.actions[i];
  }
  return out;
}

}  // namespace berth::registry
