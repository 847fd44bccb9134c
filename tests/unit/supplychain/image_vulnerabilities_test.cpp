// An image's vulnerability reports and OpenVEX documents read through a ContentSource (its
// OCI 1.1 referrers) and judged against a requirement: what blocks, what is ignored or cleared
// by VEX, how reports of different formats are united, how their age counts, and each way the
// answer is left unknown. Also isAttachedArtifact, which tells a report's manifest from an image.
#include "supplychain/image_vulnerabilities.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/oci/digest.h"
#include "supplychain/attached_artifact.h"
#include "supplychain/cosign_signature.h"
#include "tests/support/memory_content_source.h"
#include "tests/support/temp_dir.h"

namespace berth::supplychain {
namespace {

using nlohmann::json;

const std::string kRepository = "team/app";
// The image the fixtures' OpenVEX statements name (percent-encoded in their purls).
const std::string kDigest =
    "sha256:2b42ce7a3aee7e71859114b2c203f23213346c7ecc71dee605e308adb974893a";
const std::string kOtherDigest = oci::digestOf("another image").str();

// 2024-05-01T12:00:00Z, when the fixtures' imaginary scan ran.
constexpr int64_t kScanTime = 1714564800;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = kScanTime + kHour;

constexpr std::string_view kTarLayer = "application/vnd.oci.image.layer.v1.tar";

std::string fixture(const std::string& name) {
  return testing::readFile(testing::sourcePath("tests/fixtures/reports/" + name));
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

struct Finding {
  std::string id;
  std::string package;
  std::string installed;
  std::string fixed;
  std::string severity;  // as Trivy writes it: "CRITICAL", "HIGH"...
};

// A Trivy JSON report (SchemaVersion 2) listing `findings`; undated when createdAt is empty.
std::string trivyReport(const std::vector<Finding>& findings,
                        const std::string& createdAt = "2024-05-01T12:00:00Z") {
  json vulnerabilities = json::array();
  for (const auto& f : findings) {
    vulnerabilities.push_back({{"VulnerabilityID", f.id},
                               {"PkgName", f.package},
                               {"InstalledVersion", f.installed},
                               {"FixedVersion", f.fixed},
                               {"Severity", f.severity}});
  }
  json report = {
      {"SchemaVersion", 2},
      {"ArtifactName", "registry.example/team/app:1.4.2"},
      {"Results",
       json::array(
           {{{"Target", "app"}, {"Class", "os-pkgs"}, {"Vulnerabilities", vulnerabilities}}})}};
  if (!createdAt.empty()) report["CreatedAt"] = createdAt;
  return report.dump();
}

struct Statement {
  std::string vulnerability;
  std::string status;
  std::string timestamp;              // empty: none
  std::vector<std::string> products;  // @ids; empty: none named
};

std::string openVex(const std::vector<Statement>& statements, const std::string& id,
                    const std::string& timestamp = "2024-05-02T09:30:00Z") {
  json list = json::array();
  for (const auto& s : statements) {
    json statement = {{"vulnerability", {{"name", s.vulnerability}}}, {"status", s.status}};
    if (s.status == "not_affected") statement["justification"] = "component_not_present";
    if (!s.timestamp.empty()) statement["timestamp"] = s.timestamp;
    if (!s.products.empty()) {
      statement["products"] = json::array();
      for (const auto& p : s.products) statement["products"].push_back({{"@id", p}});
    }
    list.push_back(statement);
  }
  return json{{"@context", "https://openvex.dev/ns/v0.2.0"},
              {"@id", "https://team.example/vex/" + id},
              {"author", "Team App Security"},
              {"timestamp", timestamp},
              {"version", 1},
              {"statements", list}}
      .dump();
}

// How a document is attached.
struct Attach {
  std::optional<std::string> created;         // the manifest's created annotation
  std::optional<std::string> layerMediaType;  // default: the artifact type
  std::optional<uint64_t> size;               // default: the document's size
  std::string subject = kDigest;
};

class ImageVulnerabilitiesTest : public ::testing::Test {
 protected:
  // Stores `bytes` as a referrer of the subject with `artifactType`; returns the referrer
  // manifest's digest.
  std::string attach(std::string_view artifactType, const std::string& bytes,
                     const Attach& how = {}) {
    const std::string layerDigest = oci::digestOf(bytes).str();
    json manifest = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"artifactType", artifactType},
        {"config",
         {{"mediaType", "application/vnd.oci.empty.v1+json"},
          {"digest", "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
          {"size", 2}}},
        {"layers",
         json::array({{{"mediaType", how.layerMediaType.value_or(std::string(artifactType))},
                       {"digest", layerDigest},
                       {"size", how.size.value_or(bytes.size())}}})},
        {"subject",
         {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
          {"digest", how.subject},
          {"size", 1234}}}};
    if (how.created) manifest["annotations"] = {{"org.opencontainers.image.created", *how.created}};
    const std::string text = manifest.dump();
    const std::string digest = oci::digestOf(text).str();
    source_.manifests[kRepository + ":" + digest] = text;
    source_.blobs[kRepository + "@" + layerDigest] = bytes;
    source_.referrerTypes[kRepository + "@" + how.subject + ">" + digest] = artifactType;
    return digest;
  }

  VulnerabilityAssessment assess(const VulnerabilityRequirement& requirement, int64_t now = kNow) {
    return assessImageVulnerabilities(source_, kRepository, kDigest, requirement, now);
  }

  static VulnerabilityRequirement upTo(Severity maximum) {
    VulnerabilityRequirement requirement;
    requirement.maxSeverity = maximum;
    return requirement;
  }

  static std::vector<std::string> ids(const std::vector<Vulnerability>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings) out.push_back(f.id);
    return out;
  }

