#include "common/http/client_response.h"

#include <charconv>

namespace berth::http {

std::optional<uint64_t> Response::contentLength() const {
  if (!hasHeader(headers, "Content-Length")) return std::nullopt;
  const std::string text = header("Content-Length");
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace berth::http
