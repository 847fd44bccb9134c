#include "policy/policy.h"

#include "policy/compiled_policy.h"

namespace berth::policy {

const char* operationName(Operation op) {
  switch (op) {
    case Operation::Admit:
      return "admit";
    case Operation::Push:
      return "push";
    case Operation::Pull:
      return "pull";
  }
  return "admit";
}

const char* modeName(Mode mode) {
  switch (mode) {
    case Mode::Enforce:
      return "enforce";
    case Mode::Warn:
      return "warn";
    case Mode::Audit:
      return "audit";
  }
  return "enforce";
}

const char* verdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::Allow:
      return "allow";
    case Verdict::Deny:
      return "deny";
    case Verdict::Rewrite:
      return "rewrite";
  }
  return "allow";
}

const char* actionName(Action action) {
  switch (action) {
    case Action::Allow:
      return "allow";
    case Action::Deny:
      return "deny";
    case Action::Rewrite:
      return "rewrite";
    case Action::RequireDigest:
      return "require-digest";
    case Action::ImmutableTags:
      return "immutable-tags";
    case Action::VerifySignature:
      return "verify-signature";
    case Action::CheckVulnerabilities:
      return "check-vulnerabilities";
  }
  return "allow";
}

}  // namespace berth::policy