  fixtures::MemoryContentSource source_;
};

// ---- Findings above the maximum severity

TEST_F(ImageVulnerabilitiesTest, ACriticalFindingBlocksUnderHigh) {
  const std::string report = attach(kTrivyReportArtifactType, fixture("trivy.json"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  ASSERT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
  EXPECT_EQ(a.blocking[0].severity, Severity::Critical);
  EXPECT_EQ(a.reason,
            "1 finding is above high: CVE-2024-0001 in libssl3 3.0.11-1~deb12u1 (critical, fixed "
            "in 3.0.13-1~deb12u1)");
  ASSERT_EQ(a.reports.size(), 1u);
  EXPECT_EQ(a.reports[0].manifestDigest, report);
  EXPECT_EQ(a.reports[0].artifactType, kTrivyReportArtifactType);
  EXPECT_EQ(a.reports[0].scanner, "Trivy 0.50.1");
  EXPECT_EQ(a.reports[0].createdAt, kScanTime);
  EXPECT_EQ(a.reports[0].findings, 5u);
  EXPECT_FALSE(a.reports[0].stale);
  EXPECT_EQ(a.ignored, 0u);
  EXPECT_EQ(a.notAffected, 0u);
}

TEST_F(ImageVulnerabilitiesTest, BlockingFindingsAreListedWorstFirstWithTheirFixes) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  const auto a = assess(upTo(Severity::Medium));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_EQ(ids(a.blocking),
            (std::vector<std::string>{"CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"}));
  EXPECT_TRUE(std::is_sorted(a.blocking.begin(), a.blocking.end(),
                             [](const auto& x, const auto& y) { return x.severity > y.severity; }));
  EXPECT_TRUE(contains(a.reason, "3 findings are above medium: ")) << a.reason;
  EXPECT_TRUE(contains(a.reason,
                       "CVE-2024-0001 in libssl3 3.0.11-1~deb12u1 (critical, fixed in "
                       "3.0.13-1~deb12u1)"))
      << a.reason;
  EXPECT_TRUE(contains(a.reason,
                       "CVE-2024-0002 in zlib1g 1:1.2.13.dfsg-1 (high, fixed in "
                       "1:1.2.13.dfsg-1+deb12u1)"))
      << a.reason;
  EXPECT_TRUE(contains(a.reason, "CVE-2024-0003 in busybox 1:1.35.0-4+b3 (high, no fix yet)"))
      << a.reason;
  EXPECT_LT(a.reason.find("CVE-2024-0001"), a.reason.find("CVE-2024-0002"));
  EXPECT_FALSE(contains(a.reason, "CVE-2024-0004")) << a.reason;  // medium: not above
  EXPECT_FALSE(contains(a.reason, "more")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AtMostFiveFindingsAreNamed) {
  std::vector<Finding> findings;
  for (int i = 1; i <= 7; ++i) {
    findings.push_back(
        {"CVE-2024-100" + std::to_string(i), "pkg" + std::to_string(i), "1.0", "1.1", "HIGH"});
  }
  findings.push_back({"CVE-2024-2000", "lowpkg", "1.0", "", "LOW"});
  attach(kTrivyReportArtifactType, trivyReport(findings));
  const auto a = assess(upTo(Severity::Medium));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_EQ(a.blocking.size(), 7u);
  EXPECT_TRUE(contains(a.reason, "7 findings are above medium: ")) << a.reason;
  EXPECT_EQ(occurrences(a.reason, "CVE-"), kMaxNamedFindings) << a.reason;
  EXPECT_TRUE(a.reason.ends_with(" and 2 more")) << a.reason;
  for (const auto& f : std::vector<Vulnerability>(a.blocking.begin(), a.blocking.begin() + 5)) {
    EXPECT_TRUE(contains(a.reason, f.id + " in " + f.package + " 1.0 (high, fixed in 1.1)"))
        << a.reason;
  }
  EXPECT_FALSE(contains(a.reason, "CVE-2024-2000")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, NothingAboveCriticalSatisfies) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_TRUE(a.blocking.empty());
  EXPECT_TRUE(contains(a.reason, "no finding above critical")) << a.reason;
  EXPECT_TRUE(contains(a.reason, "1 current report")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, ACleanReportSatisfiesTheStrictestRequirement) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  const auto a = assess(upTo(Severity::Unknown));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.reports.at(0).findings, 0u);
}

// ---- Ignored ids

TEST_F(ImageVulnerabilitiesTest, IgnoredIdsAreCountedAndDoNotBlock) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  auto requirement = upTo(Severity::High);
  requirement.ignored = {"CVE-2024-0001"};
  const auto a = assess(requirement);
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.ignored, 1u);
  EXPECT_TRUE(a.blocking.empty());
  EXPECT_TRUE(contains(a.reason, "1 finding ignored")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, IgnoredIdsMatchFindingsWhateverTheirCase) {
  attach(kTrivyReportArtifactType, trivyReport({{"cve-2024-0009", "a", "1", "", "CRITICAL"},
                                                {"GHSA-2c4f-8h9j-mpq3", "b", "1", "2", "CRITICAL"},
                                                {"CVE-2024-0010", "c", "1", "", "CRITICAL"}}));
  auto requirement = upTo(Severity::Medium);
  requirement.ignored = {"CVE-2024-0009", "GHSA-2C4F-8H9J-MPQ3"};
  const auto a = assess(requirement);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_EQ(a.ignored, 2u);
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0010"});
}

TEST_F(ImageVulnerabilitiesTest, IgnoringSomeLeavesTheOthersBlocking) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  auto requirement = upTo(Severity::Medium);
  requirement.ignored = {"CVE-2024-0001", "CVE-2024-0005", "CVE-2099-9999"};
  const auto a = assess(requirement);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_EQ(a.ignored, 2u);  // 0005 is low, but listed: counted as ignored
  EXPECT_EQ(ids(a.blocking), (std::vector<std::string>{"CVE-2024-0002", "CVE-2024-0003"}));
}

