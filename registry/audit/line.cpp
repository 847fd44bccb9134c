#include "registry/audit/line.h"

#include <nlohmann/json.hpp>

#include "common/civil_time.h"
#include "common/log.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;
using nlohmann::json;

std::string stringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string formatAuditLine(const AuditEvent& event, const std::string& time) {
  const json line = {{"time", time},
                     {"client", event.clientAddress},
                     {"user", event.user},
                     {"userAgent", event.userAgent},
                     {"operation", auditOperationName(event.operation)},
                     {"repository", event.repository},
                     {"reference", event.reference},
                     {"digest", event.digest},
                     {"status", event.status},
                     {"bytes", event.bytes},
                     {"durationMs", common::logMilliseconds(event.durationSeconds)}};
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

common::Result<AuditRecord> parseAuditLine(std::string_view line) {
  const json object = json::parse(line, nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    return Error{ErrorCode::InvalidArgument, "not a JSON object"};
  }
  AuditRecord record;
  record.time = stringField(object, "time");
  auto millis = common::parseRfc3339Millis(record.time);
  if (!millis) return Error{ErrorCode::InvalidArgument, "missing or invalid \"time\""};
  record.timeMillis = *millis;
  record.client = stringField(object, "client");
  record.user = stringField(object, "user");
  record.userAgent = stringField(object, "userAgent");
  record.operation = stringField(object, "operation");
  record.repository = stringField(object, "repository");
  record.reference = stringField(object, "reference");
  record.digest = stringField(object, "digest");
  if (auto it = object.find("status"); it != object.end() && it->is_number_integer()) {
    record.status = it->get<int>();
  }
  if (auto it = object.find("bytes"); it != object.end() && it->is_number_unsigned()) {
    record.bytes = it->get<uint64_t>();
  }
  return record;
}

}  // namespace berth::registry
