#include "admission/signature_verifier.h"

#include "admission/registry_content_source.h"

namespace berth::admission {

RegistrySignatureVerifier::RegistrySignatureVerifier(const RegistryEndpoint& endpoint,
                                                     const common::Clock& clock,
                                                     VerdictCacheOptions options)
    : endpoint_(endpoint), clock_(clock), options_(options) {}

supplychain::SignatureReport RegistrySignatureVerifier::verify(
    const std::string& repository, const std::string& digest,
    const supplychain::SignatureRequirement& requirement, const std::string& signedRepository,
    Deadline deadline) {
  const std::string key =
      requirement.identity() + "\n" + repository + "@" + digest + "\n" + signedRepository;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
      if (clock_.monotonic() < it->second.expires) return it->second.report;
      order_.erase(it->second.age);
      entries_.erase(it);
    }
  }
  RegistryContentSource source(endpoint_, deadline);
  supplychain::SignatureReport report =
      supplychain::verifyImageSignatures(source, repository, digest, requirement, signedRepository);
  if (report.outcome != supplychain::SignatureReport::Outcome::Satisfied ||
      options_.maxEntries == 0) {
    return report;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.count(key)) return report;  // another review verified it meanwhile
  while (entries_.size() >= options_.maxEntries) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  entries_.emplace(key, Entry{report, clock_.monotonic() + options_.ttl, std::prev(order_.end())});
  return report;
}

size_t RegistrySignatureVerifier::cachedVerdicts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace berth::admission
