// Policy evaluation cost with 10, 1,000 and 10,000 rules: one image judged per iteration, on one
// core. Rules are shaped like real ones: a registry/team prefix each, a namespace exclusion on
// some, and a mix of actions; the images hit a rule late in the list, or no rule at all.
#include <benchmark/benchmark.h>

#include <string>

#include "common/oci/image_reference.h"
#include "policy/compiled_policy.h"
#include "policy/engine.h"
#include "policy/loader.h"

namespace {

using berth::policy::CompiledPolicy;
using berth::policy::PolicySnapshot;

PolicySnapshot makePolicy(int rules) {
  std::string yaml =
      "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: bench}\nspec:\n  rules:\n";
  for (int i = 0; i < rules; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        yaml += "    - {name: allow-" + n + ", match: {images: ['registry" + n +
                "\\.example\\.com/team-[a-z]+/.*']}, action: allow}\n";
        break;
      case 1:
        yaml += "    - {name: deny-" + n + ", match: {images: ['docker\\.io/vendor" + n +
                "/.*'], namespaces: {exclude: ['dev-.*']}}, action: deny, message: no}\n";
        break;
      case 2:
        yaml += "    - {name: mirror-" + n + ", match: {images: ['mirror" + n +
                "\\.io/.*']}, action: rewrite}\n";
        break;
      default:
        yaml += "    - {name: latest-" + n + ", match: {images: ['quay\\.io/org" + n +
                "/.*:latest']}, action: deny, message: no latest}\n";
        break;
    }
  }
  auto loaded = berth::policy::loadPolicyText(yaml, "bench.yaml", {});
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return loaded.value();
}

void evaluateImage(benchmark::State& state, const std::string& imageTemplate) {
  const int rules = static_cast<int>(state.range(0));
  const PolicySnapshot policy = makePolicy(rules);
  // The image matches the last rule of its kind, so a linear scan would pay for all of them.
  std::string image = imageTemplate;
  const std::string last = std::to_string(rules - rules % 4 - 4 + 1);
  if (const auto at = image.find("{N}"); at != std::string::npos) image.replace(at, 3, last);
  auto reference = berth::oci::parseImageReference(image);
  if (!reference) throw std::runtime_error(reference.error().message);
  for (auto _ : state) {
    auto decision = berth::policy::evaluate(*policy, *reference, "prod-payments",
                                            berth::policy::Operation::Admit);
    benchmark::DoNotOptimize(decision);
  }
  state.SetLabel(image);
}

void BM_EvaluateMatchingRule(benchmark::State& state) {
  evaluateImage(state, "docker.io/vendor{N}/app:1.2.3");
}
void BM_EvaluateNoRule(benchmark::State& state) {
  evaluateImage(state, "ghcr.io/someone/else:2.0");
}
void BM_ParseAndEvaluate(benchmark::State& state) {
  const PolicySnapshot policy = makePolicy(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto decision = berth::policy::evaluate(*policy, "nginx:1.25", "prod-payments",
                                            berth::policy::Operation::Admit);
    benchmark::DoNotOptimize(decision);
  }
}

BENCHMARK(BM_EvaluateMatchingRule)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_EvaluateNoRule)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_ParseAndEvaluate)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
