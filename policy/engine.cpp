#include "policy/engine.h"

#include <algorithm>

#include "policy/compiled_policy.h"

namespace berth::policy {
namespace {

// What one policy document says about an image.
struct DocumentOutcome {
  Verdict verdict = Verdict::Allow;
  const CompiledRule* rule = nullptr;  // null: the document's default decided
  std::string reason;
  std::string rewritten;
  const CompiledRule* pinRule = nullptr;
  const CompiledRule* immutableRule = nullptr;
  std::vector<const CompiledRule*> signatureRules;      // verify-signature gates that matched
  std::vector<const CompiledRule*> vulnerabilityRules;  // check-vulnerabilities gates
};

bool appliesTo(const CompiledRule& rule, Operation op) {
  return std::find(rule.operations.begin(), rule.operations.end(), op) != rule.operations.end();
}

// "localhost:5005" + docker.io/library/nginx:1.25 -> localhost:5005/docker.io/library/nginx:1.25.
// A registry host with a port cannot be a path component (":" is not allowed in names), so its
// ":" becomes "_": 127.0.0.1:5001 -> 127.0.0.1_5001 (hosts never contain "_").
std::string rewriteInto(const std::string& target, const oci::ImageReference& image) {
  std::string domain = image.domain;
  std::replace(domain.begin(), domain.end(), ':', '_');
  std::string out = target + "/" + domain + "/" + image.path;
  if (!image.tag.empty()) out += ":" + image.tag;
  if (!image.digest.empty()) out += "@" + image.digest;
  return out;
}

// The upstream image that an image under a rewrite target mirrors, if it is one. Only a
// configured upstream counts; any other name under the target is a repository of Berth's own
// and is judged as such.
std::optional<oci::ImageReference> unwrapMirrored(const CompiledPolicy& policy,
                                                  const oci::ImageReference& image,
                                                  std::string* targetOut) {
  const std::string repository = image.repository();
  for (const auto& target : policy.rewriteTargets) {
    if (repository.size() <= target.size() + 1 || repository.compare(0, target.size(), target) ||
        repository[target.size()] != '/') {
      continue;
    }
    const std::string inner = repository.substr(target.size() + 1);
    const auto slash = inner.find('/');
    if (slash == std::string::npos) continue;
    const MirroredUpstream* upstream =
        upstreamNamedBy(policy.options.upstreams, std::string_view(inner).substr(0, slash));
    if (upstream == nullptr) continue;
    std::string text = upstream->host + inner.substr(slash);
    if (!image.tag.empty()) text += ":" + image.tag;
    if (!image.digest.empty()) text += "@" + image.digest;
    auto parsed = oci::parseImageReference(text);
    if (!parsed) continue;
    if (targetOut) *targetOut = target;
    return std::move(parsed).value();
  }
  return std::nullopt;
}

DocumentOutcome evaluateDocument(const CompiledPolicyDocument& doc,
                                 const oci::ImageReference& image, const std::string& imageText,
                                 std::string_view ns, Operation op) {
  DocumentOutcome outcome;
  std::vector<size_t> candidates;
  doc.index.candidates(imageText, candidates);
  for (size_t i : candidates) {
    const CompiledRule& rule = doc.rules[i];
    if (rule.images.excluded(imageText)) continue;
    if (!rule.namespaces.matchesAll() && !rule.namespaces.matches(ns)) continue;
    if (rule.action == Action::ImmutableTags) {
      // Immutability is a property of the tag, reported whatever the operation.
      if (!outcome.immutableRule && !image.tag.empty()) outcome.immutableRule = &rule;
      continue;
    }
    if (!appliesTo(rule, op)) continue;
    switch (rule.action) {
      case Action::VerifySignature:
        outcome.signatureRules.push_back(&rule);
        continue;
      case Action::CheckVulnerabilities:
        outcome.vulnerabilityRules.push_back(&rule);
        continue;
      case Action::RequireDigest:
        if (image.hasDigest()) continue;
        if (rule.pin) {
          if (!outcome.pinRule) outcome.pinRule = &rule;
          continue;
        }
        outcome.verdict = Verdict::Deny;
        outcome.rule = &rule;
        outcome.reason = rule.message.empty()
                             ? "image must be referenced by digest (image@sha256:...)"
                             : rule.message;
        return outcome;
      case Action::Allow:
        outcome.verdict = Verdict::Allow;
        outcome.rule = &rule;
        outcome.reason = rule.message.empty() ? "allowed by rule" : rule.message;
        return outcome;
      case Action::Deny:
        outcome.verdict = Verdict::Deny;
        outcome.rule = &rule;
        outcome.reason = rule.message.empty() ? "denied by rule" : rule.message;
        return outcome;
      case Action::Rewrite:
        if (op != Operation::Admit) {
          // The registry serves mirrored images; a rewrite rule allows them there.
          outcome.verdict = Verdict::Allow;
        } else {
          outcome.verdict = Verdict::Rewrite;
          outcome.rewritten = rewriteInto(rule.rewriteTarget, image);
        }
        outcome.rule = &rule;
        outcome.reason = rule.message.empty() ? "served from " + rule.rewriteTarget : rule.message;
        return outcome;
      case Action::ImmutableTags:
        break;
    }
  }
  if (op != Operation::Admit) {
    // A document's default is written for Pods; at the registry only rules that name push or
    // pull decide, so a "default: deny" allow-list for workloads does not stop nodes pulling.
    outcome.reason = "no rule matched; allowed by default";
    return outcome;
  }
  outcome.verdict = doc.defaultVerdict;
  outcome.reason =
      doc.defaultVerdict == Verdict::Deny
          ? (doc.defaultMessage.empty() ? "no rule allows this image" : doc.defaultMessage)
          : "no rule matched; allowed by default";
  return outcome;
}

template <typename Gate>
const Gate* firstEnforced(const std::vector<Gate>& gates) {
  for (const auto& gate : gates) {
    if (gate.mode == Mode::Enforce) return &gate;
  }
  return nullptr;
}

// Signatures sign a digest and reports describe one: under an enforce-mode gate the mutating
// webhook pins the tag, so that the digest checked is the one that runs. A pin that fails
// leaves the gate unverifiable, so it is denied unless every gate allows that.
template <typename Gate>
void pinForGates(const std::vector<Gate>& gates, Decision& decision) {
  for (const auto& gate : gates) {
    if (gate.mode != Mode::Enforce) continue;
    const PinFailure failure = gate.allowUnverifiable ? PinFailure::Allow : PinFailure::Deny;
    if (!decision.pin) {
      decision.pin = true;
      decision.onPinFailure = failure;
    } else if (failure == PinFailure::Deny) {
      decision.onPinFailure = PinFailure::Deny;
    }
  }
}

Finding findingOf(const CompiledPolicyDocument& doc, const DocumentOutcome& o) {
  std::string message = o.reason;
  if (o.verdict == Verdict::Rewrite) message = "would rewrite to " + o.rewritten;
  return Finding{doc.name, o.rule ? o.rule->name : "default", message, doc.mode};
}

}  // namespace

Decision evaluate(const CompiledPolicy& policy, const oci::ImageReference& input,
                  std::string_view ns, Operation op) {
  Decision decision;
  decision.image = input.str();
  std::string mirrorTarget;
  const auto upstream = unwrapMirrored(policy, input, &mirrorTarget);
  const oci::ImageReference& image = upstream ? *upstream : input;
  const std::string imageText = image.str();
  decision.judgedImage = imageText;

  const CompiledPolicyDocument* denyDoc = nullptr;
  DocumentOutcome deny;
  const CompiledPolicyDocument* rewriteDoc = nullptr;
  DocumentOutcome rewrite;
  const CompiledPolicyDocument* allowDoc = nullptr;
  DocumentOutcome allow;
  const CompiledPolicyDocument* pinDoc = nullptr;
  const CompiledRule* pinRule = nullptr;

  for (const auto& doc : policy.documents) {
    if (!doc.namespaces.matchesAll() && !doc.namespaces.matches(ns)) continue;
    DocumentOutcome o = evaluateDocument(doc, image, imageText, ns, op);
    for (const CompiledRule* rule : o.signatureRules) {
      decision.signatureGates.push_back(
          SignatureGate{doc.name, rule->name, doc.mode, rule->signatures, rule->allowUnverifiable});
    }
    for (const CompiledRule* rule : o.vulnerabilityRules) {
      decision.vulnerabilityGates.push_back(VulnerabilityGate{
          doc.name, rule->name, doc.mode, rule->vulnerabilities, rule->allowUnverifiable});
    }
    if (doc.mode != Mode::Enforce) {
      if (o.verdict != Verdict::Allow || (o.immutableRule && op == Operation::Push)) {
        Finding f = findingOf(doc, o);
        if (o.verdict == Verdict::Allow) {
          f.rule = o.immutableRule->name;
          f.message = "tag would be immutable";
        }
        (doc.mode == Mode::Warn ? decision.warnings : decision.audits).push_back(std::move(f));
      }
      continue;
    }
    if (o.immutableRule && !decision.immutable) {
      decision.immutable = true;
      decision.immutableRule = o.immutableRule->name;
    }
    if (o.pinRule && !decision.pin) {
      decision.pin = true;
      decision.onPinFailure = o.pinRule->onPinFailure;
      pinDoc = &doc;
      pinRule = o.pinRule;
    }
    if (o.verdict == Verdict::Deny && !denyDoc) {
      denyDoc = &doc;
      deny = o;
    } else if (o.verdict == Verdict::Rewrite && !rewriteDoc) {
      rewriteDoc = &doc;
      rewrite = o;
    } else if (o.verdict == Verdict::Allow && o.rule && !allowDoc) {
      allowDoc = &doc;
      allow = o;
    }
  }

  auto decide = [&](const CompiledPolicyDocument* doc, const DocumentOutcome& o) {
    decision.verdict = o.verdict;
    decision.policy = doc->name;
    decision.rule = o.rule ? std::optional<std::string>(o.rule->name) : std::nullopt;
    decision.reason = o.reason;
    decision.mode = doc->mode;
  };
  if (denyDoc) {
    decide(denyDoc, deny);
    decision.pin = false;
    decision.signatureGates.clear();  // nothing to verify: the image does not run
    decision.vulnerabilityGates.clear();
  } else if (rewriteDoc) {
    decide(rewriteDoc, rewrite);
    if (upstream && rewrite.rule->rewriteTarget == mirrorTarget) {
      // Already served by the target: admitting it again changes nothing (idempotent).
      decision.verdict = Verdict::Allow;
      decision.reason = "already served from " + mirrorTarget;
    } else {
      decision.rewritten = rewrite.rewritten;
    }
  } else if (allowDoc) {
    decide(allowDoc, allow);
  } else if (pinDoc) {
    decision.policy = pinDoc->name;
    decision.rule = pinRule->name;
    decision.mode = pinDoc->mode;
    decision.reason = "the tag is pinned to its digest at admission";
  } else if (const SignatureGate* gate = firstEnforced(decision.signatureGates)) {
    decision.policy = gate->policy;
    decision.rule = gate->rule;
    decision.reason = "allowed if its signatures verify";
  } else if (const VulnerabilityGate* vulnerabilityGate =
                 firstEnforced(decision.vulnerabilityGates)) {
    decision.policy = vulnerabilityGate->policy;
    decision.rule = vulnerabilityGate->rule;
    decision.reason = "allowed if its vulnerability reports pass";
  } else {
    decision.verdict = Verdict::Allow;
    decision.reason = policy.documents.empty() ? "no policy loaded; allowed"
                                               : "no rule matched; allowed by default";
  }
  if (op == Operation::Admit && !image.hasDigest()) {
    pinForGates(decision.signatureGates, decision);
    pinForGates(decision.vulnerabilityGates, decision);
  }
  return decision;
}

common::Result<Decision> evaluate(const CompiledPolicy& policy, std::string_view image,
                                  std::string_view ns, Operation op) {
  BERTH_TRY_ASSIGN(auto reference, oci::parseImageReference(image));
  return evaluate(policy, reference, ns, op);
}

common::Result<Decision> evaluateForRegistry(const CompiledPolicy& policy,
                                             std::string_view repository,
                                             std::string_view reference, Operation op) {
  std::string text = policy.options.defaultRewriteTarget + "/" + std::string(repository);
  text += (reference.find(':') != std::string_view::npos ? "@" : ":");
  text += reference;
  return evaluate(policy, text, "", op);
}

}  // namespace berth::policy
