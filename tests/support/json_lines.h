#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::testing {

// A JSON-lines file (the audit log, the server's log) as one value per non-empty line.
std::vector<nlohmann::json> readJsonLines(const std::string& path);

}  // namespace berth::testing
