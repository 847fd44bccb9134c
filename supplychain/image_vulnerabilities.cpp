#include "supplychain/image_vulnerabilities.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/civil_time.h"
#include "supplychain/attached_artifact.h"

namespace berth::supplychain {
namespace {

const std::vector<std::string_view>& attachedTypes() {
  static const std::vector<std::string_view> kTypes = {kTrivyReportArtifactType, kSarifArtifactType,
                                                       kCycloneDxArtifactType, kOpenVexArtifactType,
                                                       kOpenVexVndArtifactType};
  return kTypes;
}

bool isVex(std::string_view artifactType) {
  return artifactType == kOpenVexArtifactType || artifactType == kOpenVexVndArtifactType;
}

// The bytes of an attached document (its manifest's first layer) and the creation time its
// manifest is annotated with.
struct Attachment {
  std::string bytes;
  std::optional<int64_t> annotatedAt;
};

common::Error unreadable(const std::string& what) {
  return common::Error{common::ErrorCode::InvalidArgument, what};
}

common::Result<Attachment> readAttachment(ContentSource& source, const std::string& repository,
                                          const Referrer& referrer) {
  BERTH_TRY_ASSIGN(std::string manifestText, source.manifest(repository, referrer.digest));
  const auto manifest = nlohmann::json::parse(manifestText, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) return unreadable("not a manifest");
  const auto layers = manifest.find("layers");
  if (layers == manifest.end() || !layers->is_array() || layers->empty() ||
      !(*layers)[0].is_object()) {
    return unreadable("the manifest has no layer holding the document");
  }
  const auto& layer = (*layers)[0];
  const std::string mediaType = layer.value("mediaType", "");
  // A report attached as a filesystem layer (`oras attach` without a media type) makes its
  // manifest look like an image, which the registry's pull gates would then hold; it is
  // refused here with the fix rather than read.
  if (!isDocumentLayer(mediaType)) {
    return unreadable("its layer has media type " + mediaType +
                      "; attach the document with its own media type (" + referrer.artifactType +
                      ")");
  }
  const auto digest = layer.find("digest");
  const auto size = layer.find("size");
  if (digest == layer.end() || !digest->is_string() || size == layer.end() ||
      !size->is_number_unsigned()) {
    return unreadable("its layer has no digest or size");
  }
  if (size->get<uint64_t>() > kMaxReportBytes) {
    return unreadable("it is " + std::to_string(size->get<uint64_t>()) + " bytes; at most " +
                      std::to_string(kMaxReportBytes) + " are read");
  }
  Attachment attachment;
  BERTH_TRY_ASSIGN(attachment.bytes,
                   source.blob(repository, digest->get<std::string>(), kMaxReportBytes));
  const auto annotations = manifest.find("annotations");
  if (annotations != manifest.end() && annotations->is_object()) {
    const auto created = annotations->find("org.opencontainers.image.created");
    if (created != annotations->end() && created->is_string()) {
      if (auto millis = common::parseRfc3339Millis(created->get<std::string>())) {
        attachment.annotatedAt = *millis / 1000;
      }
    }
  }
  return attachment;
}

common::Result<VulnerabilityReport> parseReport(std::string_view artifactType,
                                                std::string_view bytes) {
  if (artifactType == kTrivyReportArtifactType) return parseTrivyReport(bytes);
  if (artifactType == kSarifArtifactType) return parseSarifReport(bytes);
  return parseCycloneDxReport(bytes);
}

// The newest OpenVEX statement about each vulnerability (by id, upper case), for this image.
// A statement that names products counts only when one of them is this image's digest.
using VexVerdicts = std::map<std::string, const VexStatement*>;

// A purl writes the digest's ":" percent-encoded (pkg:oci/app@sha256%3A...), as vexctl does.
bool namesDigest(std::string product, const std::string& manifestDigest) {
  for (size_t at = 0; (at = product.find('%', at)) != std::string::npos; ++at) {
    if (at + 2 < product.size() && product[at + 1] == '3' &&
        (product[at + 2] == 'A' || product[at + 2] == 'a')) {
      product.replace(at, 3, ":");
    }
  }
  return product.find(manifestDigest) != std::string::npos;
}

bool namesImage(const VexStatement& statement, const std::string& manifestDigest) {
  if (statement.products.empty()) return true;
  return std::any_of(
      statement.products.begin(), statement.products.end(),
      [&](const std::string& product) { return namesDigest(product, manifestDigest); });
}

void collectVex(const VexDocument& document, const std::string& manifestDigest,
                VexVerdicts& verdicts) {
  for (const auto& statement : document.statements) {
    if (!namesImage(statement, manifestDigest)) continue;
    std::vector<std::string> ids = statement.aliases;
    ids.push_back(statement.vulnerability);
    for (const auto& id : ids) {
      const VexStatement*& newest = verdicts[vulnerabilityIdKey(id)];
      if (newest == nullptr || statement.timestamp.value_or(0) >= newest->timestamp.value_or(0)) {
        newest = &statement;
      }
    }
  }
}

bool vexClears(const VexVerdicts& verdicts, const Vulnerability& finding) {
  const auto it = verdicts.find(vulnerabilityIdKey(finding.id));
  if (it == verdicts.end()) return false;
  return it->second->status == "not_affected" || it->second->status == "fixed";
}

std::string findingText(const Vulnerability& v) {
  std::string text = v.id;
  if (!v.package.empty()) {
    text += " in " + v.package;
    if (!v.installedVersion.empty()) text += " " + v.installedVersion;
  }
  text += " (" + std::string(severityName(v.severity)) + ", ";
  text += v.fixedVersion.empty() ? "no fix yet" : "fixed in " + v.fixedVersion;
  return text + ")";
}

std::string blockingReason(const VulnerabilityAssessment& assessment, Severity maximum) {
  const auto& blocking = assessment.blocking;
  std::string text = std::to_string(blocking.size()) +
                     (blocking.size() == 1 ? " finding is" : " findings are") + " above " +
                     severityName(maximum) + ": ";
  for (size_t i = 0; i < blocking.size() && i < kMaxNamedFindings; ++i) {
    text += (i ? ", " : "") + findingText(blocking[i]);
  }
  if (blocking.size() > kMaxNamedFindings) {
    text += " and " + std::to_string(blocking.size() - kMaxNamedFindings) + " more";
  }
  return text;
}

std::string counted(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What the reports were judged on besides their findings, for a reason sentence.
std::string tally(const VulnerabilityAssessment& a, size_t current) {
  std::string text = counted(current, "current report", "current reports");
  if (a.ignored) text += ", " + counted(a.ignored, "finding ignored", "findings ignored");
  if (a.notAffected) text += ", " + std::to_string(a.notAffected) + " not affecting it per VEX";
  return text;
}

// Drops findings listed twice (the same id in the same package, from two reports or two
// layers of one image), keeping the highest severity given.
void dedupe(std::vector<Vulnerability>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Vulnerability& a, const Vulnerability& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.id != b.id) return a.id < b.id;
    return a.package < b.package;
  });
  std::vector<Vulnerability> unique;
  for (auto& finding : findings) {
    const bool seen = std::any_of(unique.begin(), unique.end(), [&](const Vulnerability& u) {
      return u.id == finding.id && u.package == finding.package;
    });
    if (!seen) unique.push_back(std::move(finding));
  }
  findings = std::move(unique);
}

}  // namespace

