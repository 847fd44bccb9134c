#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "supplychain/public_key.h"

namespace berth::supplychain {

// What a policy asks of an image's signatures: valid signatures by at least `minimum` of
// `keys`, each naming the image's manifest digest and, with `matchRepository`, the image's
// repository as its docker-reference.
struct SignatureRequirement {
  std::vector<PublicKey> keys;
  size_t minimum = 1;
  bool matchRepository = false;

  // The same for two requirements that judge every image alike (same keys, minimum and
  // matching), however they were written: what a cache of verdicts is keyed by.
  std::string identity() const {
    std::string text = std::to_string(minimum) + (matchRepository ? "|match" : "|any");
    for (const auto& key : keys) text += "|" + key.fingerprint();
    return text;
  }
};

}  // namespace berth::supplychain
