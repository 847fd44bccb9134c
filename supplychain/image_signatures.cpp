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

}  // namespace

const char* outcomeName(SignatureReport::Outcome outcome) {
  switch (outcome) {
    case SignatureReport::Outcome::Satisfied:
      return "satisfied";
    case SignatureReport::Outcome::Unsatisfied:
      return "unsatisfied";
    case SignatureReport::Outcome::Unverifiable:
      return "unverifiable";
  }
  return "unknown";
}

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
  auto manifest = source.manifest(repository, *tag);
  if (!manifest) {
    if (isAbsent(manifest.error())) {
      report.reason = "the image " + manifestDigest + " has no signatures (no tag " + *tag +
                      " in " + repository + ")";
    } else {
      report.outcome = SignatureReport::Outcome::Unverifiable;
      report.reason = "its signatures could not be read: " + manifest.error().message;
    }
    return report;
  }
  auto layers = parseSignatureManifest(*manifest);
  if (!layers) {
    report.reason = layers.error().message;
    return report;
  }
  std::set<std::string> signers;
  const std::optional<std::string_view> mustName =
      requirement.matchRepository ? std::optional<std::string_view>(signedRepository)
                                  : std::nullopt;
  for (const SignatureLayer& layer : *layers) {
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
