// loadPolicyText on any bytes; a policy that loads is evaluated for a fixed image in every
// operation, which must neither crash nor take super-linear time (RE2).
#include "fuzz/fuzz_check.h"
#include "policy/compiled_policy.h"
#include "policy/engine.h"
#include "policy/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::policy;
  const std::string input(berth::fuzz::text(data, size));
  auto loaded = loadPolicyText(input, "fuzz.yaml", LoadOptions{});
  if (!loaded) {
    BERTH_FUZZ_CHECK(!loaded.error().message.empty());
    return 0;
  }
  const CompiledPolicy& policy = **loaded;
  for (const char* image : {"docker.io/library/nginx:1.25", "nginx", "ghcr.io/team/app:latest",
                            "localhost:5005/a/b@sha256:"
                            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
    for (Operation op : {Operation::Admit, Operation::Push, Operation::Pull}) {
      auto decision = evaluate(policy, image, "prod-eu", op);
      BERTH_FUZZ_CHECK(decision.has_value());
      BERTH_FUZZ_CHECK(decision->verdict != Verdict::Rewrite || decision->rewritten.has_value());
    }
  }
  auto forRegistry = evaluateForRegistry(policy, "team/app", "v1", Operation::Push);
  (void)forRegistry;
  return 0;
}
