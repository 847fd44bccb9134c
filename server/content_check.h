#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "admission/digest_resolver.h"
#include "policy/loader.h"
#include "policy/policy.h"

namespace berth::server {

// `berth policy test --registry URL`: each verify-signature and check-vulnerabilities gate of
// `decision` checked the way the validating webhook checks it, against the resolver's registry
// (no cache). A tag is resolved to its digest first. Returns {"signatureChecks": [...],
// "vulnerabilityChecks": [...]}, members of the decision's JSON: every signature found and why
// it did or did not count, every report read and the findings that decided.
nlohmann::json checkContent(const policy::Decision& decision, const std::string& image,
                            const policy::LoadOptions& options,
                            admission::RegistryDigestResolver& resolver);
// The same as text, for people.
void printContentChecks(const nlohmann::json& checks, std::ostream& out);

}  // namespace berth::server
