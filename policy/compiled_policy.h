#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policy/loader.h"
#include "policy/policy.h"

namespace re2 {
class RE2;
}

namespace berth::policy {

enum class Action {
  Allow,
  Deny,
  Rewrite,
  RequireDigest,
  ImmutableTags,
  VerifySignature,
  CheckVulnerabilities
};
const char* actionName(Action action);

// Include and exclude patterns of one dimension (images or namespaces). RE2, anchored at both
// ends. No include pattern means "everything"; an exclude match always wins.
struct PatternList {
  std::vector<std::shared_ptr<const re2::RE2>> include;
  std::vector<std::shared_ptr<const re2::RE2>> exclude;
  bool matchesAll() const { return include.empty() && exclude.empty(); }
  bool matches(std::string_view text) const;
  bool excluded(std::string_view text) const;
};

struct CompiledRule {
  std::string name;
  std::string source;  // file:line of the rule, for messages
  Action action = Action::Allow;
  PatternList images;
  PatternList namespaces;
  std::vector<Operation> operations;
  std::string message;
  std::string rewriteTarget;
  bool pin = false;
  PinFailure onPinFailure = PinFailure::Deny;
  // verify-signature only
  std::shared_ptr<const supplychain::SignatureRequirement> signatures;
  // check-vulnerabilities only
  std::shared_ptr<const supplychain::VulnerabilityRequirement> vulnerabilities;
  // verify-signature and check-vulnerabilities
  bool allowUnverifiable = false;
};

// One RE2::Set over the include image patterns of many rules: a single linear-time pass finds
// every rule whose image include matches, so evaluation cost grows with the matches, not with
// the number of rules.
class RuleIndex {
 public:
  RuleIndex();
  ~RuleIndex();
  RuleIndex(RuleIndex&&) noexcept;
  RuleIndex& operator=(RuleIndex&&) noexcept;
  // Returns an error message from RE2 if the set cannot be compiled.
  std::string build(const std::vector<CompiledRule>& rules);
  // The indices, ascending, of the rules whose image include patterns match (or that have none).
  void candidates(std::string_view image, std::vector<size_t>& out) const;

 private:
  struct Matcher;  // holds the RE2::Set (a nested class, which cannot be forward-declared)
  std::unique_ptr<Matcher> set_;
  std::vector<size_t> patternToRule_;
  std::vector<size_t> alwaysCandidates_;
};

struct CompiledPolicyDocument {
  std::string name;
  std::string source;  // file:line
  Mode mode = Mode::Enforce;
  PatternList namespaces;
  Verdict defaultVerdict = Verdict::Allow;  // Allow or Deny
  std::string defaultMessage;
  std::vector<CompiledRule> rules;
  RuleIndex index;
};

class CompiledPolicy {
 public:
  LoadOptions options;
  std::vector<CompiledPolicyDocument> documents;
  // Every rewrite target in use (the default first): an image already under one of them is
  // judged as the upstream image it mirrors and never rewritten again.
  std::vector<std::string> rewriteTargets;
  std::vector<std::string> files;  // the files loaded, in merge order
};

}  // namespace berth::policy
