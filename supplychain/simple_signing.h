#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::supplychain {

// The payload a cosign keyed signature signs ("simple signing", as cosign and containers/image
// write it):
//   {"critical": {"identity": {"docker-reference": R},
//                 "image": {"docker-manifest-digest": D},
//                 "type": "cosign container image signature"},
//    "optional": {...}}
// Only the critical part is trusted; the optional part is the signer's free text.
struct SimpleSigningPayload {
  std::string dockerReference;  // what the signer named the image: a repository, with a tag
  std::string manifestDigest;   // the manifest the signature is for
};

inline constexpr std::string_view kSimpleSigningType = "cosign container image signature";

// Parses and checks the critical part: every field present with the right type, the type
// above, a valid digest. Errors say which field is wrong.
common::Result<SimpleSigningPayload> parseSimpleSigning(std::string_view json);

}  // namespace berth::supplychain
