#include "admission/request_timeout.h"

#include <algorithm>
#include <array>
#include <utility>

namespace berth::admission {
namespace {

constexpr std::chrono::microseconds kDefaultTimeout = std::chrono::seconds(10);
constexpr std::chrono::microseconds kMaxTimeout = std::chrono::seconds(30);
constexpr std::chrono::microseconds kMaxMargin = std::chrono::milliseconds(500);

// "ms" comes before "m" so that it is not read as minutes.
constexpr std::array<std::pair<std::string_view, double>, 7> kUnits = {{
    {"ns", 1e-3},
    {"us", 1.0},
    {"\xC2\xB5s", 1.0},
    {"ms", 1e3},
    {"s", 1e6},
    {"m", 60e6},
    {"h", 3600e6},
}};

}  // namespace

std::optional<std::chrono::microseconds> parseGoDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") return std::chrono::microseconds(0);
  double total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t numberStart = pos;
    bool digits = false;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) {
      digits = digits || text[pos] != '.';
      ++pos;
    }
    if (!digits) return std::nullopt;
    double value = 0;
    double scale = 0;
    for (size_t i = numberStart; i < pos; ++i) {
      if (text[i] == '.') {
        if (scale != 0) return std::nullopt;
        scale = 1;
        continue;
      }
      if (scale != 0) {
        scale /= 10;
        value += (text[i] - '0') * scale;
      } else {
        value = value * 10 + (text[i] - '0');
      }
    }
    const std::string_view rest = text.substr(pos);
    const auto unit = std::find_if(kUnits.begin(), kUnits.end(), [&](const auto& u) {
      return rest.substr(0, u.first.size()) == u.first;
    });
    if (unit == kUnits.end()) return std::nullopt;
    total += value * unit->second;
    pos += unit->first.size();
    if (total > 1e15) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<int64_t>(total));
}

std::chrono::microseconds reviewBudget(std::string_view timeoutParameter) {
  auto timeout = parseGoDuration(timeoutParameter).value_or(kDefaultTimeout);
  if (timeout.count() <= 0) timeout = kDefaultTimeout;
  timeout = std::min(timeout, kMaxTimeout);
  return timeout - std::min(timeout / 10, kMaxMargin);
}

}  // namespace berth::admission
