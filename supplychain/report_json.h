#pragma once

// What the vulnerability-report parsers share: reading one document's fields with errors that
// name the field and the format. Internal to supplychain/ (it exposes nlohmann::json).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace berth::supplychain::report_json {

using Json = nlohmann::json;

// Reads fields for one format's parser. Absent and null fields read as empty; a field present
// with another JSON type is an InvalidArgument naming the format and the field's path
// ("Trivy JSON: Results[0].Target is not a string").
class FieldReader {
 public:
  explicit FieldReader(std::string_view format) : format_(format) {}

  common::Error error(const std::string& detail) const;

  // The whole document: refused when larger than kMaxReportBytes, not JSON or not an object.
  common::Result<Json> parseObject(std::string_view text) const;

  common::Result<std::string> string(const Json& object, const char* key,
                                     const std::string& path) const;
  // nullptr when absent.
  common::Result<const Json*> array(const Json& object, const char* key,
                                    const std::string& path) const;
  common::Result<const Json*> object(const Json& object, const char* key,
                                     const std::string& path) const;
  // The element at `index` of an array that must hold objects.
  common::Result<const Json*> objectAt(const Json& array, size_t index,
                                       const std::string& path) const;

 private:
  std::string format_;
};

// "Results[0]" and "Results[0].Target": the paths the errors name.
std::string childPath(const std::string& path, const char* key);
std::string indexPath(const std::string& path, size_t index);

// Seconds since the epoch of an RFC 3339 time, empty when `text` is empty or not one.
std::optional<int64_t> timestampSeconds(const std::string& text);

}  // namespace berth::supplychain::report_json