// ---- OpenVEX

// vexctl writes the products as purls whose digest has its colon percent-encoded
// ("pkg:oci/app@sha256%3A2b42..."): they still name this image.
TEST_F(ImageVulnerabilitiesTest, TheFixtureVexAppliesToTheImageItsPurlsName) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType, fixture("openvex.json"));
  const auto a = assess(upTo(Severity::Medium));
  // 0003 not_affected and 0002 fixed; 0001 affected.
  EXPECT_EQ(a.notAffected, 2u);
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
}

TEST_F(ImageVulnerabilitiesTest, VexNotAffectedAndFixedClearFindings) {
  // The fixture with its products naming the image's digest unencoded.
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  const std::string vex =
      attach(kOpenVexArtifactType, replaceAll(fixture("openvex.json"), "sha256%3A", "sha256:"));
  const auto a = assess(upTo(Severity::Medium));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_EQ(a.notAffected, 2u);  // 0003 not_affected, 0002 fixed
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});  // affected
  ASSERT_EQ(a.reports.size(), 2u);
  const auto read = std::find_if(a.reports.begin(), a.reports.end(),
                                 [&](const ReadReport& r) { return r.manifestDigest == vex; });
  ASSERT_NE(read, a.reports.end());
  EXPECT_EQ(read->artifactType, kOpenVexArtifactType);
  EXPECT_EQ(read->findings, 4u);                        // statements
  EXPECT_EQ(read->createdAt, kScanTime + kDay - 9000);  // 2024-05-02T09:30:00Z
}

