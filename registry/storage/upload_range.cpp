#include "registry/storage/upload_range.h"

#include <charconv>
#include <string>

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

std::optional<uint64_t> parseNumber(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Error rangeError(std::string message) { return Error{ErrorCode::RangeInvalid, std::move(message)}; }

}  // namespace

common::Result<ByteRange> parseContentRange(std::string_view header) {
  std::string_view text = trim(header);
  if (text.starts_with("bytes=")) {
    text.remove_prefix(6);
  } else if (text.starts_with("bytes ")) {
    text.remove_prefix(6);
  }
  if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
    text = text.substr(0, slash);
  }
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return rangeError("malformed Content-Range");
  const auto first = parseNumber(trim(text.substr(0, dash)));
  const auto last = parseNumber(trim(text.substr(dash + 1)));
  if (!first || !last || *last < *first) return rangeError("malformed Content-Range");
  return ByteRange{*first, *last};
}

common::Status checkChunkRange(uint64_t currentSize, const ByteRange& range,
                               std::optional<uint64_t> bodyLength) {
  if (range.first != currentSize) {
    return rangeError("chunk starts at " + std::to_string(range.first) + " but the upload has " +
                      std::to_string(currentSize) + " bytes");
  }
  if (bodyLength && *bodyLength != range.length()) {
    return rangeError("Content-Range covers " + std::to_string(range.length()) +
                      " bytes but the body has " + std::to_string(*bodyLength));
  }
  return {};
}

std::string uploadRangeHeader(uint64_t size) {
  return "0-" + std::to_string(size == 0 ? 0 : size - 1);
}

common::Result<std::optional<ByteRange>> resolveDownloadRange(std::string_view header,
                                                              uint64_t size) {
  std::string_view text = trim(header);
  if (text.empty()) return std::optional<ByteRange>{};
  if (!text.starts_with("bytes=")) return rangeError("only byte ranges are supported");
  text.remove_prefix(6);
  if (text.find(',') != std::string_view::npos) return rangeError("only one range is supported");
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return rangeError("malformed Range");
  const std::string_view a = trim(text.substr(0, dash));
  const std::string_view b = trim(text.substr(dash + 1));
  if (a.empty()) {  // suffix: the last N bytes
    const auto suffix = parseNumber(b);
    if (!suffix || *suffix == 0 || size == 0) return rangeError("unsatisfiable Range");
    const uint64_t n = std::min(*suffix, size);
    return std::optional<ByteRange>{ByteRange{size - n, size - 1}};
  }
  const auto first = parseNumber(a);
  if (!first || *first >= size) return rangeError("unsatisfiable Range");
  uint64_t last = size - 1;
  if (!b.empty()) {
    const auto parsed = parseNumber(b);
    if (!parsed || *parsed < *first) return rangeError("malformed Range");
    last = std::min(*parsed, size - 1);
  }
  return std::optional<ByteRange>{ByteRange{*first, last}};
}

}  // namespace berth::registry