VulnerabilityAssessment assessImageVulnerabilities(ContentSource& source,
                                                   const std::string& repository,
                                                   const std::string& manifestDigest,
                                                   const VulnerabilityRequirement& requirement,
                                                   int64_t nowSeconds) {
  VulnerabilityAssessment assessment;
  auto referrers = source.referrers(repository, manifestDigest, attachedTypes());
  if (!referrers) {
    assessment.outcome = Outcome::Unverifiable;
    assessment.reason = "its reports could not be listed: " + referrers.error().message;
    return assessment;
  }
  if (referrers->size() > kMaxReportReferrers) {
    assessment.outcome = Outcome::Unverifiable;
    assessment.reason = "it has " + std::to_string(referrers->size()) +
                        " reports and VEX documents attached; at most " +
                        std::to_string(kMaxReportReferrers) + " are read";
    return assessment;
  }

  std::vector<VexDocument> vex;
  std::vector<Vulnerability> findings;
  size_t current = 0;
  bool anyDatedStale = false;  // for the reason: "older than", or also "undated"
  for (const Referrer& referrer : *referrers) {
    auto attachment = readAttachment(source, repository, referrer);
    if (!attachment) {
      const auto code = attachment.error().code;
      if (code == common::ErrorCode::ManifestUnknown || code == common::ErrorCode::NotFound) {
        continue;  // deleted while we listed
      }
      assessment.outcome = Outcome::Unverifiable;
      assessment.reason =
          "its report " + referrer.digest + " could not be read: " + attachment.error().message;
      return assessment;
    }
    ReadReport read{referrer.digest, referrer.artifactType, "", attachment->annotatedAt, 0, false};
    if (isVex(referrer.artifactType)) {
      auto document = parseOpenVex(attachment->bytes);
      if (!document) {
        assessment.outcome = Outcome::Unverifiable;
        assessment.reason =
            "its VEX document " + referrer.digest + " is not OpenVEX: " + document.error().message;
        return assessment;
      }
      if (document->timestamp) read.createdAt = document->timestamp;
      read.findings = document->statements.size();
      vex.push_back(std::move(document).value());
      assessment.reports.push_back(std::move(read));
      continue;
    }
    auto report = parseReport(referrer.artifactType, attachment->bytes);
    if (!report) {
      assessment.outcome = Outcome::Unverifiable;
      assessment.reason =
          "its report " + referrer.digest + " cannot be read: " + report.error().message;
      return assessment;
    }
    read.scanner = report->scanner;
    if (report->createdAt) read.createdAt = report->createdAt;
    read.findings = report->findings.size();
    if (requirement.maxAgeSeconds &&
        (!read.createdAt || nowSeconds - *read.createdAt > *requirement.maxAgeSeconds)) {
      read.stale = true;
      anyDatedStale = anyDatedStale || read.createdAt.has_value();
    } else {
      ++current;
      for (auto& finding : report->findings) findings.push_back(std::move(finding));
    }
    assessment.reports.push_back(std::move(read));
  }

  VexVerdicts verdicts;
  for (const auto& document : vex) collectVex(document, manifestDigest, verdicts);
  dedupe(findings);
  for (auto& finding : findings) {
    if (requirement.ignored.count(vulnerabilityIdKey(finding.id))) {
      ++assessment.ignored;
    } else if (vexClears(verdicts, finding)) {
      ++assessment.notAffected;
    } else if (finding.severity > requirement.maxSeverity) {
      assessment.blocking.push_back(std::move(finding));
    }
  }

  if (current == 0 && requirement.requireReport) {
    assessment.outcome = Outcome::Unsatisfied;
    if (assessment.reports.size() > vex.size()) {
      assessment.reason = "its vulnerability reports are older than the rule's maxReportAge";
      if (!anyDatedStale) assessment.reason += " or undated";
    } else {
      assessment.reason =
          "it has no vulnerability report (Trivy JSON, SARIF or CycloneDX attached as a "
          "referrer)";
    }
    return assessment;
  }
  if (!assessment.blocking.empty()) {
    assessment.outcome = Outcome::Unsatisfied;
    assessment.reason = blockingReason(assessment, requirement.maxSeverity);
    return assessment;
  }
  assessment.outcome = Outcome::Satisfied;
  assessment.reason = current == 0 ? "no current vulnerability report, and none is required"
                                   : "no finding above " +
                                         std::string(severityName(requirement.maxSeverity)) + " (" +
                                         tally(assessment, current) + ")";
  return assessment;
}

}  // namespace berth::supplychain
