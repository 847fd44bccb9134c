#include "supplychain/image_signatures.h"

#include <optional>
#include <set>

namespace berth::supplychain {

namespace {

bool isAbsent(const common::Error& error) {
  return error.code == common::ErrorCode::NotFound ||
         error.code == common::ErrorCode::ManifestUnknown ||
         error.code == common::ErrorCode::NameUnknown;
}

std::string countText(size_t n) {
  return std::to_string(n) + (n == 1 ? " signature" : " signatures");
}

// "none verified: sha256:ab..: not signed by any of the keys (...)", naming at most three.
std::string whyNot(const SignatureReport& report) {
  std::string text;
  size_t named = 0;
  for (const auto& found : report.signatures) {
    if (found.check.verified) continue;
    if (named == 3) {
      text += "; ...";
      break;
    }
    text += (named ? "; " : "") + found.payloadDigest + ": " + found.check.reason;
    ++named;
  }
  return text;
}

// The signature manifests of an image: under the cosign tag and as OCI 1.1 referrers of the
// signature type. False (the report says why) when they cannot be read.
bool readSignatureManifests(ContentSource& source, const std::string& repository,
                            const std::string& manifestDigest, const std::string& tag,
                            std::vector<std::string>& manifests, SignatureReport& report) {
  report.outcome = SignatureReport::Outcome::Unverifiable;
  auto tagged = source.manifest(repository, tag);
  if (tagged) {
    manifests.push_back(std::move(tagged).value());
  } else if (!isAbsent(tagged.error())) {
    report.reason = "its signatures could not be read: " + tagged.error().message;
    return false;
  }
  auto referrers = source.referrers(repository, manifestDigest, {kSignatureArtifactType});
  if (!referrers) {
    report.reason = "its signature referrers could not be read: " + referrers.error().message;
    return false;
  }
  for (size_t i = 0; i < referrers->size() && i < kMaxSignatureReferrers; ++i) {
    auto referrer = source.manifest(repository, (*referrers)[i].digest);
    if (referrer) {
      manifests.push_back(std::move(referrer).value());
    } else if (!isAbsent(referrer.error())) {  // an absent one was deleted while we listed
      report.reason = "a signature referrer could not be read: " + referrer.error().message;
      return false;
    }
  }
  report.outcome = SignatureReport::Outcome::Unsatisfied;
  return true;
}

}  // namespace

SignatureReport verifyImageSignatures(ContentSource& source, const std::string& repository,
                                      const std::string& manifestDigest,
                                      const SignatureRequirement& requirement,
                                      const std::string& signedRepository) {
  SignatureReport report;
  auto tag = cosignSignatureTag(manifestDigest);
  if (!tag) {
    report.reason = "no valid manifest digest to look signatures up by: " + tag.error().message;
    return report;
  }
  std::vector<std::string> manifests;
  if (!readSignatureManifests(source, repository, manifestDigest, *tag, manifests, report)) {
    return report;
  }
  if (manifests.empty()) {
    report.reason = "the image " + manifestDigest + " has no signatures (no tag " + *tag +
                    " and no signature referrer in " + repository + ")";
    return report;
  }
  std::vector<SignatureLayer> layers;
  std::set<std::string> seenPayloads;
  for (const std::string& manifest : manifests) {
    auto parsed = parseSignatureManifest(manifest);
    if (!parsed) {
      report.signatures.push_back({"", SignatureCheck{false, "", "", parsed.error().message}});
      continue;
    }
    for (SignatureLayer& layer : *parsed) {
      if (layers.size() == kMaxSignatureLayers) break;
      // The same payload and signature under the tag and as a referrer count once.
      if (!seenPayloads.insert(layer.payloadDigest + "|" + layer.signature).second) continue;
      layers.push_back(std::move(layer));
    }
  }
  std::set<std::string> signers;
  const std::optional<std::string_view> mustName =
      requirement.matchRepository ? std::optional<std::string_view>(signedRepository)
                                  : std::nullopt;
  for (const SignatureLayer& layer : layers) {
    FoundSignature found{layer.payloadDigest, {}};
    if (!layer.problem.empty()) {
      found.check.reason = layer.problem;
    } else if (layer.payloadSize > kMaxPayloadBytes) {
      found.check.reason = "the payload is " + std::to_string(layer.payloadSize) +
                           " bytes, more than a signature payload can be";
    } else if (auto payload = source.blob(repository, layer.payloadDigest, kMaxPayloadBytes)) {
      found.check = checkSignature(layer, *payload, requirement.keys, manifestDigest, mustName);
    } else if (isAbsent(payload.error()) ||
               payload.error().code == common::ErrorCode::BlobUnknown) {
      found.check.reason = "its payload is missing from " + repository;
    } else {
      report.outcome = SignatureReport::Outcome::Unverifiable;
      report.reason = "a signature payload could not be read: " + payload.error().message;
      return report;
    }
    if (found.check.verified) signers.insert(found.check.key);
    report.signatures.push_back(std::move(found));
  }
  report.verified = signers.size();
  if (report.verified >= requirement.minimum) {
    report.outcome = SignatureReport::Outcome::Satisfied;
    std::string keys;
    for (const auto& key : signers) keys += (keys.empty() ? "" : ", ") + key;
    report.reason = "signed by " + keys;
    return report;
  }
  report.reason = "needs " + countText(requirement.minimum) + " by the policy's keys, found " +
                  std::to_string(report.verified) + " verified of " +
                  countText(report.signatures.size());
  if (const std::string detail = whyNot(report); !detail.empty())
    report.reason += " (" + detail + ")";
  return report;
}

}  // namespace berth::supplychain
