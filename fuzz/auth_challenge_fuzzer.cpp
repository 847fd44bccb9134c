// parseWwwAuthenticate on any bytes (what an upstream registry sends). No parsed value holds a
// control character but HTAB, and every challenge formats into a header that parses back to
// the same challenge (formatChallenge drops HTAB as well).
#include <algorithm>

#include "fuzz/fuzz_check.h"
#include "registry/auth/challenge.h"

namespace {

bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::registry;
  auto parsed = parseWwwAuthenticate(berth::fuzz::text(data, size));
  if (!parsed) return 0;
  for (const AuthChallenge& challenge : *parsed) {
    BERTH_FUZZ_CHECK(!challenge.scheme.empty());
    challenge.param("realm");
    challenge.isScheme("bearer");
    auto expected = challenge.params;
    for (auto& [name, value] : expected) {
      BERTH_FUZZ_CHECK(std::none_of(value.begin(), value.end(),
                                    [](char c) { return isControl(c) && c != '\t'; }));
      value.erase(std::remove(value.begin(), value.end(), '\t'), value.end());
    }
    const std::string formatted = formatChallenge(challenge);
    BERTH_FUZZ_CHECK(std::none_of(formatted.begin(), formatted.end(), isControl));
    auto again = parseWwwAuthenticate(formatted);
    BERTH_FUZZ_CHECK(again.has_value());
    BERTH_FUZZ_CHECK(again->size() == 1);
    BERTH_FUZZ_CHECK(again->front().params == expected);
  }
  return 0;
}
