#include "supplychain/report_json.h"

#include "common/civil_time.h"
#include "supplychain/vulnerability_report.h"

namespace berth::supplychain::report_json {
namespace {

bool absent(const Json& object, const char* key, Json::const_iterator& it) {
  it = object.find(key);
  return it == object.end() || it->is_null();
}

}  // namespace

common::Error FieldReader::error(const std::string& detail) const {
  return common::Error{common::ErrorCode::InvalidArgument, format_ + ": " + detail};
}

common::Result<Json> FieldReader::parseObject(std::string_view text) const {
  if (text.size() > kMaxReportBytes) {
    return error("too large (" + std::to_string(text.size()) + " bytes, at most " +
                 std::to_string(kMaxReportBytes) + ")");
  }
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return error("not JSON");
  if (!doc.is_object()) return error("not a JSON object");
  return doc;
}

common::Result<std::string> FieldReader::string(const Json& object, const char* key,
                                                const std::string& path) const {
  Json::const_iterator it;
  if (absent(object, key, it)) return std::string();
  if (!it->is_string()) return error(childPath(path, key) + " is not a string");
  return it->get<std::string>();
}

common::Result<const Json*> FieldReader::array(const Json& object, const char* key,
                                               const std::string& path) const {
  Json::const_iterator it;
  if (absent(object, key, it)) return static_cast<const Json*>(nullptr);
  if (!it->is_array()) return error(childPath(path, key) + " is not an array");
  return &*it;
}

common::Result<const Json*> FieldReader::object(const Json& object, const char* key,
                                                const std::string& path) const {
  Json::const_iterator it;
  if (absent(object, key, it)) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) return error(childPath(path, key) + " is not an object");
  return &*it;
}

common::Result<const Json*> FieldReader::objectAt(const Json& array, size_t index,
                                                  const std::string& path) const {
  const Json& element = array[index];
  if (!element.is_object()) return error(indexPath(path, index) + " is not an object");
  return &element;
}

std::string childPath(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

std::string indexPath(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::optional<int64_t> timestampSeconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto millis = common::parseRfc3339Millis(text);
  if (!millis) return std::nullopt;
  // Floor, not truncation: an offset can put a time just before the epoch.
  return *millis >= 0 ? *millis / 1000 : -((-*millis + 999) / 1000);
}

}  // namespace berth::supplychain::report_json
