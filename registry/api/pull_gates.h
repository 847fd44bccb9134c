#pragma once

#include <string_view>

#include "common/oci/digest.h"
#include "common/result.h"
#include "registry/api/exchange.h"

namespace berth::registry {

// verify-signature and check-vulnerabilities rules that list `pull` (docs/POLICY.md,
// Signatures and Vulnerability reports): the registry serves (GET) a manifest of its own
// repositories only when its signatures and reports, read from its own stores, satisfy every
// enforce-mode gate, so that a node that bypasses admission (a static Pod, crictl pull) is
// held too. HEAD is not gated: it gives the digest the webhook pins with, not the content.
// Documents attached to an image (signatures, reports) pass: no runtime can run one. DENIED with
// the rule and the reason otherwise; content that cannot be read denies unless the rule says
// onUnverifiable: allow. The gates are those of `ex.pullDecision` (none when the policy made no
// pull decision).
common::Status checkPullGates(RegistryContext& ctx, const Exchange& ex, const oci::Digest& digest,
                              std::string_view manifest);

// The same gates for a GET from a repository that mirrors an upstream: the registry cannot
// check those at pull, so a gate refuses (unless onUnverifiable: allow), except for the signature
// tags the webhook reads to verify the image at admission.
common::Status checkProxiedPullGates(const Exchange& ex);

}  // namespace berth::registry
