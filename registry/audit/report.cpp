#include "registry/audit/report.h"

#include <algorithm>
#include <array>
#include <ostream>

#include <nlohmann/json.hpp>

namespace berth::registry {
namespace {

constexpr size_t kColumns = 7;
using Row = std::array<std::string, kColumns>;

// Digests are long; the first 12 hex digits identify an image in a table, as in `docker images`.
std::string shortDigest(const std::string& digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string::npos || digest.size() <= colon + 13) return digest;
  return digest.substr(0, colon + 13);
}

std::string userName(const std::string& user) { return user.empty() ? "(anonymous)" : user; }

// Log fields come from clients: no escape sequence reaches the terminal.
std::string printable(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

}  // namespace

void writeAuditTable(const AuditSummary& summary, std::ostream& out) {
  if (summary.images().empty()) {
    out << "No manifest pulls, pushes or deletes in the audit log.\n";
    return;
  }
  std::vector<Row> rows;
  rows.push_back({"REPOSITORY", "REFERENCE", "DIGEST", "ACTION", "USER", "COUNT", "LAST"});
  for (const auto& [key, image] : summary.images()) {
    for (const auto& [action, users] : image.actions) {
      for (const auto& [user, count] : users) {
        rows.push_back({image.repository, shortDigest(image.reference), shortDigest(image.digest),
                        action, userName(user), std::to_string(count.count), count.last});
      }
    }
  }
  std::array<size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (size_t i = 0; i < kColumns; ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (Row& row : rows) {
    for (std::string& cell : row) cell = printable(std::move(cell));
    std::string line;
    for (size_t i = 0; i < kColumns; ++i) {
      line += row[i];
      if (i + 1 < kColumns) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void writeAuditJson(const AuditSummary& summary, std::ostream& out) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& [key, image] : summary.images()) {
    nlohmann::json entry = {
        {"repository", image.repository}, {"reference", image.reference}, {"digest", image.digest}};
    for (const auto& [action, users] : image.actions) {
      uint64_t total = 0;
      std::string last;
      int64_t lastMillis = 0;
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [user, count] : users) {
        total += count.count;
        if (last.empty() || count.lastMillis >= lastMillis) {
          last = count.last;
          lastMillis = count.lastMillis;
        }
        list.push_back({{"user", user}, {"count", count.count}, {"last", count.last}});
      }
      entry[action] = {{"count", total}, {"last", last}, {"users", list}};
    }
    images.push_back(std::move(entry));
  }
  const nlohmann::json document = {{"images", images}};
  out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace berth::registry
