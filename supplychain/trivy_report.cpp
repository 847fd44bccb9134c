// Trivy's JSON report (`trivy image -f json`, SchemaVersion 2): Results[] per target, each with
// its Vulnerabilities[].
#include "supplychain/report_json.h"
#include "supplychain/vulnerability_report.h"

namespace berth::supplychain {

using report_json::FieldReader;
using report_json::indexPath;
using report_json::Json;

common::Result<VulnerabilityReport> parseTrivyReport(std::string_view json) {
  const FieldReader read(reportFormatName(ReportFormat::Trivy));
  BERTH_TRY_ASSIGN(const Json doc, read.parseObject(json));
  // Version 1 was a bare array of results; later versions may move fields, so only 2 is read.
  auto schema = doc.find("SchemaVersion");
  if (schema == doc.end() || !schema->is_number_integer() || *schema != 2) {
    return read.error("SchemaVersion is not 2");
  }
  VulnerabilityReport report;
  report.format = ReportFormat::Trivy;
  report.scanner = "Trivy";
  BERTH_TRY_ASSIGN(const Json* trivy, read.object(doc, "Trivy", ""));
  if (trivy != nullptr) {
    BERTH_TRY_ASSIGN(const std::string version, read.string(*trivy, "Version", "Trivy"));
    if (!version.empty()) report.scanner += " " + version;
  }
  BERTH_TRY_ASSIGN(const std::string createdAt, read.string(doc, "CreatedAt", ""));
  report.createdAt = report_json::timestampSeconds(createdAt);

  // Trivy leaves Results out when it found nothing to scan, and Vulnerabilities out of a
  // target without any.
  BERTH_TRY_ASSIGN(const Json* results, read.array(doc, "Results", ""));
  if (results == nullptr) return report;
  for (size_t r = 0; r < results->size(); ++r) {
    const std::string resultPath = indexPath("Results", r);
    BERTH_TRY_ASSIGN(const Json* result, read.objectAt(*results, r, "Results"));
    const std::string listPath = resultPath + ".Vulnerabilities";
    BERTH_TRY_ASSIGN(const Json* vulnerabilities,
                     read.array(*result, "Vulnerabilities", resultPath));
    if (vulnerabilities == nullptr) continue;
    for (size_t v = 0; v < vulnerabilities->size(); ++v) {
      const std::string path = indexPath(listPath, v);
      BERTH_TRY_ASSIGN(const Json* entry, read.objectAt(*vulnerabilities, v, listPath));
      Vulnerability finding;
      BERTH_TRY_ASSIGN(finding.id, read.string(*entry, "VulnerabilityID", path));
      BERTH_TRY_ASSIGN(finding.package, read.string(*entry, "PkgName", path));
      BERTH_TRY_ASSIGN(finding.installedVersion, read.string(*entry, "InstalledVersion", path));
      BERTH_TRY_ASSIGN(finding.fixedVersion, read.string(*entry, "FixedVersion", path));
      BERTH_TRY_ASSIGN(const std::string severity, read.string(*entry, "Severity", path));
      finding.severity = parseSeverity(severity).value_or(Severity::Unknown);
      if (finding.id.empty()) continue;
      report.findings.push_back(std::move(finding));
    }
  }
  return report;
}

}  // namespace berth::supplychain
