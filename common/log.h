#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace berth::common {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

Result<LogLevel> parseLogLevel(std::string_view text);

// Writes one JSON object per line: {"time","level","msg",...fields}. Owned by the server and
// passed by reference; thread-safe. nlohmann::json is part of the interface on purpose: every
// caller builds structured fields, and a wrapper would only copy its API.
class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::Info, std::FILE* out = stderr);

  bool enabled(LogLevel level) const { return level >= level_; }
  void log(LogLevel level, std::string_view message, const nlohmann::json& fields = {});
  void debug(std::string_view m, const nlohmann::json& f = {}) { log(LogLevel::Debug, m, f); }
  void info(std::string_view m, const nlohmann::json& f = {}) { log(LogLevel::Info, m, f); }
  void warn(std::string_view m, const nlohmann::json& f = {}) { log(LogLevel::Warn, m, f); }
  void error(std::string_view m, const nlohmann::json& f = {}) { log(LogLevel::Error, m, f); }

 private:
  LogLevel level_;
  std::FILE* out_;
};

// RFC 3339 UTC time with milliseconds, as used in logs and audit lines.
std::string nowRfc3339();

// A duration as log and audit lines give it: milliseconds to the microsecond. Whole microseconds
// divided by 1,000 print as the short decimal ("0.092"), where seconds * 1000 prints as
// "0.09194000000000001".
double logMilliseconds(double seconds);

}  // namespace berth::common

namespace berth::common {
// True when the name is a valid log level (debug, info, warn, warning, error).
inline bool parseLogLevelName(std::string_view text) { return parseLogLevel(text).has_value(); }
}  // namespace berth::common
