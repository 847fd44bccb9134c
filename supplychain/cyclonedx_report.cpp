// CycloneDX JSON 1.4 to 1.6 (the versions with "vulnerabilities"), as Trivy (`-f cyclonedx
// --scanners vuln`) and grype write it: components[] with bom-refs, vulnerabilities[] whose
// affects[] name them.
#include <map>

#include "supplychain/report_json.h"
#include "supplychain/vulnerability_report.h"

namespace berth::supplychain {
namespace {

using report_json::childPath;
using report_json::FieldReader;
using report_json::indexPath;
using report_json::Json;

struct Component {
  std::string name;
  std::string version;
};

// Components nest (components[].components[]) and are read recursively. nlohmann's parser keeps
// its own stack, so a 16 MiB input can nest a million levels deep: the depth is bounded here.
// Real BOMs nest a few levels.
constexpr int kMaxComponentDepth = 32;

common::Status collectComponents(const FieldReader& read, const Json& list, const std::string& path,
                                 int depth, std::map<std::string, Component>& out);

common::Status collectComponent(const FieldReader& read, const Json& component,
                                const std::string& path, int depth,
                                std::map<std::string, Component>& out) {
  if (depth > kMaxComponentDepth) {
    return read.error(path + ": components nest deeper than " + std::to_string(kMaxComponentDepth) +
                      " levels");
  }
  BERTH_TRY_ASSIGN(const std::string ref, read.string(component, "bom-ref", path));
  BERTH_TRY_ASSIGN(const std::string group, read.string(component, "group", path));
  Component entry;
  BERTH_TRY_ASSIGN(entry.name, read.string(component, "name", path));
  BERTH_TRY_ASSIGN(entry.version, read.string(component, "version", path));
  // The name scanners print: "@scope/pkg" for npm, "group:artifact" for Maven.
  if (!group.empty()) entry.name = group + (group.front() == '@' ? "/" : ":") + entry.name;
  if (!ref.empty()) out.emplace(ref, std::move(entry));
  BERTH_TRY_ASSIGN(const Json* children, read.array(component, "components", path));
  if (children != nullptr) {
    BERTH_TRY(collectComponents(read, *children, path + ".components", depth + 1, out));
  }
  return common::ok();
}

common::Status collectComponents(const FieldReader& read, const Json& list, const std::string& path,
                                 int depth, std::map<std::string, Component>& out) {
  for (size_t i = 0; i < list.size(); ++i) {
    BERTH_TRY_ASSIGN(const Json* component, read.objectAt(list, i, path));
    BERTH_TRY(collectComponent(read, *component, indexPath(path, i), depth, out));
  }
  return common::ok();
}

// The highest severity of a vulnerability's ratings: by its word, else by its CVSS score.
common::Result<Severity> highestRating(const FieldReader& read, const Json& vulnerability,
                                       const std::string& path) {
  Severity highest = Severity::Unknown;
  BERTH_TRY_ASSIGN(const Json* ratings, read.array(vulnerability, "ratings", path));
  for (size_t i = 0; ratings != nullptr && i < ratings->size(); ++i) {
    const std::string ratingPath = indexPath(path + ".ratings", i);
    BERTH_TRY_ASSIGN(const Json* rating, read.objectAt(*ratings, i, path + ".ratings"));
    BERTH_TRY_ASSIGN(const std::string word, read.string(*rating, "severity", ratingPath));
    std::optional<Severity> severity = parseSeverity(word);
    if (!severity || *severity == Severity::Unknown) {
      BERTH_TRY_ASSIGN(const std::string method, read.string(*rating, "method", ratingPath));
      auto score = rating->find("score");
      if (method.rfind("CVSS", 0) == 0 && score != rating->end() && score->is_number()) {
        severity = severityOfCvssScore(score->get<double>());
      }
    }
    if (severity && *severity > highest) highest = *severity;
  }
  return highest;
}

// Trivy's "aquasecurity:trivy:FixedVersion"; any namespace's FixedVersion property counts.
common::Result<std::string> fixedVersionProperty(const FieldReader& read, const Json& vulnerability,
                                                 const std::string& path) {
  BERTH_TRY_ASSIGN(const Json* properties, read.array(vulnerability, "properties", path));
  for (size_t i = 0; properties != nullptr && i < properties->size(); ++i) {
    BERTH_TRY_ASSIGN(const Json* property, read.objectAt(*properties, i, path + ".properties"));
    const std::string propertyPath = indexPath(path + ".properties", i);
    BERTH_TRY_ASSIGN(const std::string name, read.string(*property, "name", propertyPath));
    const size_t colon = name.rfind(':');
    const std::string last = colon == std::string::npos ? name : name.substr(colon + 1);
    if (last == "FixedVersion" || last == "fixedVersion") {
      return read.string(*property, "value", propertyPath);
    }
  }
  return std::string();
}

// The first version an affects[] entry lists as unaffected: the fix, for a version list.
common::Result<std::string> unaffectedVersion(const FieldReader& read, const Json& affected,
                                              const std::string& path) {
  BERTH_TRY_ASSIGN(const Json* versions, read.array(affected, "versions", path));
  for (size_t i = 0; versions != nullptr && i < versions->size(); ++i) {
    const std::string versionPath = indexPath(path + ".versions", i);
    BERTH_TRY_ASSIGN(const Json* entry, read.objectAt(*versions, i, path + ".versions"));
    BERTH_TRY_ASSIGN(const std::string status, read.string(*entry, "status", versionPath));
    BERTH_TRY_ASSIGN(const std::string version, read.string(*entry, "version", versionPath));
    if (status == "unaffected" && !version.empty()) return version;
  }
  return std::string();
}

// The producer's own analysis says these do not apply to the image.
bool dismissed(const std::string& state) {
  return state == "not_affected" || state == "false_positive" || state == "resolved" ||
         state == "resolved_with_pedigree";
}

common::Result<std::string> scannerOf(const FieldReader& read, const Json* metadata) {
  if (metadata == nullptr) return std::string();
  auto tools = metadata->find("tools");
  if (tools == metadata->end() || tools->is_null()) return std::string();
  // 1.4: an array of {vendor, name, version}; 1.5 and later: {components: [...], services}.
  const Json* list = nullptr;
  if (tools->is_array()) {
    list = &*tools;
  } else if (tools->is_object()) {
    BERTH_TRY_ASSIGN(list, read.array(*tools, "components", "metadata.tools"));
  } else {
    return read.error("metadata.tools is neither an array nor an object");
  }
  if (list == nullptr || list->empty() || !(*list)[0].is_object()) return std::string();
  BERTH_TRY_ASSIGN(const std::string name, read.string((*list)[0], "name", "metadata.tools[0]"));
  BERTH_TRY_ASSIGN(const std::string version,
                   read.string((*list)[0], "version", "metadata.tools[0]"));
  return version.empty() || name.empty() ? name : name + " " + version;
}

}  // namespace

common::Result<VulnerabilityReport> parseCycloneDxReport(std::string_view json) {
  const FieldReader read(reportFormatName(ReportFormat::CycloneDx));
  BERTH_TRY_ASSIGN(const Json doc, read.parseObject(json));
  auto bomFormat = doc.find("bomFormat");
  if (bomFormat == doc.end() || !bomFormat->is_string() || *bomFormat != "CycloneDX") {
    return read.error("bomFormat is not \"CycloneDX\"");
  }
  BERTH_TRY_ASSIGN(const std::string specVersion, read.string(doc, "specVersion", ""));
  if (specVersion != "1.4" && specVersion != "1.5" && specVersion != "1.6") {
    return read.error("specVersion \"" + specVersion + "\" is not 1.4, 1.5 or 1.6");
  }

  VulnerabilityReport report;
  report.format = ReportFormat::CycloneDx;
  std::map<std::string, Component> components;
  BERTH_TRY_ASSIGN(const Json* metadata, read.object(doc, "metadata", ""));
  if (metadata != nullptr) {
    BERTH_TRY_ASSIGN(const std::string timestamp, read.string(*metadata, "timestamp", "metadata"));
    report.createdAt = report_json::timestampSeconds(timestamp);
    BERTH_TRY_ASSIGN(report.scanner, scannerOf(read, metadata));
    BERTH_TRY_ASSIGN(const Json* subject, read.object(*metadata, "component", "metadata"));
    if (subject != nullptr) {
      BERTH_TRY(collectComponent(read, *subject, "metadata.component", 1, components));
    }
  }
  BERTH_TRY_ASSIGN(const Json* list, read.array(doc, "components", ""));
  if (list != nullptr) BERTH_TRY(collectComponents(read, *list, "components", 1, components));

  // An SBOM without vulnerabilities: no findings. Whether that means "scanned, clean" is the
  // caller's to decide.
  BERTH_TRY_ASSIGN(const Json* vulnerabilities, read.array(doc, "vulnerabilities", ""));
  for (size_t v = 0; vulnerabilities != nullptr && v < vulnerabilities->size(); ++v) {
    const std::string path = indexPath("vulnerabilities", v);
    BERTH_TRY_ASSIGN(const Json* vulnerability,
                     read.objectAt(*vulnerabilities, v, "vulnerabilities"));
    BERTH_TRY_ASSIGN(const std::string id, read.string(*vulnerability, "id", path));
    BERTH_TRY_ASSIGN(const Json* analysis, read.object(*vulnerability, "analysis", path));
    std::string state;
    if (analysis != nullptr) {
      BERTH_TRY_ASSIGN(state, read.string(*analysis, "state", childPath(path, "analysis")));
    }
    BERTH_TRY_ASSIGN(const Severity severity, highestRating(read, *vulnerability, path));
    BERTH_TRY_ASSIGN(const std::string fixedProperty,
                     fixedVersionProperty(read, *vulnerability, path));
    BERTH_TRY_ASSIGN(const Json* affects, read.array(*vulnerability, "affects", path));
    if (id.empty() || dismissed(state)) continue;

    Vulnerability base;
    base.id = id;
    base.severity = severity;
    base.fixedVersion = fixedProperty;
    if (affects == nullptr || affects->empty()) {
      report.findings.push_back(std::move(base));
      continue;
    }
    for (size_t a = 0; a < affects->size(); ++a) {
      const std::string affectedPath = indexPath(path + ".affects", a);
      BERTH_TRY_ASSIGN(const Json* affected, read.objectAt(*affects, a, path + ".affects"));
      BERTH_TRY_ASSIGN(const std::string ref, read.string(*affected, "ref", affectedPath));
      Vulnerability finding = base;
      // A ref outside this BOM (a VDR about another document) leaves the package unnamed.
      if (auto component = components.find(ref); component != components.end()) {
        finding.package = component->second.name;
        finding.installedVersion = component->second.version;
      }
      if (finding.fixedVersion.empty()) {
        BERTH_TRY_ASSIGN(finding.fixedVersion, unaffectedVersion(read, *affected, affectedPath));
      }
      report.findings.push_back(std::move(finding));
    }
  }
  return report;
}

}  // namespace berth::supplychain
