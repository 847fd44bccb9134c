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

std::string headerValue(const Headers& headers, std::string_view name,
                        std::string_view fallback) {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string(fallback) : it->second;
}

bool hasHeader(const Headers& headers, std::string_view name) {
  return headers.find(std::string(name)) != headers.end();
}

size_t headerCount(const Headers& headers, std::string_view name) {
  return headers.count(std::string(name));
}

void setHeader(Headers& headers, std::string_view name, std::string_view value) {
  headers.erase(std::string(name));
  headers.emplace(std::string(name), std::string(value));
}

}  // namespace berth::http
