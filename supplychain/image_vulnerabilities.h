#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supplychain/content_source.h"
#include "supplychain/gate_outcome.h"
#include "supplychain/vulnerability_report.h"
#include "supplychain/vulnerability_requirement.h"

namespace berth::supplychain {

// The artifactTypes under which reports are attached to an image (OCI 1.1 referrers, as
// `oras attach --artifact-type` or `trivy referrer put` write them).
inline constexpr std::string_view kTrivyReportArtifactType =
    "application/vnd.aquasecurity.trivy.report+json";
inline constexpr std::string_view kSarifArtifactType = "application/sarif+json";
inline constexpr std::string_view kCycloneDxArtifactType = "application/vnd.cyclonedx+json";
inline constexpr std::string_view kOpenVexArtifactType = "application/openvex+json";
inline constexpr std::string_view kOpenVexVndArtifactType = "application/vnd.openvex+json";

// More reports than this for one image are not read, and the answer is unknown (a gate that
// read only some could miss the one that lists a critical finding).
inline constexpr size_t kMaxReportReferrers = 16;
// The worst findings a denial names.
inline constexpr size_t kMaxNamedFindings = 5;

// One report or VEX document read, and what it contributed.
struct ReadReport {
  std::string manifestDigest;
  std::string artifactType;
  std::string scanner;
  std::optional<int64_t> createdAt;
  size_t findings = 0;
  bool stale = false;  // older than the requirement's maximum age (or undated): not counted
};

// The answer for one image and one requirement.
struct VulnerabilityAssessment {
  Outcome outcome = Outcome::Unsatisfied;
  std::vector<ReadReport> reports;      // every report and VEX document read
  std::vector<Vulnerability> blocking;  // findings above the maximum severity, worst first
  size_t ignored = 0;                   // findings the requirement ignores by id
  size_t notAffected = 0;               // findings an OpenVEX statement marks not affecting it
  std::string reason;                   // a sentence for users
};

// Reads the vulnerability reports and OpenVEX documents attached to `manifestDigest` in
// `repository` and judges them against `requirement` at `nowSeconds` (seconds since the epoch).
// Findings of every current report count (a finding in any of them blocks); a report older
// than the maximum age, or undated when there is one, does not count. A report that cannot be
// read, or more than kMaxReportReferrers of them, leaves the answer unknown (Unverifiable).
VulnerabilityAssessment assessImageVulnerabilities(ContentSource& source,
                                                   const std::string& repository,
                                                   const std::string& manifestDigest,
                                                   const VulnerabilityRequirement& requirement,
                                                   int64_t nowSeconds);

}  // namespace berth::supplychain
