#include "common/yaml_reader.h"

#include <charconv>
#include <filesystem>

namespace berth::common {

std::string yamlPosition(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return file;
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string yamlPosition(const std::string& file, const YAML::Node& node) {
  return yamlPosition(file, node.Mark());
}

YamlMapReader::YamlMapReader(const YAML::Node& node, std::string file, std::string context,
                             std::vector<std::string>& errors)
    : node_(node), file_(std::move(file)), context_(std::move(context)), errors_(errors) {
  if (!node_.IsMap()) {
    valid_ = false;
    errors_.push_back(yamlPosition(file_, node_) + ": " + context_ + " must be a mapping");
  }
}

void YamlMapReader::error(const YAML::Node& at, const std::string& message) {
  const YAML::Mark mark = at.IsDefined() ? at.Mark() : node_.Mark();
  errors_.push_back(yamlPosition(file_, mark) + ": " + context_ + ": " + message);
}

bool YamlMapReader::has(const std::string& key) {
  return valid_ && node_[key].IsDefined() && !node_[key].IsNull();
}

YAML::Node YamlMapReader::lookup(const std::string& key, bool required) {
  known_.insert(key);
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node child = node_[key];
  if (!child.IsDefined() || child.IsNull()) {
    if (required) error(node_, "missing required field '" + key + "'");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return child;
}

YAML::Node YamlMapReader::node(const std::string& key, bool required) {
  return lookup(key, required);
}

std::optional<std::string> YamlMapReader::string(const std::string& key, bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  if (!child.IsScalar()) {
    error(child, "'" + key + "' must be a string");
    return std::nullopt;
  }
  return child.Scalar();
}

std::optional<std::string> YamlMapReader::path(const std::string& key, bool required) {
  auto value = string(key, required);
  if (value) *value = resolvePath(*value);
  return value;
}

std::string YamlMapReader::resolvePath(const std::string& value) const {
  const std::filesystem::path given(value);
  const std::filesystem::path base = std::filesystem::path(file_).parent_path();
  if (value.empty() || given.is_absolute() || base.empty()) return value;
  return (base / given).lexically_normal().string();
}

std::optional<bool> YamlMapReader::boolean(const std::string& key, bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  const std::string text = child.IsScalar() ? child.Scalar() : "";
  if (text == "true") return true;
  if (text == "false") return false;
  error(child, "'" + key + "' must be true or false");
  return std::nullopt;
}

std::optional<int64_t> YamlMapReader::integer(const std::string& key, int64_t min, int64_t max,
                                              bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  const std::string text = child.IsScalar() ? child.Scalar() : "";
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    error(child, "'" + key + "' must be an integer");
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(child,
          "'" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> YamlMapReader::durationSeconds(const std::string& key, bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  std::string text = child.IsScalar() ? child.Scalar() : "";
  int64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's':
        unit = 1;
        text.pop_back();
        break;
      case 'm':
        unit = 60;
        text.pop_back();
        break;
      case 'h':
        unit = 3600;
        text.pop_back();
        break;
      case 'd':
        unit = 86400;
        text.pop_back();
        break;
      default:
        break;
    }
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    error(child, "'" + key + "' must be a duration such as 30s, 5m, 2h or 1d");
    return std::nullopt;
  }
  return value * unit;
}

std::optional<std::vector<std::string>> YamlMapReader::stringList(const std::string& key,
                                                                  bool required) {
  YAML::Node child = lookup(key, required);
  if (!child.IsDefined()) return std::nullopt;
  if (child.IsScalar()) return std::vector<std::string>{child.Scalar()};
  if (!child.IsSequence()) {
    error(child, "'" + key + "' must be a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : child) {
    if (!item.IsScalar()) {
      error(item, "'" + key + "' must contain only strings");
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

void YamlMapReader::finish() {
  if (!valid_) return;
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (!known_.count(key)) {
      errors_.push_back(yamlPosition(file_, entry.first) + ": " + context_ + ": unknown key '" +
                        key + "'");
    }
  }
}

}  // namespace berth::common
