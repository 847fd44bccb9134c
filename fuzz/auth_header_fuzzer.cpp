// parseAuthorization on any bytes: Basic and Bearer credentials, never beyond the size limit.
#include "fuzz/fuzz_check.h"
#include "registry/auth/header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::registry;
  auto parsed = parseAuthorization(berth::fuzz::text(data, size));
  if (!parsed) return 0;
  BERTH_FUZZ_CHECK(size <= kMaxAuthorizationBytes);
  if (parsed->scheme == Credentials::Scheme::Basic) {
    BERTH_FUZZ_CHECK(parsed->token.empty());
    BERTH_FUZZ_CHECK(parsed->user.find(':') == std::string::npos);
  }
  if (parsed->scheme == Credentials::Scheme::Bearer) BERTH_FUZZ_CHECK(!parsed->token.empty());
  return 0;
}