TEST_F(ImageVulnerabilitiesTest, VexClearingEveryBlockingFindingSatisfies) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexVndArtifactType, openVex({{"CVE-2024-0001", "not_affected", "", {}}}, "1"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 1u);
  EXPECT_TRUE(contains(a.reason, "1 not affecting it per VEX")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AVexStatementClearsFindingsListedUnderAnAlias) {
  attach(kTrivyReportArtifactType,
         trivyReport({{"GHSA-2c4f-8h9j-mpq3", "busybox", "1", "", "CRITICAL"}}));
  attach(kOpenVexArtifactType, replaceAll(fixture("openvex.json"), "sha256%3A", "sha256:"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 1u);
}

TEST_F(ImageVulnerabilitiesTest, ALaterAffectedStatementOverridesAnEarlierNotAffected) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001", "not_affected", "2024-05-02T09:00:00Z", {kDigest}}}, "old"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001", "affected", "2024-05-03T09:00:00Z", {kDigest}}}, "new"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 0u);
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
}

TEST_F(ImageVulnerabilitiesTest, ALaterNotAffectedStatementOverridesAnEarlierAffected) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001", "affected", "2024-05-02T09:00:00Z", {kDigest}}}, "old"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001", "not_affected", "2024-05-03T09:00:00Z", {kDigest}}}, "new"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 1u);
}

TEST_F(ImageVulnerabilitiesTest, StatementsOfOneDocumentAreOrderedByTimeNotPosition) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001", "affected", "2024-05-03T09:00:00Z", {}},
                  {"CVE-2024-0001", "not_affected", "2024-05-02T09:00:00Z", {}}},
                 "one"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 0u);
}

TEST_F(ImageVulnerabilitiesTest, AStatementAboutAnotherImageDoesNotClear) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001", "not_affected", "", {"pkg:oci/app@" + kOtherDigest}}}, "x"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 0u);
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
}

TEST_F(ImageVulnerabilitiesTest, AStatementNamingThisImageAmongOthersClears) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType,
         openVex({{"CVE-2024-0001",
                   "not_affected",
                   "",
                   {"pkg:oci/app@" + kOtherDigest, "pkg:oci/app@" + kDigest + "?arch=amd64"}}},
                 "x"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 1u);
}

TEST_F(ImageVulnerabilitiesTest, UnderInvestigationDoesNotClear) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kOpenVexArtifactType, openVex({{"CVE-2024-0001", "under_investigation", "", {}}}, "x"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(a.notAffected, 0u);
}

// ---- Formats, and several reports

struct FormatCase {
  std::string_view artifactType;
  std::string file;
};

class ImageVulnerabilitiesFormatTest : public ImageVulnerabilitiesTest,
                                       public ::testing::WithParamInterface<FormatCase> {};

TEST_P(ImageVulnerabilitiesFormatTest, EachFormatIsReadByItsArtifactType) {
  attach(GetParam().artifactType, fixture(GetParam().file));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
  ASSERT_EQ(a.reports.size(), 1u);
  EXPECT_EQ(a.reports[0].artifactType, GetParam().artifactType);
  EXPECT_EQ(a.reports[0].findings, 5u);
  EXPECT_EQ(a.reports[0].createdAt, kScanTime);
  EXPECT_FALSE(a.reports[0].scanner.empty());
}

INSTANTIATE_TEST_SUITE_P(Formats, ImageVulnerabilitiesFormatTest,
                         ::testing::Values(FormatCase{kTrivyReportArtifactType, "trivy.json"},
                                           FormatCase{kSarifArtifactType, "sarif.json"},
                                           FormatCase{kCycloneDxArtifactType, "cyclonedx.json"}));

