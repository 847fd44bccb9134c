#pragma once

#include <map>
#include <string>
#include <vector>

#include "admission/digest_resolver.h"
#include "policy/compiled_policy.h"
#include "policy/loader.h"
#include "tests/support/temp_dir.h"

namespace berth::admission::test {

// The chart's pull-through upstreams (its mirror policy's registries) and a local one with a
// port.
inline policy::LoadOptions mirrorOptions() {
  policy::LoadOptions options;
  options.upstreams = {{"docker.io", ""}, {"ghcr.io", ""}, {"quay.io", ""}, {"127.0.0.1:5001", ""}};
  return options;
}

inline policy::PolicySnapshot fixturePolicy(const std::string& name) {
  auto loaded = policy::loadPolicyPath(
      berth::testing::sourcePath("tests/fixtures/admission/" + name), mirrorOptions());
  if (!loaded) throw std::runtime_error(name + ": " + loaded.error().message);
  return std::move(loaded).value();
}

// Answers from a table of "repository:tag" -> digest and records every question.
class FakeResolver : public DigestResolver {
 public:
  std::map<std::string, std::string> digests;
  std::vector<std::string> asked;
  common::Result<std::string> resolve(const std::string& repository, const std::string& tag,
                                      Deadline) override {
    asked.push_back(repository + ":" + tag);
    const auto it = digests.find(repository + ":" + tag);
    if (it == digests.end()) {
      return common::Error{common::ErrorCode::Unavailable, "registry answered HTTP 404"};
    }
    return it->second;
  }
};

inline const std::string kDigestA = "sha256:" + std::string(64, 'a');
inline const std::string kDigestB = "sha256:" + std::string(64, 'b');

}  // namespace berth::admission::test
