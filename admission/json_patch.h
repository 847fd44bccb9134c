#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace berth::admission {

// Escapes one reference token of a JSON pointer (RFC 6901): "~" -> "~0", "/" -> "~1".
std::string escapePointerToken(std::string_view token);

// A JSON Patch (RFC 6902) under construction; only the operations the webhook emits.
class JsonPatch {
 public:
  void add(std::string path, nlohmann::json value);
  void replace(std::string path, nlohmann::json value);
  bool empty() const { return operations_.empty(); }
  size_t size() const { return operations_.size(); }
  const nlohmann::json& operations() const { return operations_; }
  // The patch document as compact JSON text.
  std::string toJson() const;

 private:
  nlohmann::json operations_ = nlohmann::json::array();
};

}  // namespace berth::admission