TEST_F(ImageVulnerabilitiesTest, AReportUnderAnotherFormatsArtifactTypeIsUnreadable) {
  attach(kSarifArtifactType, fixture("trivy.json"));
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AFindingInEitherReportBlocks) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  attach(kCycloneDxArtifactType, fixture("cyclonedx.json"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
  EXPECT_EQ(a.reports.size(), 2u);
}

TEST_F(ImageVulnerabilitiesTest, FindingsOfTwoReportsAreUnited) {
  attach(kTrivyReportArtifactType, trivyReport({{"CVE-2024-7001", "a", "1", "2", "CRITICAL"}}));
  attach(kSarifArtifactType, fixture("sarif.json"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(ids(a.blocking), (std::vector<std::string>{"CVE-2024-0001", "CVE-2024-7001"}));
  EXPECT_TRUE(contains(a.reason, "2 findings are above high")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AFindingListedInTwoReportsCountsOnce) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kSarifArtifactType, fixture("sarif.json"));
  attach(kCycloneDxArtifactType, fixture("cyclonedx.json"));
  const auto a = assess(upTo(Severity::Low));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_EQ(ids(a.blocking), (std::vector<std::string>{"CVE-2024-0001", "CVE-2024-0002",
                                                       "CVE-2024-0003", "CVE-2024-0004"}));
  EXPECT_TRUE(contains(a.reason, "4 findings are above low")) << a.reason;
  EXPECT_EQ(a.reports.size(), 3u);
}

TEST_F(ImageVulnerabilitiesTest, OneIdInTwoPackagesIsTwoFindings) {
  attach(kTrivyReportArtifactType, trivyReport({{"CVE-2024-7001", "a", "1", "", "HIGH"},
                                                {"CVE-2024-7001", "b", "1", "", "HIGH"}}));
  const auto a = assess(upTo(Severity::Medium));
  EXPECT_EQ(a.blocking.size(), 2u);
}

TEST_F(ImageVulnerabilitiesTest, AFindingListedTwiceKeepsItsHighestSeverity) {
  attach(kTrivyReportArtifactType,
         trivyReport({{"CVE-2024-7001", "a", "1", "2", "HIGH"}}, "2024-05-01T12:00:00Z"));
  attach(kTrivyReportArtifactType,
         trivyReport({{"CVE-2024-7001", "a", "1", "2", "CRITICAL"}}, "2024-05-01T12:00:01Z"));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  ASSERT_EQ(a.blocking.size(), 1u);
  EXPECT_EQ(a.blocking[0].severity, Severity::Critical);
}

// ---- No report

TEST_F(ImageVulnerabilitiesTest, NoReportWhenOneIsRequiredIsUnsatisfied) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"), {.subject = kOtherDigest});
  attach(kOpenVexArtifactType, openVex({{"CVE-2024-0001", "not_affected", "", {}}}, "x"));
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_TRUE(contains(a.reason, "no vulnerability report")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, NoReportWhenNoneIsRequiredIsSatisfied) {
  auto requirement = upTo(Severity::Low);
  requirement.requireReport = false;
  const auto a = assess(requirement);
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_TRUE(a.reports.empty());
  EXPECT_TRUE(contains(a.reason, "none is required")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AReportStillBlocksWhenNoneIsRequired) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  auto requirement = upTo(Severity::High);
  requirement.requireReport = false;
  EXPECT_EQ(assess(requirement).outcome, Outcome::Unsatisfied);
}

// ---- Age

TEST_F(ImageVulnerabilitiesTest, AReportOlderThanTheMaximumAgeDoesNotCount) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));  // 10:30Z
  auto requirement = upTo(Severity::Critical);
  requirement.maxAgeSeconds = kDay;
  const auto a = assess(requirement, kScanTime + 2 * kDay);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  ASSERT_EQ(a.reports.size(), 1u);
  EXPECT_TRUE(a.reports[0].stale);
  EXPECT_EQ(a.reports[0].createdAt, kScanTime - 5400);
  EXPECT_TRUE(contains(a.reason, "older than the rule's maxReportAge")) << a.reason;
  EXPECT_FALSE(contains(a.reason, "undated")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AStaleReportsFindingsDoNotBlock) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  auto requirement = upTo(Severity::High);
  requirement.maxAgeSeconds = kDay;
  requirement.requireReport = false;
  const auto a = assess(requirement, kScanTime + 2 * kDay);
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_TRUE(a.blocking.empty());
  EXPECT_TRUE(a.reports.at(0).stale);
}

