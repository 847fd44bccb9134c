// SARIF 2.1.0 as Trivy (`-f sarif`) and grype (`-o sarif`) write it: one run per scanner, one
// rule per vulnerability id, one result per vulnerable package.
#include <charconv>
#include <map>

#include "supplychain/report_json.h"
#include "supplychain/vulnerability_report.h"

namespace berth::supplychain {
namespace {

using report_json::childPath;
using report_json::FieldReader;
using report_json::indexPath;
using report_json::Json;

// A string member, read leniently: properties are a free-form bag, and rules were checked when
// the run was read.
std::string stringMember(const Json* properties, const char* key) {
  if (properties == nullptr) return {};
  auto it = properties->find(key);
  return it != properties->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// From the rule: its "security-severity" (a CVSS score as a string; GitHub's convention, which
// Trivy and grype follow), else the highest of its tags that names a severity ("CRITICAL").
std::optional<Severity> ruleSeverity(const Json* rule) {
  if (rule == nullptr) return std::nullopt;
  auto properties = rule->find("properties");
  if (properties == rule->end() || !properties->is_object()) return std::nullopt;
  const std::string score = stringMember(&*properties, "security-severity");
  double value = 0;
  const char* end = score.data() + score.size();
  if (auto [ptr, ec] = std::from_chars(score.data(), end, value);
      !score.empty() && ec == std::errc() && ptr == end) {
    if (auto severity = severityOfCvssScore(value)) return severity;
  }
  std::optional<Severity> highest;
  auto tags = properties->find("tags");
  if (tags != properties->end() && tags->is_array()) {
    for (const Json& tag : *tags) {
      if (!tag.is_string()) continue;
      auto severity = parseSeverity(tag.get<std::string>());
      if (severity && (!highest || *severity > *highest)) highest = severity;
    }
  }
  return highest;
}

// SARIF's levels say how bad a result is for the tool's user, not a CVSS rating: the last resort.
std::optional<Severity> levelSeverity(const std::string& level) {
  if (level == "error") return Severity::High;
  if (level == "warning") return Severity::Medium;
  if (level == "note") return Severity::Low;
  return std::nullopt;
}

// "Package: openssl\nInstalled Version: 3.0.11\n...": the lines of Trivy's message text.
std::string messageLine(std::string_view text, std::string_view label) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.size() > label.size() && line.substr(0, label.size()) == label &&
        line[label.size()] == ':') {
      line.remove_prefix(label.size() + 1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      return std::string(line);
    }
    start = end + 1;
  }
  return {};
}

std::string firstProperty(const Json* properties, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    std::string value = stringMember(properties, key);
    if (!value.empty()) return value;
  }
  return {};
}

struct Run {
  const Json* rules = nullptr;            // tool.driver.rules, when present
  std::map<std::string, size_t> ruleIds;  // rule id -> index in rules
};

std::optional<uint64_t> ruleIndexOf(const Json& result) {
  auto index = result.find("ruleIndex");
  if (index != result.end() && index->is_number_unsigned()) return index->get<uint64_t>();
  auto rule = result.find("rule");
  if (rule == result.end() || !rule->is_object()) return std::nullopt;
  index = rule->find("index");
  if (index != rule->end() && index->is_number_unsigned()) return index->get<uint64_t>();
  return std::nullopt;
}

// The rule a result refers to: by its id when the run has a rule of that id, else by index.
const Json* ruleOf(const Run& run, const Json& result, const std::string& id) {
  if (run.rules == nullptr) return nullptr;
  if (auto byId = run.ruleIds.find(id); !id.empty() && byId != run.ruleIds.end()) {
    return &(*run.rules)[byId->second];
  }
  const auto index = ruleIndexOf(result);
  return index && *index < run.rules->size() ? &(*run.rules)[*index] : nullptr;
}

}  // namespace

