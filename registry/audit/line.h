#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "registry/audit/audit_log.h"

namespace berth::registry {

// One audit line as a JSON object without the newline: {"time","client","user","userAgent",
// "operation","repository","reference","digest","status","bytes","durationMs"}. Invalid UTF-8
// from clients is replaced, never thrown on.
std::string formatAuditLine(const AuditEvent& event, const std::string& time);

// An audit line read back, for `berth audit`.
struct AuditRecord {
  std::string time;
  int64_t timeMillis = 0;  // `time` as milliseconds since the epoch
  std::string client;
  std::string user;  // "" for anonymous
  std::string userAgent;
  std::string operation;
  std::string repository;
  std::string reference;
  std::string digest;
  int status = 0;
  uint64_t bytes = 0;
};

// InvalidArgument for lines that are not a JSON object with a valid RFC 3339 "time".
common::Result<AuditRecord> parseAuditLine(std::string_view line);

}  // namespace berth::registry