TEST_F(ImageVulnerabilitiesTest, AFreshReportCounts) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  auto requirement = upTo(Severity::High);
  requirement.maxAgeSeconds = kDay;
  auto a = assess(requirement, kScanTime + kHour);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_FALSE(a.reports.at(0).stale);
  EXPECT_EQ(ids(a.blocking), std::vector<std::string>{"CVE-2024-0001"});
  // Exactly the maximum age is still current.
  a = assess(requirement, kScanTime + kDay);
  EXPECT_FALSE(a.reports.at(0).stale);
  a = assess(requirement, kScanTime + kDay + 1);
  EXPECT_TRUE(a.reports.at(0).stale);
}

TEST_F(ImageVulnerabilitiesTest, AFreshReportCountsBesideAStaleOne) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  attach(kTrivyReportArtifactType, trivyReport({}, "2024-05-03T11:00:00Z"));
  auto requirement = upTo(Severity::High);
  requirement.maxAgeSeconds = kDay;
  const auto a = assess(requirement, kScanTime + 2 * kDay);
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  ASSERT_EQ(a.reports.size(), 2u);
  EXPECT_EQ(std::count_if(a.reports.begin(), a.reports.end(),
                          [](const ReadReport& r) { return r.stale; }),
            1);
  EXPECT_TRUE(contains(a.reason, "1 current report")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AnUndatedReportIsStaleUnderAMaximumAge) {
  attach(kTrivyReportArtifactType, trivyReport({}, ""));
  auto requirement = upTo(Severity::Critical);
  requirement.maxAgeSeconds = kDay;
  const auto a = assess(requirement);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  ASSERT_EQ(a.reports.size(), 1u);
  EXPECT_FALSE(a.reports[0].createdAt);
  EXPECT_TRUE(a.reports[0].stale);
  EXPECT_TRUE(contains(a.reason, "or undated")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AnUndatedReportCountsWithoutAMaximumAge) {
  attach(kTrivyReportArtifactType, trivyReport({{"CVE-2024-7001", "a", "1", "", "CRITICAL"}}, ""));
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_FALSE(a.reports.at(0).stale);
  EXPECT_EQ(a.blocking.size(), 1u);
}

TEST_F(ImageVulnerabilitiesTest, AnUndatedReportIsDatedByItsManifestAnnotation) {
  attach(kTrivyReportArtifactType, trivyReport({}, ""), {.created = "2024-05-01T12:00:00Z"});
  auto requirement = upTo(Severity::Critical);
  requirement.maxAgeSeconds = kDay;
  auto a = assess(requirement, kScanTime + kHour);
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.reports.at(0).createdAt, kScanTime);
  EXPECT_FALSE(a.reports.at(0).stale);
  a = assess(requirement, kScanTime + 2 * kDay);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_TRUE(a.reports.at(0).stale);
}

TEST_F(ImageVulnerabilitiesTest, TheReportsOwnDateWinsOverTheAnnotation) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"),
         {.created = "2024-05-03T12:00:00Z"});
  auto requirement = upTo(Severity::Critical);
  requirement.maxAgeSeconds = kDay;
  const auto a = assess(requirement, kScanTime + 2 * kDay);
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(a.reports.at(0).createdAt, kScanTime - 5400);
  EXPECT_TRUE(a.reports.at(0).stale);
}

// ---- Unverifiable

