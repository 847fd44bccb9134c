#include "tests/support/json_lines.h"

#include <sstream>

#include "tests/support/temp_dir.h"

namespace berth::testing {

std::vector<nlohmann::json> readJsonLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(readFile(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace berth::testing
