#include "server/audit_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/args.h"
#include "common/clock.h"
#include "registry/audit/report.h"
#include "registry/audit/summary.h"

namespace berth::server {

using registry::AuditSummary;
using registry::parseAuditLine;
using registry::parseSince;
using registry::writeAuditJson;
using registry::writeAuditTable;
namespace {

constexpr const char* kCommand = "berth audit: ";

common::Args auditArgs() {
  return common::Args(
      "berth audit [--since DURATION_OR_TIME] [--log FILE] [--output table|json]",
      "Summarises a registry audit log: per image, who pulled, pushed or deleted it, how often\n"
      "and when last. Counts successful manifest requests only.",
      {
          {"log", "FILE",
           "the audit log to read, '-' for standard input (the default when it "
           "is not a terminal)"},
          {"since", "DURATION_OR_TIME",
           "only events since 30m/12h/7d ago, or since a time "
           "such as 2024-05-01T00:00:00Z"},
          {"output", "FORMAT", "table (default) or json"},
      });
}

// Reads every line into the summary; malformed lines are counted, reported once, and skipped,
// so one torn line (a crash mid-write) does not hide the rest of the log.
void summarise(std::istream& in, AuditSummary& summary, std::ostream& err) {
  std::string line;
  size_t lineNumber = 0;
  size_t skipped = 0;
  std::string firstProblem;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (line.empty()) continue;
    auto record = parseAuditLine(line);
    if (!record) {
      if (skipped++ == 0) {
        firstProblem = "line " + std::to_string(lineNumber) + ": " + record.error().message;
      }
      continue;
    }
    summary.add(*record);
  }
  if (skipped > 0) {
    err << kCommand << "skipped " << skipped << " malformed line" << (skipped == 1 ? "" : "s")
        << " (first: " << firstProblem << ")\n";
  }
}

}  // namespace

int auditCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args = auditArgs();
  if (auto exit = args.parseOrExit(argv, kCommand, out, err)) return *exit;
  const std::string output = args.get("output").value_or("table");
  if (output != "table" && output != "json") {
    err << kCommand << "invalid --output '" << output << "': use table or json\n";
    return 2;
  }
  int64_t since = 0;
  if (auto text = args.get("since")) {
    auto parsed = parseSince(*text, common::SystemClock().unixMillis());
    if (!parsed) {
      err << kCommand << parsed.error().message << "\n";
      return 2;
    }
    since = *parsed;
  }
  const std::string path = args.get("log").value_or("-");
  if (path == "-" && !args.has("log") && isatty(STDIN_FILENO)) {
    err << kCommand << "no audit log given: use --log FILE (or pipe the log in)\n";
    return 2;
  }
  AuditSummary summary(since);
  if (path == "-") {
    summarise(std::cin, summary, err);
  } else {
    std::ifstream file(path);
    if (!file) {
      err << kCommand << "cannot read " << path << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    summarise(file, summary, err);
    if (file.bad()) {
      err << kCommand << "error while reading " << path << "\n";
      return 1;
    }
  }
  if (output == "json") {
    writeAuditJson(summary, out);
  } else {
    writeAuditTable(summary, out);
  }
  return 0;
}

}  // namespace berth::server
