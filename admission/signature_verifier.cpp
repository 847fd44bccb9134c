#include "admission/signature_verifier.h"

#include "admission/registry_content_source.h"

namespace berth::admission {

RegistrySignatureVerifier::RegistrySignatureVerifier(const RegistryEndpoint& endpoint,
                                                     const common::Clock& clock,
                                                     VerdictCacheOptions options)
    : endpoint_(endpoint), cache_(clock, options) {}

supplychain::SignatureReport RegistrySignatureVerifier::verify(
    const std::string& repository, const std::string& digest,
    const supplychain::SignatureRequirement& requirement, const std::string& signedRepository,
    Deadline deadline) {
  const std::string key =
      requirement.identity() + "\n" + repository + "@" + digest + "\n" + signedRepository;
  if (auto cached = cache_.find(key)) return std::move(cached).value();
  RegistryContentSource source(endpoint_, deadline);
  supplychain::SignatureReport report =
      supplychain::verifyImageSignatures(source, repository, digest, requirement, signedRepository);
  if (report.outcome == supplychain::Outcome::Satisfied) cache_.remember(key, report);
  return report;
}

}  // namespace berth::admission
