#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "policy/mirrored_upstream.h"
#include "policy/policy.h"

namespace berth::policy {

struct LoadOptions {
  // Where rewrite rules without a target send images.
  std::string defaultRewriteTarget = "localhost:5005";
  // Under a rewrite target, "<first>/<rest>" is the upstream image "<host>/<rest>" only when
  // <first> names one of these (the host with ":" encoded as "_", or the alias). Any other name
  // there is a repository of Berth's own: otherwise anyone who can push "registry.example.com/x"
  // could make it pass as that upstream's image.
  std::vector<MirroredUpstream> upstreams;
};

// The options `berth serve` loads policies with: the rewrite target and the registry's
// pull-through upstreams, from the one configuration the registry and the webhook share.
LoadOptions loadOptionsFor(const common::Config& config);

// Loads a policy file, or every *.yaml/*.yml file of a directory (a mounted ConfigMap too) in
// lexical order of file names. Never loads half: on any problem the error message lists every
// problem found, one per line, each as "file:line:column: what is wrong".
common::Result<PolicySnapshot> loadPolicyPath(const std::string& path, const LoadOptions& options);
common::Result<PolicySnapshot> loadPolicyText(const std::string& text,
                                              const std::string& sourceName,
                                              const LoadOptions& options);
// The policy files of a path in merge order: the path itself when it is a file, otherwise the
// *.yaml and *.yml files of the directory (hidden entries such as ..data skipped), sorted.
std::vector<std::string> listPolicyFiles(const std::string& path, std::string* error);
// No policies at all: every image is allowed unchanged.
PolicySnapshot emptyPolicy(const LoadOptions& options);

// A fixed snapshot, for tests and for one-shot CLI commands.
class StaticPolicySource : public PolicySource {
 public:
  explicit StaticPolicySource(PolicySnapshot snapshot) : snapshot_(std::move(snapshot)) {}
  PolicySnapshot current() const override { return snapshot_; }

 private:
  PolicySnapshot snapshot_;
};

}  // namespace berth::policy
