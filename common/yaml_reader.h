#pragma once

// Included only from .cpp files that parse YAML (config, policies): yaml-cpp stays out of
// every other header.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace berth::common {

// "file:line:column" of a node, 1-based, for error messages.
std::string yamlPosition(const std::string& file, const YAML::Node& node);
std::string yamlPosition(const std::string& file, const YAML::Mark& mark);

// Reads one YAML mapping strictly: every key must be asked for, or finish() reports it as
// unknown. Errors are collected, not thrown, so one pass reports everything that is wrong.
class YamlMapReader {
 public:
  YamlMapReader(const YAML::Node& node, std::string file, std::string context,
                std::vector<std::string>& errors);

  bool valid() const { return valid_; }
  bool has(const std::string& key);

  std::optional<std::string> string(const std::string& key, bool required = false);
  // A file or directory name: a relative one is taken relative to the directory of the file
  // being read (as nginx and zot read theirs), so a configuration means the same from any
  // working directory.
  std::optional<std::string> path(const std::string& key, bool required = false);
  std::string resolvePath(const std::string& value) const;
  std::optional<bool> boolean(const std::string& key, bool required = false);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max,
                                 bool required = false);
  // Accepts "90s", "5m", "2h", "1d" or a bare number of seconds.
  std::optional<int64_t> durationSeconds(const std::string& key, bool required = false);
  std::optional<std::vector<std::string>> stringList(const std::string& key, bool required = false);
  // The raw child, marked as known; an undefined node when absent.
  YAML::Node node(const std::string& key, bool required = false);

  void error(const YAML::Node& at, const std::string& message);
  // Reports keys that were never asked for.
  void finish();

  const std::string& file() const { return file_; }
  const std::string& context() const { return context_; }
  // Where errors are collected: readers of nested mappings add theirs to the same list.
  std::vector<std::string>& errors() { return errors_; }

 private:
  YAML::Node lookup(const std::string& key, bool required);

  YAML::Node node_;
  std::string file_;
  std::string context_;
  std::vector<std::string>& errors_;
  std::set<std::string> known_;
  bool valid_ = true;
};

}  // namespace berth::common