common::Result<VulnerabilityReport> parseSarifReport(std::string_view json) {
  const FieldReader read(reportFormatName(ReportFormat::Sarif));
  BERTH_TRY_ASSIGN(const Json doc, read.parseObject(json));
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_string() || *version != "2.1.0") {
    return read.error("version is not \"2.1.0\"");
  }
  BERTH_TRY_ASSIGN(const Json* runs, read.array(doc, "runs", ""));
  if (runs == nullptr) return read.error("runs is missing");

  VulnerabilityReport report;
  report.format = ReportFormat::Sarif;
  for (size_t r = 0; r < runs->size(); ++r) {
    const std::string runPath = indexPath("runs", r);
    BERTH_TRY_ASSIGN(const Json* runJson, read.objectAt(*runs, r, "runs"));
    Run run;
    BERTH_TRY_ASSIGN(const Json* tool, read.object(*runJson, "tool", runPath));
    const Json* driver = nullptr;
    if (tool != nullptr) {
      BERTH_TRY_ASSIGN(driver, read.object(*tool, "driver", runPath + ".tool"));
    }
    if (driver != nullptr) {
      const std::string driverPath = runPath + ".tool.driver";
      BERTH_TRY_ASSIGN(const std::string name, read.string(*driver, "name", driverPath));
      BERTH_TRY_ASSIGN(std::string toolVersion, read.string(*driver, "version", driverPath));
      if (toolVersion.empty()) {
        BERTH_TRY_ASSIGN(toolVersion, read.string(*driver, "semanticVersion", driverPath));
      }
      // A file with several runs names the first scanner: Trivy and grype write one run.
      if (report.scanner.empty() && !name.empty()) {
        report.scanner = toolVersion.empty() ? name : name + " " + toolVersion;
      }
      BERTH_TRY_ASSIGN(run.rules, read.array(*driver, "rules", driverPath));
      for (size_t i = 0; run.rules != nullptr && i < run.rules->size(); ++i) {
        BERTH_TRY_ASSIGN(const Json* rule, read.objectAt(*run.rules, i, driverPath + ".rules"));
        BERTH_TRY_ASSIGN(const std::string id,
                         read.string(*rule, "id", indexPath(driverPath + ".rules", i)));
        run.ruleIds.emplace(id, i);
      }
    }

    BERTH_TRY_ASSIGN(const Json* invocations, read.array(*runJson, "invocations", runPath));
    for (size_t i = 0; invocations != nullptr && i < invocations->size() && !report.createdAt;
         ++i) {
      const std::string path = indexPath(runPath + ".invocations", i);
      BERTH_TRY_ASSIGN(const Json* invocation,
                       read.objectAt(*invocations, i, runPath + ".invocations"));
      BERTH_TRY_ASSIGN(std::string time, read.string(*invocation, "endTimeUtc", path));
      if (time.empty()) {
        BERTH_TRY_ASSIGN(time, read.string(*invocation, "startTimeUtc", path));
      }
      report.createdAt = report_json::timestampSeconds(time);
    }

    BERTH_TRY_ASSIGN(const Json* results, read.array(*runJson, "results", runPath));
    for (size_t i = 0; results != nullptr && i < results->size(); ++i) {
      const std::string path = indexPath(runPath + ".results", i);
      BERTH_TRY_ASSIGN(const Json* result, read.objectAt(*results, i, runPath + ".results"));
      Vulnerability finding;
      BERTH_TRY_ASSIGN(finding.id, read.string(*result, "ruleId", path));
      if (finding.id.empty()) {
        BERTH_TRY_ASSIGN(const Json* ruleRef, read.object(*result, "rule", path));
        if (ruleRef != nullptr) {
          BERTH_TRY_ASSIGN(finding.id, read.string(*ruleRef, "id", childPath(path, "rule")));
        }
      }
      const Json* rule = ruleOf(run, *result, finding.id);
      if (finding.id.empty() && rule != nullptr) finding.id = stringMember(rule, "id");
      if (finding.id.empty()) continue;

      BERTH_TRY_ASSIGN(std::string level, read.string(*result, "level", path));
      if (level.empty() && rule != nullptr) {
        auto config = rule->find("defaultConfiguration");
        if (config != rule->end() && config->is_object()) level = stringMember(&*config, "level");
      }
      // SARIF's default level is "warning"; not applied here, so an unrated result stays
      // Unknown instead of becoming Medium.
      finding.severity =
          ruleSeverity(rule).value_or(levelSeverity(level).value_or(Severity::Unknown));

      BERTH_TRY_ASSIGN(const Json* message, read.object(*result, "message", path));
      std::string text;
      if (message != nullptr) {
        BERTH_TRY_ASSIGN(text, read.string(*message, "text", childPath(path, "message")));
      }
      finding.package = messageLine(text, "Package");
      finding.installedVersion = messageLine(text, "Installed Version");
      finding.fixedVersion = messageLine(text, "Fixed Version");
      BERTH_TRY_ASSIGN(const Json* properties, read.object(*result, "properties", path));
      if (finding.package.empty()) {
        finding.package = firstProperty(properties, {"package", "packageName", "PkgName"});
      }
      if (finding.installedVersion.empty()) {
        finding.installedVersion =
            firstProperty(properties, {"installedVersion", "InstalledVersion", "version"});
      }
      if (finding.fixedVersion.empty()) {
        finding.fixedVersion = firstProperty(properties, {"fixedVersion", "FixedVersion"});
      }
      report.findings.push_back(std::move(finding));
    }
  }
  return report;
}

}  // namespace berth::supplychain
