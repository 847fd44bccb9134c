// The /mutate and /validate path without HTTP: decodeAdmissionReview on any bytes, then mutate
// (with a resolver that answers without the network) and validate under the admission fixture
// policy, then the response encoding. A patch, when there is one, is a JSON array.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "admission/admission_review.h"
#include "admission/digest_resolver.h"
#include "admission/mutate.h"
#include "admission/validate.h"
#include "fuzz/fuzz_check.h"
#include "policy/compiled_policy.h"
#include "policy/loader.h"

namespace {

// The policy the webhook tests use (tests/fixtures/admission/policy.yaml), built in so the target
// needs no files: rewrite, deny, pin (both failure modes), warn and audit policies.
constexpr const char* kPolicy = R"(apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: mirror}
spec:
  mode: enforce
  rules:
    - name: mirror-docker-hub
      match: {images: ['docker\.io/.*'], namespaces: {exclude: ['kube-system']}}
      action: rewrite
      target: localhost:5005
---
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: no-latest}
spec:
  mode: enforce
  rules:
    - name: deny-latest
      match: {images: ['.*:latest']}
      action: deny
      message: "the tag 'latest' is not allowed"
---
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: pinning}
spec:
  mode: enforce
  rules:
    - name: pin-quay
      match: {images: ['quay\.io/.*']}
      action: require-digest
      pin: true
      onPinFailure: deny
    - name: pin-ghcr
      match: {images: ['ghcr\.io/.*']}
      action: require-digest
      pin: true
      onPinFailure: allow
---
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: no-busybox}
spec:
  mode: warn
  rules:
    - name: warn-busybox
      match: {images: ['.*/busybox:.*']}
      action: deny
      message: busybox is for debugging only
---
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: redis-review}
spec:
  mode: audit
  rules:
    - name: audit-redis
      match: {images: ['.*/redis:.*']}
      action: deny
      message: redis images are being phased out
)";

// quay.io tags resolve to a fixed digest; everything else fails, as an unreachable registry.
class FixedResolver : public berth::admission::DigestResolver {
 public:
  berth::common::Result<std::string> resolve(const std::string& repository, const std::string&,
                                             berth::admission::Deadline) override {
    if (repository.starts_with("quay.io/")) return "sha256:" + std::string(64, 'a');
    return berth::common::Error{berth::common::ErrorCode::Unavailable, "no registry"};
  }
};

const berth::policy::CompiledPolicy& fixturePolicy() {
  static const berth::policy::PolicySnapshot snapshot = [] {
    auto loaded = berth::policy::loadPolicyText(kPolicy, "fuzz-policy.yaml", {});
    if (!loaded) std::abort();
    return std::move(loaded).value();
  }();
  return *snapshot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::admission;
  auto decoded = decodeAdmissionReview(berth::fuzz::text(data, size), DecodeLimits{});
  if (!decoded) return 0;
  FixedResolver resolver;
  const Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Review mutated = mutate(*decoded, MutateContext{fixturePolicy(), resolver, deadline});
  const std::string encoded = encodeAdmissionReview(mutated.response);
  BERTH_FUZZ_CHECK(nlohmann::json::accept(encoded));
  if (!mutated.response.patch.empty()) {
    const auto patch = nlohmann::json::parse(mutated.response.patch, nullptr, false);
    BERTH_FUZZ_CHECK(patch.is_array());
  }
  Review validated = validate(*decoded, fixturePolicy());
  BERTH_FUZZ_CHECK(validated.response.patch.empty());
  BERTH_FUZZ_CHECK(nlohmann::json::accept(encodeAdmissionReview(validated.response)));
  return 0;
}
