#pragma once

#include <string>
#include <vector>

#include "supplychain/content_source.h"
#include "supplychain/cosign_signature.h"
#include "supplychain/gate_outcome.h"
#include "supplychain/signature_requirement.h"

namespace berth::supplychain {

// A simple-signing payload is a few hundred bytes; anything far larger is not one, and is not
// fetched.
inline constexpr uint64_t kMaxPayloadBytes = 64 * 1024;

// One signature looked at, and what became of it.
struct FoundSignature {
  std::string payloadDigest;
  SignatureCheck check;
};

// The answer for one image and one requirement.
struct SignatureReport {
  using Outcome = supplychain::Outcome;  // Satisfied: enough signatures verified
  Outcome outcome = Outcome::Unsatisfied;
  size_t verified = 0;
  std::vector<FoundSignature> signatures;
  std::string reason;  // a sentence for users: why it is not satisfied, or what verified
};

// Reads the cosign signatures of `manifestDigest` in `repository` (the "sha256-<hex>.sig"
// tag) and checks them against `requirement`. `signedRepository` is the normalised repository
// a signature must name when the requirement matches repositories. `verified` counts distinct
// keys: one signer signing twice is still one signature towards the minimum.
SignatureReport verifyImageSignatures(ContentSource& source, const std::string& repository,
                                      const std::string& manifestDigest,
                                      const SignatureRequirement& requirement,
                                      const std::string& signedRepository);

}  // namespace berth::supplychain
