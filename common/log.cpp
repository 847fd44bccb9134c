#include "common/log.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>

namespace berth::common {

Result<LogLevel> parseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::Debug;
  if (text == "info") return LogLevel::Info;
  if (text == "warn" || text == "warning") return LogLevel::Warn;
  if (text == "error") return LogLevel::Error;
  return Error{ErrorCode::InvalidArgument,
               "unknown log level '" + std::string(text) + "' (use debug, info, warn or error)"};
}

double logMilliseconds(double seconds) { return std::round(seconds * 1e6) / 1e3; }

std::string nowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const size_t n = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof(buffer) - n, ".%03dZ", static_cast<int>(millis));
  return buffer;
}

Logger::Logger(LogLevel level, std::FILE* out) : level_(level), out_(out) {}

void Logger::log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  nlohmann::json line = {{"time", nowRfc3339()},
                         {"level", kNames[static_cast<int>(level)]},
                         {"msg", std::string(message)}};
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Replace invalid UTF-8 instead of throwing: log input often comes from clients.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  // One write(2) per line and no lock held across it: concurrent lines never interleave (an
  // O_APPEND file or a pipe with lines under PIPE_BUF keeps each write whole), and a slow
  // terminal or pipe does not serialise every request thread behind one mutex.
  const int fd = fileno(out_);
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing log
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace berth::common
