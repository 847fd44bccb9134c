#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::common {

// Command-line flags: "--name value", "--name=value", repeated flags, boolean switches and
// positional arguments. Every flag must be declared, so a typo is an error, not a silent default.
class Args {
 public:
  struct Flag {
    std::string name;
    std::string valueName;  // empty for a boolean switch
    std::string help;
    bool repeated = false;
  };

  Args(std::string usage, std::string description, std::vector<Flag> flags);

  // Parses argv after the subcommand words. "--help"/"-h" sets helpRequested().
  Status parse(const std::vector<std::string>& argv);

  // The start every subcommand shares: parses argv, then prints a usage error as
  // "<prefix><message>" to `err` (exit code 2) or the help text to `out` (exit code 0). A
  // positional argument is a usage error unless `positionalAllowed`. Returns the exit code when
  // the command should stop here, nullopt when it should go on.
  std::optional<int> parseOrExit(const std::vector<std::string>& argv, const std::string& prefix,
                                 std::ostream& out, std::ostream& err,
                                 bool positionalAllowed = false);

  bool helpRequested() const { return help_; }
  std::string helpText() const;

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const Flag* find(const std::string& name) const;

  std::string usage_;
  std::string description_;
  std::vector<Flag> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace berth::common