TEST_F(ImageVulnerabilitiesTest, ReferrersThatCannotBeListedAreUnverifiable) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  source_.referrersError = common::Error{common::ErrorCode::Unavailable, "registry is down"};
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, "registry is down")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AReportThatIsNotParseableIsUnverifiable) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"));
  const std::string broken = attach(kTrivyReportArtifactType, "{\"SchemaVersion\": 2, ");
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, broken)) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AVexDocumentThatIsNotOpenVexIsUnverifiable) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  attach(kOpenVexArtifactType, fixture("trivy.json"));
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, "not OpenVEX")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AReferrerManifestThatIsNotJsonIsUnverifiable) {
  const std::string digest = oci::digestOf("garbage").str();
  source_.manifests[kRepository + ":" + digest] = "garbage";
  source_.referrerTypes[kRepository + "@" + kDigest + ">" + digest] =
      std::string(kTrivyReportArtifactType);
  EXPECT_EQ(assess(upTo(Severity::Critical)).outcome, Outcome::Unverifiable);
}

TEST_F(ImageVulnerabilitiesTest, AReportAttachedAsATarLayerIsRefused) {
  const std::string bytes = fixture("trivy-clean.json");
  attach(kTrivyReportArtifactType, bytes, {.layerMediaType = std::string(kTarLayer)});
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, std::string(kTarLayer))) << a.reason;
  EXPECT_TRUE(contains(a.reason, std::string(kTrivyReportArtifactType))) << a.reason;
  EXPECT_FALSE(source_.fetched.count(oci::digestOf(bytes).str()));
}

TEST_F(ImageVulnerabilitiesTest, AReportAsPlainJsonIsRead) {
  attach(kTrivyReportArtifactType, fixture("trivy.json"), {.layerMediaType = "application/json"});
  const auto a = assess(upTo(Severity::High));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied) << a.reason;
  EXPECT_EQ(a.blocking.size(), 1u);
}

TEST_F(ImageVulnerabilitiesTest, AReportTooLargeIsRefusedWithoutFetchingIt) {
  const std::string bytes = fixture("trivy-clean.json");
  attach(kTrivyReportArtifactType, bytes, {.size = kMaxReportBytes + 1});
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, std::to_string(kMaxReportBytes + 1))) << a.reason;
  EXPECT_FALSE(source_.fetched.count(oci::digestOf(bytes).str()));
  EXPECT_TRUE(source_.fetched.empty());
}

TEST_F(ImageVulnerabilitiesTest, MoreReferrersThanTheLimitAreUnverifiable) {
  for (size_t i = 0; i <= kMaxReportReferrers; ++i) {
    attach(kTrivyReportArtifactType,
           trivyReport(
               {}, "2024-05-01T12:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "Z"));
  }
  ASSERT_EQ(source_.referrerTypes.size(), kMaxReportReferrers + 1);
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, std::to_string(kMaxReportReferrers + 1))) << a.reason;
  EXPECT_TRUE(source_.fetched.empty());
}

TEST_F(ImageVulnerabilitiesTest, AsManyReferrersAsTheLimitAreRead) {
  for (size_t i = 0; i < kMaxReportReferrers; ++i) {
    attach(kTrivyReportArtifactType,
           trivyReport(
               {}, "2024-05-01T12:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "Z"));
  }
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  EXPECT_EQ(a.reports.size(), kMaxReportReferrers);
}

TEST_F(ImageVulnerabilitiesTest, ABlobErrorIsUnverifiable) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  source_.blobError = common::Error{common::ErrorCode::Unavailable, "storage timed out"};
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, "storage timed out")) << a.reason;
}

TEST_F(ImageVulnerabilitiesTest, AMissingBlobIsUnverifiable) {
  const std::string bytes = fixture("trivy-clean.json");
  attach(kTrivyReportArtifactType, bytes);
  source_.blobs.erase(kRepository + "@" + oci::digestOf(bytes).str());
  EXPECT_EQ(assess(upTo(Severity::Critical)).outcome, Outcome::Unverifiable);
}

TEST_F(ImageVulnerabilitiesTest, AManifestErrorIsUnverifiable) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  source_.manifestError = common::Error{common::ErrorCode::Unavailable, "manifest store down"};
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unverifiable);
  EXPECT_TRUE(contains(a.reason, "manifest store down")) << a.reason;
}

// ---- Deleted while listing

TEST_F(ImageVulnerabilitiesTest, AReferrerDeletedWhileListingIsSkipped) {
  attach(kTrivyReportArtifactType, fixture("trivy-clean.json"));
  const std::string gone = oci::digestOf("deleted referrer").str();
  source_.referrerTypes[kRepository + "@" + kDigest + ">" + gone] =
      std::string(kTrivyReportArtifactType);
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Satisfied) << a.reason;
  ASSERT_EQ(a.reports.size(), 1u);
  EXPECT_NE(a.reports[0].manifestDigest, gone);
}

