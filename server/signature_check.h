#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "admission/digest_resolver.h"
#include "policy/loader.h"
#include "policy/policy.h"

namespace berth::server {

// `berth policy test --registry URL`: each verify-signature gate of `decision` checked the way
// the validating webhook checks it, against the resolver's registry (no cache). A tag is
// resolved to its digest first. Prints every signature found and why it did or did not count
// (text), or returns the same as the decision's "signatureChecks" member (json).
nlohmann::json checkSignatures(const policy::Decision& decision, const std::string& image,
                               const policy::LoadOptions& options,
                               admission::RegistryDigestResolver& resolver);
void printSignatureChecks(const nlohmann::json& checks, std::ostream& out);

}  // namespace berth::server
