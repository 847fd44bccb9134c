#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supplychain/signature_requirement.h"
#include "supplychain/vulnerability_requirement.h"

namespace berth::policy {

// What the caller is doing with the image. Admission asks for Admit; the registry asks for Push
// (to learn whether a tag is immutable) and Pull.
enum class Operation { Admit, Push, Pull };

// How a policy's verdicts take effect: enforce (deny means deny), warn (allowed, with a warning),
// audit (allowed, recorded only).
enum class Mode { Enforce, Warn, Audit };

enum class Verdict { Allow, Deny, Rewrite };

// What to do when the webhook must pin a tag to a digest and cannot resolve it.
enum class PinFailure { Allow, Deny };

const char* operationName(Operation op);
const char* modeName(Mode mode);
const char* verdictName(Verdict verdict);

// A finding of a policy whose mode is warn or audit: what it would have done under enforce.
struct Finding {
  std::string policy;
  std::string rule;
  std::string message;
  Mode mode = Mode::Warn;
};

// A verify-signature rule that matched: the image may run (or be pulled) only with signatures
// that satisfy `requirement`. Checking them needs the registry, so the engine only records the
// gate; the webhooks and the registry check it.
struct SignatureGate {
  std::string policy;
  std::string rule;
  Mode mode = Mode::Enforce;  // warn and audit gates report a failure instead of denying
  std::shared_ptr<const supplychain::SignatureRequirement> requirement;
  // When the signatures cannot be read in time (registry or upstream down): allow or deny.
  bool allowUnverifiable = false;
};

// A check-vulnerabilities rule that matched: the image may run (or be pulled) only when its
// attached vulnerability reports satisfy `requirement`. Recorded like a SignatureGate.
struct VulnerabilityGate {
  std::string policy;
  std::string rule;
  Mode mode = Mode::Enforce;
  std::shared_ptr<const supplychain::VulnerabilityRequirement> requirement;
  // When the reports cannot be read in time (registry or upstream down): allow or deny.
  bool allowUnverifiable = false;
};

// The answer for one image. A pure value: the engine computes it without I/O.
struct Decision {
  std::string image;  // the normalised input reference
  Verdict verdict = Verdict::Allow;
  std::optional<std::string> rewritten;  // set when verdict is Rewrite
  bool pin = false;                      // the webhook should resolve the tag to a digest
  PinFailure onPinFailure = PinFailure::Deny;
  bool immutable = false;  // the image's tag may not be overwritten (push)
  std::optional<std::string> immutableRule;
  std::optional<std::string> policy;  // the deciding policy's name
  std::optional<std::string> rule;    // the deciding rule's name; null for a default
  std::string reason;
  Mode mode = Mode::Enforce;      // the deciding policy's mode
  std::vector<Finding> warnings;  // from warn-mode policies
  std::vector<Finding> audits;    // from audit-mode policies
  // Every verify-signature rule that matched, in merge order (any mode).
  std::vector<SignatureGate> signatureGates;
  // Every check-vulnerabilities rule that matched, in merge order (any mode).
  std::vector<VulnerabilityGate> vulnerabilityGates;
  // The reference the rules judged: the upstream image for a mirrored one, else `image`. A
  // signature's docker-reference must name its repository when a gate matches repositories.
  std::string judgedImage;
};

class CompiledPolicy;  // defined in policy/compiled_policy.h; immutable once built
using PolicySnapshot = std::shared_ptr<const CompiledPolicy>;

// Anything that can hand out the current policy snapshot (the watcher, or a fixed one in tests).
class PolicySource {
 public:
  virtual ~PolicySource() = default;
  virtual PolicySnapshot current() const = 0;
};

}  // namespace berth::policy
