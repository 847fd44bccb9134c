// parseWwwAuthenticate on any bytes (what an upstream registry sends); every parsed challenge
// formats into a header that parses back to the same challenge.
#include "fuzz/fuzz_check.h"
#include "registry/auth_challenge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::registry;
  auto parsed = parseWwwAuthenticate(berth::fuzz::text(data, size));
  if (!parsed) return 0;
  for (const AuthChallenge& challenge : *parsed) {
    BERTH_FUZZ_CHECK(!challenge.scheme.empty());
    challenge.param("realm");
    challenge.isScheme("bearer");
    const std::string formatted = formatChallenge(challenge);
    auto again = parseWwwAuthenticate(formatted);
    BERTH_FUZZ_CHECK(again.has_value());
    BERTH_FUZZ_CHECK(again->size() == 1);
    BERTH_FUZZ_CHECK(again->front().params == challenge.params);
  }
  return 0;
}
