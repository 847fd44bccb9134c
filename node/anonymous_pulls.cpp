#include "node/anonymous_pulls.h"

namespace berth::registry {
namespace {

// A repository name is at most a few hundred bytes; a record holds exactly one.
constexpr uint64_t kMaxRecordBytes = 4096;

std::string digestDir(const oci::Digest& digest) {
  return "/anonymous-pull/" + digest.algorithm + "/" + digest.hex;
}

std::string recordPath(const std::string& repository, const oci::Digest& digest) {
  return digestDir(digest) + "/" + oci::digestOf(repository).hex;
}

}  // namespace

bool AnonymousPullRecords::allowed(const std::string& repository, const oci::Digest& digest) {
  auto content = driver_.getContent(recordPath(repository, digest), kMaxRecordBytes);
  return content && *content == repository;
}

common::Status AnonymousPullRecords::learn(const std::string& repository, const oci::Digest& digest,
                                           bool anonymous) {
  const std::string path = recordPath(repository, digest);
  const bool known = allowed(repository, digest);
  if (anonymous == known) return {};
  if (anonymous) return driver_.putContent(path, repository);
  return driver_.remove(path);
}

common::Status AnonymousPullRecords::forget(const oci::Digest& digest) {
  return driver_.remove(digestDir(digest));
}

}  // namespace berth::registry