TEST_F(ImageVulnerabilitiesTest, OnlyADeletedReferrerIsNoReport) {
  const std::string gone = oci::digestOf("deleted referrer").str();
  source_.referrerTypes[kRepository + "@" + kDigest + ">" + gone] =
      std::string(kTrivyReportArtifactType);
  const auto a = assess(upTo(Severity::Critical));
  EXPECT_EQ(a.outcome, Outcome::Unsatisfied);
  EXPECT_TRUE(contains(a.reason, "no vulnerability report")) << a.reason;
}

// ---- isAttachedArtifact

std::string manifestWithLayers(const std::vector<std::string>& mediaTypes) {
  json layers = json::array();
  for (const auto& type : mediaTypes) {
    layers.push_back({{"mediaType", type}, {"digest", oci::digestOf(type).str()}, {"size", 10}});
  }
  return json{{"schemaVersion", 2},
              {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
              {"layers", layers}}
      .dump();
}

TEST(AttachedArtifactTest, DocumentLayersMakeAnAttachedArtifact) {
  for (std::string_view type :
       {kTrivyReportArtifactType, kSarifArtifactType, kCycloneDxArtifactType, kOpenVexArtifactType,
        kOpenVexVndArtifactType, kSimpleSigningMediaType, std::string_view("application/json")}) {
    EXPECT_TRUE(isAttachedArtifact(manifestWithLayers({std::string(type)}))) << type;
  }
  EXPECT_TRUE(isAttachedArtifact(manifestWithLayers({std::string(kSimpleSigningMediaType),
                                                     std::string(kSimpleSigningMediaType),
                                                     std::string(kOpenVexArtifactType)})));
}

TEST(AttachedArtifactTest, AnImageIsNotAnAttachedArtifact) {
  EXPECT_FALSE(isAttachedArtifact(manifestWithLayers({std::string(kTarLayer)})));
  EXPECT_FALSE(isAttachedArtifact(
      manifestWithLayers({"application/vnd.oci.image.layer.v1.tar+gzip",
                          "application/vnd.docker.image.rootfs.diff.tar.gzip"})));
  // A report beside a filesystem layer: a runtime could still run it.
  EXPECT_FALSE(isAttachedArtifact(
      manifestWithLayers({std::string(kTrivyReportArtifactType), std::string(kTarLayer)})));
  EXPECT_FALSE(isAttachedArtifact(
      manifestWithLayers({std::string(kTarLayer), std::string(kTrivyReportArtifactType)})));
}

TEST(AttachedArtifactTest, OnlyAManifestWithLayersCanBeOne) {
  EXPECT_FALSE(isAttachedArtifact(manifestWithLayers({})));
  EXPECT_FALSE(isAttachedArtifact(R"({"schemaVersion":2})"));
  EXPECT_FALSE(isAttachedArtifact(R"({"schemaVersion":2,"layers":{}})"));
  EXPECT_FALSE(isAttachedArtifact(R"({"layers":["application/json"]})"));
  EXPECT_FALSE(isAttachedArtifact(R"({"layers":[{"digest":"sha256:00"}]})"));
  EXPECT_FALSE(isAttachedArtifact(R"({"layers":[{"mediaType":7}]})"));
  EXPECT_FALSE(isAttachedArtifact("not json"));
  EXPECT_FALSE(isAttachedArtifact(R"([{"mediaType":"application/json"}])"));
  EXPECT_FALSE(isAttachedArtifact(""));
}

TEST(AttachedArtifactTest, MediaTypesAreComparedExactly) {
  EXPECT_FALSE(isAttachedArtifact(manifestWithLayers({"application/JSON"})));
  EXPECT_FALSE(isAttachedArtifact(manifestWithLayers({"application/json; charset=utf-8"})));
  EXPECT_FALSE(isAttachedArtifact(manifestWithLayers({"application/vnd.oci.image.layer.v1.tar"})));
}

}  // namespace
}  // namespace berth::supplychain
