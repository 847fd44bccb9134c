#include "common/http/headers.h"

#include <algorithm>
#include <cctype>

namespace berth::http {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string headerValue(const Headers& headers, std::string_view name, std::string_view fallback) {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string(fallback) : it->second;
}

bool hasHeader(const Headers& headers, std::string_view name) {
  return headers.find(std::string(name)) != headers.end();
}

size_t headerCount(const Headers& headers, std::string_view name) {
  return headers.count(std::string(name));
}

std::vector<std::string> headerTokens(const Headers& headers, std::string_view name) {
  std::vector<std::string> out;
  const auto [first, last] = headers.equal_range(std::string(name));
  for (auto it = first; it != last; ++it) {
    std::string_view rest = it->second;
    while (true) {
      const size_t comma = rest.find(',');
      std::string_view element = rest.substr(0, comma);
      while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) {
        element.remove_prefix(1);
      }
      while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) {
        element.remove_suffix(1);
      }
      std::string token(element);
      for (char& c : token) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(std::move(token));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

void setHeader(Headers& headers, std::string_view name, std::string_view value) {
  headers.erase(std::string(name));
  headers.emplace(std::string(name), std::string(value));
}

}  // namespace berth::http
