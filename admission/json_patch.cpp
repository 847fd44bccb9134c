#include "admission/json_patch.h"

namespace berth::admission {

std::string escapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size() + 2);
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void JsonPatch::add(std::string path, nlohmann::json value) {
  operations_.push_back({{"op", "add"}, {"path", std::move(path)}, {"value", std::move(value)}});
}

void JsonPatch::replace(std::string path, nlohmann::json value) {
  operations_.push_back(
      {{"op", "replace"}, {"path", std::move(path)}, {"value", std::move(value)}});
}

std::string JsonPatch::toJson() const {
  return operations_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace berth::admission
