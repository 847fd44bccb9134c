// OpenVEX 0.2.0 (https://openvex.dev/ns/v0.2.0), as vexctl writes it. Also read: the 0.0.x shape
// where a statement's vulnerability is a plain string and products are plain strings.
#include <algorithm>
#include <array>

#include "supplychain/report_json.h"
#include "supplychain/vulnerability_report.h"

namespace berth::supplychain {
namespace {

using report_json::childPath;
using report_json::FieldReader;
using report_json::indexPath;
using report_json::Json;

constexpr std::string_view kContextPrefix = "https://openvex.dev/ns";
constexpr std::array<std::string_view, 4> kStatuses = {"not_affected", "affected", "fixed",
                                                       "under_investigation"};

// A product or subcomponent: a string, or an object with an @id, else an identifiers.purl.
common::Result<std::string> componentId(const FieldReader& read, const Json& entry,
                                        const std::string& path) {
  if (entry.is_string()) return entry.get<std::string>();
  if (!entry.is_object()) return read.error(path + " is neither a string nor an object");
  BERTH_TRY_ASSIGN(std::string id, read.string(entry, "@id", path));
  if (!id.empty()) return id;
  BERTH_TRY_ASSIGN(const Json* identifiers, read.object(entry, "identifiers", path));
  if (identifiers == nullptr) return std::string();
  return read.string(*identifiers, "purl", childPath(path, "identifiers"));
}

common::Status readProducts(const FieldReader& read, const Json& statement, const std::string& path,
                            VexStatement& out) {
  BERTH_TRY_ASSIGN(const Json* products, read.array(statement, "products", path));
  for (size_t p = 0; products != nullptr && p < products->size(); ++p) {
    const std::string productPath = indexPath(path + ".products", p);
    const Json& product = (*products)[p];
    BERTH_TRY_ASSIGN(std::string id, componentId(read, product, productPath));
    if (!id.empty()) out.products.push_back(std::move(id));
    if (!product.is_object()) continue;
    BERTH_TRY_ASSIGN(const Json* subcomponents, read.array(product, "subcomponents", productPath));
    for (size_t s = 0; subcomponents != nullptr && s < subcomponents->size(); ++s) {
      BERTH_TRY_ASSIGN(std::string sub, componentId(read, (*subcomponents)[s],
                                                    indexPath(productPath + ".subcomponents", s)));
      if (!sub.empty()) out.subcomponents.push_back(std::move(sub));
    }
  }
  return common::ok();
}

common::Status readVulnerability(const FieldReader& read, const Json& statement,
                                 const std::string& path, VexStatement& out) {
  auto vulnerability = statement.find("vulnerability");
  if (vulnerability == statement.end() || vulnerability->is_null()) return common::ok();
  const std::string vulnerabilityPath = childPath(path, "vulnerability");
  if (vulnerability->is_string()) {
    out.vulnerability = vulnerability->get<std::string>();
    return common::ok();
  }
  if (!vulnerability->is_object()) {
    return read.error(vulnerabilityPath + " is neither a string nor an object");
  }
  BERTH_TRY_ASSIGN(out.vulnerability, read.string(*vulnerability, "name", vulnerabilityPath));
  BERTH_TRY_ASSIGN(const Json* aliases, read.array(*vulnerability, "aliases", vulnerabilityPath));
  for (size_t a = 0; aliases != nullptr && a < aliases->size(); ++a) {
    if (!(*aliases)[a].is_string()) {
      return read.error(indexPath(vulnerabilityPath + ".aliases", a) + " is not a string");
    }
    out.aliases.push_back((*aliases)[a].get<std::string>());
  }
  return common::ok();
}

}  // namespace

common::Result<VexDocument> parseOpenVex(std::string_view json) {
  const FieldReader read("OpenVEX");
  BERTH_TRY_ASSIGN(const Json doc, read.parseObject(json));
  BERTH_TRY_ASSIGN(const std::string context, read.string(doc, "@context", ""));
  if (context.rfind(kContextPrefix, 0) != 0) {
    return read.error("@context does not start with \"" + std::string(kContextPrefix) + "\"");
  }
  VexDocument document;
  BERTH_TRY_ASSIGN(document.id, read.string(doc, "@id", ""));
  if (document.id.empty()) return read.error("@id is missing");
  BERTH_TRY_ASSIGN(const std::string timestamp, read.string(doc, "timestamp", ""));
  document.timestamp = report_json::timestampSeconds(timestamp);
  BERTH_TRY_ASSIGN(const Json* statements, read.array(doc, "statements", ""));
  if (statements == nullptr) return read.error("statements is missing");

  for (size_t i = 0; i < statements->size(); ++i) {
    const std::string path = indexPath("statements", i);
    BERTH_TRY_ASSIGN(const Json* statement, read.objectAt(*statements, i, "statements"));
    VexStatement out;
    BERTH_TRY(readVulnerability(read, *statement, path, out));
    BERTH_TRY(readProducts(read, *statement, path, out));
    // A gate acts on the status: one it does not know must not read as any of these.
    BERTH_TRY_ASSIGN(out.status, read.string(*statement, "status", path));
    if (std::find(kStatuses.begin(), kStatuses.end(), out.status) == kStatuses.end()) {
      return read.error(childPath(path, "status") + " \"" + out.status +
                        "\" is not not_affected, affected, fixed or under_investigation");
    }
    BERTH_TRY_ASSIGN(out.justification, read.string(*statement, "justification", path));
    BERTH_TRY_ASSIGN(const std::string statementTime, read.string(*statement, "timestamp", path));
    out.timestamp = report_json::timestampSeconds(statementTime);
    if (!out.timestamp) out.timestamp = document.timestamp;
    if (out.vulnerability.empty()) continue;
    document.statements.push_back(std::move(out));
  }
  return document;
}

}  // namespace berth::supplychain
