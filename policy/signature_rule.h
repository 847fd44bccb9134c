#pragma once

#include <string>

#include "policy/compiled_policy.h"

namespace berth::common {
class YamlMapReader;
}

namespace berth::policy {

// Reads the keys of a verify-signature rule (`keys`, `minimum`, `matchRepository`) into `rule`; on
// another action, each of them is an error. A key is inline PEM (`pem`) or a file (`file`, relative
// to the policy file's directory; a mounted Secret is a file), and is loaded here, so a missing,
// unreadable or unsupported key fails the policy load with its position instead of failing
// admissions later.
void readSignatureRequirement(common::YamlMapReader& reader, bool isVerifySignature,
                              CompiledRule& rule);

}  // namespace berth::policy
